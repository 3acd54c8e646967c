"""KPI definitions: one replication's contact records -> the planner's numbers.

These definitions are the result contract (see README, "Result contract"). The
*counted window* is ``[warmup, periods x interval)`` of **arrival** times; warm-up
lies inside the periods. Every contact counted has an outcome because the run
drains.

Per channel:

offered
    contacts arriving on the channel in the window (new journeys and hops in).
new, hops_in
    of those, first contacts of a journey / later contacts (redials, switches,
    recontacts).
answered
    offered contacts that reached an agent.
abandoned
    offered contacts that left the queue unserved.
redialled, switched_out
    offered contacts whose customer's next contact was on the same / another channel.
service_level
    answered within the channel's threshold / offered (abandoners count as missed).
asa
    mean wait of answered contacts (s).
mean_wait
    mean wait of all offered contacts (s).
abandoned_wait
    mean wait of abandoned contacts before they left (s).
abandon_rate
    abandoned / offered.
p_wait
    share of offered contacts that found no agent free on arrival.
aht
    mean handle time of answered contacts (s).
queue_length
    time-average number of contacts waiting during the window.

Per agent group:

occupancy
    agent time busy / agent time staffed, in the window.
scheduled
    agents scheduled (mean over the window's intervals).

Per journey (journeys whose first contact arrives in the window): customers,
resolved, lost (gave up or left unresolved), max_attempts (wanted to try again but
had used every attempt), mean_attempts (contacts per journey), time_to_resolution
(s, first arrival to the end of the resolving contact, resolved journeys only),
and flows: contacts from channel i followed by a contact on channel j.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .engine import ABANDONED, ANSWERED, LOST, MAX_ATTEMPTS, RESOLVED, Model, RawRun

__all__ = [
    "CHANNEL_KPIS",
    "GROUP_KPIS",
    "JOURNEY_KPIS",
    "channel_table",
    "flow_table",
    "group_table",
    "journey_row",
]

CHANNEL_KPIS = (
    "offered",
    "new",
    "hops_in",
    "answered",
    "abandoned",
    "redialled",
    "switched_out",
    "service_level",
    "asa",
    "mean_wait",
    "abandoned_wait",
    "abandon_rate",
    "p_wait",
    "aht",
    "queue_length",
)
GROUP_KPIS = ("occupancy", "scheduled", "busy_agents")
JOURNEY_KPIS = (
    "customers",
    "resolved",
    "lost",
    "max_attempts",
    "mean_attempts",
    "time_to_resolution",
)


def _integral_to(times: np.ndarray, x: np.ndarray) -> np.ndarray:
    """sum over t in ``times`` of max(x - t, 0), for every x (times sorted)."""
    n = np.searchsorted(times, x, side="left")
    csum = np.concatenate([[0.0], np.cumsum(times)])
    return n * x - csum[n]


def _time_in(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Total overlap of [start, end) spans with each [edges[i], edges[i+1])."""
    cum = _integral_to(np.sort(starts), edges) - _integral_to(np.sort(ends), edges)
    return np.diff(cum)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _channel_kpis(
    run: RawRun,
    sel: np.ndarray,
    key: np.ndarray,
    n_keys: int,
    thresholds: np.ndarray,
    span: np.ndarray,
    queue_time: np.ndarray,
) -> dict[str, np.ndarray]:
    """KPIs of the selected contacts, grouped by ``key`` (0..n_keys-1)."""

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        m = sel & mask
        return np.bincount(key[m], None if weights is None else weights[m], minlength=n_keys)

    wait = run.wait
    everything = np.ones(len(key), bool)
    answered = run.outcome == ANSWERED
    abandoned = run.outcome == ABANDONED
    offered = count(everything)
    n_ans = count(answered)
    n_ab = count(abandoned)
    within = count(answered & (wait <= thresholds))
    waited = ~(answered & (wait == 0.0))
    nxt = _next_channel(run)
    return {
        "offered": offered.astype(float),
        "new": count(run.attempt == 1).astype(float),
        "hops_in": count(run.attempt > 1).astype(float),
        "answered": n_ans.astype(float),
        "abandoned": n_ab.astype(float),
        "redialled": count(nxt == run.channel).astype(float),
        "switched_out": count((nxt >= 0) & (nxt != run.channel)).astype(float),
        "service_level": _ratio(within, offered),
        "asa": _ratio(count(answered, wait), n_ans),
        "mean_wait": _ratio(count(everything, wait), offered),
        "abandoned_wait": _ratio(count(abandoned, wait), n_ab),
        "abandon_rate": _ratio(n_ab, offered),
        "p_wait": _ratio(count(waited), offered),
        "aht": _ratio(count(answered, run.handle), n_ans),
        "queue_length": queue_time / span,
    }


def _next_channel(run: RawRun) -> np.ndarray:
    """Channel of the contact each contact led to, -1 if none."""
    nxt = np.full(len(run.channel), -1, dtype=np.int64)
    hops = np.flatnonzero(run.previous >= 0)
    nxt[run.previous[hops]] = run.channel[hops]
    return nxt


