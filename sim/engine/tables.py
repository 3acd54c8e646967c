"""The state of one replication as tables of plain Python lists (struct of arrays).

Row ``k`` of :class:`Contacts` is contact ``k``: first contacts are rows 0..n0-1 in
arrival order, later contacts (redials, switches, chases) are appended as they are
made. Row ``j`` of :class:`Journeys` is the journey whose first contact is ``j``.
Row ``a`` of :class:`Agents` is agent ``a`` (agents are appended when they join and
never removed). Lists, not numpy arrays: the callbacks read and write single items,
which lists do several times faster.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from .codes import CONC, DEFERRED, NEW, RESOLVED, SYNC, WAITING
from .draws import FirstContacts
from .model import Model

__all__ = ["Agents", "Contacts", "Journeys", "Logs", "Routing", "Staffing"]

GONE = -1  # Agents.load of an agent who left


class Contacts:
    """One row per contact. Times in seconds from the start of the first period."""

    __slots__ = (
        "arrival",
        "channel",
        "handle",
        "patience",
        "u_resolve",
        "u_route",
        "u_balk",
        "u_silent",
        "journey",
        "attempt",
        "previous",
        "cause",
        "state",
        "wait_end",
        "agent",
        "wrap",
        "u_offer",
        "segment",
    )

    def __init__(
        self,
        first: FirstContacts,
        wrapping: bool = False,
        offering: bool = False,
        segmented: bool = False,
    ) -> None:
        n0 = len(first.arrival)
        self.arrival: list[float] = first.arrival.tolist()
        self.channel: list[int] = first.channel.tolist()
        self.handle: list[float] = first.handle.tolist()  # work time at full speed (s)
        self.patience: list[float] = first.patience.tolist()  # s, inf: never abandons
        # decision uniforms, one per decision: resolution, which transition follows an
        # end, balking on an announced wait, abandoning silently
        self.u_resolve: list[float] = first.u_resolve.tolist()
        self.u_route: list[float] = first.u_route.tolist()
        self.u_balk: list[float] = first.u_balk.tolist()
        self.u_silent: list[float] = first.u_silent.tolist()
        self.journey: list[int] = list(range(n0))
        self.attempt: list[int] = [1] * n0  # 1 for a journey's first contact
        self.previous: list[int] = [-1] * n0  # contact that led to this one
        self.cause: list[int] = [NEW] * n0  # Cause
        self.state: list[int] = [WAITING] * n0  # ContactState
        self.wait_end: list[float] = [0.0] * n0  # answer, abandonment, balk or withdrawal
        self.agent: list[int] = [-1] * n0  # serving agent, -1 until answered
        # after-call work (s) once answered; kept only when some channel has wrap-up
        self.wrap: list[float] = first.wrap_up.tolist() if wrapping else []
        # uniform of accepting an offer (call-back, shaping); kept only with offers
        self.u_offer: list[float] = first.u_offer.tolist() if offering else []
        # customer segment (global id, -1: none); kept only when some channel has segments
        self.segment: list[int] = first.segment.tolist() if segmented else []


class Journeys:
    """One row per journey."""

    __slots__ = ("outcome", "resolved", "segment")

    def __init__(self, n: int, parallel: bool, segment: list[int] | None = None) -> None:
        # resolved unless its contacts say otherwise (rare, so cheap)
        self.outcome: list[int] = [RESOLVED] * n  # JourneyOutcome
        # 1 once resolved; kept only when a journey can have two contacts at once
        self.resolved: list[int] = [0] * n if parallel else []
        # the journey's customer segment (global id; -1 until a contact lands on a channel
        # with segments); kept only when some channel has segments
        self.segment: list[int] = list(segment) if segment is not None else []


class Agents:
    """One row per agent who ever joined."""

    __slots__ = ("group", "load", "since", "sessions", "engaged", "stretched")

    def __init__(self) -> None:
        self.group: list[int] = []
        self.load: list[int] = []  # capacity units in use; GONE once the agent left
        self.since: list[float] = []  # when the agent's load last changed (s)
        self.sessions: list[int] = []  # contacts held
        self.engaged: list[float] = []  # when the current concurrent engagement began (s)
        self.stretched: list[list[int]] = []  # stretched sessions held (contact ids)

    def join(self, g: int, now: float) -> int:
        """A new agent of group ``g``, free from ``now``; returns its id."""
        a = len(self.group)
        self.group.append(g)
        self.load.append(0)
        self.since.append(now)
        self.sessions.append(0)
        self.engaged.append(now)
        self.stretched.append([])
        return a


class Staffing:
    """Per group: agents wanted and present, and the agents free or part loaded."""

    __slots__ = ("target", "present", "idle", "partial", "on_deferred")

    def __init__(self, m: Model, agents: Agents) -> None:
        G = len(m.groups)
        self.target: list[int] = m.headcount[:, 0].tolist()  # agents the period wants
        self.present: list[int] = list(self.target)  # agents in (busy leavers included)
        self.idle: list[deque[int]] = [deque() for _ in range(G)]  # longest idle first
        self.partial: list[set[int]] = [set() for _ in range(G)]  # part-loaded, concurrent
        self.on_deferred: list[int] = [0] * G  # agents working deferred contacts
        for g, n in enumerate(self.target):
            self.idle[g].extend(agents.join(g, 0.0) for _ in range(n))


class Logs:
    """What the records need beyond the tables, appended as it happens."""

    __slots__ = ("staff", "engaged", "ghost_work", "balked", "silent")

    def __init__(self, staffing: Staffing) -> None:
        # (time s, group, agents present from then on)
        self.staff: list[tuple[float, int, int]] = [
            (0.0, g, n) for g, n in enumerate(staffing.present)
        ]
        self.engaged: list[tuple[int, float, float]] = []  # group, start, end
        self.ghost_work: list[tuple[int, float, float, int]] = []  # group, start, end, units
        self.balked: list[int] = []  # contacts that balked
        self.silent: list[int] = []  # contacts abandoned silently


@dataclass(frozen=True)
class Routing:
    """Lookup tables derived from the model once per replication, for the callbacks."""

    only_group: tuple[int, ...]  # per channel: its one eligible group, or -1
    live_first: tuple[tuple[int, ...], ...]  # per group: skills' lanes, live channels first
    deferred_first: tuple[tuple[int, ...], ...]  # per group: skills' lanes, deferred first
    concurrent_skills: tuple[tuple[int, ...], ...]  # per group: its concurrent channels' lanes
    balking: tuple[bool, ...]  # per channel: waiting contacts are counted (balking, offers
    # and shaping conditions read the count)
    simple: tuple[bool, ...]  # per group: only synchronous skills without counting or
    # wrap-up, and no shaping rule re-prioritises it
    wrapping: tuple[bool, ...]  # per channel: agents do after-call work (wrap-up)
    scaled: tuple[bool, ...]  # per group: a handle-time factor other than 1 on a skill
    announce_time: tuple[tuple[float, ...], ...]  # [channel][period]: mean time (s) an
    # agent spends on one contact, handle (the period's mean) + wrap-up, announced waits
    announce_speed: tuple[tuple[float, ...] | None, ...]  # [channel]: per eligible group
    # its speed (1 / handle-time factor), or None where every factor is 1
    stretched: bool  # any channel whose speed depends on the sessions held
    parallel: bool  # chasing lets one journey have two contacts at once
    live_channels: tuple[int, ...]  # channels that are not deferred
    # queue lanes (one per channel and priority level; lane c < channels is channel c's
    # best level, so without segments lanes are the channels and these are the skills)
    skill_lanes: tuple[tuple[int, ...], ...]  # per group: lanes of its skills in order
    live_lanes: tuple[int, ...]  # lanes of live channels
    resolve_at: tuple[float, ...]  # per channel: resolved when u_resolve < this
    picking: tuple[bool, ...] = ()  # per group: it has a pick-up delay (empty: none has)

    @classmethod
    def of(cls, m: Model) -> Routing:
        modes = m.modes

        def ordered(first: bool, sk: tuple[int, ...]) -> tuple[int, ...]:
            """Skills with deferred channels last (first=False) or first (True)."""
            return tuple(c for c in sk if (modes[c] == DEFERRED) == first) + tuple(
                c for c in sk if (modes[c] == DEFERRED) != first
            )

        sg = m.segments

        def lanes(channels: tuple[int, ...]) -> tuple[int, ...]:
            return tuple(lane for c in channels for lane in sg.channel_lanes[c])

        def mean_handle(c: int) -> float:
            if not sg.of_channel[c]:
                return m.handle[c].mean
            shares = np.diff((0.0, *sg.cumulative[c]))
            means = [(sg.handle[s] or m.handle[c]).mean for s in sg.of_channel[c]]
            return float(np.dot(shares, means))

        def announce_time(c: int) -> tuple[float, ...]:
            wrap = m.wrap_up[c]
            w = wrap.mean if wrap is not None else 0.0
            h = mean_handle(c)
            scale = m.handle_scale[c]
            if scale is None:
                return (h + w,) * m.periods
            return tuple(h * float(f) + w for f in scale)

        def announce_speed(c: int) -> tuple[float, ...] | None:
            factors = [m.handle_factor[g][c] for g in m.eligible[c]]
            return None if all(f == 1.0 for f in factors) else tuple(1.0 / f for f in factors)

        sh = m.shaping
        balking = tuple(b is not None or sh.watched(c) for c, b in enumerate(m.balk))
        wrapping = tuple(w is not None for w in m.wrap_up)
        scaled = tuple(
            any(m.handle_factor[g][c] != 1.0 for c in sk) for g, sk in enumerate(m.skills)
        )
        picking = tuple(p is not None for p in m.pickup)
        # channels with wrap-up and groups with handle-time factors or a pick-up delay
        # stay off the callbacks' hot paths (the one dedicated group, the inlined free
        # agent), which start and end work without them
        return cls(
            only_group=tuple(
                e[0]
                if len(e) == 1
                and not wrapping[c]
                and not scaled[e[0]]
                and not (picking and picking[e[0]])
                else -1
                for c, e in enumerate(m.eligible)
            ),
            live_first=tuple(lanes(ordered(False, sk)) for sk in m.skills),
            deferred_first=tuple(lanes(ordered(True, sk)) for sk in m.skills),
            concurrent_skills=tuple(
                lanes(tuple(c for c in sk if modes[c] == CONC)) for sk in m.skills
            ),
            balking=balking,
            simple=tuple(
                not scaled[g]
                and not sh.prioritising(g)
                and all(modes[c] == SYNC and not balking[c] and not wrapping[c] for c in sk)
                for g, sk in enumerate(m.skills)
            ),
            wrapping=wrapping,
            scaled=scaled,
            announce_time=tuple(announce_time(c) for c in range(len(m.channels))),
            announce_speed=tuple(announce_speed(c) for c in range(len(m.channels))),
            stretched=any(t is not None for t in m.rate_tables),
            parallel=any(m.chases),
            live_channels=tuple(c for c in range(len(m.channels)) if modes[c] != DEFERRED),
            skill_lanes=tuple(lanes(sk) for sk in m.skills),
            live_lanes=tuple(lane for lane, c in enumerate(sg.lanes) if modes[c] != DEFERRED),
            resolve_at=tuple(1.0 if sg.resolves[c] else r for c, r in enumerate(m.resolution)),
            picking=picking,
        )
