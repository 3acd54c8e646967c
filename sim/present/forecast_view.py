"""The app's forecast page without Streamlit: read an uploaded history, its cleaning
report as a table, the intraday reforecast next to the day-ahead forecast it updates,
the charts, and the scenario filled with a forecast (what ``ccsim forecast
--write-scenario`` writes).

Volumes are contacts per interval of the history (``History.interval_minutes``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Mapping

import altair as alt
import pandas as pd

import sim
from forecasting.data import ANONYMOUS_BANK_30MIN, ANONYMOUS_BANK_COUNTRY
from forecasting.forecast import (
    forecast_coverage,
    forecast_frame,
    forecast_series,
    scenario_with_forecast,
)
from forecasting.handle_time import handle_time_frame, scenario_with_handle_times
from forecasting.history import MINUTES_PER_DAY, CleaningReport, History, HistoryError, read_history
from forecasting.intraday import (
    DEFAULT_MODEL,
    LEVEL,
    reforecast_series,
    scenario_with_reforecast,
)
from forecasting.models import SeriesForecast

__all__ = [
    "BACKTEST_MODELS",
    "NO_HOLIDAYS",
    "SHIPPED_HISTORY",
    "SHIPPED_HOLIDAYS",
    "day_ahead",
    "forecast_chart",
    "history_before",
    "holiday_choices",
    "interval_choices",
    "intraday_chart",
    "intraday_frame",
    "read_upload",
    "report_table",
    "rest_of_day",
    "scenario_from_forecast",
    "scenario_from_reforecast",
    "totals",
]

SHIPPED_HISTORY = ANONYMOUS_BANK_30MIN
"""The history the page opens with (Anonymous Bank 1999, 30-minute intervals)."""
SHIPPED_HOLIDAYS = ANONYMOUS_BANK_COUNTRY
"""The public holidays the page takes for the shipped history (the bank is Israeli)."""
NO_HOLIDAYS = "none"
"""The page's choice of no public holidays (an upload's default)."""
BACKTEST_MODELS = ("snaive_week", "topdown", "mstl", "dow_ssm")
"""The models the page backtests (``ccsim backtest``'s default set)."""
LONGEST_INTERVAL = 120
"""Longest interval (min) the page offers to aggregate a history to."""
ACTUAL, FORECAST, BAND = "actual", "forecast", "80% band"
DAY_AHEAD, REFORECAST = "day-ahead forecast", "reforecast"
COLOURS = {ACTUAL: "#444444", FORECAST: "#1f77b4", DAY_AHEAD: "#1f77b4", REFORECAST: "#d62728"}
HEIGHT = 280


def read_upload(name: str, data: bytes, *, interval_minutes: int | None = None) -> History:
    """An uploaded history CSV, read and cleaned as ``ccsim forecast`` reads a file.

    Raises :class:`~forecasting.history.HistoryError` naming the upload and, for bad
    cells, the CSV line ("row") and column (missing columns, text in numbers, gaps off
    the interval grid, unsorted or duplicated timestamps ...).
    """
    try:
        raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise HistoryError(f"{name}: not a readable CSV ({exc})") from None
    try:
        return read_history(raw, interval_minutes=interval_minutes)
    except HistoryError as exc:
        msg = str(exc)
        if msg.startswith("history: "):  # read_history's name for a DataFrame
            msg = f"{name}: {msg.removeprefix('history: ')}"
        raise HistoryError(msg) from None


def holiday_choices() -> list[str]:
    """The page's public-holiday choices: :data:`NO_HOLIDAYS`, then the ISO 3166 alpha-2
    country codes the ``holidays`` package knows, sorted (``--holidays`` of ``ccsim
    forecast`` takes the same codes)."""
    import holidays

    codes = sorted(c for c in holidays.list_supported_countries() if len(c) == 2)
    return [NO_HOLIDAYS, *codes]


def interval_choices(source_minutes: int, longest: int = LONGEST_INTERVAL) -> list[int]:
    """Intervals (min) a history of ``source_minutes`` can be aggregated to: multiples
    of it that divide a day, up to ``longest`` (the source interval always)."""
    return [
        m
        for m in range(source_minutes, max(longest, source_minutes) + 1, source_minutes)
        if MINUTES_PER_DAY % m == 0
    ]


def report_table(report: CleaningReport) -> pd.DataFrame:
    """What reading the history found, one ``item, value`` row per finding."""
    missing = ", ".join(map(str, report.missing_days)) or "none"
    rows = [
        ("rows read", f"{report.rows:,}"),
        ("channels", ", ".join(report.channels)),
        ("days", f"{report.days} ({report.first_day} .. {report.last_day})"),
        (
            "interval",
            f"{report.source_interval_minutes} min in the file, "
            f"{report.interval_minutes} min forecast",
        ),
        ("missing days (closed)", missing),
        ("gaps filled with 0", f"{report.gap_intervals} intervals"),
        ("volume in closed intervals (left out)", f"{report.closed_interval_volume:g}"),
        *((f"open {day}", hours) for day, hours in report.opening_hours.items()),
        *(("note", n) for n in report.notes),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


def history_before(history: History, day: dt.date) -> History:
    """``history`` up to the start of ``day`` (what was known the evening before)."""
    start = pd.Timestamp(day)
    frame = history.frame[history.frame["timestamp"] < start].reset_index(drop=True)
    if frame.empty:
        raise HistoryError(f"day: no history before {day}")
    return dataclasses.replace(history, frame=frame, observed_until=start)


def day_ahead(
    history: History, day: dt.date, *, model: str = DEFAULT_MODEL, n_paths: int, seed: int
) -> dict[str, SeriesForecast]:
    """Per channel: the forecast of ``day`` made from the days before it (one day
    ahead), by the model the intraday reforecast updates."""
    return forecast_series(
        history_before(history, day), model=model, horizon_days=1, n_paths=n_paths, seed=seed
    )


def intraday_frame(
    history: History,
    as_of: pd.Timestamp,
    channel: str,
    *,
    n_paths: int,
    seed: int,
    update: str = LEVEL,
) -> pd.DataFrame:
    """``as_of``'s day of one channel, per open interval: ``timestamp``, ``actual``
    (0 where the history has no row), the ``day_ahead`` forecast, the ``reforecast``
    from ``as_of`` on (NaN before), its 80% band ``lower_80`` / ``upper_80``, and
    ``seen`` (the interval had ended by ``as_of``: an actual the reforecast used).
    ``update``: how the morning updates the rest (:data:`forecasting.intraday.UPDATES`)."""
    day = as_of.date()
    ahead = forecast_frame(day_ahead(history, day, n_paths=n_paths, seed=seed))
    series, _priors = reforecast_series(
        history,
        as_of,
        horizon_days=1,
        channels=[channel],
        n_paths=n_paths,
        seed=seed,
        update=update,
    )
    rest = forecast_frame(series)
    ahead = ahead[ahead["channel"] == channel].set_index("timestamp")
    rest = rest[rest["channel"] == channel].set_index("timestamp")
    frame = history.frame[history.frame["channel"] == channel].set_index("timestamp")
    out = pd.DataFrame(index=ahead.index)
    out["actual"] = frame["volume"].reindex(out.index).fillna(0.0)
    out["day_ahead"] = ahead["volume"]
    out["reforecast"] = rest["volume"].reindex(out.index)
    out["lower_80"] = rest["lower_80"].reindex(out.index)
    out["upper_80"] = rest["upper_80"].reindex(out.index)
    step = pd.Timedelta(minutes=history.interval_minutes)
    out = out.reset_index()
    out["seen"] = (out["timestamp"] + step) <= as_of
    return out


def _colour(names: list[str]) -> alt.Color:
    return alt.Color(
        "series:N",
        scale=alt.Scale(domain=names, range=[COLOURS.get(n, "#9ecae1") for n in names]),
        legend=alt.Legend(title=None, orient="top", symbolType="stroke"),
    )


def _band(df: pd.DataFrame, title: str) -> alt.Chart:
    return (
        alt.Chart(df.assign(series=BAND))
        .mark_area(opacity=0.3, color="#9ecae1")
        .encode(
            x=alt.X("timestamp:T", title=None),
            y=alt.Y("lower_80:Q", title=title),
            y2="upper_80:Q",
            fill=alt.Fill(
                "series:N",
                scale=alt.Scale(domain=[BAND], range=["#9ecae1"]),
                legend=alt.Legend(title=None, orient="top", symbolType="square"),
            ),
        )
    )


def forecast_chart(
    history: History, forecast: pd.DataFrame, channel: str, *, days_back: int = 3
) -> alt.LayerChart:
    """The last ``days_back`` days of actuals of ``channel``, then its forecast with the
    80% prediction band (contacts per interval)."""
    fc = forecast[forecast["channel"] == channel]
    past = history.frame[history.frame["channel"] == channel]
    start = past["timestamp"].max().normalize() - pd.Timedelta(days=days_back - 1)
    past = past[past["timestamp"] >= start]
    lines = pd.concat(
        [
            pd.DataFrame(
                {"timestamp": past["timestamp"], "volume": past["volume"], "series": ACTUAL}
            ),
            pd.DataFrame(
                {"timestamp": fc["timestamp"], "volume": fc["volume"], "series": FORECAST}
            ),
        ],
        ignore_index=True,
    )
    title = f"contacts per {history.interval_minutes} min"
    line = (
        alt.Chart(lines)
        .mark_line()
        .encode(
            x=alt.X("timestamp:T", title=None),
            y=alt.Y("volume:Q", title=title),
            color=_colour([ACTUAL, FORECAST]),
            tooltip=["timestamp:T", "series:N", alt.Tooltip("volume:Q", format=".1f")],
        )
    )
    return (
        (_band(fc, title) + line)
        .resolve_scale(color="independent", fill="independent")
        .properties(title=f"{channel}: actuals and forecast", height=HEIGHT)
    )


def intraday_chart(frame: pd.DataFrame, as_of: pd.Timestamp, channel: str) -> alt.LayerChart:
    """One day of :func:`intraday_frame`: actuals, the day-ahead forecast, and the
    reforecast from ``as_of`` with its 80% band; a rule at ``as_of``."""
    long = frame.melt(
        id_vars=["timestamp"], value_vars=["actual", "day_ahead", "reforecast"], var_name="k"
    ).dropna()
    long["series"] = long["k"].map(
        {"actual": ACTUAL, "day_ahead": DAY_AHEAD, "reforecast": REFORECAST}
    )
    title = "contacts per interval"
    line = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("timestamp:T", title=None),
            y=alt.Y("value:Q", title=title),
            color=_colour([ACTUAL, DAY_AHEAD, REFORECAST]),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(
                    domain=[ACTUAL, DAY_AHEAD, REFORECAST], range=[[1, 0], [5, 3], [1, 0]]
                ),
                legend=None,
            ),
            tooltip=["timestamp:T", "series:N", alt.Tooltip("value:Q", format=".1f")],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"timestamp": [as_of]}))
        .mark_rule(color="#888888", strokeDash=[2, 2])
        .encode(x="timestamp:T")
    )
    band = _band(frame.dropna(subset=["reforecast"]), title)
    return (
        (band + line + rule)
        .resolve_scale(color="independent", fill="independent")
        .properties(
            title=f"{channel} on {as_of:%a %Y-%m-%d}: reforecast as of {as_of:%H:%M}", height=HEIGHT
        )
    )


