"""Shared pieces of the forecasting tests: real data locations and synthetic histories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
US_BANK = SHARED / "us-bank-calls-2003" / "bank_calls_5min.csv"
RAW = SHARED / "anonymous-bank-1999" / "raw"

needs_us_bank = pytest.mark.skipif(
    not US_BANK.is_file(), reason=f"real data folder absent: {US_BANK} (../shared/data)"
)
needs_raw = pytest.mark.skipif(
    not (RAW / "anonymous_bank_1999_january.txt.gz").is_file(),
    reason=f"real data folder absent: {RAW} (../shared/data)",
)


def synthetic_history(
    *, weeks: int = 6, seed: int = 0, start: str = "2024-01-01", hours: tuple[int, int] = (7, 21)
) -> pd.DataFrame:
    """Weekdays only, 15-min intervals, Poisson counts around a day-of-week x intraday
    shape (Mondays 30% busier). Columns timestamp, channel, volume."""
    rng = np.random.default_rng(seed)
    days = [d for d in pd.date_range(start, periods=weeks * 7, freq="D") if d.weekday() < 5]
    slots = np.arange(hours[0] * 60, hours[1] * 60, 15)
    shape = np.sin(np.pi * (slots - slots[0] + 7.5) / (slots[-1] - slots[0] + 15)) + 0.2
    rows = []
    for d in days:
        level = 60 * (1.3 if d.weekday() == 0 else 1.0)
        for s, x in zip(slots, shape, strict=True):
            rows.append((d + pd.Timedelta(minutes=int(s)), "voice", rng.poisson(level * x)))
    return pd.DataFrame(rows, columns=["timestamp", "channel", "volume"])
