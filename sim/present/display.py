"""How the app, the CLI table and the report write numbers: shares as percentages,
durations in seconds, minutes or hours by their size, 95% CIs in the value's unit.

Pure functions of numbers (no streamlit). Results stay in seconds; only the text
changes unit.
"""

from __future__ import annotations

import math

__all__ = [
    "HOUR",
    "HOURS_FROM",
    "MINUTE",
    "MINUTES_FROM",
    "count",
    "duration",
    "duration_unit",
    "pct",
    "pts",
    "seconds",
    "signed_seconds",
]

MINUTE = 60.0
"""Seconds in a minute."""
HOUR = 3600.0
"""Seconds in an hour."""
MINUTES_FROM = 2 * MINUTE
"""Durations from 2 minutes (120 s) are written in minutes, shorter ones in seconds."""
HOURS_FROM = 2 * HOUR
"""Durations from 2 hours (7,200 s) are written in hours."""
DIGITS = 1
"""Decimals of a duration and of its CI."""


def _ci(ci95: float | None, scale: float, unit: str, digits: int) -> str:
    if ci95 is None or not math.isfinite(ci95):
        return ""
    return f" ± {ci95 * scale:.{digits}f}{unit}"


def pct(share: float, ci95: float | None = None) -> str:
    """A share (0-1) as a percentage with one decimal, e.g. ``88.4% ± 1.5``."""
    if not math.isfinite(share):
        return "n/a"
    return f"{share * 100:.1f}%" + _ci(ci95, 100, "", 1)


def pts(delta: float, ci95: float | None = None) -> str:
    """A change of a share in percentage points, e.g. ``-2.3 pts ± 0.9``."""
    if not math.isfinite(delta):
        return "n/a"
    return f"{delta * 100:+.1f} pts" + _ci(ci95, 100, "", 1)


def duration_unit(size: float) -> tuple[str, float]:
    """The unit a duration of ``size`` seconds is written in, and its length in seconds:
    ``("s", 1)`` below :data:`MINUTES_FROM`, ``("min", 60)`` below :data:`HOURS_FROM`,
    else ``("h", 3600)``. The sign is ignored."""
    size = abs(size)
    if size >= HOURS_FROM:
        return "h", HOUR
    if size >= MINUTES_FROM:
        return "min", MINUTE
    return "s", 1.0


def _in_unit(value: float, ci95: float | None, unit: str, per: float, signed: bool) -> str:
    number = f"{value / per:+.{DIGITS}f}" if signed else f"{value / per:.{DIGITS}f}"
    return f"{number} {unit}" + _ci(ci95, 1 / per, "", DIGITS)


def duration(value: float, ci95: float | None = None, *, signed: bool = False) -> str:
    """A duration or a change of one, given in **seconds**, in s, min or h by its size.

    The unit (:func:`duration_unit`) follows the larger of ``|value|`` and the CI
    half-width, and the CI is written in the same unit, one decimal each:
    ``45.2 s ± 3.1``, ``12.5 min ± 0.4``, ``3.0 h ± 0.6``; ``signed`` adds the sign of
    a change, ``+4.1 s ± 1.2``. ``n/a`` when ``value`` is not finite.
    """
    if not math.isfinite(value):
        return "n/a"
    spread = ci95 if ci95 is not None and math.isfinite(ci95) else 0.0
    unit, per = duration_unit(max(abs(value), abs(spread)))
    return _in_unit(value, ci95, unit, per, signed)


def seconds(value: float, ci95: float | None = None) -> str:
    """A time (s) always in seconds with one decimal, e.g. ``12.3 s ± 0.8``.

    For a figure a planner reads, use :func:`duration` (it picks min or h for long ones).
    """
    if not math.isfinite(value):
        return "n/a"
    return _in_unit(value, ci95, "s", 1.0, signed=False)


def signed_seconds(delta: float, ci95: float | None = None) -> str:
    """A change of a time (s) always in seconds, e.g. ``+4.1 s ± 1.2`` (see :func:`duration`)."""
    if not math.isfinite(delta):
        return "n/a"
    return _in_unit(delta, ci95, "s", 1.0, signed=True)


def count(value: float, ci95: float | None = None, signed: bool = False) -> str:
    """A count per replication (e.g. contacts per day) with one decimal."""
    if not math.isfinite(value):
        return "n/a"
    return (f"{value:+,.1f}" if signed else f"{value:,.1f}") + _ci(ci95, 1, "", 1)
