"""Fits of call records shared by the calibration and the estimators beside it:
handle-time and patience distributions (a patience fit is censored by the answered
calls' waits), and the records' error. :mod:`forecasting.calibrate` re-exports them."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "PatienceObservations",
    "RecordsError",
    "fit_handle_time",
    "fit_patience",
    "handle_time_profile",
    "handle_time_quantiles",
    "rounded",
    "wait_resolution",
]


class RecordsError(ValueError):
    """Call records cannot be used; the message names the row and column."""


# -- fits ----------------------------------------------------------------------------------
MIN_HANDLE_TIMES = 10
"""Fewest answered calls (handle time > 0) a handle-time fit needs."""
MIN_HANDLE_CV = 1e-3
"""Handle times whose coefficient of variation is below this have no spread to fit."""


def _handle_times(x: np.ndarray) -> np.ndarray:
    """The handle times (s) > 0 of ``x``; :class:`RecordsError` for fewer than
    :data:`MIN_HANDLE_TIMES` of them."""
    x = np.asarray(x, float)
    x = x[x > 0]
    if x.size < MIN_HANDLE_TIMES:
        raise RecordsError(
            f"handle_time: need at least {MIN_HANDLE_TIMES} answered calls with a handle "
            f"time > 0, got {x.size}"
        )
    return x


def fit_handle_time(x: np.ndarray) -> dict[str, Any]:
    """Lognormal and gamma fits (mean, cv, KS distance) of handle times (s) > 0, both
    with the records' mean.

    The gamma's maximum-likelihood mean is the sample mean; the lognormal's is only for
    lognormal data (on the Anonymous Bank's January PS calls it is 212 s against the
    records' 192 s: 10% more workload than the records carry, which staffing and
    simulation would inherit). So the lognormal keeps its fitted shape (its cv) and is
    scaled to the sample mean (``lognormal_mle_mean`` reports the unscaled one).

    Returns the fitted parameters of both, and ``distribution``: the scenario entry of
    the one with the smaller KS distance. Raises :class:`RecordsError` for fewer than
    :data:`MIN_HANDLE_TIMES` of them or (almost) no spread.
    """
    x = _handle_times(x)
    if x.std() <= MIN_HANDLE_CV * x.mean():
        raise RecordsError(
            f"handle_time: all {x.size} answered calls take {x.mean():g} s; no spread to fit "
            "a lognormal or gamma distribution to"
        )
    s, _, mle_scale = stats.lognorm.fit(x, floc=0)
    mle_mean = mle_scale * math.exp(s**2 / 2)
    ln_mean = float(x.mean())
    scale = ln_mean / math.exp(s**2 / 2)
    ln_cv = math.sqrt(math.expm1(s**2))
    ln_ks = stats.kstest(x, stats.lognorm(s, 0, scale).cdf).statistic
    a, _, gscale = stats.gamma.fit(x, floc=0)
    g_ks = stats.kstest(x, stats.gamma(a, 0, gscale).cdf).statistic
    g_mean, g_cv = a * gscale, 1 / math.sqrt(a)
    best = (
        {"distribution": "lognormal", "mean": ln_mean, "cv": ln_cv}
        if ln_ks <= g_ks
        else {"distribution": "gamma", "mean": g_mean, "cv": g_cv}
    )
    return {
        "n": int(x.size),
        "sample_mean": float(x.mean()),
        "sample_cv": float(x.std() / x.mean()),
        "lognormal_mean": ln_mean,
        "lognormal_mle_mean": mle_mean,
        "lognormal_cv": ln_cv,
        "lognormal_ks": float(ln_ks),
        "gamma_mean": g_mean,
        "gamma_cv": g_cv,
        "gamma_ks": float(g_ks),
        "distribution": _entry(best),
    }


EMPIRICAL_POINTS = 1001
"""Quantiles kept of the handle times for an empirical distribution (every 0.1%)."""


def handle_time_quantiles(x: np.ndarray, *, points: int = EMPIRICAL_POINTS) -> dict[str, Any]:
    """An empirical scenario entry of handle times (s) > 0: ``points`` evenly spaced
    quantiles (minimum to maximum, linear interpolation), to 0.1 s. Resampled, it keeps
    the records' mean and their whole shape (:func:`fit_handle_time` keeps the mean
    and a fitted family's cv only). Raises
    :class:`RecordsError` for fewer than :data:`MIN_HANDLE_TIMES` of them."""
    x = _handle_times(x)
    qs = np.quantile(x, np.linspace(0.0, 1.0, points))
    return {"distribution": "empirical", "samples": [round(float(v), 1) for v in qs]}


PROFILE_SHRINK_CALLS = 30
"""Pseudo-calls at the overall mean added to each time-of-day bin's calls (a bin with n
calls gets weight n / (n + 30) on its own mean; an empty one the overall mean)."""


def handle_time_profile(
    seconds_of_day: np.ndarray,
    handle_time: np.ndarray,
    *,
    bin_minutes: int = 60,
    shrink: float = PROFILE_SHRINK_CALLS,
) -> np.ndarray:
    """Mean handle time by time of day relative to the overall mean: per ``bin_minutes``
    bin of the day (by arrival, ``seconds_of_day`` in 0..86400), ``(sum of the bin's
    handle times + shrink * overall mean) / ((n + shrink) * overall mean)`` (1 for a bin
    without calls). Handle times <= 0 are left out. Returns one factor per bin
    (``1440 / bin_minutes``)."""
    t = np.asarray(seconds_of_day, float)
    x = np.asarray(handle_time, float)
    keep = x > 0
    t, x = t[keep], x[keep]
    bins = 24 * 60 // bin_minutes
    if x.size == 0:
        return np.ones(bins)
    b = np.clip((t // (bin_minutes * 60)).astype(np.int64), 0, bins - 1)
    total = np.bincount(b, weights=x, minlength=bins)
    n = np.bincount(b, minlength=bins)
    m = float(x.mean())
    den = (n + shrink) * m
    return np.divide(total + shrink * m, den, out=np.ones(bins), where=den > 0)


PATIENCE_FAMILIES = ("exponential", "weibull", "lognormal")
"""Candidate patience distributions, fitted by censored maximum likelihood."""
MIN_ABANDONED = 5
"""Fewest abandonments after a positive wait that a patience fit needs."""
WAIT_RESOLUTIONS = (1.0, 0.1, 0.01, 0.001)
"""Recording resolutions (s) recognised in queue waits, coarsest first."""
NEAR_ZERO_STEPS = 10
"""Abandonments recorded within this many resolution steps of 0 are interval-censored
(the density changes too fast there for one recorded value to stand for the patience)."""
KM_MIN_AT_RISK = 30
"""Kaplan-Meier points with fewer calls at risk are left out of the fits' KM gap."""


