"""Shared pieces of the forecasting tests: real data locations and synthetic histories."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SHARED = Path(
    os.environ.get("CCSIM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
"""The real data sets: ../shared/data beside the checkout, or $CCSIM_SHARED_DATA (e.g.
for a git worktree elsewhere)."""
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


# A queue whose staffing steps from heavily overloaded to comfortable every 6 hours,
# so that waits (hence the censoring of patience) range from 0 to many minutes.
PERIODS_PER_DAY = 48
PATIENCE_STAFFING = [2] * 12 + [6] * 12 + [14] * 12 + [25] * 12
"""Agents per 30-minute period of :func:`simulated_records` (one day, 48 periods)."""


def simulated_records(
    patience: dict[str, object],
    *,
    seed: int = 1,
    days: int = 4,
    resolution: float | None = None,
    arrivals: float = 200.0,
    agents: int | list[int] | None = None,
) -> pd.DataFrame:
    """Call records the simulator generates: one voice queue, ``arrivals`` calls per
    30 min, exponential handle times (mean 180 s), the given patience distribution and
    ``agents`` (default :data:`PATIENCE_STAFFING`: about 9,500 calls and 4,500 abandons
    a day); ``days`` replications of one day (48 periods), each its own calendar day.

    ``resolution`` (s): the clock times are logged rounded down to this (real systems
    log whole seconds), so a wait is the difference of two logged times and calls that
    waited less than ``resolution`` can have wait 0; ``None`` keeps the simulator's
    exact times. Columns as :func:`forecasting.read_records` reads them.
    """
    import sim
    from sim.engine import ANSWERED

    sc = sim.parse_scenario(
        {
            "name": "patience records",
            "interval_minutes": 30,
            "periods": PERIODS_PER_DAY,
            "start": "00:00",
            "seed": seed,
            "replications": days,
            "channels": {
                "voice": {
                    "arrivals": arrivals,
                    "handle_time": {"distribution": "exponential", "mean": 180},
                    "patience": patience,
                }
            },
            "groups": {
                "agents": {
                    "skills": ["voice"],
                    "agents": PATIENCE_STAFFING if agents is None else agents,
                }
            },
        }
    )
    frames = []
    for r, run in enumerate(sim.simulate(sc, keep_runs=True).runs):
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=r)
        start, end = run.arrival, run.wait_end
        if resolution is not None:
            start = np.floor(start / resolution) * resolution
            end = np.floor(end / resolution) * resolution
        answered = run.outcome == ANSWERED
        frames.append(
            pd.DataFrame(
                {
                    "arrival": day + pd.to_timedelta(start, unit="s"),
                    "queue": "voice",
                    "wait": end - start,
                    "outcome": np.where(answered, "answered", "abandoned"),
                    "handle_time": np.where(answered, run.handle, 0.0),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def synthetic_records(*, n: int = 20000, seed: int = 5) -> pd.DataFrame:
    """Calls with lognormal(200, cv 1.0) handle times and Weibull(mean 180, shape 0.8)
    patience; offered waits are exponential(60): a call abandons when its patience
    runs out before its wait. 2,000 customers, so some call again."""
    rng = np.random.default_rng(seed)
    arrival = pd.Timestamp("2024-03-04 08:00") + pd.to_timedelta(
        np.sort(rng.uniform(0, 5 * 86400, n)), unit="s"
    )
    s2 = np.log1p(1.0)
    handle = rng.lognormal(np.log(200) - s2 / 2, np.sqrt(s2), n)
    shape = 0.8
    scale = 180 / math.gamma(1 + 1 / shape)
    patience = scale * rng.weibull(shape, n)
    offered_wait = rng.exponential(60, n)
    answered = offered_wait <= patience
    wait = np.where(answered, offered_wait, patience)
    return pd.DataFrame(
        {
            "arrival": arrival.strftime("%Y-%m-%d %H:%M:%S"),
            "queue": "voice",
            "wait": wait.round(1),
            "outcome": np.where(answered, "answered", "abandoned"),
            "handle_time": np.where(answered, handle.round(1), 0),
            "customer_id": rng.integers(1, 2000, n),
            "agent": np.where(answered, [f"a{i}" for i in rng.integers(0, 20, n)], ""),
        }
    )
