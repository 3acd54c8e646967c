"""The codes of the engine's records, shared by :mod:`sim.kpi` and the tests.

The enums name every code. The module-level names (``ANSWERED``, ``SYNC``, ...) are
the same values as exact ``int``: the engine's callbacks compare and store them
millions of times, and an ``IntEnum`` member costs about a third more per comparison
than an ``int`` (the interpreter's fast paths take exact ints only); records stay plain
numpy integers either way.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

__all__ = [
    "ABANDONED",
    "ANSWERED",
    "CHASE",
    "CAUSES",
    "CAUSE_OF_EVENT",
    "CONC",
    "DEFERRED",
    "DEFLECTED",
    "EVENT_INDEX",
    "GHOST",
    "JOURNEY_OUTCOMES",
    "LONGEST_IDLE",
    "LOST",
    "MAX_ATTEMPTS",
    "MODES",
    "MOST_FREE",
    "MOVED",
    "NEW",
    "OFFER",
    "ON_ABANDON",
    "ON_BALK",
    "ON_UNRESOLVED",
    "RESOLVED",
    "ROUTINGS",
    "SYNC",
    "WAITING",
    "Cause",
    "ConcurrentRouting",
    "ContactState",
    "EndEvent",
    "JourneyOutcome",
    "Mode",
]


class ContactState(IntEnum):
    """A contact's state (``RawRun.outcome`` holds ANSWERED or ABANDONED, and in
    scenarios with offers or shaping rules MOVED or DEFLECTED)."""

    WAITING = 0
    ANSWERED = 1
    ABANDONED = 2
    GHOST = 3  # abandoned silently but still queued as work; recorded ABANDONED
    MOVED = 4  # took an offered channel instead (the journey goes on there)
    DEFLECTED = 5  # a new journey a shaping rule kept from starting (not offered)


class JourneyOutcome(IntEnum):
    """How a journey ended (``RawRun.journey_outcome``)."""

    RESOLVED = 1
    LOST = 2  # gave up, or left unresolved with no further step
    MAX_ATTEMPTS = 3  # wanted another contact but had used every attempt


class Mode(IntEnum):
    """How a channel's contacts hold an agent (``Model.modes``)."""

    SYNC = 0  # the whole agent while in contact (voice)
    CONCURRENT = 1  # a share of the agent: CAP / concurrency units (chat)
    DEFERRED = 2  # the whole agent, worked from a backlog (email)


class EndEvent(IntEnum):
    """Ends of a contact that a journey transition can follow (index of ``Model.routes``)."""

    ABANDON = 0
    UNRESOLVED = 1
    BALK = 2


class Cause(IntEnum):
    """Why a contact was made (``RawRun.cause``); names as in :data:`CAUSES`."""

    NEW = 0  # first contact of a journey
    ABANDON = 1  # after abandoning a contact
    UNRESOLVED = 2  # after an answered contact that did not resolve
    BALK = 3  # after balking at an announced wait
    CHASE = 4  # while a deferred contact was still unanswered
    OFFER = 5  # took another channel offered by a shaping rule


class ConcurrentRouting(IntEnum):
    """Which part-loaded agent a concurrent session goes to (``Model.concurrent_policy``)."""

    MOST_FREE = 0  # the agent with the most free capacity (only when none is fully free)
    LONGEST_IDLE = 1  # the agent whose load changed longest ago, fully free or not


WAITING: Final = int(ContactState.WAITING)
ANSWERED: Final = int(ContactState.ANSWERED)
ABANDONED: Final = int(ContactState.ABANDONED)
GHOST: Final = int(ContactState.GHOST)
MOVED: Final = int(ContactState.MOVED)
DEFLECTED: Final = int(ContactState.DEFLECTED)
RESOLVED: Final = int(JourneyOutcome.RESOLVED)
LOST: Final = int(JourneyOutcome.LOST)
MAX_ATTEMPTS: Final = int(JourneyOutcome.MAX_ATTEMPTS)
SYNC: Final = int(Mode.SYNC)
CONC: Final = int(Mode.CONCURRENT)
DEFERRED: Final = int(Mode.DEFERRED)
MOST_FREE: Final = int(ConcurrentRouting.MOST_FREE)
ON_ABANDON: Final = int(EndEvent.ABANDON)
ON_UNRESOLVED: Final = int(EndEvent.UNRESOLVED)
ON_BALK: Final = int(EndEvent.BALK)
NEW: Final = int(Cause.NEW)
CHASE: Final = int(Cause.CHASE)
OFFER: Final = int(Cause.OFFER)
LONGEST_IDLE: Final = int(ConcurrentRouting.LONGEST_IDLE)

MODES: Final = {"synchronous": SYNC, "concurrent": CONC, "deferred": DEFERRED}
ROUTINGS: Final = {"most_free": MOST_FREE, "longest_idle": LONGEST_IDLE}
EVENT_INDEX: Final = {e.name.lower(): int(e) for e in EndEvent}  # scenario's "on" -> index
CAUSES: Final = tuple(c.name.lower() for c in Cause)  # RawRun.cause -> name
CAUSE_OF_EVENT: Final = tuple(int(Cause[e.name]) for e in EndEvent)  # EndEvent -> Cause
JOURNEY_OUTCOMES: Final = {int(o): o.name.lower() for o in JourneyOutcome}
