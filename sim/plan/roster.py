"""Weekly rostering: agent lines with days off covering each day's requirement.

Where :mod:`sim.plan.shifts` plans one daily pattern that repeats every day, a roster
plans a week: each *line* is one agent's week, the days it works (``days_on`` of the
rostered days, optionally with the days off consecutive) and the shift of each working
day (a template of :mod:`sim.plan.shifts`: its length, allowed starts and breaks).

An integer program solved with :func:`scipy.optimize.milp` (HiGHS), per group:

``x_L``  agents on line type ``L`` = (working days, template[, start])
``y_dj`` agents working daily pattern ``j`` = (template, start, break placement) on day ``d``
``s_dp`` agents short in interval ``p`` of day ``d`` (only with an under-cover penalty)

::

    minimise   sum_L paid_hours_L x_L + penalty x interval_hours x sum_dp s_dp
    subject to sum_{j covers (d, p)} y_j + s_dp >= required_dp   (every day d, interval p)
               sum_{j in K} y_dj = sum_{L in K, d in L} x_L         (every day d, key K)
               min_agents z <= sum_{j at (d, t, start)} y_dj <= max_agents z

A key ``K`` is the template (and, with ``same_start``, the start): a line keeps its
template all week, and with ``same_start`` its start too; breaks are placed per day.
The linking equality makes any integer solution a set of real lines (each day's
patterns of a key are handed out to that key's lines working that day), so the
optimum over ``x, y`` is the optimum over every combination of lines. Paid hours of a
line are its working days x the template's length (breaks are paid), so the weekly
``min_paid_hours`` / ``max_paid_hours`` rule only keeps or drops line types.

A shift starting late runs into the next day's intervals; on a seven-day roster
Sunday night runs into Monday (the week repeats). The requirement comes from one
scenario per rostered day (:func:`day_requirements`), from a week scenario (a
``calendar:`` and whole days, :func:`week_need`) or from any table
(:func:`need_from_table`). The result goes back into scenarios as each day's shifts
(:meth:`Roster.day_groups_section`, :func:`apply_roster_day`) or as a week's shifts
with their weekdays, ``days: [mon, ...]`` (:meth:`Roster.week_groups_section`,
:func:`apply_roster_week`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, hstack

from sim.config.clock import MINUTES_PER_DAY, clock_label, clock_minutes
from sim.config.frozen import Frozen, validation_problems
from sim.config.scenario import Scenario
from sim.config.yaml_reader import read_model_file
from sim.plan.shifts import ShiftError, ShiftTemplate, check_template_grid

__all__ = [
    "WEEKDAYS",
    "Roster",
    "RosterError",
    "RosterLine",
    "RosterRules",
    "apply_roster_day",
    "apply_roster_week",
    "day_requirements",
    "is_week_scenario",
    "load_rules",
    "need_from_table",
    "parse_rules",
    "plan_roster",
    "roster",
    "week_need",
]

NEED_COLUMNS = ("group", "day", "period", "scheduled")
"""Columns of a requirement table (:func:`need_from_table`, ``ccsim roster --requirements``)."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names a roster may use, in week order."""

DAYS_PER_WEEK = len(WEEKDAYS)


class RosterError(ShiftError):
    """Bad roster rules or requirements, or no roster can cover them; names the field."""