def wait_resolution(wait: np.ndarray) -> float:
    """The recording resolution (s) of queue waits: the coarsest of
    :data:`WAIT_RESOLUTIONS` of which every wait is a whole multiple (real systems log
    whole seconds); the finest one for waits recorded more precisely."""
    t = np.asarray(wait, float)
    for r in WAIT_RESOLUTIONS:
        steps = t / r
        if np.all(np.abs(steps - np.rint(steps)) <= 1e-6 * np.maximum(1.0, steps)):
            return r
    return WAIT_RESOLUTIONS[-1]


@dataclass(frozen=True, eq=False)
class PatienceObservations:
    """What queue waits (s) say about patience (s), for a censored likelihood.

    A recorded wait w is within one ``resolution`` r of the true one (a difference of
    two clock times logged to r, or a duration rounded or truncated to r). So:

    * a call abandoned after w >= :data:`NEAR_ZERO_STEPS` r: its patience was w (an
      event, ``events``);
    * a call abandoned after w < :data:`NEAR_ZERO_STEPS` r: its patience was in
      [max(0, w - r), w + r) (interval-censored, ``near_zero`` rows of (low, high)),
      so that abandonments at w = 0 count as patience below r instead of being moved
      or dropped (a density at 0 is infinite or zero for the Weibull and lognormal);
    * a call answered after w > 0: its patience exceeds w (right-censored, ``censored``);
    * a call answered at once (w = 0): patience > 0 says nothing (S(0) = 1); left out.

    ``at_zero`` counts the abandonments recorded at wait 0 (reported separately).
    """

    events: np.ndarray
    near_zero: np.ndarray
    censored: np.ndarray
    at_zero: int
    resolution: float

    @classmethod
    def from_waits(
        cls, wait: np.ndarray, abandoned: np.ndarray, *, resolution: float | None = None
    ) -> PatienceObservations:
        """From every offered call's wait (s) and whether it abandoned; ``resolution``
        (s) defaults to :func:`wait_resolution` of the waits."""
        t = np.asarray(wait, float)
        e = np.asarray(abandoned, bool)
        r = wait_resolution(t) if resolution is None else float(resolution)
        if not (math.isfinite(r) and r > 0):
            raise RecordsError(f"patience: resolution must be > 0 s, got {resolution}")
        near = e & (t < NEAR_ZERO_STEPS * r)
        w = t[near]
        return cls(
            events=t[e & ~near],
            near_zero=np.column_stack([np.maximum(w - r, 0.0), w + r]),
            censored=t[~e & (t > 0)],
            at_zero=int((e & (t <= 0)).sum()),
            resolution=r,
        )

    @property
    def abandoned(self) -> int:
        """Abandonments in the likelihood (events and interval-censored)."""
        return int(self.events.size + len(self.near_zero))

    def censored_data(self) -> Any:
        """The observations as ``scipy.stats.CensoredData``."""
        return stats.CensoredData(
            uncensored=self.events,
            right=self.censored,
            interval=self.near_zero if len(self.near_zero) else None,
        )

    def loglik(self, dist: Any) -> float:
        """Log-likelihood of a frozen scipy distribution: log f at the events, log S at
        the censoring waits, log (F(high) - F(low)) for the interval-censored."""
        ll = float(np.sum(dist.logpdf(self.events)) + np.sum(dist.logsf(self.censored)))
        if len(self.near_zero):
            lo, hi = self.near_zero[:, 0], self.near_zero[:, 1]
            ll += float(np.sum(np.log(dist.cdf(hi) - dist.cdf(lo))))
        return ll


