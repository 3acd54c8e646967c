"""Distributions: sampled moments match the analytic ones; bad parameters are rejected."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from sim.config.distributions import Distribution

ADAPTER = TypeAdapter(Distribution)


@pytest.mark.parametrize(
    "spec",
    [
        {"distribution": "exponential", "mean": 300},
        {"distribution": "lognormal", "mean": 300, "cv": 0.8},
        {"distribution": "gamma", "mean": 420, "cv": 0.5},
        {"distribution": "weibull", "mean": 240, "shape": 0.8},
        {"distribution": "weibull", "mean": 240, "shape": 2.5},
        {"distribution": "fixed", "value": 1800},
        {"distribution": "empirical", "samples": [10, 20, 30, 100]},
    ],
)
def test_sample_moments_match_analytic(spec):
    d = ADAPTER.validate_python(spec)
    x = d.sample(np.random.default_rng(3), 400_000)
    assert (x >= 0).all()
    assert x.mean() == pytest.approx(d.mean, rel=0.01)
    assert x.var() == pytest.approx(d.variance, rel=0.05, abs=1e-9)


def test_same_generator_state_same_draws():
    d = ADAPTER.validate_python({"distribution": "lognormal", "mean": 300, "cv": 0.8})
    a = d.sample(np.random.default_rng(5), 10)
    b = d.sample(np.random.default_rng(5), 10)
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "spec,field",
    [
        ({"distribution": "lognormal", "mean": 300, "cv": 0}, "cv"),
        ({"distribution": "exponential", "mean": -1}, "mean"),
        ({"distribution": "weibull", "mean": 10}, "shape"),
        ({"distribution": "fixed", "value": -5}, "value"),
        ({"distribution": "empirical", "samples": []}, "samples"),
        ({"distribution": "empirical", "samples": [1, -2]}, "samples"),
        ({"distribution": "exponential", "mean": 5, "sd": 2}, "sd"),
    ],
)
def test_bad_parameters_rejected(spec, field):
    with pytest.raises(ValidationError) as exc:
        ADAPTER.validate_python(spec)
    assert field in str(exc.value)


def test_prints_its_parameters():
    d = ADAPTER.validate_python({"distribution": "gamma", "mean": 420, "cv": 0.5})
    assert str(d) == "gamma(mean=420.0, cv=0.5)"
