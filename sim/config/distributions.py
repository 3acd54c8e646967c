"""Probability distributions for handle times, patience and transition delays.

Every distribution is a frozen, validated config object that knows its analytic
mean and variance and draws a numpy batch from a generator it is given (it owns no
random state). All values are durations in **seconds**.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.config.frozen import Frozen
from sim.config.quoting import quote

__all__ = [
    "Distribution",
    "Empirical",
    "Exponential",
    "Fixed",
    "Gamma",
    "LogNormal",
    "Weibull",
]


class _Dist(Frozen):
    """Common behaviour: optional truncation to [min, max] (s)."""

    min: float | None = Field(default=None, ge=0)
    """Truncate: draws below this are redrawn (s)."""
    max: float | None = Field(default=None, gt=0)
    """Truncate: draws above this are redrawn (s)."""

    @model_validator(mode="after")
    def _truncation(self) -> _Dist:
        lo, hi = self.min, self.max
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError(f"min ({lo:g}) must be below max ({hi:g})")
        if self.truncated and self._kept_share() < 1e-3:
            raise ValueError("truncation to [min, max] keeps almost none (< 0.1%) of the draws")
        return self

    @property
    def truncated(self) -> bool:
        return self.min is not None or self.max is not None

    def _bounds(self) -> tuple[float, float]:
        return (self.min or 0.0, math.inf if self.max is None else self.max)

    def _kept_share(self) -> float:
        lo, hi = self._bounds()
        rv = self._scipy()
        if rv is None:
            x = self._support()
            return float(np.mean((x >= lo) & (x <= hi)))
        return float(rv.cdf(hi) - rv.cdf(lo))

    def _scipy(self) -> Any:
        """The untruncated scipy.stats distribution, or None for fixed / empirical."""
        return None

    @property
    def mean(self) -> float:
        """Analytic mean (s), truncation included."""
        return self._truncated_moment(1) if self.truncated else self._mean()

    @property
    def variance(self) -> float:
        """Analytic variance (s^2), truncation included."""
        if not self.truncated:
            return self._variance()
        m = self._truncated_moment(1)
        return self._truncated_moment(2) - m * m

    def _truncated_moment(self, k: int) -> float:
        lo, hi = self._bounds()
        rv = self._scipy()
        if rv is None:
            x = self._support()
            x = x[(x >= lo) & (x <= hi)]
            return float(np.mean(x**k))
        return float(rv.expect(lambda x: x**k, lb=lo, ub=hi, conditional=True))

    def _support(self) -> np.ndarray:  # pragma: no cover - fixed and empirical override
        raise NotImplementedError

    def _mean(self) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def _variance(self) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` independent draws (s) from ``rng``, redrawing outside [min, max]."""
        x = self._draw(rng, size)
        if not self.truncated:
            return x
        lo, hi = self._bounds()
        keep = x[(x >= lo) & (x <= hi)]
        while len(keep) < size:
            more = self._draw(rng, 2 * (size - len(keep)) + 16)
            keep = np.concatenate([keep, more[(more >= lo) & (more <= hi)]])
        return keep[:size]

    def __str__(self) -> str:
        params = ", ".join(
            f"{k}={v}"
            for k, v in self.model_dump(exclude_none=True, by_alias=True).items()
            if k not in ("distribution", "samples")
        )
        return f"{self.distribution}({params})"  # type: ignore[attr-defined]


class Exponential(_Dist):
    """Exponential with the given mean (s)."""

    distribution: Literal["exponential"]
    mean_value: float = Field(alias="mean", gt=0)

    def _mean(self) -> float:
        return self.mean_value

    def _variance(self) -> float:
        return self.mean_value**2

    def _scipy(self) -> Any:
        from scipy import stats  # on use: scipy.stats is slow to import

        return stats.expon(scale=self.mean_value)

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean_value, size)


class _MeanCV(_Dist):
    """A family given by its mean (s) and coefficient of variation (sd / mean)."""

    mean_value: float = Field(alias="mean", gt=0)
    cv: float = Field(gt=0)

    def _mean(self) -> float:
        return self.mean_value

    def _variance(self) -> float:
        return (self.cv * self.mean_value) ** 2


