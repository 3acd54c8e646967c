"""The long-term capacity plan file (``ccsim capacity PLAN.yaml``): frozen, validated here.

A plan looks weeks to months ahead, per week and group: how many FTE the forecast
volumes need, how many the centre will have (today's head count, attrition, hiring
classes, training and a proficiency ramp), the gap, and what it costs. The maths is in
:mod:`sim.plan.capacity`; this module only says what a plan is. Unknown keys are errors
and every message names the field (``groups.phones.hires[0].week: ...``).

Units: FTE (full-time equivalents), hours per week, shares in [0, 1), weeks counted
from 1 (week 1 starts on ``start``), contacts per week.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from sim.config.frozen import Frozen, validation_problems
from sim.config.yaml_reader import read_model_file

__all__ = [
    "CapacityError",
    "CapacityPlan",
    "GroupPlan",
    "HireClass",
    "Hiring",
    "PlanTargets",
    "load_capacity_plan",
    "parse_capacity_plan",
]

MAX_WEEKS = 520
"""Weeks a plan may cover (ten years)."""

DAYS_PER_WEEK = 7

PerWeek = float | tuple[float, ...]
"""One number for every week, or one per week."""


class CapacityError(ValueError):
    """A bad capacity plan; the message names the field."""


class HireClass(Frozen):
    """A class of new hires starting together: ``size`` FTE from week ``week`` (or the
    week holding the date ``start``)."""

    size: float = Field(gt=0)
    """FTE in the class when it starts."""
    week: int | None = Field(default=None, ge=1)
    """Week the class starts (from 1)."""
    start: dt.date | None = None
    """Date the class starts (instead of ``week``): the week holding it."""

    @model_validator(mode="after")
    def _one_start(self) -> HireClass:
        if (self.week is None) == (self.start is None):
            raise ValueError("week: give the start week or the start date, one of them")
        return self


class GroupPlan(Frozen):
    """One agent group's people: head count today, attrition and planned classes."""

    fte: float = Field(ge=0)
    """Productive FTE today (tenured, fully proficient)."""
    attrition_per_week: float = Field(default=0.0, ge=0, lt=1)
    """Share of the group leaving each week (compounding; new hires too)."""
    hires: tuple[HireClass, ...] = ()
    """Classes already planned."""


class Hiring(Frozen):
    """How the plan suggests classes to close the gap."""

    suggest: bool = True
    """Suggest classes (start week and size) closing every gap hiring can reach."""
    min_class_size: int = Field(default=1, ge=1)
    """Smallest class worth running (FTE)."""
    max_class_size: int | None = Field(default=None, ge=1)
    """Largest class (FTE); a bigger need starts several classes the same week."""
    tolerance_fte: float = Field(default=0.0, ge=0)
    """A shortfall up to this many FTE is accepted without hiring."""

    @model_validator(mode="after")
    def _sizes(self) -> Hiring:
        if self.max_class_size is not None and self.max_class_size < self.min_class_size:
            raise ValueError("max_class_size: less than min_class_size")
        return self


class PlanTargets(Frozen):
    """Staffing caps beyond each channel's service level (as ``ccsim staff``'s options)."""

    max_occupancy: float | None = Field(default=None, gt=0, le=1)
    """Occupancy cap of live channels (share)."""
    max_asa: dict[str, float] = {}
    """Channel -> mean wait cap (s)."""
    max_abandon: dict[str, float] = {}
    """Channel -> abandon-rate cap (share)."""
    model: Literal["auto", "erlang_a", "erlang_c"] = "auto"
    """auto: Erlang A where a channel has patience, else Erlang C."""


