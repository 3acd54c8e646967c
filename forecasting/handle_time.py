"""Handle-time forecasts: the mean handle time (s) per interval, level x intraday profile.

A history with a ``handle_time`` column (the mean handle time of each interval's
contacts) is forecast per channel as ::

    handle_time[day, slot] = level x profile[weekday][slot]

``level``: the volume-weighted mean handle time of the last :data:`LEVEL_DAYS` open days,
exponentially weighted (:data:`LEVEL_DECAY` per day, the latest weighs 1);
``profile``: per interval, the interval's volume-weighted mean over the day's, one
profile for all weekdays (handle times vary by time of day far more than by weekday;
pooling gives each interval five to seven times the contacts), exponentially weighted
over the days (:data:`PROFILE_DECAY` per day) and shrunk toward 1 where few contacts
back it (a credibility weight ``n / (n + PROFILE_PRIOR)``, ``n`` the weighted contacts
behind the interval).

Intervals: the mean of ``n`` handle times has variance ``sigma_w^2 / n`` around the
interval's true mean, which itself varies day to day by ``sigma_b^2`` (log scale), so
the log error of the forecast has variance ``sigma_b^2 + sigma_w^2 / n``; both are
estimated by least squares of the squared in-sample log errors on ``1 / n`` over the
last :data:`LEVEL_DAYS` days (each day forecast from the days before it), and the
intervals are lognormal with ``n`` the volume forecast (``handle_time`` is their
median, ``level x profile``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from sim.config.scenario import Scenario

from .base import LEVELS, SeriesForecast
from .history import DayMatrix, History, HistoryError

__all__ = [
    "HANDLE_TIME_COLUMNS",
    "HandleTimeForecast",
    "forecast_handle_time",
    "handle_time_frame",
    "handle_time_matrix",
    "scenario_with_handle_times",
]

LEVEL_DAYS = 20
LEVEL_DECAY = 0.9
PROFILE_DECAY = 0.95
PROFILE_PRIOR = 30.0
"""Contacts at which an interval's own profile and the flat profile weigh the same."""
MIN_DAYS = 5
HANDLE_TIME_COLUMNS = ("handle_time", "handle_time_lower_80", "handle_time_upper_80")
"""Columns :meth:`HandleTimeForecast.to_frame` adds (seconds)."""


def handle_time_matrix(history: History, channel: str) -> tuple[DayMatrix, np.ndarray]:
    """(volume matrix, handle-time matrix (s; NaN where no contacts)) of a channel."""
    if "handle_time" not in history.frame:
        raise HistoryError(
            "history: no handle_time column; map one with columns=/--columns handle_time=COL"
        )
    y = history.matrix(channel)
    df = history.frame[history.frame["channel"] == channel]
    ts = pd.DatetimeIndex(df["timestamp"])
    wide = (
        pd.DataFrame(
            {
                "day": ts.normalize(),
                "slot": ts.hour * 60 + ts.minute,
                "h": df["handle_time"].to_numpy(float),
            }
        )
        .pivot_table(index="day", columns="slot", values="h", aggfunc="mean")
        .reindex(index=pd.DatetimeIndex([pd.Timestamp(d) for d in y.dates]))
        .reindex(columns=list(y.slots))
    )
    h = wide.to_numpy(float, copy=True)
    h[(y.values <= 0) | ~(h > 0)] = np.nan  # no contacts, or none handled: no mean
    return y, h


@dataclass(frozen=True, eq=False)
class _Fit:
    level: float
    profiles: dict[int, np.ndarray]


def _fit(y: DayMatrix, h: np.ndarray) -> _Fit:
    """Level and per-weekday profiles from the days of ``y`` (all of them)."""
    v = np.where(np.isnan(h), 0.0, y.values)
    work = np.where(np.isnan(h), 0.0, h) * v
    day_v, day_w = v.sum(axis=1), work.sum(axis=1)
    use = np.flatnonzero(day_v > 0)[-LEVEL_DAYS:]
    if use.size == 0:
        raise HistoryError("history: no interval with contacts and a handle time")
    wts = LEVEL_DECAY ** np.arange(use.size)[::-1]
    level = float((wts * day_w[use]).sum() / (wts * day_v[use]).sum())
    num = np.zeros(len(y.slots))
    n = np.zeros(len(y.slots))
    for k, i in enumerate(np.flatnonzero(day_v > 0)[::-1]):  # latest first
        d = PROFILE_DECAY**k
        ratio = np.divide(
            work[i], v[i] * (day_w[i] / day_v[i]), out=np.zeros_like(num), where=v[i] > 0
        )
        num += d * v[i] * ratio
        n += d * v[i]
    own = np.divide(num, n, out=np.ones(len(y.slots)), where=n > 0)
    cred = n / (n + PROFILE_PRIOR)
    profile = cred * own + (1 - cred)
    profiles = {w: profile for w in y.calendar.open_weekdays}
    return _Fit(level, profiles)


