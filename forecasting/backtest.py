"""Rolling-origin backtests and accuracy tables (the statsforecast ``cross_validation`` shape).

Models by name or specification. :func:`backtest` refits every model at each cutoff on
the history up to it and forecasts the next ``horizon_days`` open days; it returns one
tidy row per model, cutoff and open interval, with a ``cutoff`` column.
:func:`accuracy` turns that into one row per channel and model (``mase``, ``wape``,
``daily_wape``, ``coverage_80``, ``coverage_95``: defined in :mod:`forecasting.scoring`,
where the arithmetic lives; :func:`accuracy` and :func:`seasonal_naive_scale` are
importable from here too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from .history import DayMatrix, History
from .models import ForecastModel, get_model
from .scoring import Progress, accuracy, rolling_origin, seasonal_naive_scale

__all__ = ["accuracy", "backtest", "backtest_matrix", "seasonal_naive_scale"]


def _resolve(models: Iterable[str | ForecastModel]) -> list[ForecastModel]:
    return [get_model(m) if isinstance(m, str) else m for m in models]


def backtest_matrix(
    y: DayMatrix,
    models: Sequence[str | ForecastModel],
    *,
    horizon_days: int = 1,
    step_days: int = 1,
    n_windows: int = 10,
    n_paths: int = 200,
    seed: int = 0,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest of one channel (see :func:`backtest`)."""
    return rolling_origin(
        y,
        _resolve(models),
        horizon_days=horizon_days,
        step_days=step_days,
        n_windows=n_windows,
        n_paths=n_paths,
        seed=seed,
        progress=progress,
    )


def backtest(
    history: History,
    models: Sequence[str | ForecastModel] = ("snaive_week", "topdown", "mstl", "dow_ssm"),
    *,
    horizon_days: int = 1,
    step_days: int = 1,
    n_windows: int = 10,
    channels: Sequence[str] | None = None,
    n_paths: int = 200,
    seed: int = 0,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest: refit at each cutoff, forecast the next open days.

    Parameters
    ----------
    history : a cleaned :class:`~forecasting.history.History`.
    models : model names (see ``forecasting.MODELS``) or specifications.
    horizon_days : open days forecast from each cutoff.
    step_days : open days between consecutive cutoffs.
    n_windows : number of cutoffs; the last window ends on the last day of history.
    channels : channels to backtest (default all).
    n_paths : sample paths per forecast (prediction intervals).
    seed : seed of the sample paths.

    Returns
    -------
    pandas.DataFrame
        One row per channel, model, cutoff and open interval: ``channel, model, cutoff,
        timestamp, horizon_day, y, volume, lower_80, upper_80, lower_95, upper_95,
        scale`` (``cutoff`` = last training day, ``y`` = actual, ``volume`` = forecast
        mean, ``scale`` = the cutoff's in-sample weekly seasonal-naive MAE).
    """
    chans = list(channels) if channels else list(history.channels)
    frames = [
        backtest_matrix(
            history.matrix(c),
            models,
            horizon_days=horizon_days,
            step_days=step_days,
            n_windows=n_windows,
            n_paths=n_paths,
            seed=seed,
            progress=progress,
        )
        for c in chans
    ]
    return pd.concat(frames, ignore_index=True)
