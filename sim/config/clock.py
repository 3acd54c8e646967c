"""Clock times of day, ``HH:MM``: the one parser and formatter for scenarios, shift
templates, the engine's calendar, period labels and forecasts.

A clock time is minutes after midnight (an ``int``, 0 to 1440). Text is ``H:MM`` or
``HH:MM``; ``24:00`` is the end of a day (a shift may end then) unless a time
``before_midnight`` is asked for (a day's first period or a shift's start).
"""

from __future__ import annotations

import re

from sim.config.quoting import quote

__all__ = [
    "MINUTES_PER_DAY",
    "MINUTES_PER_HOUR",
    "check_clock",
    "clock_label",
    "clock_labels",
    "clock_minutes",
]

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * MINUTES_PER_HOUR
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def clock_minutes(text: str, *, before_midnight: bool = False) -> int:
    """Minutes after midnight of the clock time ``text`` (``"07:30"`` -> 450).

    Raises
    ------
    ValueError
        ``text`` is not ``H:MM`` / ``HH:MM`` up to ``24:00``, or is ``24:00`` and
        ``before_midnight`` is set; the message reads after a field name.
    """
    m = _CLOCK.fullmatch(text)
    hours, minutes = (int(m[1]), int(m[2])) if m else (0, 0)
    if not m or minutes >= MINUTES_PER_HOUR or hours * MINUTES_PER_HOUR + minutes > MINUTES_PER_DAY:
        raise ValueError(f"must be a clock time HH:MM, got {quote(text)}")
    total = hours * MINUTES_PER_HOUR + minutes
    if before_midnight and total >= MINUTES_PER_DAY:
        raise ValueError(f"must be a clock time HH:MM before 24:00, got {quote(text)}")
    return total


def check_clock(text: str, *, before_midnight: bool = False) -> str:
    """``text`` itself when it is a clock time (see :func:`clock_minutes`), for validators
    that keep the text."""
    clock_minutes(text, before_midnight=before_midnight)
    return text


def clock_label(minutes: int, *, wrap: bool = True) -> str:
    """``HH:MM`` of ``minutes`` after midnight: wrapping past midnight (1500 -> ``01:00``,
    1440 -> ``00:00``), or, with ``wrap=False``, up to ``24:00`` for the end of a day."""
    if wrap:
        minutes %= MINUTES_PER_DAY
    return f"{minutes // MINUTES_PER_HOUR:02d}:{minutes % MINUTES_PER_HOUR:02d}"


def clock_labels(start: str, step_minutes: int, count: int) -> list[str]:
    """Labels of ``count`` periods of ``step_minutes`` from clock time ``start``,
    wrapping at midnight (``"23:30", 30, 3`` -> ``["23:30", "00:00", "00:30"]``)."""
    first = clock_minutes(start)
    return [clock_label(first + i * step_minutes) for i in range(count)]
