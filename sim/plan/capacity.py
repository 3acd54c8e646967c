"""Long-term capacity planning: required vs available FTE per week and group, the gap,
the hiring that closes it, and the cost.

required FTE
    the staffing calculator (:func:`sim.plan.staffing.requirements`, the one staffing
    calculator) on the plan's representative scenario with each channel's arrivals
    scaled to the week's volume, split over groups (productive agents per interval);
    its productive agent-hours x ``days_per_week`` are the week's workload, and::

        required_fte = agent_hours / (paid_hours_per_fte x (1 - shrinkage))

    with shrinkage the sum of the week's categories (holidays, sickness, ...).
available FTE (counted at the end of each week)
    today's ``fte`` x (1 - attrition)^week, plus each hiring class: its head count
    ``size x (1 - attrition)^(weeks since it started, its first week included)``,
    paid but not productive for ``training_weeks`` weeks, then productive at the
    ``ramp`` proficiency of each week after training (1 once the ramp is over). A class
    starting in week 3 with 4 weeks of training trains in weeks 3-6 and is productive
    from week 7.
gap
    available - required (negative: short).
suggested hiring
    walking the weeks in order, a shortfall (beyond ``hiring.tolerance_fte``) in week
    ``w`` starts a class in week ``w - training_weeks`` just large enough to close it at
    its first-week proficiency; weeks earlier than ``1 + training_weeks`` cannot be
    reached by hiring and are reported as such.
cost
    paid FTE (trainees included) x ``paid_hours_per_fte`` x ``wage_per_hour`` per week.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.capacity import CapacityError, CapacityPlan, GroupPlan, load_capacity_plan
from sim.config.scenario import Scenario, load_scenario
from sim.plan.staffing import StaffingError, Targets, group_requirements, requirements

__all__ = [
    "COLUMNS",
    "Capacity",
    "CapacityError",
    "capacity",
    "class_profile",
    "headcount",
    "plan_targets",
    "required_fte",
    "weekly_agent_hours",
]

MINUTES_PER_HOUR = 60

COLUMNS = [
    "week", "week_start", "group", "agent_hours", "shrinkage", "required_fte",
    "tenured_fte", "in_training_fte", "ramping_fte", "available_fte", "gap_fte",
    "paid_fte", "cost", "suggested_start_fte", "available_with_hiring_fte",
    "gap_with_hiring_fte", "paid_with_hiring_fte", "cost_with_hiring",
]  # fmt: skip
"""The columns of :attr:`Capacity.table`, one row per week and group (FTE, hours per
week, cost per week)."""


def headcount(opening: float, attrition: float, weeks: int) -> np.ndarray:
    """FTE left at the end of weeks 1..``weeks`` from ``opening`` with ``attrition``
    (share leaving per week, compounding): ``opening x (1 - attrition)^week``."""
    return opening * (1.0 - attrition) ** np.arange(1, weeks + 1)


def class_profile(
    size: float,
    start_week: int,
    weeks: int,
    *,
    attrition: float = 0.0,
    training_weeks: int = 0,
    ramp: tuple[float, ...] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A hiring class over weeks 1..``weeks``: (head count, in training, productive FTE).

    The class starts in ``start_week`` (from 1) with ``size`` FTE, loses ``attrition``
    per week from its first week, trains ``training_weeks`` weeks (head count, no
    output), then produces at ``ramp[k]`` in its k-th week after training (1 after).
    """
    week = np.arange(1, weeks + 1)
    since = week - start_week + 1  # weeks in the class, its first week included
    people = np.where(since >= 1, size * (1.0 - attrition) ** np.maximum(since, 0), 0.0)
    training = np.where((since >= 1) & (since <= training_weeks), people, 0.0)
    after = since - training_weeks - 1  # 0 in the first productive week
    prof = np.array(
        [0.0 if k < 0 else (ramp[k] if k < len(ramp) else 1.0) for k in after], dtype=float
    )
    return people, training, people * prof


def required_fte(agent_hours: float, paid_hours_per_fte: float, shrinkage: float) -> float:
    """FTE whose paid hours, less ``shrinkage`` (share), give ``agent_hours`` per week."""
    return agent_hours / (paid_hours_per_fte * (1.0 - shrinkage))


