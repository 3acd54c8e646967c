"""``ccsim staff`` and ``ccsim report``: staffing requirements, shifts and the manager's report.

Registered in :func:`sim.cli.ccsim.build_parser` by :func:`add_staff_commands`; errors follow
the CLI's rules (bad input: exit 2 with the field named, nothing half-written).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from sim.cli.io import (
    EXIT_OK,
    STDOUT,
    BadInput,
    check_output,
    check_outputs_in,
    non_negative_int,
    positive_int,
    staged_outputs,
)
from sim.config.scenario import Scenario, load_scenario
from sim.measure.workload import check, estimate, long_work_notice
from sim.plan.staffing import StaffingError, Targets, group_requirements, requirements

__all__ = [
    "add_staff_commands",
    "add_target_options",
    "cmd_report",
    "cmd_staff",
    "targets_from_args",
]


def _caps(values: list[str] | None, flag: str, sc: Scenario) -> dict[str, float]:
    """``[CHANNEL=]VALUE`` options: a bare value applies to every live channel."""
    out: dict[str, float] = {}
    for text in values or []:
        name, _, value = text.rpartition("=")
        try:
            number = float(value)
        except ValueError:
            raise BadInput(f"{flag}: expected [CHANNEL=]NUMBER, got {text!r}") from None
        if not math.isfinite(number):
            raise BadInput(f"{flag}: must be finite, got {text!r}")
        if name:
            if name not in sc.channels:
                raise BadInput(f"{flag}: unknown channel '{name}'")
            out[name] = number
        else:
            out.update({c: number for c, ch in sc.channels.items() if ch.is_live})
    return out


def targets_from_args(args: argparse.Namespace, sc: Scenario) -> Targets:
    """The staffing targets given on the command line, validated."""
    try:
        return Targets(
            max_occupancy=args.max_occupancy,
            max_asa=_caps(args.max_asa, "--max-asa", sc),
            max_abandon=_caps(args.max_abandon, "--max-abandon", sc),
            shrinkage=args.shrinkage,
            model=args.model,
        )
    except StaffingError as exc:
        raise BadInput(f"--{str(exc).replace('_', '-', 1)}") from None


def _check_paths(args: argparse.Namespace) -> None:
    """Refuse bad output locations before any work (exit 2, nothing written)."""
    check_output(args.json, option="--json", allow_stdout=True)
    check_output(args.out, option="--out")
    check_output(args.scenario_out, option="--scenario-out")


def _wide(req: pd.DataFrame, sc: Scenario) -> str:
    cells = req.assign(cell=req["productive"].astype(str) + "/" + req["scheduled"].astype(str))
    table = cells.pivot(index="period", columns="channel", values="cell")[list(sc.channels)]
    table.insert(0, "time", sc.period_labels())
    return table.to_string(index=False)


def _optimised_costs(out: Any) -> dict[str, Any]:
    """``{"costs": {"wages": {analytic, optimised}, "confirmation": {kpi: stat}}}`` for a
    scenario with costs (the plans' wages, the confirmation run's money), else ``{}``."""
    wages = out.wages()
    if wages is None:
        return {}
    return {"costs": {"wages": wages, "confirmation": out.confirmation.to_dict().get("costs", {})}}


def cmd_staff(args: argparse.Namespace) -> int:
    sc = load_scenario(args.file)
    _check_paths(args)
    targets = targets_from_args(args, sc)
    templates = None
    if args.shifts:
        from sim.plan.shifts import ShiftError, load_templates

        try:
            templates = load_templates(args.shifts)
        except ShiftError as exc:
            raise BadInput(str(exc)) from None
    elif args.scenario_out:
        raise BadInput("--scenario-out: needs --shifts TEMPLATES.yaml")
    try:
        req = requirements(sc, targets)
    except StaffingError as exc:
        raise BadInput(str(exc)) from None
    payload: dict[str, Any] = {
        "scenario": sc.name,
        "method": args.method,
        "requirements": _records(req[["channel", "period", "time", "productive", "scheduled"]]),
    }
    lines = [
        f"{sc.name}: analytic requirements per channel (productive/scheduled agents), "
        f"{'Erlang C' if targets.model == 'erlang_c' else 'Erlang A/C'}",
        _wide(req, sc),
    ]
    if args.method == "erlang":
        staffing = group_requirements(sc, req)
        table = req
        wide = staffing.pivot(index="period", columns="group", values="scheduled")
        wide.insert(0, "time", sc.period_labels())
        lines += [
            "",
            "scheduled agents per group (channel needs split by skills and head count)",
            wide[["time", *sc.groups]].to_string(index=False),
        ]
    else:
        from sim.plan.optimise import OptimiseOptions, optimise

        _check_search(sc, args)
        opts = OptimiseOptions(
            replications=args.replications,
            confirm_replications=args.confirm_replications,
            max_simulations=args.max_simulations,
            seed=args.seed,
        )
        out = optimise(sc, targets, opts, progress=_progress())
        staffing = out.staffing.rename(columns={"optimised": "scheduled"})
        table = out.staffing
        payload["simulations"] = out.simulations
        payload["replications_simulated"] = out.replications_simulated
        payload["cpu_seconds"] = round(out.cpu_seconds, 3)
        payload["converged"] = out.converged
        payload["confirmation"] = {
            "seed": out.confirm_seed,
            "replications": out.confirmation.replications,
            "targets": _records(out.targets),
        }
        payload["differences"] = _records(out.differences)
        payload.update(_optimised_costs(out))
        lines += ["", out.summary()]
    payload["staffing"] = _records(staffing[["group", "period", "time", "scheduled"]])
    plan = None
    if templates is not None:
        from sim.plan.shifts import ShiftError, apply_shifts, schedule_shifts

        try:
            plan = schedule_shifts(sc, staffing, templates)
        except ShiftError as exc:
            raise BadInput(str(exc)) from None
        payload["shifts"] = {
            "paid_hours": plan.paid_hours,
            "short_agent_hours": plan.short_agent_hours,
            "groups": plan.groups_section(),
        }
        lines += ["", plan.summary()]
    text = json.dumps(payload, indent=2, allow_nan=False)
    with staged_outputs() as stage:  # --out, --scenario-out and --json: all, or none
        if args.out:
            table.to_csv(stage.file(args.out), index=False)
        if args.scenario_out and plan is not None:
            new_sc = apply_shifts(sc, plan)
            stage.file(args.scenario_out).write_text(new_sc.to_yaml(), encoding="utf-8")
        if args.json and args.json != STDOUT:
            stage.file(args.json).write_text(text + "\n", encoding="utf-8")
    if args.json == STDOUT:
        print(text)
    else:
        print("\n".join(lines))
    return EXIT_OK


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (native numbers; NaN and infinities as null)."""
    out = []
    for row in df.to_dict(orient="records"):
        out.append(
            {
                str(k): (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in row.items()
            }
        )
    return out


def _check_search(sc: Scenario, args: argparse.Namespace) -> None:
    """Refuse a simulated search that cannot fit in memory; announce a long one with
    its time at most (the whole budget of simulations)."""
    for reps, option in (
        (args.replications, "--replications"),
        (args.confirm_replications, "--confirm-replications"),
    ):
        check(estimate(sc, reps), source=args.file, replications_from=option)
    most = (
        args.max_simulations * estimate(sc, args.replications).seconds
        + estimate(sc, args.confirm_replications).seconds
    )
    notice = long_work_notice(
        f"{args.file}: at most {args.max_simulations} simulations of "
        f"{args.replications} replications (the whole budget)",
        most,
    )
    if notice:
        print(notice, file=sys.stderr)


def _progress() -> Any:
    """Each search step on stderr (a terminal only), after the time elapsed."""
    if not sys.stderr.isatty():
        return None
    start = time.monotonic()

    def show(message: str) -> None:
        elapsed = int(time.monotonic() - start)
        print(f"{elapsed // 60}:{elapsed % 60:02d} {message}", file=sys.stderr)

    return show


def cmd_report(args: argparse.Namespace) -> int:
    from sim.present.report import build_report, chart_names, png_name, write_report

    sc = load_scenario(args.file)
    whatif = load_scenario(args.whatif) if args.whatif else None
    out = Path(args.out)
    check_output(out, option="--out")
    pngs = [png_name(c) for c in chart_names(whatif=whatif is not None)]
    check_outputs_in(args.png_dir, pngs, option="--png-dir")
    targets = targets_from_args(args, sc)
    reps = sc.replications if args.replications is None else args.replications
    option = "--replications" if args.replications is not None else "replications"
    for path, scenario in ((args.file, sc), (args.whatif, whatif)):
        if scenario is not None:
            work = estimate(scenario, reps)
            check(work, source=path, replications_from=option)
            notice = long_work_notice(f"{path}: {work.describe()}", work.seconds)
            if notice:
                print(notice, file=sys.stderr)
    try:
        report = build_report(
            sc, targets=targets, whatif=whatif, replications=args.replications, seed=args.seed
        )
    except StaffingError as exc:
        raise BadInput(str(exc)) from None
    write_report(report, out, png_dir=Path(args.png_dir) if args.png_dir else None)
    print(
        f"wrote {out}"
        + (f" and {len(report.charts)} PNGs in {args.png_dir}" if args.png_dir else "")
    )
    return EXIT_OK


def _share(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f"must be a share between 0 and 1, got {text}")
    return v


def add_target_options(sp: argparse.ArgumentParser) -> None:
    """The staffing-target options (``--max-occupancy``, ``--max-asa``, ...) on ``sp``;
    read them back with :func:`targets_from_args`."""
    sp.add_argument("--max-occupancy", type=_share, help="occupancy cap of live channels (share)")
    sp.add_argument(
        "--max-asa", action="append", metavar="[CH=]S", help="ASA cap in seconds (repeatable)"
    )
    sp.add_argument(
        "--max-abandon",
        action="append",
        metavar="[CH=]SHARE",
        help="abandon-rate cap (repeatable)",
    )
    sp.add_argument("--shrinkage", type=_share, help="override the groups' shrinkage (share)")
    sp.add_argument(
        "--model",
        choices=["auto", "erlang_a", "erlang_c"],
        default="auto",
        help="auto: Erlang A where a channel has patience, else Erlang C",
    )


def add_staff_commands(sub: Any) -> None:
    """Add ``staff`` and ``report`` to the ``ccsim`` subcommands."""
    st = sub.add_parser("staff", help="agents needed per channel, group and interval")
    st.add_argument("file", help="scenario YAML file")
    st.add_argument("--method", choices=["erlang", "simulate"], default="erlang")
    st.add_argument("--json", metavar="-|PATH", help="write the JSON to PATH, or stdout with -")
    st.add_argument("--out", metavar="CSV", help="write the requirement table as CSV")
    add_target_options(st)
    st.add_argument(
        "--replications",
        "-r",
        type=positive_int,
        default=6,
        help="simulate: replications per search step (default 6)",
    )
    st.add_argument(
        "--confirm-replications",
        type=positive_int,
        default=20,
        help="simulate: replications of the confirmation run with new seeds (default 20)",
    )
    st.add_argument("--max-simulations", type=positive_int, default=300, help="simulate: budget")
    st.add_argument("--seed", "-s", type=non_negative_int, help="search seed")
    st.add_argument("--shifts", metavar="TEMPLATES.yaml", help="schedule shifts from templates")
    st.add_argument(
        "--scenario-out", metavar="YAML", help="with --shifts: write the scenario run on shifts"
    )
    st.set_defaults(func=cmd_staff)

    rp = sub.add_parser("report", help="the manager's staffing report (HTML, PNG charts)")
    rp.add_argument("file", help="scenario YAML file")
    rp.add_argument("--out", required=True, metavar="HTML", help="report file to write")
    rp.add_argument("--png-dir", metavar="DIR", help="also write one PNG per chart here")
    rp.add_argument("--whatif", metavar="YAML", help="a reallocation to cost against the file")
    rp.add_argument("--replications", "-r", type=positive_int, default=None)
    rp.add_argument("--seed", "-s", type=non_negative_int, default=None)
    add_target_options(rp)
    rp.set_defaults(func=cmd_report)