class CapacityPlan(Frozen):
    """A capacity plan: the horizon, the representative scenario, volumes, people, costs.

    The required FTE of a week comes from the staffing calculator run on the scenario
    (its intervals, handle times, patience and service-level targets) with the
    channels' arrivals scaled to the week's volume; its productive agent-hours, times
    ``days_per_week``, become FTE through ``paid_hours_per_fte`` and the shrinkage.
    """

    name: str = "capacity plan"
    start: dt.date
    """First day of week 1."""
    weeks: int = Field(ge=1, le=MAX_WEEKS)
    scenario: str
    """The representative day (or week) scenario file, relative to the plan file."""
    days_per_week: float = Field(default=5.0, gt=0, le=DAYS_PER_WEEK)
    """Times the scenario's horizon is worked per week (5: a weekday scenario, Mon-Fri;
    1: a scenario of a whole week)."""
    paid_hours_per_fte: float = Field(gt=0, le=24 * DAYS_PER_WEEK)
    """Paid hours of one FTE per week."""
    wage_per_hour: float = Field(default=0.0, ge=0)
    """Cost of one paid FTE-hour (trainees are paid too)."""
    volumes: dict[str, PerWeek] = {}
    """Contacts per week per channel (one number, or one per week); a channel not given
    keeps the scenario's arrivals x ``days_per_week``."""
    handle_time: dict[str, PerWeek] = {}
    """Per channel: handle time (talk and wrap-up) relative to the scenario's, one
    number or one per week (1.05: 5% longer), e.g. new products or a new system."""
    targets: PlanTargets = PlanTargets()
    shrinkage: dict[str, PerWeek] = {}
    """Shares of paid time not available for contacts, per category (holidays,
    sickness, training, meetings, ...): one number, or one per week; they add up."""
    training_weeks: int = Field(default=0, ge=0)
    """Weeks a new hire trains before taking contacts (paid, not productive)."""
    ramp: tuple[float, ...] = ()
    """Proficiency (share of a tenured agent's output) in each week after training,
    then 1, e.g. [0.5, 0.75, 0.9]."""
    groups: dict[str, GroupPlan] = Field(min_length=1)
    hiring: Hiring = Hiring()

    @field_validator("ramp")
    @classmethod
    def _ramp(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < x <= 1 for x in v):
            raise ValueError("each week's proficiency must be in (0, 1]")
        return v

    @field_validator("volumes", "shrinkage", "handle_time")
    @classmethod
    def _non_negative(cls, v: dict[str, PerWeek]) -> dict[str, PerWeek]:
        for key, series in v.items():
            values = series if isinstance(series, tuple) else (series,)
            if any(not x >= 0 or x == float("inf") for x in values):
                raise ValueError(f"{key}: must be finite numbers >= 0")
        return v

    @model_validator(mode="after")
    def _per_week(self) -> CapacityPlan:
        for key, series in self.handle_time.items():
            if any(x <= 0 for x in (series if isinstance(series, tuple) else (series,))):
                raise ValueError(f"handle_time.{key}: factors must be above 0")
        for section in ("volumes", "shrinkage", "handle_time"):
            for key, series in getattr(self, section).items():
                if isinstance(series, tuple) and len(series) != self.weeks:
                    raise ValueError(
                        f"{section}.{key}: {len(series)} values for {self.weeks} weeks "
                        "(give one number, or one per week)"
                    )
        total = self.shrinkage_per_week()
        for w, s in enumerate(total, start=1):
            if s >= 1:
                raise ValueError(f"shrinkage: adds up to {s:g} in week {w} (must be below 1)")
        for g, gp in self.groups.items():
            for i, h in enumerate(gp.hires):
                week = self.week_of(h)
                if not 1 <= week <= self.weeks:
                    field = "week" if h.week is not None else "start"
                    raise ValueError(
                        f"groups.{g}.hires[{i}].{field}: week {week} is outside weeks "
                        f"1-{self.weeks}"
                    )
        return self

    def series(self, value: PerWeek) -> tuple[float, ...]:
        """One value per week."""
        return value if isinstance(value, tuple) else (float(value),) * self.weeks

    def shrinkage_per_week(self) -> tuple[float, ...]:
        """The total shrinkage of each week (the categories added up)."""
        out = [0.0] * self.weeks
        for series in self.shrinkage.values():
            for w, x in enumerate(self.series(series)):
                out[w] += x
        return tuple(out)

    def week_of(self, h: HireClass) -> int:
        """The week (from 1) a class starts."""
        if h.week is not None:
            return h.week
        assert h.start is not None  # the validator wants one of them
        return (h.start - self.start).days // DAYS_PER_WEEK + 1

    def week_start(self, week: int) -> dt.date:
        """First day of ``week`` (from 1)."""
        return self.start + dt.timedelta(days=DAYS_PER_WEEK * (week - 1))


PER_WEEK_ARMS = frozenset({"float", "tuple[float, ...]"})
"""The arms of the PerWeek union, as pydantic names them in an error's location."""


def parse_capacity_plan(data: Any, source: str = "plan") -> CapacityPlan:
    """Validate plain data into a :class:`CapacityPlan`; errors name the field."""
    try:
        return CapacityPlan.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc, skip=PER_WEEK_ARMS, own_field=True)
        raise CapacityError(f"{source}: " + "; ".join(dict.fromkeys(problems))) from None


def load_capacity_plan(path: str | Path) -> CapacityPlan:
    """Read a capacity plan from a YAML file."""
    return read_model_file(path, parse_capacity_plan, CapacityError)