def _fit_family(name: str, obs: PatienceObservations) -> tuple[Any, int, dict[str, Any]] | None:
    """Censored MLE of one family (scipy ``fit`` on ``CensoredData``, location 0):
    (frozen distribution, number of parameters, scenario entry), or None when the fit
    does not give a finite, positive mean."""
    data = obs.censored_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if name == "exponential":
                _, lam = stats.expon.fit(data, floc=0)
                dist, k = stats.expon(0, lam), 1
                entry: dict[str, Any] = {"distribution": "exponential", "mean": lam}
            elif name == "weibull":
                c, _, sc = stats.weibull_min.fit(data, floc=0)
                dist, k = stats.weibull_min(c, 0, sc), 2
                entry = {"distribution": "weibull", "mean": dist.mean(), "shape": c}
            else:
                s, _, lsc = stats.lognorm.fit(data, floc=0)
                dist, k = stats.lognorm(s, 0, lsc), 2
                entry = {
                    "distribution": "lognormal",
                    "mean": dist.mean(),
                    "cv": math.sqrt(math.expm1(s**2)),
                }
        except (ValueError, RuntimeError, OverflowError, FloatingPointError):
            return None
    values = [float(v) for key, v in entry.items() if key != "distribution"]
    if not all(math.isfinite(v) and v > 0 for v in values):
        return None
    return dist, k, entry


