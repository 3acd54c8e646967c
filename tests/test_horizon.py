"""Multi-day scenarios (forecasting.horizon) and ccsim forecast --scenario-days."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from forecasting import HistoryError
from forecasting.horizon import clock_layout, scenario_over_days

from .cli_helpers import ccsim
from .forecast_helpers import synthetic_history
from .helpers import SCENARIOS

RETAIL = SCENARIOS / "retail_bank.yaml"


def test_layout_by_clock_time():
    base = sim.load_scenario(RETAIL)  # 48 periods of 15 min from 08:00
    where = clock_layout(base, 2)
    assert where.size == 2 * 96
    assert where[:48].tolist() == list(range(48)) and (where[48:96] == -1).all()
    assert where[96:144].tolist() == list(range(48))


def test_scenario_over_days_closes_the_clock_times_the_base_does_not_cover():
    base = sim.load_scenario(RETAIL)
    sc = scenario_over_days(base, 3)
    assert sc.periods == 3 * 96 and sc.start == base.start
    for name, ch in base.channels.items():
        got = np.array(sc.channels[name].arrivals_per_period(sc.periods))
        want = np.array(ch.arrivals_per_period(base.periods))
        for d in range(3):
            np.testing.assert_array_equal(got[d * 96 : d * 96 + 48], want)
            assert (got[d * 96 + 48 : (d + 1) * 96] == 0).all()  # 20:00 .. 08:00 closed
    # scalar staffing outside the base's hours becomes 0 (nobody at night)
    small = sim.parse_scenario(
        {
            "interval_minutes": 60,
            "periods": 2,
            "start": "09:00",
            "channels": {
                "voice": {
                    "arrivals": 5,
                    "handle_time": {"distribution": "exponential", "mean": 60},
                }
            },
            "groups": {"a": {"skills": ["voice"], "agents": 3, "shrinkage": 0.1}},
        }
    )
    two = scenario_over_days(small, 2)
    assert two.periods == 48
    agents = np.array(two.groups["a"].agents)
    assert agents[[0, 1, 24, 25]].tolist() == [3, 3, 3, 3] and agents.sum() == 12
    assert np.array(two.channels["voice"].arrivals).sum() == 20
    assert two.groups["a"].shrinkage[0] == 0.1 and two.groups["a"].shrinkage[2] == 0.0
    # the simulation of 2 days sees the 4 open hours' arrivals and nothing at night
    res = sim.simulate(two.updated({"replications": 2, "seed": 1}), keep_runs=True)
    for run in res.runs:
        hour = (run.arrival // 3600).astype(int) % 24
        assert set(np.unique(hour)) <= {0, 1}  # the clock of a run starts at 09:00 = 0 s
    with pytest.raises(HistoryError, match="days: must be 1..366"):
        scenario_over_days(small, 0)
    with pytest.raises(HistoryError, match="more than one day"):
        scenario_over_days(two, 2)


def test_scenario_over_days_lays_out_handle_time_means_by_clock():
    """Per-period handle-time means (e.g. a forecast written into the scenario) are laid
    out by clock time like the arrivals; closed clock times take the channel's mean."""
    base = sim.load_scenario(RETAIL)  # 48 periods of 15 min from 08:00
    means = [200.0 + i for i in range(48)]
    base = base.updated({"channels.voice.handle_time_means": means})
    sc = scenario_over_days(base, 2)
    got = sc.channels["voice"].handle_time_means
    assert got is not None and len(got) == 2 * 96
    mean = base.channels["voice"].handle_time.mean
    for d in range(2):
        assert list(got[d * 96 : d * 96 + 48]) == means
        assert set(got[d * 96 + 48 : (d + 1) * 96]) == {mean}
    assert sc.channels["chat"].handle_time_means is None


def test_cli_week_forecast_into_one_scenario(tmp_path: Path):
    hist = tmp_path / "history.csv"
    synthetic_history(weeks=4).to_csv(hist, index=False, date_format="%Y-%m-%d %H:%M")
    out, new = tmp_path / "fc.csv", tmp_path / "week.yaml"
    r = ccsim(
        "forecast", str(hist), "--model", "dow_ssm", "--horizon-days", "6", "--paths", "50",
        "--scenario", str(RETAIL), "--scenario-days", "7", "--out", str(out),
        "--write-scenario", str(new),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    fr = pd.read_csv(out, parse_dates=["timestamp"]).set_index("timestamp")["volume"]
    sc = sim.load_scenario(new)
    assert sc.periods == 7 * 96
    voice = np.array(sc.channels["voice"].arrivals_per_period(sc.periods))
    # Mon 29 Jan .. Fri 2 Feb from the forecast at 08:00 .. 19:45; Sat, Sun closed; the
    # last 4 periods are Mon 5 Feb 07:00 .. 07:45 (the week ends at 08:00): forecast day 6
    grid = pd.Timestamp("2024-01-29 08:00") + pd.to_timedelta(np.arange(sc.periods) * 15, "min")
    for d in range(5):
        day = slice(d * 96, d * 96 + 48)
        np.testing.assert_allclose(voice[day], fr.reindex(grid[day]).to_numpy(), atol=1e-3)
    assert (voice[5 * 96 : -4] == 0).all()
    np.testing.assert_allclose(voice[-4:], fr.reindex(grid[-4:]).to_numpy(), atol=1e-3)
    assert "fall when the centre is closed" in r.stdout
    # the week is dated: day 0 is the forecast's first day (labels, per-day results)
    assert sc.calendar is not None and str(sc.calendar.start_date) == "2024-01-29"
    assert sc.day_labels()[:2] == ["Mon 2024-01-29", "Tue 2024-01-30"]
    assert sc.period_labels()[0] == "Mon 01-29 08:00" and sc.spans_days  # 8 days touched
    # a week beyond a 3-day horizon: named as the option to change
    r = ccsim(
        "forecast", str(hist), "--model", "dow_ssm", "--horizon-days", "3", "--paths", "50",
        "--scenario", str(RETAIL), "--scenario-days", "7", "--write-scenario", str(new),
    )  # fmt: skip
    assert r.returncode == 2 and "--horizon-days" in r.stderr
    r = ccsim("forecast", str(hist), "--scenario-days", "2", "--out", str(out))
    assert r.returncode == 2 and "--scenario-days: only with --scenario" in r.stderr