def _week_factors(plan: CapacityPlan, sc: Scenario) -> dict[str, tuple[float, ...]]:
    """Per channel: the scenario's arrivals multiplier of each week."""
    out: dict[str, tuple[float, ...]] = {}
    for name in plan.volumes:
        if name not in sc.channels:
            raise CapacityError(f"volumes.{name}: not a channel of the scenario")
    for name in sc.channels:
        if name not in plan.volumes:
            out[name] = (1.0,) * plan.weeks
            continue
        per_day = float(np.sum(sc.arrivals(name)))  # none while the lines are closed
        weekly = plan.series(plan.volumes[name])
        if per_day <= 0:
            if any(v > 0 for v in weekly):
                raise CapacityError(
                    f"volumes.{name}: the scenario's channel has no arrivals to spread "
                    "the week's volume over"
                )
            out[name] = (0.0,) * plan.weeks
            continue
        out[name] = tuple(v / (per_day * plan.days_per_week) for v in weekly)
    return out


def _week_scenario(sc: Scenario, plan: CapacityPlan, factors: Mapping[str, float]) -> Scenario:
    """The scenario with each group's handle times on the channels in ``factors``
    scaled (its ``handle_time_factor`` x the week's factor)."""
    changes: dict[str, Any] = {}
    for g, group in sc.groups.items():
        own = dict(group.handle_time_factor or {})
        scaled = {c: own.get(c, 1.0) * f for c, f in factors.items() if c in group.skills}
        if scaled and any(f != 1.0 for f in factors.values()):
            changes[f"groups.{g}.handle_time_factor"] = own | scaled
    return sc.updated(changes) if changes else sc


def plan_targets(plan: CapacityPlan, sc: Scenario) -> Targets:
    """The plan's ``targets`` as the staffing calculator's :class:`Targets`."""
    t = plan.targets
    for section in ("max_asa", "max_abandon"):
        for c in getattr(t, section):
            if c not in sc.channels:
                raise CapacityError(f"targets.{section}.{c}: not a channel of the scenario")
    try:
        return Targets(
            max_occupancy=t.max_occupancy,
            max_asa=dict(t.max_asa),
            max_abandon=dict(t.max_abandon),
            model=t.model,
        )
    except StaffingError as exc:
        raise CapacityError(f"targets.{exc}") from None


def weekly_agent_hours(
    plan: CapacityPlan, sc: Scenario, targets: Targets | None = None
) -> pd.DataFrame:
    """Productive agent-hours per week and group: the staffing calculator's productive
    agents per interval (arrivals scaled to the week's volumes, handle times by the
    week's ``handle_time`` factors) x interval hours x ``days_per_week``. Columns
    ``week``, ``group``, ``agent_hours``."""
    for g in plan.groups:
        if g not in sc.groups:
            raise CapacityError(f"groups.{g}: not a group of the scenario '{sc.name}'")
    for c in plan.handle_time:
        if c not in sc.channels:
            raise CapacityError(f"handle_time.{c}: not a channel of the scenario")
    targets = plan_targets(plan, sc) if targets is None else targets
    factors = _week_factors(plan, sc)
    aht = {c: plan.series(v) for c, v in plan.handle_time.items()}
    # as the engine and the staffing calculator: none while a calendar closes the lines
    arrivals = {n: np.asarray(sc.arrivals(n)) for n in sc.channels}
    hours_per_interval = sc.interval_minutes / MINUTES_PER_HOUR
    cache: dict[tuple[tuple[float, ...], tuple[float, ...]], dict[str, float]] = {}
    rows: list[dict[str, Any]] = []
    for w in range(plan.weeks):
        volume = tuple(round(factors[n][w], 12) for n in sc.channels)
        slower = {c: float(v[w]) for c, v in aht.items()}
        key = (volume, tuple(round(slower[c], 12) for c in sorted(slower)))
        if key not in cache:
            offered = pd.DataFrame(
                [
                    {"channel": n, "period": p, "offered": float(arrivals[n][p] * f)}
                    for n, f in zip(sc.channels, volume, strict=True)
                    for p in range(sc.periods)
                ]
            )
            week_sc = _week_scenario(sc, plan, slower)
            req = group_requirements(week_sc, requirements(week_sc, targets, offered=offered))
            cache[key] = {
                str(g): float(sub["productive"].sum()) * hours_per_interval * plan.days_per_week
                for g, sub in req.groupby("group")
            }
        rows.extend(
            {"week": w + 1, "group": g, "agent_hours": cache[key].get(g, 0.0)} for g in plan.groups
        )
    return pd.DataFrame(rows, columns=["week", "group", "agent_hours"])


