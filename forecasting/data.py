"""Histories shipped with ccsim (see ``forecasting/data/README.md`` for sources and terms)."""

from __future__ import annotations

from pathlib import Path

from .history import History, read_history

__all__ = ["ANONYMOUS_BANK_30MIN", "load_anonymous_bank_history"]

ANONYMOUS_BANK_30MIN = Path(__file__).with_name("data") / "anonymous_bank_1999_30min.csv"
"""Anonymous Bank (Technion SEE) 1999 calls per 30 min, channel ``voice``.
Data: "Anonymous Bank" call-center data, Technion SEE Laboratory (I. Guedj and
A. Mandelbaum)."""


def load_anonymous_bank_history(*, interval_minutes: int = 30) -> History:
    """The shipped Anonymous Bank 1999 history (24 h, 7 days a week), cleaned.

    Parameters
    ----------
    interval_minutes : 30 or 60 (multiples of the shipped 30-minute grid).
    """
    return read_history(ANONYMOUS_BANK_30MIN, interval_minutes=interval_minutes)
