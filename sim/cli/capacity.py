"""``ccsim capacity PLAN.yaml``: required vs available FTE per week and group, the gap,
the hiring that closes it and the cost (:mod:`sim.plan.capacity`).

Errors follow the CLI's rules: a bad plan exits 2 naming the field; ``--json``,
``--csv``, ``--parquet`` and ``--chart`` are checked before any work and written all
together, or none.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sim.cli.io import EXIT_OK, STDOUT, BadInput, check_output, staged_outputs

__all__ = ["add_capacity_parser", "cmd_capacity"]


def cmd_capacity(args: argparse.Namespace) -> int:
    from sim.config.capacity import CapacityError
    from sim.plan.capacity import capacity

    for value, option in (
        (args.json, "--json"),
        (args.csv, "--csv"),
        (args.parquet, "--parquet"),
        (args.chart, "--chart"),
    ):
        check_output(value, option=option, allow_stdout=option == "--json")
    try:
        result = capacity(args.plan)
    except CapacityError as exc:
        raise BadInput(str(exc)) from None
    text = json.dumps(result.to_dict(), indent=2, allow_nan=False)
    with staged_outputs() as stage:
        if args.csv:
            result.table.to_csv(stage.file(args.csv), index=False)
        if args.parquet:
            result.table.to_parquet(stage.file(args.parquet), index=False)
        if args.chart:
            from sim.present.capacity import capacity_chart

            stage.file(args.chart).write_text(capacity_chart(result).to_html(), encoding="utf-8")
        if args.json and args.json != STDOUT:
            stage.file(args.json).write_text(text + "\n", encoding="utf-8")
    if args.json == STDOUT:
        print(text)
    else:
        print(result.summary())
    return EXIT_OK


def add_capacity_parser(sub: Any) -> None:
    """Add ``capacity`` to the ``ccsim`` subcommands."""
    cp = sub.add_parser("capacity", help="long-term capacity plan: FTE gap, hiring, cost per week")
    cp.add_argument("plan", help="capacity plan YAML (e.g. scenarios/capacity_plan.yaml)")
    cp.add_argument("--json", metavar="-|PATH", help="write the JSON to PATH, or stdout with -")
    cp.add_argument("--csv", metavar="PATH", help="write the week x group table as CSV")
    cp.add_argument("--parquet", metavar="PATH", help="write the week x group table as Parquet")
    cp.add_argument("--chart", metavar="OUT.html", help="write the chart (Altair, HTML)")
    cp.set_defaults(func=cmd_capacity)