class LogNormal(_MeanCV):
    """Lognormal given by its mean (s) and coefficient of variation (sd / mean)."""

    distribution: Literal["lognormal"]

    def _scipy(self) -> Any:
        from scipy import stats  # on use: scipy.stats is slow to import

        s2 = math.log1p(self.cv**2)
        return stats.lognorm(math.sqrt(s2), scale=self.mean_value * math.exp(-s2 / 2))

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        s2 = math.log1p(self.cv**2)
        return rng.lognormal(math.log(self.mean_value) - s2 / 2, math.sqrt(s2), size)


class Gamma(_MeanCV):
    """Gamma given by its mean (s) and coefficient of variation."""

    distribution: Literal["gamma"]

    def _scipy(self) -> Any:
        from scipy import stats  # on use: scipy.stats is slow to import

        k = 1.0 / self.cv**2
        return stats.gamma(k, scale=self.mean_value / k)

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        k = 1.0 / self.cv**2
        return rng.gamma(k, self.mean_value / k, size)


class Weibull(_Dist):
    """Weibull given by its mean (s) and shape (< 1: decreasing hazard)."""

    distribution: Literal["weibull"]
    mean_value: float = Field(alias="mean", gt=0)
    shape: float = Field(gt=0)

    @property
    def scale(self) -> float:
        return self.mean_value / math.gamma(1.0 + 1.0 / self.shape)

    def _mean(self) -> float:
        return self.mean_value

    def _variance(self) -> float:
        return self.scale**2 * math.gamma(1.0 + 2.0 / self.shape) - self.mean_value**2

    def _scipy(self) -> Any:
        from scipy import stats  # on use: scipy.stats is slow to import

        return stats.weibull_min(self.shape, scale=self.scale)

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.scale * rng.weibull(self.shape, size)


class Fixed(_Dist):
    """Always the same value (s); 0 means immediately."""

    distribution: Literal["fixed"]
    value: float = Field(ge=0)

    def _mean(self) -> float:
        return self.value

    def _variance(self) -> float:
        return 0.0

    def _support(self) -> np.ndarray:
        return np.array([self.value])

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)


class Empirical(_Dist):
    """Resamples (with replacement) from observed durations (s).

    Give the observations inline (``samples``) or as a CSV ``file`` (path relative to
    the scenario file) and optional ``column`` (name; default the first column).
    """

    distribution: Literal["empirical"]
    samples: tuple[float, ...] = Field(min_length=1)
    file: str | None = None
    column: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _read_file(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict) or "file" not in data or "samples" in data:
            return data
        base = Path((info.context or {}).get("base_dir") or ".")
        return {**data, "samples": read_samples(base / str(data["file"]), data.get("column"))}

    @field_validator("samples")
    @classmethod
    def _non_negative(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(not math.isfinite(x) or x < 0 for x in v):
            raise ValueError("every sample must be a finite number >= 0")
        return v

    def _mean(self) -> float:
        return float(np.mean(self.samples))

    def _variance(self) -> float:
        return float(np.var(self.samples))

    def _support(self) -> np.ndarray:
        return np.asarray(self.samples, dtype=float)

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(np.asarray(self.samples, dtype=float), size)


def read_samples(path: Path, column: str | None) -> tuple[float, ...]:
    """Durations (s) from one column of a CSV file; errors name the row and column."""
    import pandas as pd

    try:
        df = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    if df.empty or df.shape[1] == 0:
        raise ValueError(f"{path} has no rows")
    col = df.columns[0] if column is None else column
    if col not in df.columns:
        raise ValueError(
            f"{path} has no column {col!r} (columns: {', '.join(map(str, df.columns))})"
        )
    values = pd.to_numeric(df[col], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"{path}, column {quote(col)}, row {row + 2}: {quote(df[col].iloc[row])} "
            "is not a duration >= 0"
        )
    return tuple(float(x) for x in values)


Distribution = Annotated[
    Union[Exponential, LogNormal, Gamma, Weibull, Fixed, Empirical],  # noqa: UP007
    Field(discriminator="distribution"),
]
"""Any duration distribution, chosen by its ``distribution`` key."""
