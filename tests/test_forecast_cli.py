"""ccsim forecast / backtest / calibrate: outputs, and bad input handled cleanly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim

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
    sc = sim.parse_scenario(yaml.safe_load(frag.read_text()))
    assert set(sc.channels) == {"voice"}


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
