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
    mean handle time (talk time, as worked: scaled by the serving group's
    ``handle_time_factor``) of answered contacts (s).
acw
    mean after-call work (wrap-up) per answered contact (s): only in the results of a
    scenario where some channel has ``wrap_up`` (then for every channel, 0 where the
    channel has none).
queue_length
    time-average number of contacts waiting during the window.
backlog
    contacts waiting at the end of the window (per interval: at the interval's end).
oldest_age
    age (s) of the oldest waiting contact: the largest over the window's interval
    ends (per interval: at the interval's end).

Per customer segment (channels with ``segments``): every channel KPI above, of the
segment's contacts only (service_level with the segment's threshold, else the
channel's); a channel's counts (offered, answered, ..., queue_length, backlog) are the
sums of its segments'.

Per agent group:

occupancy
    agent time busy (holding at least one contact, or wrapping one up) / agent time
    staffed, in the window.
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

Journey effort (the same journeys; a contact's customer time is its wait, plus its
handle time when answered):

channels_used
    mean number of different channels a journey used.
customer_time
    mean total customer time of a journey (s): every wait plus every handle time,
    across all its contacts (the delays between contacts are not counted).
resolved_within_contacts
    share of journeys resolved in at most ``journeys.effort_target.contacts`` contacts
    (default 1: first-contact resolution).
resolved_within_time
    share of journeys resolved with a customer time of at most
    ``journeys.effort_target.time`` seconds (default 600).
resolved_within_effort
    share of journeys resolved within both targets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config.scenario import DEFAULT_EFFORT_CONTACTS, DEFAULT_EFFORT_TIME
from sim.engine import (
    ABANDONED,
    ANSWERED,
    CONC,
    JOURNEY_OUTCOMES,
    Cause,
    JourneyOutcome,
    Model,
    RawRun,
)
from sim.engine.raw import segment_of, wrap_up_of
from sim.measure.kpi_offers import (
    CALLBACK_KPIS,
    RULE_KPIS,
    SHAPING_CHANNEL_KPIS,
    deflected_contacts,
    offer_channel_kpis,
    offer_facts,
)

DAY_SECONDS = 86400.0

__all__ = [
    "CHANNEL_KPIS",
    "GROUP_KPIS",
    "JOURNEY_KPIS",
    "JOURNEY_EFFORT_KPIS",
    "DEFAULT_EFFORT_CONTACTS",
    "DEFAULT_EFFORT_TIME",
    "DURATION_KPIS",
    "WRAP_KPIS",
    "SHARE_KPIS",
    "Columns",
    "channel_columns",
    "channel_table",
    "flow_columns",
    "flow_table",
    "frame",
    "group_columns",
    "group_table",
    "journey_columns",
    "journey_effort",
    "journey_row",
    "kpi_range",
    "segment_columns",
]

Columns = dict[str, np.ndarray]
"""A table as numpy columns of equal length (name -> values), in column order."""

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
WRAP_KPIS = ("acw",)
"""Channel KPIs only in the results of scenarios with wrap-up (after CHANNEL_KPIS)."""
GROUP_KPIS = ("occupancy", "slot_utilisation", "scheduled", "productive", "busy_agents")
JOURNEY_KPIS = (
    "customers",
    *JOURNEY_OUTCOMES.values(),  # journeys ending resolved, lost, at max_attempts
    "mean_attempts",
    "time_to_resolution",
)
JOURNEY_EFFORT_KPIS = (
    "channels_used",
    "customer_time",
    "resolved_within_contacts",
    "resolved_within_time",
    "resolved_within_effort",
)
"""Journey effort KPIs, in every journey table after :data:`JOURNEY_KPIS` (contacts per
journey is ``mean_attempts``, resolution time ``time_to_resolution``)."""
SHARE_KPIS = frozenset(
    {
        "service_level",
        "abandon_rate",
        "p_wait",
        "occupancy",
        "slot_utilisation",
        "resolved_within_contacts",
        "resolved_within_time",
        "resolved_within_effort",
    }
)
"""KPIs that are shares, in [0, 1]."""
DURATION_KPIS = frozenset(
    {
        "asa",
        "mean_wait",
        "abandoned_wait",
        "aht",
        "acw",
        "oldest_age",
        "time_to_resolution",
        "customer_time",
        "time_to_callback",
    }
)
"""KPIs that are durations, in seconds (>= 0)."""


def kpi_range(kpi: str) -> tuple[float, float]:
    """The values a channel, group or journey KPI can take: ``(low, high)``.

    Shares are in [0, 1]; every other KPI (counts, queue lengths, agents, durations in
    seconds) is >= 0. Raises ``KeyError`` for a name that is not a KPI.
    """
    if kpi in SHARE_KPIS:
        return (0.0, 1.0)
    if kpi in CHANNEL_KPIS or kpi in WRAP_KPIS or kpi in GROUP_KPIS or kpi in JOURNEY_KPIS:
        return (0.0, float("inf"))
    if kpi in JOURNEY_EFFORT_KPIS:
        return (0.0, float("inf"))
    if kpi in CALLBACK_KPIS or kpi in SHAPING_CHANNEL_KPIS or kpi in RULE_KPIS:
        return (0.0, float("inf"))
    raise KeyError(f"not a KPI: {kpi!r}")


def frame(columns: Columns) -> pd.DataFrame:
    """A table's columns as a DataFrame."""
    return pd.DataFrame(columns)


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


class _Bounds:
    """The period edges and the counted window, integrated over in one pass.

    A cumulative integral is evaluated at each point on its own, so evaluating it at
    the period edges and the window's ends together gives exactly the numbers of two
    separate passes.
    """

    def __init__(self, m: Model, warmup: float) -> None:
        self.periods = m.periods
        self.points = np.concatenate([np.arange(m.periods + 1) * m.interval, [warmup, m.horizon]])

    def split(self, cum: np.ndarray) -> tuple[np.ndarray, float]:
        """Per period amounts and the window's amount, from cumulative values at points."""
        P = self.periods
        return np.diff(cum[: P + 1]), float(cum[P + 2] - cum[P + 1])

    def time_in(
        self, starts: np.ndarray, ends: np.ndarray, weights: np.ndarray | None = None
    ) -> tuple[np.ndarray, float]:
        """:func:`_time_in` per period and over the window."""
        pts = self.points
        return self.split(_integral_to(starts, pts, weights) - _integral_to(ends, pts, weights))


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


class _ContactFacts:
    """Per contact facts every channel KPI grouping reads (computed once per run)."""

    def __init__(
        self,
        run: RawRun,
        thresholds: np.ndarray,
        m: Model | None = None,
        of: np.ndarray | None = None,
    ) -> None:
        """``thresholds`` (s) indexed by ``of`` per contact (default: its channel)."""
        self.offers = None if m is None else offer_facts(m, run)  # None: no offers
        self.wait = run.wait
        self.answered = run.outcome == ANSWERED
        self.abandoned = run.outcome == ABANDONED
        self.within = self.answered & (self.wait <= thresholds[run.channel if of is None else of])
        self.waited = ~(self.answered & (self.wait == 0.0))
        self.first = run.attempt == 1
        self.redials, self.switches, self.chases = _onward(run)


def _channel_kpis(
    run: RawRun,
    facts: _ContactFacts,
    sel: np.ndarray,
    key: np.ndarray,
    n_keys: int,
    span: np.ndarray,
    queue_time: np.ndarray,
    backlog: np.ndarray,
    oldest: np.ndarray,
    deflected: np.ndarray | None = None,
) -> Columns:
    """KPIs of the selected contacts, grouped by ``key`` (0..n_keys-1); ``deflected``
    selects the deflected contacts of the same keys (runs with shaping rules)."""
    k_sel = key[sel]

    def count(mask: np.ndarray | None = None, weights: np.ndarray | None = None) -> np.ndarray:
        if mask is None:
            k, w = k_sel, None if weights is None else weights[sel]
        else:
            m = sel & mask
            k, w = key[m], None if weights is None else weights[m]
        return np.bincount(k, w, minlength=n_keys)

    f = facts
    offered = count()
    n_ans = count(f.answered)
    n_ab = count(f.abandoned)
    out: Columns = {
        "offered": offered.astype(float),
        "new": count(f.first).astype(float),
        "hops_in": count(~f.first).astype(float),
        "answered": n_ans.astype(float),
        "abandoned": n_ab.astype(float),
        "redialled": count(None, f.redials),
        "switched_out": count(None, f.switches),
        "service_level": _ratio(count(f.within), offered),
        "asa": _ratio(count(f.answered, f.wait), n_ans),
        "mean_wait": _ratio(count(None, f.wait), offered),
        "abandoned_wait": _ratio(count(f.abandoned, f.wait), n_ab),
        "abandon_rate": _ratio(n_ab, offered),
        "p_wait": _ratio(count(f.waited), offered),
        "aht": _ratio(count(f.answered, run.handle), n_ans),
        "queue_length": queue_time / span,
        "backlog": backlog,
        "oldest_age": oldest,
        "balked": count(run.balked).astype(float),
        "silent": count(run.silent).astype(float),
        "chased": count(None, f.chases),
    }
    wrap = wrap_up_of(run)
    if wrap is not None:
        out["acw"] = _ratio(count(f.answered, wrap), n_ans)
    if f.offers is not None:
        n_defl = np.bincount(key[deflected], minlength=n_keys).astype(float)
        out.update(offer_channel_kpis(f.offers, count, n_defl))  # type: ignore[arg-type]
    return out


def _onward(run: RawRun) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per contact: later contacts it led to on the same channel, on another channel,
    and by chasing."""
    n = len(run.channel)
    hops = np.flatnonzero(run.previous >= 0)
    if not len(hops):
        none = np.zeros(n)
        return none, none, none
    src = run.previous[hops]
    same = run.channel[hops] == run.channel[src]
    chase = run.cause[hops] == Cause.CHASE

    def per(mask: np.ndarray) -> np.ndarray:
        return np.bincount(src[mask], minlength=n).astype(float)

    return per(same & ~chase), per(~same & ~chase), per(chase)


def channel_columns(
    m: Model, run: RawRun, thresholds: np.ndarray, warmup: float
) -> tuple[Columns, Columns]:
    """:func:`channel_table` as numpy columns."""
    C, P, width = len(m.channels), m.periods, m.interval
    horizon = m.horizon
    bounds = _Bounds(m, warmup)
    ends = bounds.points[1 : P + 1]
    in_window = ends > warmup
    q_per = np.zeros((C, P))
    q_tot = np.zeros(C)
    backlog_per = np.zeros((C, P))
    oldest_per = np.zeros((C, P))
    backlog_tot = np.zeros(C)
    oldest_tot = np.zeros(C)
    for c in range(C):
        mine = run.channel == c if C > 1 else slice(None)
        a, e = run.arrival[mine], run.wait_end[mine]
        q_per[c], q_tot[c] = bounds.time_in(a, e)
        backlog_per[c], oldest_per[c] = _waiting_at(a, e, ends)
        backlog_tot[c] = backlog_per[c, -1]
        oldest_tot[c] = oldest_per[c, in_window].max()
    facts = _ContactFacts(run, thresholds, m)
    in_periods = run.arrival < horizon
    counted = (run.arrival >= warmup) & in_periods
    defl = deflected_contacts(run)  # deflected journeys are not offered (runs with rules)
    defl_counted = defl_periods = None
    if defl is not None:
        defl_counted, defl_periods = counted & defl, in_periods & defl
        counted, in_periods = counted & ~defl, in_periods & ~defl
    totals = _channel_kpis(
        run,
        facts,
        counted,
        run.channel,
        C,
        np.full(C, horizon - warmup),
        q_tot,
        backlog_tot,
        oldest_tot,
        defl_counted,
    )
    period = np.minimum((run.arrival // width).astype(np.int64), P - 1)
    per = _channel_kpis(
        run,
        facts,
        in_periods,
        run.channel * P + period,
        C * P,
        np.full(C * P, width),
        q_per.ravel(),
        backlog_per.ravel(),
        oldest_per.ravel(),
        defl_periods,
    )
    names = np.array(m.channels, dtype=object)
    tot: Columns = {"channel": names, **totals}
    per_cols: Columns = {"period": np.tile(np.arange(P), C), "channel": np.repeat(names, P), **per}
    return tot, per_cols


def day_of_period(m: Model) -> np.ndarray:
    """Day index (0 = the first period's day) of each period's start."""
    start = m.start_minute * 60.0 + np.arange(m.periods) * m.interval
    return (start // DAY_SECONDS).astype(np.int64)


def day_columns(m: Model, run: RawRun, thresholds: np.ndarray, per: Columns) -> Columns:
    """Per channel per day KPIs (days as :func:`day_of_period`), by arrival day, from
    the contacts and the per-period table ``per`` (:func:`channel_columns`'s second
    table): queue length is the day's mean over its periods, backlog the one at the
    end of the day's last period, oldest age the day's largest."""
    C, P, width = len(m.channels), m.periods, m.interval
    day = day_of_period(m)
    D = int(day[-1]) + 1
    last = np.searchsorted(day, np.arange(D), side="right") - 1  # last period of each day
    span = np.bincount(day, minlength=D) * width
    q_time = np.zeros((C, D))
    oldest = np.zeros((C, D))
    queue = per["queue_length"].reshape(C, P) * width
    ages = per["oldest_age"].reshape(C, P)
    for d in range(D):
        q_time[:, d] = queue[:, day == d].sum(axis=1)
        oldest[:, d] = ages[:, day == d].max(axis=1)
    backlog = per["backlog"].reshape(C, P)[:, last]
    period = np.minimum((run.arrival // width).astype(np.int64), P - 1)
    in_periods = run.arrival < m.horizon
    defl = deflected_contacts(run)  # deflected journeys are not offered (as the totals)
    defl_periods = None
    if defl is not None:
        defl_periods, in_periods = in_periods & defl, in_periods & ~defl
    kpis = _channel_kpis(
        run,
        _ContactFacts(run, thresholds, m),
        in_periods,
        run.channel * D + day[period],
        C * D,
        np.tile(span, C),
        q_time.ravel(),
        backlog.ravel(),
        oldest.ravel(),
        defl_periods,
    )
    names = np.array(m.channels, dtype=object)
    return {"day": np.tile(np.arange(D), C), "channel": np.repeat(names, D), **kpis}


def channel_table(
    m: Model, run: RawRun, thresholds: np.ndarray, warmup: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per channel KPIs over the counted window, and per channel per period.

    ``thresholds`` are the service-level thresholds (s) per channel index.
    Per-period rows cover every period (warm-up periods too), by arrival period.
    """
    tot, per = channel_columns(m, run, thresholds, warmup)
    return frame(tot), frame(per)


def segment_columns(
    m: Model, run: RawRun, thresholds: np.ndarray, warmup: float
) -> tuple[Columns, Columns]:
    """Per customer segment KPIs: the channel KPIs (same names and definitions) of each
    segment's contacts over the counted window, and per period.

    ``thresholds`` are the service-level thresholds (s) per segment (global id,
    ``Model.segments``): the segment's own, else its channel's. Columns ``channel``,
    ``segment`` (``period`` first in the per period table), then the KPIs.
    """
    sg = m.segments
    seg = segment_of(run)
    S, P, width, horizon = len(sg.names), m.periods, m.interval, m.horizon
    if seg is None:
        seg = np.full(len(run.channel), -1, dtype=np.int64)
    bounds = _Bounds(m, warmup)
    ends = bounds.points[1 : P + 1]
    in_window = ends > warmup
    q_per, backlog_per, oldest_per = np.zeros((S, P)), np.zeros((S, P)), np.zeros((S, P))
    q_tot, backlog_tot, oldest_tot = np.zeros(S), np.zeros(S), np.zeros(S)
    for s in range(S):
        mine = seg == s
        a, e = run.arrival[mine], run.wait_end[mine]
        q_per[s], q_tot[s] = bounds.time_in(a, e)
        backlog_per[s], oldest_per[s] = _waiting_at(a, e, ends)
        backlog_tot[s] = backlog_per[s, -1]
        oldest_tot[s] = oldest_per[s, in_window].max()
    has = seg >= 0
    key = np.where(has, seg, 0)
    facts = _ContactFacts(run, thresholds, m, key)
    in_periods = (run.arrival < horizon) & has
    counted = (run.arrival >= warmup) & in_periods
    defl = deflected_contacts(run)  # as for the channels: deflected journeys not offered
    defl_counted = defl_periods = None
    if defl is not None:
        defl_counted, defl_periods = counted & defl, in_periods & defl
        counted, in_periods = counted & ~defl, in_periods & ~defl
    span = np.full(S, horizon - warmup)
    totals = _channel_kpis(
        run, facts, counted, key, S, span, q_tot, backlog_tot, oldest_tot, defl_counted
    )
    period = np.minimum((run.arrival // width).astype(np.int64), P - 1)
    per = _channel_kpis(
        run,
        facts,
        in_periods,
        key * P + period,
        S * P,
        np.full(S * P, width),
        q_per.ravel(),
        backlog_per.ravel(),
        oldest_per.ravel(),
        defl_periods,
    )
    chans = np.array([m.channels[c] for c in sg.channel], dtype=object)
    names = np.array(sg.names, dtype=object)
    tot: Columns = {"channel": chans, "segment": names, **totals}
    per_cols: Columns = {
        "period": np.tile(np.arange(P), S),
        "channel": np.repeat(chans, P),
        "segment": np.repeat(names, P),
        **per,
    }
    return tot, per_cols


def _staffed_cum(run: RawRun, g: int, points: np.ndarray) -> np.ndarray:
    """Agent-seconds present in group g from 0 to each point."""
    sel = run.staff_groups == g
    t = run.staff_times[sel]
    n = run.staff_present[sel].astype(float)
    # present(t) is piecewise constant: n[i] from t[i] until t[i+1]
    order = np.argsort(t, kind="stable")
    t, n = t[order], n[order]
    cum_at_t = np.concatenate([[0.0], np.cumsum(n[:-1] * np.diff(t))])
    idx = np.searchsorted(t, points, side="right") - 1
    idx = np.maximum(idx, 0)
    return cum_at_t[idx] + n[idx] * (points - t[idx])


def group_columns(m: Model, run: RawRun, warmup: float) -> tuple[Columns, Columns]:
    """:func:`group_table` as numpy columns."""
    P, width, G = m.periods, m.interval, len(m.groups)
    bounds = _Bounds(m, warmup)
    answered = run.outcome == ANSWERED
    concurrent = np.array([mode == CONC for mode in m.modes])[run.channel]
    share = (np.array(m.units, dtype=float) / m.capacity)[run.channel]
    start, end = run.wait_end, run.wait_end + run.handle
    wrap = wrap_up_of(run)
    if wrap is not None:
        end = end + wrap  # the agent is busy until the wrap-up ends
    eng_g, eng_s, eng_e = run.engaged[:, 0], run.engaged[:, 1], run.engaged[:, 2]
    gw = run.ghost_work
    first_counted = int(warmup // width)
    any_concurrent = bool(concurrent.any()) or len(eng_g) > 0 or len(gw) > 0

    tot = {k: np.zeros(G) for k in GROUP_KPIS}
    per = {k: np.zeros((G, P)) for k in GROUP_KPIS}
    for g in range(G):
        served = answered & (run.group == g) if G > 1 else answered
        whole = served & ~concurrent if any_concurrent else served
        full_per, full = bounds.time_in(start[whole], end[whole])
        busy_per, busy, slots_per, slots = full_per, full, full_per, full
        if any_concurrent:
            sessions = served & concurrent
            mine = eng_g == g
            e_per, e_tot = bounds.time_in(eng_s[mine], eng_e[mine])
            s_per, s_tot = bounds.time_in(start[sessions], end[sessions], share[sessions])
            mine = gw[:, 0] == g
            gw_per, gw_tot = bounds.time_in(gw[mine, 1], gw[mine, 2], gw[mine, 3] / m.capacity)
            busy_per, busy = full_per + e_per, full + e_tot
            slots_per, slots = full_per + (s_per + gw_per), full + (s_tot + gw_tot)
        staffed_per, staffed = bounds.split(_staffed_cum(run, g, bounds.points))
        sched = m.scheduled[g].astype(float)
        prod = m.headcount[g].astype(float)
        tot["occupancy"][g] = busy / staffed if staffed > 0 else np.nan
        tot["slot_utilisation"][g] = slots / staffed if staffed > 0 else np.nan
        tot["scheduled"][g] = float(sched[first_counted:].mean())
        tot["productive"][g] = float(prod[first_counted:].mean())
        tot["busy_agents"][g] = busy / (m.horizon - warmup)
        per["occupancy"][g] = _ratio(busy_per, staffed_per)
        per["slot_utilisation"][g] = _ratio(slots_per, staffed_per)
        per["scheduled"][g] = sched
        per["productive"][g] = prod
        per["busy_agents"][g] = busy_per / width
    names = np.array(m.groups, dtype=object)
    tot_cols: Columns = {"group": names, **tot}
    per_cols: Columns = {
        "period": np.tile(np.arange(P), G),
        "group": np.repeat(names, P),
        **{k: v.ravel() for k, v in per.items()},
    }
    return tot_cols, per_cols


def group_table(m: Model, run: RawRun, warmup: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per group occupancy over the counted window, and per group per period."""
    tot, per = group_columns(m, run, warmup)
    return frame(tot), frame(per)


def _counted_journeys(run: RawRun, warmup: float, horizon: float) -> np.ndarray:
    n_j = len(run.journey_outcome)
    first_arrival = run.arrival[:n_j]
    counted = (first_arrival >= warmup) & (first_arrival < horizon)
    defl = deflected_contacts(run)
    if defl is not None:  # journeys a shaping rule deflected never started
        counted &= ~defl[:n_j]
    return counted


def journey_effort(run: RawRun) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per journey (every journey of the run): contacts made, different channels used,
    and total customer time (s: each contact's wait, plus its handle time if answered)."""
    n_j = len(run.journey_outcome)
    spent = run.wait + np.where(run.outcome == ANSWERED, run.handle, 0.0)
    if len(run.journey) == n_j:  # one contact per journey: journey id = contact id
        ones = np.ones(n_j, dtype=np.int64)
        return ones, ones, spent
    contacts = np.bincount(run.journey, minlength=n_j)
    time = np.bincount(run.journey, spent, minlength=n_j)
    width = int(run.channel.max()) + 1
    pairs = np.unique(run.journey * width + run.channel)  # (journey, channel) used
    channels = np.bincount(pairs // width, minlength=n_j)
    return contacts, channels, time


def journey_row(
    run: RawRun,
    warmup: float,
    horizon: float,
    effort_contacts: int = DEFAULT_EFFORT_CONTACTS,
    effort_time: float = DEFAULT_EFFORT_TIME,
) -> dict[str, float]:
    """Journey KPIs for journeys whose first contact arrives in the window.

    ``effort_contacts`` and ``effort_time`` (s) are the effort target of the
    ``resolved_within_*`` shares (``journeys.effort_target``).
    """
    jsel = _counted_journeys(run, warmup, horizon)
    outcome = run.journey_outcome[jsel]
    contacts, channels, time = (x[jsel] for x in journey_effort(run))
    resolved = outcome == JourneyOutcome.RESOLVED
    ttr = (run.journey_end - run.arrival[: len(run.journey_outcome)])[jsel][resolved]
    n = int(jsel.sum())
    in_contacts = resolved & (contacts <= effort_contacts)
    in_time = resolved & (time <= effort_time)

    def mean(x: np.ndarray) -> float:
        return float(x.mean()) if n else np.nan

    return {
        "customers": float(n),
        **{name: float((outcome == code).sum()) for code, name in JOURNEY_OUTCOMES.items()},
        "mean_attempts": mean(contacts),
        "time_to_resolution": float(ttr.mean()) if len(ttr) else np.nan,
        "channels_used": mean(channels),
        "customer_time": mean(time),
        "resolved_within_contacts": mean(in_contacts),
        "resolved_within_time": mean(in_time),
        "resolved_within_effort": mean(in_contacts & in_time),
    }


def journey_columns(
    run: RawRun,
    warmup: float,
    horizon: float,
    effort_contacts: int = DEFAULT_EFFORT_CONTACTS,
    effort_time: float = DEFAULT_EFFORT_TIME,
) -> Columns:
    """:func:`journey_row` as a one-row table."""
    row = journey_row(run, warmup, horizon, effort_contacts, effort_time)
    return {k: np.array([v]) for k, v in row.items()}


_ENDINGS = tuple(JOURNEY_OUTCOMES.values())  # "to" names of the last contact


class _FlowLabels:
    """Every possible (from, to) pair of a model, numbered in the order of their names.

    A pair's code is ``from * width + to`` with ``to`` a channel index or
    ``channels + ending``; codes with the same names (a channel called like an
    ending) share a label, as a group-by on the names would.
    """

    def __init__(self, channels: tuple[str, ...]) -> None:
        to = (*channels, *_ENDINGS)
        pairs = [(f, t) for f in channels for t in to]
        names = sorted(set(pairs))
        number = {p: i for i, p in enumerate(names)}
        self.width = len(to)
        self.label = np.array([number[p] for p in pairs], dtype=np.int64)
        self.frm = np.array([f for f, _ in names], dtype=object)
        self.to = np.array([t for _, t in names], dtype=object)


_flow_labels: dict[tuple[str, ...], _FlowLabels] = {}


def flow_columns(m: Model, run: RawRun, warmup: float, horizon: float) -> Columns:
    """:func:`flow_table` as numpy columns."""
    labels = _flow_labels.get(m.channels)
    if labels is None:
        labels = _flow_labels.setdefault(m.channels, _FlowLabels(m.channels))
    C = len(m.channels)
    jsel = _counted_journeys(run, warmup, horizon)
    hop = np.flatnonzero((run.previous >= 0) & jsel[run.journey])
    # the last contact of each journey is the one with the highest id
    n_j = len(run.journey_outcome)
    if len(run.journey) == n_j:  # no later contacts: each journey's last is its first
        last = np.flatnonzero(jsel)
    else:
        last_of = np.zeros(n_j, dtype=np.int64)
        np.maximum.at(last_of, run.journey, np.arange(len(run.journey)))
        last = last_of[jsel]
    first_ending = JourneyOutcome.RESOLVED  # ending codes follow the channels' codes
    codes = np.concatenate(
        [
            run.channel[run.previous[hop]] * labels.width + run.channel[hop],
            run.channel[last] * labels.width + C + run.journey_outcome[jsel] - first_ending,
        ]
    )
    counts = np.bincount(labels.label[codes], minlength=len(labels.frm))
    seen = counts > 0
    return {"from": labels.frm[seen], "to": labels.to[seen], "count": counts[seen]}


def flow_table(m: Model, run: RawRun, warmup: float, horizon: float) -> pd.DataFrame:
    """Counted journeys' moves: ``from`` channel -> ``to`` channel or final outcome.

    ``to`` is a channel name for a hop, or ``resolved`` / ``lost`` / ``max_attempts``
    for the contact that ended the journey.
    """
    return frame(flow_columns(m, run, warmup, horizon))
