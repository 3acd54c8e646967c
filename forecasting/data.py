"""Histories shipped with ccsim (see ``forecasting/data/README.md`` for sources and terms)."""

from __future__ import annotations

from pathlib import Path

from .history import History, read_history
from .special_days import with_holidays

__all__ = ["ANONYMOUS_BANK_30MIN", "load_anonymous_bank_history"]

ANONYMOUS_BANK_30MIN = Path(__file__).with_name("data") / "anonymous_bank_1999_30min.csv"
"""Anonymous Bank (Technion SEE) 1999 calls per 30 min, channel ``voice``.
Data: "Anonymous Bank" call-center data, Technion SEE Laboratory (I. Guedj and
A. Mandelbaum)."""
ANONYMOUS_BANK_COUNTRY = "IL"
"""The Anonymous Bank is an Israeli bank (Sunday-Thursday working week)."""


def load_anonymous_bank_history(*, interval_minutes: int = 30, holidays: bool = False) -> History:
    """The shipped Anonymous Bank 1999 history (24 h, 7 days a week), cleaned.

    Parameters
    ----------
    interval_minutes : 30 or 60 (multiples of the shipped 30-minute grid).
    holidays : mark Israel's public holidays and their eves as the calendar's special
        days (:func:`forecasting.special_days.with_holidays`; the bank is Israeli).
    """
    history = read_history(ANONYMOUS_BANK_30MIN, interval_minutes=interval_minutes)
    return with_holidays(history, ANONYMOUS_BANK_COUNTRY) if holidays else history
