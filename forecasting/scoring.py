"""Backtest arithmetic: rolling-origin forecasts of model specifications, their errors
scaled by the seasonal-naive MAE, and accuracy tables.

Works on specifications only (never model names), so it depends on the model contract
(:mod:`forecasting.base`) and not on the models: :class:`forecasting.models.Auto` uses
it to choose a model, :mod:`forecasting.backtest` adds the look-up by name.

:func:`accuracy` gives one row per channel and model:

* ``mase``: mean absolute error / the in-sample MAE of the weekly seasonal naive
  forecast on the training data of the same cutoff (each error scaled by its own
  cutoff's scale, then averaged);
* ``wape``: sum |error| / sum actual, over intervals;
* ``daily_wape``: the same on daily totals;
* ``coverage_80`` / ``coverage_95``: share of actual volumes inside the 80% / 95%
  prediction intervals (targets 0.80 / 0.95).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .base import MIN_PATHS, ForecastModel
from .history import DayMatrix, HistoryError

__all__ = ["Progress", "accuracy", "rolling_origin", "seasonal_naive_scale"]

Progress = Callable[[int, int], None]
"""Called with (fits done, fits in all) after each fit."""


def seasonal_naive_scale(y: DayMatrix) -> np.ndarray:
    """``scale[n]``: in-sample weekly seasonal-naive MAE of the first ``n`` days.

    Each day is compared with the last earlier day of the same weekday, over the
    intervals open on that weekday. NaN where no day has a predecessor yet.
    """
    wd = y.weekdays
    sums = np.zeros(len(y.dates))
    counts = np.zeros(len(y.dates))
    last: dict[int, int] = {}
    for t, d in enumerate(y.dates):
        w = wd[t]
        if w in last:
            mask = y.open_mask(d)
            sums[t] = np.abs(y.values[t] - y.values[last[w]])[mask].sum()
            counts[t] = mask.sum()
        last[w] = t
    cs, cc = np.concatenate([[0], np.cumsum(sums)]), np.concatenate([[0], np.cumsum(counts)])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cc > 0, cs / np.where(cc > 0, cc, 1), np.nan)


def rolling_origin(
    y: DayMatrix,
    specs: Sequence[ForecastModel],
    *,
    horizon_days: int = 1,
    step_days: int = 1,
    n_windows: int = 10,
    n_paths: int = 200,
    seed: int = 0,
    progress: Progress | None = None,
    selection: bool = False,
) -> pd.DataFrame:
    """Rolling-origin backtest of one channel with model specifications (no names).

    The arithmetic behind :func:`forecasting.backtest.backtest_matrix` (which also
    takes model names) and behind :class:`forecasting.models.Auto` (which chooses by
    it); parameters and the frame returned as in :func:`forecasting.backtest.backtest`.

    ``selection``: fit each specification that offers it by
    ``spec.selection_fit(train, previous)`` (``previous``: its results at the
    preceding cutoff, or ``None``), a faster fit whose scores match the full refit's
    within noise (what :class:`~forecasting.models.Auto` chooses by); otherwise, and
    for the other specifications, ``spec.fit(train)``.
    """
    for name, v in (("horizon_days", horizon_days), ("step_days", step_days)):
        if v < 1:
            raise HistoryError(f"{name}: must be >= 1, got {v}")
    if n_windows < 1:
        raise HistoryError(f"n_windows: must be >= 1, got {n_windows}")
    if n_paths < MIN_PATHS:
        raise HistoryError(f"n_paths: must be >= {MIN_PATHS} for 95% intervals, got {n_paths}")
    names = [m.name for m in specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise HistoryError(f"models: {', '.join(dup)} given more than once")
    if not y.values.any():
        raise HistoryError(
            f"history: channel {y.channel!r} has volume 0 throughout; there is nothing to "
            "backtest (accuracy is undefined)"
        )
    n_days = len(y.dates)
    first = n_days - horizon_days - (n_windows - 1) * step_days
    min_train = 2 * max(y.calendar.days_per_week, 1)
    if first < min_train:
        raise HistoryError(
            f"history: {n_days} days is too short for {n_windows} windows of "
            f"{horizon_days} day(s) every {step_days} day(s) (each fit needs at least "
            f"{min_train} days); use fewer windows"
        )
    scale = seasonal_naive_scale(y)
    rng = np.random.default_rng(seed)
    frames = []
    total = n_windows * len(specs)
    done = 0
    previous: dict[str, Any] = {}
    for k in range(n_windows):
        n = first + k * step_days
        train = y.head(n)
        days = list(y.dates[n : n + horizon_days])
        actual = y.values[n : n + horizon_days]
        for spec in specs:
            fast = getattr(spec, "selection_fit", None) if selection else None
            fitted = fast(train, previous.get(spec.name)) if fast else spec.fit(train)
            previous[spec.name] = fitted
            fc = fitted.forecast(days, n_paths=n_paths, rng=rng)
            df = fc.to_frame()
            open_ = fc.open.ravel()
            df.insert(1, "cutoff", pd.Timestamp(y.dates[n - 1]))
            df["model"] = spec.name
            df["horizon_day"] = np.repeat(np.arange(1, len(days) + 1), len(y.slots))[open_]
            df["y"] = actual.ravel()[open_]
            df["scale"] = scale[n]
            frames.append(df)
            done += 1
            if progress is not None:
                progress(done, total)
    out = pd.concat(frames, ignore_index=True)
    cols = ["channel", "model", "cutoff", "timestamp", "horizon_day", "y", "volume"]
    rest = [c for c in out.columns if c not in cols]
    return out[cols + rest]


def accuracy(cv: pd.DataFrame, *, by: Sequence[str] = ("channel", "model")) -> pd.DataFrame:
    """Accuracy per channel and model from a :func:`backtest` frame.

    Returns columns ``by + [mase, wape, daily_wape, coverage_80, coverage_95, windows,
    intervals]``, in the order the models first appear.
    """
    keys = list(by)
    err = (cv["y"] - cv["volume"]).abs()
    d = cv.assign(
        _se=err / cv["scale"],
        _ae=err,
        _in80=(cv["y"] >= cv["lower_80"]) & (cv["y"] <= cv["upper_80"]),
        _in95=(cv["y"] >= cv["lower_95"]) & (cv["y"] <= cv["upper_95"]),
        _day=cv["timestamp"].dt.normalize(),
    )
    g = d.groupby(keys, sort=False)
    out = pd.DataFrame(
        {
            "mase": g["_se"].mean(),
            "wape": g["_ae"].sum() / g["y"].sum(),
            "coverage_80": g["_in80"].mean(),
            "coverage_95": g["_in95"].mean(),
            "windows": g["cutoff"].nunique(),
            "intervals": g.size(),
        }
    )
    daily = d.groupby([*keys, "cutoff", "_day"], sort=False)[["y", "volume"]].sum()
    daily["_ae"] = (daily["y"] - daily["volume"]).abs()
    dg = daily.groupby(level=keys, sort=False)
    out.insert(2, "daily_wape", dg["_ae"].sum() / dg["y"].sum())
    return out.reset_index()