def fit_patience(
    wait: np.ndarray, abandoned: np.ndarray, *, resolution: float | None = None
) -> dict[str, Any]:
    """Patience (s) from queue waits: Kaplan-Meier with answered calls censored, and
    censored maximum-likelihood exponential, Weibull and lognormal fits.

    The data are used as they are (see :class:`PatienceObservations`): answered calls
    are right-censored at their wait, abandonments are events, abandonments within a
    few resolution steps of 0 (wait 0 included) are interval-censored, calls answered
    at once carry no information. The family with the lowest AIC is chosen.

    Parameters
    ----------
    wait : time in queue (s) of every offered call.
    abandoned : True where the caller abandoned (the wait is their patience); False
        where answered (patience is only known to exceed the wait: censored).
    resolution : s, the waits' recording resolution (default: :func:`wait_resolution`).

    Returns
    -------
    dict
        ``n``, ``abandoned``, ``abandoned_at_zero`` (abandonments recorded at wait 0),
        ``resolution`` (s), ``km`` (statsmodels ``SurvfuncRight``), ``km_s60`` (KM
        survival at 60 s), per fit ``<name>_aic``, ``<name>_mean`` (s) and
        ``<name>_km_gap`` (largest distance between the fitted and the KM survival at
        the KM event times; NaN for a family that could not be fitted), and
        ``distribution``: the scenario entry of the lowest-AIC fit.

    Raises
    ------
    RecordsError
        Fewer than :data:`MIN_ABANDONED` abandonments after a positive wait (nothing
        to fit the shape of patience on), or no family could be fitted.
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    t = np.asarray(wait, float)
    e = np.asarray(abandoned, bool)
    if e.sum() < MIN_ABANDONED:
        raise RecordsError(
            f"patience: need at least {MIN_ABANDONED} abandoned calls, got {int(e.sum())}"
        )
    obs = PatienceObservations.from_waits(t, e, resolution=resolution)
    after_wait = int(e.sum()) - obs.at_zero
    if after_wait < MIN_ABANDONED:
        raise RecordsError(
            f"patience: need at least {MIN_ABANDONED} calls abandoned after a wait > 0, got "
            f"{after_wait} ({obs.at_zero} of {int(e.sum())} abandonments have wait 0); "
            "cannot tell how long callers wait before giving up"
        )
    km = SurvfuncRight(t, e.astype(int))
    out: dict[str, Any] = {
        "n": int(t.size),
        "abandoned": int(e.sum()),
        "abandoned_at_zero": obs.at_zero,
        "resolution": obs.resolution,
        "km": km,
        "km_s60": float(_km_at(km, 60.0)),
    }
    at_risk = np.asarray(km.n_risk) >= KM_MIN_AT_RISK  # where the KM curve is well estimated
    times = np.asarray(km.surv_times)[at_risk]
    surv = np.asarray(km.surv_prob)[at_risk]
    best_aic, best_entry = math.inf, None
    for name in PATIENCE_FAMILIES:
        fit = _fit_family(name, obs)
        if fit is None:
            out[f"{name}_aic"] = math.inf
            out[f"{name}_km_gap"] = math.nan
            out[f"{name}_mean"] = math.nan
            continue
        dist, k, entry = fit
        aic = 2 * k - 2 * obs.loglik(dist)
        out[f"{name}_aic"] = aic
        out[f"{name}_km_gap"] = float(np.max(np.abs(dist.sf(times) - surv))) if times.size else 0.0
        out[f"{name}_mean"] = float(entry["mean"])
        if aic < best_aic:
            best_aic, best_entry = aic, entry
    if best_entry is None:
        raise RecordsError(
            f"patience: no distribution ({', '.join(PATIENCE_FAMILIES)}) could be fitted to "
            f"{obs.abandoned} abandonments and {obs.censored.size} answered waits"
        )
    out["distribution"] = _entry(best_entry)
    return out


def rounded(v: float) -> float:
    """``v`` to 3 decimals, or to 3 significant digits when that would give 0."""
    r = round(float(v), 3)
    return r if r != 0 or v == 0 else float(f"{float(v):.3g}")


def _entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A scenario distribution entry with plain, rounded numbers (YAML-safe)."""
    return {k: (v if k == "distribution" else rounded(v)) for k, v in entry.items()}


def _km_at(km: Any, t: float) -> float:
    times = np.asarray(km.surv_times)
    idx = np.searchsorted(times, t, side="right") - 1
    return 1.0 if idx < 0 else float(np.asarray(km.surv_prob)[idx])
