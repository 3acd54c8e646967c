"""The engine's event calendar: a binary heap of plain tuples.

An entry is ``(time, key, callback, argument)``, run as ``callback(argument, time)``;
``time`` is in seconds from the start of the first period. ``key`` orders entries due
at the same instant: headcount changes and end-of-day checks (staffing entries, keyed
below every contact's) before contact happenings, and within each kind first in,
first out. That is exactly the order of SimPy's calendar, whose
entries are ``(time, priority, event id, event)``, so this calendar replays the runs
made on SimPy's bit for bit.

Why not SimPy: its public API needs an :class:`simpy.Event` per happening (a
``Timeout``, or ``env.schedule`` for urgent ones) fired through its callback list.
Measured on the engine's own callbacks (``python -m benchmarks.calendar``), whole runs
were 2-3.4x slower on SimPy's public API than on this heap, which pushes one tuple per
happening; and reaching into SimPy's private calendar, as the engine did up to 0.1,
ties it to one SimPy version. The engine no longer imports SimPy (the benchmarks'
reference models still do).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

__all__ = ["STAFFING_FIRST", "Calendar", "Entry"]

Entry = tuple[float, int, Callable[[Any, float], None], Any]
"""``(time s, key, callback, argument)``."""

STAFFING_FIRST = 1 << 62  # subtracted from a staffing entry's key: before any contact's


class Calendar:
    """Pending entries, and the loop that runs them in order.

    The callbacks push with ``push_entry(calendar.entries, (time, next(calendar.keys),
    callback, argument))`` (a contact happening) or with ``next(calendar.keys) -
    STAFFING_FIRST`` as key (staffing); binding ``entries``, ``keys`` and
    ``push_entry`` (``heappush``) to local names once saves a method call per push.
    """

    __slots__ = ("entries", "keys", "now")

    push_entry = staticmethod(heappush)
    """``push_entry(entries, entry)``: how the callbacks schedule (bound to a local)."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.keys = itertools.count()
        self.now = 0.0  # time (s) of the last entry or arrival run

    def push(self, time: float, callback: Callable[[Any, float], None], argument: Any) -> None:
        """Schedule a contact happening (the callbacks inline this)."""
        heappush(self.entries, (time, next(self.keys), callback, argument))

    def push_staffing(
        self, time: float, callback: Callable[[Any, float], None], argument: Any
    ) -> None:
        """Schedule a staffing entry: before contact happenings due at the same time."""
        heappush(self.entries, (time, next(self.keys) - STAFFING_FIRST, callback, argument))

    def pending(self) -> list[Entry]:
        """The entries not run yet (in heap order, not time order)."""
        return self.entries

    def run(self, arrivals: list[float], n: int, arrive: Callable[[int, float], None]) -> None:
        """Run every entry in order, feeding ``arrive(k, time)`` the first ``n`` of the
        pre-drawn ``arrivals`` (times in order) between them, until nothing is left.

        An arrival is handed over directly when it is due before the next entry, which
        saves a push and a pop per contact. An entry due at the very instant of an
        arrival runs first.
        """
        entries = self.entries
        pop = heappop
        now = self.now
        k = 0
        t_next = arrivals[0] if n else math.inf
        while True:
            if entries and entries[0][0] <= t_next:
                now, _, callback, argument = pop(entries)
                callback(argument, now)
            elif k < n:
                now = t_next
                arrive(k, now)
                k += 1
                t_next = arrivals[k] if k < n else math.inf
            else:
                break
        self.now = now
