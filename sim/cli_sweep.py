"""``ccsim sweep FILE --out PATH [--workers N] [--scheduler ADDRESS|local]``.

Exit codes as for the other commands: 0 done, 2 bad input (the sweep file, the
output path or an unreachable scheduler; nothing is run or written), 1 internal
error, 130 interrupted. A stopped sweep keeps its finished variants: rerunning the
same command runs only the rest.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .cli_io import EXIT_OK, BadInput, positive_int
from .runner import Progress
from .sweep_backends import SchedulerError, default_workers
from .sweep_spec import plan_sweep
from .sweep_store import PartStore
from .sweeps import check_sweep_memory, sweep

__all__ = ["add_sweep_parser", "cmd_sweep"]


def add_sweep_parser(sub: Any) -> None:
    """Add the ``sweep`` subcommand to the ``ccsim`` subparsers ``sub``."""
    sp = sub.add_parser(
        "sweep",
        help="run every variant x replication of a sweep file into one table",
        description="Run a sweep file (base scenario + grid / zip / variants) and write "
        "one row per variant x replication x channel. Rerun to resume.",
    )
    sp.add_argument("file", help="sweep YAML file")
    sp.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="results table, .parquet or .csv (finished variants are kept in PATH.parts/)",
    )
    sp.add_argument(
        "--workers",
        "-j",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"processes at once (default: the CPU count, here {default_workers()}); "
        "with --scheduler local, the cluster size",
    )
    sp.add_argument(
        "--scheduler",
        metavar="ADDRESS|local",
        default=None,
        help="run on Dask: a scheduler address (tcp://host:8786) or 'local' for a "
        "LocalCluster on this machine (default: a local process pool)",
    )
    sp.set_defaults(func=cmd_sweep)


def _progress_bar() -> tuple[Progress | None, Any]:
    """A tqdm bar with ETA on stderr when it is a terminal; otherwise nothing."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread, so the pool can fork safely
    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc="sweep", unit="run", file=sys.stderr)
        bar["bar"].update(done - bar["bar"].n)

    def close() -> None:
        if "bar" in bar:
            bar["bar"].close()

    return update, close


def cmd_sweep(args: argparse.Namespace) -> int:
    plan = plan_sweep(args.file)
    store = PartStore(args.out)
    keys = {v.key for v in plan.variants}
    local = args.scheduler in (None, "local")  # a remote cluster has its own memory
    check_sweep_memory(plan, list(plan.variants), args.workers if local else 1, len(keys))
    resumed = len(store.finished(keys))
    print(
        f"{args.file}: {len(plan.variants)} variants x {plan.replications} replications, "
        f"seed {plan.seed}"
        + (f"; {resumed} finished variants found in {store.parts}" if resumed else ""),
        file=sys.stderr,
    )
    progress, close = _progress_bar()
    try:
        table = sweep(
            plan,
            out=store.out,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=progress,
        )
    except SchedulerError as exc:
        close()
        raise BadInput(f"--{exc}") from None
    except BaseException:
        close()
        saved = len(store.finished(keys))
        print(
            f"stopped: {saved} of {len(keys)} variants are saved in {store.parts}; "
            "rerun the same command to resume",
            file=sys.stderr,
        )
        raise
    close()
    print(
        f"{store.out}: {len(table)} rows ({len(plan.variants)} variants x "
        f"{plan.replications} replications x channels); "
        f"{len(keys) - resumed} variants run, {resumed} resumed"
    )
    return EXIT_OK
