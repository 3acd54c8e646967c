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
* :func:`availability`: agents available per group and interval: on shift (services
  less than ``idle_gap`` s apart), less the idle time beyond ``wrap_cutoff`` after a
  service during which a call of the agent's skills was waiting (an agent who lets a
  call wait while idle is not available: a break, other work).

Everything works on a per-second clock (the records' resolution) from the first day's
midnight; times are seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "WRAP_CUTOFF",
    "after_call_gaps",
    "agent_skills",
    "availability",
    "group_name",
    "handle_time_factors",
    "pick_counts",
    "routing_priority",
    "services",
    "skill_groups",
    "wrap_up_samples",
]

WRAP_CUTOFF = 60.0
"""s: a gap while an eligible call waits up to this long is after-call work; the
rest of a longer gap is the agent being away (not available)."""
MIN_SKILL_SHARE = 0.02
"""Share of an agent's answered calls that makes a queue one of their skills."""
MIN_FACTOR_CALLS = 30
"""Fewest calls of a group on a queue to estimate its handle-time factor (else 1)."""


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
    r = records[records["queue"].isin(list(queues)) & (records["wait"] > 0)]
    t = (r["arrival"] - _origin(records)).dt.total_seconds().to_numpy()
    lo = np.clip(np.floor(t).astype(np.int64), 0, n)
    hi = np.clip(np.floor(t + r["wait"].to_numpy()).astype(np.int64), 0, n)
    return _cover(lo, hi, n) > 0


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


def availability(
    records: pd.DataFrame,
    skills: Mapping[str, tuple[str, ...]],
    *,
    interval_minutes: int,
    idle_gap: float,
    wrap_cutoff: float | None = WRAP_CUTOFF,
    extrapolate: bool = False,
) -> pd.DataFrame:
    """Agents available per interval and group (agent-equivalents).

    An agent is on shift from a service's start to its end and across gaps of at most
    ``idle_gap`` s to their next service; of such a gap, the time after the first
    ``wrap_cutoff`` s during which a call of the agent's skills was waiting is not
    available (``wrap_cutoff=None``: every on-shift second is available, the old
    heuristic). Absence is only seen while a call waits: ``extrapolate`` takes it as
    independent of the queue and divides an interval's seen absence by the share of
    the interval during which a call of the agent's skills waited (at most the agent's
    idle time beyond the cutoff). Returns ``interval`` (start timestamp), ``group``, ``agents``
    (available agent-seconds / interval seconds), every interval of every day.
    """
    s = services(records)
    step = interval_minutes * 60
    t0 = _origin(records)
    n_days = int((pd.Timestamp(records["arrival"].max()).normalize() - t0).days) + 1
    n = n_days * 86400
    groups = skill_groups(skills)
    per_group = {name: np.zeros(n // step) for name in groups}
    use_waits = wrap_cutoff is not None
    waiting = {ss: _waiting(records, ss, n) for ss in groups.values()} if use_waits else {}
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
            seen = (idle & waiting[ss]).reshape(-1, step).sum(axis=1)
            if extrapolate:
                share = waiting[ss].reshape(-1, step).mean(axis=1)
                idle_s = (idle & on).reshape(-1, step).sum(axis=1)
                est = np.divide(seen, share, out=np.zeros(len(seen)), where=share > 0)
                seconds -= np.minimum(est, idle_s)
            else:
                seconds -= seen
        per_group[group_name(ss)] += seconds
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
