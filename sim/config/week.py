"""The calendar of a scenario that covers days: dates, weekdays, holidays, opening hours.

A scenario's periods are one contiguous run of intervals from ``start`` (a clock time)
on day 0; with a ``calendar:`` section, day 0 is a date (``start_date``) or at least a
weekday (``first_weekday``), so periods get weekday labels (``Mon 08:00``), shifts can
say on which weekdays they run (``days: [mon-fri]``), holidays close the centre and
opening hours close the live channels' lines outside them::

    calendar:
      start_date: 2026-12-07          # a Monday; or first_weekday: mon
      holidays: [2026-12-25]          # closed all day: no calls, no shifts
      opening_hours:                  # weekdays not named are closed
        mon-fri: ["08:00", "20:00"]
        sat: ["09:00", "17:00"]

Closed means *the lines are closed*: no new journeys arrive on synchronous and
concurrent channels in a closed period (a deferred channel's email keeps arriving and
waits for the next shift); agents work as scheduled (shifts decide that), except that
no shift runs on a holiday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import field_validator, model_validator

from sim.config.clock import MINUTES_PER_DAY, clock_minutes
from sim.config.frozen import Frozen
from sim.config.quoting import quote

__all__ = [
    "WEEKDAYS",
    "CentreCalendar",
    "Days",
    "parse_weekdays",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names in the file format, Monday first (index = ``date.weekday()``)."""

DAYS_PER_WEEK = len(WEEKDAYS)
CLOSED = "closed"


_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(name: str) -> int:
    """Index (0 = Monday) of a weekday name, short (``mon``) or full (``Monday``)."""
    key = str(name).strip().lower()
    for i, (short, full) in enumerate(zip(WEEKDAYS, _FULL_NAMES, strict=True)):
        if key in (short, full):
            return i
    raise ValueError(f"unknown weekday {quote(name)} (expected one of {', '.join(WEEKDAYS)})")


def parse_weekdays(items: Sequence[str] | str) -> tuple[int, ...]:
    """Weekday indices (0 = Monday) of names and ranges: ``["mon-fri", "sun"]`` ->
    ``(0, 1, 2, 3, 4, 6)``; a range may wrap (``fri-mon``). Raises ValueError naming the
    item that is not a weekday or that repeats a day."""
    out: list[int] = []
    for item in [items] if isinstance(items, str) else items:
        text = str(item)
        if "-" in text:
            first, last = (_weekday(p) for p in text.split("-", 1))
            span = (last - first) % DAYS_PER_WEEK
            days = [(first + i) % DAYS_PER_WEEK for i in range(span + 1)]
        else:
            days = [_weekday(text)]
        again = [WEEKDAYS[d] for d in days if d in out]
        if again:
            raise ValueError(f"{quote(text)} repeats {', '.join(again)}")
        out.extend(days)
    return tuple(out)


class CentreCalendar(Frozen):
    """``calendar:``: which date or weekday day 0 is, holidays, opening hours."""

    start_date: dt.date | None = None
    """Date of day 0 (the day of the first period)."""
    first_weekday: str | None = None
    """Weekday of day 0 when no date is given (``mon`` ... ``sun``)."""
    holidays: tuple[dt.date, ...] = ()
    """Dates the centre is closed all day (needs ``start_date``)."""
    opening_hours: dict[str, tuple[str, str] | Literal["closed"]] | None = None
    """Per weekday or weekday range (``mon-fri``): ``[open, close]`` clock times, or
    ``closed``; weekdays not named are closed. Without it the lines never close."""

    @field_validator("first_weekday")
    @classmethod
    def _first(cls, v: str | None) -> str | None:
        if v is not None:
            _weekday(v)
        return v

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        if v is None:
            return v
        seen: list[int] = []
        problems = []
        for key, hours in v.items():
            try:
                days = parse_weekdays(key)
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
                continue
            again = [WEEKDAYS[d] for d in days if d in seen]
            if again:
                problems.append(f"{key}: {', '.join(again)} already has opening hours")
            seen.extend(days)
            if hours != CLOSED:
                try:
                    a, b = clock_minutes(hours[0], before_midnight=True), clock_minutes(hours[1])
                except ValueError as exc:
                    problems.append(f"{key}: {exc}")
                    continue
                if b <= a:
                    problems.append(
                        f"{key}: closes at {hours[1]}, not after it opens at {hours[0]} "
                        "(opening hours end by 24:00)"
                    )
        if problems:
            raise ValueError("\n".join(problems))
        return v

    @model_validator(mode="after")
    def _day_zero(self) -> CentreCalendar:
        problems = []
        if self.start_date is not None and self.first_weekday is not None:
            problems.append("first_weekday: give start_date or first_weekday, not both")
        if self.holidays and self.start_date is None:
            problems.append("holidays: need start_date (which date the first period is on)")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def weekday_of_day_zero(self) -> int:
        """0 = Monday; Monday when neither a date nor a weekday is given."""
        if self.start_date is not None:
            return self.start_date.weekday()
        return 0 if self.first_weekday is None else _weekday(self.first_weekday)

    def hours(self) -> tuple[tuple[int, int] | None, ...] | None:
        """Per weekday (0 = Monday): open and close minutes of day, or None = closed;
        None when the lines never close."""
        if self.opening_hours is None:
            return None
        out: list[tuple[int, int] | None] = [None] * DAYS_PER_WEEK
        for key, hours in self.opening_hours.items():
            if hours == CLOSED:
                continue
            span = (clock_minutes(hours[0]), clock_minutes(hours[1]))
            for d in parse_weekdays(key):
                out[d] = span
        return tuple(out)


@dataclass(frozen=True)
class Days:
    """The days a scenario's periods fall on: weekday and holiday of each day index
    (day 0 holds the first period; day -1 is the day before, where an overnight shift
    that runs into the first period starts)."""

    weekday_zero: int
    start_date: dt.date | None
    holidays: frozenset[dt.date]
    hours: tuple[tuple[int, int] | None, ...] | None

    @classmethod
    def of(cls, cal: CentreCalendar) -> Days:
        return cls(cal.weekday_of_day_zero, cal.start_date, frozenset(cal.holidays), cal.hours())

    def weekday(self, day: int) -> int:
        return (self.weekday_zero + day) % DAYS_PER_WEEK

    def date(self, day: int) -> dt.date | None:
        return None if self.start_date is None else self.start_date + dt.timedelta(days=day)

    def holiday(self, day: int) -> bool:
        d = self.date(day)
        return d is not None and d in self.holidays

    def is_open(self, day: int, minute_of_day: int) -> bool:
        """Are the lines open at ``minute_of_day`` of day ``day``?"""
        if self.holiday(day):
            return False
        if self.hours is None:
            return True
        span = self.hours[self.weekday(day)]
        return span is not None and span[0] <= minute_of_day < span[1]

    def label(self, day: int) -> str:
        """``Mon 2026-12-07`` (or ``Mon`` without a date)."""
        name = WEEKDAYS[self.weekday(day)].capitalize()
        d = self.date(day)
        return name if d is None else f"{name} {d.isoformat()}"


def day_and_minute(start_minute: int, interval_minutes: int, period: int) -> tuple[int, int]:
    """Day index and minute of day of the start of ``period``."""
    return divmod(start_minute + period * interval_minutes, MINUTES_PER_DAY)
