"""What every forecasting model offers: a specification fitted to a history gives results
that forecast days as a :class:`SeriesForecast`.

The contract only (no model): :mod:`forecasting.models` holds the models,
:mod:`forecasting.scoring` the backtest arithmetic that compares them. Both depend on
this module, never on each other's users, so the package's import graph has no cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .history import DayMatrix

__all__ = ["LEVELS", "MIN_PATHS", "FittedModel", "ForecastModel", "SeriesForecast"]

LEVELS = (80, 95)
"""Central prediction intervals (%) every forecast carries."""
MIN_PATHS = 20
"""Fewest sample paths behind the 80% / 95% prediction intervals."""


# -- results --------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SeriesForecast:
    """A forecast for one channel over whole days.

    Attributes
    ----------
    days : the forecast days.
    slots : interval starts (minutes after midnight), the columns.
    mean : expected volume, shape (days, slots), contacts per interval.
    paths : sample paths, shape (n_paths, days, slots); intervals come from them.
    open : which (day, slot) cells are open.
    model : name of the model that made it.
    """

    days: tuple[dt.date, ...]
    slots: tuple[int, ...]
    mean: np.ndarray
    paths: np.ndarray
    open: np.ndarray
    model: str
    channel: str = "all"

    def interval(self, level: int) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) bounds of the central ``level`` % prediction interval."""
        a = (100 - level) / 200
        lo, hi = np.quantile(self.paths, [a, 1 - a], axis=0)
        return lo, hi

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame of the open intervals: timestamp, channel, model, volume,
        lower_80, upper_80, lower_95, upper_95."""
        base = pd.to_datetime(pd.Series(list(self.days))).to_numpy()
        off = np.array(self.slots, dtype="timedelta64[m]")
        ts = (base[:, None] + off[None, :]).ravel()
        cols: dict[str, Any] = {
            "timestamp": ts,
            "channel": self.channel,
            "model": self.model,
            "volume": self.mean.ravel(),
        }
        for level in LEVELS:
            lo, hi = self.interval(level)
            cols[f"lower_{level}"] = lo.ravel()
            cols[f"upper_{level}"] = hi.ravel()
        df = pd.DataFrame(cols)
        return df[self.open.ravel()].reset_index(drop=True)


class FittedModel(Protocol):
    """What every results object offers."""

    @property
    def name(self) -> str: ...

    def forecast(
        self, days: Sequence[dt.date], *, n_paths: int = 500, rng: np.random.Generator | None = None
    ) -> SeriesForecast: ...


class ForecastModel(Protocol):
    """What every specification offers."""

    @property
    def name(self) -> str: ...

    def fit(self, y: DayMatrix) -> FittedModel: ...
