"""Agents from call records: skills, skill groups, after-call work and availability.

What the simulator needs about the agents, read from who answered what when:

* :func:`agent_skills`: the queues an agent serves (a queue counts when it is at least
  ``min_share`` of the agent's answered calls, so a stray call does not make a skill);
* :func:`skill_groups`: agents with the same skill set form one group;
* :func:`after_call_gaps`: the gap between the end of one service and the start of the
  agent's next one *while a call the agent could take was waiting* (an idle, available
  agent would have taken it at once, so the gap is after-call work or absence);
  :func:`wrap_up_samples` keeps the gaps up to ``wrap_cutoff`` s per queue of the
  finished call (the after-call work; longer gaps are absences);
* :func:`routing_priority`: which queue agents take first, from the calls they
  picked while a call of another of their queues was also waiting;
* :func:`agent_talk_factors`: each agent's talk-time factor on a queue (their mean
  over the queue's, shrunk to their group's), :func:`on_shift_seconds` per agent and
  day and :func:`day_talk_factors`: a day's group factor from the agents on duty;
* :func:`take_rates`, :func:`readiness` and :func:`readiness_parts`: how often an idle
  agent took a queue's calls at once against their own main queue's (a queue they
  only take on the side may be theirs for part of their time only);
* :func:`overtaking_picks` and :func:`aging_thresholds`: how long a queue's oldest
  call had waited when agents took it before a queue ahead of it in that order (they
  turn to a queue the longer its calls wait);
* :func:`idle_arrivals`, :func:`pickup_waits` and :func:`pickup_of`: calls that
  arrived while an agent skilled for them was idle and available, how many waited
  anyway and how long (a pick-up delay: ``groups.<g>.pickup``);
  :func:`pickup_days`, :func:`day_absence`, :func:`pickup_absence_fit` and
  :func:`shifted_share`: a day's share of such late answers follows the day's
  absence (agents away while calls wait, taken as independent of the queue);
  :func:`queue_pickups` and :func:`censored_pickup`: the same per queue, abandoned
  calls counted as censored delays (``groups.<g>.pickup.channels``);
* :func:`availability`: agents available per group and interval: on shift (services
  less than ``idle_gap`` s apart), less the idle time beyond ``wrap_cutoff`` after a
  service during which a call of the agent's skills was waiting (an agent who lets a
  call wait while idle is not available: a break, other work).

Everything works on a per-second clock (the records' resolution) from the first day's
midnight; times are seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "IdleSeconds",
    "WRAP_CUTOFF",
    "after_call_gaps",
    "agent_skills",
    "agent_talk_factors",
    "aging_thresholds",
    "availability",
    "censored_pickup",
    "day_absence",
    "day_talk_factors",
    "group_name",
    "handle_time_factors",
    "idle_arrivals",
    "idle_seconds",
    "late_idle_arrivals",
    "on_shift_seconds",
    "overtaking_picks",
    "part_handle_time_factors",
    "pick_counts",
    "pickup_absence_fit",
    "pickup_days",
    "pickup_of",
    "pickup_waits",
    "queue_pickups",
    "readiness",
    "readiness_parts",
    "routing_priority",
    "services",
    "shifted_share",
    "skill_groups",
    "take_rates",
    "wrap_up_samples",
]

WRAP_CUTOFF = 60.0
"""s: a gap while an eligible call waits up to this long is after-call work; the
rest of a longer gap is the agent being away (not available)."""
MIN_SKILL_SHARE = 0.02
"""Share of an agent's answered calls that makes a queue one of their skills."""
MIN_FACTOR_CALLS = 30
"""Fewest calls of a group on a queue to estimate its handle-time factor (else 1)."""
TALK_SHRINK_CALLS = 30
"""Pseudo-calls of an agent's group mean added to the agent's own calls of a queue: an
agent with n calls of it gets weight n / (n + 30) on their own mean (empirical Bayes
in spirit: ~30 calls of a cv-1.2 talk time give a mean to +-20%)."""


def _origin(records: pd.DataFrame) -> pd.Timestamp:
    return pd.Timestamp(records["arrival"].min()).normalize()


def services(records: pd.DataFrame) -> pd.DataFrame:
    """Answered calls with a known agent: ``agent, queue, start, end`` (s from the first
    day's midnight), sorted by agent and start."""
    a = records[records["answered"] & records["agent"].notna()]
    t0 = _origin(records)
    start = (a["arrival"] - t0).dt.total_seconds().to_numpy() + a["wait"].to_numpy()
    out = pd.DataFrame(
        {
            "agent": a["agent"].astype(str).to_numpy(),
            "queue": a["queue"].astype(str).to_numpy(),
            "start": start,
            "end": start + a["handle_time"].to_numpy(),
        }
    )
    return out.sort_values(["agent", "start"], kind="stable", ignore_index=True)


def agent_skills(
    records: pd.DataFrame, *, queues: Sequence[str], min_share: float = MIN_SKILL_SHARE
) -> dict[str, tuple[str, ...]]:
    """Per agent, the queues (in the order of ``queues``: routing priority) that are at
    least ``min_share`` of their answered calls (a queue no agent reaches that share
    on goes to every agent who answered it); agents with none of ``queues`` are left
    out."""
    s = services(records)
    s = s[s["queue"].isin(queues)]
    share = pd.crosstab(s["agent"], s["queue"], normalize="index")
    kept = share >= min_share
    for q in share.columns:  # a queue nobody serves often: whoever served it at all
        if not kept[q].any():
            kept[q] = share[q] > 0
    out = {}
    for agent, row in kept.iterrows():
        skills = tuple(q for q in queues if bool(row.get(q, False)))
        if skills:
            out[str(agent)] = skills
    return out


def group_name(skills: Iterable[str]) -> str:
    """The group of agents with these skills: ``skills_PS_NW``."""
    return "skills_" + "_".join(skills)


