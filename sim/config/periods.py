"""Values given for every period at once or one per period: the one expansion.

A scenario field such as ``arrivals``, ``agents`` or ``shrinkage`` holds either one
number (the same in every interval) or a tuple with one number per period; readers
expand it with :func:`per_period`.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = ["per_period"]

T = TypeVar("T", int, float)


def per_period(value: T | tuple[T, ...], periods: int) -> tuple[T, ...]:
    """``value`` per period: a tuple as it is (its length checked by the scenario's
    validation), one number repeated ``periods`` times."""
    return value if isinstance(value, tuple) else (value,) * periods
