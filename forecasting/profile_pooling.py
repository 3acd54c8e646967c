"""Shrinking each weekday's intraday profile towards the pooled profile of the similar
weekdays (empirical Bayes: the blend weight is estimated from the day-to-day variance of
the shares, nothing is tuned).

A weekday's profile is the weighted mean of its days' shares (each day's interval counts
over its total), estimated on few days, so it is noisy. Weekdays with the same open hours
whose profiles differ by less than that noise are *similar* (:func:`similar_weekdays`);
the pooled profile of the similar weekdays has less noise but some bias. The blend
``p_w - b (p_w - p_S)`` with the weight ``b`` that minimises the expected squared error
of the profile (:func:`shrink`) trades one for the other. Everything is computed from
running sums per weekday (:class:`WeekdayShares`), so a profile can be refreshed day by
day at little cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["WeekdayShares", "accumulate", "shrink", "shrinkage_weight", "similar_weekdays"]


@dataclass
class WeekdayShares:
    """Running sums of one weekday's day shares (arrays over the intervals).

    Day weights decay by ``decay`` per newer same-weekday day (the newest weighs 1):
    ``num`` = sum w_i s_i, ``den`` = sum w_i, ``den2`` = sum w_i^2; ``n``, ``s1``,
    ``s2``: count, sum and sum of squares of the shares, unweighted."""

    num: np.ndarray
    den: float
    den2: float
    n: int
    s1: np.ndarray
    s2: np.ndarray

    @property
    def profile(self) -> np.ndarray:
        return self.num / self.den

    @property
    def day_noise(self) -> float:
        """Variance of one day's shares about the weekday's mean (sample variance per
        interval, summed over the intervals; 0 with fewer than 2 days)."""
        if self.n < 2:
            return 0.0
        return float(np.clip(self.s2 - self.s1**2 / self.n, 0.0, None).sum() / (self.n - 1))

    @property
    def noise(self) -> float:
        """Expected squared error of :attr:`profile` (independent days):
        day noise x sum (w_i / sum w)^2."""
        return self.day_noise * self.den2 / self.den**2


def accumulate(acc: WeekdayShares | None, shares: np.ndarray, decay: float) -> WeekdayShares:
    """``acc`` with one more (newest) day of ``shares``."""
    if acc is None:
        return WeekdayShares(shares.copy(), 1.0, 1.0, 1, shares.copy(), shares**2)
    return WeekdayShares(
        acc.num * decay + shares,
        acc.den * decay + 1.0,
        acc.den2 * decay**2 + 1.0,
        acc.n + 1,
        acc.s1 + shares,
        acc.s2 + shares**2,
    )


def shrinkage_weight(cov: float, d: np.ndarray) -> float:
    """``b`` = cov / ||d||^2 clipped to [0, 1]; 1 when ``d`` is 0 and ``cov`` > 0."""
    dd = float((d * d).sum())
    if cov <= 0:
        return 0.0
    return 1.0 if dd <= 0 else float(min(1.0, cov / dd))


def shrink(
    stats: Mapping[int, WeekdayShares], target: int, similar: set[int]
) -> tuple[np.ndarray, float]:
    """The profile of weekday ``target`` shrunk towards the pooled profile p_S of
    ``similar | {target}`` (each day weighted as in its own weekday), and the weight.

    The weight minimises E||p_w - b d - mu_w||^2 (mu_w the true profile, d = p_w - p_S,
    independent days): b* = Cov(p_w, d) / E||d||^2 with
    Cov(p_w, d) = s_w^2 (sum a_i^2 - sum a_i q_i), a_i = w_i / W_w and q_i = w_i / W_S
    the weekday's days' weights in p_w and p_S, s_w^2 its day noise; E||d||^2 is
    estimated by the observed ||d||^2. A pool that differs from p_w by about the
    noise gets b near 1, one that differs much b near 0."""
    own = stats[target]
    pool = [stats[v] for v in sorted(similar | {target})]
    w_s = sum(p.den for p in pool)
    d = own.profile - sum(p.num for p in pool) / w_s
    cov = own.day_noise * (own.den2 / own.den**2 - own.den2 / (own.den * w_s))
    b = shrinkage_weight(cov, d)
    return own.profile - b * d, b


def similar_weekdays(
    stats: Mapping[int, WeekdayShares], masks: Mapping[int, np.ndarray]
) -> dict[int, set[int]]:
    """For each weekday ``w``, the weekdays ``v`` with the same open intervals for which
    the plain mean of the two profiles is expected to err less than ``w``'s own: with
    delta^2 = ||p_w - p_v||^2 - noise_w - noise_v (the estimated squared difference of
    the true profiles), E||(p_w + p_v) / 2 - mu_w||^2 = (delta^2 + noise_w + noise_v) / 4
    < noise_w, i.e. delta^2 < 3 noise_w - noise_v."""
    prof = {w: st.profile for w, st in stats.items()}
    noise = {w: st.noise for w, st in stats.items()}
    out: dict[int, set[int]] = {}
    for w in stats:
        out[w] = set()
        for v in stats:
            if v == w or not np.array_equal(masks[v], masks[w]):
                continue
            delta2 = float(((prof[w] - prof[v]) ** 2).sum()) - noise[w] - noise[v]
            if delta2 < 3 * noise[w] - noise[v]:
                out[w].add(v)
    return out
