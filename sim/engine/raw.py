"""The record of one replication: one row per contact and per journey."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .codes import ANSWERED
from .draws import FirstContacts
from .model import Model
from .shaping import OfferLog, OfferRecord
from .tables import Agents, Contacts, Journeys, Logs

__all__ = [
    "RawRun",
    "SegmentedRun",
    "SegmentedShapedRun",
    "SegmentedShapedWrappedRun",
    "SegmentedWrappedRun",
    "ShapedRun",
    "ShapedWrappedRun",
    "WrappedRun",
    "assemble",
    "offers_of",
    "segment_of",
    "wrap_up_of",
]


@dataclass(frozen=True)
class RawRun:
    """Everything one replication produced, one row per contact / journey.

    Times are seconds from the start of the first period. ``wait_end`` is when the
    contact stopped waiting (answer, abandonment, balk or withdrawal); ``handle`` of an
    answered contact is the time the agent actually spent (stretch included).
    """

    arrival: np.ndarray
    channel: np.ndarray
    handle: np.ndarray
    wait_end: np.ndarray
    outcome: np.ndarray  # ANSWERED / ABANDONED
    agent: np.ndarray  # serving agent, -1 if not answered
    group: np.ndarray  # serving group index, -1 if not answered
    journey: np.ndarray  # journey id (= index of its first contact)
    attempt: np.ndarray  # 1 for the first contact of a journey
    previous: np.ndarray  # contact that led to this one, -1 for first contacts
    cause: np.ndarray  # index into CAUSES: why this contact was made
    balked: np.ndarray  # bool: left on hearing the announced wait
    silent: np.ndarray  # bool: abandoned without telling (an agent still opened it)
    journey_outcome: np.ndarray  # per journey: RESOLVED / LOST / MAX_ATTEMPTS
    journey_end: np.ndarray  # per journey: time of its final event (s)
    staff_times: np.ndarray  # headcount log: time (s) ...
    staff_groups: np.ndarray  # ... group index ...
    staff_present: np.ndarray  # ... agents present from then on
    engaged: np.ndarray  # (n, 3) group, start, end: agent spans with concurrent sessions
    ghost_work: np.ndarray  # (n, 4) group, start, end, units: silent sessions worked
    end_time: float  # when the drain finished
    stranded: int  # contacts still waiting when no agent could ever come

    @property
    def wait(self) -> np.ndarray:
        return self.wait_end - self.arrival


@dataclass(frozen=True)
class WrappedRun(RawRun):
    """A :class:`RawRun` of a model with wrap-up: ``wrap`` is the after-call work (s)
    of each answered contact (0 for the others and on channels without wrap-up). The
    agent is busy from ``wait_end`` to ``wait_end + handle + wrap``; the customer's
    contact ends at ``wait_end + handle``. (A subclass, so the record of a model
    without wrap-up has exactly the fields it always had.)"""

    wrap: np.ndarray


@dataclass(frozen=True)
class SegmentedRun(RawRun):
    """A :class:`RawRun` of a model with customer segments: ``segment`` is each
    contact's segment (global id, ``Model.segments``; -1 on channels without)."""

    segment: np.ndarray


@dataclass(frozen=True)
class SegmentedWrappedRun(WrappedRun):
    """A :class:`WrappedRun` with customer segments (``segment`` as in :class:`SegmentedRun`)."""

    segment: np.ndarray


def wrap_up_of(run: RawRun) -> np.ndarray | None:
    """Per contact after-call work (s) of a run, or None when its model has none."""
    return run.wrap if isinstance(run, WrappedRun) else None


@dataclass(frozen=True)
class ShapedRun(RawRun):
    """A :class:`RawRun` of a model with call-backs or shaping rules: ``offers`` holds
    the offers made and the rules' events (:class:`~.shaping.OfferRecord`). Contacts
    that took an offered channel have outcome MOVED, deflected new journeys DEFLECTED.
    (A subclass, so runs without offers keep exactly the fields they always had.)"""

    offers: OfferRecord


@dataclass(frozen=True)
class ShapedWrappedRun(WrappedRun):
    """A :class:`WrappedRun` with ``offers`` (as :class:`ShapedRun`)."""

    offers: OfferRecord


@dataclass(frozen=True)
class SegmentedShapedRun(ShapedRun):
    """A :class:`ShapedRun` with customer segments (``segment`` as in :class:`SegmentedRun`)."""

    segment: np.ndarray


