"""The forecast page with Streamlit's AppTest (no browser): its forecast, backtest,
cleaning report and intraday reforecast are ``forecasting``'s (and ``ccsim
forecast``'s) for the same history, model, horizon, paths and seed; its button fills
the current scenario as ``ccsim forecast --write-scenario`` does; bad uploads are
messages naming the row and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit")

import forecasting as fc  # noqa: E402
import sim  # noqa: E402
from forecasting.data import load_anonymous_bank_history  # noqa: E402
from sim.present import forecast_view  # noqa: E402

from .cli_helpers import ccsim  # noqa: E402
from .helpers import SCENARIOS  # noqa: E402
from .test_app import metric, numbers, open_page, table_with  # noqa: E402

PATHS = 200  # the page's sample paths (app.FORECAST_PATHS)
HORIZON = 2  # the page's default horizon (open days)
ORIGINS = 3  # the page's default backtest origins
AS_OF = pd.Timestamp("1999-12-31 12:00")  # the page's default: the last day, noon


@pytest.fixture(scope="module")
def hist() -> fc.History:
    """The shipped history as the page reads it: with Israel's holidays (its default)."""
    return load_anonymous_bank_history(holidays=True)


def ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_forecast_page_equals_the_api_and_the_cli(hist: fc.History, tmp_path: Path):
    at = open_page("forecast")
    ok(at)
    assert at.title[0].value == "Forecast"
    assert not at.error and not at.warning

    report = table_with(at, "item", "value").set_index("item")["value"]
    assert report["rows read"] == "17,424"
    assert report["missing days (closed)"] == "1999-01-11, 1999-01-12"
    assert report["days"] == "363 (1999-01-01 .. 1999-12-31)"
    assert numbers(metric(at, "days of history").value) == [363]

    # the forecast: the API's, to the last digit, and the CLI's CSV to its 3 decimals
    api = fc.forecast(hist, model="cal_ssm", horizon_days=HORIZON, n_paths=PATHS, seed=0)
    shown = table_with(at, "timestamp", "lower_80", "upper_95", "model")
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), api)
    assert numbers(metric(at, "forecast contacts").value) == [round(api["volume"].sum())]
    out = tmp_path / "fc.csv"
    run = ccsim(
        "forecast",
        str(forecast_view.SHIPPED_HISTORY),
        "--horizon-days",
        str(HORIZON),
        "--paths",
        str(PATHS),
        "--model",
        "cal_ssm",
        "--holidays",
        forecast_view.SHIPPED_HOLIDAYS,
        "--out",
        str(out),
    )
    assert run.returncode == 0, run.stderr
    cli = pd.read_csv(out)
    np.testing.assert_allclose(cli["volume"], shown["volume"], atol=5e-4)
    np.testing.assert_allclose(cli["upper_80"], shown["upper_80"], atol=5e-4)

    # without the holidays: the plain history's forecast, which is not the same
    plain = fc.forecast(
        load_anonymous_bank_history(), model="cal_ssm", horizon_days=HORIZON, n_paths=PATHS, seed=0
    )
    assert not np.allclose(plain["volume"], api["volume"])
    holidays = at.selectbox(key=f"forecast-holidays-{forecast_view.SHIPPED_HISTORY.name}")
    assert holidays.value == "IL"
    holidays.set_value(forecast_view.NO_HOLIDAYS).run()
    ok(at)
    shown = table_with(at, "timestamp", "lower_80", "upper_95", "model")
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), plain)
    at.selectbox(key=f"forecast-holidays-{forecast_view.SHIPPED_HISTORY.name}").set_value(
        forecast_view.SHIPPED_HOLIDAYS
    ).run()

    # the backtest and the reforecast run on request (each takes seconds)
    assert not at.dataframe or all(d.key != "forecast-backtest" for d in at.dataframe)
    at.toggle(key="forecast-run-backtest").set_value(True).run()
    at.toggle(key="forecast-run-intraday").set_value(True).run()
    ok(at)
    # the backtest: accuracy() of backtest() with the page's origins
    cv = fc.backtest(
        hist, forecast_view.BACKTEST_MODELS, horizon_days=1, n_windows=ORIGINS, n_paths=100
    )
    pd.testing.assert_frame_equal(table_with(at, "mase", "wape", "coverage_80"), fc.accuracy(cv))

    # the intraday reforecast of the last day from noon, and its day-ahead forecast
    rest = table_with(at, "day_ahead", "reforecast", "change")
    ref = fc.reforecast(hist, AS_OF, n_paths=PATHS, seed=0)
    assert rest["timestamp"].tolist() == ref["timestamp"].tolist()
    np.testing.assert_array_equal(rest["reforecast"], ref["volume"])
    ahead = fc.forecast(
        forecast_view.history_before(hist, AS_OF.date()),
        model="dow_ssm",
        horizon_days=1,
        n_paths=PATHS,
    ).set_index("timestamp")
    np.testing.assert_array_equal(rest["day_ahead"], ahead.loc[rest["timestamp"], "volume"])
    # the update is one level for the whole rest of the day: reforecast / day-ahead constant
    ratio = rest["reforecast"] / rest["day_ahead"]
    assert np.allclose(ratio, ratio.iloc[0]) and ratio.iloc[0] != 1
    actual = hist.frame.set_index("timestamp").loc[rest["timestamp"], "volume"]
    assert numbers(metric(at, "rest of day · actual").value) == [round(actual.sum())]
    assert numbers(metric(at, "rest of day · reforecast").value)[0] == round(ref["volume"].sum())

    # another day and time: the picker's values reach the reforecast
    at.date_input(key="forecast-day").set_value(dt.date(1999, 12, 29)).run()
    at.time_input(key="forecast-as-of").set_value(dt.time(9, 30)).run()
    ok(at)
    rest = table_with(at, "day_ahead", "reforecast", "change")
    ref = fc.reforecast(hist, "1999-12-29 09:30", n_paths=PATHS, seed=0)
    np.testing.assert_array_equal(rest["reforecast"], ref["volume"])
    assert rest["timestamp"].iloc[0] == pd.Timestamp("1999-12-29 09:30")

    # the transient update: as `ccsim forecast --update transient`; no longer one factor
    at.radio(key="forecast-update").set_value("transient").run()
    ok(at)
    rest = table_with(at, "day_ahead", "reforecast", "change")
    ref = fc.reforecast(hist, "1999-12-29 09:30", n_paths=PATHS, seed=0, update="transient")
    np.testing.assert_array_equal(rest["reforecast"], ref["volume"])
    ratio = rest["reforecast"] / rest["day_ahead"]
    assert not np.allclose(ratio, ratio.iloc[0])


