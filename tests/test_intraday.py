"""Intraday reforecast (forecasting.intraday): the level update by hand, on synthetic
Poisson histories with a known level shift, the CLI (--as-of) and the afternoon
scenario, and a few origins on real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecasting as fc
import sim
from forecasting import HistoryError
from forecasting.intraday import (
    DayAhead,
    LevelPrior,
    discounted,
    intraday_backtest,
    partial_day_end,
    update_day,
)

from .cli_helpers import ccsim
from .forecast_helpers import US_BANK, needs_us_bank, synthetic_history
from .helpers import SCENARIOS

SHIFT = 1.5
"""The last day's true level relative to the other days' (synthetic history)."""


def shifted_history(seed: int = 0, until: str | None = None) -> pd.DataFrame:
    """:func:`synthetic_history` (6 weeks) whose last day has SHIFT x the volume
    (Poisson draws at the shifted rate), cut at ``until`` (exclusive) if given."""
    df = synthetic_history(weeks=6, seed=seed)
    last = df["timestamp"].dt.normalize() == df["timestamp"].dt.normalize().max()
    rng = np.random.default_rng(seed + 100)
    # redraw the last day at SHIFT x the generating rate (same shape as the helper)
    slots = np.arange(7 * 60, 21 * 60, 15)
    shape = np.sin(np.pi * (slots - slots[0] + 7.5) / (slots[-1] - slots[0] + 15)) + 0.2
    day = df.loc[last, "timestamp"].iloc[0]
    level = 60 * (1.3 if day.weekday() == 0 else 1.0) * SHIFT
    df.loc[last, "volume"] = rng.poisson(level * shape)
    if until is not None:
        df = df[df["timestamp"] < pd.Timestamp(until)]
    return df.reset_index(drop=True)


def test_level_update_by_hand():
    p = LevelPrior(strength=100.0, level_var=0.04)
    theta, var = p.update(observed=150.0, expected=100.0)
    assert theta == pytest.approx(250 / 200)  # (s + N) / (s + E)
    assert var == pytest.approx((1 - 100 / 200) * 0.04)  # (1 - w) sigma^2
    assert p.weight(300.0) == pytest.approx(0.75)
    # discounting: the latest interval weighs 1, the one before decay, ...
    assert discounted(np.array([1.0, 1.0, 1.0]), 0.5)[-1] == pytest.approx(1.75)
    assert LevelPrior(100.0, 0.0, decay=0.5).weighted(np.array([4.0, 2.0])) == pytest.approx(4.0)
    for bad in ({"strength": 0.0}, {"level_var": -1.0}, {"decay": 1.5}):
        kw = {"strength": 1.0, "level_var": 0.0, **bad}
        with pytest.raises(HistoryError, match=next(iter(bad))):
            LevelPrior(**kw)


def test_update_moves_the_level_toward_the_truth_by_the_documented_amount():
    """Last day 1.5x busier; by 12:00 the morning has shown it: the rest of the day is
    the day-ahead forecast x (s + N) / (s + E), N and E the morning's actual and
    day-ahead volumes, which lies between 1 and the truth."""
    hist = fc.read_history(shifted_history(), interval_minutes=15)
    y = hist.matrix()
    day = y.dates[-1]
    spec = fc.get_model("dow_ssm")
    ahead = spec.fit(y.head(len(y.dates) - 1)).forecast([day], n_paths=200)
    prior = LevelPrior(strength=500.0, level_var=0.01)
    cut = 12 * 60
    rest = update_day(ahead, y.values[-1], cut, prior, np.random.default_rng(0))
    morning = np.asarray(y.slots) < cut
    n, e = y.values[-1][morning].sum(), ahead.mean[0][morning].sum()
    theta = (500 + n) / (500 + e)
    assert 1 < theta < SHIFT * 1.1
    assert abs(theta - SHIFT) < abs(1 - SHIFT) / 2  # ~ 1,600 morning contacts: most of the way
    np.testing.assert_allclose(rest.mean[0][~morning], theta * ahead.mean[0][~morning])
    assert not rest.open[0][morning].any() and rest.open[0][~morning].all()
    # the paths are centred on the updated mean, and their spread is the update's
    lo, hi = rest.interval(80)
    inside = (rest.mean[0] >= lo[0]) & (rest.mean[0] <= hi[0])
    assert inside[~morning].all()
    # the API gives the same rest of the day (the prior given, the model refitted)
    out = fc.reforecast(hist, f"{day} 12:00", prior=prior, n_paths=200)
    assert out["timestamp"].min() == pd.Timestamp(f"{day} 12:00")
    assert len(out) == int((~morning).sum())
    np.testing.assert_allclose(out["volume"], theta * ahead.mean[0][~morning], rtol=1e-9)


def test_a_history_ending_mid_day_is_reforecast_from_where_it_ends():
    df = shifted_history(until=None)
    day = df["timestamp"].dt.normalize().max()
    part = df[df["timestamp"] < day + pd.Timedelta(hours=10, minutes=30)]
    hist = fc.read_history(part, interval_minutes=15)
    assert partial_day_end(hist) == day + pd.Timedelta(hours=10, minutes=30)
    whole = fc.read_history(df, interval_minutes=15)
    assert partial_day_end(whole) is None
    out = fc.reforecast(hist, n_paths=100, calibration_days=5)
    assert out["timestamp"].min() == day + pd.Timedelta(hours=10, minutes=30)
    assert out["model"].iloc[0] == "dow_ssm+intraday"
    # the shrinkage is estimated on the history: its days never moved in level (Poisson
    # around one shape), so the update learned to ignore the morning, busy as it was
    _, priors = fc.reforecast_series(hist, n_paths=100, calibration_days=5)
    assert priors["voice"].strength > 1e5
    ahead = fc.forecast(fc.read_history(df[df["timestamp"] < day]), model="dow_ssm", horizon_days=1)
    later = ahead[ahead["timestamp"] >= out["timestamp"].min()]
    assert out["volume"].sum() == pytest.approx(later["volume"].sum(), rel=0.02)
    with pytest.raises(HistoryError, match="as_of: the history ends with a whole day"):
        fc.reforecast(whole)
    with pytest.raises(HistoryError, match="as_of: .* after the end of the history"):
        fc.reforecast(hist, day + pd.Timedelta(hours=15))
    with pytest.raises(HistoryError, match="as_of: expected"):
        fc.reforecast(hist, "yesterday-ish")


def random_level_history(days: int = 60, seed: int = 3) -> fc.History:
    """Weekdays, 30-min intervals 08:00-18:00, Poisson around a sine shape whose daily
    level is lognormal (sd 0.2) around 40 per interval: each day's level is only
    knowable from its own counts."""
    rng = np.random.default_rng(seed)
    dates = [d for d in pd.date_range("2024-01-01", periods=days * 7 // 5 + 7) if d.weekday() < 5]
    slots = np.arange(8 * 60, 18 * 60, 30)
    shape = np.sin(np.pi * (slots - slots[0] + 15) / 600) + 0.3
    rows = []
    for d in dates[:days]:
        level = 40 * np.exp(rng.normal(0, 0.2))
        counts = rng.poisson(level * shape)
        rows += [(d + pd.Timedelta(minutes=int(s)), c) for s, c in zip(slots, counts, strict=True)]
    df = pd.DataFrame(rows, columns=["timestamp", "volume"])
    return fc.read_history(df)


@pytest.mark.parametrize("update", ["level", "transient"])
def test_backtest_reforecast_beats_the_day_ahead_when_levels_vary(update: str):
    """Day levels independent lognormal (sd 0.2): the day-ahead forecast cannot know
    them, the morning shows them, so the rest-of-day MASE of either update drops well
    below the day-ahead's, and the 80% intervals stay near 80%."""
    y = random_level_history().matrix()
    cv = intraday_backtest(
        y, origins=("11:00", "14:00"), n_days=20, calibration_days=15, update=update
    )
    acc = fc.accuracy(cv, by=("channel", "origin", "forecast")).set_index(["origin", "forecast"])
    for origin in ("11:00", "14:00"):
        ahead, re = acc.loc[(origin, "day_ahead")], acc.loc[(origin, "reforecast")]
        assert re["mase"] < 0.85 * ahead["mase"], (origin, re["mase"], ahead["mase"])
        assert 0.6 <= re["coverage_80"] <= 0.95
    # scored on the same intervals: those from the origin on
    rows = cv.groupby(["origin", "forecast"]).size().unstack()
    assert (rows["day_ahead"] == rows["reforecast"]).all()
    assert rows.loc["11:00", "reforecast"] == 20 * 14 and rows.loc["14:00", "reforecast"] == 20 * 8