@dataclass(frozen=True)
class SegmentedShapedWrappedRun(ShapedWrappedRun):
    """A :class:`ShapedWrappedRun` with customer segments (as :class:`SegmentedRun`)."""

    segment: np.ndarray


SEGMENTED: dict[type[RawRun], type[RawRun]] = {
    RawRun: SegmentedRun,
    WrappedRun: SegmentedWrappedRun,
    ShapedRun: SegmentedShapedRun,
    ShapedWrappedRun: SegmentedShapedWrappedRun,
}
"""The record class of a model with customer segments, by the class it would have."""


def segment_of(run: RawRun) -> np.ndarray | None:
    """Per contact segment (global id, -1: none) of a run, or None when its model has none."""
    return getattr(run, "segment", None)


def offers_of(run: RawRun) -> OfferRecord | None:
    """The offers of a run, or None when its model has no call-backs or shaping rules."""
    return getattr(run, "offers", None)


def assemble(
    m: Model,
    first: FirstContacts,
    contacts: Contacts,
    journeys: Journeys,
    agents: Agents,
    logs: Logs,
    stretched: bool,
    end_time: float,
    stranded: int,
    offers: OfferLog | None = None,
) -> RawRun:
    """The replication's tables as a :class:`RawRun` (numpy arrays).

    First contacts' columns that the run never changes come straight from the draws;
    a stretched session's handle time is the time it took, and a handle-time factor
    scales it by the serving group's, so with either (``stretched``) every handle time
    comes from the table.
    """
    n0 = len(first)
    c = contacts
    n = len(c.state)
    outcome = np.array(c.state, dtype=np.int8)
    wait_end = np.array(c.wait_end)
    handle = np.array(c.handle) if stretched else np.concatenate([first.handle, c.handle[n0:]])
    journey = np.concatenate([np.arange(n0), np.array(c.journey[n0:], dtype=np.int64)])
    # a journey ends when its last contact ends (answered: after the handle time)
    contact_end = np.where(outcome == ANSWERED, wait_end + handle, wait_end)
    journey_end = np.zeros(n0)
    if n == n0:  # one contact per journey
        journey_end = np.maximum(journey_end, contact_end)
    else:
        np.maximum.at(journey_end, journey, contact_end)
    log = np.array(logs.staff, dtype=float).reshape(-1, 3)
    agent = np.array(c.agent, dtype=np.int64)
    groups_of_agents = np.array([*agents.group, -1], dtype=np.int64)  # agent -1: none
    balked = np.zeros(n, bool)
    silent = np.zeros(n, bool)
    balked[logs.balked] = True
    silent[logs.silent] = True
    later = slice(n0, None)
    wrap: dict[str, np.ndarray] = {}
    if any(w is not None for w in m.wrap_up):
        wrap["wrap"] = np.where(outcome == ANSWERED, np.array(c.wrap), 0.0)
    extra: dict[str, object] = dict(wrap)
    if offers is not None:
        extra["offers"] = OfferRecord.of(offers)
        cls: type[RawRun] = ShapedWrappedRun if wrap else ShapedRun
    else:
        cls = WrappedRun if wrap else RawRun
    if m.segments.any:
        extra["segment"] = np.array(c.segment, dtype=np.int64)
        cls = SEGMENTED[cls]
    return cls(
        arrival=np.concatenate([first.arrival, c.arrival[later]]),
        channel=np.concatenate([first.channel, np.array(c.channel[later], dtype=np.int64)]),
        handle=handle,
        wait_end=wait_end,
        outcome=outcome,
        agent=agent,
        group=groups_of_agents[agent],
        journey=journey,
        attempt=np.concatenate([np.ones(n0, np.int64), np.array(c.attempt[later], np.int64)]),
        previous=np.concatenate([np.full(n0, -1, np.int64), np.array(c.previous[later], np.int64)]),
        cause=np.concatenate([np.zeros(n0, np.int8), np.array(c.cause[later], dtype=np.int8)]),
        balked=balked,
        silent=silent,
        journey_outcome=np.array(journeys.outcome, dtype=np.int8),
        journey_end=journey_end,
        staff_times=log[:, 0],
        staff_groups=log[:, 1].astype(np.int64),
        staff_present=log[:, 2].astype(np.int64),
        engaged=np.array(logs.engaged, dtype=float).reshape(-1, 3),
        ghost_work=np.array(logs.ghost_work, dtype=float).reshape(-1, 4),
        end_time=float(end_time),
        stranded=stranded,
        **extra,  # type: ignore[arg-type]
    )
