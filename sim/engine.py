"""The discrete-event engine: one replication of a scenario on SimPy's event calendar.

Design (for speed and reproducibility):

* No SimPy process per customer. Every happening (an arrival, a service completion,
  a patience expiry, a hop to another channel, a headcount change) is a bare event
  with one callback, scheduled on SimPy's own calendar.
* Abandonment timers are never cancelled: a timer that fires for a contact already
  answered does nothing, and abandoned contacts are skipped lazily when an agent
  takes work from the queue.
* Random variates are drawn in numpy batches: every first contact's arrival time,
  handle time, patience and decision uniforms are drawn up front per channel; hops
  draw from per-channel pools refilled 1024 at a time. Each source has its own named
  stream (:mod:`sim.streams`), so what-ifs see the same customers (common random
  numbers).

Routing: an arriving contact goes to the longest-idle eligible agent; a freed agent
takes the oldest waiting contact of the first channel in its skill list (priority
order) that has one. When headcount drops, idle agents leave at once and busy ones
leave when their contact ends.

The engine does no I/O and knows nothing of KPIs: it returns contact- and
journey-level records (:class:`RawRun`) that :mod:`sim.kpi` summarises.
"""

from __future__ import annotations

import gc
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from heapq import heappop, heappush
from typing import Any

import numpy as np
import simpy

from .distributions import Distribution
from .scenario import Scenario
from .streams import stream

__all__ = ["Model", "RawRun", "compile_scenario", "run_replication"]

INF = math.inf
EVENT_INDEX = {"abandon": 0, "unresolved": 1}

# outcome codes of a contact
WAITING, ANSWERED, ABANDONED = 0, 1, 2
# outcome codes of a journey
RESOLVED, LOST, MAX_ATTEMPTS = 1, 2, 3
JOURNEY_OUTCOMES = {RESOLVED: "resolved", LOST: "lost", MAX_ATTEMPTS: "max_attempts"}

_POOL = 1024


@dataclass(frozen=True)
class Route:
    """The transitions out of one (channel, event): cumulative probabilities."""

    cumulative: tuple[float, ...]
    targets: tuple[int, ...]
    delays: tuple[Distribution, ...]
    names: tuple[str, ...]


@dataclass(frozen=True)
class Model:
    """A scenario compiled to indexed arrays for the engine."""

    channels: tuple[str, ...]
    groups: tuple[str, ...]
    interval: float
    periods: int
    rates: np.ndarray  # (channels, periods) expected new journeys per interval
    handle: tuple[Distribution, ...]
    patience: tuple[Distribution | None, ...]
    resolution: tuple[float, ...]
    routes: tuple[tuple[Route | None, ...], ...]  # [channel][event index]
    max_attempts: int
    skills: tuple[tuple[int, ...], ...]  # per group, channel indices in priority order
    eligible: tuple[tuple[int, ...], ...]  # per channel, group indices
    headcount: np.ndarray  # (groups, periods) scheduled agents

    @property
    def horizon(self) -> float:
        return self.periods * self.interval


def compile_scenario(sc: Scenario) -> Model:
    """Index a validated scenario's channels, groups and transitions for the engine."""
    chans = tuple(sc.channels)
    grps = tuple(sc.groups)
    cidx = {c: i for i, c in enumerate(chans)}
    P = sc.periods
    routes: list[list[Route | None]] = []
    for c in chans:
        per_event: list[Route | None] = []
        for ev in EVENT_INDEX:
            ts = [t for t in sc.journeys.transitions if t.source == c and t.on == ev]
            if not ts:
                per_event.append(None)
                continue
            per_event.append(
                Route(
                    cumulative=tuple(np.cumsum([t.probability for t in ts]).tolist()),
                    targets=tuple(cidx[t.to] for t in ts),
                    delays=tuple(t.delay for t in ts),
                    names=tuple(f"{c}/{ev}->{t.to}#{i}" for i, t in enumerate(ts)),
                )
            )
        routes.append(per_event)
    return Model(
        channels=chans,
        groups=grps,
        interval=sc.interval_seconds,
        periods=P,
        rates=np.array([sc.channels[c].arrivals_per_period(P) for c in chans], dtype=float),
        handle=tuple(sc.channels[c].handle_time for c in chans),
        patience=tuple(sc.channels[c].patience for c in chans),
        resolution=tuple(sc.journeys.resolution.get(c, 1.0) for c in chans),
        routes=tuple(tuple(r) for r in routes),
        max_attempts=sc.journeys.max_attempts,
        skills=tuple(tuple(cidx[s] for s in sc.groups[g].skills) for g in grps),
        eligible=tuple(
            tuple(gi for gi, g in enumerate(grps) if c in sc.groups[g].skills) for c in chans
        ),
        headcount=np.array([sc.groups[g].agents_per_period(P) for g in grps], dtype=np.int64),
    )