def test_forecast_page_writes_the_forecast_into_the_scenario(hist: fc.History):
    """erlang_a_check has 96 half-hours from 00:00 (two days): filled from the first
    forecast day as ``ccsim forecast --scenario ... --write-scenario`` fills it."""
    erlang = sim.load_scenario(SCENARIOS / "erlang_a_check.yaml")
    at = open_page("forecast")
    at.session_state["scenario"] = erlang
    at.run()
    ok(at)
    at.button(key="forecast-write").click().run()
    ok(at)
    series = fc.forecast_series(hist, model="cal_ssm", horizon_days=HORIZON, n_paths=PATHS, seed=0)
    want = fc.scenario_with_forecast(
        erlang,
        fc.forecast(hist, model="cal_ssm", horizon_days=HORIZON, n_paths=PATHS),
        calendar=hist.calendar,
    )
    got = at.session_state["scenario"]
    assert got == want == forecast_view.scenario_from_forecast(erlang, hist, series)
    assert got.channels["voice"].arrivals != erlang.channels["voice"].arrivals
    assert "Wrote the forecast from 2000-01-01" in at.success[0].value


def test_forecast_page_says_why_a_scenario_cannot_take_the_forecast():
    """retail_bank has 15-minute periods; the shipped history is 30-minute."""
    at = open_page("forecast")
    at.button(key="forecast-write").click().run()
    ok(at)
    assert "interval_minutes: the forecast has 30-minute intervals" in at.error[0].value
    assert at.session_state["scenario"].name == "Retail bank weekday (four channels)"