class RosterRules(Frozen):
    """How lines may be built (the file format of ``ccsim roster --rules``)."""

    templates: tuple[ShiftTemplate, ...] = Field(min_length=1)
    """Shift templates (as in ``--shifts``); ``min_agents`` / ``max_agents`` hold per day."""
    days: tuple[str, ...] = WEEKDAYS
    """The rostered days, in week order (a subset of mon ... sun)."""
    days_on: int | tuple[int, ...] = 5
    """Working days per line: one number, or the numbers allowed (``[4, 5]``)."""
    consecutive_days_off: bool = False
    """A line's days off form one run (on seven days: Sun-Mon counts as a run)."""
    same_start: bool = False
    """A line starts at the same time every working day (otherwise only its template,
    the shift length, is the same all week)."""
    min_paid_hours: float | None = Field(default=None, ge=0)
    """Paid hours per line per week, at least (hours)."""
    max_paid_hours: float | None = Field(default=None, gt=0)
    """Paid hours per line per week, at most (hours)."""
    under_cover_penalty: float | None = Field(default=None, gt=0)
    """Cost of one agent-hour short of the requirement, in paid hours; None = cover
    every interval of every day (a hard constraint)."""
    time_limit: float = Field(default=60.0, gt=0)
    """Seconds HiGHS may spend per group."""

    @field_validator("days")
    @classmethod
    def _days(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("give at least one day")
        for d in v:
            if d not in WEEKDAYS:
                raise ValueError(f"unknown day '{d}' (one of {', '.join(WEEKDAYS)})")
        if len(set(v)) != len(v):
            raise ValueError("a day is given twice")
        if list(v) != sorted(v, key=WEEKDAYS.index):
            raise ValueError("give the days in week order")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> RosterRules:
        allowed = self.days_on_allowed()
        if any(n < 1 or n > len(self.days) for n in allowed):
            raise ValueError(f"days_on: must be between 1 and the {len(self.days)} rostered days")
        if (
            self.min_paid_hours is not None
            and self.max_paid_hours is not None
            and self.min_paid_hours > self.max_paid_hours
        ):
            raise ValueError("min_paid_hours: more than max_paid_hours")
        return self

    def days_on_allowed(self) -> tuple[int, ...]:
        """The allowed working days per line, sorted."""
        v = self.days_on
        return tuple(sorted(set(v))) if isinstance(v, tuple) else (v,)

    def cyclic(self) -> bool:
        """Does the roster wrap (Sunday night runs into Monday)?"""
        return len(self.days) == DAYS_PER_WEEK


def parse_rules(data: Any, source: str = "rules") -> RosterRules:
    """Validate plain data into :class:`RosterRules`; errors name the field."""
    try:
        return RosterRules.model_validate(data)
    except ValidationError as exc:
        raise RosterError(f"{source}: " + "; ".join(validation_problems(exc))) from None


def load_rules(path: str | Path) -> RosterRules:
    """Read roster rules from a YAML file."""
    return read_model_file(path, parse_rules, RosterError)


def _day_patterns(rules: RosterRules) -> list[tuple[int, ...]]:
    """Every set of working days (indices into ``rules.days``) a line may have."""
    n = len(rules.days)
    out = []
    for k in rules.days_on_allowed():
        for on in itertools.combinations(range(n), k):
            if rules.consecutive_days_off and not _one_run(set(range(n)) - set(on), n, rules):
                continue
            out.append(on)
    return out


def _one_run(off: set[int], n: int, rules: RosterRules) -> bool:
    """Are the days ``off`` one run of consecutive days (wrapping on a full week)?"""
    if len(off) <= 1:
        return True
    starts = [d for d in off if ((d - 1) % n if rules.cyclic() else d - 1) not in off]
    return len(starts) == 1


@dataclass(frozen=True)
class _Daily:
    """One day's shift: template index, start (minute of day), break offsets (minutes
    after the start, one per break rule)."""

    template: int
    start: int
    breaks: tuple[int, ...]


@dataclass(frozen=True)
class RosterLine:
    """One agent's week: the working days (names) and the shift of each."""

    group: str
    days: tuple[str, ...]
    shifts: tuple[_Daily, ...]
    """One per working day, in the order of ``days``."""
    paid_hours: float


@dataclass(frozen=True)
class Roster:
    """Optimal lines per group and their cover of each day's requirement.

    ``coverage`` has one row per group, day and interval: ``required``, ``covered``
    (agents on shift and not on a break) and ``short``.
    """

    rules: RosterRules
    interval_minutes: int
    start: str
    lines: tuple[RosterLine, ...]
    coverage: pd.DataFrame
    paid_hours: float
    short_agent_hours: float
    optimal: bool

    def _hours_text(self, sh: _Daily) -> str:
        tpl = self.rules.templates[sh.template]
        return f"{clock_label(sh.start)}-{clock_label(sh.start + tpl.length_minutes)}"

    def _breaks_text(self, sh: _Daily) -> str:
        tpl = self.rules.templates[sh.template]
        return " + ".join(
            f"{clock_label(sh.start + off)}-{clock_label(sh.start + off + rule.length_minutes)}"
            for rule, off in zip(tpl.breaks, sh.breaks, strict=True)
        )

    def line_labels(self) -> list[str]:
        """One text per line: ``line 7 (phones): Mon-Fri 08:00-16:30, break 12:00-12:30``;
        days with other hours are listed in turn, and breaks that move by day are
        listed by day (``breaks Mon 12:00-12:30, Tue 12:30-13:00, ...``)."""
        out = []
        for i, line in enumerate(self.lines, start=1):
            runs: list[tuple[list[str], str]] = []  # adjacent days with the same hours
            for day, sh in zip(line.days, line.shifts, strict=True):
                text = self._hours_text(sh)
                if runs and runs[-1][1] == text:
                    runs[-1][0].append(day)
                else:
                    runs.append(([day], text))
            body = "; ".join(f"{_day_ranges(ds, self.rules.days)} {t}" for ds, t in runs)
            breaks = [self._breaks_text(sh) for sh in line.shifts]
            if len(set(breaks)) == 1 and breaks[0]:
                body += f", break {breaks[0]}"
            elif breaks[0]:
                body += ", breaks " + ", ".join(
                    f"{d.capitalize()} {b}" for d, b in zip(line.days, breaks, strict=True)
                )
            out.append(f"line {i} ({line.group}): {body} ({line.paid_hours:g} h)")
        return out

    def lines_table(self) -> pd.DataFrame:
        """One row per line and working day: ``line`` (from 1), ``group``, ``day``,
        ``template``, ``start``, ``end``, ``breaks`` (``HH:MM-HH:MM`` joined by commas)."""
        rows = []
        for i, line in enumerate(self.lines, start=1):
            for day, sh in zip(line.days, line.shifts, strict=True):
                tpl = self.rules.templates[sh.template]
                rows.append(
                    {
                        "line": i,
                        "group": line.group,
                        "day": day,
                        "template": tpl.name,
                        "start": clock_label(sh.start),
                        "end": clock_label(sh.start + tpl.length_minutes),
                        "breaks": ", ".join(
                            f"{clock_label(sh.start + o)}-"
                            f"{clock_label(sh.start + o + r.length_minutes)}"
                            for r, o in zip(tpl.breaks, sh.breaks, strict=True)
                        ),
                    }
                )
        cols = ["line", "group", "day", "template", "start", "end", "breaks"]
        return pd.DataFrame(rows, columns=cols)

    def day_groups_section(self, day: str) -> dict[str, list[dict[str, Any]]]:
        """The shifts worked on ``day`` as scenario ``groups.<g>.shifts`` lists (file
        format): what a one-day scenario of that weekday takes."""
        if day not in self.rules.days:
            raise RosterError(f"day: '{day}' is not rostered ({', '.join(self.rules.days)})")
        tally: dict[str, dict[_Daily, int]] = {g: {} for g in self.groups()}
        for line in self.lines:
            if day in line.days:
                sh = line.shifts[line.days.index(day)]
                tally[line.group][sh] = tally[line.group].get(sh, 0) + 1
        out: dict[str, list[dict[str, Any]]] = {}
        for g, counts in tally.items():
            by_shift: dict[tuple[int, int], dict[tuple[int, int], int]] = {}
            for sh, n in counts.items():
                brk = by_shift.setdefault((sh.start, sh.template), {})
                for r, off in enumerate(sh.breaks):
                    length = self.rules.templates[sh.template].breaks[r].length_minutes
                    brk[(off, length)] = brk.get((off, length), 0) + n
            shifts = []
            for start, t in sorted(by_shift):
                tpl = self.rules.templates[t]
                total = sum(n for sh, n in counts.items() if (sh.start, sh.template) == (start, t))
                shift: dict[str, Any] = {
                    "start": clock_label(start),
                    "end": clock_label(start + tpl.length_minutes),
                    "count": total,
                }
                brks = [
                    {
                        "start": clock_label(start + off),
                        "end": clock_label(start + off + length),
                        "count": n,
                    }
                    for (off, length), n in sorted(by_shift[(start, t)].items())
                ]
                if brks:
                    shift["breaks"] = brks
                shifts.append(shift)
            out[g] = shifts
        return out

    def week_groups_section(self) -> dict[str, list[dict[str, Any]]]:
        """Every rostered day's shifts as one scenario ``groups.<g>.shifts`` list per
        group, each shift with the weekdays it runs on (``days: [mon, tue]``; shifts
        alike on several days are one entry): what a week scenario (with a
        ``calendar:``) takes."""
        out: dict[str, list[dict[str, Any]]] = {}
        for g in self.groups():
            merged: dict[str, dict[str, Any]] = {}
            for day in self.rules.days:
                for shift in self.day_groups_section(day)[g]:
                    key = repr(sorted(shift.items()))
                    entry = merged.setdefault(key, {**shift, "days": []})
                    entry["days"].append(day)
            out[g] = sorted(
                merged.values(),
                key=lambda sh: (WEEKDAYS.index(sh["days"][0]), sh["start"], sh["end"]),
            )
        return out

    def groups(self) -> list[str]:
        """The groups rostered, in the requirement's order."""
        return list(dict.fromkeys(self.coverage["group"]))

    def headcount(self) -> pd.DataFrame:
        """Agents on shift per group, day and interval (``covered``: not on a break),
        pivot-ready: columns ``group``, ``day``, ``period``, ``time``, ``covered``."""
        return self.coverage[["group", "day", "period", "time", "covered"]].copy()

    def summary(self) -> str:
        head = (
            f"roster: {len(self.lines)} lines, {self.paid_hours:g} paid hours per week"
            + (f", {self.short_agent_hours:g} agent-hours short" if self.short_agent_hours else "")
            + ("" if self.optimal else " (time limit: best found, not proven optimal)")
        )
        return "\n".join([head, *("  " + t for t in self.line_labels())])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: totals, lines, each day's scenario shifts and the coverage."""
        return {
            "paid_hours": self.paid_hours,
            "short_agent_hours": self.short_agent_hours,
            "optimal": self.optimal,
            "lines": [
                {"line": i, "group": ln.group, "days": list(ln.days), "paid_hours": ln.paid_hours}
                | {"label": label}
                for i, (ln, label) in enumerate(
                    zip(self.lines, self.line_labels(), strict=True), start=1
                )
            ],
            "line_shifts": self.lines_table().to_dict(orient="records"),
            "days": {d: self.day_groups_section(d) for d in self.rules.days},
            "week": self.week_groups_section(),
            "coverage": self.coverage.to_dict(orient="records"),
        }


def _day_ranges(days: Sequence[str], order: Sequence[str]) -> str:
    """``Mon-Fri``, ``Mon-Wed, Sat`` (runs in the roster's day order)."""
    idx = [order.index(d) for d in days]
    runs: list[list[int]] = []
    for i in idx:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = []
    for run in runs:
        a, b = order[run[0]].capitalize(), order[run[-1]].capitalize()
        parts.append(a if len(run) == 1 else f"{a}-{b}")
    return ", ".join(parts)


def _daily_patterns(tpl: ShiftTemplate, t: int, step: int) -> list[_Daily]:
    offsets = [[o for o in range(b.earliest, b.latest + 1) if o % step == 0] for b in tpl.breaks]
    return [
        _Daily(t, s, tuple(combo))
        for s in tpl.start_minutes()
        for combo in itertools.product(*offsets)
    ]


@dataclass(frozen=True)
class _Grid:
    """Each rostered day's intervals: ``intervals`` of ``step`` minutes from ``origin``."""

    days: int
    intervals: int
    step: int
    origin: int
    cyclic: bool

    def covered(self, sh: _Daily, tpl: ShiftTemplate, day: int) -> list[tuple[int, int]]:
        """The (day, interval) cells a daily pattern worked on ``day`` covers whole."""
        week = self.days * MINUTES_PER_DAY
        begin = day * MINUTES_PER_DAY + self.origin + (sh.start - self.origin) % MINUTES_PER_DAY
        cells = []
        for d in range(self.days):
            for p in range(self.intervals):
                at = d * MINUTES_PER_DAY + self.origin + p * self.step
                rel = (at - begin) % week if self.cyclic else at - begin
                if rel < 0 or rel + self.step > tpl.length_minutes:
                    continue
                if any(
                    rel < off + r.length_minutes and off < rel + self.step
                    for r, off in zip(tpl.breaks, sh.breaks, strict=True)
                ):
                    continue
                cells.append((d, p))
        return cells


@dataclass(frozen=True)
class _LineType:
    days: tuple[int, ...]
    template: int
    start: int | None  # with same_start


def _line_types(rules: RosterRules, usable: list[int]) -> list[_LineType]:
    out: list[_LineType] = []
    for on in _day_patterns(rules):
        for t in usable:
            tpl = rules.templates[t]
            hours = len(on) * tpl.length_minutes / 60
            if rules.min_paid_hours is not None and hours < rules.min_paid_hours - 1e-9:
                continue
            if rules.max_paid_hours is not None and hours > rules.max_paid_hours + 1e-9:
                continue
            starts: list[int | None] = list(tpl.start_minutes()) if rules.same_start else [None]
            out.extend(_LineType(on, t, s) for s in starts)
    return out


def plan_roster(
    need: Mapping[str, np.ndarray],
    rules: RosterRules,
    *,
    interval_minutes: int,
    start: str,
) -> Roster:
    """Lines per group covering ``need`` at the fewest paid hours.

    Parameters
    ----------
    need : group -> array of agents required, one row per rostered day (``rules.days``)
        and one column per interval (scheduled agents: on shift, not on a break).
    rules : templates and line rules.
    interval_minutes : length of an interval (minutes).
    start : clock time (HH:MM) of each day's first interval.

    Raises
    ------
    RosterError : bad requirements, templates off the grid, no line type allowed, or
        no roster covers every interval (without an under-cover penalty).
    """
    if not need:
        raise RosterError("need: no group to roster")
    shapes = {np.asarray(a).shape for a in need.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise RosterError("need: give every group a days x intervals array of the same shape")
    n_days, n_int = next(iter(shapes))
    if n_days != len(rules.days):
        raise RosterError(f"need: {n_days} rows of days for the {len(rules.days)} rostered days")
    try:
        check_template_grid(rules.templates, interval_minutes, start, need)
    except ShiftError as exc:
        raise RosterError(str(exc)) from None
    grid = _Grid(n_days, n_int, interval_minutes, clock_minutes(start), rules.cyclic())
    lines: list[RosterLine] = []
    rows: list[dict[str, Any]] = []
    optimal = True
    for g, raw in need.items():
        req = np.asarray(raw, dtype=float)
        if not np.all(np.isfinite(req)) or (req < 0).any():
            raise RosterError(f"need.{g}: agents must be finite numbers >= 0")
        req = np.ceil(req - 1e-9)
        if req.any():
            got, cover, ok = _solve_group(g, req, rules, grid)
            optimal &= ok
            lines.extend(got)
        else:
            cover = np.zeros_like(req)
        labels = [clock_label(grid.origin + p * interval_minutes) for p in range(n_int)]
        rows.extend(
            {
                "group": g,
                "day": rules.days[d],
                "period": p,
                "time": labels[p],
                "required": int(req[d, p]),
                "covered": int(cover[d, p]),
                "short": int(max(req[d, p] - cover[d, p], 0)),
            }
            for d in range(n_days)
            for p in range(n_int)
        )
    coverage = pd.DataFrame(rows)
    paid = float(sum(ln.paid_hours for ln in lines))
    short = float(coverage["short"].sum()) * interval_minutes / 60
    return Roster(rules, interval_minutes, start, tuple(lines), coverage, paid, short, optimal)


def _solve_group(
    group: str, req: np.ndarray, rules: RosterRules, grid: _Grid
) -> tuple[list[RosterLine], np.ndarray, bool]:
    tpls = rules.templates
    usable = [t for t, tpl in enumerate(tpls) if tpl.groups is None or group in tpl.groups]
    if not usable:
        raise RosterError(f"templates: no template may be used by group '{group}'")
    types = _line_types(rules, usable)
    if not types:
        raise RosterError(
            f"rules: no line for group '{group}' meets days_on and min/max_paid_hours"
        )
    workable = {d for lt in types for d in lt.days}
    for d in range(grid.days):
        if d not in workable and req[d].any():
            raise RosterError(
                f"rules: no line may work {rules.days[d]}, which needs agents for group "
                f"'{group}' (days_on, consecutive_days_off and min/max_paid_hours allow none)"
            )
    daily = [
        (d, sh)
        for d in range(grid.days)
        for t in usable
        for sh in _daily_patterns(tpls[t], t, grid.step)
    ]
    n_cells = grid.days * grid.intervals
    cover = _cover_matrix(daily, tpls, grid)
    flat = req.ravel()
    penalty = rules.under_cover_penalty
    if penalty is None:
        _check_coverable(flat, cover, rules, grid, group)
    x_cols, y_cols, s_cols = len(types), len(daily), (n_cells if penalty is not None else 0)

    bounded = sorted(
        {
            (d, sh.template, sh.start)
            for d, sh in daily
            if tpls[sh.template].min_agents > 0 or tpls[sh.template].max_agents is not None
        }
    )
    n = x_cols + y_cols + s_cols + len(bounded)
    link = _link_matrix(types, daily, rules.same_start, n)
    cov_rows = hstack(
        [
            csr_matrix((n_cells, x_cols)),
            cover,
            csr_matrix(np.eye(n_cells)) if s_cols else csr_matrix((n_cells, 0)),
            csr_matrix((n_cells, len(bounded))),
        ]
    ).tocsr()
    constraints = [
        LinearConstraint(cov_rows, flat, np.inf),
        LinearConstraint(link, 0.0, 0.0),
    ]
    if bounded:
        constraints.append(_bounds_rows(bounded, daily, tpls, x_cols, n, float(flat.max())))
    cost = np.zeros(n)
    cost[:x_cols] = [
        len(lt.days) * tpls[lt.template].length_minutes / 60 * tpls[lt.template].cost_per_hour
        for lt in types
    ]
    if s_cols:
        cost[x_cols + y_cols : x_cols + y_cols + s_cols] = penalty * grid.step / 60  # type: ignore[operator]
    integrality = np.ones(n)
    upper = np.full(n, np.inf)
    if s_cols:
        integrality[x_cols + y_cols : x_cols + y_cols + s_cols] = 0
    if bounded:
        upper[n - len(bounded) :] = 1
    res = milp(
        cost,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(np.zeros(n), upper),
        options={"time_limit": rules.time_limit},
    )
    if res.x is None:
        raise RosterError(
            f"rules: no roster covers every interval of group '{group}' ({res.message}); "
            "relax the line rules, raise max_agents or give under_cover_penalty"
        )
    x = np.round(res.x[:x_cols]).astype(int)
    y = np.round(res.x[x_cols : x_cols + y_cols]).astype(int)
    lines = _hand_out(group, types, x, daily, y, rules)
    got = (cover @ y).reshape(grid.days, grid.intervals)
    return lines, got, bool(res.status == 0)


def _key(sh: _Daily, same_start: bool) -> tuple[int, int | None]:
    """The line key a daily pattern serves: its template (and start, with same_start)."""
    return (sh.template, sh.start if same_start else None)


def _cover_matrix(
    daily: list[tuple[int, _Daily]], tpls: tuple[ShiftTemplate, ...], grid: _Grid
) -> csr_matrix:
    """Cells (day x interval, row-major) x daily patterns: 1 where the pattern covers."""
    r_idx, c_idx = [], []
    for j, (d, sh) in enumerate(daily):
        for dd, p in grid.covered(sh, tpls[sh.template], d):
            r_idx.append(dd * grid.intervals + p)
            c_idx.append(j)
    shape = (grid.days * grid.intervals, len(daily))
    return coo_matrix((np.ones(len(r_idx)), (r_idx, c_idx)), shape=shape).tocsr()


def _check_coverable(
    flat: np.ndarray, cover: csr_matrix, rules: RosterRules, grid: _Grid, group: str
) -> None:
    """Refuse a needed interval no shift can cover (without an under-cover penalty)."""
    bare = np.flatnonzero((flat > 0) & (np.asarray(cover.sum(axis=1)).ravel() == 0))
    if bare.size:
        d, p = divmod(int(bare[0]), grid.intervals)
        raise RosterError(
            f"templates: no shift covers {rules.days[d]} "
            f"{clock_label(grid.origin + p * grid.step)} for group '{group}' "
            "(add a start or give under_cover_penalty)"
        )


def _link_matrix(
    types: list[_LineType], daily: list[tuple[int, _Daily]], same_start: bool, n: int
) -> csr_matrix:
    """One row per (day, key): daily patterns of the key minus lines of the key working
    that day (= 0). Columns: line types first, then daily patterns."""
    keys = sorted(
        {(d, _key(sh, same_start)) for d, sh in daily},
        key=lambda k: (k[0], k[1][0], -1 if k[1][1] is None else k[1][1]),
    )
    row_of = {k: i for i, k in enumerate(keys)}
    lr, lc, lv = [], [], []
    for j, (d, sh) in enumerate(daily):
        lr.append(row_of[(d, _key(sh, same_start))])
        lc.append(len(types) + j)
        lv.append(1.0)
    for i, lt in enumerate(types):
        for d in lt.days:
            lr.append(row_of[(d, (lt.template, lt.start))])
            lc.append(i)
            lv.append(-1.0)
    return coo_matrix((lv, (lr, lc)), shape=(len(keys), n)).tocsr()


def _bounds_rows(
    bounded: list[tuple[int, int, int]],
    daily: list[tuple[int, _Daily]],
    tpls: tuple[ShiftTemplate, ...],
    x_cols: int,
    n: int,
    most_needed: float,
) -> LinearConstraint:
    """min_agents z <= agents on (day, template, start) <= cap z, z binary."""
    where = {k: i for i, k in enumerate(bounded)}
    rows, cols, vals, lo, hi = [], [], [], [], []
    for j, (d, sh) in enumerate(daily):
        i = where.get((d, sh.template, sh.start))
        if i is not None:
            for r in (2 * i, 2 * i + 1):
                rows.append(r)
                cols.append(x_cols + j)
                vals.append(1.0)
    z0 = n - len(bounded)
    for i, (_, t, _) in enumerate(bounded):
        tpl = tpls[t]
        cap = tpl.max_agents if tpl.max_agents is not None else most_needed * len(daily) + 1
        rows += [2 * i, 2 * i + 1]
        cols += [z0 + i, z0 + i]
        vals += [-float(cap), -float(tpl.min_agents)]
        lo += [-np.inf, 0.0]
        hi += [0.0, np.inf]
    a = coo_matrix((vals, (rows, cols)), shape=(2 * len(bounded), n)).tocsr()
    return LinearConstraint(a, np.array(lo), np.array(hi))


def _hand_out(
    group: str,
    types: list[_LineType],
    x: np.ndarray,
    daily: list[tuple[int, _Daily]],
    y: np.ndarray,
    rules: RosterRules,
) -> list[RosterLine]:
    """Real lines from the counts: each day's patterns of a key go to that key's lines
    working that day, earliest first (so a line tends to keep its start)."""
    pools: dict[tuple[int, Any], list[_Daily]] = {}
    for (d, sh), n in zip(daily, y, strict=True):
        pools.setdefault((d, _key(sh, rules.same_start)), []).extend([sh] * int(n))
    for pool in pools.values():
        pool.sort(key=lambda sh: (sh.start, sh.breaks))
        pool.reverse()  # pop() from the end = earliest first
    out = []
    for lt, count in zip(types, x, strict=True):
        tpl = rules.templates[lt.template]
        for _ in range(int(count)):
            shifts = tuple(pools[(d, (lt.template, lt.start))].pop() for d in lt.days)
            out.append(
                RosterLine(
                    group,
                    tuple(rules.days[d] for d in lt.days),
                    shifts,
                    len(lt.days) * tpl.length_minutes / 60,
                )
            )
    out.sort(key=lambda ln: (ln.shifts[0].start, [rules.days.index(d) for d in ln.days]))
    return out


def day_requirements(
    scenarios: Mapping[str, Scenario], targets: Any = None
) -> dict[str, np.ndarray]:
    """Scheduled agents per group, day and interval from one scenario per rostered day
    (the staffing calculator, :func:`sim.plan.staffing.requirements`, run per day).

    Every day's scenario must share the first one's interval grid and groups.
    Returns group -> array (days x intervals) in the order of ``scenarios``.
    """
    from sim.plan.staffing import group_requirements, requirements

    first_day, first = next(iter(scenarios.items()))
    out: dict[str, list[np.ndarray]] = {g: [] for g in first.groups}
    for day, sc in scenarios.items():
        for attr in ("interval_minutes", "start", "periods"):
            if getattr(sc, attr) != getattr(first, attr):
                raise RosterError(
                    f"{day}: {attr} {getattr(sc, attr)} differs from {first_day}'s "
                    f"{getattr(first, attr)} (every day needs the same interval grid)"
                )
        if list(sc.groups) != list(first.groups):
            raise RosterError(f"{day}: groups differ from {first_day}'s")
        staff = group_requirements(sc, requirements(sc, targets))
        for g in first.groups:
            sub = staff[staff["group"] == g].sort_values("period")
            out[g].append(sub["scheduled"].to_numpy(dtype=float))
    return {g: np.vstack(rows) for g, rows in out.items()}


def need_from_table(
    table: pd.DataFrame, rules: RosterRules, periods: int, groups: Sequence[str]
) -> dict[str, np.ndarray]:
    """Agents required per group, day and interval from a table with columns ``group``,
    ``day`` (mon ... sun), ``period`` (from 0) and ``scheduled`` (agents); cells without
    a row need nobody. Returns group -> array (rostered days x ``periods``)."""
    missing = [c for c in NEED_COLUMNS if c not in table.columns]
    if missing:
        raise RosterError(f"requirements: missing column(s) {', '.join(missing)}")
    need = {g: np.zeros((len(rules.days), periods)) for g in groups}
    for i, (g, day, p, v) in enumerate(
        zip(table["group"], table["day"], table["period"], table["scheduled"], strict=True)
    ):
        where = f"requirements row {i + 1}"
        if str(g) not in need:
            raise RosterError(f"{where}: group: unknown group '{g}'")
        if str(day).lower() not in rules.days:
            raise RosterError(f"{where}: day: '{day}' is not rostered ({', '.join(rules.days)})")
        try:
            period, value = int(p), float(v)
        except (TypeError, ValueError):
            raise RosterError(f"{where}: period and scheduled must be numbers") from None
        if period != p or not 0 <= period < periods:
            raise RosterError(f"{where}: period: {p!r} is not a period 0-{periods - 1}")
        if not np.isfinite(value) or value < 0:
            raise RosterError(f"{where}: scheduled: must be a finite number >= 0, got {v!r}")
        need[str(g)][rules.days.index(str(day).lower()), period] = value
    return need


def is_week_scenario(sc: Scenario) -> bool:
    """Does the scenario cover several calendar days (a ``calendar:`` and periods
    touching more than one day), so each period has a weekday?"""
    return sc.calendar is not None and sc.day_count > 1


def week_need(
    sc: Scenario, rules: RosterRules, targets: Any = None
) -> tuple[dict[str, np.ndarray], int]:
    """Scheduled agents per group, rostered day and interval of a week scenario (the
    staffing calculator run once over its periods), with each scenario day put on its
    weekday's row. Returns (group -> array days x intervals, intervals per day).

    The periods must be whole days from 00:00, each rostered weekday exactly once.
    """
    from sim.plan.staffing import group_requirements, requirements

    step = sc.interval_minutes
    per_day = MINUTES_PER_DAY // step
    if clock_minutes(sc.start) != 0 or sc.periods % per_day:
        raise RosterError(
            f"{sc.name}: a week scenario for a roster needs whole days from 00:00 "
            f"(start {sc.start}, {sc.periods} periods of {step} min)"
        )
    days = sc.days
    assert days is not None  # is_week_scenario
    names = [WEEKDAYS[days.weekday(d)] for d in range(sc.periods // per_day)]
    if sorted(names, key=WEEKDAYS.index) != list(rules.days):
        raise RosterError(
            f"days: the scenario's days ({', '.join(names)}) are not the rostered days "
            f"({', '.join(rules.days)}), each once"
        )
    staff = group_requirements(sc, requirements(sc, targets))
    out: dict[str, np.ndarray] = {}
    for g in sc.groups:
        flat = staff[staff["group"] == g].sort_values("period")["scheduled"].to_numpy(float)
        rows = flat.reshape(len(names), per_day)
        out[g] = np.vstack([rows[names.index(d)] for d in rules.days])
    return out, per_day


def roster(
    scenario: Scenario,
    rules: RosterRules,
    *,
    days: Mapping[str, Scenario] | None = None,
    targets: Any = None,
) -> Roster:
    """A weekly roster covering the analytic requirement of every rostered day.

    Parameters
    ----------
    scenario : the day every rostered day looks like unless ``days`` says otherwise
        (its interval grid, groups, volumes and targets); or a week scenario (a
        ``calendar:``, whole days from 00:00, each rostered weekday once), staffed over
        all its periods at once (email backlogs carry across days).
    rules : templates and line rules (:func:`load_rules`).
    days : day name -> that day's scenario (e.g. ``{"sat": saturday}``), same grid.
    targets : :class:`sim.plan.staffing.Targets` (default: service levels only).
    """
    days = dict(days or {})
    if is_week_scenario(scenario):
        if days:
            raise RosterError("days: a week scenario already holds every day")
        need, _ = week_need(scenario, rules, targets)
        return plan_roster(need, rules, interval_minutes=scenario.interval_minutes, start="00:00")
    unknown = sorted(set(days) - set(rules.days))
    if unknown:
        raise RosterError(f"days: '{unknown[0]}' is not a rostered day ({', '.join(rules.days)})")
    per_day = {d: days.get(d, scenario) for d in rules.days}
    need = day_requirements(per_day, targets)
    return plan_roster(
        need, rules, interval_minutes=scenario.interval_minutes, start=scenario.start
    )


def apply_roster_day(sc: Scenario, plan: Roster, day: str) -> Scenario:
    """The scenario with each rostered group on the shifts worked on ``day``."""
    changes: dict[str, Any] = {}
    for g, shifts in plan.day_groups_section(day).items():
        changes[f"groups.{g}.agents"] = None
        changes[f"groups.{g}.shifts"] = (
            shifts if shifts else [{"start": sc.start, "end": sc.start, "count": 0}]
        )
    return sc.updated(changes)


def apply_roster_week(sc: Scenario, plan: Roster) -> Scenario:
    """The week scenario with each rostered group on the week's shifts (``days:``)."""
    if not is_week_scenario(sc):
        raise RosterError(
            f"{sc.name}: not a week scenario (a calendar: section and periods over "
            "several days); use apply_roster_day for a one-day scenario"
        )
    changes: dict[str, Any] = {}
    for g, shifts in plan.week_groups_section().items():
        changes[f"groups.{g}.agents"] = None
        changes[f"groups.{g}.shifts"] = (
            shifts if shifts else [{"start": sc.start, "end": sc.start, "count": 0}]
        )
    return sc.updated(changes)