@dataclass(frozen=True)
class RawRun:
    """Everything one replication produced, one row per contact / journey.

    Times are seconds from the start of the first period. ``wait_end`` is when the
    contact stopped waiting (answer or abandonment time).
    """

    arrival: np.ndarray
    channel: np.ndarray
    handle: np.ndarray
    wait_end: np.ndarray
    outcome: np.ndarray  # ANSWERED / ABANDONED
    group: np.ndarray  # serving group index, -1 if abandoned
    journey: np.ndarray  # journey id (= index of its first contact)
    attempt: np.ndarray  # 1 for the first contact of a journey
    previous: np.ndarray  # contact that led to this one, -1 for first contacts
    journey_outcome: np.ndarray  # per journey: RESOLVED / LOST / MAX_ATTEMPTS
    journey_end: np.ndarray  # per journey: time of its final event (s)
    staff_times: np.ndarray  # headcount log: time (s) ...
    staff_groups: np.ndarray  # ... group index ...
    staff_present: np.ndarray  # ... agents present from then on
    end_time: float  # when the drain finished
    stranded: int  # contacts still waiting when no event was left (no agent ever came)

    @property
    def wait(self) -> np.ndarray:
        return self.wait_end - self.arrival


def _first_contacts(m: Model, rep: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Draw every new journey of the horizon, per channel, merged in time order."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("t", "c", "h", "p", "ures", "utr")}
    starts = np.arange(m.periods) * m.interval
    for ci, name in enumerate(m.channels):
        rng = stream(rep, "arrivals", name)
        counts = rng.poisson(m.rates[ci])
        n = int(counts.sum())
        t = np.repeat(starts, counts) + rng.random(n) * m.interval
        t.sort()
        parts["t"].append(t)
        parts["c"].append(np.full(n, ci, dtype=np.int64))
        parts["h"].append(m.handle[ci].sample(stream(rep, "handle", name), n))
        pat = m.patience[ci]
        parts["p"].append(pat.sample(stream(rep, "patience", name), n) if pat else np.full(n, INF))
        jr = stream(rep, "journey", name)
        parts["ures"].append(jr.random(n))
        parts["utr"].append(jr.random(n))
    merged = {k: np.concatenate(v) for k, v in parts.items()}
    if len(m.channels) == 1:
        return merged
    order = np.argsort(merged["t"], kind="stable")
    return {k: v[order] for k, v in merged.items()}


def _pool(
    draw: Callable[[np.random.Generator, int], np.ndarray], rng: np.random.Generator
) -> Callable[[], float]:
    """One variate per call, drawn from ``rng`` in numpy batches."""
    buf: list[float] = []

    def take() -> float:
        if not buf:
            buf.extend(draw(rng, _POOL).tolist())
        return buf.pop()

    return take


def _uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.random(n)


def _run(
    env: simpy.Environment,
    t_arr: list[float],
    n0: int,
    arrive: Callable[[int, float], None],
) -> None:
    """Run SimPy's calendar to empty, feeding the pre-drawn new journeys in time order.

    Calendar entries have SimPy's layout ``(time, priority, id, item)``. Our own items
    are ``(callback, argument)`` pairs, called as ``callback(argument, now)``: a tuple
    is far cheaper to make than an Event. Any other item is a SimPy event and runs as
    :meth:`simpy.Environment.step` would run it. A new journey is handed to ``arrive``
    directly when it is due before the next calendar entry, which saves a push and a
    pop per contact; the order of happenings is the same as with one event per arrival.
    """
    queue = env._queue
    pop = heappop
    k = 0
    t_next = t_arr[0] if n0 else INF
    while True:
        if queue and queue[0][0] <= t_next:
            now, _, _, item = pop(queue)
            env._now = now
            if item.__class__ is tuple:
                item[0](item[1], now)
            else:
                env._now = now
                callbacks, item.callbacks = item.callbacks, None  # type: ignore[assignment]
                for cb in callbacks:
                    cb(item)
                if not item._ok and not hasattr(item, "_defused"):
                    raise item._value
        elif k < n0:
            env._now = t_next
            arrive(k, t_next)
            k += 1
            t_next = t_arr[k] if k < n0 else INF
        else:
            return


def run_replication(m: Model, rep: np.random.SeedSequence) -> RawRun:
    """Simulate one replication: arrivals over the periods, then drain to empty."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the run makes millions of short-lived tuples and no reference cycles
    try:
        return _replicate(m, rep)
    finally:
        if gc_was_enabled:
            gc.enable()


def _replicate(m: Model, rep: np.random.SeedSequence) -> RawRun:
    env = simpy.Environment()
    first = _first_contacts(m, rep)
    n0 = len(first["t"])

    # contact attributes, indexed by contact id (first contacts are 0..n0-1)
    t_arr: list[float] = first["t"].tolist()
    ch: list[int] = first["c"].tolist()
    hd: list[float] = first["h"].tolist()
    pt: list[float] = first["p"].tolist()
    ures: list[float] = first["ures"].tolist()
    utr: list[float] = first["utr"].tolist()
    jid: list[int] = list(range(n0))
    att: list[int] = [1] * n0
    prev: list[int] = [-1] * n0
    out: list[int] = [WAITING] * n0
    tend: list[float] = [0.0] * n0
    grp: list[int] = [-1] * n0
    # a journey is resolved unless its last contact says otherwise (rare, so cheap)
    jout: list[int] = [RESOLVED] * n0

    C = len(m.channels)
    res = m.resolution
    routes = m.routes
    max_att = m.max_attempts
    skills = m.skills
    elig = m.eligible
    only_group = [e[0] if len(e) == 1 else -1 for e in elig]
    queues: list[deque[int]] = [deque() for _ in range(C)]
    hc = m.headcount
    target = hc[:, 0].tolist()
    present = list(target)
    idle: list[deque[float]] = [deque([0.0] * n) for n in target]
    staff_log: list[tuple[float, int, int]] = [(0.0, g, n) for g, n in enumerate(present)]

    names = m.channels
    hop_handle = [_pool(m.handle[c].sample, stream(rep, "hop-handle", names[c])) for c in range(C)]
    hop_pat = [
        _pool(p.sample, stream(rep, "hop-patience", names[c])) if p else (lambda: INF)
        for c, p in enumerate(m.patience)
    ]
    hop_u = [_pool(_uniform, stream(rep, "hop-journey", names[c])) for c in range(C)]
    delay_pools = [
        [
            tuple(
                _pool(d.sample, stream(rep, "delay", name))
                for d, name in zip(route.delays, route.names, strict=True)
            )
            if route
            else ()
            for route in per_event
        ]
        for per_event in routes
    ]

    # Events go straight onto SimPy's calendar, exactly as env.schedule(ev, NORMAL, delay)
    # would put them, without the method call.
    queue: list[Any] = env._queue
    eid = env._eid
    push = heappush

    def arrive(k: int, now: float) -> None:
        c = ch[k]
        g = only_group[c]
        if g >= 0:
            if not idle[g]:
                g = -1
        else:
            best = INF
            for g1 in elig[c]:
                d = idle[g1]
                if d and d[0] < best:
                    best = d[0]
                    g = g1
        if g >= 0:
            idle[g].popleft()
            out[k] = ANSWERED
            tend[k] = now
            grp[k] = g
            push(queue, (now + hd[k], 1, next(eid), (done, k)))
        else:
            queues[c].append(k)
            p = pt[k]
            if p != INF:
                push(queue, (now + p, 1, next(eid), (abandon, k)))

    def next_step(k: int, event: int, now: float) -> None:
        """Journey logic after contact k ended by ``event`` without resolution."""
        c = ch[k]
        route = routes[c][event]
        if route is not None:
            u = utr[k]
            for i, cp in enumerate(route.cumulative):
                if u < cp:
                    if att[k] >= max_att:
                        jout[jid[k]] = MAX_ATTEMPTS
                        return
                    delay = delay_pools[c][event][i]()
                    push(queue, (now + delay, 1, next(eid), (hop, (k, route.targets[i]))))
                    return
        jout[jid[k]] = LOST

    def hop(arg: tuple[int, int], now: float) -> None:
        k, c = arg
        n = len(t_arr)
        t_arr.append(now)
        ch.append(c)
        hd.append(hop_handle[c]())
        pt.append(hop_pat[c]())
        ures.append(hop_u[c]())
        utr.append(hop_u[c]())
        jid.append(jid[k])
        att.append(att[k] + 1)
        prev.append(k)
        out.append(WAITING)
        tend.append(0.0)
        grp.append(-1)
        arrive(n, now)

    def free(g: int, now: float) -> None:
        """An agent of group g has no contact: leaves, takes waiting work or goes idle."""
        if present[g] > target[g]:
            present[g] -= 1
            staff_log.append((now, g, present[g]))
            return
        for c in skills[g]:
            q = queues[c]
            while q:
                k = q.popleft()
                if out[k] == WAITING:
                    out[k] = ANSWERED
                    tend[k] = now
                    grp[k] = g
                    push(queue, (now + hd[k], 1, next(eid), (done, k)))
                    return
        idle[g].append(now)

    def done(k: int, now: float) -> None:
        if ures[k] >= res[ch[k]]:
            next_step(k, 1, now)
        # the agent is free: as free(g, now), inlined on the hottest path
        g = grp[k]
        if present[g] > target[g]:
            present[g] -= 1
            staff_log.append((now, g, present[g]))
            return
        for c in skills[g]:
            q = queues[c]
            while q:
                k = q.popleft()
                if out[k] == WAITING:
                    out[k] = ANSWERED
                    tend[k] = now
                    grp[k] = g
                    push(queue, (now + hd[k], 1, next(eid), (done, k)))
                    return
        idle[g].append(now)

    def abandon(k: int, now: float) -> None:
        if out[k] == WAITING:
            out[k] = ABANDONED
            tend[k] = now
            next_step(k, 0, now)

    def restaff(arg: tuple[int, int], now: float) -> None:
        g, n = arg
        target[g] = n
        if n > present[g]:
            for _ in range(n - present[g]):
                present[g] += 1
                free(g, now)
        else:
            d = idle[g]
            while present[g] > n and d:
                d.pop()
                present[g] -= 1
        staff_log.append((now, g, present[g]))

    for g in range(len(m.groups)):
        for p in range(1, m.periods):
            if hc[g, p] != hc[g, p - 1]:
                # priority 0 (SimPy's URGENT): staff changes before contacts at a boundary
                push(queue, (p * m.interval, 0, next(eid), (restaff, (g, int(hc[g, p])))))
    _run(env, t_arr, n0, arrive)

    stranded = out.count(WAITING)
    if stranded:  # nobody could ever serve these: they leave when the run ends
        for k, o in enumerate(out):
            if o == WAITING:
                out[k] = ABANDONED
                tend[k] = env.now
                jout[jid[k]] = LOST
    outcome = np.array(out, dtype=np.int8)
    wait_end = np.array(tend)
    handle = np.concatenate([first["h"], hd[n0:]])
    journey = np.concatenate([np.arange(n0), np.array(jid[n0:], dtype=np.int64)])
    # a journey ends when its last contact ends (answered: after the handle time)
    contact_end = np.where(outcome == ANSWERED, wait_end + handle, wait_end)
    journey_end = np.zeros(n0)
    np.maximum.at(journey_end, journey, contact_end)
    log = np.array(staff_log, dtype=float).reshape(-1, 3)
    return RawRun(
        arrival=np.concatenate([first["t"], t_arr[n0:]]),
        channel=np.concatenate([first["c"], np.array(ch[n0:], dtype=np.int64)]),
        handle=handle,
        wait_end=wait_end,
        outcome=outcome,
        group=np.array(grp, dtype=np.int64),
        journey=journey,
        attempt=np.concatenate([np.ones(n0, np.int64), np.array(att[n0:], dtype=np.int64)]),
        previous=np.concatenate([np.full(n0, -1, np.int64), np.array(prev[n0:], dtype=np.int64)]),
        journey_outcome=np.array(jout, dtype=np.int8),
        journey_end=journey_end,
        staff_times=log[:, 0],
        staff_groups=log[:, 1].astype(np.int64),
        staff_present=log[:, 2].astype(np.int64),
        end_time=float(env.now),
        stranded=stranded,
    )