BAD_UPLOADS = [
    (
        "timestamp,channel,volume\n2024-01-01 08:00,voice,3\n2024-01-01 08:15,voice,lots\n",
        "row 3, column 'volume': not a number: 'lots'",
    ),
    ("when,channel,volume\n2024-01-01 08:00,voice,3\n", "missing column(s) timestamp"),
    (
        "timestamp,channel,volume\n2024-01-01 08:00,voice,3\n2024-01-01 08:00,voice,4\n",
        "rows 2 and 3, column 'timestamp': duplicated timestamp 2024-01-01 08:00:00",
    ),
    (
        "timestamp,channel,volume\n2024-01-01 08:00,voice,3\nyesterday,voice,4\n",
        "row 3, column 'timestamp': not a timestamp: 'yesterday'",
    ),
]


@pytest.mark.parametrize(("text", "why"), BAD_UPLOADS)
def test_forecast_page_names_the_row_and_column_of_a_bad_upload(text: str, why: str):
    at = open_page("forecast")
    at.get("file_uploader")[0].set_value(("calls.csv", text.encode(), "text/csv")).run()
    ok(at)
    assert len(at.error) == 1
    msg = at.error[0].value
    assert msg.startswith("Cannot read the history `calls.csv`: calls.csv: ") and why in msg, msg
    with pytest.raises(fc.HistoryError, match="calls.csv: "):
        forecast_view.read_upload("calls.csv", text.encode())


def test_forecast_page_writes_the_reforecast_into_the_scenario(hist: fc.History, tmp_path: Path):
    """One day of erlang_a_check's half-hours from 00:00, re-planned at noon on the last
    day of the history as ``ccsim forecast --as-of ... --write-scenario`` writes it:
    the morning keeps its 100 arrivals per period, the afternoon is the reforecast."""
    day = sim.load_scenario(SCENARIOS / "erlang_a_check.yaml").updated({"periods": 48})
    at = open_page("forecast")
    at.session_state["scenario"] = day
    at.run()
    ok(at)
    at.toggle(key="forecast-run-intraday").set_value(True).run()
    at.button(key="forecast-write-reforecast").click().run()
    ok(at)
    got = at.session_state["scenario"]
    assert got == forecast_view.scenario_from_reforecast(day, hist, AS_OF, n_paths=PATHS, seed=0)
    arrivals = got.channels["voice"].arrivals
    assert list(arrivals[:24]) == [100.0] * 24  # 00:00-11:30 kept
    ref = fc.reforecast(hist, AS_OF, n_paths=PATHS, seed=0)
    assert list(arrivals[24:]) == [round(float(v), 3) for v in ref["volume"]]
    assert "Wrote the reforecast as of 1999-12-31 12:00" in at.success[0].value
    # the CLI writes the same scenario
    base, new = tmp_path / "day.yaml", tmp_path / "new.yaml"
    base.write_text(day.to_yaml())
    run = ccsim(
        "forecast",
        str(forecast_view.SHIPPED_HISTORY),
        "--as-of",
        "1999-12-31 12:00",
        "--paths",
        str(PATHS),
        "--horizon-days",
        "1",
        "--scenario",
        str(base),
        "--write-scenario",
        str(new),
    )
    assert run.returncode == 0, run.stderr
    assert sim.load_scenario(new).channels["voice"].arrivals == arrivals

    # with the transient update chosen, the written afternoon is its reforecast (as
    # `--update transient` writes it)
    at.radio(key="forecast-update").set_value("transient").run()
    at.button(key="forecast-write-reforecast").click().run()
    ok(at)
    got = at.session_state["scenario"].channels["voice"].arrivals
    ref = fc.reforecast(hist, AS_OF, n_paths=PATHS, seed=0, update="transient")
    assert list(got[24:]) == [round(float(v), 3) for v in ref["volume"]] != list(arrivals[24:])


def test_forecast_page_names_special_days_of_the_horizon():
    """As ``ccsim forecast``: with US holidays the shipped history's first forecast day,
    New Year's Day 2000, is a special day forecast as an ordinary one, and the page
    says so; with Israel's (the default) nothing is said."""
    at = open_page("forecast")
    ok(at)
    note = "forecast as ordinary days"
    assert not any(note in c.value for c in at.caption)
    at.selectbox(key=f"forecast-holidays-{forecast_view.SHIPPED_HISTORY.name}").set_value(
        "US"
    ).run()
    ok(at)
    said = [c.value for c in at.caption if note in c.value]
    assert len(said) == 1 and "2000-01-01" in said[0], said
