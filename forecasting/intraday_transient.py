"""Intraday reforecast with a day level and a short-lived transient (``update="transient"``).

The level update of :mod:`forecasting.intraday` moves the whole rest of the day by one
factor. On a history whose days drift within the day (the Anonymous Bank: the morning's
ratio to the day-ahead forecast correlates only about 0.3 with the afternoon's), the
last hour says more about the next hour than the whole morning says about the evening.
This module models the log-ratio of each interval's actual to the day-ahead mean, ::

    e_s = log((y_s + c) / (m_s + c)) = a + b_s + eps_s

``a`` the day's level (variance ``level_var``), ``b_s`` an AR(1) transient across the
day's open intervals, in order (variance ``transient_var``, correlation ``phi`` from one
open interval to the next: the
residual ratio of the last intervals decays toward the day level at rate ``phi``),
``eps_s`` the count noise (variance ``(1 + k) m_s / (m_s + c)^2``, the delta-method
variance of a count with mean ``m_s`` and variance ``(1 + k) m_s``; ``c`` =
:data:`LOG_OFFSET`). It is the Gaussian version of Weinberg, Brown & Stroud's (2007)
day-level model with an intraday autoregressive deviation, on log ratios as Shen &
Huang (2008) update on log volumes. The four variances are fitted by maximum likelihood
on the day-ahead forecasts of the calibration days (:func:`fit_transient`); the rest of
today is the Gaussian conditional expectation of ``a + b_s`` given the morning's
``e_s``, so both the level (a credibility weight) and the decay of the latest residuals
come out of the same fit.

Intervals: sample paths ``(m_s + c) exp(mu_s + f z_s) - c`` with ``z`` drawn from the
conditional distribution (transient and level correlated across intervals, noise
independent) and ``f`` the spread factor (:func:`calibrate_spread`): the calibration
days' reforecasts from the same time of day had standardised residuals whose 80th
percentile of ``|z|`` is ``f * 1.2816``, so the 80% intervals are calibrated on them
(the counts' tails are heavier than a Gaussian's, which makes the maximum-likelihood
variances too wide for the bulk of the intervals).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import minimize
from scipy.special import expit
from scipy.stats import norm

from .base import SeriesForecast
from .history import HistoryError

LOG_OFFSET = 1.0
"""``c`` (contacts) in ``log((y + c) / (m + c))``: keeps empty intervals finite."""
NOISE_FLOOR = 1e-6
"""Added to each interval's noise variance (keeps the covariance positive definite)."""
SPREAD_LEVEL = 0.8
""":func:`calibrate_spread` matches the central interval of this probability."""
SPREAD_WINDOW_MINUTES = 60
""":func:`calibrate_spread` uses the calibration cuts within this many minutes of the
reforecast's time of day."""
MIN_RECORDS = 3
"""Fewest calibration days :func:`fit_transient` accepts."""
FIT_START = np.array([-4.0, -3.0, 1.5, -2.0])
"""Starting point of the likelihood search: log level_var, log transient_var, logit phi,
log overdispersion (a 14% level sd, 22% transient sd, phi 0.82, k 0.14; the search
runs from the best of :data:`FIT_GRID` around it)."""
FIT_GRID = ((-5.0, -3.0), (-5.0, -3.0), (0.0, 2.0), (-2.0, 0.0))
"""Grid of starting points (same order as :data:`FIT_START`)."""


