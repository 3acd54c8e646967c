"""Probability distributions for handle times, patience and transition delays.

Every distribution is a frozen, validated config object that knows its analytic
mean and variance and draws a numpy batch from a generator it is given (it owns no
random state). All values are durations in **seconds**.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "Distribution",
    "Empirical",
    "Exponential",
    "Fixed",
    "Gamma",
    "LogNormal",
    "Weibull",
]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @property
    def variance(self) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def __str__(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in self.model_dump().items() if k != "distribution")
        return f"{self.distribution}({params})"  # type: ignore[attr-defined]


class Exponential(_Dist):
    """Exponential with the given mean (s)."""

    distribution: Literal["exponential"]
    mean: float = Field(gt=0)

    @property
    def variance(self) -> float:
        return self.mean**2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean, size)


class LogNormal(_Dist):
    """Lognormal given by its mean (s) and coefficient of variation (sd / mean)."""

    distribution: Literal["lognormal"]
    mean: float = Field(gt=0)
    cv: float = Field(gt=0)

    @property
    def variance(self) -> float:
        return (self.cv * self.mean) ** 2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        s2 = math.log1p(self.cv**2)
        return rng.lognormal(math.log(self.mean) - s2 / 2, math.sqrt(s2), size)


class Gamma(_Dist):
    """Gamma given by its mean (s) and coefficient of variation."""

    distribution: Literal["gamma"]
    mean: float = Field(gt=0)
    cv: float = Field(gt=0)

    @property
    def variance(self) -> float:
        return (self.cv * self.mean) ** 2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        k = 1.0 / self.cv**2
        return rng.gamma(k, self.mean / k, size)


class Weibull(_Dist):
    """Weibull given by its mean (s) and shape (< 1: decreasing hazard)."""

    distribution: Literal["weibull"]
    mean: float = Field(gt=0)
    shape: float = Field(gt=0)

    @property
    def scale(self) -> float:
        return self.mean / math.gamma(1.0 + 1.0 / self.shape)

    @property
    def variance(self) -> float:
        return self.scale**2 * math.gamma(1.0 + 2.0 / self.shape) - self.mean**2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.scale * rng.weibull(self.shape, size)


class Fixed(_Dist):
    """Always the same value (s); 0 means immediately."""

    distribution: Literal["fixed"]
    value: float = Field(ge=0)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)


class Empirical(_Dist):
    """Resamples (with replacement) from observed durations (s)."""

    distribution: Literal["empirical"]
    samples: tuple[float, ...] = Field(min_length=1)

    @field_validator("samples")
    @classmethod
    def _non_negative(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(not math.isfinite(x) or x < 0 for x in v):
            raise ValueError("every sample must be a finite number >= 0")
        return v

    @property
    def mean(self) -> float:
        return float(np.mean(self.samples))

    @property
    def variance(self) -> float:
        return float(np.var(self.samples))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(np.asarray(self.samples, dtype=float), size)


Distribution = Annotated[
    Union[Exponential, LogNormal, Gamma, Weibull, Fixed, Empirical],  # noqa: UP007
    Field(discriminator="distribution"),
]
"""Any duration distribution, chosen by its ``distribution`` key."""
