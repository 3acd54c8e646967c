"""ccsim forecast / backtest / calibrate: outputs, and bad input handled cleanly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from forecasting import HistoryError

from .forecast_helpers import synthetic_history
from .helpers import SCENARIOS
from .test_cli import ccsim


def history_csv(tmp_path: Path, weeks: int = 4) -> Path:
    p = tmp_path / "history.csv"
    synthetic_history(weeks=weeks).to_csv(p, index=False, date_format="%Y-%m-%d %H:%M")
    return p


def test_forecast_writes_csv_and_scenario(tmp_path: Path):
    hist = history_csv(tmp_path)
    out, new = tmp_path / "fc.csv", tmp_path / "new.yaml"
    r = ccsim(
        "forecast",
        str(hist),
        "--interval-minutes",
        "15",
        "--horizon-days",
        "5",
        "--model",
        "dow_ssm",
        "--out",
        str(out),
        "--scenario",
        str(SCENARIOS / "retail_bank.yaml"),
        "--write-scenario",
        str(new),
    )
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out, parse_dates=["timestamp"])
    assert list(df.columns[:7]) == [
        "timestamp",
        "channel",
        "volume",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]
    assert len(df) == 5 * 56 and df["timestamp"].min() == pd.Timestamp("2024-01-29 07:00")
    sc = sim.load_scenario(new)
    voice = sc.channels["voice"].arrivals_per_period(sc.periods)
    first_day = df[df["timestamp"].dt.date == df["timestamp"].dt.date.min()].set_index("timestamp")
    # retail_bank runs 48 periods from 08:00: 08:00 .. 19:45 of the first forecast day
    assert voice[0] == pytest.approx(first_day.loc[pd.Timestamp("2024-01-29 08:00"), "volume"])
    assert voice[-1] == pytest.approx(first_day.loc[pd.Timestamp("2024-01-29 19:45"), "volume"])
    # channels the history does not have keep their arrivals
    base = sim.load_scenario(SCENARIOS / "retail_bank.yaml")
    assert sc.channels["chat"].arrivals == base.channels["chat"].arrivals


def test_backtest_prints_table(tmp_path: Path):
    r = ccsim(
        "backtest",
        str(history_csv(tmp_path)),
        "--models",
        "snaive_week,topdown",
        "--windows",
        "3",
    )
    assert r.returncode == 0, r.stderr
    assert "mase" in r.stdout and "coverage_80" in r.stdout and "topdown" in r.stdout


def test_bad_input_exit_2_and_nothing_written(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,channel,volume\n2024-01-01 08:00,voice,3\n2024-01-01 08:15,voice,x\n")
    out = tmp_path / "fc.csv"
    r = ccsim("forecast", str(bad), "--out", str(out))
    assert r.returncode == 2
    assert "row 3, column 'volume'" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
    short = tmp_path / "short.csv"
    synthetic_history(weeks=1).head(56).to_csv(short, index=False)
    r = ccsim("backtest", str(short))
    assert r.returncode == 2 and "1 day(s) of history" in r.stderr
    r = ccsim("backtest", str(history_csv(tmp_path, weeks=2)), "--windows", "20")
    assert r.returncode == 2 and "too short for 20 windows" in r.stderr
    r = ccsim("calibrate", str(bad))
    assert r.returncode == 2 and "missing column(s) arrival" in r.stderr


def test_calibrate_cli_writes_a_loadable_fragment(tmp_path: Path):
    from .test_calibrate import synthetic_records

    rec = tmp_path / "records.csv"
    synthetic_records(n=3000).to_csv(rec, index=False)
    frag = tmp_path / "frag.yaml"
    r = ccsim("calibrate", str(rec), "--out", str(frag))
    assert r.returncode == 0, r.stderr
    assert "Kaplan-Meier" in r.stdout
    sc = sim.load_scenario(frag)
    assert set(sc.channels) == {"voice"}


def test_calibrate_cli_says_why_it_cannot_fit(tmp_path: Path):
    """Every wait 0 (abandonments logged at once): nothing to learn patience from; it
    used to exit 0 writing a fragment the loader rejects (patience.cv: must be > 0)."""
    from .test_calibrate import synthetic_records

    rec = tmp_path / "records.csv"
    synthetic_records(n=3000).assign(wait=0.0).to_csv(rec, index=False)
    frag = tmp_path / "frag.yaml"
    r = ccsim("calibrate", str(rec), "--out", str(frag))
    assert r.returncode == 2 and "Traceback" not in r.stderr and not frag.exists()
    assert "no queue can be calibrated (voice: patience: need at least 5 calls abandoned" in (
        r.stderr
    )
    assert "cannot tell how long callers wait before giving up" in r.stderr


def test_sample_paths_drive_the_simulation():
    """--scenario-paths: forecast sample paths become arrival_paths; replication r
    simulates path r, so arrivals vary between replications as the forecast does."""
    import numpy as np

    from forecasting import read_history
    from forecasting.forecast import forecast_frame, forecast_series, scenario_with_forecast

    hist = read_history(synthetic_history(weeks=4), interval_minutes=15)
    series = forecast_series(hist, model="dow_ssm", horizon_days=2, n_paths=100, seed=3)
    base = sim.load_scenario(SCENARIOS / "retail_bank.yaml")
    sc = scenario_with_forecast(base, forecast_frame(series), paths=series, n_paths=6)
    paths = np.array(sc.channels["voice"].arrival_paths)
    assert paths.shape == (6, sc.periods) and (paths >= 0).all()
    # the paths are the forecast's own draws at the scenario's 08:00 .. 19:45 periods
    first = series["voice"]
    slot = first.slots.index(8 * 60)
    assert paths[:, 0].tolist() == np.rint(first.paths[:6, 0, slot]).astype(int).tolist()
    res = sim.simulate(sc, replications=6, keep_runs=True)
    for r, run in enumerate(res.runs):
        new_voice = (run.attempt == 1) & (run.channel == 0)
        assert new_voice.sum() == paths[r].sum()
    assert len(set(paths.sum(axis=1))) > 1  # forecast uncertainty: different volumes


def week_scenario(tmp_path: Path, *, interval: int = 30) -> Path:
    """A 7-day scenario (00:00 Monday .. 24:00 Sunday when started on a Monday)."""
    data = {
        "name": "one week",
        "interval_minutes": interval,
        "periods": 7 * 24 * 60 // interval,
        "start": "00:00",
        "channels": {
            "voice": {
                "arrivals": 10,
                "handle_time": {"distribution": "exponential", "mean": 180},
                "patience": {"distribution": "exponential", "mean": 300},
            }
        },
        "groups": {"agents": {"skills": ["voice"], "agents": 10}},
    }
    p = tmp_path / "week.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


def test_scenario_periods_the_forecast_misses_are_an_error(tmp_path: Path):
    """The shipped history is open 24 h, 7 days a week and ends on 1999-12-31; 8 forecast
    days run to 2000-01-08, so a 7-day scenario from Monday 2000-01-03 has a Sunday
    the forecast does not cover: exit 2 naming it, nothing written (it used to get 0
    arrivals, silently)."""
    from forecasting.data import ANONYMOUS_BANK_30MIN

    new = tmp_path / "new.yaml"
    args = ["forecast", str(ANONYMOUS_BANK_30MIN), "--model", "snaive_week", "--horizon-days"]
    scen = ["--scenario", str(week_scenario(tmp_path)), "--write-scenario", str(new)]
    r = ccsim(*args, "8", *scen, "--day", "2000-01-03")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "does not cover 48 of the scenario's 336 periods (2000-01-09 00:00 .. " in r.stderr
    assert "2000-01-09 23:30)" in r.stderr and not new.exists()
    r = ccsim(*args, "9", *scen, "--day", "2000-01-03")
    assert r.returncode == 0, r.stderr
    arrivals = np.array(sim.load_scenario(new).channels["voice"].arrivals).reshape(7, 48)
    assert (arrivals.sum(axis=1) > 100).all()  # every day has its forecast
    # two Saturday night intervals never had a call in 1999: closed by the calendar
    assert "voice: 2 of 336 periods fall when the centre is closed" in r.stdout
    assert "0 arrivals: 2000-01-08 03:00, 2000-01-08 05:00" in r.stdout


def test_scenario_periods_when_closed_get_zero_and_are_reported(tmp_path: Path):
    """A weekday 07:00-21:00 history: a whole week's scenario has its nights and the
    weekend closed per the history's calendar; they get 0 arrivals and the report
    says so. Without the calendar (API), the weekend after the last forecast day is
    not known to be closed: an error."""
    from forecasting import read_history
    from forecasting.forecast import forecast_frame, forecast_series, scenario_with_forecast

    new = tmp_path / "new.yaml"
    r = ccsim(
        "forecast",
        str(history_csv(tmp_path)),
        "--model",
        "snaive_week",
        "--scenario",
        str(week_scenario(tmp_path, interval=15)),
        "--write-scenario",
        str(new),
    )
    assert r.returncode == 0, r.stderr
    assert "voice: 392 of 672 periods fall when the centre is closed" in r.stdout
    assert "2024-01-29 00:00 .. 2024-01-29 06:45, 2024-01-29 21:00 .. 2024-01-30 06:45" in r.stdout
    arrivals = np.array(sim.load_scenario(new).channels["voice"].arrivals).reshape(7, 96)
    assert (arrivals[5:] == 0).all() and (arrivals[:5, 28:84] > 0).mean() > 0.9
    assert (arrivals[:5, :28] == 0).all() and (arrivals[:5, 84:] == 0).all()

    hist = read_history(synthetic_history(weeks=4))
    fr = forecast_frame(forecast_series(hist, model="snaive_week", horizon_days=5))
    base = sim.load_scenario(week_scenario(tmp_path, interval=15))
    with pytest.raises(HistoryError, match=r"does not cover 192 of .* \(2024-02-03 00:00 .. "):
        scenario_with_forecast(base, fr)
    sc = scenario_with_forecast(base, fr, calendar=hist.calendar)
    assert sum(sc.channels["voice"].arrivals) == pytest.approx(fr["volume"].round(3).sum())
