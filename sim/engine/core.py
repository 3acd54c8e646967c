"""The discrete-event engine: one replication of a scenario on SimPy's event calendar.

Design (for speed and reproducibility):

* No SimPy process per customer. Every happening (a service completion, a patience
  expiry, a hop to another channel, a chase, a headcount change) is an entry with
  one callback on SimPy's own calendar; new journeys are drawn up front and handed
  over in time order.
* Abandonment timers are never cancelled: a timer that fires for a contact already
  answered does nothing, and abandoned contacts are skipped lazily when an agent
  takes work from the queue.
* Random variates are drawn in numpy batches: every first contact's arrival time,
  handle time, patience and decision uniforms are drawn up front per channel; hops
  draw from per-channel pools. Each source has its own named stream
  (:mod:`sim.streams`), so what-ifs see the same customers (common random numbers),
  and each decision has its own uniform (resolution, next journey step, balking,
  silent abandonment), so one decision never biases another.

Agents and routing. Agent capacity is ``CAP`` units (the least common multiple of the
concurrent channels' concurrencies); a synchronous or deferred contact takes the whole
agent, a concurrent session ``CAP / concurrency``. An arriving contact goes to the
longest-idle eligible agent (concurrent sessions: the agent with the most free
capacity, or the one whose load changed longest ago). A fully free agent takes the
oldest waiting contact of the first *live* channel in its skill list that has one,
then deferred work (unless the group reserves agents for deferred work); a partly
loaded agent only takes more concurrent sessions that fit. When headcount drops, idle
agents leave at once and busy ones when their last contact ends. After the last
period no new journeys arrive; live queues are worked off with the last staffing, then
(when the periods cover less than a day) the centre closes until the same clock time
the next day, deferred backlogs carrying over, and repeats the periods' staffing
(tomorrow looks like today) until every contact has an outcome.

The engine does no I/O and knows nothing of KPIs: it returns contact- and
journey-level records (:class:`RawRun`) that :mod:`sim.kpi` summarises.
"""

from __future__ import annotations

import gc
import math
from collections import deque
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import numpy as np
import simpy

from ..streams import stream
from .codes import (
    ABANDONED,
    ANSWERED,
    CAUSE_OF_EVENT,
    CONC,
    DEFERRED,
    GHOST,
    LONGEST_IDLE,
    LOST,
    MAX_ATTEMPTS,
    MOST_FREE,
    RESOLVED,
    SYNC,
    WAITING,
    Cause,
    EndEvent,
)
from .draws import first_contacts, pool, uniform
from .model import Model
from .raw import RawRun

__all__ = ["run_replication"]

# ends of a contact (EndEvent) and why a contact was made (Cause), as exact ints
ABANDON, UNRESOLVED, BALK = (int(e) for e in EndEvent)
NEW, CHASE = int(Cause.NEW), int(Cause.CHASE)

INF = math.inf


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


