"""Shift scheduling: cover interval requirements with shifts at minimum paid hours.

An integer program solved with :func:`scipy.optimize.milp` (HiGHS). One variable per
shift *pattern*: a template, an allowed start and a placement of each of its breaks;
its value is the number of agents working that pattern. Per group and period::

    minimise   sum_j paid_hours_j x_j  +  penalty x interval_hours x sum_p short_p
    subject to sum_{j covers p} x_j + short_p >= required_p      (every period p)
               min_agents y_ts <= sum_{j in (t, s)} x_j <= max_agents y_ts
               x_j integer >= 0, y_ts binary, short_p >= 0 (= 0 unless a penalty is given)

A pattern covers a period when the agent is on shift and not on a break for the whole
interval. Shifts repeat daily (like the scenario's ``shifts:``), so a horizon longer
than a day is covered by the same daily pattern. The result is a scenario ``groups``
section in the file format, which :func:`apply_shifts` puts into the scenario.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix

from sim.config.clock import MINUTES_PER_DAY, clock_label, clock_minutes
from sim.config.frozen import Frozen, validation_problems
from sim.config.scenario import Scenario
from sim.config.yaml_reader import read_model_file

__all__ = [
    "BreakRule",
    "ShiftError",
    "ShiftPlan",
    "ShiftTemplate",
    "Templates",
    "apply_shifts",
    "check_template_grid",
    "load_templates",
    "parse_templates",
    "schedule_shifts",
]


class ShiftError(ValueError):
    """Bad shift templates or an impossible schedule; the message names the field."""


class BreakRule(Frozen):
    """One break per agent: ``length_minutes`` long, starting between ``earliest`` and
    ``latest`` minutes after the shift starts (each on the interval grid)."""

    length_minutes: int = Field(gt=0)
    earliest: int = Field(ge=0)
    """Earliest break start, minutes after the shift start."""
    latest: int = Field(ge=0)
    """Latest break start, minutes after the shift start."""

    @model_validator(mode="after")
    def _order(self) -> BreakRule:
        if self.latest < self.earliest:
            raise ValueError("latest: must not be before earliest")
        return self


class ShiftTemplate(Frozen):
    """A kind of shift: its length, allowed starts, breaks and agents per start.

    Paid hours are the shift length (breaks are paid); ``cost_per_hour`` weighs
    templates against each other (1 = plain paid hours).
    """

    name: str
    length_minutes: int = Field(gt=0, le=MINUTES_PER_DAY)
    starts: tuple[str, ...] = Field(min_length=1)
    """Allowed start times (HH:MM); with ``every_minutes``: the first and last start."""
    every_minutes: int | None = Field(default=None, gt=0)
    """Expand ``starts: [first, last]`` to every start this many minutes apart."""
    breaks: tuple[BreakRule, ...] = ()
    min_agents: int = Field(default=0, ge=0)
    """Agents on a start that is used at all (0 = no minimum)."""
    max_agents: int | None = Field(default=None, ge=0)
    """Agents on one start at most (None = no cap)."""
    cost_per_hour: float = Field(default=1.0, gt=0)
    groups: tuple[str, ...] | None = None
    """Groups that may use this template (None = every group)."""

    @field_validator("starts")
    @classmethod
    def _starts(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for s in v:
            clock_minutes(s, before_midnight=True)
        return v

    @model_validator(mode="after")
    def _consistent(self) -> ShiftTemplate:
        if self.every_minutes is not None and len(self.starts) != 2:
            raise ValueError("starts: with every_minutes give [first, last]")
        if self.max_agents is not None and self.min_agents > self.max_agents:
            raise ValueError("min_agents: more than max_agents")
        for i, b in enumerate(self.breaks):
            if b.latest + b.length_minutes > self.length_minutes:
                raise ValueError(f"breaks[{i}].latest: the break would end after the shift")
        return self

    def start_minutes(self) -> list[int]:
        """Allowed starts as minutes after midnight."""
        first = [clock_minutes(s, before_midnight=True) for s in self.starts]
        if self.every_minutes is None:
            return sorted(set(first))
        a, b = first
        span = (b - a) % MINUTES_PER_DAY
        return [(a + k) % MINUTES_PER_DAY for k in range(0, span + 1, self.every_minutes)]


class Templates(Frozen):
    """Shift templates and the under-cover penalty (file format of ``--shifts``)."""

    templates: tuple[ShiftTemplate, ...] = Field(min_length=1)
    under_cover_penalty: float | None = Field(default=None, gt=0)
    """Cost of one agent-hour short of the requirement, in paid hours; None = cover
    every interval (a hard constraint)."""
    time_limit: float = Field(default=60.0, gt=0)
    """Seconds HiGHS may spend per group."""


def parse_templates(data: Any, source: str = "templates") -> Templates:
    """Validate plain data into :class:`Templates`; errors name the field."""
    try:
        return Templates.model_validate(data)
    except ValidationError as exc:
        raise ShiftError(f"{source}: " + "; ".join(validation_problems(exc))) from None


def load_templates(path: str | Path) -> Templates:
    """Read shift templates from a YAML file."""
    return read_model_file(path, parse_templates, ShiftError)


@dataclass(frozen=True)
class _Pattern:
    template: int
    start: int  # minute of day
    breaks: tuple[int, ...]  # minutes after the shift start, one per break rule


@dataclass(frozen=True)
class ShiftPlan:
    """Optimal shifts per group.

    ``counts`` maps group -> {pattern: agents}; ``coverage`` has one row per group and
    period: ``required``, ``covered`` and ``short`` (scheduled agents).
    """

    templates: Templates
    counts: dict[str, dict[_Pattern, int]]
    coverage: pd.DataFrame
    paid_hours: float
    short_agent_hours: float
    optimal: bool

    def groups_section(self) -> dict[str, list[dict[str, Any]]]:
        """The shifts as a scenario ``groups.<g>.shifts`` list per group (file format)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for g, counts in self.counts.items():
            by_shift: dict[tuple[int, int], dict[tuple[int, int, int], int]] = {}
            totals: dict[tuple[int, int], int] = {}
            for pat, n in counts.items():
                key = (pat.start, pat.template)
                totals[key] = totals.get(key, 0) + n
                brk = by_shift.setdefault(key, {})
                for r, offset in enumerate(pat.breaks):
                    bkey = (
                        r,
                        offset,
                        self.templates.templates[pat.template].breaks[r].length_minutes,
                    )
                    brk[bkey] = brk.get(bkey, 0) + n
            shifts = []
            for key in sorted(totals):
                start, t = key
                tpl = self.templates.templates[t]
                shift: dict[str, Any] = {
                    "start": clock_label(start),
                    "end": clock_label(start + tpl.length_minutes),
                    "count": totals[key],
                }
                brks = [
                    {
                        "start": clock_label(start + off),
                        "end": clock_label(start + off + length),
                        "count": n,
                    }
                    for (_, off, length), n in sorted(by_shift[key].items())
                    if n > 0
                ]
                if brks:
                    shift["breaks"] = brks
                shifts.append(shift)
            out[g] = shifts
        return out

    def summary(self) -> str:
        lines = [
            f"shifts: {self.paid_hours:g} paid hours"
            + (f", {self.short_agent_hours:g} agent-hours short" if self.short_agent_hours else "")
            + ("" if self.optimal else " (time limit: best found, not proven optimal)")
        ]
        for g, shifts in self.groups_section().items():
            for sh in shifts:
                brk = ", ".join(
                    f"{b['count']} break {b['start']}-{b['end']}" for b in sh.get("breaks", [])
                )
                lines.append(
                    f"  {g}: {sh['count']} x {sh['start']}-{sh['end']}"
                    + (f" ({brk})" if brk else "")
                )
        return "\n".join(lines)


