"""Per-period handle-time means: the scenario key, the engine, staffing, the
handle-time forecast and ccsim forecast with a handle_time column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from forecasting import read_history
from forecasting.handle_time import forecast_handle_time  # noqa: I001
from sim.plan.staffing import requirements

from .cli_helpers import ccsim
from .forecast_helpers import synthetic_history
from .helpers import SCENARIOS, single_queue


def two_periods(means: list[float] | None, *, wrap: float | None = None) -> sim.Scenario:
    data = single_queue(
        per_interval=40, aht=100, agents=20, patience=None, periods=2, warmup_minutes=0
    )
    data["channels"]["voice"]["handle_time"] = {"distribution": "fixed", "value": 100}
    if means is not None:
        data["channels"]["voice"]["handle_time_means"] = means
    if wrap is not None:
        data["channels"]["voice"]["wrap_up"] = {"distribution": "fixed", "value": wrap}
    return sim.parse_scenario(data)


def test_scenario_key_is_checked_and_round_trips():
    sc = two_periods([100, 300])
    assert sc.channels["voice"].handle_time_scale(2) == (1.0, 3.0)
    assert sim.parse_scenario(sc.to_dict()).channels["voice"].handle_time_means == (100.0, 300.0)
    assert "handle_time_means" not in str(two_periods(None).to_yaml())
    with pytest.raises(sim.ScenarioError, match=r"channels.voice.handle_time_means: has 3 values"):
        two_periods([100, 200, 300])
    with pytest.raises(sim.ScenarioError, match=r"handle_time_means.*must be > 0"):
        two_periods([100, 0])


def test_each_new_contact_takes_its_arrival_periods_mean():
    """Fixed 100 s handle times, period means 100 and 300 s: every contact arriving in
    the second period (1800 s on) takes exactly 300 s, the first's 100 s."""
    res = sim.simulate(two_periods([100, 300]), replications=2, keep_runs=True)
    for run in res.runs:
        first = run.attempt == 1
        late = run.arrival >= 1800
        assert first.all() and late.any() and (~late).any()
        np.testing.assert_allclose(run.handle[late], 300.0)
        np.testing.assert_allclose(run.handle[~late], 100.0)
    # without the key: the draws are the scenario's own (same seed, same arrivals)
    plain = sim.simulate(two_periods(None), replications=2, keep_runs=True)
    for a, b in zip(res.runs, plain.runs, strict=True):
        np.testing.assert_array_equal(a.arrival, b.arrival)
        np.testing.assert_allclose(b.handle, 100.0)


def test_staffing_uses_the_period_means():
    req = requirements(two_periods([100, 300], wrap=20))
    ht = req.set_index("period")["handle_time"]
    assert ht[0] == pytest.approx(120.0) and ht[1] == pytest.approx(320.0)  # talk + wrap-up
    load = req.set_index("period")["load"]
    assert load[1] == pytest.approx(40 / 1800 * 320)
    plain = requirements(two_periods(None, wrap=20)).set_index("period")
    assert plain["servers"][0] == req.set_index("period")["servers"][0]
    assert req.set_index("period")["servers"][1] > plain["servers"][1]


def history_with_handle_times(weeks: int = 5, seed: int = 2) -> pd.DataFrame:
    """:func:`synthetic_history` with a handle_time column: a level of 240 s x a
    profile rising from 0.8 to 1.2 over the day, each interval's mean of ``volume``
    exponential(mean) handle times (sd of the mean = mean / sqrt(volume))."""
    df = synthetic_history(weeks=weeks, seed=seed)
    rng = np.random.default_rng(seed)
    minute = df["timestamp"].dt.hour * 60 + df["timestamp"].dt.minute
    truth = 240.0 * (0.8 + 0.4 * (minute - 420) / (21 * 60 - 420))
    n = df["volume"].to_numpy()
    mean = rng.gamma(np.maximum(n, 1), truth / np.maximum(n, 1))
    df["handle_time"] = np.where(n > 0, mean.round(1), 0.0)
    df["truth"] = truth
    return df


