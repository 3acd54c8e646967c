"""The record of one replication: one row per contact and per journey."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RawRun"]


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
