"""The engine's callbacks: one replication of a compiled scenario on the event calendar.

Design (for speed and reproducibility):

* No process per customer. Every happening (a service completion, a patience expiry, a
  hop to another channel, a chase, a headcount change) is one entry with one callback
  on the calendar (:mod:`.calendar`, a heap of tuples of our own: on SimPy's public
  API, an Event per happening, whole runs measured 2-3.4x slower); new journeys are
  drawn up front (:mod:`.draws`) and handed over in time order.
* Abandonment timers are never cancelled: a timer that fires for a contact already
  answered does nothing, and abandoned contacts are skipped lazily when an agent
  takes work from the queue.
* The state lives in tables of plain lists (:mod:`.tables`); the callbacks are one
  set of closures over them, so a table column is one cell lookup away, and a
  callback pushed on the calendar is a plain function (pushing bound methods of a
  class instead was measured at about 2x the cost, issue 11).

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
journey-level records (:class:`~.raw.RawRun`) that :mod:`sim.kpi` summarises.
"""

from __future__ import annotations

import gc
import math
from bisect import bisect_right
from collections import deque
from collections.abc import Callable

import numpy as np

from .calendar import STAFFING_FIRST, Calendar
from .codes import (
    ABANDONED,
    ANSWERED,
    CAUSE_OF_EVENT,
    CHASE,
    CONC,
    DEFERRED,
    DEFLECTED,
    GHOST,
    LONGEST_IDLE,
    LOST,
    MAX_ATTEMPTS,
    MOST_FREE,
    MOVED,
    OFFER,
    ON_ABANDON,
    ON_BALK,
    ON_UNRESOLVED,
    RESOLVED,
    SYNC,
    WAITING,
)
from .draws import Pools, first_contacts
from .model import Model
from .raw import RawRun, assemble
from .shaping import (
    ACCEPTED,
    CARRIED,
    CARRY,
    DEFLECT,
    DEFLECTED_EVENT,
    FIRED,
    OFFER_ACTION,
    OFFERED,
    PRIORITISE,
    OfferLog,
    accept_probability,
    condition,
)
from .tables import GONE, Agents, Contacts, Journeys, Logs, Routing, Staffing

__all__ = ["replicate", "run_replication"]

INF = math.inf
DAY = 86400.0  # s


class Queues:
    """Per lane (a channel, or one priority level of a channel with customer segments;
    lane c is channel c's best level): the contacts waiting in arrival order, and how
    many are live."""

    __slots__ = ("waiting", "live")

    def __init__(self, lanes: int) -> None:
        # may hold contacts that already left (skipped when an agent takes work) and
        # silent abandoners (GHOST: an agent still opens them)
        self.waiting: list[deque[int]] = [deque() for _ in range(lanes)]
        self.live: list[int] = [0] * lanes  # WAITING contacts, kept where balking needs it


class Stretch:
    """Sessions whose speed depends on how many sessions their agent holds."""

    __slots__ = ("remaining", "updated", "version")

    def __init__(self) -> None:
        self.remaining: dict[int, float] = {}  # work left at full speed (s)
        self.updated: dict[int, float] = {}  # when ``remaining`` was last brought up to date
        self.version: dict[int, int] = {}  # completions scheduled earlier are stale


def run_replication(m: Model, rep: np.random.SeedSequence) -> RawRun:
    """Simulate one replication: arrivals over the periods, then drain to empty."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the run makes millions of short-lived tuples (and frees its cycles)
    try:
        return replicate(m, rep)
    finally:
        if gc_was_enabled:
            gc.enable()


def replicate(m: Model, rep: np.random.SeedSequence, calendar: Calendar | None = None) -> RawRun:
    """One replication, as :func:`run_replication` but with the garbage collector left
    as it is; ``calendar`` replaces the engine's own (``benchmarks/calendar.py`` runs the
    callbacks on SimPy's public API this way)."""
    first = first_contacts(m, rep)
    routing = Routing.of(m)
    segmented = m.segments.any
    contacts = Contacts(first, any(routing.wrapping), m.shaping.active, segmented)
    journeys = Journeys(len(first), routing.parallel, first.segment.tolist() if segmented else None)
    agents = Agents()
    staffing = Staffing(m, agents)
    logs = Logs(staffing)
    calendar = Calendar() if calendar is None else calendar
    offers = OfferLog() if m.shaping.active else None
    queues = Queues(len(m.segments.lanes))
    tables = _Tables(contacts, journeys, agents, staffing, queues, logs, offers)
    arrive, open_day = _callbacks(m, routing, tables, Pools(m, rep), calendar)
    open_day()
    calendar.run(contacts.arrival, len(first), arrive)
    _unlink(arrive, open_day)
    stranded = _settle(contacts, journeys, routing.parallel, calendar.now)
    changed = routing.stretched or any(routing.scaled)  # handle times differ from the draws
    return assemble(
        m, first, contacts, journeys, agents, logs, changed, calendar.now, stranded, offers
    )


def _unlink(*callbacks: Callable[..., object]) -> None:
    """Empty the closure cells of the callbacks and of every callback they reach.

    The callbacks call one another through their closures, a reference cycle that
    plain reference counting cannot free: without this the tables of every run wait
    for the cyclic garbage collector (measured: a tenth of the time of many short
    replications).
    """
    seen: set[int] = set()
    todo = list(callbacks)
    while todo:
        fn = todo.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                content = cell.cell_contents
            except ValueError:  # a name never bound
                continue
            if getattr(content, "__closure__", None):
                todo.append(content)
            cell.cell_contents = None