def scenario_from_forecast(
    scenario: sim.Scenario,
    history: History,
    series: Mapping[str, SeriesForecast],
    *,
    day: dt.date | None = None,
) -> sim.Scenario:
    """``scenario`` with the arrivals (and, when the history has handle times, the
    handle-time means) of a day-ahead forecast from ``day`` on, as ``ccsim forecast
    HISTORY --scenario FILE --write-scenario NEW [--day DAY]`` writes it: forecast
    channels fill the scenario channels of the same name; periods when the centre is
    closed (the history's calendar) get 0 arrivals.

    Raises :class:`HistoryError`: the forecast's interval differs from the scenario's,
    no channel matches, or the forecast does not cover the scenario's periods.
    """
    out = forecast_frame(series)
    new = scenario_with_forecast(scenario, out, day=day, paths=series, calendar=history.calendar)
    assert isinstance(new, sim.Scenario)
    handle = handle_time_frame(history, series)
    if not handle.empty:
        grids = {c: forecast_coverage(new, out, c, day=day).grid for c in out["channel"].unique()}
        new = scenario_with_handle_times(new, handle, grids)
    return new


def scenario_from_reforecast(
    scenario: sim.Scenario,
    history: History,
    as_of: pd.Timestamp,
    *,
    n_paths: int,
    seed: int,
    update: str = LEVEL,
) -> sim.Scenario:
    """``scenario`` re-planned at ``as_of`` as ``ccsim forecast HISTORY --as-of AS_OF
    --scenario FILE --write-scenario NEW [--update U]`` writes it: its periods run from its start on
    ``as_of``'s day; those before ``as_of`` keep their arrivals, the later ones take the
    intraday reforecast (:func:`forecasting.reforecast`, ``dow_ssm``), with the
    history's handle times when it has them.

    Raises :class:`HistoryError`: an open period after ``as_of`` the reforecast (the
    rest of that one day) does not cover, an interval mismatch, no channel matching.
    """
    series, _priors = reforecast_series(history, as_of, n_paths=n_paths, seed=seed, update=update)
    out = forecast_frame(series)
    new = scenario_with_reforecast(scenario, out, as_of, paths=series, calendar=history.calendar)
    handle = handle_time_frame(history, series)
    if not handle.empty:
        day = as_of.date()
        grids = {c: forecast_coverage(new, out, c, day=day).grid for c in out["channel"].unique()}
        new = scenario_with_handle_times(new, handle, grids)
    return new


def rest_of_day(frame: pd.DataFrame) -> pd.DataFrame:
    """The intervals of :func:`intraday_frame` the reforecast covers, with the change
    from the day-ahead forecast (contacts per interval)."""
    rest = frame.dropna(subset=["reforecast"]).copy()
    rest["change"] = rest["reforecast"] - rest["day_ahead"]
    return rest


def totals(frame: pd.DataFrame) -> dict[str, float]:
    """Contacts over the rest of the day: day-ahead, reforecast and (when the history
    has them) actual; and the actuals seen by ``as_of``."""
    rest = rest_of_day(frame)
    return {
        "seen actual": float(frame.loc[frame["seen"], "actual"].sum()),
        "seen day-ahead": float(frame.loc[frame["seen"], "day_ahead"].sum()),
        "rest day-ahead": float(rest["day_ahead"].sum()),
        "rest reforecast": float(rest["reforecast"].sum()),
        "rest actual": float(rest["actual"].sum()),
    }