@dataclass(frozen=True)
class _People:
    """One group's FTE per week (arrays over weeks 1..N)."""

    tenured: np.ndarray
    training: np.ndarray
    ramping: np.ndarray
    productive: np.ndarray
    paid: np.ndarray


def _people(
    plan: CapacityPlan, gp: GroupPlan, classes: list[tuple[int, float]], with_base: bool = True
) -> _People:
    n = plan.weeks
    tenured = headcount(gp.fte, gp.attrition_per_week, n) if with_base else np.zeros(n)
    training, ramping, output, heads = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    for start, size in classes:
        people, train, prod = class_profile(
            size,
            start,
            n,
            attrition=gp.attrition_per_week,
            training_weeks=plan.training_weeks,
            ramp=plan.ramp,
        )
        heads += people
        training += train
        output += prod
        ramping += np.where((people > 0) & (train == 0) & (prod < people - 1e-12), prod, 0.0)
    return _People(tenured, training, ramping, tenured + output, tenured + heads)


def _suggest(
    plan: CapacityPlan, gp: GroupPlan, required: np.ndarray, planned: list[tuple[int, float]]
) -> tuple[list[tuple[int, float]], list[int]]:
    """Classes (start week, size) closing each week's shortfall in turn, and the weeks
    hiring cannot reach (earlier than ``1 + training_weeks``)."""
    rules = plan.hiring
    first_reachable = 1 + plan.training_weeks
    first_prof = plan.ramp[0] if plan.ramp else 1.0
    out: list[tuple[int, float]] = []
    unreachable: list[int] = []
    available = _people(plan, gp, planned).productive
    for w in range(1, plan.weeks + 1):
        short = required[w - 1] - available[w - 1]
        if short <= rules.tolerance_fte + 1e-9:
            continue
        if w < first_reachable:
            unreachable.append(w)
            continue
        start = w - plan.training_weeks
        per_hire = (1.0 - gp.attrition_per_week) ** (w - start + 1) * first_prof
        while short > rules.tolerance_fte + 1e-9:
            size = max(rules.min_class_size, math.ceil(short / per_hire - 1e-9))
            if rules.max_class_size is not None:
                size = min(size, rules.max_class_size)
            out.append((start, float(size)))
            available = available + _people(plan, gp, [(start, size)], with_base=False).productive
            short = required[w - 1] - available[w - 1]
    return out, unreachable


@dataclass(frozen=True)
class Capacity:
    """A capacity plan worked out: the week x group table and the hiring classes.

    ``table`` has :data:`COLUMNS`; ``classes`` one row per class: ``group``, ``week``
    (start), ``week_start``, ``size`` (FTE), ``productive_from`` (week), ``source``
    (``planned`` or ``suggested``); ``unreachable`` maps group -> weeks short that
    hiring cannot reach in time.
    """

    plan: CapacityPlan
    scenario: Scenario
    table: pd.DataFrame
    classes: pd.DataFrame
    unreachable: Mapping[str, tuple[int, ...]]

    def summary(self) -> str:
        """The table as text (FTE to 1 decimal) and the classes."""
        shown = self.table[
            [
                "week", "week_start", "group", "required_fte", "available_fte", "gap_fte",
                "suggested_start_fte", "gap_with_hiring_fte", "cost_with_hiring",
            ]
        ].rename(columns=lambda c: c.removesuffix("_fte"))  # fmt: skip
        lines = [
            f"{self.plan.name}: {self.plan.weeks} weeks from {self.plan.start}, "
            f"scenario '{self.scenario.name}' x {self.plan.days_per_week:g} a week "
            "(FTE; cost per week)"
        ]
        for g in self.plan.groups:
            lines += [
                "",
                f"{g}:",
                shown[shown["group"] == g]
                .drop(columns="group")
                .to_string(index=False, float_format=lambda x: f"{x:,.1f}"),
            ]
        if len(self.classes):
            lines += ["", "hiring classes"]
            for r in self.classes.itertuples():
                lines.append(
                    f"  {r.group}: {r.size:g} FTE start week {r.week} ({r.week_start}), "
                    f"productive from week {r.productive_from} ({r.source})"
                )
        for g, weeks in self.unreachable.items():
            if weeks:
                lines.append(
                    f"  {g}: short in week(s) {', '.join(map(str, weeks))}: too soon for "
                    f"a class to finish {self.plan.training_weeks} weeks of training"
                )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the plan's name, the table, the classes and unreachable weeks."""
        table = self.table.assign(week_start=self.table["week_start"].astype(str))
        classes = self.classes.assign(week_start=self.classes["week_start"].astype(str))
        return {
            "name": self.plan.name,
            "scenario": self.scenario.name,
            "weeks": self.plan.weeks,
            "table": table.to_dict(orient="records"),
            "classes": classes.to_dict(orient="records"),
            "unreachable": {g: list(w) for g, w in self.unreachable.items()},
        }