def skill_groups(skills: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Group name -> skills, one group per distinct skill set (sorted by name)."""
    return {group_name(s): s for s in sorted(set(skills.values()), key=group_name)}


def _waiting(records: pd.DataFrame, queues: Iterable[str], n: int) -> np.ndarray:
    """Per second, True where a call of ``queues`` is waiting (from its arrival to its
    answer or hang-up, whole seconds)."""
    return _waiting_count(records, queues, n) > 0


def _answered_wait_spans(
    records: pd.DataFrame, calls: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per agent, the waits (whole seconds from the first day's midnight, half-open
    ``lo, hi`` arrays) of the answered ``calls`` (a bool per record) they answered."""
    mine = records[calls & records["answered"].to_numpy(bool) & records["agent"].notna()]
    t = (mine["arrival"] - _origin(records)).dt.total_seconds().to_numpy()
    lo = np.floor(t).astype(np.int64)
    hi = np.floor(t + mine["wait"].to_numpy()).astype(np.int64)
    who = pd.Series(mine["agent"].to_numpy(), dtype=object).astype(str)
    return {str(a): (lo[k], hi[k]) for a, k in who.groupby(who).indices.items()}


def _waiting_count(records: pd.DataFrame, queues: Iterable[str], n: int) -> np.ndarray:
    """Per second 0..n-1, how many calls of ``queues`` are waiting (from its arrival to
    its answer or hang-up, whole seconds)."""
    r = records[records["queue"].isin(list(queues)) & (records["wait"] > 0)]
    t = (r["arrival"] - _origin(records)).dt.total_seconds().to_numpy()
    lo = np.clip(np.floor(t).astype(np.int64), 0, n)
    hi = np.clip(np.floor(t + r["wait"].to_numpy()).astype(np.int64), 0, n)
    return _cover(lo, hi, n)


def _cover(lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """Per second 0..n-1, how many of the half-open spans [lo, hi) cover it."""
    d = np.zeros(n + 1, np.int64)
    np.add.at(d, np.clip(lo, 0, n), 1)
    np.add.at(d, np.clip(hi, 0, n), -1)
    return np.cumsum(d[:-1])


def _gaps(s: pd.DataFrame) -> pd.DataFrame:
    """Per service followed by another of the same agent: the finished call's queue,
    its end, the next start and the gap (s; negative overlaps clipped to 0)."""
    nxt = s.groupby("agent")["start"].shift(-1)
    end = s.groupby("agent")["end"].cummax()  # overlapping services: the latest end
    g = pd.DataFrame(
        {"agent": s["agent"], "queue": s["queue"], "end": end, "next_start": nxt}
    ).dropna()
    g["gap"] = np.maximum(g["next_start"] - g["end"], 0.0)
    return g.reset_index(drop=True)


def after_call_gaps(
    records: pd.DataFrame, skills: Mapping[str, tuple[str, ...]], *, idle_gap: float
) -> pd.DataFrame:
    """Gaps (s) between an agent's service end and their next service start, at most
    ``idle_gap`` long, where a call of one of the agent's skills was waiting in the
    second after the service ended: ``agent, queue`` (of the finished call), ``gap``."""
    s = services(records)
    n = int(np.ceil(s["end"].max())) + 2 if len(s) else 1
    g = _gaps(s)
    g = g[g["gap"] <= idle_gap]
    keep = np.zeros(len(g), bool)
    for skill_set in set(skills.values()):
        waiting = _waiting(records, skill_set, n)
        mine = g["agent"].map(lambda a, ss=skill_set: skills.get(a) == ss).to_numpy(bool)
        at = np.clip(np.floor(g["end"].to_numpy()).astype(np.int64) + 1, 0, n - 1)
        keep |= mine & waiting[at]
    return g.loc[keep, ["agent", "queue", "gap"]].reset_index(drop=True)


def wrap_up_samples(
    gaps: pd.DataFrame, *, cutoff: float = WRAP_CUTOFF, points: int = 101, min_gaps: int = 30
) -> dict[str, list[float]]:
    """Per queue of the finished call, the after-call work (s): ``points`` evenly spaced
    quantiles of its gaps up to ``cutoff`` s (an empirical distribution); queues with
    fewer than ``min_gaps`` such gaps get none."""
    out = {}
    for q, g in gaps[gaps["gap"] <= cutoff].groupby("queue"):
        if len(g) >= min_gaps:
            qs = np.quantile(g["gap"].to_numpy(float), np.linspace(0, 1, points))
            out[str(q)] = [round(float(v), 1) for v in qs]
    return out


def handle_time_factors(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    min_calls: int = MIN_FACTOR_CALLS,
) -> dict[str, dict[str, float]]:
    """Per group and queue: the group's mean handle time over the queue's mean (all
    agents), where the group answered at least ``min_calls`` calls of it."""
    s = services(records)
    s = s.assign(ht=s["end"] - s["start"], group=s["agent"].map(lambda a: skills.get(a)))
    s = s[s["group"].notna()]
    overall = {str(k): float(v) for k, v in s.groupby("queue")["ht"].mean().items()}
    out: dict[str, dict[str, float]] = {}
    for ss in set(skills.values()):
        g = s[s["group"] == ss]
        by_q = g.groupby("queue")["ht"].agg(["mean", "size"])
        f = {
            str(q): round(float(m / overall[str(q)]), 3)
            for q, m, n in zip(by_q.index, by_q["mean"], by_q["size"], strict=True)
            if q in ss and n >= min_calls and overall[str(q)] > 0
        }
        if f:
            out[group_name(ss)] = f
    return dict(sorted(out.items()))


def agent_talk_factors(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    shrink: float = TALK_SHRINK_CALLS,
    min_calls: int = MIN_FACTOR_CALLS,
) -> dict[str, dict[str, float]]:
    """Per agent (of ``skills``) and queue of their skills: the agent's talk-time factor,
    their mean handle time over the queue's mean (all agents of ``skills``), shrunk to
    their group's: ``(sum of their handle times + shrink * group mean) / ((n + shrink)
    * queue mean)`` for an agent with ``n`` calls of the queue. The group mean is that of
    :func:`handle_time_factors` (the queue's where the group has fewer than
    ``min_calls`` calls of it), so an agent with no calls of a queue gets their group's
    factor."""
    s = services(records)
    s = s.assign(ht=s["end"] - s["start"], group=s["agent"].map(lambda a: skills.get(a)))
    s = s[s["group"].notna()]
    queue_mean = s.groupby("queue")["ht"].mean()
    group_f = handle_time_factors(records, skills, min_calls=min_calls)
    key = list(zip(s["agent"], s["queue"], strict=True))
    total_of: dict[tuple[str, str], float] = {}
    n_of: dict[tuple[str, str], int] = {}
    for k, ht in zip(key, s["ht"].to_numpy(float), strict=True):
        total_of[k] = total_of.get(k, 0.0) + float(ht)
        n_of[k] = n_of.get(k, 0) + 1
    out: dict[str, dict[str, float]] = {}
    for agent, ss in sorted(skills.items()):
        gf = group_f.get(group_name(ss), {})
        f = {}
        for q in ss:
            if q not in queue_mean.index or queue_mean[q] <= 0:
                continue
            total, n = total_of.get((agent, q), 0.0), n_of.get((agent, q), 0)
            m = float(queue_mean[q])
            f[q] = (total + shrink * gf.get(q, 1.0) * m) / ((n + shrink) * m)
        if f:
            out[agent] = f
    return out


def on_shift_seconds(records: pd.DataFrame, *, idle_gap: float) -> pd.DataFrame:
    """Per agent and day (of the service's start): seconds on shift, from a service's
    start to its end and across gaps of at most ``idle_gap`` s to the agent's next
    service (as :func:`availability`, before any idle time is taken off):
    ``agent, date, seconds``."""
    s = services(records)
    g = _gaps(s)
    g = g[g["gap"] <= idle_gap]
    busy = s.assign(seconds=s["end"] - s["start"], at=s["start"])[["agent", "at", "seconds"]]
    # an overlap (a service starting before the previous one ended) is counted once
    over = s.groupby("agent")["end"].cummax().groupby(s["agent"]).shift(1)
    overlap = np.clip(over.to_numpy(float) - s["start"].to_numpy(), 0.0, None)
    overlap = np.minimum(np.nan_to_num(overlap), busy["seconds"].to_numpy())
    busy = busy.assign(seconds=busy["seconds"] - overlap)
    bridged = g.assign(seconds=g["gap"], at=g["end"])[["agent", "at", "seconds"]]
    both = pd.concat([busy, bridged], ignore_index=True)
    day = (_origin(records) + pd.to_timedelta(both["at"] // 86400, unit="D")).dt.date
    out = both.assign(date=day).groupby(["agent", "date"])["seconds"].sum()
    return out.reset_index()[["agent", "date", "seconds"]]


def day_talk_factors(
    factors: Mapping[str, Mapping[str, float]],
    on_shift: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    parts: Mapping[str, Sequence[tuple[tuple[str, ...], float]]] | None = None,
) -> dict[str, dict[str, float]]:
    """Per group and queue, the talk-time factor of the agents on shift (``on_shift``:
    ``agent, seconds``, e.g. one day of :func:`on_shift_seconds`): the harmonic mean of
    their factors weighted by their seconds on shift, ``sum t / sum (t / f)`` (the
    factor that keeps the calls per hour the group's agents can serve when busy).
    Agents without a factor for a queue of their skills are left out of it; a group
    and queue with nobody on shift is left out. ``parts`` (agent -> (skills, weight)
    pairs, :func:`readiness_parts`): an agent's seconds count in each part's group at
    the part's weight, as :func:`availability` shares their time out (default: each
    agent wholly in the group of their ``skills``)."""
    t = on_shift.groupby("agent")["seconds"].sum()
    num: dict[tuple[str, str], float] = {}
    den: dict[tuple[str, str], float] = {}
    for agent, secs in t.items():
        ss = skills.get(str(agent))
        if ss is None or secs <= 0:
            continue
        pieces = (parts.get(str(agent)) if parts is not None else None) or [(ss, 1.0)]
        for sub, w in pieces:
            for q in sub:
                f = factors.get(str(agent), {}).get(q)
                if f is None or f <= 0 or w <= 0:
                    continue
                key = (group_name(sub), q)
                num[key] = num.get(key, 0.0) + w * float(secs)
                den[key] = den.get(key, 0.0) + w * float(secs) / f
    out: dict[str, dict[str, float]] = {}
    for (g, q), n in sorted(num.items()):
        out.setdefault(g, {})[q] = n / den[(g, q)]
    return out


def availability(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    interval_minutes: int,
    idle_gap: float,
    wrap_cutoff: float | None = WRAP_CUTOFF,
    extrapolate: bool = False,
    parts: Mapping[str, Sequence[tuple[tuple[str, ...], float]]] | None = None,
    not_absence: np.ndarray | None = None,
    answerer_only: bool = False,
) -> pd.DataFrame:
    """Agents available per interval and group (agent-equivalents).

    An agent is on shift from a service's start to its end and across gaps of at most
    ``idle_gap`` s to their next service; of such a gap, the time after the first
    ``wrap_cutoff`` s during which a call of the agent's skills was waiting is not
    available (``wrap_cutoff=None``: every on-shift second is available, the old
    heuristic). Absence is only seen while a call waits: ``extrapolate`` takes it as
    independent of the queue and divides an interval's seen absence by the share of
    the interval during which a call of the agent's skills waited (at most the agent's
    idle time beyond the cutoff). ``parts`` (agent -> (skills, weight) pairs, weights
    adding up to 1, e.g. :func:`readiness_parts`) shares an agent's available time out
    among the groups of those skill sets (their absence is still seen on all of
    ``skills``). ``not_absence`` (a bool per record) leaves those calls' waits out of
    the waits absence is seen in (e.g. the calls a pick-up delay stands for, so the
    same idle seconds are not counted twice); with ``answerer_only`` only for the agent
    who answered each of them (a simulated pick-up delay reserves one agent; the
    records' other idle agents let the call wait too, and calls arriving meanwhile
    mostly waited: away), abandoned ones for none. Returns ``interval`` (start
    timestamp), ``group``, ``agents`` (available agent-seconds / interval seconds),
    every interval of every day.
    """
    s = services(records)
    step = interval_minutes * 60
    t0 = _origin(records)
    n_days = int((pd.Timestamp(records["arrival"].max()).normalize() - t0).days) + 1
    n = n_days * 86400
    groups = skill_groups(skills)
    shares = {a: list(parts.get(a) or [(ss, 1.0)]) for a, ss in skills.items()} if parts else {}
    named = {
        **groups,
        **skill_groups({f"{a}#{i}": p[0] for a, ps in shares.items() for i, p in enumerate(ps)}),
    }
    per_group = {name: np.zeros(n // step) for name in sorted(named)}
    use_waits = wrap_cutoff is not None
    own_late: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    counts: dict[tuple[str, ...], np.ndarray] = {}
    seen_in = records
    if not_absence is not None and answerer_only:
        own_late = _answered_wait_spans(records, np.asarray(not_absence, bool))
        counts = {ss: _waiting_count(records, ss, n) for ss in groups.values()} if use_waits else {}
    elif not_absence is not None:
        seen_in = records[~np.asarray(not_absence, bool)]
    waiting = {ss: _waiting(seen_in, ss, n) for ss in groups.values()} if use_waits else {}
    gaps = _gaps(s)
    for agent, sv in s.groupby("agent"):
        ss = skills.get(str(agent))
        if ss is None:
            continue
        lo = np.floor(sv["start"].to_numpy()).astype(np.int64)
        hi = np.ceil(sv["end"].to_numpy()).astype(np.int64)
        bridged = gaps[(gaps["agent"] == agent) & (gaps["gap"] <= idle_gap)]
        blo = np.ceil(bridged["end"].to_numpy()).astype(np.int64)
        bhi = np.maximum(np.floor(bridged["next_start"].to_numpy()).astype(np.int64), blo)
        on = (_cover(lo, hi, n) + _cover(blo, bhi, n)) > 0
        seconds = on.reshape(-1, step).sum(axis=1).astype(float)
        if use_waits:
            idle = _cover(blo + int(round(wrap_cutoff or 0)), bhi, n) > 0
            wait_ss = waiting[ss]
            if str(agent) in own_late:  # their own late pick-ups are not their absence
                wait_ss = (counts[ss] - _cover(*own_late[str(agent)], n)) > 0
            seen = (idle & wait_ss).reshape(-1, step).sum(axis=1)
            if extrapolate:
                share = waiting[ss].reshape(-1, step).mean(axis=1)
                idle_s = (idle & on).reshape(-1, step).sum(axis=1)
                est = np.divide(seen, share, out=np.zeros(len(seen)), where=share > 0)
                seconds -= np.minimum(est, idle_s)
            else:
                seconds -= seen
        for sub, weight in shares.get(str(agent)) or [(ss, 1.0)]:
            per_group[group_name(sub)] += weight * seconds
    grid = pd.date_range(t0, periods=n // step, freq=f"{interval_minutes}min")
    frames = [
        pd.DataFrame({"interval": grid, "group": name, "agents": v / step})
        for name, v in per_group.items()
    ]
    return pd.concat(frames, ignore_index=True)


def pick_counts(
    records: pd.DataFrame, skills: Mapping[str, tuple[str, ...]], queues: Sequence[str]
) -> pd.DataFrame:
    """``wins.loc[q, o]``: services of queue ``q`` begun by an agent skilled for both
    ``q`` and ``o`` while a call of ``o`` was waiting (in the second before): the agent
    chose ``q`` over ``o``."""
    s = services(records)
    s = s[s["agent"].isin(list(skills))]
    n = int(np.ceil(s["end"].max())) + 2 if len(s) else 1
    t = np.clip(np.floor(s["start"].to_numpy()).astype(np.int64) - 1, 0, n - 1)
    picked = s["queue"].to_numpy()
    agent_skills = s["agent"].map(lambda a: set(skills[a])).to_numpy()
    wins = pd.DataFrame(0, index=list(queues), columns=list(queues))
    for o in queues:
        waiting = _waiting(records, [o], n)[t]
        knows_o = np.array([o in k for k in agent_skills], bool)
        for q in queues:
            if q != o:
                knows_q = np.array([q in k for k in agent_skills], bool)
                wins.loc[q, o] = int((waiting & knows_o & knows_q & (picked == q)).sum())
    return wins


ROUTING_ALPHA = 0.01
"""Two-sided binomial-test level at which agents are taken to prefer one queue to
another (weaker evidence: no preference, the default order stands)."""


def routing_priority(wins: pd.DataFrame, *, alpha: float = ROUTING_ALPHA) -> list[str]:
    """Queues in the order agents take them (Copeland): a queue scores 1 for each other
    queue it was chosen over significantly more often than the reverse (two-sided
    binomial test at ``alpha``), 0.5 where neither is; higher scores first, ties in
    ``wins``' order (the default priority)."""
    from scipy.stats import binomtest

    w = wins.to_numpy(int)
    n = len(w)
    score = np.zeros(n)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            k, m = int(w[i, j]), int(w[i, j] + w[j, i])
            clear = m > 0 and binomtest(k, m, 0.5).pvalue < alpha
            score[i] += (1.0 if k > m - k else 0.0) if clear else 0.5
    order = sorted(range(n), key=lambda i: -score[i])
    return [str(wins.index[i]) for i in order]


def _oldest_age(records: pd.DataFrame, queue: str, at: np.ndarray) -> np.ndarray:
    """Age (s) of the oldest call of ``queue`` still waiting at each time of ``at``
    (s from the first day's midnight; waiting spans half-open, ``[arrival, arrival +
    wait)``), NaN where none waits."""
    import heapq

    r = records[(records["queue"] == queue) & (records["wait"] > 0)]
    lo = (r["arrival"] - _origin(records)).dt.total_seconds().to_numpy()
    hi = lo + r["wait"].to_numpy(float)
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    out = np.full(len(at), np.nan)
    heap: list[tuple[float, float]] = []
    j = 0
    for k in np.argsort(at, kind="stable"):
        t = at[k]
        while j < len(lo) and lo[j] <= t:
            heapq.heappush(heap, (lo[j], hi[j]))
            j += 1
        while heap and heap[0][1] <= t:  # ended spans never wait again: drop lazily
            heapq.heappop(heap)
        if heap:
            out[k] = t - heap[0][0]
    return out


def overtaking_picks(
    records: pd.DataFrame, skills: Mapping[str, tuple[str, ...]], order: Sequence[str]
) -> dict[str, pd.DataFrame]:
    """Per queue ``q`` after the first of ``order`` (the routing priority): the
    services begun by agents skilled for ``q`` and for a queue before it in ``order``
    while calls of both waited (in the second before): ``age`` (s) of ``q``'s oldest
    waiting call then, and ``took`` (True where the agent took ``q``, i.e. overtook
    the queue before it). Queues without such services are left out."""
    s = services(records)
    s = s[s["agent"].isin(list(skills))]
    t = np.floor(s["start"].to_numpy()) - 1.0
    n = int(np.ceil(s["end"].max())) + 2 if len(s) else 1
    at = np.clip(t, 0, n - 1).astype(np.int64)
    known = s["agent"].map(lambda a: set(skills[a])).to_numpy()
    picked = s["queue"].to_numpy()
    out: dict[str, pd.DataFrame] = {}
    for i, q in enumerate(order[1:], start=1):
        before = list(order[:i])
        mine = np.array([q in k and bool(k & set(before)) for k in known], bool)
        other_waits = np.zeros(len(s), bool)
        for h in before:
            knows_h = np.array([h in k for k in known], bool)
            other_waits |= knows_h & _waiting(records, [h], n)[at]
        age = _oldest_age(records, q, t)
        both = mine & other_waits & ~np.isnan(age) & np.isin(picked, [q, *before])
        if both.any():
            out[q] = pd.DataFrame({"age": age[both], "took": picked[both] == q})
    return out


AGING_MIN_PICKS = 30
"""Fewest overtaking picks (a queue taken while one before it waited) to estimate the
age at which agents turn to it."""
AGING_FRESH = 30.0
"""s: a queue's oldest call younger than this is fresh."""
AGING_FRESH_SHARE = 0.1
"""Largest share of the picks made while a queue's oldest call was fresh that took it
for the queue to count as waiting behind the ones ahead until its calls age (more: the
agents mix the queues whatever the age, which the routing order already stands for)."""


def aging_thresholds(
    picks: Mapping[str, pd.DataFrame],
    *,
    min_picks: int = AGING_MIN_PICKS,
    fresh: float = AGING_FRESH,
    fresh_share: float = AGING_FRESH_SHARE,
) -> dict[str, float]:
    """Per queue (of :func:`overtaking_picks`), the age (s) of its oldest waiting call
    beyond which agents take it before the queues ahead of it: the age ``x`` such that
    the picks made while its oldest call was at least ``x`` s old are as many as the
    picks that took it (so a rule "take it first once its oldest call waited ``x`` s"
    overtakes as often as the agents did, who took it more often the longer it had
    waited). Only queues with at least ``min_picks`` overtaking picks whose fresh calls
    (oldest under ``fresh`` s) were taken in at most ``fresh_share`` of the picks
    made then (strict priority until its calls age)."""
    out = {}
    for q, p in picks.items():
        took = p["took"].to_numpy(bool)
        age = p["age"].to_numpy(float)
        k = int(took.sum())
        young = age < fresh
        if k < min_picks or (young.any() and took[young].mean() > fresh_share):
            continue
        out[q] = float(np.floor(np.sort(age)[::-1][k - 1]))  # the k oldest picks: >= this
    return out


TAKE_WAIT = 2.0
"""s: a call answered within this long of its arrival by an agent idle just before was
taken by that agent at once (the switch's delay)."""
MIN_OPPORTUNITIES = 30
"""Fewest arrivals of a queue while an agent was idle to estimate how ready they are
to take it."""


def _idle(s: pd.DataFrame, agent: str, n: int, idle_gap: float) -> np.ndarray:
    """Per second, True while ``agent`` is between two of their services less than
    ``idle_gap`` s apart (on shift, not serving)."""
    g = _gaps(s[s["agent"] == agent])
    g = g[g["gap"] <= idle_gap]
    lo = np.ceil(g["end"].to_numpy()).astype(np.int64)
    hi = np.maximum(np.floor(g["next_start"].to_numpy()).astype(np.int64), lo)
    return _cover(lo, hi, n) > 0


def take_rates(
    records: pd.DataFrame, skills: Mapping[str, tuple[str, ...]], *, idle_gap: float
) -> pd.DataFrame:
    """How often idle agents took the calls of each of their queues at once.

    Per agent and skill: ``opportunities`` (calls of the queue arriving while the agent
    was idle, in the second before), ``taken`` (of those, answered by the agent within
    :data:`TAKE_WAIT` s) and ``expected`` (the sum over opportunities of 1 / the number
    of idle agents skilled for the queue then: what the agent would have taken if the
    switch gave each call to any idle skilled agent alike)."""
    s = services(records)
    n = int(np.ceil(s["end"].max())) + 2 if len(s) else 1
    agents = [a for a in sorted(skills) if (s["agent"] == a).any()]
    idle = {a: _idle(s, a, n, idle_gap) for a in agents}
    at = (records["arrival"] - _origin(records)).dt.total_seconds().to_numpy()
    at = np.clip(np.floor(at).astype(np.int64) - 1, 0, n - 1)
    queue = records["queue"].to_numpy()
    quick = (records["agent"].astype(str).to_numpy(), records["wait"].to_numpy() <= TAKE_WAIT)
    rows = []
    for q in sorted({q for a in agents for q in skills[a]}):
        mine = queue == q
        t = at[mine]
        k = sum(idle[a][t].astype(np.int64) for a in agents if q in skills[a])
        for a in (a for a in agents if q in skills[a]):
            opp = idle[a][t]
            took = opp & (quick[0][mine] == a) & quick[1][mine]
            rows.append(
                {
                    "agent": a,
                    "queue": q,
                    "opportunities": int(opp.sum()),
                    "taken": int(took.sum()),
                    "expected": float((1.0 / np.maximum(k, 1))[opp].sum()),
                }
            )
    return pd.DataFrame(rows, columns=["agent", "queue", "opportunities", "taken", "expected"])


def readiness(
    rates: pd.DataFrame,
    records: pd.DataFrame,
    *,
    min_opportunities: int = MIN_OPPORTUNITIES,
) -> dict[str, dict[str, float]]:
    """Per agent, how ready they are to take each queue that is no agent's main one
    (their most answered queue): their take rate (:func:`take_rates`: taken /
    expected) on it over their rate on their own main queue, at most 1. A queue
    someone specialises in may be routed to them first, so a generalist's low rate on
    it is not reluctance; on a queue only taken on the side it is. Agents or queues
    with fewer than ``min_opportunities`` are left out (ready: 1)."""
    s = services(records)
    main = s.groupby("agent")["queue"].agg(lambda x: x.value_counts().index[0])
    side = set(rates["queue"]) - set(main.reindex(rates["agent"].unique()).dropna())
    r = rates[rates["opportunities"] >= min_opportunities].set_index(["agent", "queue"])
    ratio = r["taken"] / r["expected"].where(r["expected"] > 0)
    rate = {
        (str(a), str(q)): float(v)
        for a, q, v in zip(
            ratio.index.get_level_values(0), ratio.index.get_level_values(1), ratio, strict=True
        )
    }
    out: dict[str, dict[str, float]] = {}
    for (agent, q), v in rate.items():
        own = rate.get((agent, str(main.get(agent))), np.nan)
        if q in side and np.isfinite(v) and np.isfinite(own) and own > 0:
            out.setdefault(agent, {})[q] = round(min(1.0, v / own), 3)
    return out


def readiness_parts(
    skills: Mapping[str, tuple[str, ...]], ready: Mapping[str, Mapping[str, float]]
) -> dict[str, list[tuple[tuple[str, ...], float]]]:
    """Per agent, their skill sets and weights when each queue ``q`` is theirs for the
    share ``ready[agent][q]`` of their time (independently across queues; 1 where not
    given): an agent 0.25 ready for NW is a (PS, NW) agent a quarter of the time and a
    (PS,) agent the rest. Skill sets keep ``skills``' order; empty ones are dropped (their
    weight goes to none)."""
    import itertools

    out: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    for agent, ss in skills.items():
        part = [q for q in ss if ready.get(agent, {}).get(q, 1.0) < 1.0]
        pieces: list[tuple[tuple[str, ...], float]] = []
        for keep in itertools.product((True, False), repeat=len(part)):
            w = 1.0
            for q, k in zip(part, keep, strict=True):
                p = ready[agent][q]
                w *= p if k else 1.0 - p
            dropped = {q for q, k in zip(part, keep, strict=True) if not k}
            sub = tuple(q for q in ss if q not in dropped)
            if sub and w > 0:
                pieces.append((sub, w))
        out[agent] = pieces
    return out


def part_handle_time_factors(
    records: pd.DataFrame,
    parts: Mapping[str, Sequence[tuple[tuple[str, ...], float]]],
    *,
    min_calls: int = MIN_FACTOR_CALLS,
) -> dict[str, dict[str, float]]:
    """:func:`handle_time_factors` for groups made of parts of agents
    (:func:`readiness_parts`): each agent's calls count in each of their groups with
    the part's weight (with whole agents, weight 1, the same factors). Per group and
    queue of its skills: the weighted mean handle time over the queue's mean (all
    agents with parts), where the weighted calls are at least ``min_calls``."""
    s = services(records)
    s = s[s["agent"].isin(list(parts))].assign(ht=s["end"] - s["start"])
    overall = s.groupby("queue")["ht"].mean()
    agg = s.groupby(["agent", "queue"])["ht"].agg(["sum", "size"])
    by_agent = {
        (str(a), str(q)): (float(t), float(c))
        for (a, q), t, c in zip(agg.index, agg["sum"], agg["size"], strict=True)  # type: ignore[misc]
    }
    acc: dict[str, dict[str, list[float]]] = {}
    for agent, pieces in parts.items():
        for sub, w in pieces:
            for q in sub:
                if (agent, q) in by_agent:
                    tot, cnt = by_agent[(agent, q)]
                    cell = acc.setdefault(group_name(sub), {}).setdefault(q, [0.0, 0.0])
                    cell[0] += w * tot
                    cell[1] += w * cnt
    out = {}
    for g, per_q in acc.items():
        f = {
            q: round(float(tot / cnt / overall[q]), 3)
            for q, (tot, cnt) in per_q.items()
            if cnt >= min_calls - 1e-9 and overall[q] > 0
        }
        if f:
            out[g] = dict(sorted(f.items()))
    return dict(sorted(out.items()))


PICKUP_MIN_CALLS = 100
"""Fewest calls of a queue arriving to an idle agent to estimate its pick-up delay."""


def idle_arrivals(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    idle_gap: float,
    skip: float = WRAP_CUTOFF,
) -> np.ndarray:
    """Per record (in ``records``' row order), True where, in the second before its
    arrival, an agent skilled for its queue was idle and available: between two of
    their services less than ``idle_gap`` s apart, past the gap's first ``skip`` s
    (after-call work) and with no call of their skills waiting (an agent idle while a
    call waits is away: :func:`availability` takes that time off already)."""
    return idle_counts(records, skills, idle_gap=idle_gap, skip=skip) > 0


def pickup_waits(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    idle_gap: float,
    skip: float = WRAP_CUTOFF,
    quick: float = TAKE_WAIT,
) -> dict[str, tuple[int, np.ndarray]]:
    """Per queue, of its calls that arrived to an idle, available agent
    (:func:`idle_arrivals`): how many, and the waits (s) of those answered after more
    than ``quick`` s (the pick-up delays). Abandoned ones are left out of the delays
    (their delay is only known to exceed their wait) but count in the calls."""
    idle = idle_arrivals(records, skills, idle_gap=idle_gap, skip=skip)
    r = records[idle]
    out = {}
    for q, g in r.groupby(r["queue"].astype(str)):
        late = g["answered"].to_numpy(bool) & (g["wait"].to_numpy(float) > quick)
        out[str(q)] = (len(g), g["wait"].to_numpy(float)[late])
    return out


def pickup_of(
    waits: Mapping[str, tuple[int, np.ndarray]],
    queues: Iterable[str],
    *,
    points: int = 101,
    min_calls: int = PICKUP_MIN_CALLS,
) -> dict[str, Any] | None:
    """A group's ``pickup`` entry from :func:`pickup_waits`, pooled over its queues:
    ``share`` the delayed calls over the calls that arrived to an idle agent,
    ``delay`` an empirical distribution of ``points`` quantiles of the delays; None
    with fewer than ``min_calls`` calls or no delay."""
    calls = sum(waits[q][0] for q in queues if q in waits)
    delays = [waits[q][1] for q in queues if q in waits]
    d = np.concatenate(delays) if delays else np.zeros(0)
    if calls < min_calls or len(d) == 0:
        return None
    qs = np.quantile(d, np.linspace(0, 1, points))
    return {
        "share": round(len(d) / calls, 4),
        "delay": {"distribution": "empirical", "samples": [round(float(v), 1) for v in qs]},
    }


PICKUP_DAY_MIN_CALLS = 30
"""Fewest calls arriving to an idle agent on a day for the day to count in the fit of
the pick-up share on the day's absence (:func:`pickup_absence_fit`)."""


def late_idle_arrivals(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    idle_gap: float,
    skip: float = WRAP_CUTOFF,
    quick: float = TAKE_WAIT,
) -> np.ndarray:
    """Per record, True for a call that arrived to an idle, available agent
    (:func:`idle_arrivals`) and waited more than ``quick`` s, answered or not: the
    waits a pick-up delay stands for (``availability(not_absence=...)``)."""
    late = records["wait"].to_numpy(float) > quick
    return late & idle_arrivals(records, skills, idle_gap=idle_gap, skip=skip)


def day_absence(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    interval_minutes: int,
    idle_gap: float,
    not_absence: np.ndarray | None = None,
) -> pd.Series:
    """Per day (``datetime.date`` of the interval): the share of all agents' on-shift
    seconds they were away, with absence taken as independent of the queue
    (:func:`availability` with ``extrapolate``; ``not_absence`` as there): 1 - available
    agent-seconds / on-shift agent-seconds, pooled over the groups. Days with nobody
    on shift are left out."""
    kw: dict[str, Any] = {"interval_minutes": interval_minutes, "idle_gap": idle_gap}
    on = availability(records, skills, wrap_cutoff=None, **kw)
    av = availability(records, skills, extrapolate=True, not_absence=not_absence, **kw)
    both = pd.DataFrame(
        {"on": on["agents"].to_numpy(), "av": av["agents"].to_numpy()},
        index=on["interval"].dt.date.to_numpy(),
    )
    per_day = both.groupby(level=0).sum()
    per_day = per_day[per_day["on"] > 0]
    return (1.0 - per_day["av"] / per_day["on"]).rename("absence")


def pickup_days(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    idle_gap: float,
    skip: float = WRAP_CUTOFF,
    quick: float = TAKE_WAIT,
) -> pd.DataFrame:
    """Per day of arrival (index ``datetime.date``), of the calls of any queue that
    arrived to an idle, available agent (:func:`idle_arrivals`): ``calls`` and ``late``
    (answered after more than ``quick`` s, as :func:`pickup_waits` counts them)."""
    idle = idle_arrivals(records, skills, idle_gap=idle_gap, skip=skip)
    r = records[idle]
    late = r["answered"].to_numpy(bool) & (r["wait"].to_numpy(float) > quick)
    day = r["arrival"].dt.date.to_numpy()
    out = pd.DataFrame({"calls": 1, "late": late.astype(np.int64)}, index=day)
    return out.groupby(level=0).sum()


def pickup_absence_fit(
    days: pd.DataFrame, *, min_calls: int = PICKUP_DAY_MIN_CALLS
) -> tuple[float, float] | None:
    """How the day's pick-up share moves with the day's absence: a binomial GLM (logit
    link) of ``late`` out of ``calls`` on ``absence`` over the days (rows) with at least
    ``min_calls`` calls. Returns ``(slope, reference)``: the change in the log-odds of
    a late answer per unit of absence share, and the days' mean absence weighted by
    their calls (where the month's share applies, :func:`shifted_share`); None with
    fewer than two such days or one absence for all."""
    import statsmodels.api as sm

    d = days[days["calls"] >= min_calls]
    x = d["absence"].to_numpy(float)
    if len(d) < 2 or np.ptp(x) == 0:
        return None
    n = d["calls"].to_numpy(float)
    res = sm.GLM(
        d["late"].to_numpy(float) / n,
        sm.add_constant(x),
        family=sm.families.Binomial(),
        var_weights=n,
    ).fit()
    return float(res.params[1]), float(np.average(x, weights=n))


def shifted_share(share: float, slope: float, reference: float, absence: float) -> float:
    """A pick-up share moved to a day's ``absence`` on the log-odds scale:
    ``expit(logit(share) + slope * (absence - reference))`` (0 and 1 stay)."""
    if share <= 0.0 or share >= 1.0:
        return share
    z = np.log(share / (1.0 - share)) + slope * (absence - reference)
    return float(1.0 / (1.0 + np.exp(-z)))


def censored_pickup(
    wait: np.ndarray, answered: np.ndarray, *, quick: float = TAKE_WAIT, points: int = 101
) -> dict[str, Any] | None:
    """A ``pickup`` entry from calls that arrived to an idle agent, their waits (s) and
    whether they were answered, counting the abandoned ones as censored delays.

    An abandoned call's pick-up delay is only known to exceed its wait; leaving such
    calls out of the delays (:func:`pickup_of`) understates both the delayed share and
    the delays where many abandon (January's NW: 5.8% of its idle arrivals against PS's
    1.0%). Here the delay is the calls' time to answer, abandonment right-censoring it
    (Kaplan-Meier, :func:`scipy.stats.ecdf`; the engine draws patience independently of
    the delay in the same way): ``share`` = P(delay > ``quick``), ``delay`` the
    ``points`` quantiles of the delay given it exceeds ``quick`` (at the answer times;
    probability the records never see answered, past the last answer, at the longest
    wait). None without a call answered after more than ``quick``.
    """
    from scipy import stats

    w = np.asarray(wait, float)
    ans = np.asarray(answered, bool)
    if not (ans & (w > quick)).any():
        return None
    sf = stats.ecdf(stats.CensoredData(uncensored=w[ans], right=w[~ans])).sf
    s0 = float(sf.evaluate(quick))
    t, s = np.asarray(sf.quantiles, float), np.asarray(sf.probabilities, float)
    prev = np.r_[1.0, s[:-1]]
    event = (t > quick) & (s < prev)  # answer times past quick (S drops there)
    t_ev, cdf = t[event], 1.0 - s[event] / s0
    p = np.linspace(0, 1, points)
    at = np.searchsorted(cdf, p - 1e-12)
    qs = np.where(at < len(t_ev), t_ev[np.minimum(at, len(t_ev) - 1)], w.max())
    return {
        "share": round(s0, 4),
        "delay": {"distribution": "empirical", "samples": [round(float(v), 1) for v in qs]},
    }


def queue_pickups(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    idle_gap: float,
    skip: float = WRAP_CUTOFF,
    quick: float = TAKE_WAIT,
    min_calls: int = PICKUP_MIN_CALLS,
) -> dict[str, dict[str, Any]]:
    """Per queue with at least ``min_calls`` calls that arrived to an idle, available
    agent (:func:`idle_arrivals`), its own ``pickup`` entry from those calls with the
    abandoned ones as censored delays (:func:`censored_pickup`): a
    ``groups.<g>.pickup.channels`` entry. January: NW share 0.320 (0.262 leaving the
    abandoned out), PS 0.238 (0.228)."""
    idle = idle_arrivals(records, skills, idle_gap=idle_gap, skip=skip)
    r = records[idle]
    out = {}
    for q, g in r.groupby(r["queue"].astype(str)):
        if len(g) >= min_calls:
            entry = censored_pickup(
                g["wait"].to_numpy(float), g["answered"].to_numpy(bool), quick=quick
            )
            if entry is not None:
                out[str(q)] = entry
    return out


PICKUP_MAX_IDLE = 4
"""Idle-agent counts from this up are pooled in :func:`pickup_idle_counts`."""


def idle_counts(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    idle_gap: float,
    skip: float = WRAP_CUTOFF,
) -> np.ndarray:
    """Per record, how many agents skilled for its queue were idle and available in the
    second before its arrival (:func:`idle_arrivals` is where this is at least 1)."""
    grid = idle_seconds(records, skills, idle_gap=idle_gap, skip=skip)
    queue = records["queue"].astype(str).to_numpy()
    out = np.zeros(len(records), np.int64)
    for _, ss, _, idle in grid.agents:
        out += np.isin(queue, list(ss)) & idle[grid.at]
    return out


class IdleSeconds(NamedTuple):
    """The agents' idle seconds (:func:`idle_seconds`)."""

    n: int
    """Seconds on the grid, from the records' first midnight (:func:`services`' clock)."""
    at: np.ndarray
    """Per record, the grid second before its arrival."""
    agents: Iterator[tuple[str, tuple[str, ...], np.ndarray, np.ndarray]]
    """Per agent with skills (one at a time: each mask is a boolean per grid second):
    the agent, their skills, ``between`` (between two of their services less than
    ``idle_gap`` s apart, past the gap's first ``skip`` s) and ``idle`` (``between``
    with no call of their skills waiting: idle and available)."""


def idle_seconds(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    idle_gap: float,
    skip: float = WRAP_CUTOFF,
) -> IdleSeconds:
    """Second by second, when each agent was idle (:class:`IdleSeconds`), and where on
    that grid each record arrived: what :func:`idle_counts` counts, for analyses that
    need the agents one by one."""
    s = services(records)
    n = int(np.ceil(s["end"].max())) + 2 if len(s) else 1
    gaps = _gaps(s)
    gaps = gaps[gaps["gap"] <= idle_gap]
    at = (records["arrival"] - _origin(records)).dt.total_seconds().to_numpy()
    at = np.clip(np.floor(at).astype(np.int64) - 1, 0, n - 1)

    def agents() -> Iterator[tuple[str, tuple[str, ...], np.ndarray, np.ndarray]]:
        waiting: dict[tuple[str, ...], np.ndarray] = {}
        for agent, g in gaps.groupby("agent"):
            ss = skills.get(str(agent))
            if ss is None:
                continue
            if ss not in waiting:
                waiting[ss] = _waiting(records, ss, n)
            lo = np.ceil(g["end"].to_numpy() + skip).astype(np.int64)
            hi = np.maximum(np.floor(g["next_start"].to_numpy()).astype(np.int64), lo)
            between = _cover(lo, hi, n) > 0
            yield str(agent), ss, between, between & ~waiting[ss]

    return IdleSeconds(n, at, agents())


def pickup_idle_counts(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    idle_gap: float,
    skip: float = WRAP_CUTOFF,
    quick: float = TAKE_WAIT,
    max_idle: int = PICKUP_MAX_IDLE,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per queue, of its calls that arrived to idle, available agents, by how many
    (:func:`idle_counts`: 1, 2, ..., ``max_idle`` or more): the calls and those answered
    after more than ``quick`` s (as :func:`pickup_waits` counts them), two arrays of
    ``max_idle`` counts."""
    k = idle_counts(records, skills, idle_gap=idle_gap, skip=skip)
    late = records["answered"].to_numpy(bool) & (records["wait"].to_numpy(float) > quick)
    queue = records["queue"].astype(str).to_numpy()
    found = k > 0
    bins = np.minimum(k, max_idle) - 1
    out = {}
    for q in sorted(set(queue[found])):
        mine = found & (queue == q)
        calls = np.bincount(bins[mine], minlength=max_idle)
        out[q] = (calls, np.bincount(bins[mine & late], minlength=max_idle))
    return out


def pickup_by_idle_of(
    counts: Mapping[str, tuple[np.ndarray, np.ndarray]],
    queues: Iterable[str],
    *,
    min_calls: int = PICKUP_MIN_CALLS,
) -> list[float] | None:
    """A group's ``pickup.share_by_idle`` from :func:`pickup_idle_counts`, pooled over
    its queues: per idle-agent count, the late calls over the calls; a count with fewer
    than ``min_calls`` calls takes the share of the one before it (None when the first
    has too few)."""
    got = [counts[q] for q in queues if q in counts]
    if not got:
        return None
    calls = np.sum([c for c, _ in got], axis=0)
    late = np.sum([x for _, x in got], axis=0)
    if calls[0] < min_calls:
        return None
    out: list[float] = []
    for n, x in zip(calls, late, strict=True):
        out.append(round(float(x / n), 4) if n >= min_calls else out[-1])
    return out
