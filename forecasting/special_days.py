"""Known special days of a history: public holidays and their eves, from the
``holidays`` package (country calendars, Jewish and Islamic holidays included).

A centre's volume on a public holiday, and on its eve (a half day in Israel), is not
an ordinary day's: the Anonymous Bank 1999 took 2-44% of the same weekday's usual calls
(median of the same weekdays within three weeks) on Pesach, Shavuot, Rosh Hashanah
and Yom Kippur and on most of their eves. Left in the training of a daily
model they pull its level and inflate its noise variances (its Kalman gain and
intervals); :attr:`~forecasting.history.Calendar.special_days` lists them so that
``cal_ssm`` and ``drift_ssm`` treat them as missing observations and leave them out of
their intraday profiles (``special_days_missing``). Nothing is tuned: the days are the
country's calendar. Anonymous Bank, 1-day MASE over the last 8 weeks (no holiday among
them): ``drift_ssm`` 0.566 -> 0.557 (daily model) -> 0.548 (and profiles).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from .history import History, HistoryError

__all__ = [
    "ordinary_days_note",
    "public_holidays",
    "special_days_within",
    "with_holidays",
    "with_special_days",
]

FUTURE_YEARS = 1
"""Years after the history's last day whose holidays :func:`with_holidays` adds (the
days a forecast from it may cover)."""


def public_holidays(
    country: str, first: dt.date, last: dt.date, *, eves: bool = True
) -> tuple[dt.date, ...]:
    """The public holidays of ``country`` (an ISO 3166 code the ``holidays`` package
    knows, e.g. ``"IL"``, ``"US"``) from ``first`` to ``last``, with the day before each
    (``eves``), sorted."""
    import holidays

    try:
        cal = holidays.country_holidays(country, years=range(first.year - 1, last.year + 2))
    except NotImplementedError:
        raise HistoryError(
            f"country: {country!r} is not a country code the holidays package knows "
            "(ISO 3166 alpha-2, e.g. IL, US, GB)"
        ) from None
    days = set(cal)
    if eves:
        days |= {d - dt.timedelta(days=1) for d in cal}
    return tuple(sorted(d for d in days if first <= d <= last))


def with_special_days(history: History, days: Iterable[dt.date]) -> History:
    """``history`` with ``days`` as its calendar's special days (sorted, unique)."""
    cal = dataclasses.replace(history.calendar, special_days=tuple(sorted(set(days))))
    return dataclasses.replace(history, calendar=cal)


def with_holidays(history: History, country: str, *, eves: bool = True) -> History:
    """``history`` with ``country``'s public holidays (and their eves) from its first
    day to ``FUTURE_YEARS`` after its last as special days (:func:`public_holidays`)."""
    first, last = history.report.first_day, history.report.last_day
    try:
        until = last.replace(year=last.year + FUTURE_YEARS)
    except ValueError:  # 29 February
        until = last.replace(year=last.year + FUTURE_YEARS, day=28)
    return with_special_days(history, public_holidays(country, first, until, eves=eves))


def special_days_within(history: History, days: Iterable[dt.date]) -> tuple[dt.date, ...]:
    """The calendar's special days among ``days`` (e.g. a forecast's), sorted: the
    models leave special days out of training only, so these are forecast as ordinary
    days (a planner should know)."""
    return tuple(sorted(set(days) & set(history.calendar.special_days)))


def ordinary_days_note(days: Sequence[dt.date]) -> str:
    """The sentence ``ccsim forecast`` and the app's forecast page say of the special
    days (:func:`special_days_within`) a forecast covers."""
    listed = ", ".join(str(d) for d in days)
    return (
        f"special days: {len(days)} in the horizon ({listed}), forecast as ordinary days "
        "(--holidays leaves them out of training only)"
    )