class _Tables:
    """The mutable state of a replication, handed to the callbacks at once."""

    __slots__ = ("contacts", "journeys", "agents", "staffing", "queues", "logs", "offers")

    def __init__(
        self,
        contacts: Contacts,
        journeys: Journeys,
        agents: Agents,
        staffing: Staffing,
        queues: Queues,
        logs: Logs,
        offers: OfferLog | None = None,
    ) -> None:
        self.offers = offers  # offers made (scenarios with call-backs or shaping rules)
        self.contacts = contacts
        self.journeys = journeys
        self.agents = agents
        self.staffing = staffing
        self.queues = queues
        self.logs = logs


def _settle(contacts: Contacts, journeys: Journeys, parallel: bool, end: float) -> int:
    """Give every contact still open an outcome when the run ends; returns how many
    were still waiting (nobody could ever serve them: they leave at ``end``)."""
    state = contacts.state
    if WAITING not in state and GHOST not in state:
        return 0
    stranded = 0
    for k, o in enumerate(state):
        if o == WAITING:
            stranded += 1
            state[k] = ABANDONED
            contacts.wait_end[k] = end
            j = contacts.journey[k]
            if not (parallel and journeys.resolved[j]):
                journeys.outcome[j] = LOST
        elif o == GHOST:
            state[k] = ABANDONED
    return stranded