def channel_table(
    m: Model, run: RawRun, thresholds: np.ndarray, warmup: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per channel KPIs over the counted window, and per channel per period.

    ``thresholds`` are the service-level thresholds (s) per channel index.
    Per-period rows cover every period (warm-up periods too), by arrival period.
    """
    C, P, width = len(m.channels), m.periods, m.interval
    horizon = m.horizon
    thr = thresholds[run.channel]
    counted = (run.arrival >= warmup) & (run.arrival < horizon)
    edges = np.arange(P + 1) * width
    q_per = np.zeros((C, P))
    q_tot = np.zeros(C)
    for c in range(C):
        mine = run.channel == c
        a, e = run.arrival[mine], run.wait_end[mine]
        q_per[c] = _time_in(a, e, edges)
        q_tot[c] = _time_in(a, e, np.array([warmup, horizon]))[0]
    totals = _channel_kpis(run, counted, run.channel, C, thr, np.full(C, horizon - warmup), q_tot)
    period = np.minimum((run.arrival // width).astype(np.int64), P - 1)
    in_periods = run.arrival < horizon
    per = _channel_kpis(
        run,
        in_periods,
        run.channel * P + period,
        C * P,
        thr,
        np.full(C * P, width),
        q_per.ravel(),
    )
    tot = pd.DataFrame({"channel": list(m.channels), **totals})
    per_df = pd.DataFrame(
        {
            "period": np.tile(np.arange(P), C),
            "channel": np.repeat(list(m.channels), P),
            **per,
        }
    )
    return tot, per_df


def _staffed_time(run: RawRun, g: int, edges: np.ndarray) -> np.ndarray:
    """Agent-seconds present in group g within each [edges[i], edges[i+1])."""
    sel = run.staff_groups == g
    t = run.staff_times[sel]
    n = run.staff_present[sel].astype(float)
    # present(t) is piecewise constant: n[i] from t[i] until t[i+1]
    order = np.argsort(t, kind="stable")
    t, n = t[order], n[order]
    cum_at_t = np.concatenate([[0.0], np.cumsum(n[:-1] * np.diff(t))])
    idx = np.searchsorted(t, edges, side="right") - 1
    idx = np.maximum(idx, 0)
    cum = cum_at_t[idx] + n[idx] * (edges - t[idx])
    return np.diff(cum)


def group_table(m: Model, run: RawRun, warmup: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per group occupancy over the counted window, and per group per period."""
    P, width = m.periods, m.interval
    edges = np.arange(P + 1) * width
    window = np.array([warmup, m.horizon])
    answered = run.outcome == ANSWERED
    start, end = run.wait_end, run.wait_end + run.handle
    first_counted = int(warmup // width)
    rows, per_rows = [], []
    for g, name in enumerate(m.groups):
        mine = answered & (run.group == g)
        busy_per = _time_in(start[mine], end[mine], edges)
        staffed_per = _staffed_time(run, g, edges)
        busy = _time_in(start[mine], end[mine], window)[0]
        staffed = _staffed_time(run, g, window)[0]
        sched = m.headcount[g].astype(float)
        rows.append(
            {
                "group": name,
                "occupancy": busy / staffed if staffed > 0 else np.nan,
                "scheduled": float(sched[first_counted:].mean()),
                "busy_agents": busy / (m.horizon - warmup),
            }
        )
        per_rows.append(
            pd.DataFrame(
                {
                    "period": np.arange(P),
                    "group": name,
                    "occupancy": _ratio(busy_per, staffed_per),
                    "scheduled": sched,
                    "busy_agents": busy_per / width,
                }
            )
        )
    return pd.DataFrame(rows), pd.concat(per_rows, ignore_index=True)


def _counted_journeys(run: RawRun, warmup: float, horizon: float) -> np.ndarray:
    first_arrival = run.arrival[: len(run.journey_outcome)]
    return (first_arrival >= warmup) & (first_arrival < horizon)


def journey_row(run: RawRun, warmup: float, horizon: float) -> dict[str, float]:
    """Journey KPIs for journeys whose first contact arrives in the window."""
    jsel = _counted_journeys(run, warmup, horizon)
    outcome = run.journey_outcome[jsel]
    attempts = np.bincount(run.journey, minlength=len(run.journey_outcome))[jsel]
    resolved = outcome == RESOLVED
    ttr = (run.journey_end - run.arrival[: len(run.journey_outcome)])[jsel][resolved]
    n = int(jsel.sum())
    return {
        "customers": float(n),
        "resolved": float(resolved.sum()),
        "lost": float((outcome == LOST).sum()),
        "max_attempts": float((outcome == MAX_ATTEMPTS).sum()),
        "mean_attempts": float(attempts.mean()) if n else np.nan,
        "time_to_resolution": float(ttr.mean()) if len(ttr) else np.nan,
    }


def flow_table(m: Model, run: RawRun, warmup: float, horizon: float) -> pd.DataFrame:
    """Counted journeys' moves: ``from`` channel -> ``to`` channel or final outcome.

    ``to`` is a channel name for a hop, or ``resolved`` / ``lost`` / ``max_attempts``
    for the contact that ended the journey.
    """
    jsel = _counted_journeys(run, warmup, horizon)
    names = np.array(m.channels, dtype=object)
    hop = np.flatnonzero((run.previous >= 0) & jsel[run.journey])
    frm = names[run.channel[run.previous[hop]]]
    to = names[run.channel[hop]]
    # the last contact of each journey is the one with the highest id
    n_j = len(run.journey_outcome)
    last = np.zeros(n_j, dtype=np.int64)
    np.maximum.at(last, run.journey, np.arange(len(run.journey)))
    last = last[jsel]
    outcome_names = np.array(["", "resolved", "lost", "max_attempts"], dtype=object)
    end_from = names[run.channel[last]]
    end_to = outcome_names[run.journey_outcome[jsel]]
    df = pd.DataFrame({"from": np.concatenate([frm, end_from]), "to": np.concatenate([to, end_to])})
    return df.groupby(["from", "to"], sort=True).size().rename("count").reset_index()