def test_fit_prior_recovers_little_shrinkage_when_levels_vary():
    """On days whose level varies a lot (sd 0.3) around a perfect day-ahead shape, the
    least-squares strength is small against a day's volume (the morning is trusted)
    and the level variance is near 0.3^2."""
    rng = np.random.default_rng(1)
    m = np.full(20, 50.0)  # 1,000 contacts a day expected
    records = []
    for _ in range(60):
        theta = np.exp(rng.normal(0, 0.3))
        records.append(DayAhead(m, rng.poisson(theta * m).astype(float), np.arange(20) * 30))
    p = fc.fit_prior(records)
    assert p.strength < 200
    assert p.level_var == pytest.approx(np.exp(0.09) * (np.exp(0.09) - 1), rel=0.4)
    with pytest.raises(HistoryError, match="calibration day"):
        fc.fit_prior(records[:2])


def csv(tmp_path: Path, df: pd.DataFrame) -> Path:
    p = tmp_path / "history.csv"
    df.to_csv(p, index=False, date_format="%Y-%m-%d %H:%M")
    return p


def test_cli_as_of_writes_the_rest_of_the_day_and_an_afternoon_scenario(tmp_path: Path):
    df = shifted_history()
    day = df["timestamp"].dt.normalize().max()
    out, new = tmp_path / "fc.csv", tmp_path / "afternoon.yaml"
    base_path = SCENARIOS / "retail_bank.yaml"
    r = ccsim(
        "forecast",
        str(csv(tmp_path, df)),
        "--as-of",
        f"{day:%Y-%m-%d} 12:10",
        "--horizon-days",
        "1",
        "--paths",
        "100",
        "--scenario",
        str(base_path),
        "--scenario-paths",
        "5",
        "--out",
        str(out),
        "--write-scenario",
        str(new),
    )
    assert r.returncode == 0, r.stderr
    assert "intraday: voice: level prior" in r.stderr
    got = pd.read_csv(out, parse_dates=["timestamp"])
    assert list(got.columns[:7]) == list(fc.FORECAST_COLUMNS)
    assert got["timestamp"].min() == day + pd.Timedelta(hours=12)  # 12:00-12:15 not complete
    base = sim.load_scenario(base_path)
    sc = sim.load_scenario(new)
    voice = np.array(sc.channels["voice"].arrivals_per_period(sc.periods))
    before = np.array(base.channels["voice"].arrivals_per_period(base.periods))
    # retail_bank: 48 periods from 08:00; 08:00 .. 11:45 keep their values (16 periods)
    np.testing.assert_array_equal(voice[:16], before[:16])
    s = got.set_index("timestamp")["volume"]
    assert voice[16] == pytest.approx(s[day + pd.Timedelta(hours=12)], abs=1e-3)
    assert voice[-1] == pytest.approx(s[day + pd.Timedelta(hours=19, minutes=45)], abs=1e-3)
    paths = np.array(sc.channels["voice"].arrival_paths)
    assert paths.shape == (5, 48)
    np.testing.assert_array_equal(paths[:, :16], np.rint(before[:16])[None].repeat(5, 0))
    # the afternoon simulates: replication r arrives as path r (morning + reforecast)
    res = sim.simulate(sc, replications=3, keep_runs=True)
    for r, run in enumerate(res.runs):
        new_voice = (run.attempt == 1) & (run.channel == 0)
        assert new_voice.sum() == paths[r].sum()


