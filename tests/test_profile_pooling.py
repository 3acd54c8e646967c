"""Shrinking weekday intraday profiles towards the pooled profile of similar weekdays."""

from __future__ import annotations

import numpy as np
import pytest

import forecasting as fc
from forecasting.models import _in_sample_dispersion, nb_dispersion, profiles
from forecasting.profile_pooling import (
    WeekdayShares,
    accumulate,
    shrink,
    shrinkage_weight,
    similar_weekdays,
)

from .forecast_helpers import synthetic_history


def _stats(shares: np.ndarray, groups: np.ndarray, decay: float = 1.0) -> dict[int, WeekdayShares]:
    out: dict[int, WeekdayShares] = {}
    for s, g in zip(shares, groups, strict=True):
        out[int(g)] = accumulate(out.get(int(g)), s, decay)
    return out


def test_running_sums_by_hand() -> None:
    # values 0.6, 0.4 per interval -> sample variance (0.1^2 + 0.1^2) / 1 = 0.02, twice
    st = _stats(np.array([[0.6, 0.4], [0.4, 0.6]]), np.array([0, 0]), decay=0.5)[0]
    assert st.day_noise == pytest.approx(0.04)
    # weights 0.5 (older), 1: profile (0.5 * 0.6 + 0.4, ...) / 1.5; noise 0.04 * 1.25 / 2.25
    np.testing.assert_allclose(st.profile, [0.7 / 1.5, 0.8 / 1.5])
    assert st.noise == pytest.approx(0.04 * 1.25 / 2.25)
    assert _stats(np.array([[0.6, 0.4]]), np.array([0]))[0].day_noise == 0.0


def test_shrinkage_weight_by_hand() -> None:
    # weekday 0: days (0.6, 0.4), (0.4, 0.6): profile (0.5, 0.5), day noise 0.04
    # weekday 1: days (0.7, 0.3) twice: day noise 0; pooled profile (0.6, 0.4)
    shares = np.array([[0.6, 0.4], [0.4, 0.6], [0.7, 0.3], [0.7, 0.3]])
    stats = _stats(shares, np.array([0, 0, 1, 1]))
    # Cov = 0.04 (2/2^2 - 2/(2 * 4)) = 0.01; d = (-0.1, 0.1), ||d||^2 = 0.02: b = 0.5
    prof, b = shrink(stats, 0, {1})
    assert b == pytest.approx(0.5)
    np.testing.assert_allclose(prof, [0.55, 0.45])
    # seen from weekday 1 (no noise of its own): nothing to gain, b = 0
    prof1, b1 = shrink(stats, 1, {0})
    assert b1 == 0.0
    np.testing.assert_allclose(prof1, [0.7, 0.3])


def test_shrinkage_weight_clipped_to_full_pooling() -> None:
    assert shrinkage_weight(0.01, np.array([0.05, -0.05])) == 1.0  # 0.01 / 0.005 = 2
    assert shrinkage_weight(0.01, np.zeros(2)) == 1.0
    assert shrinkage_weight(0.01, np.array([0.1, 0.1])) == pytest.approx(0.5)
    assert shrinkage_weight(0.0, np.array([0.1, 0.1])) == 0.0


def _poisson_days(rng: np.random.Generator, shape: np.ndarray, n_days: int, total: int):
    counts = rng.poisson(total * shape / shape.sum(), size=(n_days, shape.size)).astype(float)
    return counts / counts.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("seed", range(5))
def test_same_true_profile_pools_fully_different_does_not(seed: int) -> None:
    """Two weekdays with the same true profile and Poisson noise: E||d||^2 equals the
    covariance, so b is about 1 (clipped); with different true profiles, about 0."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, np.pi, 48)
    same = np.sin(x) + 0.2
    other = np.cos(x) + 1.2
    n, total = 20, 500
    groups = np.repeat([0, 1], n)
    masks = {0: np.ones(48, bool), 1: np.ones(48, bool)}
    stats = _stats(
        np.vstack([_poisson_days(rng, same, n, total), _poisson_days(rng, same, n, total)]), groups
    )
    assert shrink(stats, 0, {1})[1] > 0.8
    assert similar_weekdays(stats, masks) == {0: {1}, 1: {0}}
    stats = _stats(
        np.vstack([_poisson_days(rng, same, n, total), _poisson_days(rng, other, n, total)]), groups
    )
    assert shrink(stats, 0, {1})[1] < 0.05
    assert similar_weekdays(stats, masks) == {0: set(), 1: set()}


def test_different_open_hours_are_never_similar() -> None:
    rng = np.random.default_rng(0)
    shape = np.sin(np.linspace(0.0, np.pi, 48)) + 0.2
    stats = _stats(_poisson_days(rng, shape, 20, 500), np.repeat([0, 1], 10))
    masks = {0: np.ones(48, bool), 1: np.r_[np.ones(46, bool), np.zeros(2, bool)]}
    assert similar_weekdays(stats, masks) == {0: set(), 1: set()}


def test_pooled_profiles_closer_to_the_true_shape() -> None:
    """synthetic_history: every weekday has the same intraday shape, so the pooled
    profiles err less than the per-weekday ones (and still sum to 1)."""
    y = fc.read_history(synthetic_history(weeks=6, seed=4)).matrix("voice")
    slots = np.array(y.slots, dtype=float)
    shape = np.sin(np.pi * (slots - slots[0] + 7.5) / (slots[-1] - slots[0] + 15)) + 0.2
    truth = shape / shape.sum()
    own = profiles(y, decay=0.8)
    pooled = profiles(y, decay=0.8, pool=True)
    err_own = sum(float(np.abs(own[w] - truth).sum()) for w in own)
    err_pooled = sum(float(np.abs(pooled[w] - truth).sum()) for w in pooled)
    assert err_pooled < 0.7 * err_own
    for p in pooled.values():
        assert p.sum() == pytest.approx(1.0)


def test_pooled_dispersion_refits_the_profiles_before_each_day() -> None:
    """The running-sum dispersion equals the one from profiles refitted on the days
    before each of the last days (the direct definition)."""
    y = fc.read_history(synthetic_history(weeks=6, seed=4)).matrix("voice")
    last = 12
    act, exp = [], []
    for i in range(len(y.dates) - last, len(y.dates)):
        act.append(y.values[i])
        exp.append(
            profiles(y.head(i), decay=0.8, pool=True)[y.dates[i].weekday()] * y.values[i].sum()
        )
    want = nb_dispersion(np.array(act), np.array(exp))
    got = _in_sample_dispersion(y, decay=0.8, last=last, pool=True)
    assert got == pytest.approx(want, rel=1e-9)
