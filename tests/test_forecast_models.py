"""Models (spec -> fit -> results), backtests and their accuracy on real data."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
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
    with pytest.raises(ValueError, match=r"switch_p: must be in \(0, 1\], got 0"):
        fc.Auto(switch_p=0)


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
    # with the daily naive as the default, dow_ssm's errors are lower on every one of
    # 8 days (one-sided paired p = 0.011): it switches at 5%, not at a level of 1e-6
    pair = (fc.SeasonalNaive(season="day"), fc.DayOfWeekStateSpace())
    y = synthetic.matrix("voice")
    switch = fc.Auto(candidates=pair, windows=8, default="snaive_day").fit(y)
    assert switch.chosen == "dow_ssm"  # type: ignore[attr-defined]
    stay = fc.Auto(candidates=pair, windows=8, default="snaive_day", switch_p=1e-6).fit(y)
    assert stay.chosen == "snaive_day"  # type: ignore[attr-defined]


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


@pytest.mark.parametrize(
    "spec",
    [fc.DayOfWeekStateSpace(), fc.CalendarStateSpace(), fc.DriftingStateSpace()],
    ids=lambda s: s.name,
)
def test_selection_fit_warm_start_reaches_the_same_optimum(synthetic, spec):
    y = synthetic.matrix("voice")
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


# -- cal_ssm: daily totals with calendar effects x chosen profiles ---------------------------
def _weekday_profile_history(
    *,
    weeks: int,
    seed: int,
    month_lift: float = 1.0,
    friday_step: tuple[int, float] | None = None,
    month_lifts: tuple[float, ...] = (),
    special: dict[dt.date, float] | None = None,
) -> tuple[fc.History, dict[int, float], np.ndarray]:
    """A pure weekday x profile Poisson process (weekdays 07:00-21:00, 15 min):
    expected daily total by weekday (x ``month_lift`` on the first weekday of a
    month; x ``month_lifts[k]`` on its (k + 1)-th weekday; ``friday_step = (week,
    total)``: Fridays' total from that week on), the same intraday shape every day;
    ``special``: days whose total is the usual x the factor, spread evenly over the
    day. Returns the history, the totals (the last week's) and the profile (shares)."""
    rng = np.random.default_rng(seed)
    totals = {0: 1300.0, 1: 1000.0, 2: 950.0, 3: 1000.0, 4: 1100.0}
    slots = np.arange(7 * 60, 21 * 60, 15)
    shape = np.sin(np.pi * (slots - slots[0] + 7.5) / (slots[-1] - slots[0] + 15)) + 0.2
    prof = shape / shape.sum()
    rows = []
    start = dt.date(2024, 1, 1)
    prev_month = None
    nth = 0
    for k in range(weeks * 7):
        d = start + dt.timedelta(days=k)
        if d.weekday() > 4:
            continue
        lift = month_lift if d.month != prev_month else 1.0
        nth = 0 if d.month != prev_month else nth + 1
        lift *= month_lifts[nth] if nth < len(month_lifts) else 1.0
        prev_month = d.month
        if friday_step is not None and k // 7 == friday_step[0]:
            totals = {**totals, 4: friday_step[1]}
        shape_d = prof
        if special and d in special:
            lift *= special[d]
            shape_d = np.full(len(prof), 1.0 / len(prof))
        counts = rng.poisson(totals[d.weekday()] * lift * shape_d)
        for s, c in zip(slots, counts, strict=True):
            rows.append((dt.datetime.combine(d, dt.time()) + dt.timedelta(minutes=int(s)), c))
    df = pd.DataFrame(rows, columns=["timestamp", "volume"]).assign(channel="voice")
    return fc.read_history(df), totals, prof


def test_cal_ssm_recovers_a_weekday_x_profile_poisson_mean():
    """On a pure weekday x profile Poisson process the daily model has nothing to
    track: the daily total is the true mean within 4% (the level from ~12 weeks of
    ~1,000 calls a day: sd ~1-2%), each interval within its profile-noise band, and
    the intervals' mean absolute error under 6% of the volume."""
    h, totals, prof = _weekday_profile_history(weeks=12, seed=4)
    y = h.matrix("voice")
    days = h.calendar.next_open_days(y.dates[-1], 5)
    f = fc.CalendarStateSpace().fit(y).forecast(days, n_paths=200)
    for i, d in enumerate(days):
        truth = totals[d.weekday()] * prof
        assert f.mean[i].sum() == pytest.approx(truth.sum(), rel=0.04)
        # each interval: 4 sd of a profile averaged over >= 5 same weekdays (decay
        # >= 0.7: Poisson sd sqrt(truth / 5)) + the level's 4%
        assert (np.abs(f.mean[i] - truth) <= 4 * np.sqrt(truth / 5) + 0.04 * truth).all()
    truth_all = np.array([totals[d.weekday()] * prof for d in days])
    assert np.abs(f.mean - truth_all).sum() / truth_all.sum() < 0.06


def test_cal_ssm_intervals_cover_at_the_nominal_rate():
    """Backtest on the Poisson process: the 80% intervals cover 80% of 10 days x 56
    intervals within a binomial band (+- 4 sd of a binomial share with 560 trials,
    widened for the days' shared level error: 0.72-0.88)."""
    h, _, _ = _weekday_profile_history(weeks=10, seed=8)
    cv = fc.backtest(h, [fc.CalendarStateSpace()], horizon_days=1, n_windows=10, n_paths=300)
    acc = fc.accuracy(cv).iloc[0]
    assert 0.72 <= acc["coverage_80"] <= 0.88
    assert acc["coverage_95"] >= 0.90


def test_month_start_effect_is_learned_where_present_and_dropped_where_not():
    """The significance-tested first-open-day regressor (cal_ssm's before month_days),
    its coefficient fitted by maximum likelihood."""
    lifted, _, _ = _weekday_profile_history(weeks=22, seed=2, month_lift=1.4)
    plain, _, _ = _weekday_profile_history(weeks=22, seed=2)
    y = lifted.matrix("voice")
    spec = fc.CalendarStateSpace(month_start=True, month_days=0, regression_states=False)
    res = spec.fit(y)
    assert res.month
    # the first weekday of a month is 40% busier: the model's multiplier (log scale)
    assert float(np.exp(np.asarray(res.results.params)[-1])) == pytest.approx(1.4, rel=0.08)
    first = dt.date(2024, 6, 3)  # Monday, first weekday of June (history ends in May)
    assert y.dates[-1] < first
    days = lifted.calendar.next_open_days(y.dates[-1], 10)
    f = res.forecast(days, n_paths=50)
    by_day = dict(zip(days, f.mean.sum(axis=1), strict=True))
    assert by_day[first] / by_day[first + dt.timedelta(days=7)] == pytest.approx(1.4, rel=0.1)
    assert not spec.fit(plain.matrix("voice")).month
    # the same test with the coefficient as a Kalman-filter state (its smoothed z)
    states = fc.CalendarStateSpace(month_start=True, month_days=0)
    assert states.regression_states
    res = states.fit(y)
    assert res.month
    assert float(np.exp(res.results.smoothed_state[-1, -1])) == pytest.approx(1.4, rel=0.08)
    assert not states.fit(plain.matrix("voice")).month


def test_month_days_effects_are_recovered_by_cal_ssm_and_drift_ssm():
    """The first three weekdays of each month 40%, 20% and 10% busier (22 weeks: five
    of each): cal_ssm and drift_ssm (month_days=3, coefficients as filter states, the
    last three of the state vector) recover each multiplier within 6% (one day of
    ~1,000 calls: Poisson sd ~3% of a day's total, over five days ~1.5%, plus the
    level's), and forecast June's first three weekdays that much above the same
    weekdays a week later; no lift: all three multipliers within 6% of 1."""
    lifts = (1.4, 1.2, 1.1)
    lifted, _, _ = _weekday_profile_history(weeks=22, seed=2, month_lifts=lifts)
    plain, _, _ = _weekday_profile_history(weeks=22, seed=2)
    y = lifted.matrix("voice")
    first = dt.date(2024, 6, 3)  # Monday, first weekday of June (history ends in May)
    assert y.dates[-1] < first
    days = lifted.calendar.next_open_days(y.dates[-1], 15)
    for spec in (fc.CalendarStateSpace(), fc.DriftingStateSpace()):
        assert spec.month_days == 3 and spec.regression_states
        res = spec.fit(y)
        assert res.month_days == 3
        coef = np.exp(res.results.smoothed_state[-3:, -1])
        np.testing.assert_allclose(coef, lifts, rtol=0.06)
        by_day = dict(zip(days, res.forecast(days, n_paths=20).mean.sum(axis=1), strict=True))
        for k, lift in enumerate(lifts):
            d = first + dt.timedelta(days=k)
            assert by_day[d] / by_day[d + dt.timedelta(days=7)] == pytest.approx(lift, rel=0.08)
        flat = spec.fit(plain.matrix("voice"))
        np.testing.assert_allclose(np.exp(flat.results.smoothed_state[-3:, -1]), 1.0, atol=0.06)
    # with month_start (tested, the last state) the month days cover the 2nd and 3rd
    res = fc.CalendarStateSpace(month_start=True).fit(y)
    assert res.month and res.month_days == 3
    coef = np.exp(res.results.smoothed_state[-3:, -1])  # 2nd, 3rd, then the 1st day
    np.testing.assert_allclose(coef, (1.2, 1.1, 1.4), rtol=0.06)


def test_open_day_of_month_counts_open_days_not_known_closed():
    from forecasting.models import month_days, open_day_of_month

    h = fc.read_history(synthetic_history(weeks=8, start="2024-01-29"))
    y = h.matrix("voice")
    # Mon-Fri: Feb 1 (Thu) is the 1st, Feb 2 (Fri) the 2nd, Feb 5 (Mon) the 3rd;
    # June 2024 starts on a Saturday: Mon 3 is the 1st, Tue 4 the 2nd
    days = [dt.date(2024, 2, d) for d in (1, 2, 5)] + [dt.date(2024, 6, 3), dt.date(2024, 6, 4)]
    assert list(open_day_of_month(y, days)) == [1, 2, 3, 1, 2]
    np.testing.assert_array_equal(month_days(y, days, 2), [[1, 0], [0, 1], [0, 0], [1, 0], [0, 1]])
    # a closure the history knows is not counted: Feb 1 closed, Feb 2 becomes the 1st
    cal = dataclasses.replace(y.calendar, closed_days=(dt.date(2024, 2, 1),))
    closed = dataclasses.replace(y, calendar=cal)
    assert list(open_day_of_month(closed, days[1:3])) == [1, 2]


def test_month_days_without_enough_training_days_get_no_regressor():
    """Two weeks from Jan 29: the 1st-3rd open days of February are seen once each
    (below MONTH_DAYS_MIN_SEEN = 2), so cal_ssm fits no month-day effect."""
    y = fc.read_history(synthetic_history(weeks=2, start="2024-01-29")).matrix("voice")
    res = fc.CalendarStateSpace().fit(y)
    assert res.month_days == 0
    with pytest.raises(ValueError, match="month_days"):
        fc.DriftingStateSpace(month_days=-1)


def test_month_start_marks_the_first_open_day_of_each_month():
    from forecasting.models import month_start

    y = fc.read_history(synthetic_history(weeks=8, start="2024-01-29")).matrix("voice")
    days = [dt.date(2024, 2, 1), dt.date(2024, 2, 2), dt.date(2024, 3, 1), dt.date(2024, 3, 4)]
    # Feb 1 is a Thursday (first), Mar 1 a Friday (first), Mar 4 a Monday (not)
    assert list(month_start(y, days)) == [1.0, 0.0, 1.0, 0.0]
    # a month starting on a Saturday: the Monday is its first open day
    assert month_start(y, [dt.date(2024, 6, 3)])[0] == 1.0


def test_profile_decay_is_chosen_on_training_days():
    from forecasting.models import choose_profile_decay

    # a profile that shifts abruptly half way: recent days predict best, so the
    # fastest decay of the grid wins; on a stable profile the equal weights win
    h, _, prof = _weekday_profile_history(weeks=12, seed=5)
    y = h.matrix("voice")
    assert choose_profile_decay(y, (0.5, 1.0)) == 1.0
    shifted = y.values.copy()
    half = len(y.dates) // 2
    shifted[half:] = np.roll(shifted[half:], 12, axis=1)  # 3 hours later
    y2 = dataclasses.replace(y, values=shifted)
    assert choose_profile_decay(y2, (0.5, 1.0)) == 0.5


# -- drift_ssm: drifting day-of-week effects -------------------------------------------------
def test_drift_ssm_follows_a_weekday_level_step_that_fixed_effects_average():
    """Fridays' expected total steps from 1,100 to 1,650 calls after 8 of 14 weeks
    (the other weekdays stay). drift_ssm's Friday effect is a random walk, so its
    Friday forecast reaches the new level (within 6%: 6 weeks of ~1,650 calls, the
    Kalman gain leaves a small lag); the other weekdays stay within 8% of their
    totals (each weekday's effect rests on its last few weeks only: sd ~3-4%). The
    fixed-dummy model averages old and new Fridays: its weekday effect is about the
    mean log ratio, exp((8 ln 1.1 + 6 ln 1.65) / 14) x 1,000 = 1,310
    calls (each weekday's log ratio against the common level of ~1,000), well below
    the new 1,650."""
    h, totals, prof = _weekday_profile_history(weeks=14, seed=6, friday_step=(8, 1650.0))
    y = h.matrix("voice")
    days = h.calendar.next_open_days(y.dates[-1], 5)
    drift = fc.DriftingStateSpace().fit(y).forecast(days, n_paths=50).mean.sum(axis=1)
    fixed = fc.DayOfWeekStateSpace().fit(y).forecast(days, n_paths=50).mean.sum(axis=1)
    for i, d in enumerate(days):
        if d.weekday() == 4:
            assert drift[i] == pytest.approx(1650.0, rel=0.06)
            assert fixed[i] == pytest.approx(1310.0, rel=0.06)
        else:
            assert drift[i] == pytest.approx(totals[d.weekday()], rel=0.08)
    assert fc.get_model("drift_ssm") == fc.DriftingStateSpace()


def test_drift_ssm_intervals_cover_at_the_nominal_rate():
    """As for cal_ssm: on the stable weekday x profile Poisson process, the 80%
    intervals of 10 one-day backtests cover 72-88% of the 560 intervals (+- 4 sd of a
    binomial share, widened for the days' shared level error)."""
    h, _, _ = _weekday_profile_history(weeks=10, seed=8)
    cv = fc.backtest(h, [fc.DriftingStateSpace()], horizon_days=1, n_windows=10, n_paths=300)
    acc = fc.accuracy(cv).iloc[0]
    assert 0.72 <= acc["coverage_80"] <= 0.88
    assert acc["coverage_95"] >= 0.90


def test_one_day_ahead_error_is_the_mean_absolute_filter_error_after_burn_in():
    """Predictions 10% above every daily total: the error is 0.1 x the mean total of
    the days after the first two weeks (10 weekdays), contacts per day."""
    import types

    from forecasting.models import one_day_ahead_error

    h, _, _ = _weekday_profile_history(weeks=4, seed=1)
    y = h.matrix("voice")
    tot = y.values.sum(axis=1)  # no closures: one row per open weekday
    res = types.SimpleNamespace(
        results=types.SimpleNamespace(fittedvalues=np.log(tot * 1.1)), log=True
    )
    assert one_day_ahead_error(res, y) == pytest.approx(0.1 * tot[10:].mean())  # type: ignore[arg-type]
    flat = types.SimpleNamespace(results=types.SimpleNamespace(fittedvalues=tot - 5.0), log=False)
    assert one_day_ahead_error(flat, y) == pytest.approx(5.0)  # type: ignore[arg-type]


def test_week_ssm_keeps_the_weekday_form_that_predicted_training_days_better():
    """On the Friday step the drifting effects predict the last 6 weeks' Fridays
    better one day ahead, so week_ssm forecasts with drift_ssm; on a stable weekday
    pattern the fixed effects (cal_ssm) predict as well (the two mean errors agree
    within 0.1%: no significant difference) and stay."""
    stepped, _, _ = _weekday_profile_history(weeks=14, seed=6, friday_step=(8, 1650.0))
    res = fc.WeekdayChoiceStateSpace().fit(stepped.matrix("voice"))
    assert res.chosen == "drift_ssm" and res.errors[1] < res.errors[0]
    stable, _, _ = _weekday_profile_history(weeks=14, seed=6)
    y = stable.matrix("voice")
    res = fc.WeekdayChoiceStateSpace().fit(y)
    assert res.chosen == "cal_ssm"
    assert res.errors[0] == pytest.approx(res.errors[1], rel=1e-3)
    days = stable.calendar.next_open_days(y.dates[-1], 2)
    f = res.forecast(days, n_paths=20, rng=np.random.default_rng(2))
    g = fc.CalendarStateSpace().fit(y).forecast(days, n_paths=20, rng=np.random.default_rng(2))
    assert f.model == "week_ssm"
    np.testing.assert_array_equal(f.mean, g.mean)
    assert fc.Auto().default == "week_ssm"


def test_special_days_are_left_out_of_cal_ssm_and_drift_ssm_training():
    """Six holidays in the last four weeks at 10% of the usual volume, spread evenly
    over the day (a closed bank answering a few calls). Given as special days, they
    are missing observations of the daily model and left out of the profiles: the
    forecast of the next week is the true mean within 4% a day, each interval within
    the profile-noise band of test_cal_ssm_recovers_a_weekday_x_profile_poisson_mean,
    and cal_ssm's fitted day noise (log scale) is below 0.005 (Poisson noise of ~1,000
    calls: 0.001; measured 0.0007). Not given, the holidays pull cal_ssm's level down
    by over 20% (measured 38-65%) and its day noise up (> 0.1; measured 0.39, six
    log(0.1)^2 = 5.3 deviations among 60 days)."""
    start = dt.date(2024, 1, 1)
    special = {start + dt.timedelta(days=k): 0.1 for k in (59, 64, 66, 72, 78, 80)}
    assert all(d.weekday() < 5 for d in special)
    h, totals, prof = _weekday_profile_history(weeks=12, seed=4, special=special)
    marked = fc.with_special_days(h, special)
    assert marked.calendar.special_days == tuple(sorted(special))
    y = marked.matrix("voice")
    assert y.calendar.special_days == marked.calendar.special_days
    days = h.calendar.next_open_days(y.dates[-1], 5)
    truth = np.array([totals[d.weekday()] * prof for d in days])
    for spec in (fc.CalendarStateSpace(), fc.DriftingStateSpace()):
        assert spec.special_days_missing
        res = spec.fit(y)
        f = res.forecast(days, n_paths=50)
        np.testing.assert_allclose(f.mean.sum(axis=1), truth.sum(axis=1), rtol=0.04)
        assert (np.abs(f.mean - truth) <= 4 * np.sqrt(truth / 5) + 0.04 * truth).all()
        if spec.name == "cal_ssm":
            assert float(res.results.params[0]) < 0.005  # sigma2.irregular
    plain = fc.CalendarStateSpace().fit(h.matrix("voice"))
    assert float(plain.results.params[0]) > 0.1
    low = plain.forecast(days, n_paths=50).mean.sum(axis=1)
    assert (low < 0.8 * truth.sum(axis=1)).all()


def test_public_holidays_with_their_eves():
    from forecasting.special_days import public_holidays

    days = public_holidays("IL", dt.date(1999, 9, 1), dt.date(1999, 9, 30))
    # Rosh Hashanah Sep 11-12, Yom Kippur Sep 20, Sukkot Sep 25, and each one's eve
    assert days == tuple(dt.date(1999, 9, d) for d in (10, 11, 12, 19, 20, 24, 25))
    assert public_holidays("IL", dt.date(1999, 9, 1), dt.date(1999, 9, 30), eves=False) == (
        tuple(dt.date(1999, 9, d) for d in (11, 12, 20, 25))
    )
    with pytest.raises(HistoryError, match="country: 'XX'"):
        public_holidays("XX", dt.date(1999, 1, 1), dt.date(1999, 12, 31))
    h = fc.load_anonymous_bank_history(holidays=True)
    assert dt.date(1999, 9, 20) in h.calendar.special_days
    assert h.calendar.special_days[-1] > dt.date(1999, 12, 31)  # the next year's too
    assert fc.load_anonymous_bank_history().calendar.special_days == ()


def test_drifting_predicts_better_only_by_a_significant_paired_difference():
    from forecasting.models import drifting_predicts_better

    fixed = np.array([2.0, 2.0, 2.0, 2.0, np.nan])
    # differences -1, -1, -1, -0.5: mean -0.875, sd 0.25, t = -7 on 3 df (p ~ 0.003)
    assert drifting_predicts_better(fixed, np.array([1.0, 1.0, 1.0, 1.5, 9.0]), 0.05)
    # differences -1, +1, -1, +0.5: mean -0.125, t = -0.24 (p ~ 0.41): not significant
    assert not drifting_predicts_better(fixed, np.array([1.0, 3.0, 1.0, 2.5, 1.0]), 0.05)
    # higher errors, and equal errors (t undefined), never switch
    assert not drifting_predicts_better(fixed, fixed + 1.0, 0.05)
    assert not drifting_predicts_better(fixed, fixed.copy(), 0.05)


@needs_us_bank
@pytest.mark.slow
def test_us_bank_cal_ssm_meets_the_accuracy_target(us_bank):
    """The benchmark's protocol (benchmarks/forecast.py): the last 8 weeks of origins,
    1-day horizon. cal_ssm reaches the issue-14 target (MASE <= 0.75; measured 0.681
    with the first three month days, 0.737 with the first alone, dow_ssm 0.773) with
    80% intervals covering 75-85% (measured 0.773)."""
    cv = fc.backtest(us_bank, ["cal_ssm"], horizon_days=1, n_windows=40)
    acc = fc.accuracy(cv).iloc[0]
    assert acc["mase"] <= 0.70
    assert 0.75 <= acc["coverage_80"] <= 0.85
    assert acc["coverage_95"] >= 0.88


@pytest.mark.slow
def test_anonymous_bank_drift_ssm_backtest_with_month_days_and_holidays():
    """The benchmark's protocol on the shipped Anonymous Bank history (56 one-day
    origins): drift_ssm with the first three month days scores MASE 0.566 (0.578
    without them: ``month_days=0``), 80% coverage 0.845; with Israel's public
    holidays and their eves left out of training (``holidays=True``) 0.548 (the
    issue-14 target is 0.55), coverage 0.836."""
    for holidays, bound in ((False, 0.57), (True, 0.553)):
        history = fc.load_anonymous_bank_history(holidays=holidays)
        cv = fc.backtest(history, ["drift_ssm"], horizon_days=1, n_windows=56)
        acc = fc.accuracy(cv).iloc[0]
        assert acc["mase"] <= bound
        assert 0.80 <= acc["coverage_80"] <= 0.85


def test_with_holidays_covers_a_whole_year_after_the_last_day():
    """FUTURE_YEARS = 1: the days up to a year after the history's last day
    (1999-12-31 -> 2000-12-31) are covered, the eve of 2001's New Year's Day (US)
    included; only a 29 February falls back to the 28th."""
    from forecasting.special_days import with_holidays

    h = fc.load_anonymous_bank_history()
    us = with_holidays(h, "US").calendar.special_days
    assert dt.date(2000, 12, 25) in us and dt.date(2000, 12, 31) in us
    assert us[-1] == dt.date(2000, 12, 31)