def _callbacks(  # noqa: C901 - the callback core: one closure set over the tables, by design
    m: Model, routing: Routing, tables: _Tables, pools: Pools, calendar: Calendar
) -> tuple[Callable[[int, float], None], Callable[[], None]]:
    """The callbacks of one replication; returns ``arrive(k, now)`` (hand over new
    contact k at ``now``) and ``open_day()`` (schedule the first day's staffing and the
    end-of-day check). Every callback is ``callback(argument, now)``, ``now`` in s.

    Legend of the local names (all plain lists indexed by contact, journey, agent,
    group or channel id; see :mod:`.tables`):

    * contacts: ``arrival channel handle patience u_resolve u_route u_balk u_silent
      journey attempt previous cause state wait_end served_by wrap``;
    * journeys: ``j_outcome j_resolved``;
    * agents: ``a_group a_load a_since a_sessions a_engaged a_stretched``;
    * groups: ``target present idle partial on_deferred``;
    * channels: ``queues n_live`` (waiting contacts, live ones counted where balking).
    """
    c_tab, a_tab, s_tab = tables.contacts, tables.agents, tables.staffing
    arrival, channel, handle, patience = c_tab.arrival, c_tab.channel, c_tab.handle, c_tab.patience
    u_resolve, u_route, u_balk, u_silent = (
        c_tab.u_resolve,
        c_tab.u_route,
        c_tab.u_balk,
        c_tab.u_silent,
    )
    journey, attempt, previous, cause = c_tab.journey, c_tab.attempt, c_tab.previous, c_tab.cause
    state, wait_end, served_by, wrap = c_tab.state, c_tab.wait_end, c_tab.agent, c_tab.wrap
    j_outcome, j_resolved = tables.journeys.outcome, tables.journeys.resolved
    a_group, a_load, a_since = a_tab.group, a_tab.load, a_tab.since
    a_sessions, a_engaged, a_stretched = a_tab.sessions, a_tab.engaged, a_tab.stretched
    target, present, idle = s_tab.target, s_tab.present, s_tab.idle
    partial, on_deferred = s_tab.partial, s_tab.on_deferred
    queues, n_live = tables.queues.waiting, tables.queues.live
    logs = tables.logs
    staff_log, eng_log, ghost_log = logs.staff, logs.engaged, logs.ghost_work
    balked, silent = logs.balked, logs.silent
    stretch = Stretch()
    s_remaining, s_updated, s_version = stretch.remaining, stretch.updated, stretch.version

    # the model and the routing tables
    C, G = len(m.channels), len(m.groups)
    CAP = m.capacity
    # per lane (see Queues; the first C lanes are the channels, so these read per channel
    # too): a lane's channel's mode, units and whether its live contacts are counted
    seg = m.segments
    lane_channel = seg.lanes
    modes = tuple(m.modes[c] for c in lane_channel)
    units = tuple(m.units[c] for c in lane_channel)
    resolution = routing.resolve_at
    routes, chases = m.routes, m.chases
    max_attempts = m.max_attempts
    skills, eligible = routing.skill_lanes, m.eligible
    reserve = m.deferred_reserve
    rate_tables = m.rate_tables
    balk_rule, silent_rule, policy = m.balk, m.silent, m.concurrent_policy
    only_group = routing.only_group
    live_first, deferred_first = routing.live_first, routing.deferred_first
    conc_skills = routing.concurrent_skills
    counted = tuple(routing.balking[c] for c in lane_channel)
    simple = routing.simple
    announce_time, announce_speed = routing.announce_time, routing.announce_speed
    stretched, parallel = routing.stretched, routing.parallel
    wrapping = routing.wrapping
    any_wrap = any(wrapping)
    scaled, handle_factor = routing.scaled, m.handle_factor
    any_scaled = any(scaled)
    hop_handle, hop_patience, hop_journey = pools.handle, pools.patience, pools.journey
    hop_balk, hop_silent, silent_time = pools.balk, pools.silent_choice, pools.silent_time
    delay_pools, chase_pools = pools.delay, pools.chase
    hop_wrap = pools.wrap_up
    closed = m.closed
    # context loss: a later contact of a journey takes this much longer (1.0: none)
    context = 1.0 if m.context_carry else m.context_factor
    losing_context = context != 1.0
    # per channel: a check bound by carry_context rules (below), else None
    carry_at: list[Callable[[float, float], float] | None] = [None] * len(m.channels)

    def explained(h: float, c: int, now: float) -> float:
        """Drawn handle time ``h`` of a later contact on channel c with context lost
        (x the factor), unless a carry_context rule holds now."""
        check = carry_at[c]
        return h * context if check is None else check(h, now)

    any_offers, u_offer_all, hop_offer = m.shaping.active, c_tab.u_offer, pools.offer
    # customer segments: per contact and per journey (empty lists without segments)
    segmenting = seg.any
    segment, j_segment = c_tab.segment, tables.journeys.segment
    seg_lane, seg_ahead, seg_carry = seg.lane, seg.ahead, seg.carry
    segmented = tuple(bool(s) for s in seg.of_channel)  # per channel
    hop_segment, seg_handle, seg_patience = (
        pools.segment,
        pools.segment_handle,
        pools.segment_patience,
    )
    seg_cumulative, seg_of_channel = seg.cumulative, seg.of_channel
    channel_lanes = seg.channel_lanes
    seg_resolves, seg_resolution = seg.resolves, seg.resolution

    # the calendar: push(entries, (time, next(keys), callback, argument))
    entries, keys, push = calendar.entries, calendar.keys, calendar.push_entry

    # -- arrivals and waiting ------------------------------------------------------------
    def arrive(k: int, now: float) -> None:
        c = channel[k]
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
                    state[k] = ANSWERED
                    wait_end[k] = now
                    served_by[k] = a
                    push(entries, (now + handle[k], next(keys), done, k))
                    return
                wait(k, c, now)
                return
        best = INF
        bd = None
        for g1 in eligible[c]:
            d = idle[g1]
            if d and a_since[d[0]] < best:
                best = a_since[d[0]]
                bd = d
        if bd is not None:
            take_idle(k, bd.popleft(), now)
        else:
            wait(k, c, now)

    def arrive_concurrent(k: int, c: int, now: float) -> None:
        u = units[c]
        best_a = -1
        best_t = INF
        for g1 in eligible[c]:  # fully free agents: the longest idle
            d = idle[g1]
            if d and a_since[d[0]] < best_t:
                best_t = a_since[d[0]]
                best_a = d[0]
        if best_a < 0 or policy[c] == LONGEST_IDLE:
            most_free = best_a < 0 and policy[c] == MOST_FREE
            best_f = -1
            for g1 in eligible[c]:
                for a in partial[g1]:
                    free_units = CAP - a_load[a]
                    if free_units < u:
                        continue
                    if most_free:
                        if free_units > best_f or (free_units == best_f and a_since[a] < best_t):
                            best_f, best_t, best_a = free_units, a_since[a], a
                    elif a_since[a] < best_t:
                        best_t, best_a = a_since[a], a
        if best_a >= 0:
            if a_load[best_a] == 0:
                idle[a_group[best_a]].popleft()
            start_conc(k, best_a, now)
        else:
            wait(k, c, now)

    def announced(c: int, now: float, lane: int = -1) -> float:
        """The expected wait (s) announced to a new contact of channel c: its queue
        position x the mean time an agent spends on a contact (the current period's mean
        handle time + wrap-up) / the eligible agents' capacity in contacts, each group's
        weighted by its speed (1 / handle-time factor); balking and offers hear the same;
        waiting contacts are counted on such channels. With customer segments, ``lane``
        is the contact's: it counts the contacts of its priority and better (-1: the
        whole channel, as shaping conditions read it)."""
        speed = announce_speed[c]
        staff: float
        if speed is None:
            staff = sum(present[g] for g in eligible[c]) * (CAP // units[c])
        else:
            weighted = zip(eligible[c], speed, strict=True)
            staff = sum(present[g] * v for g, v in weighted) * (CAP // units[c])
        if segmented[c]:
            ahead = sum(n_live[q] for q in (seg_ahead[lane] if lane >= 0 else channel_lanes[c]))
        else:
            ahead = n_live[c]
        per_contact = announce_time[c][int(now // interval) if now < horizon else -1]
        return (ahead + 1) * per_contact / staff if staff else INF

    def wait(k: int, c: int, now: float) -> None:
        """No agent free: balk, or queue (:func:`join`)."""
        lane = seg_lane[segment[k]] if segmented[c] else c
        b = balk_rule[c]
        if b is not None:
            if announced(c, now, lane) > b[0] and u_balk[k] < b[1]:
                state[k] = ABANDONED
                wait_end[k] = now
                balked.append(k)
                next_step(k, ON_BALK, now)
                return
        join(k, c, lane, now)

    def join(k: int, c: int, lane: int, now: float) -> None:
        """Contact k of channel c queues in ``lane`` with a patience timer (and chase
        timers)."""
        if counted[c]:
            n_live[lane] += 1
        queues[lane].append(k)
        p = patience[k]
        if p != INF:
            push(entries, (now + p, next(keys), abandon, k))
        for i, (after, _) in enumerate(chases[c]):
            push(entries, (now + after, next(keys), chase, (k, i)))

    def abandon(k: int, now: float) -> None:
        """Patience ran out (a no-op if the contact was answered meanwhile)."""
        if state[k] == WAITING:
            c = channel[k]
            s = silent_rule[c]
            if counted[c]:
                n_live[seg_lane[segment[k]] if segmented[c] else c] -= 1
            if s is not None and u_silent[k] < s[0]:
                state[k] = GHOST  # still queued: an agent will open it
                silent.append(k)
            else:
                state[k] = ABANDONED
            wait_end[k] = now
            next_step(k, ON_ABANDON, now)

    # -- starting work -------------------------------------------------------------------
    def start_full(k: int, a: int, now: float) -> None:
        """Agent a (fully free, already out of the idle deque) takes contact k."""
        state[k] = ANSWERED
        wait_end[k] = now
        served_by[k] = a
        c = channel[k]
        if any_scaled:
            proficiency(k, a_group[a], c)
        if modes[c] == DEFERRED:
            on_deferred[a_group[a]] += 1
        push(entries, (now + handle[k], next(keys), finish[c], k))

    # an arriving contact routed to an idle agent (start_full, or with pick-up delays
    # pick_up below: a cell, so scenarios without them run exactly as before)
    take_idle = start_full

    def proficiency(k: int, g: int, c: int) -> None:
        """Scale contact k's handle time (and wrap-up) by serving group g's factor."""
        f = handle_factor[g][c]
        if f != 1.0:
            handle[k] *= f
            if any_wrap:
                wrap[k] *= f

    def load(a: int, u: int, now: float) -> None:
        """Put u more units of concurrent work on agent a."""
        g = a_group[a]
        old = a_load[a]
        if old == 0:
            a_engaged[a] = now
        a_load[a] = old + u
        a_sessions[a] += 1
        a_since[a] = now
        if old + u < CAP:
            partial[g].add(a)
        else:
            partial[g].discard(a)

    def start_conc(k: int, a: int, now: float) -> None:
        """Agent a takes concurrent session k."""
        c = channel[k]
        state[k] = ANSWERED
        wait_end[k] = now
        served_by[k] = a
        if any_scaled:
            proficiency(k, a_group[a], c)
        n_old = a_sessions[a]
        load(a, units[c], now)
        if rate_tables[c] is None:
            push(entries, (now + handle[k], next(keys), done_conc, k))
            if stretched and a_stretched[a]:
                restretch(a, n_old, now)
        else:
            s_remaining[k] = handle[k]
            s_updated[k] = now
            s_version[k] = 0
            a_stretched[a].append(k)
            restretch(a, n_old, now)

    def start_ghost(k: int, a: int, now: float) -> None:
        """Agent a opens the session of a customer who already left silently."""
        c = channel[k]
        state[k] = ABANDONED
        n_old = a_sessions[a]
        load(a, units[c], now)
        t = silent_time[c]()  # type: ignore[misc]
        push(entries, (now + t, next(keys), done_ghost, (k, a, now)))
        if stretched and a_stretched[a]:
            restretch(a, n_old, now)

    def restretch(a: int, n_old: int, now: float) -> None:
        """Sessions on agent a changed speed: reschedule its stretched sessions."""
        n_new = a_sessions[a]
        for s in a_stretched[a]:
            table = rate_tables[channel[s]]
            if n_old:
                s_remaining[s] -= (now - s_updated[s]) * table[n_old]  # type: ignore[index]
            s_updated[s] = now
            s_version[s] += 1
            left = max(s_remaining[s], 0.0) / table[n_new]  # type: ignore[index]
            push(entries, (now + left, next(keys), done_stretched, (s, s_version[s])))

    # -- ends of work and freeing agents -------------------------------------------------
    def done(k: int, now: float) -> None:
        """A synchronous or deferred contact ends: journey logic, then the agent is free."""
        if u_resolve[k] >= resolution[channel[k]]:
            next_step(k, ON_UNRESOLVED, now)
        elif parallel:
            resolve(k)
        a = served_by[k]
        g = a_group[a]
        if not simple[g] or present[g] > target[g]:
            free(a, now)
            return
        # as free(a, now), inlined for groups with only synchronous skills (the hot path)
        for c in skills[g]:
            q = queues[c]
            while q:
                k = q.popleft()
                if state[k] == WAITING:
                    state[k] = ANSWERED
                    wait_end[k] = now
                    served_by[k] = a
                    push(entries, (now + handle[k], next(keys), done, k))
                    return
        a_since[a] = now
        idle[g].append(a)

    def done_deferred(k: int, now: float) -> None:
        on_deferred[a_group[served_by[k]]] -= 1
        done(k, now)

    def talk_end(k: int, now: float) -> None:
        """The customer of contact k leaves (journey logic now); its agent starts the
        wrap-up and is free only at its end (pushed first: with a wrap-up of 0 the agent
        frees before anything the journey schedules for the same instant, as without)."""
        push(entries, (now + wrap[k], next(keys), wrap_end, k))
        if u_resolve[k] >= resolution[channel[k]]:
            next_step(k, ON_UNRESOLVED, now)
        elif parallel:
            resolve(k)

    def wrap_end(k: int, now: float) -> None:
        """The agent of contact k finished its wrap-up."""
        a = served_by[k]
        if modes[channel[k]] == DEFERRED:
            on_deferred[a_group[a]] -= 1
        free(a, now)

    def done_conc(k: int, now: float) -> None:
        if u_resolve[k] >= resolution[channel[k]]:
            next_step(k, ON_UNRESOLVED, now)
        elif parallel:
            resolve(k)
        release(served_by[k], units[channel[k]], now)

    def done_stretched(arg: tuple[int, int], now: float) -> None:
        k, v = arg
        if s_version.get(k) != v:
            return  # rescheduled since
        a = served_by[k]
        a_stretched[a].remove(k)
        del s_remaining[k], s_updated[k], s_version[k]
        handle[k] = now - wait_end[k]
        done_conc(k, now)

    def done_ghost(arg: tuple[int, int, float], now: float) -> None:
        k, a, start = arg
        u = units[channel[k]]
        ghost_log.append((a_group[a], start, now, u))
        release(a, u, now)

    def release(a: int, u: int, now: float) -> None:
        """Agent a finished u units of concurrent work."""
        g = a_group[a]
        n_old = a_sessions[a]
        a_load[a] -= u
        a_sessions[a] -= 1
        a_since[a] = now
        if stretched and a_stretched[a]:
            restretch(a, n_old, now)
        if a_load[a] == 0:
            partial[g].discard(a)
            eng_log.append((g, a_engaged[a], now))
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
                o = state[k]
                if o == WAITING:
                    if counted[c]:
                        n_live[c] -= 1
                    start_conc(k, a, now)
                elif o == GHOST:
                    start_ghost(k, a, now)

    def free(a: int, now: float) -> None:
        """Agent a holds no contact: it leaves, takes waiting work, or goes idle."""
        g = a_group[a]
        if present[g] > target[g]:
            present[g] -= 1
            a_load[a] = GONE
            staff_log.append((now, g, present[g]))
            return
        order = deferred_first[g] if on_deferred[g] < reserve[g] else live_first[g]
        for c in order:
            q = queues[c]
            while q:
                k = q.popleft()
                o = state[k]
                if o == WAITING:
                    if counted[c]:
                        n_live[c] -= 1
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

    # how synchronous and deferred work ends, per channel (start_full pushes it)
    finish = tuple(
        talk_end if wrapping[c] else done_deferred if modes[c] == DEFERRED else done
        for c in range(C)
    )

    # -- pick-up delays: idle agents who answer late --------------------------------------
    picking = routing.picking
    pickup_choice = pools.pickup_choice
    own_pickup = m.pickup_channels or tuple(() for _ in m.pickup)
    # per group and channel: the share and the delay sampler (the channel's own, else
    # the group's: the same draws as a group without channel entries)
    pickup_share = tuple(
        tuple(
            x[0] if o and (x := o[c]) is not None else (p[0] if p is not None else 0.0)
            for c in range(C)
        )
        for p, o in zip(m.pickup, own_pickup, strict=True)
    )
    pickup_delay = tuple(
        tuple(
            pools.pickup_channel_delay[g][c] if o and o[c] is not None else pools.pickup_delay[g]
            for c in range(C)
        )
        for g, o in enumerate(own_pickup)
    )
    handoff = m.pickup_handoff or (False,) * G
    by_idle = m.pickup_by_idle or (None,) * G

    def pick_up(k: int, a: int, now: float) -> None:
        """Idle agent a (out of the idle deque) was chosen for arriving contact k: with
        its group's share it answers after a drawn delay, reserved meanwhile; if the
        customer's patience ends first, the contact abandons then and frees the agent.
        With hand-off the contact queues for any agent instead and a is away for the
        delay (:func:`pickup_back`)."""
        g = a_group[a]
        c = channel[k]
        share = pickup_share[g][c]
        by_n = by_idle[g]
        if by_n is not None:  # the idle agents who could take it, a included
            n = sum(len(idle[g1]) for g1 in eligible[c])
            share = by_n[min(n, len(by_n) - 1)]
        if not picking[g] or pickup_choice[g]() >= share:  # type: ignore[misc]
            start_full(k, a, now)
            return
        d = pickup_delay[g][c]()  # type: ignore[misc]
        if handoff[g]:
            push(entries, (now + d, next(keys), pickup_back, (a, now)))
            handed_off(k, now)
            return
        p = patience[k]
        if p < d:
            push(entries, (now + p, next(keys), pickup_abandon, (k, a, now)))
        else:
            push(entries, (now + d, next(keys), pickup_end, (k, a, now)))

    def reserved(a: int, start: float, now: float) -> None:
        """Agent a was reserved from ``start`` to ``now`` without serving (occupancy)."""
        g = a_group[a]
        eng_log.append((g, start, now))
        ghost_log.append((g, start, now, CAP))

    def pickup_end(arg: tuple[int, int, float], now: float) -> None:
        k, a, start = arg
        reserved(a, start, now)
        start_full(k, a, now)

    def pickup_abandon(arg: tuple[int, int, float], now: float) -> None:
        k, a, start = arg
        reserved(a, start, now)
        state[k] = ABANDONED
        wait_end[k] = now
        next_step(k, ON_ABANDON, now)
        free(a, now)

    def handed_off(k: int, now: float) -> None:
        """Contact k, whose chosen agent is away, joins its queue (:func:`join`) but
        never balks: it found an agent."""
        c = channel[k]
        join(k, c, seg_lane[segment[k]] if segmented[c] else c, now)

    def pickup_back(arg: tuple[int, float], now: float) -> None:
        """A handed-off pick-up's agent is back after its delay: it frees as after a
        contact (takes waiting work, leaves if over target, or goes idle)."""
        a, start = arg
        reserved(a, start, now)
        free(a, now)

    if any(picking) and any(modes[c] != CONC for c in range(C)):
        take_idle = pick_up

    # -- journey steps -------------------------------------------------------------------
    def next_step(k: int, event: int, now: float) -> None:
        """Journey logic after contact k ended by ``event`` (EndEvent) unresolved."""
        if parallel and j_resolved[journey[k]]:
            return  # another contact of the journey already resolved it
        c = channel[k]
        route = routes[c][event]
        if route is not None:
            u = u_route[k]
            for i, cp in enumerate(route.cumulative):
                if u < cp:
                    if attempt[k] >= max_attempts:
                        j_outcome[journey[k]] = MAX_ATTEMPTS
                        return
                    delay = delay_pools[c][event][i]()
                    why = CAUSE_OF_EVENT[event]
                    push(entries, (now + delay, next(keys), hop, (k, route.targets[i], why)))
                    return
        j_outcome[journey[k]] = LOST

    def hop(arg: tuple[int, int, int], now: float) -> None:
        """The customer of contact k makes a new contact on channel c (cause ``why``)."""
        k, c, why = arg
        j = journey[k]
        if parallel and j_resolved[j]:
            return  # resolved meanwhile (e.g. the email was answered): no new contact
        if closed is not None and now < horizon and closed[c][int(now // interval)]:
            j_outcome[j] = LOST  # the lines are closed: the customer gives up
            return
        n = len(arrival)
        arrival.append(now)
        channel.append(c)
        if segmenting:
            segment_hop_draws(j, c, now)
        else:
            if losing_context:  # the customer explains again: scale the drawn handle time
                handle.append(explained(hop_handle[c](), c, now))
            else:
                handle.append(hop_handle[c]())
            patience.append(hop_patience[c]())
            u_resolve.append(hop_journey[c]())
            u_route.append(hop_journey[c]())
        u_balk.append(hop_balk[c]())
        u_silent.append(hop_silent[c]())
        journey.append(j)
        attempt.append(attempt[k] + 1)
        previous.append(k)
        cause.append(why)
        state.append(WAITING)
        wait_end.append(0.0)
        served_by.append(-1)
        if any_wrap:
            wrap.append(hop_wrap[c]())
        if any_offers:
            u_offer_all.append(hop_offer[c]())
        arrive(n, now)

    def segment_hop_draws(j: int, c: int, now: float) -> None:
        """A hop of journey j onto channel c with segments somewhere: its segment and the
        draws it overrides. The hop keeps the journey's segment where channel c has one
        of the same name; otherwise it draws one by c's shares (and a journey that had
        none takes it)."""
        s = -1
        if segmented[c]:
            s = j_segment[j]
            s = seg_carry[s][c] if s >= 0 else -1
            if s < 0:
                s = seg_of_channel[c][
                    min(
                        bisect_right(seg_cumulative[c], hop_segment[c]()),
                        len(seg_of_channel[c]) - 1,
                    )
                ]
                if j_segment[j] < 0:
                    j_segment[j] = s
        segment.append(s)
        own = seg_handle[s] if s >= 0 else None
        h = own() if own is not None else hop_handle[c]()
        handle.append(explained(h, c, now) if losing_context else h)  # as without segments
        own = seg_patience[s] if s >= 0 else None
        patience.append(own() if own is not None else hop_patience[c]())
        u = hop_journey[c]()
        if s >= 0 and seg_resolves[c]:
            u = 0.0 if u < seg_resolution[s] else 1.0  # see draws: the segment decides
        u_resolve.append(u)
        u_route.append(hop_journey[c]())

    def chase(arg: tuple[int, int], now: float) -> None:
        """Chase timer i of waiting contact k: maybe a contact on another channel."""
        k, i = arg
        if state[k] != WAITING or (parallel and j_resolved[journey[k]]):
            return
        c = channel[k]
        route = chases[c][i][1]
        draw_u, delays = chase_pools[c][i]
        u = draw_u()
        for r, cp in enumerate(route.cumulative):
            if u < cp:
                if attempt[k] >= max_attempts:
                    return  # no attempts left: the customer keeps waiting for the reply
                if route.withdraw[r]:
                    state[k] = ABANDONED
                    wait_end[k] = now
                    if counted[c]:
                        n_live[seg_lane[segment[k]] if segmented[c] else c] -= 1
                push(entries, (now + delays[r](), next(keys), hop, (k, route.targets[r], CHASE)))
                return

    def resolve(k: int) -> None:
        j = journey[k]
        j_resolved[j] = 1
        j_outcome[j] = RESOLVED

    # -- staffing changes ----------------------------------------------------------------
    def restaff(arg: tuple[int, int], now: float) -> None:
        """Group g wants n agents from now: newcomers take work, idle leavers go."""
        g, n = arg
        target[g] = n
        if n > present[g]:
            for _ in range(n - present[g]):
                present[g] += 1
                free(a_tab.join(g, now), now)
        else:
            d = idle[g]
            while present[g] > n and d:
                a_load[d.pop()] = GONE
                present[g] -= 1
        staff_log.append((now, g, present[g]))

    # -- end of day and drain ------------------------------------------------------------
    # The periods cover whole days or part of one (e.g. 08:00-20:00). At the end of them
    # live queues are worked off with the last staffing; then the centre closes until the
    # same clock time the next day (deferred backlogs carry over) and works the same
    # staffing pattern again, until every contact has an outcome.
    horizon, interval, P = m.horizon, m.interval, m.periods
    headcount = m.headcount
    cycle = math.ceil(horizon / DAY - 1e-9) * DAY
    stuck = [-1]  # contacts waiting at the previous closing

    def push_staffing(at: float, callback: Callable[..., None], argument: object) -> None:
        push(entries, (at, next(keys) - STAFFING_FIRST, callback, argument))

    def schedule_day(offset: float, now: float = 0.0) -> None:
        """Staffing changes of the periods, starting at ``offset`` (none before ``now``)."""
        for g in range(G):
            for p in range(P):
                if (p == 0 and offset > 0) or (p > 0 and headcount[g, p] != headcount[g, p - 1]):
                    at = max(offset + p * interval, now)
                    push_staffing(at, restaff, (g, int(headcount[g, p])))

    def waiting_count(lanes: tuple[int, ...] | range) -> int:
        return sum(1 for c in lanes for k in queues[c] if state[k] in (WAITING, GHOST))

    def pending_work() -> bool:
        """Anything on the calendar besides staffing and these checks?"""
        return any(e[1] >= 0 for e in entries)

    def finish_live(last_live: int, now: float) -> None:
        """End-of-day check: wait for live queues to empty, then close until tomorrow."""
        live = waiting_count(routing.live_lanes)
        if live and (live != last_live or pending_work()):
            push_staffing(now + interval, finish_live, live)
            return
        waiting = waiting_count(range(len(lane_channel)))
        if not pending_work() and (waiting == 0 or waiting == stuck[0]):
            return  # done, or a whole day passed and nobody could serve what waits
        stuck[0] = waiting
        opening = (math.floor((now - horizon) / cycle + 1e-9) + 1) * cycle
        if opening > now:
            for g in range(G):
                restaff((g, 0), now)
        schedule_day(opening, now)
        push_staffing(max(opening + horizon, now + interval), finish_live, -1)

    def open_day() -> None:
        schedule_day(0.0)
        push_staffing(horizon, finish_live, -1)

    # -- offers: call-backs and shaping rules --------------------------------------------
    # Bound only when the scenario has them: the hooks below replace ``wait`` (offers),
    # ``start_full`` (an agent reaching a call-back), ``free`` (re-prioritised groups)
    # and the arrival of new journeys (deflection); every other callback reaches them
    # through the same names, and a scenario without offers runs none of this.
    sh = m.shaping
    if not sh.active:
        return arrive, open_day
    assert tables.offers is not None
    olog = tables.offers
    events, u_offer = olog.events, c_tab.u_offer
    cb_contact, cb_accepted, cb_patience = olog.cb_contact, olog.cb_accepted, olog.cb_patience
    cb_first, cb_calls = olog.cb_first, olog.cb_calls
    callbacks, rules = sh.callbacks, sh.rules
    reach_pool, deflect_pool = pools.reach, pools.deflect
    offering = tuple(sh.offering(c) for c in range(C))
    pending: set[int] = set()  # accepted call-backs no agent has reached yet

    def oldest(c: int, now: float) -> float:
        """Age (s) of the oldest contact waiting on channel c (0 if none; with segments,
        over every priority level)."""
        age = 0.0
        for lane in channel_lanes[c]:
            for k in queues[lane]:
                if state[k] == WAITING:
                    age = max(age, now - arrival[k])
                    break
        return age

    def waiting_live(c: int) -> int:
        """Live contacts waiting on channel c (every priority level)."""
        return sum(n_live[lane] for lane in channel_lanes[c])

    live_count = waiting_live if segmenting else n_live.__getitem__
    holds = [condition(r, m.start_minute, live_count, announced, oldest) for r in rules]

    offer_rules = [
        [i for i, r in enumerate(rules) if r.action == OFFER_ACTION and r.channel == c]
        for c in range(C)
    ]
    deflect_rules = [
        [i for i, r in enumerate(rules) if r.action == DEFLECT and r.channel == c] for c in range(C)
    ]
    prio_rules = [
        [i for i, r in enumerate(rules) if r.action == PRIORITISE and g in r.groups]
        for g in range(G)
    ]
    plain_wait, plain_free, plain_start, plain_fill = wait, free, start_full, fill

    def offer(k: int, c: int, now: float) -> bool:
        """Contact k of channel c found no agent free: the first offer rule that holds
        (and whose channel's lines are open) offers it another channel, else (one offer
        per contact) the channel's call-back is offered above its announced wait. True
        when the customer accepted."""
        for i in offer_rules[c]:
            if holds[i](now):
                r = rules[i]
                if closed is not None and now < horizon and closed[r.target][int(now // interval)]:
                    continue  # its lines are closed (a taker's contact would be lost)
                events.append((i, FIRED, now, 0.0))
                if attempt[k] >= max_attempts:
                    return False  # no contact left to make on the other channel
                events.append((i, OFFERED, now, 0.0))
                told = announced(c, now, seg_lane[segment[k]] if segmented[c] else c)
                if u_offer[k] < accept_probability(r.accept, told):
                    events.append((i, ACCEPTED, now, 0.0))
                    state[k] = MOVED
                    wait_end[k] = now
                    push(entries, (now, next(keys), hop, (k, r.target, OFFER)))
                    return True
                return False
        cb = callbacks[c]
        if cb is None:
            return False
        lane = seg_lane[segment[k]] if segmented[c] else c
        told = announced(c, now, lane)
        if told <= cb.offer_after:
            return False
        yes = u_offer[k] < accept_probability(cb.accept, told)
        cb_contact.append(k)
        cb_accepted.append(yes)
        cb_patience.append(patience[k])
        if not yes:
            return False
        pending.add(k)
        if cb.delay < 0:  # keeps the caller's place, without a patience timer
            n_live[lane] += 1
            queues[lane].append(k)
        else:
            push(entries, (now + cb.delay, next(keys), call_due, k))
        return True

    def wait_offering(k: int, c: int, now: float) -> None:
        if offering[c] and offer(k, c, now):
            return
        plain_wait(k, c, now)

    def call_due(k: int, now: float) -> None:
        """A scheduled call-back (or a retry) is due: the longest-idle eligible agent
        calls, else it waits at the head of the queue."""
        c = channel[k]
        best = INF
        bd = None
        for g1 in eligible[c]:
            d = idle[g1]
            if d and a_since[d[0]] < best:
                best = a_since[d[0]]
                bd = d
        if bd is not None:
            call_back(k, bd.popleft(), now)
        else:  # at the head of its priority level's queue
            lane = seg_lane[segment[k]] if segmented[c] else c
            n_live[lane] += 1
            queues[lane].appendleft(k)

    def start_calling(k: int, a: int, now: float) -> None:
        if k in pending:
            call_back(k, a, now)
        else:
            plain_start(k, a, now)

    def call_back(k: int, a: int, now: float) -> None:
        """Agent a (fully free) calls back contact k: answered, it is served as the
        contact; unanswered, the agent spends the attempt time and the call-back is
        retried later or ends abandoned (the journey's abandon transitions follow)."""
        c = channel[k]
        cb = callbacks[c]
        assert cb is not None
        calls = cb_calls.get(k, 0) + 1
        cb_calls[k] = calls
        cb_first.setdefault(k, now)
        if cb.reach >= 1.0 or reach_pool[c]() < cb.reach:
            pending.discard(k)
            plain_start(k, a, now)
            return
        g = a_group[a]
        end = now + cb.attempt_time
        eng_log.append((g, now, end))  # the agent's time on the unanswered call
        ghost_log.append((g, now, end, CAP))
        push(entries, (end, next(keys), call_end, a))
        if calls <= cb.retries:
            push(entries, (now + cb.retry_after, next(keys), call_due, k))
            return
        pending.discard(k)
        state[k] = ABANDONED
        wait_end[k] = now
        next_step(k, ON_ABANDON, now)

    def call_end(a: int, now: float) -> None:
        free(a, now)

    def first_waiting(order: tuple[int, ...]) -> int:
        """The channel an agent following ``order`` (lanes) would take work from (-1:
        none)."""
        for lane in order:
            for k in queues[lane]:
                if state[k] == WAITING or state[k] == GHOST:
                    return lane_channel[lane]
        return -1

    def take_first(a: int, c: int, i: int, now: float) -> bool:
        """Rule i holds: agent a takes waiting work of channel c first (False: none;
        with segments, the best priority level's oldest)."""
        for lane in channel_lanes[c]:
            q = queues[lane]
            while q and state[q[0]] != WAITING and state[q[0]] != GHOST:
                q.popleft()
            if q:
                break
        if not q:
            return False
        g = a_group[a]
        order = deferred_first[g] if on_deferred[g] < reserve[g] else live_first[g]
        moved = first_waiting(order) != c
        k = q.popleft()
        if state[k] == WAITING:
            if counted[c]:
                n_live[lane] -= 1
            if modes[c] == CONC:
                start_conc(k, a, now)
                fill(a, now)
            else:
                start_full(k, a, now)
        else:
            start_ghost(k, a, now)
            fill(a, now)
        events.append((i, FIRED, now, handle[k] if moved else 0.0))
        return True

    def free_prioritised(a: int, now: float) -> None:
        g = a_group[a]
        if prio_rules[g] and present[g] <= target[g]:
            for i in prio_rules[g]:
                if holds[i](now) and take_first(a, rules[i].channel, i, now):
                    return
        plain_free(a, now)

    def fill_prioritised(a: int, now: float) -> None:
        """A part-loaded agent of a re-prioritised group takes no more concurrent
        sessions while a rule holds for a whole-agent channel with waiting work: it
        drains (out of the part-loaded set, so arrivals pass it by) and, once free,
        takes that work first."""
        g = a_group[a]
        for i in prio_rules[g]:
            c = rules[i].channel
            if modes[c] != CONC and holds[i](now) and first_waiting(channel_lanes[c]) == c:
                partial[g].discard(a)
                return
        plain_fill(a, now)

    def carried(
        carrying: list[int],
    ) -> Callable[[float, float], float]:
        """The carry check of one channel: the first of its carry_context rules that
        holds keeps the drawn handle time as it is (and logs what it saved)."""

        def check(h: float, now: float) -> float:
            for i in carrying:
                if holds[i](now):
                    events.append((i, FIRED, now, 0.0))
                    events.append((i, CARRIED, now, h * (context - 1.0)))
                    return h
            return h * context

        return check

    def arrive_new(k: int, now: float) -> None:
        """A new journey arrives: a deflect rule that holds may keep it from starting."""
        for i in deflect_rules[channel[k]]:
            if holds[i](now):
                events.append((i, FIRED, now, 0.0))
                if deflect_pool[i]() < rules[i].share:
                    events.append((i, DEFLECTED_EVENT, now, 0.0))
                    state[k] = DEFLECTED
                    wait_end[k] = now
                    return
        arrive(k, now)

    for c in range(C):
        carrying = [i for i, r in enumerate(rules) if r.action == CARRY and r.channel == c]
        if carrying and losing_context:
            carry_at[c] = carried(carrying)

    if any(offering):
        wait = wait_offering
    if any(cb is not None for cb in callbacks):
        start_full = start_calling
    if any(prio_rules):
        free = free_prioritised
        fill = fill_prioritised
    return (arrive_new if any(deflect_rules) else arrive), open_day