def _patterns(tpl: ShiftTemplate, t: int, step: int) -> list[_Pattern]:
    out = []
    offsets = [[o for o in range(b.earliest, b.latest + 1) if o % step == 0] for b in tpl.breaks]
    for start in tpl.start_minutes():
        for combo in itertools.product(*offsets):
            out.append(_Pattern(t, start, tuple(combo)))
    return out


def _covers(pat: _Pattern, tpl: ShiftTemplate, clock: int, step: int) -> bool:
    """Is the agent working the whole interval starting at minute-of-day ``clock``?"""
    rel = (clock - pat.start) % MINUTES_PER_DAY
    if rel + step > tpl.length_minutes:
        return False
    for rule, off in zip(tpl.breaks, pat.breaks, strict=True):
        if rel < off + rule.length_minutes and off < rel + step:
            return False
    return True


def _check_grid(tpls: Templates, sc: Scenario) -> None:
    check_template_grid(tpls.templates, sc.interval_minutes, sc.start, sc.groups)


def check_template_grid(
    templates: tuple[ShiftTemplate, ...], step: int, start: str, groups: Iterable[str]
) -> None:
    """Refuse templates off the ``step``-minute interval grid starting at clock ``start``,
    or naming a group not in ``groups`` (:class:`ShiftError` naming the field)."""
    origin = clock_minutes(start)
    groups = set(groups)
    for i, tpl in enumerate(templates):
        where = f"templates[{i}]"
        if tpl.length_minutes % step:
            raise ShiftError(
                f"{where}.length_minutes: not a multiple of the {step}-minute interval"
            )
        if tpl.every_minutes is not None and tpl.every_minutes % step:
            raise ShiftError(f"{where}.every_minutes: not a multiple of the {step}-minute interval")
        for s in tpl.start_minutes():
            if (s - origin) % step:
                raise ShiftError(
                    f"{where}.starts: {clock_label(s)} is not on the {step}-minute grid "
                    f"from {start}"
                )
        for j, b in enumerate(tpl.breaks):
            for key in ("length_minutes", "earliest", "latest"):
                if getattr(b, key) % step:
                    raise ShiftError(
                        f"{where}.breaks[{j}].{key}: not a multiple of the {step}-minute interval"
                    )
        for g in tpl.groups or ():
            if g not in groups:
                raise ShiftError(f"{where}.groups: unknown group '{g}'")