@dataclass(frozen=True)
class TransientPrior:
    """The day-level + AR(1)-transient model of the log ratio actual / day-ahead.

    Attributes
    ----------
    level_var : variance of the day's level ``a`` (log ratio, dimensionless).
    transient_var : variance of the transient ``b_s``.
    phi : the transient's correlation from one interval to the next (0..1).
    overdispersion : ``k``: counts have variance ``(1 + k)`` x their mean.
    spread : factor on the predictive standard deviation of the paths (1: as fitted).
    days : calibration days it was estimated on (0: given by hand).
    """

    level_var: float
    transient_var: float
    phi: float
    overdispersion: float = 0.0
    spread: float = 1.0
    days: int = 0

    def __post_init__(self) -> None:
        for name in ("level_var", "transient_var", "overdispersion"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                raise HistoryError(f"{name}: must be a finite number >= 0, got {v}")
        if not 0 <= self.phi < 1:
            raise HistoryError(f"phi: must be in [0, 1), got {self.phi}")
        if not (np.isfinite(self.spread) and self.spread > 0):
            raise HistoryError(f"spread: must be a finite number > 0, got {self.spread}")

    def latent_cov(self, n: int) -> np.ndarray:
        """Covariance of ``a + b_s`` over ``n`` consecutive intervals."""
        lag = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
        return self.level_var + self.transient_var * self.phi**lag

    def noise_var(self, mean: np.ndarray) -> np.ndarray:
        """Variance of ``eps_s`` where the day-ahead mean is ``mean`` (contacts)."""
        m = np.asarray(mean, dtype=float)
        return (1.0 + self.overdispersion) * m / (m + LOG_OFFSET) ** 2 + NOISE_FLOOR

    def conditional(
        self, mean: np.ndarray, actual: np.ndarray, seen: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean, covariance) of ``a + b_s`` over the intervals not ``seen`` given the
        ``seen`` intervals' log ratios, and those intervals' noise variances.

        ``mean``, ``actual``: contacts per interval over a day's open intervals in order;
        ``seen``: boolean mask of the observed ones (``actual`` is read only there).
        """
        lat = self.latent_cov(len(mean))
        noise = self.noise_var(mean)
        rest = ~seen
        if not seen.any():
            return np.zeros(int(rest.sum())), lat[np.ix_(rest, rest)], noise[rest]
        e = log_ratio(actual[seen], mean[seen])
        s_ss = lat[np.ix_(seen, seen)] + np.diag(noise[seen])
        cf = cho_factor(s_ss)
        cross = lat[np.ix_(seen, rest)]
        mu = cross.T @ cho_solve(cf, e)
        cov = lat[np.ix_(rest, rest)] - cross.T @ cho_solve(cf, cross)
        return mu, cov, noise[rest]


def log_ratio(actual: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``log((actual + c) / (mean + c))``, ``c`` = :data:`LOG_OFFSET`."""
    return np.log((np.asarray(actual, float) + LOG_OFFSET) / (np.asarray(mean, float) + LOG_OFFSET))


def _prior(q: np.ndarray, days: int = 0) -> TransientPrior:
    q = np.clip(q, -20.0, 20.0)
    return TransientPrior(
        float(np.exp(q[0])),
        float(np.exp(q[1])),
        float(min(expit(q[2]), 0.999)),
        float(np.exp(q[3])),
        days=days,
    )


def _nll(p: TransientPrior, records: Sequence) -> float:
    total = 0.0
    for r in records:
        s = p.latent_cov(len(r.mean)) + np.diag(p.noise_var(r.mean))
        cf = cho_factor(s)
        e = log_ratio(r.actual, r.mean)
        total += float(np.log(np.diag(cf[0])).sum() + 0.5 * e @ cho_solve(cf, e))
    return total


def fit_transient(records: Sequence) -> TransientPrior:
    """Maximum-likelihood :class:`TransientPrior` (spread 1) from past days' day-ahead
    forecasts (:class:`forecasting.intraday.DayAhead` records: ``mean``, ``actual``
    over each day's open intervals): the Gaussian likelihood of each day's log ratios
    ``e`` under ``level_var + transient_var phi^|i-j| + diag(noise)``, by Nelder-Mead
    from the best point of :data:`FIT_GRID`."""
    if len(records) < MIN_RECORDS:
        raise HistoryError(
            f"history: {len(records)} calibration day(s); the transient update needs at "
            f"least {MIN_RECORDS}"
        )
    use = [r for r in records if len(r.mean) >= 2]
    if len(use) < MIN_RECORDS:
        raise HistoryError("history: the calibration days have too few open intervals")

    def loss(q: np.ndarray) -> float:
        return _nll(_prior(q), use)

    grid = np.array(np.meshgrid(*FIT_GRID, indexing="ij")).reshape(4, -1).T
    start = min([FIT_START, *grid], key=loss)
    res = minimize(
        loss, start, method="Nelder-Mead", options={"xatol": 0.01, "fatol": 1e-4, "maxiter": 400}
    )
    q = res.x if res.fun <= loss(start) else start
    return _prior(q, days=len(records))


def calibrate_spread(prior: TransientPrior, records: Sequence, cut: int) -> TransientPrior:
    """``prior`` with the spread factor that makes its :data:`SPREAD_LEVEL` intervals
    cover that share of the calibration days' rest-of-day log ratios.

    Each record is reforecast from every interval start within
    :data:`SPREAD_WINDOW_MINUTES` of ``cut`` (minutes after midnight); each later
    interval's standardised residual is ``z = (e - mu) / sqrt(var + noise)``; the factor
    is the :data:`SPREAD_LEVEL` quantile of ``|z|`` over ``z_(1+level)/2`` (1.2816 for
    80%). Records with no such cut leave the prior's spread.
    """
    zs = []
    for r in records:
        slots = np.asarray(r.slots)
        for c in slots[np.abs(slots - cut) <= SPREAD_WINDOW_MINUTES]:
            seen = slots < c
            if seen.all():
                continue
            mu, cov, noise = prior.conditional(r.mean, r.actual, seen)
            e = log_ratio(r.actual[~seen], r.mean[~seen])
            zs.append((e - mu) / np.sqrt(np.diag(cov) + noise))
    if not zs:
        return prior
    z = np.abs(np.concatenate(zs))
    f = float(np.quantile(z, SPREAD_LEVEL) / norm.ppf((1 + SPREAD_LEVEL) / 2))
    return dataclasses.replace(prior, spread=f) if f > 0 else prior


def transient_update(
    day_ahead: SeriesForecast,
    actual: np.ndarray,
    cut: int,
    prior: TransientPrior,
    rng: np.random.Generator,
) -> SeriesForecast:
    """The rest of one day under the transient model: ``day_ahead`` (a one-day
    forecast) updated by ``actual`` (contacts per interval over its slots) before
    ``cut`` (minutes after midnight).

    Mean ``(m_s + c) exp(mu_s + var_s / 2) - c`` (floored at 0: the log-normal mean of
    the latent rate); paths ``(m_s + c) exp(mu_s + spread z_s) - c`` (floored at 0),
    ``z`` the conditional latent draw plus the count noise, as many paths as
    ``day_ahead`` has. Open intervals: the day's from ``cut`` on.
    """
    if len(day_ahead.days) != 1:
        raise HistoryError("day_ahead: must forecast exactly one day")
    slots = np.asarray(day_ahead.slots)
    open_ = day_ahead.open[0]
    idx = np.flatnonzero(open_)
    m = day_ahead.mean[0][idx]
    seen = slots[idx] < cut
    n_paths = day_ahead.paths.shape[0]
    mean = np.zeros(len(slots))
    paths = np.zeros((n_paths, len(slots)))
    if not seen.all():
        mu, cov, noise = prior.conditional(m, np.asarray(actual, float)[idx], seen)
        base = m[~seen] + LOG_OFFSET
        mean[idx[~seen]] = np.maximum(base * np.exp(mu + np.diag(cov) / 2) - LOG_OFFSET, 0.0)
        z = rng.multivariate_normal(np.zeros(len(mu)), cov, size=n_paths, method="eigh")
        z += rng.standard_normal((n_paths, len(mu))) * np.sqrt(noise)
        paths[:, idx[~seen]] = np.maximum(base * np.exp(mu + prior.spread * z) - LOG_OFFSET, 0.0)
    rest = open_ & (slots >= cut)
    return SeriesForecast(
        day_ahead.days,
        day_ahead.slots,
        mean[None],
        paths[:, None, :],
        rest[None],
        f"{day_ahead.model}+intraday",
        day_ahead.channel,
    )