def test_handle_time_forecast_recovers_level_and_profile_with_calibrated_intervals():
    df = history_with_handle_times(weeks=7)
    last = df["timestamp"].dt.normalize() >= df["timestamp"].dt.normalize().unique()[-5]
    hist = read_history(
        df[~last].drop(columns="truth"),
        columns={"timestamp": "timestamp", "volume": "volume", "handle_time": "handle_time"},
    )
    days = sorted(set(df.loc[last, "timestamp"].dt.date))
    y = hist.matrix("voice")
    f = forecast_handle_time(hist, "voice", days, np.broadcast_to(y.values[-5:].mean(0), (5, 56)))
    out = f.to_frame().merge(df[last], on=["timestamp", "channel"], suffixes=("", "_actual"))
    # the median forecast is within 3% of the true mean handle time on average
    assert (out["handle_time"] / out["truth"] - 1).abs().mean() < 0.03
    inside = (out["handle_time_actual"] >= out["handle_time_lower_80"]) & (
        out["handle_time_actual"] <= out["handle_time_upper_80"]
    )
    assert 0.7 <= inside.mean() <= 0.9


def test_cli_forecast_writes_handle_times_into_the_scenario(tmp_path: Path):
    hist = tmp_path / "history.csv"
    history_with_handle_times(weeks=4).drop(columns="truth").to_csv(
        hist, index=False, date_format="%Y-%m-%d %H:%M"
    )
    out, new = tmp_path / "fc.csv", tmp_path / "new.yaml"
    r = ccsim(
        "forecast", str(hist), "--columns", "handle_time=handle_time", "--model", "dow_ssm",
        "--horizon-days", "1", "--paths", "50", "--scenario", str(SCENARIOS / "retail_bank.yaml"),
        "--out", str(out), "--write-scenario", str(new),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(out, parse_dates=["timestamp"])
    assert list(got.columns[:7]) == [
        "timestamp", "channel", "volume", "lower_80", "upper_80", "lower_95", "upper_95",
    ]  # fmt: skip
    assert {"handle_time", "handle_time_lower_80", "handle_time_upper_80"} <= set(got.columns)
    assert (got["handle_time_lower_80"] < got["handle_time"]).all()
    sc = sim.load_scenario(new)
    means = np.array(sc.channels["voice"].handle_time_means)
    s = got.set_index("timestamp")["handle_time"]
    assert means[0] == pytest.approx(s[pd.Timestamp("2024-01-29 08:00")], abs=1e-3)
    assert means[-1] == pytest.approx(s[pd.Timestamp("2024-01-29 19:45")], abs=1e-3)
    assert means[-1] > means[0]  # the profile rises through the day
    assert sc.channels["chat"].handle_time_means is None
    req = requirements(sc)
    voice = req[req["channel"] == "voice"].set_index("period")["handle_time"]
    assert voice[0] == pytest.approx(means[0]) and voice[47] == pytest.approx(means[-1])
    assert sim.simulate(sc, replications=1).channels is not None


def test_a_handle_time_what_if_scales_the_period_means():
    """adjust(handle_time=1.5) on fixed 100 s calls with period means 100 and 300 s: the
    contacts take 150 and 450 s (the means scale with the distribution; scaling the
    distribution alone cancels out in mean / handle_time.mean)."""
    from sim.plan.whatif import adjust

    sc = adjust(two_periods([100, 300]), handle_time=1.5)
    assert sc.channels["voice"].handle_time_means == (150.0, 450.0)
    run = sim.simulate(sc, replications=1, keep_runs=True).runs[0]
    late = run.arrival >= 1800
    np.testing.assert_allclose(run.handle[late], 450.0)
    np.testing.assert_allclose(run.handle[~late], 150.0)
    ht = requirements(sc).set_index("period")["handle_time"]
    assert ht[0] == pytest.approx(150.0) and ht[1] == pytest.approx(450.0)