def schedule_shifts(sc: Scenario, required: pd.DataFrame, templates: Templates) -> ShiftPlan:
    """Shifts per group covering ``required`` scheduled agents per period.

    Parameters
    ----------
    sc : the scenario (its interval grid and groups).
    required : columns ``group``, ``period`` and ``scheduled`` (agents per interval),
        e.g. from :func:`sim.plan.staffing.group_requirements` or the optimiser.
    templates : the shift templates and options.

    Raises
    ------
    ShiftError : a template off the interval grid, or no shifts can cover a period
        (without an under-cover penalty).
    """
    _check_grid(templates, sc)
    step = sc.interval_minutes
    origin = clock_minutes(sc.start)
    clocks = [(origin + p * step) % MINUTES_PER_DAY for p in range(sc.periods)]
    counts: dict[str, dict[_Pattern, int]] = {}
    rows: list[dict[str, Any]] = []
    paid = short_total = 0.0
    optimal = True
    for g in sc.groups:
        sub = required[required["group"] == g]
        need = np.zeros(sc.periods)
        need[sub["period"].to_numpy(dtype=int)] = sub["scheduled"].to_numpy(dtype=float)
        usable = [
            (t, tpl)
            for t, tpl in enumerate(templates.templates)
            if tpl.groups is None or g in tpl.groups
        ]
        pats: list[_Pattern] = []
        for t, tpl in usable:
            pats.extend(_patterns(tpl, t, step))
        if not need.any():
            counts[g] = {}
            rows.extend(
                {"group": g, "period": p, "required": 0, "covered": 0, "short": 0}
                for p in range(sc.periods)
            )
            continue
        if not pats:
            raise ShiftError(f"templates: no template may be used by group '{g}'")
        x, short, ok = _solve(pats, templates, need, clocks, step, g, sc)
        optimal &= ok
        counts[g] = {pat: int(n) for pat, n in zip(pats, x, strict=True) if n > 0}
        cover = np.zeros(sc.periods)
        for pat, n in counts[g].items():
            tpl = templates.templates[pat.template]
            cover += n * np.array([_covers(pat, tpl, c, step) for c in clocks])
        paid += sum(
            n * templates.templates[pat.template].length_minutes / 60
            for pat, n in counts[g].items()
        )
        gap = np.maximum(need - cover, 0)
        short_total += float(gap.sum()) * step / 60
        rows.extend(
            {
                "group": g,
                "period": p,
                "required": int(need[p]),
                "covered": int(cover[p]),
                "short": int(gap[p]),
            }
            for p in range(sc.periods)
        )
    labels = sc.period_labels()
    coverage = pd.DataFrame(rows)
    coverage.insert(2, "time", [labels[p] for p in coverage["period"]])
    return ShiftPlan(templates, counts, coverage, paid, short_total, optimal)


