"""How the app writes numbers: shares as percentages, times in seconds, 95% CIs."""

from __future__ import annotations

import math

__all__ = ["count", "pct", "pts", "seconds", "signed_seconds"]


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


def seconds(value: float, ci95: float | None = None) -> str:
    """A time (s) with one decimal, e.g. ``12.3 s ± 0.8``."""
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.1f} s" + _ci(ci95, 1, "", 1)


def signed_seconds(delta: float, ci95: float | None = None) -> str:
    """A change of a time (s), e.g. ``+4.1 s ± 1.2``."""
    if not math.isfinite(delta):
        return "n/a"
    return f"{delta:+.1f} s" + _ci(ci95, 1, "", 1)


def count(value: float, ci95: float | None = None, signed: bool = False) -> str:
    """A count per replication (e.g. contacts per day) with one decimal."""
    if not math.isfinite(value):
        return "n/a"
    return (f"{value:+,.1f}" if signed else f"{value:,.1f}") + _ci(ci95, 1, "", 1)
