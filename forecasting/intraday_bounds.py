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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import poisson

from .history import HistoryError

__all__ = ["poisson_mad", "rest_of_day_bounds"]

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