def _solve(
    pats: list[_Pattern],
    templates: Templates,
    need: np.ndarray,
    clocks: list[int],
    step: int,
    group: str,
    sc: Scenario,
) -> tuple[np.ndarray, np.ndarray, bool]:
    tpls = templates.templates
    n_x, n_p = len(pats), len(clocks)
    # coverage matrix: periods x patterns
    r_idx, c_idx = [], []
    for j, pat in enumerate(pats):
        tpl = tpls[pat.template]
        for p, clock in enumerate(clocks):
            if _covers(pat, tpl, clock, step):
                r_idx.append(p)
                c_idx.append(j)
    cover = coo_matrix((np.ones(len(r_idx)), (r_idx, c_idx)), shape=(n_p, n_x)).tocsr()
    penalty = templates.under_cover_penalty
    if penalty is None:
        uncoverable = np.flatnonzero((need > 0) & (np.asarray(cover.sum(axis=1)).ravel() == 0))
        if uncoverable.size:
            p = int(uncoverable[0])
            raise ShiftError(
                f"templates: no shift covers {sc.period_labels()[p]} for group '{group}' "
                "(add a start or give under_cover_penalty)"
            )
    # start groups (template, start) for min / max agents: binary y per group when needed
    keys = sorted({(pat.template, pat.start) for pat in pats})
    key_index = {k: i for i, k in enumerate(keys)}
    bounded = [k for k in keys if tpls[k[0]].min_agents > 0 or tpls[k[0]].max_agents is not None]
    n_y = len(bounded)
    n_s = n_p if penalty is not None else 0
    n = n_x + n_y + n_s
    cost = np.zeros(n)
    cost[:n_x] = [
        tpls[p.template].length_minutes / 60 * tpls[p.template].cost_per_hour for p in pats
    ]
    if penalty is not None:
        cost[n_x + n_y :] = penalty * step / 60
    blocks = []
    # coverage: cover @ x + short >= need
    a_cov = csr_matrix(
        np.hstack(
            [
                cover.toarray(),
                np.zeros((n_p, n_y)),
                np.eye(n_p) if n_s else np.zeros((n_p, 0)),
            ]
        )
    )
    blocks.append(LinearConstraint(a_cov, need, np.inf))
    big = int(max(need.max(), 1))
    for i, k in enumerate(bounded):
        tpl = tpls[k[0]]
        row_x = np.zeros(n)
        for j, pat in enumerate(pats):
            if key_index[(pat.template, pat.start)] == key_index[k]:
                row_x[j] = 1.0
        cap = tpl.max_agents if tpl.max_agents is not None else big * max(1, len(pats))
        upper = row_x.copy()
        upper[n_x + i] = -cap  # sum x - cap y <= 0
        lower = row_x.copy()
        lower[n_x + i] = -tpl.min_agents  # sum x - min y >= 0
        blocks.append(LinearConstraint(upper[None, :], -np.inf, 0.0))
        blocks.append(LinearConstraint(lower[None, :], 0.0, np.inf))
    integrality = np.concatenate([np.ones(n_x + n_y), np.zeros(n_s)])
    upper_b = np.concatenate([np.full(n_x, np.inf), np.ones(n_y), np.full(n_s, np.inf)])
    res = milp(
        cost,
        constraints=blocks,
        integrality=integrality,
        bounds=Bounds(np.zeros(n), upper_b),
        options={"time_limit": templates.time_limit},
    )
    if res.x is None:
        raise ShiftError(
            f"templates: no shift plan covers every interval of group '{group}' "
            f"({res.message}); raise max_agents or give under_cover_penalty"
        )
    x = np.round(res.x[:n_x]).astype(int)
    short = res.x[n_x + n_y :] if n_s else np.zeros(n_p)
    return x, short, bool(res.status == 0)


def apply_shifts(sc: Scenario, plan: ShiftPlan) -> Scenario:
    """The scenario with each planned group on its shifts (``agents`` removed)."""
    changes: dict[str, Any] = {}
    for g, shifts in plan.groups_section().items():
        changes[f"groups.{g}.agents"] = None
        changes[f"groups.{g}.shifts"] = (
            shifts if shifts else [{"start": sc.start, "end": sc.start, "count": 0}]
        )
    return sc.updated(changes)
