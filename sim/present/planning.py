"""The app's optimise page without Streamlit: the optimiser's answer against per-channel
Erlang and today's schedule, its confirmed targets as text, default shift templates,
the planned shifts as a table, and a progress step that can be cancelled.

Pure functions of scenarios and results (the page only lays them out), so the unit
tests and AppTest check the same numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import pandas as pd
import yaml

from sim.config.clock import clock_labels, clock_minutes
from sim.config.scenario import Scenario
from sim.config.yaml_reader import NotText, read_yaml, yaml_problem
from sim.plan.optimise import Optimised, Step
from sim.plan.shifts import ShiftError, ShiftPlan, Templates, parse_templates
from sim.present.display import duration, pct

__all__ = [
    "Cancelled",
    "FULL_SHIFT_MINUTES",
    "PART_SHIFT_MINUTES",
    "cancellable_step",
    "default_templates_text",
    "search_key",
    "shift_table",
    "staffing_comparison",
    "target_rows",
    "templates_from_text",
]

FULL_SHIFT_MINUTES = 480
"""Length of the default full-time shift (8 h, breaks paid)."""
PART_SHIFT_MINUTES = 240
"""Length of the default part-time shift (4 h, no break)."""
BREAK_MINUTES = 30
"""Length of the full-time shift's break (rounded up to whole intervals)."""
BREAK_WINDOW = (180, 300)
"""The break starts 3 h to 5 h into a full-time shift (minutes)."""
START_EVERY_MINUTES = 30
"""Default starts every 30 minutes (rounded up to whole intervals)."""


def staffing_comparison(today: Scenario, out: Optimised) -> pd.DataFrame:
    """Per group and period: scheduled agents ``optimised`` (simulation), ``erlang``
    (per-channel Erlang split over the groups) and ``today`` (the scenario's schedule),
    with ``vs_erlang`` and ``vs_today`` (optimised minus each)."""
    st = out.staffing
    today_agents = {g: today.scheduled(g) for g in today.groups}
    df = pd.DataFrame(
        {
            "group": st["group"],
            "period": st["period"],
            "time": st["time"],
            "optimised": st["optimised"].astype(int),
            "erlang": st["analytic"].astype(int),
            "today": [
                int(today_agents[g][p]) for g, p in zip(st["group"], st["period"], strict=True)
            ],
        }
    )
    df["vs_erlang"] = df["optimised"] - df["erlang"]
    df["vs_today"] = df["optimised"] - df["today"]
    return df


_KPI_TEXT = {"service_level": "service level", "asa": "ASA", "abandon_rate": "abandon rate"}


def _kpi_value(kpi: str, value: float, ci95: float | None = None) -> str:
    return duration(value, ci95) if kpi == "asa" else pct(value, ci95)


def target_rows(out: Optimised) -> pd.DataFrame:
    """The confirmation run's targets as the page shows them: channel, KPI, target,
    confirmed value ± its 95% CI (shares in %, durations in s / min / h), the
    confidence that the target is met, and met."""
    t = out.targets
    return pd.DataFrame(
        {
            "channel": t["channel"],
            "target": [
                ("≥ " if k == "service_level" else "≤ ") + f"{_KPI_TEXT.get(k, k)} "
                f"{_kpi_value(k, v)}"
                for k, v in zip(t["kpi"], t["target"], strict=True)
            ],
            "confirmed ± 95% CI": [
                _kpi_value(k, m, c) for k, m, c in zip(t["kpi"], t["mean"], t["ci95"], strict=True)
            ],
            "confidence met": [pct(c) for c in t["confidence"]],
            "met": t["met"].astype(bool),
        }
    )


def _whole_intervals(minutes: int, step: int) -> int:
    return step * max(1, math.ceil(minutes / step))


def default_templates_text(sc: Scenario) -> str:
    """Shift templates (the ``--shifts`` file format, YAML) fitting ``sc``'s day: 8-hour
    shifts with a 30-minute break and 4-hour shifts, starting every 30 minutes (whole
    intervals) from the first interval to the last start that still ends inside the
    day. Shorter days get one shift as long as the day."""
    step = sc.interval_minutes
    day = min(sc.periods * step, 24 * 60)
    every = _whole_intervals(START_EVERY_MINUTES, step)
    first = clock_labels(sc.start, step, 1)[0]  # a clock time (labels may name the day)
    templates: list[dict[str, object]] = []
    for name, length in (("full", FULL_SHIFT_MINUTES), ("part", PART_SHIFT_MINUTES)):
        length = min(length, day - day % step)
        if any(t["length_minutes"] == length for t in templates):
            continue
        last = (day - length) // every * every
        tpl: dict[str, object] = {"name": name, "length_minutes": length}
        if last > 0:
            tpl["starts"] = [first, _clock(sc, last)]
            tpl["every_minutes"] = every
        else:
            tpl["starts"] = [first]
        brk = _whole_intervals(BREAK_MINUTES, step)
        earliest = _whole_intervals(BREAK_WINDOW[0], step)
        latest = _whole_intervals(BREAK_WINDOW[1], step)
        if name == "full" and latest + brk <= length:
            tpl["breaks"] = [{"length_minutes": brk, "earliest": earliest, "latest": latest}]
        templates.append(tpl)
    return yaml.safe_dump({"templates": templates}, sort_keys=False)


def _clock(sc: Scenario, minutes_after_start: int) -> str:
    """The clock time (HH:MM) ``minutes_after_start`` after the day's first interval."""
    total = (clock_minutes(sc.start) + minutes_after_start) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def templates_from_text(text: str, source: str = "shift templates") -> Templates:
    """Parse shift templates written as YAML; raises :class:`ShiftError` naming the
    field (or the line and column of a YAML error)."""
    try:
        data = read_yaml(text.encode("utf-8"))
    except NotText as exc:
        raise ShiftError(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ShiftError(f"{source}: {yaml_problem(exc)}") from None
    return parse_templates(data, source)


def shift_table(plan: ShiftPlan) -> pd.DataFrame:
    """One row per group and shift: start, end, agents and their breaks."""
    rows = []
    for g, shifts in plan.groups_section().items():
        for sh in shifts:
            rows.append(
                {
                    "group": g,
                    "start": sh["start"],
                    "end": sh["end"],
                    "agents": int(sh["count"]),
                    "breaks": ", ".join(
                        f"{b['count']} at {b['start']}-{b['end']}" for b in sh.get("breaks", [])
                    ),
                }
            )
    return pd.DataFrame(rows, columns=["group", "start", "end", "agents", "breaks"])


class Cancelled(Exception):
    """The user cancelled a long computation (raised from its progress step)."""


def cancellable_step(report: Callable[[float, str], object], cancelled: Callable[[], bool]) -> Step:
    """An optimiser :data:`~sim.plan.optimise.Step` that reports the share of the
    simulation budget used (0-1) with a line of text, and raises :class:`Cancelled`
    as soon as ``cancelled()`` is true."""

    def step(done: int, budget: int) -> None:
        if cancelled():
            raise Cancelled("cancelled")
        if done >= budget:
            report(1.0, "Confirming with new customers")
        else:
            report(done / budget, f"Simulation {done} (budget {budget})")

    return step


def search_key(sc: Scenario) -> str:
    """What the optimiser's answer depends on: the scenario without its groups'
    staffing (``agents`` / ``shifts``, which the optimiser replaces), as JSON. A
    result stays valid when only the staffing changes (e.g. its shifts were applied)."""
    data = sc.to_dict()
    for group in data.get("groups", {}).values():
        group.pop("agents", None)
        group.pop("shifts", None)
    return json.dumps(data, sort_keys=True)