def _replicate(m: Model, rep: np.random.SeedSequence) -> RawRun:  # noqa: C901 - one closure set
    env = simpy.Environment()
    first = first_contacts(m, rep)
    n0 = len(first["t"])

    # contact attributes, indexed by contact id (first contacts are 0..n0-1)
    t_arr: list[float] = first["t"].tolist()
    ch: list[int] = first["c"].tolist()
    hd: list[float] = first["h"].tolist()
    pt: list[float] = first["p"].tolist()
    ures: list[float] = first["ures"].tolist()  # resolution
    utr: list[float] = first["utr"].tolist()  # which transition follows an event
    ubalk: list[float] = first["ubalk"].tolist()  # balking on an announced wait
    usilent: list[float] = first["usilent"].tolist()  # abandoning silently
    jid: list[int] = list(range(n0))
    att: list[int] = [1] * n0
    prev: list[int] = [-1] * n0
    cause: list[int] = [NEW] * n0
    out: list[int] = [WAITING] * n0
    tend: list[float] = [0.0] * n0
    agt: list[int] = [-1] * n0
    # a journey is resolved unless its contacts say otherwise (rare, so cheap)
    jout: list[int] = [RESOLVED] * n0
    balked: list[int] = []
    silent: list[int] = []

    C, G = len(m.channels), len(m.groups)
    CAP = m.capacity
    modes, units = m.modes, m.units
    res = m.resolution
    routes = m.routes
    max_att = m.max_attempts
    skills = m.skills
    elig = m.eligible
    only_group = [e[0] if len(e) == 1 else -1 for e in elig]
    # a freed agent looks at live skills first (priority order), then deferred ones
    live_first = [
        tuple(c for c in sk if modes[c] != DEFERRED) + tuple(c for c in sk if modes[c] == DEFERRED)
        for sk in skills
    ]
    deferred_first = [
        tuple(c for c in sk if modes[c] == DEFERRED) + tuple(c for c in sk if modes[c] != DEFERRED)
        for sk in skills
    ]
    conc_skills = [tuple(c for c in sk if modes[c] == CONC) for sk in skills]
    reserve = m.deferred_reserve
    on_deferred = [0] * G
    parallel = any(m.chases)  # chasing lets one journey have two contacts at once
    jres: list[int] = [0] * n0 if parallel else []
    queues: list[deque[int]] = [deque() for _ in range(C)]
    counted = [m.balk[c] is not None for c in range(C)]
    # groups whose agents only answer synchronous channels without balking
    simple = [all(modes[c] == SYNC and not counted[c] for c in sk) for sk in skills]
    nwait = [0] * C  # live waiting contacts, kept only where balking needs it
    mean_handle = [d.mean for d in m.handle]
    rate_tables = m.rate_tables
    stretched = any(t is not None for t in rate_tables)

    # agents: capacity used, group, time their load last changed, sessions held
    a_group: list[int] = []
    a_load: list[int] = []
    a_since: list[float] = []
    a_sess: list[int] = []
    a_eng: list[float] = []  # when the agent's current concurrent engagement began
    a_str: list[list[int]] = []  # stretched sessions on the agent
    idle: list[deque[int]] = [deque() for _ in range(G)]  # fully free, longest idle first
    partial: list[set[int]] = [set() for _ in range(G)]  # part-loaded with concurrent work
    hc = m.headcount
    target = hc[:, 0].tolist()
    present = list(target)
    staff_log: list[tuple[float, int, int]] = [(0.0, g, n) for g, n in enumerate(present)]
    eng_log: list[tuple[int, float, float]] = []
    ghost_log: list[tuple[int, float, float, int]] = []
    s_rem: dict[int, float] = {}
    s_upd: dict[int, float] = {}
    s_ver: dict[int, int] = {}

    def new_agent(g: int, now: float) -> int:
        a = len(a_group)
        a_group.append(g)
        a_load.append(0)
        a_since.append(now)
        a_sess.append(0)
        a_eng.append(now)
        a_str.append([])
        return a

    for g, n in enumerate(target):
        idle[g].extend(new_agent(g, 0.0) for _ in range(n))

    names = m.channels
    hop_handle = [pool(m.handle[c].sample, stream(rep, "hop-handle", names[c])) for c in range(C)]
    hop_pat = [
        pool(p.sample, stream(rep, "hop-patience", names[c])) if p else (lambda: INF)
        for c, p in enumerate(m.patience)
    ]
    hop_u = [pool(uniform, stream(rep, "hop-journey", names[c])) for c in range(C)]
    hop_balk = [
        pool(uniform, stream(rep, "hop-balk", names[c])) if m.balk[c] else (lambda: 0.0)
        for c in range(C)
    ]
    hop_silent = [
        pool(uniform, stream(rep, "hop-silent-choice", names[c])) if m.silent[c] else (lambda: 0.0)
        for c in range(C)
    ]
    delay_pools = [
        [
            tuple(
                pool(d.sample, stream(rep, "delay", name))
                for d, name in zip(route.delays, route.names, strict=True)
            )
            if route
            else ()
            for route in per_event
        ]
        for per_event in routes
    ]
    chase_pools = [
        [
            (
                pool(uniform, stream(rep, "chase", route.names[0])),
                tuple(
                    pool(d.sample, stream(rep, "delay", name))
                    for d, name in zip(route.delays, route.names, strict=True)
                ),
            )
            for _, route in per
        ]
        for per in m.chases
    ]
    silent_time = [
        pool(s[1].sample, stream(rep, "silent", names[c])) if s else None
        for c, s in enumerate(m.silent)
    ]

    # Entries go straight onto SimPy's calendar, exactly as env.schedule(ev, NORMAL, delay)
    # would put them, without the method call.
    queue: list[Any] = env._queue
    eid = env._eid
    push = heappush

    # -- starting work -------------------------------------------------------------------
    def start_full(k: int, a: int, now: float) -> None:
        """Agent a (fully free, already out of the idle deque) takes contact k."""
        out[k] = ANSWERED
        tend[k] = now
        agt[k] = a
        if modes[ch[k]] == DEFERRED:
            on_deferred[a_group[a]] += 1
            push(queue, (now + hd[k], 1, next(eid), (done_deferred, k)))
        else:
            push(queue, (now + hd[k], 1, next(eid), (done, k)))

    def load(a: int, u: int, now: float) -> None:
        """Put u more units of concurrent work on agent a."""
        g = a_group[a]
        old = a_load[a]
        if old == 0:
            a_eng[a] = now
        a_load[a] = old + u
        a_sess[a] += 1
        a_since[a] = now
        if old + u < CAP:
            partial[g].add(a)
        else:
            partial[g].discard(a)

    def start_conc(k: int, a: int, now: float) -> None:
        c = ch[k]
        out[k] = ANSWERED
        tend[k] = now
        agt[k] = a
        n_old = a_sess[a]
        load(a, units[c], now)
        if rate_tables[c] is None:
            push(queue, (now + hd[k], 1, next(eid), (done_conc, k)))
            if stretched and a_str[a]:
                restretch(a, n_old, now)
        else:
            s_rem[k] = hd[k]
            s_upd[k] = now
            s_ver[k] = 0
            a_str[a].append(k)
            restretch(a, n_old, now)

    def start_ghost(k: int, a: int, now: float) -> None:
        """Agent a opens the session of a customer who already left silently."""
        c = ch[k]
        out[k] = ABANDONED
        n_old = a_sess[a]
        load(a, units[c], now)
        t = silent_time[c]()  # type: ignore[misc]
        push(queue, (now + t, 1, next(eid), (done_ghost, (k, a, now))))
        if stretched and a_str[a]:
            restretch(a, n_old, now)

    def restretch(a: int, n_old: int, now: float) -> None:
        """Sessions on agent a changed speed: reschedule its stretched sessions."""
        n_new = a_sess[a]
        for s in a_str[a]:
            table = rate_tables[ch[s]]
            if n_old:
                s_rem[s] -= (now - s_upd[s]) * table[n_old]  # type: ignore[index]
            s_upd[s] = now
            s_ver[s] += 1
            left = max(s_rem[s], 0.0) / table[n_new]  # type: ignore[index]
            push(queue, (now + left, 1, next(eid), (done_stretched, (s, s_ver[s]))))

    # -- arrivals ------------------------------------------------------------------------
    def arrive(k: int, now: float) -> None:
        c = ch[k]
        if modes[c] != SYNC:
            if modes[c] == CONC:
                arrive_concurrent(k, c, now)
                return
        else:
            g = only_group[c]
            if g >= 0:  # the hot path: a voice call to one dedicated group
                d = idle[g]
                if d:
                    a = d.popleft()
                    out[k] = ANSWERED
                    tend[k] = now
                    agt[k] = a
                    push(queue, (now + hd[k], 1, next(eid), (done, k)))
                    return
                wait(k, c, now)
                return
        best = INF
        bd = None
        for g1 in elig[c]:
            d = idle[g1]
            if d and a_since[d[0]] < best:
                best = a_since[d[0]]
                bd = d
        if bd is not None:
            start_full(k, bd.popleft(), now)
        else:
            wait(k, c, now)

    def arrive_concurrent(k: int, c: int, now: float) -> None:
        u = units[c]
        best_a = -1
        best_t = INF
        for g1 in elig[c]:  # fully free agents: the longest idle
            d = idle[g1]
            if d and a_since[d[0]] < best_t:
                best_t = a_since[d[0]]
                best_a = d[0]
        if best_a < 0 or m.concurrent_policy[c] == LONGEST_IDLE:
            most_free = best_a < 0 and m.concurrent_policy[c] == MOST_FREE
            best_f = -1
            for g1 in elig[c]:
                for a in partial[g1]:
                    free = CAP - a_load[a]
                    if free < u:
                        continue
                    if most_free:
                        if free > best_f or (free == best_f and a_since[a] < best_t):
                            best_f, best_t, best_a = free, a_since[a], a
                    elif a_since[a] < best_t:
                        best_t, best_a = a_since[a], a
        if best_a >= 0:
            if a_load[best_a] == 0:
                idle[a_group[best_a]].popleft()
            start_conc(k, best_a, now)
        else:
            wait(k, c, now)

    def wait(k: int, c: int, now: float) -> None:
        """No agent free: balk, or queue with a patience timer (and chase timers)."""
        b = m.balk[c]
        if b is not None:
            staff = sum(present[g] for g in elig[c]) * (CAP // units[c])
            announced = (nwait[c] + 1) * mean_handle[c] / staff if staff else INF
            if announced > b[0] and ubalk[k] < b[1]:
                out[k] = ABANDONED
                tend[k] = now
                balked.append(k)
                next_step(k, BALK, now)
                return
        if counted[c]:
            nwait[c] += 1
        queues[c].append(k)
        p = pt[k]
        if p != INF:
            push(queue, (now + p, 1, next(eid), (abandon, k)))
        for i, (after, _) in enumerate(m.chases[c]):
            push(queue, (now + after, 1, next(eid), (chase, (k, i))))

    # -- journeys ------------------------------------------------------------------------
    def next_step(k: int, event: int, now: float) -> None:
        """Journey logic after contact k ended by ``event`` without resolution."""
        if parallel and jres[jid[k]]:
            return  # another contact of the journey already resolved it
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
                    why = CAUSE_OF_EVENT[event]
                    push(queue, (now + delay, 1, next(eid), (hop, (k, route.targets[i], why))))
                    return
        jout[jid[k]] = LOST

    def hop(arg: tuple[int, int, int], now: float) -> None:
        k, c, why = arg
        j = jid[k]
        if parallel and jres[j]:
            return  # resolved meanwhile (e.g. the email was answered): no new contact
        n = len(t_arr)
        t_arr.append(now)
        ch.append(c)
        hd.append(hop_handle[c]())
        pt.append(hop_pat[c]())
        ures.append(hop_u[c]())
        utr.append(hop_u[c]())
        ubalk.append(hop_balk[c]())
        usilent.append(hop_silent[c]())
        jid.append(j)
        att.append(att[k] + 1)
        prev.append(k)
        cause.append(why)
        out.append(WAITING)
        tend.append(0.0)
        agt.append(-1)
        arrive(n, now)

    def chase(arg: tuple[int, int], now: float) -> None:
        k, i = arg
        if out[k] != WAITING or (parallel and jres[jid[k]]):
            return
        c = ch[k]
        route = m.chases[c][i][1]
        draw_u, delays = chase_pools[c][i]
        u = draw_u()
        for r, cp in enumerate(route.cumulative):
            if u < cp:
                if att[k] >= max_att:
                    return  # no attempts left: the customer keeps waiting for the reply
                if route.withdraw[r]:
                    out[k] = ABANDONED
                    tend[k] = now
                push(queue, (now + delays[r](), 1, next(eid), (hop, (k, route.targets[r], CHASE))))
                return

    def resolve(k: int) -> None:
        j = jid[k]
        jres[j] = 1
        jout[j] = RESOLVED

    # -- ends of work --------------------------------------------------------------------
    def done(k: int, now: float) -> None:
        """A synchronous or deferred contact ends: journey logic, then the agent is free."""
        if ures[k] >= res[ch[k]]:
            next_step(k, UNRESOLVED, now)
        elif parallel:
            resolve(k)
        a = agt[k]
        g = a_group[a]
        if not simple[g] or present[g] > target[g]:
            free(a, now)
            return
        # as free(a, now), inlined for groups with only synchronous skills (the hot path)
        for c in skills[g]:
            q = queues[c]
            while q:
                k = q.popleft()
                if out[k] == WAITING:
                    out[k] = ANSWERED
                    tend[k] = now
                    agt[k] = a
                    push(queue, (now + hd[k], 1, next(eid), (done, k)))
                    return
        a_since[a] = now
        idle[g].append(a)

    def done_deferred(k: int, now: float) -> None:
        on_deferred[a_group[agt[k]]] -= 1
        done(k, now)

    def done_conc(k: int, now: float) -> None:
        if ures[k] >= res[ch[k]]:
            next_step(k, UNRESOLVED, now)
        elif parallel:
            resolve(k)
        release(agt[k], units[ch[k]], now)

    def done_stretched(arg: tuple[int, int], now: float) -> None:
        k, v = arg
        if s_ver.get(k) != v:
            return  # rescheduled since
        a = agt[k]
        a_str[a].remove(k)
        del s_rem[k], s_upd[k], s_ver[k]
        hd[k] = now - tend[k]
        done_conc(k, now)

    def done_ghost(arg: tuple[int, int, float], now: float) -> None:
        k, a, start = arg
        u = units[ch[k]]
        ghost_log.append((a_group[a], start, now, u))
        release(a, u, now)

    def release(a: int, u: int, now: float) -> None:
        """Agent a finished u units of concurrent work."""
        g = a_group[a]
        n_old = a_sess[a]
        a_load[a] -= u
        a_sess[a] -= 1
        a_since[a] = now
        if stretched and a_str[a]:
            restretch(a, n_old, now)
        if a_load[a] == 0:
            partial[g].discard(a)
            eng_log.append((g, a_eng[a], now))
            free(a, now)
        else:
            partial[g].add(a)
            if present[g] <= target[g]:
                fill(a, now)

    def fill(a: int, now: float) -> None:
        """A part-loaded agent takes more concurrent sessions that fit."""
        g = a_group[a]
        for c in conc_skills[g]:
            u = units[c]
            q = queues[c]
            while q and CAP - a_load[a] >= u:
                k = q.popleft()
                o = out[k]
                if o == WAITING:
                    if counted[c]:
                        nwait[c] -= 1
                    start_conc(k, a, now)
                elif o == GHOST:
                    start_ghost(k, a, now)

    def free(a: int, now: float) -> None:
        """Agent a holds no contact: it leaves, takes waiting work, or goes idle."""
        g = a_group[a]
        if present[g] > target[g]:
            present[g] -= 1
            a_load[a] = -1  # gone
            staff_log.append((now, g, present[g]))
            return
        order = deferred_first[g] if on_deferred[g] < reserve[g] else live_first[g]
        for c in order:
            q = queues[c]
            while q:
                k = q.popleft()
                o = out[k]
                if o == WAITING:
                    if counted[c]:
                        nwait[c] -= 1
                    if modes[c] == CONC:
                        start_conc(k, a, now)
                        fill(a, now)
                    else:
                        start_full(k, a, now)
                    return
                if o == GHOST:
                    start_ghost(k, a, now)
                    fill(a, now)
                    return
        a_since[a] = now
        idle[g].append(a)

    def abandon(k: int, now: float) -> None:
        if out[k] == WAITING:
            c = ch[k]
            s = m.silent[c]
            if counted[c]:
                nwait[c] -= 1
            if s is not None and usilent[k] < s[0]:
                out[k] = GHOST  # still queued: an agent will open it
                silent.append(k)
            else:
                out[k] = ABANDONED
            tend[k] = now
            next_step(k, ABANDON, now)

    # -- staffing ------------------------------------------------------------------------
    def restaff(arg: tuple[int, int], now: float) -> None:
        g, n = arg
        target[g] = n
        if n > present[g]:
            for _ in range(n - present[g]):
                present[g] += 1
                free(new_agent(g, now), now)
        else:
            d = idle[g]
            while present[g] > n and d:
                a_load[d.pop()] = -1
                present[g] -= 1
        staff_log.append((now, g, present[g]))

    horizon = m.horizon
    P = m.periods

    def schedule_day(offset: float, now: float = 0.0) -> None:
        """Staffing changes of the periods, starting at ``offset`` (none before ``now``)."""
        for g in range(G):
            for p in range(P):
                if (p == 0 and offset > 0) or (p > 0 and hc[g, p] != hc[g, p - 1]):
                    # priority 0 (SimPy's URGENT): staff changes before contacts at a boundary
                    at = max(offset + p * m.interval, now)
                    push(queue, (at, 0, next(eid), (restaff, (g, int(hc[g, p])))))

    live_channels = [c for c in range(C) if modes[c] != DEFERRED]

    def waiting_count(channels: list[int] | range) -> int:
        return sum(1 for c in channels for k in queues[c] if out[k] in (WAITING, GHOST))

    def pending_work() -> bool:
        """Anything on the calendar besides staffing and these checks?"""
        return any(
            not (isinstance(e[3], tuple) and e[3][0] in (restaff, finish_live)) for e in queue
        )

    # The periods cover whole days or part of one (e.g. 08:00-20:00). At the end of them
    # live queues are worked off with the last staffing; then the centre closes until the
    # same clock time the next day (deferred backlogs carry over) and works the same
    # staffing pattern again, until every contact has an outcome.
    cycle = math.ceil(horizon / 86400 - 1e-9) * 86400.0
    stuck = [-1]  # contacts waiting at the previous closing

    def finish_live(last_live: int, now: float) -> None:
        live = waiting_count(live_channels)
        if live and (live != last_live or pending_work()):
            push(queue, (now + m.interval, 0, next(eid), (finish_live, live)))
            return
        waiting = waiting_count(range(C))
        if not pending_work() and (waiting == 0 or waiting == stuck[0]):
            return  # done, or a whole day passed and nobody could serve what waits
        stuck[0] = waiting
        opening = (math.floor((now - horizon) / cycle + 1e-9) + 1) * cycle
        if opening > now:
            for g in range(G):
                restaff((g, 0), now)
        schedule_day(opening, now)
        push(queue, (max(opening + horizon, now + m.interval), 0, next(eid), (finish_live, -1)))

    schedule_day(0.0)
    push(queue, (horizon, 0, next(eid), (finish_live, -1)))
    _run(env, t_arr, n0, arrive)

    stranded = 0
    if WAITING in out or GHOST in out:
        for k, o in enumerate(out):
            if o == WAITING:  # nobody could ever serve it: it leaves when the run ends
                stranded += 1
                out[k] = ABANDONED
                tend[k] = env.now
                if not (parallel and jres[jid[k]]):
                    jout[jid[k]] = LOST
            elif o == GHOST:
                out[k] = ABANDONED
    outcome = np.array(out, dtype=np.int8)
    wait_end = np.array(tend)
    handle = np.array(hd) if stretched else np.concatenate([first["h"], hd[n0:]])
    journey = np.concatenate([np.arange(n0), np.array(jid[n0:], dtype=np.int64)])
    # a journey ends when its last contact ends (answered: after the handle time)
    contact_end = np.where(outcome == ANSWERED, wait_end + handle, wait_end)
    journey_end = np.zeros(n0)
    np.maximum.at(journey_end, journey, contact_end)
    log = np.array(staff_log, dtype=float).reshape(-1, 3)
    agent = np.array(agt, dtype=np.int64)
    groups_of_agents = np.array(a_group + [-1], dtype=np.int64)
    n = len(out)
    flags = np.zeros(n, bool)
    silent_flags = np.zeros(n, bool)
    flags[balked] = True
    silent_flags[silent] = True
    return RawRun(
        arrival=np.concatenate([first["t"], t_arr[n0:]]),
        channel=np.concatenate([first["c"], np.array(ch[n0:], dtype=np.int64)]),
        handle=handle,
        wait_end=wait_end,
        outcome=outcome,
        agent=agent,
        group=groups_of_agents[agent],
        journey=journey,
        attempt=np.concatenate([np.ones(n0, np.int64), np.array(att[n0:], dtype=np.int64)]),
        previous=np.concatenate([np.full(n0, -1, np.int64), np.array(prev[n0:], dtype=np.int64)]),
        cause=np.concatenate([np.zeros(n0, np.int8), np.array(cause[n0:], dtype=np.int8)]),
        balked=flags,
        silent=silent_flags,
        journey_outcome=np.array(jout, dtype=np.int8),
        journey_end=journey_end,
        staff_times=log[:, 0],
        staff_groups=log[:, 1].astype(np.int64),
        staff_present=log[:, 2].astype(np.int64),
        engaged=np.array(eng_log, dtype=float).reshape(-1, 3),
        ghost_work=np.array(ghost_log, dtype=float).reshape(-1, 4),
        end_time=float(env.now),
        stranded=stranded,
    )
