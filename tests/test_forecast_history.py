"""History in: validation errors name row and column; calendar and aggregation learned."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from forecasting import HistoryError, load_anonymous_bank_history, read_history

from .forecast_helpers import US_BANK, needs_us_bank, synthetic_history


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "h.csv"
    p.write_text(text)
    return p


def test_text_in_numbers_names_row_and_column(tmp_path: Path):
    p = write(
        tmp_path,
        "timestamp,channel,volume\n2024-01-01 08:00,voice,3\n2024-01-01 08:15,voice,lots\n",
    )
    with pytest.raises(HistoryError, match=r"row 3, column 'volume': not a number: 'lots'"):
        read_history(p)


def test_unsorted_and_duplicate_stamps_are_errors(tmp_path: Path):
    head = "timestamp,channel,volume\n"
    p = write(tmp_path, head + "2024-01-01 08:15,voice,3\n2024-01-01 08:00,voice,4\n")
    with pytest.raises(HistoryError, match=r"row 3, column 'timestamp': timestamps are not sorted"):
        read_history(p)
    p = write(tmp_path, head + "2024-01-01 08:00,voice,3\n2024-01-01 08:00,voice,4\n")
    with pytest.raises(HistoryError, match=r"rows 2 and 3, column 'timestamp': duplicated"):
        read_history(p)


def test_bad_timestamp_negative_volume_missing_column(tmp_path: Path):
    head = "timestamp,channel,volume\n"
    with pytest.raises(HistoryError, match=r"row 2, column 'timestamp': not a timestamp"):
        read_history(write(tmp_path, head + "yesterday,voice,3\n"))
    with pytest.raises(HistoryError, match=r"row 2, column 'volume': volume must be >= 0"):
        read_history(write(tmp_path, head + "2024-01-01 08:00,voice,-1\n"))
    with pytest.raises(HistoryError, match=r"missing column\(s\) volume"):
        read_history(write(tmp_path, "timestamp,calls\n2024-01-01 08:00,3\n"))


def test_one_day_history_is_too_short(tmp_path: Path):
    df = synthetic_history(weeks=1)
    one_day = df[df["timestamp"].dt.date == df["timestamp"].dt.date.iloc[0]]
    with pytest.raises(HistoryError, match=r"1 day\(s\) of history; at least 2"):
        read_history(one_day)


def test_calendar_weekdays_07_to_21_and_aggregation():
    df = synthetic_history(weeks=3)
    h = read_history(df, interval_minutes=30)
    cal = h.calendar
    assert cal.open_weekdays == (0, 1, 2, 3, 4)
    assert cal.opening_hours()["Mon"] == "07:00-21:00"
    assert h.interval_minutes == 30
    assert h.frame["volume"].sum() == df["volume"].sum()  # aggregation keeps every call
    assert cal.next_open_days(dt.date(2024, 1, 19), 2) == [
        dt.date(2024, 1, 22),
        dt.date(2024, 1, 23),
    ]
    with pytest.raises(HistoryError, match="interval_minutes: 20 is not a multiple"):
        read_history(df, interval_minutes=20)


def test_missing_days_and_gaps_are_reported():
    df = synthetic_history(weeks=3)
    ts = df["timestamp"]
    df = df[ts.dt.date != dt.date(2024, 1, 10)]  # a Wednesday closed
    df = df[~((df["timestamp"].dt.date == dt.date(2024, 1, 11)) & (df["timestamp"].dt.hour == 12))]
    h = read_history(df)
    assert h.report.missing_days == (dt.date(2024, 1, 10),)
    assert h.report.gap_intervals == 4
    y = h.matrix("voice")
    assert y.after_closure([dt.date(2024, 1, 11), dt.date(2024, 1, 12)]).tolist() == [1.0, 0.0]


def test_column_mapping_without_channel(tmp_path: Path):
    p = write(tmp_path, "when,calls\n2024-01-01 08:00,3\n2024-01-01 08:05,4\n2024-01-02 08:00,5\n")
    h = read_history(p, columns={"timestamp": "when", "volume": "calls", "channel": None})
    assert h.channels == ("all",)
    assert h.report.source_interval_minutes == 5


@needs_us_bank
def test_us_bank_calendar_learned():
    h = read_history(
        US_BANK,
        columns={"timestamp": "datetime", "volume": "calls", "channel": None},
        interval_minutes=15,
    )
    r = h.report
    assert r.days == 164 and h.calendar.open_weekdays == (0, 1, 2, 3, 4)
    assert r.opening_hours["Wed"] == "07:00-21:15"  # the 21:00 bin holds 21:00-21:05
    assert dt.date(2003, 9, 1) in r.missing_days and len(r.missing_days) == 6
    assert h.frame["volume"].sum() == 5_323_661


def test_shipped_anonymous_bank_history_is_24_7():
    h = load_anonymous_bank_history()
    assert h.calendar.open_weekdays == tuple(range(7))
    assert h.calendar.opening_hours()["Sun"] == "24h"
    assert h.report.missing_days == (dt.date(1999, 1, 11), dt.date(1999, 1, 12))
    assert int(h.frame["volume"].sum()) == 442_249
    assert isinstance(h.frame, pd.DataFrame)


def test_mixed_utc_offsets_name_the_row(tmp_path: Path):
    """Mixed UTC offsets used to raise pandas' 'Mixed timezones detected'; one offset
    throughout is fine (clock times kept)."""
    head = "timestamp,channel,volume\n"
    rows = ["2024-01-01T08:00+01:00", "2024-01-01T08:15+01:00", "2024-01-01T08:30+02:00"]
    text = head + "".join(f"{t},voice,3\n" for t in rows)
    with pytest.raises(
        HistoryError,
        match=r"row 4, column 'timestamp': '2024-01-01T08:30\+02:00' has UTC offset \+02:00, "
        r"row 2 has \+01:00",
    ):
        read_history(write(tmp_path, text))
    naive_too = head + "2024-01-01 08:00,voice,3\n2024-01-01T08:15Z,voice,3\n"
    with pytest.raises(HistoryError, match=r"row 3, .* has UTC offset \+00:00, row 2 has none"):
        read_history(write(tmp_path, naive_too))
    df = synthetic_history(weeks=3)
    one = df.assign(timestamp=df["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:00-05:00"))
    h = read_history(one)
    assert h.frame["timestamp"].iloc[0] == pd.Timestamp("2024-01-01 07:00")  # clock time
    assert h.calendar.opening_hours()["Mon"] == "07:00-21:00"


def test_mixed_utc_offsets_in_call_records():
    import forecasting as fc

    df = pd.DataFrame(
        {
            "arrival": ["2024-01-01 08:00:00+01:00", "2024-01-01 08:00:05+00:00"],
            "queue": "voice",
            "wait": "3",
            "outcome": "answered",
        }
    )
    with pytest.raises(fc.RecordsError, match=r"row 3, column 'arrival': .* UTC offset \+00:00"):
        fc.read_records(df)


def test_a_row_off_the_grid_is_an_error_naming_it():
    """One 09:07 row in an hourly history used to make it 1-minute data silently."""
    df = synthetic_history(weeks=3)
    hourly = df[df["timestamp"].dt.minute == 0].reset_index(drop=True)
    assert read_history(hourly).report.source_interval_minutes == 60
    i = int(hourly.index[hourly["timestamp"] == pd.Timestamp("2024-01-03 09:00")][0])
    stray = hourly.copy()
    stray.loc[i, "timestamp"] = pd.Timestamp("2024-01-03 09:07")
    with pytest.raises(
        HistoryError,
        match=rf"row {i + 2}, column 'timestamp': 2024-01-03 09:07:00 is off the 60-minute "
        r"grid of the other rows \(1 of 210 rows",
    ):
        read_history(stray)
    with pytest.raises(HistoryError, match=rf"row {i + 2}, .* is off the 60-minute grid"):
        read_history(stray, interval_minutes=60)
    stray.loc[i, "timestamp"] = pd.Timestamp("2024-01-03 09:00:30")
    with pytest.raises(HistoryError, match=rf"row {i + 2}, .* is not on a whole minute"):
        read_history(stray)
    shifted = hourly.assign(timestamp=hourly["timestamp"] + pd.Timedelta(minutes=30))
    with pytest.raises(HistoryError, match=r"row 2, .* 07:30:00 is off the 60-minute grid"):
        read_history(shifted)
    sparse = df.drop(index=df.index[df["timestamp"].dt.minute.isin([15, 45])][::2])
    assert read_history(sparse).report.source_interval_minutes == 15  # gaps are not off-grid


def test_all_zero_history_says_why_and_a_zero_channel_forecasts_zero():
    """An all-zero history raised IndexError; a channel that is 0 throughout beside a
    busy one made topdown fail ('lam value too large'). Now: an error saying why, and
    a forecast of 0 for the zero channel with every model; its backtest says why not."""
    import forecasting as fc

    df = synthetic_history(weeks=3)
    with pytest.raises(HistoryError, match=r"every volume \(column 'volume'\) is 0, so no int"):
        read_history(df.assign(volume=0))
    both = pd.concat([df, df.assign(channel="chat", volume=0)], ignore_index=True)
    hist = read_history(both)
    models = ("snaive_week", "snaive_day", "topdown", "mstl", "dow_ssm", "cal_ssm")
    for model in (*models, "drift_ssm", "week_ssm", "auto"):
        out = fc.forecast(hist, model=model, horizon_days=2, n_paths=40)
        chat = out[out["channel"] == "chat"]
        assert len(chat) == 2 * 56 and (chat["model"] == "zero").all(), model
        assert (chat[["volume", "lower_80", "upper_80", "lower_95", "upper_95"]] == 0).all().all()
        assert out.loc[out["channel"] == "voice", "volume"].sum() > 1000
    with pytest.raises(HistoryError, match=r"channel 'chat' has volume 0 throughout"):
        fc.backtest(hist, ["snaive_week"], n_windows=2)