def capacity(
    plan: CapacityPlan | str | Path,
    *,
    scenario: Scenario | None = None,
    targets: Targets | None = None,
) -> Capacity:
    """Work out a capacity plan (a :class:`CapacityPlan` or a plan file).

    Parameters
    ----------
    plan : the plan, or the path of its YAML file.
    scenario : the representative scenario (default: the plan's ``scenario`` file,
        relative to the plan file, or to the working directory for a plan object).
    targets : staffing caps (default: the plan's ``targets``; the scenario's service
        levels always hold).

    Raises
    ------
    CapacityError : a bad plan, or one that does not fit the scenario (field named).
    """
    base = Path.cwd()
    if not isinstance(plan, CapacityPlan):
        base = Path(plan).parent
        plan = load_capacity_plan(plan)
    if scenario is None:
        scenario = load_scenario(base / plan.scenario)
    try:
        hours = weekly_agent_hours(plan, scenario, targets)
    except StaffingError as exc:
        raise CapacityError(f"scenario: {exc}") from None
    shrink = np.array(plan.shrinkage_per_week())
    frames: list[pd.DataFrame] = []
    class_rows: list[dict[str, Any]] = []
    unreachable: dict[str, tuple[int, ...]] = {}
    for g, gp in plan.groups.items():
        h = hours[hours["group"] == g]["agent_hours"].to_numpy()
        need = h / (plan.paid_hours_per_fte * (1.0 - shrink))
        planned = [(plan.week_of(c), c.size) for c in gp.hires]
        suggested, late = _suggest(plan, gp, need, planned) if plan.hiring.suggest else ([], [])
        unreachable[g] = tuple(late)
        now, later = _people(plan, gp, planned), _people(plan, gp, planned + suggested)
        starts = np.zeros(plan.weeks)
        for s, size in suggested:
            starts[s - 1] += size
        wage = plan.paid_hours_per_fte * plan.wage_per_hour
        frames.append(
            pd.DataFrame(
                {
                    "week": np.arange(1, plan.weeks + 1),
                    "week_start": [plan.week_start(w) for w in range(1, plan.weeks + 1)],
                    "group": g,
                    "agent_hours": h,
                    "shrinkage": shrink,
                    "required_fte": need,
                    "tenured_fte": now.tenured,
                    "in_training_fte": now.training,
                    "ramping_fte": now.ramping,
                    "available_fte": now.productive,
                    "gap_fte": now.productive - need,
                    "paid_fte": now.paid,
                    "cost": now.paid * wage,
                    "suggested_start_fte": starts,
                    "available_with_hiring_fte": later.productive,
                    "gap_with_hiring_fte": later.productive - need,
                    "paid_with_hiring_fte": later.paid,
                    "cost_with_hiring": later.paid * wage,
                }
            )
        )
        for source, items in (("planned", planned), ("suggested", suggested)):
            class_rows.extend(
                {
                    "group": g,
                    "week": s,
                    "week_start": plan.week_start(s),
                    "size": size,
                    "productive_from": s + plan.training_weeks,
                    "source": source,
                }
                for s, size in items
            )
    table = pd.concat(frames, ignore_index=True).sort_values(["week", "group"], kind="stable")
    classes = pd.DataFrame(
        class_rows, columns=["group", "week", "week_start", "size", "productive_from", "source"]
    )
    return Capacity(plan, scenario, table.reset_index(drop=True)[COLUMNS], classes, unreachable)