def test_cli_history_ending_mid_day_reforecasts_on_its_own(tmp_path: Path):
    df = shifted_history()
    day = df["timestamp"].dt.normalize().max()
    part = df[df["timestamp"] < day + pd.Timedelta(hours=11)]
    out = tmp_path / "fc.csv"
    r = ccsim(
        "forecast", str(csv(tmp_path, part)), "--horizon-days", "2", "--paths", "50",
        "--out", str(out),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "history ends part-way through" in r.stderr
    got = pd.read_csv(out, parse_dates=["timestamp"])
    assert got["timestamp"].min() == day + pd.Timedelta(hours=11)
    assert got["timestamp"].dt.normalize().nunique() == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not a time", "--as-of: expected 'YYYY-MM-DD HH:MM'"),
        ("2031-01-01 10:00", "--as-of: 2031-01-01 10:00 is after the end of the history"),
        ("2024-01-06 10:00", "--as-of: 2024-01-06 is a Saturday"),
        ("2024-01-03 10:00", "--as-of: 2 complete day"),
    ],
)
def test_cli_bad_as_of_exits_2_naming_the_option(tmp_path: Path, value: str, message: str):
    out = tmp_path / "fc.csv"
    r = ccsim(
        "forecast", str(csv(tmp_path, shifted_history())), "--as-of", value, "--out", str(out)
    )
    assert r.returncode == 2
    assert message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_cli_as_of_with_day_is_refused(tmp_path: Path):
    r = ccsim(
        "forecast", str(csv(tmp_path, shifted_history())), "--as-of", "2024-02-09 10:00",
        "--scenario", str(SCENARIOS / "retail_bank.yaml"), "--day", "2024-02-09",
        "--write-scenario", str(tmp_path / "x.yaml"),
    )  # fmt: skip
    assert r.returncode == 2 and "--day: not with --as-of" in r.stderr


