"""Intraday reforecast: the rest of today from the day-ahead forecast and the morning's
actual volumes.

The day-ahead forecast of a day (made from the complete days before it) is right about
the shape of the day more often than about its level: a busy morning says the whole day
is busy. Following Weinberg, Brown & Stroud (2007, "Bayesian forecasting of an
inhomogeneous Poisson process with applications to call center data", JASA 102), the
day's volume in interval ``s`` is ``theta * m_s``: ``m_s`` the day-ahead mean and
``theta`` the day's level relative to it, with prior mean 1. We use the conjugate
gamma-Poisson form of their level update: with ``N`` contacts observed in the morning
where the day-ahead forecast expected ``E``, the updated level is ::

    theta_hat = (s + N) / (s + E) = 1 + w (N / E - 1),   w = E / (E + s)

a credibility weight ``w`` on the morning's ratio ``N / E`` (Buhlmann credibility: the
same formula with ``s`` = the variance of the counts within a day over the variance of
the level between days, both in contacts). Counts are over-dispersed and the
afternoon's level is not quite the morning's, so ``s`` is not taken from a Poisson
prior but **estimated on the history** (:func:`fit_prior`): from the day-ahead
forecasts of the last ``calibration_days`` days, the ``s`` whose updates best predict
each day's remaining volume from each earlier time of day (least squares on the
rest-of-day counts). The rest of the day is ``theta_hat * m_s``.

Intervals: the level's remaining uncertainty is ``Var(theta) = (1 - w) sigma^2``
(``sigma^2`` the variance of the day-ahead forecasts' daily ratios, less their Poisson
part, on the same calibration days); each day-ahead sample path is rescaled from its
own level to a level drawn from a gamma with that mean and variance, so the
interval-level noise of the model's paths is kept.

Days after today are the model's forecast from the complete days (today's partial
actuals do not enter them). How far any update could go (an oracle level, the Poisson
floor of a perfect intensity): :mod:`forecasting.intraday_bounds`.

::

    import forecasting as fc
    out = fc.reforecast(hist, "2003-10-20 10:00")       # rest of 20 Oct, tidy frame
    cv = fc.intraday_backtest(hist.matrix(), origins=("10:00", "12:00"), n_days=40)
    fc.accuracy(cv, by=("channel", "origin", "forecast"))
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.signal import lfilter
from scipy.special import expit

from sim.config.scenario import Scenario

from .base import MIN_PATHS, ForecastModel, SeriesForecast
from .forecast import forecast_coverage, forecast_frame, paths_on_grid, zero_forecast
from .history import Calendar, DayMatrix, History, HistoryError
from .intraday_transient import TransientPrior, calibrate_spread, fit_transient, transient_update
from .models import get_model
from .scoring import seasonal_naive_scale

__all__ = [
    "DEFAULT_MODEL",
    "UPDATES",
    "DayAhead",
    "LevelPrior",
    "as_of_time",
    "day_ahead_records",
    "discounted",
    "fit_prior",
    "intraday_backtest",
    "origin_minutes",
    "partial_day_end",
    "reforecast",
    "reforecast_series",
    "scenario_with_reforecast",
    "update_day",
]

DEFAULT_MODEL = "dow_ssm"
"""Model of the day-ahead forecast that the reforecast updates."""
CALIBRATION_DAYS = 15
"""Past days whose day-ahead forecasts estimate the level prior (:func:`fit_prior`)."""
STRENGTH_BOUNDS = (1.0, 1e7)
"""Search range of the credibility constant ``s`` (contacts): from trusting the morning
almost fully after a few contacts to ignoring it."""
MIN_LEVEL_VAR = 1e-4
"""Floor of the level variance ``sigma^2`` (a 1% standard deviation)."""
MIN_RECORDS = 3
"""Fewest calibration days :func:`fit_prior` accepts."""
LEVEL, TRANSIENT = "level", "transient"
UPDATES = (LEVEL, TRANSIENT)
"""How the morning updates the rest of the day: ``level`` (one factor on the whole
rest, :func:`update_day`) or ``transient`` (a day level plus an AR(1) transient on the
log ratios, fitted by likelihood: :mod:`forecasting.intraday_transient`)."""


# -- the level update -----------------------------------------------------------------
@dataclass(frozen=True)
class LevelPrior:
    """How far a morning's volume moves the day's level.

    Attributes
    ----------
    strength : ``s``, contacts: the update is ``(s + N) / (s + E)`` (weight
        ``E / (E + s)`` on the morning's ratio ``N / E``).
    level_var : ``sigma^2``, the variance of the day's level relative to the
        day-ahead forecast before any of it is seen.
    decay : weight of an interval ``k`` intervals before the cut is ``decay ** k`` in
        ``N`` and ``E`` (exponential forgetting, West & Harrison's discount: the level
        drifts during the day, so the latest intervals say most about the afternoon);
        1 weighs the whole morning equally (the plain gamma-Poisson update).
    days : calibration days it was estimated on (0: given by hand).
    """

    strength: float
    level_var: float
    decay: float = 1.0
    days: int = 0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.strength) and self.strength > 0):
            raise HistoryError(f"strength: must be a finite number > 0, got {self.strength}")
        if not (np.isfinite(self.level_var) and self.level_var >= 0):
            raise HistoryError(f"level_var: must be a finite number >= 0, got {self.level_var}")
        if not 0 < self.decay <= 1:
            raise HistoryError(f"decay: must be in (0, 1], got {self.decay}")

    def weight(self, expected: float) -> float:
        """Credibility of a morning that expected ``expected`` (weighted) contacts."""
        return expected / (expected + self.strength)

    def update(self, observed: float, expected: float) -> tuple[float, float]:
        """(updated level ``theta_hat``, its variance) after ``observed`` contacts where
        ``expected`` were forecast (both weighted by :meth:`weighted`)."""
        theta = (self.strength + observed) / (self.strength + expected)
        return theta, (1.0 - self.weight(expected)) * self.level_var

    def weighted(self, values: np.ndarray) -> float:
        """``sum_k decay ** k * values[-1 - k]``: the morning's intervals, latest first."""
        return float(discounted(values, self.decay)[-1]) if len(values) else 0.0


def discounted(values: np.ndarray, decay: float) -> np.ndarray:
    """Running ``acc_k = decay * acc_{k-1} + values_k`` (all cuts at once)."""
    return lfilter([1.0], [1.0, -decay], np.asarray(values, dtype=float))


@dataclass(frozen=True, eq=False)
class DayAhead:
    """One past day's day-ahead forecast and what happened (calibration data).

    ``mean`` and ``actual``: contacts per interval over the open intervals, in order;
    ``slots``: their starts (minutes after midnight).
    """

    mean: np.ndarray
    actual: np.ndarray
    slots: np.ndarray


def _rest_loss(
    records: Sequence[DayAhead], strength: float, decay: float, near: int | None
) -> float:
    """``sum (N_rest - E_rest theta_hat)^2 / E_rest`` over every record and every cut
    between two of its open intervals (``near``: only cuts within
    :data:`CUT_WINDOW_MINUTES` of that time of day)."""
    total = 0.0
    for r in records:
        if r.mean.size < 2:
            continue
        n, e = discounted(r.actual, decay)[:-1], discounted(r.mean, decay)[:-1]
        na = r.actual.sum() - np.cumsum(r.actual)[:-1]
        ea = r.mean.sum() - np.cumsum(r.mean)[:-1]
        ok = ea > 0
        if near is not None:  # the cut after interval i is at slots[i + 1]
            ok &= np.abs(r.slots[1:] - near) <= CUT_WINDOW_MINUTES
        theta = (strength + n[ok]) / (strength + e[ok])
        total += float((((na[ok] - ea[ok] * theta) ** 2) / ea[ok]).sum())
    return total


FIT_GRID = (np.linspace(0.0, 14.0, 8), np.array([-1.0, 1.0, 3.0, 6.0, 12.0]))
"""Starting grid of :func:`fit_prior`: log strength, logit decay."""


CUT_WINDOW_MINUTES = 60
""":func:`fit_prior` for a time of day scores the cuts within this many minutes of it."""


def fit_prior(records: Sequence[DayAhead], *, near: int | None = None) -> LevelPrior:
    """Estimate the :class:`LevelPrior` from past days' day-ahead forecasts.

    ``strength`` and ``decay``: those minimising the squared error of the predicted
    rest-of-day volume, ``sum (N_rest - E_rest (s + N) / (s + E))^2 / E_rest``, over
    every day and every cut between two open intervals, or with ``near`` (minutes after
    midnight) the cuts within :data:`CUT_WINDOW_MINUTES` of it (``N``, ``E``: the discounted
    morning sums; the ``1 / E_rest`` weight is the Poisson variance of the rest), by
    Nelder-Mead from the best point of :data:`FIT_GRID`. ``level_var``: the mean of
    ``(N_day / E_day - 1)^2 - 1 / E_day`` over the days (method of moments), floored
    at :data:`MIN_LEVEL_VAR`.
    """
    if len(records) < MIN_RECORDS:
        raise HistoryError(
            f"history: {len(records)} calibration day(s); the level update needs at least "
            f"{MIN_RECORDS}"
        )
    tot_m = np.array([r.mean.sum() for r in records])
    if not (tot_m > 0).any():
        raise HistoryError("history: the calibration days have no forecast volume")
    lo, hi = np.log(STRENGTH_BOUNDS)

    def loss(q: np.ndarray) -> float:
        s = float(np.exp(np.clip(q[0], lo, hi)))
        return _rest_loss(records, s, float(expit(q[1])), near)

    start = min(((a, b) for a in FIT_GRID[0] for b in FIT_GRID[1]), key=lambda q: loss(np.array(q)))
    res = minimize(
        loss, np.array(start), method="Nelder-Mead", options={"xatol": 0.02, "fatol": 1e-6}
    )
    q = res.x if res.fun <= loss(np.array(start)) else np.array(start)
    tot_a = np.array([r.actual.sum() for r in records])
    use = tot_m > 0
    var = float(np.mean((tot_a[use] / tot_m[use] - 1.0) ** 2 - 1.0 / tot_m[use]))
    return LevelPrior(
        float(np.exp(np.clip(q[0], lo, hi))),
        max(var, MIN_LEVEL_VAR),
        float(expit(q[1])),
        len(records),
    )


def update_day(
    day_ahead: SeriesForecast,
    actual: np.ndarray,
    cut: int,
    prior: LevelPrior,
    rng: np.random.Generator,
) -> SeriesForecast:
    """The rest of one day: ``day_ahead`` (a one-day forecast) updated by the actual
    volumes of its intervals before ``cut`` (minutes after midnight).

    ``actual``: contacts per interval over ``day_ahead.slots`` (only those before
    ``cut`` are read). Returns a one-day forecast whose open intervals are the day's
    open intervals from ``cut`` on; mean ``theta_hat * m_s`` and each sample path
    rescaled from its own level to a draw of the updated level (gamma with the
    update's mean and variance).
    """
    if len(day_ahead.days) != 1:
        raise HistoryError("day_ahead: must forecast exactly one day")
    slots = np.asarray(day_ahead.slots)
    m = day_ahead.mean[0]
    open_ = day_ahead.open[0]
    seen = open_ & (slots < cut)
    theta, var = prior.update(prior.weighted(actual[seen]), prior.weighted(m[seen]))
    paths = day_ahead.paths[:, 0, :]
    total = m[open_].sum()
    own = paths[:, open_].sum(axis=1) / total if total > 0 else np.ones(len(paths))
    if var > 0:
        shape = 1.0 / var
        level = theta * rng.gamma(shape, 1.0 / shape, len(paths))
    else:
        level = np.full(len(paths), theta)
    scale = np.divide(level, own, out=np.full_like(level, theta), where=own > 0)
    rest = open_ & (slots >= cut)
    mean = np.where(rest, theta * m, 0.0)
    new_paths = np.where(rest, paths * scale[:, None], 0.0)
    return SeriesForecast(
        day_ahead.days,
        day_ahead.slots,
        mean[None],
        new_paths[:, None, :],
        rest[None],
        f"{day_ahead.model}+intraday",
        day_ahead.channel,
    )


# -- calibration ------------------------------------------------------------------------
def _resolve(model: str | ForecastModel) -> ForecastModel:
    return get_model(model) if isinstance(model, str) else model


def day_ahead_records(
    y: DayMatrix, spec: ForecastModel, n_days: int, *, n_paths: int = MIN_PATHS
) -> list[DayAhead]:
    """Day-ahead forecasts of the last ``n_days`` days of ``y`` (each from the days
    before it), with their actuals: the calibration data of :func:`fit_prior`."""
    first = max(2 * max(y.calendar.days_per_week, 1), len(y.dates) - n_days)
    out = []
    rng = np.random.default_rng(0)
    for n in range(first, len(y.dates)):
        day = y.dates[n]
        f = spec.fit(y.head(n)).forecast([day], n_paths=n_paths, rng=rng)
        mask = f.open[0]
        out.append(DayAhead(f.mean[0][mask], y.values[n][mask], np.asarray(y.slots)[mask]))
    return out


# -- where the day is cut ----------------------------------------------------------------
def as_of_time(value: str | dt.datetime | pd.Timestamp) -> pd.Timestamp:
    """``value`` as a timestamp (``YYYY-MM-DD HH:MM``); :class:`HistoryError` naming
    ``as_of`` otherwise."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise HistoryError(f"as_of: expected 'YYYY-MM-DD HH:MM', got {value!r} ({exc})") from None
    if ts is pd.NaT or pd.isna(ts):
        raise HistoryError(f"as_of: expected 'YYYY-MM-DD HH:MM', got {value!r}")
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def partial_day_end(history: History) -> pd.Timestamp | None:
    """The time a history ends at when it ends part-way through an open day (open
    intervals of that day start after its last complete interval), else ``None``."""
    end = history.observed_until
    if end is None:
        return None
    step = pd.Timedelta(minutes=history.interval_minutes)
    day = end.normalize() if end.normalize() < end else end.normalize() - pd.Timedelta(days=1)
    later = end.ceil(step)
    open_slots = history.calendar.open_slots.get(day.weekday(), ())
    if any(day + pd.Timedelta(minutes=s) >= later for s in open_slots):
        return end.floor(step)
    return None


def _split(y: DayMatrix, as_of: pd.Timestamp) -> tuple[DayMatrix, dt.date, np.ndarray, int]:
    """(complete days before as_of's day, that day, its actuals per slot, the cut in
    minutes after midnight: intervals starting before it are observed)."""
    day = as_of.date()
    cut = int((as_of - as_of.normalize()) / pd.Timedelta(minutes=1))
    cut -= cut % y.calendar.interval_minutes
    n = bisect.bisect_left(y.dates, day)
    actual = y.values[n] if n < len(y.dates) and y.dates[n] == day else np.zeros(len(y.slots))
    return y.head(n), day, actual, cut


# -- the API ------------------------------------------------------------------------------
def reforecast_series(
    history: History,
    as_of: str | dt.datetime | pd.Timestamp | None = None,
    *,
    model: str | ForecastModel = DEFAULT_MODEL,
    horizon_days: int = 1,
    channels: Sequence[str] | None = None,
    prior: LevelPrior | TransientPrior | None = None,
    calibration_days: int = CALIBRATION_DAYS,
    n_paths: int = 500,
    seed: int = 0,
    update: str = LEVEL,
) -> tuple[dict[str, SeriesForecast], dict[str, LevelPrior | TransientPrior]]:
    """Per channel: the rest of ``as_of``'s day (updated by its actuals before
    ``as_of``) and the next ``horizon_days - 1`` open days; and the level prior used.

    See :func:`reforecast`; returns the :class:`SeriesForecast` of each channel (the
    day of ``as_of`` first, only its intervals from ``as_of`` on open) and each
    channel's prior (:class:`LevelPrior`, or with ``update="transient"``
    :class:`~forecasting.intraday_transient.TransientPrior`).
    """
    _check_update(update, prior)
    when = _resolve_as_of(history, as_of)
    if horizon_days < 1:
        raise HistoryError(f"horizon_days: must be >= 1, got {horizon_days}")
    if n_paths < MIN_PATHS:
        raise HistoryError(f"n_paths: must be >= {MIN_PATHS} for 95% intervals, got {n_paths}")
    if calibration_days < MIN_RECORDS:
        raise HistoryError(f"calibration_days: must be >= {MIN_RECORDS}, got {calibration_days}")
    spec = _resolve(model)
    rng = np.random.default_rng(seed)
    out: dict[str, SeriesForecast] = {}
    priors: dict[str, LevelPrior | TransientPrior] = {}
    for ch in channels or history.channels:
        train, day, actual, cut = _split(history.matrix(ch), when)
        _check_train(train, day)
        days = [day, *history.calendar.next_open_days(day, horizon_days - 1)]
        if not train.values.any():
            out[ch] = zero_forecast(train, days, n_paths=n_paths)
            priors[ch] = prior or (
                LevelPrior(STRENGTH_BOUNDS[1], 0.0) if update == LEVEL else TransientPrior(0, 0, 0)
            )
            continue
        p = prior or _fit(update, day_ahead_records(train, spec, calibration_days), cut)
        fc = spec.fit(train).forecast(days, n_paths=n_paths, rng=rng)
        today = SeriesForecast(
            fc.days[:1], fc.slots, fc.mean[:1], fc.paths[:, :1], fc.open[:1], fc.model, ch
        )
        rest = _update(today, actual, cut, p, rng)
        out[ch] = SeriesForecast(
            fc.days,
            fc.slots,
            np.concatenate([rest.mean, fc.mean[1:]]),
            np.concatenate([rest.paths, fc.paths[:, 1:]], axis=1),
            np.concatenate([rest.open, fc.open[1:]]),
            rest.model,
            ch,
        )
        priors[ch] = p
    return out, priors


def _check_update(update: str, prior: LevelPrior | TransientPrior | None) -> None:
    if update not in UPDATES:
        raise HistoryError(f"update: expected one of {', '.join(UPDATES)}, got {update!r}")
    want = LevelPrior if update == LEVEL else TransientPrior
    if prior is not None and not isinstance(prior, want):
        raise HistoryError(f"prior: update {update!r} needs a {want.__name__}")


def _fit(update: str, records: Sequence[DayAhead], cut: int) -> LevelPrior | TransientPrior:
    """The prior of ``update`` estimated on ``records`` (the transient's spread at
    ``cut``, minutes after midnight)."""
    if update == LEVEL:
        return fit_prior(records)
    return calibrate_spread(fit_transient(records), records, cut)


def _update(
    day_ahead: SeriesForecast,
    actual: np.ndarray,
    cut: int,
    prior: LevelPrior | TransientPrior,
    rng: np.random.Generator,
) -> SeriesForecast:
    if isinstance(prior, LevelPrior):
        return update_day(day_ahead, actual, cut, prior, rng)
    return transient_update(day_ahead, actual, cut, prior, rng)


def _resolve_as_of(
    history: History, as_of: str | dt.datetime | pd.Timestamp | None
) -> pd.Timestamp:
    if as_of is None:
        end = partial_day_end(history)
        if end is None:
            raise HistoryError(
                "as_of: the history ends with a whole day; give the time to reforecast from "
                "(or use forecasting.forecast for the next days)"
            )
        return end
    when = as_of_time(as_of)
    end = history.observed_until
    if end is not None and when > end:
        raise HistoryError(
            f"as_of: {when:%Y-%m-%d %H:%M} is after the end of the history ({end:%Y-%m-%d %H:%M})"
        )
    if when.weekday() not in history.calendar.open_weekdays:
        raise HistoryError(
            f"as_of: {when:%Y-%m-%d} is a {when:%A}, a day the centre is closed (by the "
            "history's calendar)"
        )
    return when


def _check_train(train: DayMatrix, day: dt.date) -> None:
    need = 2 * max(train.calendar.days_per_week, 1) + MIN_RECORDS
    if len(train.dates) < need:
        raise HistoryError(
            f"as_of: {len(train.dates)} complete day(s) of history before {day}; the "
            f"reforecast needs at least {need}"
        )


def reforecast(
    history: History,
    as_of: str | dt.datetime | pd.Timestamp | None = None,
    *,
    model: str | ForecastModel = DEFAULT_MODEL,
    horizon_days: int = 1,
    channels: Sequence[str] | None = None,
    prior: LevelPrior | TransientPrior | None = None,
    calibration_days: int = CALIBRATION_DAYS,
    n_paths: int = 500,
    seed: int = 0,
    update: str = LEVEL,
) -> pd.DataFrame:
    """Reforecast the rest of a day from its actual volumes so far.

    Parameters
    ----------
    history : a cleaned history; only its days before ``as_of``'s day and that day's
        intervals before ``as_of`` are used (later rows are ignored).
    as_of : the time of the reforecast, ``YYYY-MM-DD HH:MM``: the intervals that have
        ended by then are actuals (an ``as_of`` inside an interval counts that
        interval as not yet seen). Default: where the history ends, when it ends
        part-way through an open day (:func:`partial_day_end`).
    model : the day-ahead model (name or specification; default ``dow_ssm``).
    horizon_days : open days to forecast, ``as_of``'s day included.
    prior : the level update's :class:`LevelPrior`; default estimated by
        :func:`fit_prior` on the day-ahead forecasts of the last ``calibration_days``
        days before ``as_of``'s day (one model fit each).
    n_paths, seed : sample paths behind the intervals, their seed.
    update : ``level`` (default: one factor on the rest of the day) or ``transient``
        (a day level plus an AR(1) transient that decays from the latest intervals'
        residuals, fitted by likelihood on the same calibration days; ``prior`` then a
        :class:`~forecasting.intraday_transient.TransientPrior`). See :data:`UPDATES`.

    Returns
    -------
    pandas.DataFrame
        As :func:`forecasting.forecast`: ``timestamp, channel, volume, lower_80,
        upper_80, lower_95, upper_95, model`` over the open intervals from ``as_of``
        on (model ``<day-ahead model>+intraday``).
    """
    series, _ = reforecast_series(
        history,
        as_of,
        model=model,
        horizon_days=horizon_days,
        channels=channels,
        prior=prior,
        calibration_days=calibration_days,
        n_paths=n_paths,
        seed=seed,
        update=update,
    )
    return forecast_frame(series)


# -- backtest --------------------------------------------------------------------------------
DAY_AHEAD = "day_ahead"
REFORECAST = "reforecast"


def origin_minutes(origins: Sequence[str]) -> list[tuple[str, int]]:
    """``(HH:MM, minutes after midnight)`` of each origin; :class:`HistoryError` naming
    ``origins`` for one that is not a clock time."""
    out = []
    for o in origins:
        try:
            t = dt.time.fromisoformat(o)
        except ValueError:
            raise HistoryError(f"origins: expected HH:MM, got {o!r}") from None
        out.append((o, t.hour * 60 + t.minute))
    return out


def intraday_backtest(
    y: DayMatrix,
    *,
    model: str | ForecastModel = DEFAULT_MODEL,
    origins: Sequence[str] = ("10:00", "12:00"),
    n_days: int = 40,
    calibration_days: int = CALIBRATION_DAYS,
    n_paths: int = 200,
    seed: int = 0,
    update: str = LEVEL,
) -> pd.DataFrame:
    """Rest-of-day accuracy of the reforecast against the same day's day-ahead forecast.

    Each of the last ``n_days`` days is forecast day-ahead (the model fitted on the days
    before it) and reforecast from every origin (clock time) with the level prior
    estimated on the day-ahead forecasts of the ``calibration_days`` days before it
    (genuinely out of sample: those forecasts were made the same way). Both are scored
    on the intervals from the origin on. ``update``: as :func:`reforecast` (the
    transient's variances fitted once per day, its spread per origin).

    Returns
    -------
    pandas.DataFrame
        The :func:`forecasting.backtest` frame plus ``origin`` (HH:MM) and ``forecast``
        (``day_ahead`` or ``reforecast``); ``cutoff`` is the origin's timestamp, so
        :func:`forecasting.accuracy` with ``by=("channel", "origin", "forecast")``
        gives rest-of-day MASE and coverage.
    """
    _check_update(update, None)
    spec = _resolve(model)
    cuts = origin_minutes(origins)
    total = len(y.dates)
    first = total - n_days
    start = first - calibration_days
    if start < 2 * max(y.calendar.days_per_week, 1):
        raise HistoryError(
            f"history: {total} days is too short for {n_days} held-out days after "
            f"{calibration_days} calibration days; use fewer"
        )
    scale = seasonal_naive_scale(y)
    rng = np.random.default_rng(seed)
    records: list[DayAhead] = []
    frames = []
    for n in range(start, total):
        day = y.dates[n]
        f = spec.fit(y.head(n)).forecast([day], n_paths=n_paths, rng=rng)
        if n >= first:
            cal = records[-calibration_days:]
            fitted = fit_prior(cal) if update == LEVEL else fit_transient(cal)
            for label, cut in cuts:
                prior = (
                    calibrate_spread(fitted, cal, cut)
                    if isinstance(fitted, TransientPrior)
                    else fitted
                )
                rest = _update(f, y.values[n], cut, prior, rng)
                keep = rest.open[0]
                for kind, fc in ((DAY_AHEAD, _restricted(f, keep)), (REFORECAST, rest)):
                    df = fc.to_frame()
                    df.insert(1, "cutoff", pd.Timestamp(day) + pd.Timedelta(minutes=cut))
                    df["y"] = y.values[n][keep]
                    df["scale"] = scale[n]
                    df["origin"] = label
                    df["forecast"] = kind
                    frames.append(df)
        mask = f.open[0]
        records.append(DayAhead(f.mean[0][mask], y.values[n][mask], np.asarray(y.slots)[mask]))
    return pd.concat(frames, ignore_index=True)


def _restricted(f: SeriesForecast, keep: np.ndarray) -> SeriesForecast:
    """``f`` (one day) with only the intervals of ``keep`` open."""
    return SeriesForecast(f.days, f.slots, f.mean, f.paths, keep[None], f.model, f.channel)


# -- into a scenario -------------------------------------------------------------------------
def scenario_with_reforecast(
    scenario: Scenario,
    forecast_frame: pd.DataFrame,
    as_of: str | dt.datetime | pd.Timestamp,
    *,
    channel_map: Mapping[str, str] | None = None,
    paths: Mapping[str, SeriesForecast] | None = None,
    n_paths: int = 0,
    calendar: Calendar | None = None,
) -> Scenario:
    """A copy of ``scenario`` whose arrivals from ``as_of`` on come from a reforecast.

    The scenario's periods run from its ``start`` clock time on ``as_of``'s day; the
    periods before ``as_of`` (the morning) keep the scenario's own arrivals, the later
    ones take the reforecast's volumes (0 when the centre is closed, by ``calendar``),
    so the planner can re-simulate the afternoon. Parameters as
    :func:`forecasting.scenario_with_forecast`; with ``n_paths`` > 0 the afternoon of
    each ``arrival_paths`` row is a reforecast sample path and its morning the
    scenario's arrivals (rounded; row ``r mod rows`` of its own ``arrival_paths``).

    Raises
    ------
    HistoryError
        An afternoon period the reforecast does not cover while the centre is open.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError("scenario: must be a sim.Scenario")
    when = as_of_time(as_of)
    cut = when.floor(f"{scenario.interval_minutes}min")
    fr = forecast_frame
    mapping = dict(channel_map or {c: c for c in fr["channel"].unique()})
    unknown = [c for c in mapping if c not in set(fr["channel"])]
    if unknown:
        raise HistoryError(f"channel_map: {', '.join(unknown)} not in the forecast")
    targets = {src: dst for src, dst in mapping.items() if dst in scenario.channels}
    if not targets:
        raise HistoryError(
            f"channel_map: no forecast channel ({', '.join(sorted(set(fr['channel'])))}) "
            f"matches a scenario channel ({', '.join(scenario.channels)})"
        )
    changes: dict[str, object] = {}
    for src, dst in targets.items():
        cov = forecast_coverage(scenario, fr, src, day=when.date(), calendar=calendar)
        later = np.asarray(cov.grid >= cut)
        gap = cov.missing & later
        if gap.any():
            raise HistoryError(
                f"as_of: the reforecast of {src!r} does not cover {int(gap.sum())} of the "
                f"scenario's periods after {cut:%Y-%m-%d %H:%M} ({cov.describe(gap)}), and "
                "the centre is not known to be closed then; forecast more days "
                "(--horizon-days)"
            )
        ch = scenario.channels[dst]
        base = np.asarray(ch.arrivals_per_period(scenario.periods), dtype=float)
        s = fr[fr["channel"] == src].set_index("timestamp")["volume"]
        fresh = s.reindex(cov.grid).fillna(0.0).to_numpy()
        vals = np.where(later, fresh, base)
        changes[f"channels.{dst}.arrivals"] = [round(float(v), 3) for v in vals]
        if paths is not None and n_paths > 0:
            rows = paths_on_grid(paths[src], cov.grid, n_paths)
            own = ch.arrival_paths
            for r, row in enumerate(rows):
                morning = own[r % len(own)] if own else base
                for i in np.flatnonzero(~later):
                    row[i] = int(round(float(morning[i])))
            changes[f"channels.{dst}.arrival_paths"] = rows
            changes[f"channels.{dst}.overdispersion"] = None
    out = scenario.updated(changes)
    assert isinstance(out, Scenario)
    return out
