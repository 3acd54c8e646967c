"""``ccsim``: the command line, a thin layer over the Python API.

Exit codes: 0 success, 2 bad input (a message naming the field, no traceback, no
output files written), 1 internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .cli_io import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    BadInput,
    atomic_dir,
    emit_json,
    non_negative_int,
    positive_int,
)
from .results import Result
from .runner import Progress, compare, simulate
from .scenario import Scenario, ScenarioError, load_scenario
from .workload import check, estimate, long_work_notice


def _progress_bar(total_label: str) -> tuple[Progress | None, Callable[[], None]]:
    """A tqdm bar on stderr when it is a terminal; otherwise nothing."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar: dict[str, tqdm] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=total_label, unit="rep", file=sys.stderr)
        bar["bar"].update(done - bar["bar"].n)

    def close() -> None:
        if "bar" in bar:
            bar["bar"].close()

    return update, close


def _run(
    sc: Scenario, args: argparse.Namespace, label: str, path: str, option: bool = False
) -> Result:
    """Simulate with the bar; first refuse what cannot fit in memory, naming ``path``
    (and ``--replications`` when ``option`` says the count came from it)."""
    work = estimate(sc, args.replications)
    check(work, source=path, replications_from="--replications" if option else "replications")
    notice = long_work_notice(f"{path}: {work.describe()}", work.seconds)
    if notice:  # long work is announced; on a terminal the bar with its ETA follows
        print(notice, file=sys.stderr)
    progress, close = _progress_bar(label)
    try:
        return simulate(sc, replications=args.replications, seed=args.seed, progress=progress)
    finally:
        close()


def _check_output_targets(args: argparse.Namespace) -> None:
    json_path = getattr(args, "json", None)
    if json_path and json_path != "-":
        parent = Path(json_path).resolve().parent
        if not parent.is_dir():
            raise BadInput(f"--json: directory {parent} does not exist")
    out = getattr(args, "out", None)
    if out and Path(out).exists() and not Path(out).is_dir():
        raise BadInput(f"--out: {out} exists and is not a directory")


TABLE_KPIS = (
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "asa",
    "abandon_rate",
    "aht",
    "redialled",
    "switched_out",
)
"""Channel KPIs in the table `ccsim run` prints."""


def _fmt_table(res: Result) -> str:
    df = res.channels
    rows = df[df["kpi"].isin(TABLE_KPIS)]
    cells = rows.assign(
        value=[
            _fmt(k, m, c) for k, m, c in zip(rows["kpi"], rows["mean"], rows["ci95"], strict=True)
        ]
    )
    table = cells.pivot(index="channel", columns="kpi", values="value")
    table = table.reindex(index=list(res.scenario.channels), columns=list(TABLE_KPIS))
    occ = res.groups[res.groups["kpi"] == "occupancy"]
    lines = [
        f"{res.scenario.name}: {res.replications} replications, seed {res.seed} "
        "(mean ± 95% CI half-width)",
        table.to_string(),
        "",
        "occupancy  "
        + "   ".join(
            f"{g}: {_fmt('share', m, c)}"
            for g, m, c in zip(occ["group"], occ["mean"], occ["ci95"], strict=True)
        ),
    ]
    j = res.journeys.set_index("kpi")["mean"]
    lines.append(
        f"journeys   customers {j['customers']:.0f}, resolved {j['resolved']:.0f}, "
        f"lost {j['lost']:.0f}, max attempts {j['max_attempts']:.0f}, "
        f"contacts per journey {j['mean_attempts']:.3f}"
    )
    return "\n".join(lines)


def _fmt(kpi: str, mean: float, ci: float) -> str:
    if pd.isna(mean):
        return "-"
    ci_s = "" if pd.isna(ci) else ci
    if kpi in ("service_level", "abandon_rate", "share", "occupancy"):
        return f"{mean:.1%}" + ("" if ci_s == "" else f" ±{ci:.1%}")
    if kpi in ("asa", "aht", "mean_wait", "delta_s"):
        return f"{mean:.1f}s" + ("" if ci_s == "" else f" ±{ci:.1f}")
    return f"{mean:.1f}" + ("" if ci_s == "" else f" ±{ci:.1f}")


