"""ccsim forecast / backtest / calibrate: outputs, and bad input handled cleanly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from forecasting import HistoryError

from .cli_helpers import ccsim
from .forecast_helpers import synthetic_history
from .helpers import SCENARIOS


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


def test_forecast_with_holidays_is_the_api_forecast_of_the_marked_history(tmp_path: Path):
    """--holidays IL on the shipped Anonymous Bank CSV: the same forecast as the API's
    on load_anonymous_bank_history(holidays=True), and not the unmarked one (its
    holidays and their eves are left out of drift_ssm's training)."""
    import forecasting as fc
    from forecasting.data import ANONYMOUS_BANK_30MIN

    out = tmp_path / "fc.csv"
    r = ccsim(
        "forecast",
        str(ANONYMOUS_BANK_30MIN),
        *("--model", "drift_ssm", "--horizon-days", "1", "--paths", "50", "--holidays", "IL"),
        *("--out", str(out)),
    )
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(out)["volume"].to_numpy()
    marked = fc.load_anonymous_bank_history(holidays=True)
    api = fc.forecast(marked, model="drift_ssm", horizon_days=1, n_paths=50)
    np.testing.assert_allclose(got, api["volume"].to_numpy(), atol=5e-4)  # CSV: 3 decimals
    plain = fc.forecast(fc.load_anonymous_bank_history(), model="drift_ssm", horizon_days=1)
    assert np.abs(got - plain["volume"].to_numpy()).sum() > 1.0


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
    from .forecast_helpers import synthetic_records

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
    from .forecast_helpers import synthetic_records

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


RETAIL = str(SCENARIOS / "retail_bank.yaml")
SCEN = ["--scenario", RETAIL, "--write-scenario", "{tmp}/new.yaml"]
# (command and options, the start of the one error line): every option of ccsim
# forecast / backtest / calibrate at its edges, named by its own name
BAD_OPTIONS = [
    (["forecast", "{hist}", "--out", "{out}", "--paths", "0"], "--paths: must be >= 20"),
    (["forecast", "{hist}", "--out", "{out}", "--paths", "19"], "--paths: must be >= 20"),
    (["forecast", "{hist}", "--out", "{out}", "--paths", "200000"], "--paths: 200000 paths x 5"),
    (["forecast", "{hist}", "--out", "{out}", "--horizon-days", "0"], "--horizon-days: must be"),
    (["forecast", "{hist}", "--out", "{out}", "--horizon-days", "367"], "--horizon-days: must"),
    (["forecast", "{hist}", "--out", "{out}", "--seed", "-1"], "--seed: must be >= 0, got -1"),
    (["forecast", "{hist}", "--out", "{out}", "--scenario-paths", "3"], "--scenario-paths: only"),
    (["forecast", "{hist}", *SCEN, "--scenario-paths", "-1"], "--scenario-paths: must be 0..500"),
    (["forecast", "{hist}", *SCEN, "--scenario-paths", "501"], "--scenario-paths: must be 0..500"),
    (["forecast", "{hist}", "--out", "{out}", "--day", "2024-01-29"], "--day: only with --scen"),
    (["forecast", "{hist}", *SCEN, "--day", "2024-13-01"], "--day: expected YYYY-MM-DD"),
    (["forecast", "{hist}", *SCEN, "--day", "2030-01-07"], "--day: the forecast of 'voice' has"),
    (["forecast", "{hist}", "--out", "{out}", "--map", "voice=chat"], "--map: only with --scen"),
    (["forecast", "{hist}", *SCEN, "--map", "voice"], "--map: expected HISTORY_CHANNEL="),
    (["forecast", "{hist}", *SCEN, "--map", "=voice"], "--map: expected HISTORY_CHANNEL="),
    (["forecast", "{hist}", *SCEN, "--map", "sms=voice"], "--map: sms not in the forecast"),
    (["forecast", "{hist}", *SCEN, "--map", "voice=fax"], "--map: no forecast channel (voice)"),
    (["forecast", "{hist}", "--out", "{out}", "--interval-minutes", "0"], "--interval-minutes:"),
    (["forecast", "{hist}", "--out", "{out}", "--interval-minutes", "7"], "--interval-minutes: mu"),
    (
        ["forecast", "{hist}", "--out", "{out}", "--interval-minutes", "20"],
        "--interval-minutes: 20",
    ),
    (["forecast", "{hist}", *SCEN, "--interval-minutes", "30"], "--interval-minutes: 30 differs"),
    (["forecast", "{hist}", "--out", "{out}", "--holidays", "XX"], "--holidays: 'XX' is not"),
    (["backtest", "{hist}", "--holidays", "ZZ"], "--holidays: 'ZZ' is not a country code"),
    (["forecast", "{hist}", "--out", "{out}", "--holidays", " "], "--holidays: must not be empty"),
    (["backtest", "{hist}", "--holidays", ""], "--holidays: must not be empty"),
    (["forecast", "{hist}", "--out", "{out}", "--columns", "timestamp="], "--columns: timestamp="),
    (["forecast", "{hist}", "--out", "{out}", "--columns", "when"], "--columns: expected FIELD="),
    (["forecast", "{hist}", "--out", "{out}", "--columns", "day=x"], "--columns: unknown field"),
    (["forecast", "{hist}", "--out", "{out}", "--columns", "volume=a,volume=b"], "--columns: vol"),
    (["forecast", "{hist}", "--out", "{out}", "--columns", "volume=timestamp"], "--columns: colu"),
    (["forecast", "{hist}", "--out", "{out}", "--default-channel", " "], "--default-channel: mu"),
    (["backtest", "{hist}", "--out", "{out}", "--paths", "0"], "--paths: must be >= 20"),
    (["backtest", "{hist}", "--out", "{out}", "--paths", "-1"], "--paths: must be >= 20"),
    (["backtest", "{hist}", "--out", "{out}", "--seed", "-1"], "--seed: must be >= 0"),
    (["backtest", "{hist}", "--out", "{out}", "--horizon-days", "0"], "--horizon-days: must be"),
    (["backtest", "{hist}", "--out", "{out}", "--step-days", "0"], "--step-days: must be >= 1"),
    (["backtest", "{hist}", "--out", "{out}", "--windows", "0"], "--windows: must be >= 1"),
    (["backtest", "{hist}", "--out", "{out}", "--models", " , "], "--models: give at least one"),
    (["backtest", "{hist}", "--out", "{out}", "--models", "prophet"], "--models: unknown model"),
    (["backtest", "{hist}", "--out", "{out}", "--models", "topdown,topdown"], "--models: topdown"),
    (["backtest", "{hist}", "--out", "{out}", "--interval-minutes", "-15"], "--interval-minutes"),
    (["calibrate", "{rec}", "--out", "{out}", "--interval-minutes", "0"], "--interval-minutes: m"),
    (["calibrate", "{rec}", "--out", "{out}", "--interval-minutes", "7"], "--interval-minutes: m"),
    (["calibrate", "{rec}", "--out", "{out}", "--interval-minutes", "120"], "--interval-minutes:"),
    (["calibrate", "{rec}", "--out", "{out}", "--redial-window", "0"], "--redial-window: must"),
    (["calibrate", "{rec}", "--out", "{out}", "--redial-window", "nan"], "--redial-window: must"),
    (["calibrate", "{rec}", "--out", "{out}", "--redial-window", "inf"], "--redial-window: must"),
    (["calibrate", "{rec}", "--out", "{out}", "--sl-threshold", "nan"], "--sl-threshold: must be"),
    (["calibrate", "{rec}", "--out", "{out}", "--sl-threshold", "-1"], "--sl-threshold: must be"),
    (["calibrate", "{rec}", "--out", "{out}", "--sl-threshold", "inf"], "--sl-threshold: must be"),
]


@pytest.fixture(scope="module")
def option_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from .forecast_helpers import synthetic_records

    d = tmp_path_factory.mktemp("options")
    hist = history_csv(d)
    rec = d / "records.csv"
    synthetic_records(n=2000).to_csv(rec, index=False)
    return {"hist": str(hist), "rec": str(rec)}


@pytest.mark.parametrize(
    ("argv", "message"), BAD_OPTIONS, ids=[f"{a[0]} {a[-2]} {a[-1]}" for a, _ in BAD_OPTIONS]
)
def test_every_option_is_checked_and_named(argv, message, option_inputs, tmp_path, capsys):
    """Exit 2, one error line starting with the option's own name, no traceback,
    nothing written. (backtest --paths 0 / -1 used to raise IndexError / ValueError;
    forecast --seed -1 was reported as a --day problem; calibrate --sl-threshold nan
    exited 0.)"""
    from sim.cli.ccsim import main

    out = tmp_path / "out.file"
    fill = {**option_inputs, "out": str(out), "tmp": str(tmp_path)}
    code = main([a.format(**fill) for a in argv])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert code == 2, err
    assert len(errors) == 1 and errors[0].startswith(f"error: {message}"), err
    assert "Traceback" not in err and "internal error" not in err
    assert not out.exists() and not (tmp_path / "new.yaml").exists()


def test_options_at_their_valid_edges_are_accepted(option_inputs, tmp_path, capsys):
    """The edges themselves are fine: --paths 20, --seed 0, --scenario-paths = --paths,
    --sl-threshold 0, --interval-minutes 60."""
    from sim.cli.ccsim import main

    hist, rec = option_inputs["hist"], option_inputs["rec"]
    new = tmp_path / "new.yaml"
    scen = ["--scenario", RETAIL, "--write-scenario", str(new)]
    argv = ["forecast", hist, *scen, "--paths", "20", "--scenario-paths", "20", "--seed", "0"]
    assert main([*argv, "--model", "snaive_week", "--horizon-days", "1"]) == 0
    assert len(sim.load_scenario(new).channels["voice"].arrival_paths) == 20
    assert (
        main(["backtest", hist, "--models", "snaive_week", "--windows", "1", "--paths", "20"]) == 0
    )
    frag = tmp_path / "frag.yaml"
    argv = ["calibrate", rec, "--out", str(frag), "--sl-threshold", "0"]
    assert main([*argv, "--interval-minutes", "60"]) == 0, capsys.readouterr().err
    assert sim.load_scenario(frag).channels["voice"].service_level.threshold == 0


def test_forecast_says_which_special_days_of_the_horizon_are_forecast_as_ordinary(
    tmp_path: Path,
):
    """The shipped history ends 1999-12-31: with --holidays US its horizon's first day,
    New Year's Day 2000, is a special day, forecast as an ordinary day: the output
    says so, naming it; with --holidays IL (no Israeli holiday on 1-2 January) it
    says nothing."""
    from forecasting.data import ANONYMOUS_BANK_30MIN

    def run(country: str) -> str:
        r = ccsim(
            "forecast",
            str(ANONYMOUS_BANK_30MIN),
            *("--model", "snaive_week", "--horizon-days", "2", "--holidays", country),
            *("--out", str(tmp_path / f"{country}.csv")),
        )
        assert r.returncode == 0, r.stderr
        return r.stdout

    lines = [x for x in run("US").splitlines() if x.startswith("special days:")]
    assert lines == [
        "special days: 1 in the horizon (2000-01-01), forecast as ordinary days "
        "(--holidays leaves them out of training only)"
    ]
    assert "special days:" not in run("IL")
