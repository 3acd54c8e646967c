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

from sim.cli.io import EXIT_OK, BadInput, positive_int
from sim.measure.runner import Progress
from sim.measure.workload import SWEEP_SECONDS_PER_VARIANT, estimate, long_work_notice
from sim.sweeps.backends import SchedulerError, default_workers
from sim.sweeps.run import check_sweep_memory, sweep
from sim.sweeps.spec import plan_sweep
from sim.sweeps.store import PartStore

PLAN_BAR_VARIANTS = 2_000
"""Sweeps of at least this many variants show a bar while they are planned."""

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


def _progress_bar(desc: str = "sweep", unit: str = "run") -> tuple[Progress | None, Any]:
    """A tqdm bar with ETA on stderr when it is a terminal; otherwise nothing."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread, so the pool can fork safely
    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr)
        bar["bar"].update(done - bar["bar"].n)

    def close() -> None:
        if "bar" in bar:
            bar["bar"].close()

    return update, close


def _plan_progress() -> tuple[Progress | None, Any]:
    """A planning bar for sweeps of :data:`PLAN_BAR_VARIANTS` variants or more."""
    update, close = _progress_bar("plan", "variant")
    if update is None:
        return None, close

    def big_only(done: int, total: int) -> None:
        if total >= PLAN_BAR_VARIANTS:
            update(done, total)

    return big_only, close


def cmd_sweep(args: argparse.Namespace) -> int:
    plan_progress, plan_close = _plan_progress()
    try:
        plan = plan_sweep(args.file, progress=plan_progress)
    finally:
        plan_close()
    store = PartStore(args.out)
    keys = {v.key for v in plan.variants}
    local = args.scheduler in (None, "local")  # a remote cluster has its own memory
    check_sweep_memory(plan, list(plan.variants), args.workers if local else 1, len(keys))
    resumed = len(store.finished(keys))
    workers = args.workers or default_workers()
    work = estimate(plan.base, plan.replications)
    seconds = (len(keys) - resumed) * (work.seconds / workers + SWEEP_SECONDS_PER_VARIANT)
    head = (
        f"{args.file}: {len(plan.variants)} variants x {plan.replications} replications, "
        f"seed {plan.seed}"
        + (f"; {resumed} finished variants found in {store.parts}" if resumed else "")
    )
    print(long_work_notice(head, seconds) or head, file=sys.stderr)
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