def cmd_validate(args: argparse.Namespace) -> int:
    sc = load_scenario(args.file)
    print(
        f"{args.file}: ok ({sc.name}: {len(sc.channels)} channels, {len(sc.groups)} groups, "
        f"{sc.periods} periods of {sc.interval_minutes} min)"
    )
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    sc = load_scenario(args.file)
    _check_output_targets(args)
    res = _run(sc, args, sc.name, args.file, args.replications is not None)
    if args.out:
        with atomic_dir(Path(args.out)) as tmp:
            res.channels.to_csv(tmp / "summary.csv", index=False)
            res.intervals.to_csv(tmp / "intervals.csv", index=False)
            res.groups.to_csv(tmp / "groups.csv", index=False)
            res.group_intervals.to_csv(tmp / "group_intervals.csv", index=False)
            res.journeys.to_csv(tmp / "journeys.csv", index=False)
            res.flows.to_csv(tmp / "flows.csv", index=False)
            (tmp / "result.json").write_text(res.to_json() + "\n", encoding="utf-8")
    if args.json:
        emit_json(res.to_json(), args.json)
    if args.json != "-":
        print(_fmt_table(res))
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    base_sc = load_scenario(args.base)
    what_sc = load_scenario(args.whatif)
    _check_output_targets(args)
    seed = base_sc.seed if args.seed is None else args.seed
    option = args.replications is not None
    reps = base_sc.replications if args.replications is None else args.replications
    args.seed, args.replications = seed, reps
    base = _run(base_sc, args, f"baseline {base_sc.name}", args.base, option)
    whatif = _run(what_sc, args, f"what-if {what_sc.name}", args.whatif, option)
    table = compare(base, whatif)
    if args.json:
        channels: dict[str, dict[str, Any]] = {}
        payload: dict[str, Any] = {
            "base": base_sc.name,
            "whatif": what_sc.name,
            "seed": seed,
            "replications": reps,
            "channels": channels,
        }
        for _, r in table.iterrows():
            channels.setdefault(r["channel"], {})[r["kpi"]] = {
                k: (None if pd.isna(r[k]) else float(r[k]))
                for k in ("base", "whatif", "delta", "ci95")
            }
        emit_json(json.dumps(payload, indent=2, allow_nan=False), args.json)
    if args.json != "-":
        kpis = args.kpi or ["service_level", "asa", "abandon_rate", "offered", "abandoned"]
        shown = table[table["kpi"].isin(kpis)]
        print(
            f"what-if {what_sc.name} vs baseline {base_sc.name}: {reps} paired replications, "
            f"seed {seed}"
        )
        print(
            shown.assign(
                significant=(shown["delta"].abs() > shown["ci95"]).map({True: "*", False: ""})
            ).to_string(index=False, float_format=lambda x: f"{x:.4g}")
        )
        print("* the 95% interval of the paired difference excludes 0")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ccsim",
        description="Omnichannel contact-centre simulator: customers hop between channels.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    def sim_opts(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--replications",
            "-r",
            type=positive_int,
            default=None,
            help="replications (default: the scenario's)",
        )
        sp.add_argument(
            "--seed",
            "-s",
            type=non_negative_int,
            default=None,
            help="random seed (default: the scenario's)",
        )
        sp.add_argument(
            "--json",
            metavar="-|PATH",
            default=None,
            help="write the JSON result to PATH, or stdout with -",
        )

    run = sub.add_parser("run", help="simulate a scenario and print its KPIs")
    run.add_argument("file", help="scenario YAML file")
    sim_opts(run)
    run.add_argument("--out", metavar="DIR", help="write summary and per-interval CSVs here")
    run.set_defaults(func=cmd_run)

    cmp_ = sub.add_parser("compare", help="paired what-if vs baseline deltas per channel KPI")
    cmp_.add_argument("base", help="baseline scenario YAML")
    cmp_.add_argument("whatif", help="what-if scenario YAML")
    sim_opts(cmp_)
    cmp_.add_argument("--kpi", action="append", help="KPI to show (repeatable)")
    cmp_.set_defaults(func=cmd_compare)

    val = sub.add_parser("validate", help="check a scenario file")
    val.add_argument("file")
    val.set_defaults(func=cmd_validate)

    from forecasting.cli import add_commands  # forecast, backtest, calibrate

    add_commands(sub)

    from .cli_staff import add_staff_commands  # staff, report

    add_staff_commands(sub)

    from .cli_sweep import add_sweep_parser  # here: cli_sweep imports this module

    add_sweep_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("CCSIM_DEBUG"):
            raise
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
