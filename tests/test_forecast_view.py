"""The forecast page's pure parts (sim.present.forecast_view), without Streamlit."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import forecasting as fc
from sim.present import forecast_view

from .forecast_helpers import synthetic_history


def csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, date_format="%Y-%m-%d %H:%M").encode()


def test_interval_choices_divide_a_day():
    assert forecast_view.interval_choices(15) == [15, 30, 45, 60, 90, 120]
    assert forecast_view.interval_choices(30) == [30, 60, 90, 120]
    assert forecast_view.interval_choices(180) == [180]


def test_read_upload_is_read_history_of_the_same_rows():
    df = synthetic_history(weeks=3)
    got = forecast_view.read_upload("calls.csv", csv_bytes(df), interval_minutes=30)
    want = fc.read_history(df.astype(str), interval_minutes=30)
    pd.testing.assert_frame_equal(got.frame, want.frame)
    assert got.report == want.report and got.calendar == want.calendar


def test_read_upload_names_the_file_row_and_column():
    df = synthetic_history(weeks=3).astype(str)
    df.loc[5, "volume"] = "n/a"
    with pytest.raises(fc.HistoryError, match=r"^calls.csv: row 7, column 'volume': not a number"):
        forecast_view.read_upload("calls.csv", csv_bytes(df))
    with pytest.raises(fc.HistoryError, match="^calls.csv: not a readable CSV"):
        forecast_view.read_upload("calls.csv", b"")


def test_report_table_holds_the_cleaning_report():
    df = synthetic_history(weeks=3)
    df = df[df["timestamp"].dt.date != dt.date(2024, 1, 10)]  # a Wednesday missing
    df = df.drop(index=df.index[3])  # a gap inside a day
    hist = fc.read_history(df)
    table = forecast_view.report_table(hist.report).set_index("item")["value"]
    assert table["missing days (closed)"] == "2024-01-10"
    assert table["gaps filled with 0"] == "1 intervals"
    assert table["rows read"] == f"{len(df):,}"
    assert table["open Mon"] == hist.report.opening_hours["Mon"]


def test_history_before_keeps_only_earlier_days():
    hist = fc.read_history(synthetic_history(weeks=3))
    day = dt.date(2024, 1, 15)
    before = forecast_view.history_before(hist, day)
    assert before.frame["timestamp"].max() < pd.Timestamp(day)
    assert len(before.frame) == (hist.frame["timestamp"] < pd.Timestamp(day)).sum()
    assert before.matrix().dates[-1] == dt.date(2024, 1, 12)  # the Friday before
    with pytest.raises(fc.HistoryError, match="day: no history before"):
        forecast_view.history_before(hist, dt.date(2023, 12, 1))


def test_intraday_frame_splits_the_day_at_as_of():
    hist = fc.read_history(synthetic_history(weeks=6))
    as_of = pd.Timestamp("2024-02-07 12:00")
    frame = forecast_view.intraday_frame(hist, as_of, "voice", n_paths=100, seed=0)
    assert frame["timestamp"].dt.date.eq(as_of.date()).all()
    assert frame.loc[frame["seen"], "timestamp"].max() == as_of - pd.Timedelta(minutes=15)
    assert frame.loc[frame["reforecast"].notna(), "timestamp"].min() == as_of
    assert frame["seen"].eq(frame["reforecast"].isna()).all()
    ref = fc.reforecast(hist, as_of, n_paths=100, seed=0)
    assert frame["reforecast"].dropna().tolist() == ref["volume"].tolist()
    sums = forecast_view.totals(frame)
    assert sums["rest reforecast"] == pytest.approx(ref["volume"].sum())
    day = hist.frame[hist.frame["timestamp"].dt.date == as_of.date()]
    assert sums["seen actual"] + sums["rest actual"] == day["volume"].sum()
