"""Models (spec -> fit -> results), backtests and their accuracy on real data."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

import forecasting as fc
from forecasting import HistoryError

from .forecast_helpers import US_BANK, needs_us_bank, synthetic_history

SPECS = [
    fc.SeasonalNaive(season="week"),
    fc.SeasonalNaive(season="day"),
    fc.TopDown(),
    fc.MSTLForecaster(window_weeks=3),
    fc.DayOfWeekStateSpace(),
]


@pytest.fixture(scope="module")
def synthetic() -> fc.History:
    return fc.read_history(synthetic_history(weeks=6, seed=3))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_model_forecasts_open_intervals_with_ordered_intervals(spec, synthetic):
    y = synthetic.matrix("voice")
    days = synthetic.calendar.next_open_days(y.dates[-1], 3)
    f = spec.fit(y).forecast(days, n_paths=300, rng=np.random.default_rng(1))
    df = f.to_frame()
    assert len(df) == 3 * 56  # 07:00-21:00 in 15 minutes, weekdays only
    assert set(df["timestamp"].dt.day_of_week) <= {0, 1, 2, 3, 4}
    assert (df["lower_95"] <= df["lower_80"]).all() and (df["lower_80"] <= df["upper_80"]).all()
    assert (df["upper_80"] <= df["upper_95"]).all() and (df["lower_95"] >= 0).all()
    # Mondays are 30% busier in the synthetic data: every model except the daily
    # naive sees that from the weekly pattern
    daily = df.groupby(df["timestamp"].dt.day_of_week)["volume"].sum()
    if spec.name != "snaive_day":
        assert daily[0] > 1.15 * daily[1]


def test_specs_are_frozen_and_validate_options():
    with pytest.raises(dataclasses.FrozenInstanceError):
        fc.TopDown().seasonal = "add"  # type: ignore[misc]
    with pytest.raises(ValueError, match="season: must be 'week' or 'day'"):
        fc.SeasonalNaive(season="month")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="damped: needs trend='add'"):
        fc.TopDown(damped=True)
    with pytest.raises(ValueError, match="profile_decay"):
        fc.DayOfWeekStateSpace(profile_decay=1.5)
    with pytest.raises(HistoryError, match="unknown model 'prophet'"):
        fc.get_model("prophet")


def test_short_history_weekly_model_error_and_auto_fallback():
    h = fc.read_history(synthetic_history(weeks=1))
    y = h.matrix("voice")
    with pytest.raises(HistoryError, match="topdown needs at least 2 weeks"):
        fc.TopDown().fit(y)
    res = fc.Auto().fit(y)
    assert res.chosen == "snaive_day (short history)"  # type: ignore[attr-defined]
    out = fc.forecast(h, model="auto", horizon_days=1, n_paths=50)
    assert len(out) == 56 and out["model"].iloc[0] == "auto:snaive_day"
    assert (out["volume"] > 0).all()


def test_intervals_cover_poisson_truth(synthetic):
    """On Poisson data with a stable pattern the 80% intervals of dow_ssm cover about
    80% of the actual volumes."""
    cv = fc.backtest(synthetic, ["dow_ssm"], horizon_days=1, n_windows=5, n_paths=300)
    acc = fc.accuracy(cv).iloc[0]
    assert 0.70 <= acc["coverage_80"] <= 0.92
    assert acc["coverage_95"] >= 0.88
    assert list(cv.columns[:7]) == [
        "channel",
        "model",
        "cutoff",
        "timestamp",
        "horizon_day",
        "y",
        "volume",
    ]
    assert cv["cutoff"].nunique() == 5 and (cv["timestamp"] > cv["cutoff"]).all()


def test_auto_chooses_by_backtest(synthetic):
    res = fc.Auto(
        candidates=(fc.SeasonalNaive(season="day"), fc.DayOfWeekStateSpace()), windows=4
    ).fit(synthetic.matrix("voice"))
    # the daily naive cannot know Monday is busier; the state-space model can
    assert res.chosen == "dow_ssm"  # type: ignore[attr-defined]
    assert set(res.scores["model"]) == {"snaive_day", "dow_ssm"}  # type: ignore[attr-defined]


def test_fast_selection_matches_full_refit():
    """Auto's fast backtest (selection_fit: MSTL with interpolated STL trend smoothing,
    the state-space model warm-started from the previous cutoff) picks the model the
    full refit at every cutoff picks, with the same scores: MASE within 0.002 (it
    moves by ~5e-4 on the real histories), coverage within 0.05 (Monte-Carlo noise:
    the sample paths share one random stream, so a changed mean shifts later draws),
    and the chosen model's forecast identical (it is refitted in full either way)."""
    y = fc.read_history(synthetic_history(weeks=7, seed=11)).matrix("voice")
    candidates = (
        fc.SeasonalNaive(season="week"),
        fc.TopDown(),
        fc.MSTLForecaster(window_weeks=3),
        fc.DayOfWeekStateSpace(),
    )
    fast = fc.Auto(candidates=candidates).fit(y)
    full = fc.Auto(candidates=candidates, fast=False).fit(y)
    assert fast.chosen == full.chosen  # type: ignore[attr-defined]
    a = fast.scores.set_index("model")  # type: ignore[attr-defined]
    b = full.scores.set_index("model").loc[a.index]  # type: ignore[attr-defined]
    assert list(a.index) == [m.name for m in candidates]
    np.testing.assert_allclose(a["mase"], b["mase"], atol=0.002)
    np.testing.assert_allclose(a["daily_wape"], b["daily_wape"], atol=0.002)
    for c in ("coverage_80", "coverage_95"):
        np.testing.assert_allclose(a[c], b[c], atol=0.05)
    days = [y.dates[-1] + dt.timedelta(days=k) for k in range(1, 8)]
    days = [d for d in days if d.weekday() < 5]
    f1 = fast.forecast(days, n_paths=50, rng=np.random.default_rng(1))
    f2 = full.forecast(days, n_paths=50, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(f1.mean, f2.mean)
    np.testing.assert_array_equal(f1.paths, f2.paths)


def test_selection_fit_warm_start_reaches_the_same_optimum(synthetic):
    y = synthetic.matrix("voice")
    spec = fc.DayOfWeekStateSpace()
    prev = spec.fit(y.head(len(y.dates) - 1))
    warm, cold = spec.selection_fit(y, prev), spec.fit(y)
    np.testing.assert_allclose(warm.results.params, cold.results.params, rtol=0.02, atol=1e-4)
    days = [y.dates[-1] + dt.timedelta(days=k) for k in range(1, 4)]
    days = [d for d in days if d.weekday() < 5]
    np.testing.assert_allclose(
        warm.forecast(days, n_paths=20).mean, cold.forecast(days, n_paths=20).mean, rtol=1e-3
    )


def test_scale_is_in_sample_weekly_naive_mae(synthetic):
    y = synthetic.matrix("voice")
    scale = fc.seasonal_naive_scale(y)
    n = 12  # days 5..11 have a same-weekday predecessor
    manual = np.abs(y.values[5:n] - y.values[0 : n - 5]).mean()
    assert scale[n] == pytest.approx(manual)


@pytest.fixture(scope="module")
def us_bank() -> fc.History:
    return fc.read_history(
        US_BANK,
        columns={"timestamp": "datetime", "volume": "calls", "channel": None},
        interval_minutes=15,
    )


@needs_us_bank
@pytest.mark.slow
def test_us_bank_one_day_backtest_beats_seasonal_naive(us_bank):
    """Last 10 weekdays, 1-day horizon (the benchmark runs the full 8 weeks): dow_ssm
    is below the 0.84 target and well below the weekly seasonal naive; its 80%
    intervals cover 65-90% (10 windows are a noisy estimate)."""
    cv = fc.backtest(us_bank, ["snaive_week", "dow_ssm"], horizon_days=1, n_windows=10)
    acc = fc.accuracy(cv).set_index("model")
    assert acc.loc["snaive_week", "mase"] > 1.0
    assert acc.loc["dow_ssm", "mase"] < 0.84
    assert acc.loc["dow_ssm", "mase"] < 0.8 * acc.loc["snaive_week", "mase"]
    assert acc.loc["dow_ssm", "daily_wape"] < 0.07
    assert 0.65 <= acc.loc["dow_ssm", "coverage_80"] <= 0.90
    assert acc.loc["dow_ssm", "coverage_95"] >= 0.85


@needs_us_bank
def test_us_bank_forecast_follows_calendar(us_bank):
    out = fc.forecast(us_bank, model="dow_ssm", horizon_days=5)
    days = sorted(set(out["timestamp"].dt.date))
    assert days == [dt.date(2003, 10, d) for d in (27, 28, 29, 30, 31)]
    assert out["timestamp"].dt.hour.min() == 7 and len(out) == 5 * 57
    daily = out.groupby(out["timestamp"].dt.date)["volume"].sum()
    assert 28_000 < daily.mean() < 37_000  # the daily mean is 32,461
    assert daily.iloc[0] == daily.max()  # Mondays are the busiest day
