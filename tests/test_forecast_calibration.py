"""Interval bounds of whole-count forecasts (continuity-corrected quantiles) and the
model ``auto`` forecasts with (its default unless another is significantly better)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from forecasting.base import SeriesForecast, count_quantile
from forecasting.models import choose, daily_scaled_errors


def test_count_quantile_spreads_each_count_over_its_unit_interval():
    # 2, 3, 3, 3, 5: the 0.3 quantile is mass position 1.5 of 5 paths, inside the
    # three 3s (positions 1-4): 2.5 + (1.5 - 1) / 3
    p = np.array([2.0, 3.0, 3.0, 3.0, 5.0])[:, None]
    assert count_quantile(p, 0.1)[0] == pytest.approx(2.0)  # 1.5 + 0.5 / 1
    assert count_quantile(p, 0.3)[0] == pytest.approx(2.5 + 0.5 / 3)
    assert count_quantile(p, 0.5)[0] == pytest.approx(3.0)  # 2.5 + 1.5 / 3
    assert count_quantile(p, 0.9)[0] == pytest.approx(5.0)  # 4.5 + 0.5 / 1
    q = np.array([0.0] * 5 + [1.0] * 4 + [2.0])[:, None]  # five 0s, four 1s, one 2
    assert count_quantile(q, 0.7)[0] == pytest.approx(1.0)  # 0.5 + (7 - 5) / 4
    assert count_quantile(q, 0.9)[0] == pytest.approx(1.5)  # 1.5 + (9 - 9) / 1
    assert count_quantile(q, 0.1)[0] == 0.0  # -0.5 + 1 / 5, kept within the paths' range
    assert count_quantile(q, 1.0)[0] == 2.0  # 1.5 + 1 / 1, within the range
    assert count_quantile(np.zeros((4, 3)), 0.9).tolist() == [0.0, 0.0, 0.0]


def _forecast(paths: np.ndarray) -> SeriesForecast:
    cells = paths.shape[1]
    return SeriesForecast(
        (dt.date(2024, 1, 1),),
        tuple(range(cells)),
        paths.mean(axis=0)[None],
        paths[:, None, :],
        np.ones((1, cells), dtype=bool),
        "test",
    )


def test_interval_corrects_whole_counts_only():
    counts = np.array([[2.0], [3.0], [3.0], [3.0], [5.0]])
    lo, hi = _forecast(counts).interval(80)
    assert (lo[0, 0], hi[0, 0]) == pytest.approx((2.0, 5.0))
    lo, hi = _forecast(counts + 0.25).interval(80)  # not counts: numpy's quantiles
    np.testing.assert_allclose([lo[0, 0], hi[0, 0]], np.quantile(counts + 0.25, [0.1, 0.9]))


def _exact_coverage(lam: np.ndarray, level: float, corrected: bool) -> float:
    """Mean probability that Poisson(lam) lies in the central ``level`` interval of
    its own exact distribution (plain or continuity-corrected quantiles)."""
    a = (1 - level) / 2
    if corrected:
        q = []
        for p in (a, 1 - a):
            k = poisson.ppf(p, lam)
            q.append(k - 0.5 + (p - poisson.cdf(k - 1, lam)) / poisson.pmf(k, lam))
        lo, hi = np.ceil(q[0]), np.floor(q[1])
    else:
        lo, hi = poisson.ppf(a, lam), poisson.ppf(1 - a, lam)
    return float(np.mean(poisson.cdf(hi, lam) - poisson.cdf(lo - 1, lam)))


def test_intervals_of_poisson_counts_cover_at_the_nominal_rate():
    """A correct Poisson forecast (paths and actuals drawn from the same means, 0.5 to
    60 per interval as from night to the peak of a day): the corrected 80% intervals
    cover 80.4% on average (exact: ``_exact_coverage``), the plain quantiles 83.8%.
    20 000 actuals against bounds from 2 000 paths: sd 0.003 (measured over 30 seeds);
    bands of about 5 sd."""
    rng = np.random.default_rng(5)
    lam = np.linspace(0.5, 60.0, 200)
    assert _exact_coverage(lam, 0.8, True) == pytest.approx(0.8036, abs=5e-4)
    assert _exact_coverage(lam, 0.8, False) == pytest.approx(0.8379, abs=5e-4)
    f = _forecast(rng.poisson(lam, size=(2000, lam.size)).astype(float))
    y = rng.poisson(lam, size=(100, lam.size))
    lo, hi = f.interval(80)
    inside = float(((y >= lo[0]) & (y <= hi[0])).mean())
    assert 0.8036 - 0.016 <= inside <= 0.8036 + 0.016
    plain_lo, plain_hi = np.quantile(f.paths[:, 0], [0.1, 0.9], axis=0)
    assert float(((y >= plain_lo) & (y <= plain_hi)).mean()) >= 0.8379 - 0.016


def _cv(daily: dict[str, list[float]]) -> pd.DataFrame:
    """A backtest frame of one interval per day whose scaled error is ``daily[m][d]``
    (scale 2, actual 10, forecast 10 + 2 x error)."""
    rows = []
    for m, errs in daily.items():
        for d, e in enumerate(errs):
            t = pd.Timestamp("2024-01-01") + pd.Timedelta(days=d)
            rows.append(
                dict(
                    channel="voice",
                    model=m,
                    cutoff=t,
                    timestamp=t + pd.Timedelta(hours=12),
                    y=10.0,
                    volume=10.0 + 2 * e,
                    scale=2.0,
                    lower_80=0.0,
                    upper_80=30.0,
                    lower_95=0.0,
                    upper_95=40.0,
                )
            )
    return pd.DataFrame(rows)


def test_choose_keeps_the_default_unless_another_is_significantly_better():
    base = [1.0, 1.2, 0.8, 1.1, 0.9]
    better = [0.5, 0.8, 0.3, 0.6, 0.45]  # below a on every day: t = -23.5, p = 1e-5
    cv = _cv({"a": base, "b": better})
    np.testing.assert_allclose(daily_scaled_errors(cv)["b"], better)
    assert choose(cv, "a") == "b"
    # b better on average (by 0.1) but worse on two of five days: differences -1.0,
    # +0.6, -0.6, +0.7, -0.2, t = -0.30 (4 df), one-sided p = 0.39
    diff = [-1.0, 0.6, -0.6, 0.7, -0.2]
    noisy = _cv({"a": base, "b": [e + d for e, d in zip(base, diff, strict=True)]})
    assert choose(noisy, "a") == "a"
    assert choose(noisy, None) == "b"  # the lowest MASE
    assert choose(noisy, "a", p=0.5) == "b"
    assert choose(noisy, "zzz") == "b"  # a default not among the candidates: lowest MASE
    same = _cv({"a": base, "b": base})  # identical errors: no test, the default
    assert choose(same, "a") == "a"


def test_interval_corrects_each_whole_count_cell():
    """Whole counts are corrected interval by interval: a cell of whole counts next to
    a cell that is not (a reforecast's updated day before the model's next day) gets
    the corrected bounds (2, 5), the other numpy's quantiles."""
    counts = np.array([2.0, 3.0, 3.0, 3.0, 5.0])
    paths = np.stack([counts, counts + 0.25], axis=1)
    lo, hi = _forecast(paths).interval(80)
    assert (lo[0, 0], hi[0, 0]) == pytest.approx((2.0, 5.0))
    np.testing.assert_allclose([lo[0, 1], hi[0, 1]], np.quantile(counts + 0.25, [0.1, 0.9]))


def test_reforecast_next_day_intervals_are_corrected_as_the_day_ahead():
    """A two-day reforecast: the updated rest of today has scaled (fractional) paths,
    tomorrow the model's whole counts; tomorrow's bounds are their corrected quantiles."""
    import forecasting as fc

    from .test_intraday import random_level_history

    hist = random_level_history(days=30)
    day = hist.matrix().dates[-1]
    series, _ = fc.reforecast_series(
        hist, f"{day} 12:00", horizon_days=2, n_paths=100, calibration_days=5
    )
    (f,) = series.values()
    tomorrow = f.paths[:, 1]
    assert np.array_equal(tomorrow, np.round(tomorrow)) and f.open[1].any()
    lo, hi = f.interval(80)
    np.testing.assert_allclose(lo[1], count_quantile(tomorrow, 0.1))
    np.testing.assert_allclose(hi[1], count_quantile(tomorrow, 0.9))