def _spread(y: DayMatrix, h: np.ndarray) -> tuple[float, float]:
    """(sigma_b^2, sigma_w^2) of the log errors (see the module docstring)."""
    first = max(MIN_DAYS, len(y.dates) - LEVEL_DAYS)
    e2, inv_n = [], []
    for i in range(first, len(y.dates)):
        f = _fit(y.head(i), h[:i])
        pred = f.level * f.profiles.get(y.dates[i].weekday(), np.ones(len(y.slots)))
        ok = ~np.isnan(h[i]) & (y.values[i] > 0) & (h[i] > 0)
        e2.append(np.log(h[i][ok] / pred[ok]) ** 2)
        inv_n.append(1.0 / y.values[i][ok])
    if not e2:
        return 0.0, 0.0
    e, x = np.concatenate(e2), np.concatenate(inv_n)
    a = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(a, e, rcond=None)
    b, w = float(coef[0]), float(coef[1])
    if b < 0 or w < 0:  # a negative part: the other alone
        b, w = (float(e.mean()), 0.0) if w < 0 else (0.0, float((e * x).sum() / (x * x).sum()))
    return max(b, 0.0), max(w, 0.0)


@dataclass(frozen=True, eq=False)
class HandleTimeForecast:
    """Mean handle time (s) per interval of one channel over the forecast days.

    ``mean``, ``lower``, ``upper`` (80%): shape (days, slots); ``open`` as the volume
    forecast's.
    """

    channel: str
    days: tuple[dt.date, ...]
    slots: tuple[int, ...]
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    open: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """``timestamp, channel`` + :data:`HANDLE_TIME_COLUMNS` of the open intervals."""
        base = pd.to_datetime(pd.Series(list(self.days))).to_numpy()
        ts = (base[:, None] + np.array(self.slots, dtype="timedelta64[m]")[None, :]).ravel()
        df = pd.DataFrame(
            {
                "timestamp": ts,
                "channel": self.channel,
                HANDLE_TIME_COLUMNS[0]: self.mean.ravel(),
                HANDLE_TIME_COLUMNS[1]: self.lower.ravel(),
                HANDLE_TIME_COLUMNS[2]: self.upper.ravel(),
            }
        )
        return df[self.open.ravel()].reset_index(drop=True)


def forecast_handle_time(
    history: History,
    channel: str,
    days: Sequence[dt.date],
    volume: np.ndarray | None = None,
) -> HandleTimeForecast:
    """Forecast ``channel``'s mean handle time (s) per open interval of ``days``.

    ``volume``: the forecast contacts per interval, shape (days, slots), which set
    the width of the intervals (a mean over few contacts is noisier); default the
    profile's mean volume per interval.
    """
    y, h = handle_time_matrix(history, channel)
    if len(y.dates) < MIN_DAYS:
        raise HistoryError(
            f"history: handle-time forecasts need {MIN_DAYS} days, got {len(y.dates)}"
        )
    fit = _fit(y, h)
    sb, sw = _spread(y, h)
    opened = y.open_masks(days)
    flat = np.ones(len(y.slots))
    mean = np.array([fit.level * fit.profiles.get(d.weekday(), flat) for d in days]) * opened
    n = volume if volume is not None else np.broadcast_to(y.values.mean(axis=0), mean.shape)
    sd = np.sqrt(sb + sw / np.maximum(n, 1.0))
    z = norm.ppf(0.5 + LEVELS[0] / 200)
    return HandleTimeForecast(
        channel,
        tuple(days),
        y.slots,
        mean,
        mean * np.exp(-z * sd),
        mean * np.exp(z * sd),
        opened,
    )


def handle_time_frame(history: History, series: Mapping[str, SeriesForecast]) -> pd.DataFrame:
    """Handle-time forecasts on the days and open intervals of volume forecasts
    (``forecast_series`` / ``reforecast_series``): ``timestamp, channel`` +
    :data:`HANDLE_TIME_COLUMNS`; empty when the history has no handle times."""
    if "handle_time" not in history.frame:
        return pd.DataFrame(columns=["timestamp", "channel", *HANDLE_TIME_COLUMNS])
    frames = []
    for ch, f in series.items():
        ht = forecast_handle_time(history, ch, list(f.days), f.mean)
        frames.append(
            HandleTimeForecast(
                ch, ht.days, ht.slots, ht.mean, ht.lower, ht.upper, f.open
            ).to_frame()
        )
    return pd.concat(frames, ignore_index=True)


def scenario_with_handle_times(
    scenario: Scenario,
    frame: pd.DataFrame,
    grid: Mapping[str, pd.DatetimeIndex],
    channel_map: Mapping[str, str] | None = None,
) -> Scenario:
    """``scenario`` with each mapped channel's ``handle_time_means`` from a
    :func:`handle_time_frame` on the scenario's periods (``grid``: forecast channel ->
    the start of every period); periods without a forecast keep the channel's own mean
    (its ``handle_time_means``, or ``handle_time.mean``)."""
    mapping = dict(channel_map or {c: c for c in grid})
    changes: dict[str, object] = {}
    for src, stamps in grid.items():
        dst = mapping.get(src)
        if dst not in scenario.channels:
            continue
        ch = scenario.channels[dst]
        own = np.asarray(ch.handle_time_means or (ch.handle_time.mean,) * scenario.periods)
        s = frame[frame["channel"] == src].set_index("timestamp")["handle_time"]
        vals = s.reindex(stamps).to_numpy(float)
        vals = np.where(np.isfinite(vals) & (vals > 0), vals, own)
        changes[f"channels.{dst}.handle_time_means"] = [round(float(v), 3) for v in vals]
    out = scenario.updated(changes) if changes else scenario
    assert isinstance(out, Scenario)
    return out
