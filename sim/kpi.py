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
redialled, switched_out, chased
    contacts the customers of offered contacts made next on the same channel / on
    another channel / while a deferred contact was still unanswered (chasing).
balked
    offered contacts that left at once on hearing the announced expected wait
    (counted in abandoned too).
silent
    abandoned contacts whose customers left without telling, so an agent still opened
    their session (concurrent channels).
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
backlog
    contacts waiting at the end of the window (per interval: at the interval's end).
oldest_age
    age (s) of the oldest waiting contact: the largest over the window's interval
    ends (per interval: at the interval's end).

Per agent group:

occupancy
    agent time busy (holding at least one contact) / agent time staffed, in the window.
slot_utilisation
    capacity used / capacity staffed: a chat agent with 2 of 3 sessions is 2/3 used.
    Equals occupancy for groups without concurrent channels.
scheduled, productive
    agents scheduled, and left to take contacts after shrinkage (mean over the
    window's intervals).
busy_agents
    mean number of agents holding at least one contact.

Per journey (journeys whose first contact arrives in the window): customers,
resolved, lost (gave up or left unresolved), max_attempts (wanted to try again but
had used every attempt), mean_attempts (contacts per journey), time_to_resolution
(s, first arrival to the end of the resolving contact, resolved journeys only),
and flows: contacts from channel i followed by a contact on channel j.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .engine import (
    ABANDONED,
    ANSWERED,
    CONC,
    JOURNEY_OUTCOMES,
    LOST,
    MAX_ATTEMPTS,
    RESOLVED,
    Cause,
    Model,
    RawRun,
)

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
    "backlog",
    "oldest_age",
    "balked",
    "silent",
    "chased",
)
GROUP_KPIS = ("occupancy", "slot_utilisation", "scheduled", "productive", "busy_agents")
JOURNEY_KPIS = (
    "customers",
    "resolved",
    "lost",
    "max_attempts",
    "mean_attempts",
    "time_to_resolution",
)


def _integral_to(times: np.ndarray, x: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """sum over t in ``times`` of w(t) max(x - t, 0), for every x."""
    order = np.argsort(times, kind="stable")
    t = times[order]
    w = np.ones(len(t)) if weights is None else weights[order]
    n = np.searchsorted(t, x, side="left")
    wsum = np.concatenate([[0.0], np.cumsum(w)])
    wtsum = np.concatenate([[0.0], np.cumsum(w * t)])
    return wsum[n] * x - wtsum[n]


def _time_in(
    starts: np.ndarray, ends: np.ndarray, edges: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Total (weighted) overlap of [start, end) spans with each [edges[i], edges[i+1])."""
    cum = _integral_to(starts, edges, weights) - _integral_to(ends, edges, weights)
    return np.diff(cum)


def _waiting_at(
    arrival: np.ndarray, end: np.ndarray, at: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Contacts waiting at each time in ``at`` (arrived, not yet ended), and the age (s)
    of the oldest of them (0 when none wait)."""
    order = np.argsort(arrival, kind="stable")
    arr, fin = arrival[order], end[order]
    arrived = np.searchsorted(arr, at, side="right")
    left = np.searchsorted(np.sort(fin), at, side="right")
    # the oldest waiting contact is the first, in arrival order, still there: where the
    # running maximum of end times first passes the moment
    if len(arr):
        first = np.searchsorted(np.maximum.accumulate(fin), at, side="right")
        safe = np.minimum(first, len(arr) - 1)
        age = np.where(first < arrived, at - arr[safe], 0.0)
    else:
        age = np.zeros(len(at))
    return (arrived - left).astype(float), age


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
    backlog: np.ndarray,
    oldest: np.ndarray,
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
    redials, switches, chases = _onward(run)
    return {
        "offered": offered.astype(float),
        "new": count(run.attempt == 1).astype(float),
        "hops_in": count(run.attempt > 1).astype(float),
        "answered": n_ans.astype(float),
        "abandoned": n_ab.astype(float),
        "redialled": count(everything, redials),
        "switched_out": count(everything, switches),
        "service_level": _ratio(within, offered),
        "asa": _ratio(count(answered, wait), n_ans),
        "mean_wait": _ratio(count(everything, wait), offered),
        "abandoned_wait": _ratio(count(abandoned, wait), n_ab),
        "abandon_rate": _ratio(n_ab, offered),
        "p_wait": _ratio(count(waited), offered),
        "aht": _ratio(count(answered, run.handle), n_ans),
        "queue_length": queue_time / span,
        "backlog": backlog,
        "oldest_age": oldest,
        "balked": count(run.balked).astype(float),
        "silent": count(run.silent).astype(float),
        "chased": count(everything, chases),
    }


def _onward(run: RawRun) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per contact: later contacts it led to on the same channel, on another channel,
    and by chasing."""
    n = len(run.channel)
    hops = np.flatnonzero(run.previous >= 0)
    src = run.previous[hops]
    same = run.channel[hops] == run.channel[src]
    chase = run.cause[hops] == Cause.CHASE

    def per(mask: np.ndarray) -> np.ndarray:
        return np.bincount(src[mask], minlength=n).astype(float)

    return per(same & ~chase), per(~same & ~chase), per(chase)


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
    backlog_per = np.zeros((C, P))
    oldest_per = np.zeros((C, P))
    backlog_tot = np.zeros(C)
    oldest_tot = np.zeros(C)
    ends = edges[1:]
    in_window = ends > warmup
    for c in range(C):
        mine = run.channel == c
        a, e = run.arrival[mine], run.wait_end[mine]
        q_per[c] = _time_in(a, e, edges)
        q_tot[c] = _time_in(a, e, np.array([warmup, horizon]))[0]
        backlog_per[c], oldest_per[c] = _waiting_at(a, e, ends)
        backlog_tot[c] = backlog_per[c, -1]
        oldest_tot[c] = oldest_per[c, in_window].max()
    totals = _channel_kpis(
        run,
        counted,
        run.channel,
        C,
        thr,
        np.full(C, horizon - warmup),
        q_tot,
        backlog_tot,
        oldest_tot,
    )
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
        backlog_per.ravel(),
        oldest_per.ravel(),
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
    concurrent = np.array([mode == CONC for mode in m.modes])[run.channel]
    share = (np.array(m.units, dtype=float) / m.capacity)[run.channel]
    start, end = run.wait_end, run.wait_end + run.handle
    eng_g, eng_s, eng_e = run.engaged[:, 0], run.engaged[:, 1], run.engaged[:, 2]
    gw = run.ghost_work
    first_counted = int(warmup // width)

    def busy_and_slots(g: int, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        whole = answered & (run.group == g) & ~concurrent
        sessions = answered & (run.group == g) & concurrent
        full = _time_in(start[whole], end[whole], bounds)
        engaged = _time_in(eng_s[eng_g == g], eng_e[eng_g == g], bounds)
        slots = _time_in(start[sessions], end[sessions], bounds, share[sessions])
        mine = gw[:, 0] == g
        slots += _time_in(gw[mine, 1], gw[mine, 2], bounds, gw[mine, 3] / m.capacity)
        return full + engaged, full + slots

    rows, per_rows = [], []
    for g, name in enumerate(m.groups):
        busy_per, slots_per = busy_and_slots(g, edges)
        busy, slots = (x[0] for x in busy_and_slots(g, window))
        staffed_per = _staffed_time(run, g, edges)
        staffed = _staffed_time(run, g, window)[0]
        sched = m.scheduled[g].astype(float)
        prod = m.headcount[g].astype(float)
        rows.append(
            {
                "group": name,
                "occupancy": busy / staffed if staffed > 0 else np.nan,
                "slot_utilisation": slots / staffed if staffed > 0 else np.nan,
                "scheduled": float(sched[first_counted:].mean()),
                "productive": float(prod[first_counted:].mean()),
                "busy_agents": busy / (m.horizon - warmup),
            }
        )
        per_rows.append(
            pd.DataFrame(
                {
                    "period": np.arange(P),
                    "group": name,
                    "occupancy": _ratio(busy_per, staffed_per),
                    "slot_utilisation": _ratio(slots_per, staffed_per),
                    "scheduled": sched,
                    "productive": prod,
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
    outcome_names = np.array(["", *JOURNEY_OUTCOMES.values()], dtype=object)  # by code
    end_from = names[run.channel[last]]
    end_to = outcome_names[run.journey_outcome[jsel]]
    df = pd.DataFrame({"from": np.concatenate([frm, end_from]), "to": np.concatenate([to, end_to])})
    return df.groupby(["from", "to"], sort=True).size().rename("count").reset_index()
