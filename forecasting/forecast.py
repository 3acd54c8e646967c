"""The forecasting API: history in, interval forecasts out, and into a scenario.

::

    import forecasting as fc
    hist = fc.read_history("calls.csv", interval_minutes=15)
    print(hist.report)
    out = fc.forecast(hist, model="auto", horizon_days=5)   # tidy DataFrame
    sc = fc.scenario_with_forecast(sim.load_scenario("base.yaml"), out)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config.clock import MINUTES_PER_DAY, clock_minutes
from sim.config.scenario import Scenario

from .history import Calendar, DayMatrix, History, HistoryError
from .models import MIN_PATHS, ForecastModel, SeriesForecast, get_model

__all__ = [
    "FORECAST_COLUMNS",
    "ForecastCoverage",
    "forecast",
    "forecast_coverage",
    "forecast_frame",
    "forecast_series",
    "scenario_with_forecast",
]

MAX_LISTED_RANGES = 3
"""Runs of periods a coverage message lists before it says how many more there are."""

FORECAST_COLUMNS = (
    "timestamp",
    "channel",
    "volume",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
)


def forecast_series(
    history: History,
    *,
    model: str | ForecastModel = "auto",
    horizon_days: int = 5,
    channels: Sequence[str] | None = None,
    n_paths: int = 500,
    seed: int = 0,
) -> dict[str, SeriesForecast]:
    """Fit ``model`` per channel and forecast the next ``horizon_days`` open days.

    Returns the :class:`~forecasting.models.SeriesForecast` of each channel (with its
    sample paths, shape (n_paths, days, intervals)); a channel whose history is 0
    throughout gets :func:`zero_forecast` (model ``zero``).
    """
    if horizon_days < 1:
        raise HistoryError(f"horizon_days: must be >= 1, got {horizon_days}")
    if n_paths < MIN_PATHS:
        raise HistoryError(f"n_paths: must be >= {MIN_PATHS} for 95% intervals, got {n_paths}")
    spec = get_model(model) if isinstance(model, str) else model
    rng = np.random.default_rng(seed)
    out = {}
    for ch in channels or history.channels:
        y = history.matrix(ch)
        days = history.calendar.next_open_days(y.dates[-1], horizon_days)
        if not y.values.any():  # nothing to fit: the forecast is 0 (models would fail)
            out[ch] = zero_forecast(y, days, n_paths=n_paths)
            continue
        out[ch] = spec.fit(y).forecast(days, n_paths=n_paths, rng=rng)
    return out


ZERO_MODEL = "zero"
"""The ``model`` of the forecast of a channel whose history is 0 throughout."""


def zero_forecast(y: DayMatrix, days: Sequence[dt.date], *, n_paths: int) -> SeriesForecast:
    """The forecast of a channel that had no contacts in its whole history: 0 contacts
    in every open interval of ``days``, with no spread."""
    opened = y.open_masks(days)
    mean = np.zeros(opened.shape)
    paths = np.zeros((n_paths, *opened.shape))
    return SeriesForecast(tuple(days), y.slots, mean, paths, opened, ZERO_MODEL, y.channel)


def forecast(
    history: History,
    *,
    model: str | ForecastModel = "auto",
    horizon_days: int = 5,
    channels: Sequence[str] | None = None,
    n_paths: int = 500,
    seed: int = 0,
) -> pd.DataFrame:
    """Interval forecasts from the end of history onward, open intervals only.

    Parameters
    ----------
    history : a cleaned history (:func:`~forecasting.history.read_history`).
    model : a model name (``auto``, ``week_ssm``, ``cal_ssm``, ``drift_ssm``,
        ``dow_ssm``, ``topdown``, ``mstl``, ``snaive_week``, ``snaive_day``) or a
        specification object.
    horizon_days : open days to forecast.
    channels : channels to forecast (default all).
    n_paths : sample paths behind the prediction intervals.
    seed : seed of the sample paths.

    Returns
    -------
    pandas.DataFrame
        ``timestamp, channel, volume, lower_80, upper_80, lower_95, upper_95, model``;
        volumes in contacts per interval of ``history.interval_minutes``.
    """
    parts = forecast_series(
        history,
        model=model,
        horizon_days=horizon_days,
        channels=channels,
        n_paths=n_paths,
        seed=seed,
    )
    return forecast_frame(parts)


def forecast_frame(parts: Mapping[str, SeriesForecast]) -> pd.DataFrame:
    """The tidy forecast table of :func:`forecast` from per-channel forecasts."""
    frames = [f.to_frame() for f in parts.values()]
    df = pd.concat(frames, ignore_index=True)
    return df[[*FORECAST_COLUMNS, "model"]]


@dataclass(frozen=True, eq=False)
class ForecastCoverage:
    """Which of a scenario's periods one channel's forecast covers.

    Attributes
    ----------
    grid : the start (timestamp) of every scenario period, on the chosen day.
    covered : per period, the forecast has a value for it.
    closed : per period, the centre is closed then (0 arrivals is right): by the
        history's calendar when given, else a closed interval or day inside the
        forecast's own days.
    """

    channel: str
    grid: pd.DatetimeIndex
    covered: np.ndarray
    closed: np.ndarray

    @property
    def missing(self) -> np.ndarray:
        """Per period: open (or not known to be closed) but not in the forecast."""
        return ~self.covered & ~self.closed

    def describe(self, mask: np.ndarray) -> str:
        """The periods of ``mask`` as runs of period starts, ``first .. last``."""
        return _ranges(self.grid, mask)


def _ranges(grid: pd.DatetimeIndex, mask: np.ndarray) -> str:
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return "none"
    breaks = np.flatnonzero(np.diff(idx) > 1)
    starts = np.r_[idx[0], idx[breaks + 1]]
    ends = np.r_[idx[breaks], idx[-1]]
    fmt = "%Y-%m-%d %H:%M"
    runs = [
        grid[a].strftime(fmt) if a == b else f"{grid[a].strftime(fmt)} .. {grid[b].strftime(fmt)}"
        for a, b in zip(starts, ends, strict=True)
    ]
    more = len(runs) - MAX_LISTED_RANGES
    text = ", ".join(runs[:MAX_LISTED_RANGES])
    return text + (f" and {more} more run(s)" if more > 0 else "")


def _scenario_grid(
    scenario: Scenario, first_day: pd.Timestamp, day: dt.date | None
) -> pd.DatetimeIndex:
    start_day = first_day if day is None else pd.Timestamp(day)
    t0 = start_day + pd.Timedelta(minutes=clock_minutes(scenario.start))
    step = scenario.interval_minutes
    periods = scenario.periods
    return pd.DatetimeIndex(t0 + pd.to_timedelta(np.arange(periods) * step, unit="m"))


def forecast_coverage(
    scenario: Scenario,
    forecast_frame: pd.DataFrame,
    channel: str,
    *,
    day: dt.date | None = None,
    calendar: Calendar | None = None,
) -> ForecastCoverage:
    """Which of ``scenario``'s periods the forecast of ``channel`` covers, and which
    fall when the centre is closed.

    Parameters
    ----------
    scenario : a :class:`sim.Scenario`; its periods run from its ``start`` clock time
        on ``day`` (default: the forecast's first day).
    forecast_frame : from :func:`forecast` (at the scenario's interval length).
    calendar : the history's calendar (``History.calendar``): a period is closed when
        its weekday or interval is not open in it. Without it, only closed intervals
        and days between the forecast's first and last day are known to be closed.
    """
    fr = forecast_frame[forecast_frame["channel"] == channel]
    if fr.empty:
        raise HistoryError(f"channel: {channel!r} is not in the forecast")
    stamps = pd.DatetimeIndex(fr["timestamp"])
    grid = _scenario_grid(scenario, stamps.min().normalize(), day)
    covered = grid.isin(stamps)
    minute = np.asarray(grid.hour * 60 + grid.minute)
    weekday = np.asarray(grid.day_of_week)
    if calendar is not None:
        if calendar.interval_minutes != scenario.interval_minutes:
            raise HistoryError(
                f"calendar: {calendar.interval_minutes}-minute intervals, the scenario has "
                f"{scenario.interval_minutes}"
            )
        slots = {w: set(v) for w, v in calendar.open_slots.items()}
        open_ = [int(s) in slots.get(int(w), set()) for w, s in zip(weekday, minute, strict=True)]
        closed = ~np.array(open_, dtype=bool)
    else:
        days = np.asarray(grid.normalize())
        inside = (days >= stamps.min().normalize()) & (days <= stamps.max().normalize())
        closed = inside & ~covered
    return ForecastCoverage(channel, grid, np.asarray(covered, bool), closed & ~covered)


def scenario_with_forecast(
    scenario: Scenario,
    forecast_frame: pd.DataFrame,
    *,
    day: dt.date | None = None,
    channel_map: Mapping[str, str] | None = None,
    paths: Mapping[str, SeriesForecast] | None = None,
    n_paths: int = 0,
    calendar: Calendar | None = None,
) -> object:
    """A copy of ``scenario`` whose channels' ``arrivals`` come from a forecast.

    Parameters
    ----------
    scenario : a :class:`sim.Scenario`.
    forecast_frame : from :func:`forecast` (at the scenario's interval length).
    day : the forecast day to use (default the first); periods run from the
        scenario's ``start`` clock time on that day (wrapping into the next day).
    channel_map : forecast channel -> scenario channel (default: same names).
    paths, n_paths : the forecasts behind the frame (:func:`forecast_series`); with
        ``n_paths`` > 0 the first ``n_paths`` sample paths also become each channel's
        ``arrival_paths`` (counts per period; replication r simulates path r mod
        n_paths), so forecast uncertainty drives the simulation.
    calendar : the history's calendar (``History.calendar``), which says when the
        centre is closed (see :func:`forecast_coverage`).

    Returns
    -------
    sim.Scenario
        Validated; periods when the centre is closed get 0 arrivals.

    Raises
    ------
    HistoryError
        A period the forecast does not cover and the centre is not known to be closed
        then (e.g. past the forecast horizon): the message names those periods.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError("scenario: must be a sim.Scenario")
    fr = forecast_frame
    steps = pd.Series(sorted(set(fr["timestamp"]))).diff().dropna()
    if len(steps):
        step_min = int(steps.min().total_seconds() // 60)
        if step_min != scenario.interval_minutes:
            raise HistoryError(
                f"interval_minutes: the forecast has {step_min}-minute intervals but the "
                f"scenario has {scenario.interval_minutes}; forecast at the scenario's interval"
            )
    mapping = dict(channel_map or {c: c for c in fr["channel"].unique()})
    unknown = [c for c in mapping if c not in set(fr["channel"])]
    if unknown:
        raise HistoryError(f"channel_map: {', '.join(unknown)} not in the forecast")
    targets = {src: dst for src, dst in mapping.items() if dst in scenario.channels}
    if not targets:
        raise HistoryError(
            f"channel_map: no forecast channel ({', '.join(sorted(set(fr['channel'])))}) "
            f"matches a scenario channel ({', '.join(scenario.channels)}); map them, e.g. "
            f"--map {fr['channel'].iloc[0]}={next(iter(scenario.channels))}"
        )
    changes: dict[str, object] = {}
    for src, dst in targets.items():
        cov = forecast_coverage(scenario, fr, src, day=day, calendar=calendar)
        grid = cov.grid
        if not cov.covered.any():
            raise HistoryError(
                f"day: the forecast of {src!r} has no interval in the scenario's periods "
                f"({grid[0]} .. {grid[-1]}); check --day and the interval length"
            )
        if cov.missing.any():
            raise HistoryError(
                f"day: the forecast of {src!r} does not cover {int(cov.missing.sum())} of the "
                f"scenario's {len(grid)} periods ({cov.describe(cov.missing)}), and the "
                "centre is not known to be closed then; forecast more days (--horizon-days) "
                "or choose another --day"
            )
        s = fr[fr["channel"] == src].set_index("timestamp")["volume"]
        vals = s.reindex(grid).fillna(0.0).to_numpy()  # only closed periods are NaN here
        changes[f"channels.{dst}.arrivals"] = [round(float(v), 3) for v in vals]
        if paths is not None and n_paths > 0:
            changes[f"channels.{dst}.arrival_paths"] = paths_on_grid(paths[src], grid, n_paths)
            changes[f"channels.{dst}.overdispersion"] = None  # the paths carry the spread
    changes.update(_dated(scenario, grid))
    return scenario.updated(changes)


def _dated(scenario: Scenario, grid: pd.DatetimeIndex) -> dict[str, object]:
    """A scenario over several days gets the forecast's dates: ``calendar.start_date`` is
    the day of its first period (labels ``Mon 08:00``, per-day results, shifts' ``days``
    on the right weekdays); a one-day scenario is left as it is."""
    if scenario.periods * scenario.interval_minutes <= MINUTES_PER_DAY:
        return {}
    first = grid[0].date().isoformat()
    if scenario.calendar is None:
        return {"calendar": {"start_date": first}}
    return {"calendar.start_date": first, "calendar.first_weekday": None}


def paths_on_grid(fc: SeriesForecast, grid: pd.DatetimeIndex, n: int) -> list[list[int]]:
    """The first ``n`` sample paths as whole counts on the scenario's periods
    (closed intervals: 0)."""
    if n > len(fc.paths):
        raise HistoryError(f"n_paths: asked for {n} paths, the forecast has {len(fc.paths)}")
    base = pd.to_datetime(pd.Series(list(fc.days))).to_numpy()
    stamps = pd.DatetimeIndex(
        (base[:, None] + np.array(fc.slots, dtype="timedelta64[m]")[None, :]).ravel()
    )
    where = stamps.get_indexer(grid)
    flat = fc.paths[:n].reshape(n, -1)
    counts = np.where(where >= 0, flat[:, np.maximum(where, 0)], 0.0)
    return np.rint(np.clip(counts, 0, None)).astype(int).tolist()