@needs_us_bank
@pytest.mark.slow
def test_us_bank_reforecast_at_noon_beats_the_morning_forecast():
    """Ten held-out days of the US bank (15 min), origin 12:00: the reforecast's
    rest-of-day MASE is below the day-ahead forecast's and its 80% intervals cover
    70-90% of the intervals (the benchmark measures 40 days at several origins)."""
    us = fc.read_history(
        US_BANK,
        columns={"timestamp": "datetime", "volume": "calls", "channel": None},
        interval_minutes=15,
    )
    cv = intraday_backtest(us.matrix(), origins=("12:00",), n_days=10, calibration_days=10)
    acc = fc.accuracy(cv, by=("channel", "origin", "forecast")).set_index("forecast")
    assert acc.loc["reforecast", "mase"] < acc.loc["day_ahead", "mase"]
    assert 0.7 <= acc.loc["reforecast", "coverage_80"] <= 0.9


@pytest.mark.slow
def test_anonymous_bank_reforecast_at_noon_beats_the_morning_forecast():
    """The shipped Anonymous Bank history (30 min, 24 h), ten held-out days from 12:00:
    rest-of-day MASE below the day-ahead's, 80% intervals covering 75-90% (the
    day-ahead's cover about 90%: the update narrows them to calibrated)."""
    y = fc.load_anonymous_bank_history().matrix()
    cv = intraday_backtest(y, origins=("12:00",), n_days=10, calibration_days=10)
    acc = fc.accuracy(cv, by=("channel", "origin", "forecast")).set_index("forecast")
    assert acc.loc["reforecast", "mase"] < acc.loc["day_ahead", "mase"]
    assert 0.75 <= acc.loc["reforecast", "coverage_80"] <= 0.9
