"""How much an intraday reforecast could gain: the bounds of its rest-of-day MASE.

From an :func:`forecasting.intraday_backtest` frame (its ``day_ahead`` rows), per
channel and origin, :func:`rest_of_day_bounds` gives three rest-of-day MASEs:

``day_ahead``
    the morning (day-ahead) forecast's, as :func:`forecasting.accuracy` scores it.
``oracle_level``
    the day-ahead forecast rescaled, day by day, by the true ratio of the rest of the
    day's actual to forecast contacts: the best any level update (one factor on the
    rest of the day, :func:`forecasting.update_day`) could do if it knew the
    afternoon's total; what remains is the day-ahead forecast's shape error.
``poisson_floor``
    the MASE a perfect intensity would still score from the counts' own Poisson noise:
    the mean of ``E|Y - lam| / scale`` over the same intervals, ``Y ~ Poisson(lam)``
    (:func:`poisson_mad`), with ``lam`` each interval's actual count (the only estimate
    of the intensity there is; the mean absolute deviation is close to ``sqrt(2 lam /
    pi)``, concave, so this estimate errs low: the true floor is, if anything, higher).

No reforecast that knows only the morning can beat ``poisson_floor``; a level update
cannot (on average) beat ``oracle_level``.

:func:`hindsight_level` asks what the morning itself says about the rest of the day:
per origin, the correlation across days of the morning's and the rest of the day's log
ratios of actual to day-ahead contacts, and the rest-of-day MASE of the best
rescaling of the form ``a + b x`` (``x`` the morning's ratio) with ``a, b`` chosen on the
scored days themselves, in hindsight: no update linear in the morning's ratio can do
better on those days. (The level update is not quite of that form: it weighs the
latest intervals more, and so can score below it.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import poisson

from .base import ForecastModel
from .history import DayMatrix, HistoryError
from .intraday import DEFAULT_MODEL, day_ahead_records, origin_minutes
from .models import get_model
from .scoring import seasonal_naive_scale

__all__ = ["hindsight_level", "poisson_mad", "rest_of_day_bounds"]

BOUND_COLUMNS = ("day_ahead", "oracle_level", "poisson_floor")
"""The MASE columns of :func:`rest_of_day_bounds`."""


def poisson_mad(lam: np.ndarray | float) -> np.ndarray:
    """``E|Y - lam|`` for ``Y ~ Poisson(lam)`` (contacts), exactly:
    ``2 lam P(Y = floor(lam))`` (the Poisson's mean absolute deviation; 0 at 0)."""
    lam = np.asarray(lam, dtype=float)
    if (lam < 0).any() or not np.isfinite(lam).all():
        raise HistoryError("lam: Poisson means must be finite and >= 0")
    return 2.0 * lam * poisson.pmf(np.floor(lam), lam)


def rest_of_day_bounds(cv: pd.DataFrame, by: Sequence[str] = ("channel", "origin")) -> pd.DataFrame:
    """Rest-of-day MASE of the day-ahead forecast, of the oracle level update and of a
    perfect intensity (Poisson floor) per ``by`` group; see the module docstring.

    ``cv``: an :func:`forecasting.intraday_backtest` frame (only its ``day_ahead`` rows
    are read: ``channel, cutoff, origin, volume, y, scale``). Returns ``by`` plus
    :data:`BOUND_COLUMNS` and ``*_change`` (relative to ``day_ahead``).
    """
    need = {"forecast", "cutoff", "volume", "y", "scale", *by}
    missing = sorted(need - set(cv.columns))
    if missing:
        raise HistoryError(f"cv: missing column(s) {', '.join(missing)} (an intraday backtest)")
    da = cv[cv["forecast"] == "day_ahead"].copy()
    if da.empty:
        raise HistoryError("cv: no day_ahead rows (an intraday backtest)")
    day = [*by, "cutoff"]
    tot = da.groupby(day)[["y", "volume"]].transform("sum")
    ratio = np.divide(tot["y"], tot["volume"], out=np.ones(len(da)), where=tot["volume"] > 0)
    da["_da"] = (da["y"] - da["volume"]).abs() / da["scale"]
    da["_or"] = (da["y"] - ratio * da["volume"]).abs() / da["scale"]
    da["_pf"] = poisson_mad(np.maximum(da["y"].to_numpy(dtype=float), 0.0)) / da["scale"]
    out = (
        da.groupby(list(by))[["_da", "_or", "_pf"]]
        .mean()
        .set_axis(list(BOUND_COLUMNS), axis=1)
        .reset_index()
    )
    for col in BOUND_COLUMNS[1:]:
        out[f"{col}_change"] = out[col] / out["day_ahead"] - 1.0
    return out


HINDSIGHT_COLUMNS = ("day_ahead", "hindsight_level", "oracle_level")
"""The MASE columns of :func:`hindsight_level`."""
MIN_HINDSIGHT_DAYS = 3
"""Fewest scored days :func:`hindsight_level` accepts for an origin."""
LOG_FLOOR = 1e-9
"""Ratios are floored here before their logarithm (a day with no contacts on one side)."""


def hindsight_level(
    y: DayMatrix,
    *,
    model: str | ForecastModel = DEFAULT_MODEL,
    origins: Sequence[str] = ("10:00", "12:00"),
    n_days: int = 40,
) -> pd.DataFrame:
    """How much the morning's total says about the rest of the day, per origin.

    The last ``n_days`` days of ``y`` are forecast day-ahead with ``model`` (each from
    the days before it, as :func:`forecasting.intraday_backtest` does). For each origin
    (clock time ``HH:MM``) and day, ``x`` = morning actual / forecast contacts (open
    intervals before the origin) and ``r`` = the same over the rest of the day.

    Returns one row per origin: ``days`` (days with contacts forecast on both sides),
    ``corr`` (Pearson correlation of ``log x`` and ``log r`` across them), the
    rest-of-day MASEs :data:`HINDSIGHT_COLUMNS` (the day-ahead forecast; rescaled by
    ``a + b x``, ``a, b`` minimising that MASE on these days; rescaled by the true
    ``r``) and their ``*_change`` relative to ``day_ahead``. MASE as
    :func:`forecasting.accuracy`: absolute error over the weekly seasonal-naive scale of
    the days before each day, averaged over the rest-of-day intervals.
    """
    spec = get_model(model) if isinstance(model, str) else model
    cuts = origin_minutes(origins)
    records = day_ahead_records(y, spec, n_days)
    first = len(y.dates) - len(records)
    scale = seasonal_naive_scale(y)[first : first + len(records)]  # of the days before each
    return pd.DataFrame([_hindsight_row(label, cut, records, scale) for label, cut in cuts])


def _rest_mase(factors: np.ndarray, days: Sequence[tuple]) -> float:
    """Rest-of-day MASE of the day-ahead means rescaled by ``factors`` (one a day)."""
    err = [np.abs(a - f * m) / sc for f, (_, _, a, m, sc) in zip(factors, days, strict=True)]
    return float(np.concatenate(err).mean())


def _hindsight_row(label: str, cut: int, records: Sequence, scale: np.ndarray) -> dict:
    """One origin's row of :func:`hindsight_level` (``cut``: minutes after midnight)."""
    days = []
    for rec, sc in zip(records, scale, strict=True):
        rest = rec.slots >= cut
        em, er = rec.mean[~rest].sum(), rec.mean[rest].sum()
        if em <= 0 or er <= 0 or not np.isfinite(sc) or sc <= 0:
            continue
        x = rec.actual[~rest].sum() / em
        r = rec.actual[rest].sum() / er
        days.append((x, r, rec.actual[rest], rec.mean[rest], sc))
    if len(days) < MIN_HINDSIGHT_DAYS:
        raise HistoryError(
            f"origins: {label} leaves fewer than {MIN_HINDSIGHT_DAYS} days with contacts "
            "forecast before and after it"
        )
    xs = np.array([d[0] for d in days])
    rs = np.array([d[1] for d in days])
    flat = _rest_mase(np.ones(len(days)), days)
    best = minimize(
        lambda ab: _rest_mase(np.maximum(ab[0] + ab[1] * xs, 0.0), days),
        x0=np.array([0.0, 1.0]),
        method="Nelder-Mead",
    )
    logs = np.log(np.maximum(np.c_[xs, rs], LOG_FLOOR))
    row: dict = {
        "origin": label,
        "days": len(days),
        "corr": float(np.corrcoef(logs[:, 0], logs[:, 1])[0, 1]),
        "day_ahead": flat,
        "hindsight_level": min(float(best.fun), flat, _rest_mase(xs, days)),
        "oracle_level": _rest_mase(rs, days),
    }
    for col in HINDSIGHT_COLUMNS[1:]:
        row[f"{col}_change"] = row[col] / row["day_ahead"] - 1.0
    return row
