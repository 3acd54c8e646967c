"""``ccsim roster``: a weekly roster (lines with days off) covering each day's requirement.

The staffing calculator runs once per rostered day (the scenario, or ``--day DAY=FILE``
for a day that looks different), then :func:`sim.plan.roster.plan_roster` builds the
lines. Errors follow the CLI's rules (exit 2 naming the field, nothing half-written).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sim.cli.io import EXIT_OK, STDOUT, BadInput, check_output, check_outputs_in, staged_outputs
from sim.cli.staff import add_target_options, targets_from_args
from sim.config.scenario import Scenario, load_scenario

__all__ = ["add_roster_parser", "cmd_roster"]


def _days(values: list[str] | None) -> dict[str, Scenario]:
    """``--day DAY=SCENARIO.yaml`` options."""
    out: dict[str, Scenario] = {}
    for text in values or []:
        day, sep, path = text.partition("=")
        if not sep or not day or not path:
            raise BadInput(f"--day: expected DAY=SCENARIO.yaml, got {text!r}")
        out[day.strip().lower()] = load_scenario(path)
    return out


def _read_table(path: str) -> Any:
    """A requirement table: CSV, or Parquet by its suffix."""
    import pandas as pd

    try:
        if path.endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise BadInput(f"--requirements: {path}: cannot read: {exc}") from None


def _rules_and_paths(args: argparse.Namespace, sc: Scenario) -> Any:
    """The roster rules, after refusing bad output locations (exit 2, nothing written)."""
    from sim.plan.roster import RosterError, is_week_scenario, load_rules

    check_output(args.json, option="--json", allow_stdout=True)
    check_output(args.out, option="--out")
    try:
        rules = load_rules(args.rules)
    except RosterError as exc:
        raise BadInput(str(exc)) from None
    check_outputs_in(args.scenario_out, [f"{d}.yaml" for d in rules.days], option="--scenario-out")
    check_output(args.week_out, option="--week-out")
    if args.week_out and not is_week_scenario(sc):
        raise BadInput(
            f"--week-out: {args.file} is not a week scenario (a calendar: section and "
            "periods over several days); --scenario-out DIR writes one scenario per day"
        )
    if args.scenario_out and is_week_scenario(sc):
        raise BadInput(f"--scenario-out: {args.file} is a week scenario: use --week-out YAML")
    return rules


def cmd_roster(args: argparse.Namespace) -> int:
    from sim.plan.roster import (
        RosterError,
        apply_roster_day,
        apply_roster_week,
        need_from_table,
        plan_roster,
        roster,
    )

    sc = load_scenario(args.file)
    rules = _rules_and_paths(args, sc)
    days = _days(args.day)
    if args.requirements and days:
        raise BadInput("--day: not with --requirements (the table has every day)")
    targets = targets_from_args(args, sc)
    from sim.plan.staffing import StaffingError

    try:
        if args.requirements:
            need = need_from_table(
                _read_table(args.requirements), rules, sc.periods, list(sc.groups)
            )
            plan = plan_roster(need, rules, interval_minutes=sc.interval_minutes, start=sc.start)
        else:
            plan = roster(sc, rules, days=days, targets=targets)
    except (RosterError, StaffingError) as exc:
        raise BadInput(str(exc)) from None
    payload: dict[str, Any] = {"scenario": sc.name, "rules": str(args.rules), **plan.to_dict()}
    text = json.dumps(payload, indent=2, allow_nan=False)
    with staged_outputs() as stage:  # --out, --scenario-out and --json: all, or none
        if args.out:
            plan.lines_table().to_csv(stage.file(args.out), index=False)
        if args.scenario_out:
            for d in rules.days:
                base = days.get(d, sc)
                day_sc = apply_roster_day(base, plan, d)
                day_sc = day_sc.updated({"name": f"{base.name} ({d})"})
                stage.file(Path(args.scenario_out) / f"{d}.yaml").write_text(
                    day_sc.to_yaml(), encoding="utf-8"
                )
        if args.week_out:
            stage.file(args.week_out).write_text(
                apply_roster_week(sc, plan).to_yaml(), encoding="utf-8"
            )
        if args.json and args.json != STDOUT:
            stage.file(args.json).write_text(text + "\n", encoding="utf-8")
    if args.json == STDOUT:
        print(text)
    else:
        print(f"{sc.name}: {plan.summary()}")
    return EXIT_OK


def add_roster_parser(sub: Any) -> None:
    """Add ``roster`` to the ``ccsim`` subcommands."""
    rp = sub.add_parser("roster", help="weekly roster: agent lines with days off")
    rp.add_argument(
        "file",
        help="scenario YAML: the day every rostered day looks like, or a week scenario "
        "(calendar:, whole days from 00:00)",
    )
    rp.add_argument("--rules", required=True, metavar="RULES.yaml", help="templates, line rules")
    rp.add_argument(
        "--day",
        action="append",
        metavar="DAY=SCENARIO.yaml",
        help="a rostered day with its own scenario, e.g. sat=saturday.yaml (repeatable)",
    )
    rp.add_argument(
        "--requirements",
        metavar="CSV",
        help="agents per group, day and interval (columns group, day, period, scheduled) "
        "instead of the staffing calculator; FILE gives the interval grid",
    )
    rp.add_argument("--json", metavar="-|PATH", help="write the JSON to PATH, or stdout with -")
    rp.add_argument("--out", metavar="CSV", help="write the lines (one row per line and day)")
    rp.add_argument(
        "--scenario-out",
        metavar="DIR",
        help="write one scenario per rostered day (DIR/mon.yaml, ...) run on its shifts",
    )
    rp.add_argument(
        "--week-out",
        metavar="YAML",
        help="FILE is a week scenario (calendar:): write it run on the roster's shifts "
        "(each with its days: [mon, ...])",
    )
    add_target_options(rp)
    rp.set_defaults(func=cmd_roster)
