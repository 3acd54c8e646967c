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

__all__ = [
    "LEVELS",
    "MIN_PATHS",
    "FittedModel",
    "ForecastModel",
    "SeriesForecast",
    "count_quantile",
]

LEVELS = (80, 95)
"""Central prediction intervals (%) every forecast carries."""
MIN_PATHS = 20
"""Fewest sample paths behind the 80% / 95% prediction intervals."""


# -- results --------------------------------------------------------------------------
def count_quantile(paths: np.ndarray, p: float) -> np.ndarray:
    """The ``p`` quantile along axis 0 of whole-count sample paths, each count ``k``
    spread uniformly over ``[k - 0.5, k + 0.5]`` (the continuity correction of a
    discrete distribution: its quantile function made continuous), kept within the
    paths' range (which includes the same whole counts: paths all 0 give 0).

    Interval bounds at the plain quantiles of whole counts are whole counts, and an
    interval includes both of them: at small counts (night hours) the 80% interval of
    a Poisson(2) count, [0, 4], holds 95% of its mass. With the corrected bounds an
    interval holds on average its nominal share (80.4% over Poisson means 0.5-60,
    against 83.8% for the plain quantiles); each bound is a fraction of a count, and
    a whole count ``y`` is inside when ``lower <= y <= upper``.

    Example: paths 2, 3, 3, 3, 5: the 0.3 quantile is at mass position 0.3 x 5 = 1.5
    (in paths), inside the three 3s (positions 1 to 4), so 2.5 + (1.5 - 1) / 3 = 2.67;
    the 0.1 quantile 1.5 + 0.5 / 1 = 2, the 0.9 quantile 4.5 + 0.5 / 1 = 5.
    """
    n = paths.shape[0]
    s = np.sort(paths, axis=0)
    r = p * n  # the mass position, in paths, of the quantile
    k = s[min(int(np.floor(r)), n - 1)]  # the count holding it
    below = (s < k).sum(axis=0)
    at = (s == k).sum(axis=0)
    return np.clip(k - 0.5 + (r - below) / at, s[0], s[-1])


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
        """(lower, upper) bounds of the central ``level`` % prediction interval: the
        paths' quantiles, continuity-corrected (:func:`count_quantile`) in each interval
        whose paths are whole counts (cell by cell: a reforecast's updated day has
        scaled paths, its next days the model's counts)."""
        a = (100 - level) / 200
        whole = (self.paths == np.round(self.paths)).all(axis=0)
        if whole.all():
            return count_quantile(self.paths, a), count_quantile(self.paths, 1 - a)
        lo, hi = np.quantile(self.paths, [a, 1 - a], axis=0)
        if whole.any():
            lo = np.where(whole, count_quantile(self.paths, a), lo)
            hi = np.where(whole, count_quantile(self.paths, 1 - a), hi)
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
