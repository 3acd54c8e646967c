"""Staffing speed: time to optimise ``scenarios/retail_bank.yaml`` with the simulator.

Run from the project root: ``python -m benchmarks.staffing`` (part of ``make bench``).
Reports the analytic requirement's time, then the simulation optimiser's CPU seconds
(median of ``--repeat`` runs; the search is deterministic, so every run gives the same
answer) against the target, its simulations (plans evaluated) and replications, whether
it converged, agent-hours against per-channel Erlang, and the answer's quality: the
confirmation run's (new seeds) mean ± 95% CI per target, the confidence that it is met
and the share of intervals meeting it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import sim
from sim.plan.optimise import Optimised, OptimiseOptions, optimise
from sim.plan.staffing import requirements

ROOT = Path(__file__).resolve().parents[1]
TARGET_CPU_SECONDS = 15.0  # issue 11, part 4: the optimiser on retail_bank.yaml


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "retail_bank.yaml"))
    ap.add_argument("--replications", type=int, default=6, help="per search step")
    ap.add_argument("--max-simulations", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3, help="runs; CPU seconds are their median")
    ap.add_argument(
        "--no-early-reject",
        action="store_true",
        help="simulate every replication of every removal (the search before early rejection)",
    )
    args = ap.parse_args(argv)
    sc = sim.load_scenario(args.scenario)
    cpu = time.process_time()
    req = requirements(sc)
    print(
        f"{sc.name}: analytic requirement ({len(req)} channel-intervals) "
        f"{time.process_time() - cpu:.2f} CPU s"
    )
    opts = OptimiseOptions(
        replications=args.replications,
        max_simulations=args.max_simulations,
        early_reject=not args.no_early_reject,
    )
    runs: list[Optimised] = []
    walls: list[float] = []
    for _ in range(max(1, args.repeat)):
        wall = time.perf_counter()
        runs.append(optimise(sc, options=opts))
        walls.append(time.perf_counter() - wall)
    out = runs[-1]
    cpu_s = statistics.median(r.cpu_seconds for r in runs)
    hours = sc.interval_minutes / 60
    print(
        f"simulation optimiser: {cpu_s:.1f} CPU s (median of {len(runs)}: "
        + ", ".join(f"{r.cpu_seconds:.1f}" for r in runs)
        + f"; {statistics.median(walls):.1f} s wall), target <= {TARGET_CPU_SECONDS:g} CPU s: "
        + ("met" if cpu_s <= TARGET_CPU_SECONDS else "NOT met")
    )
    print(
        f"  {out.simulations} simulations, {out.replications_simulated} replications "
        f"({opts.replications} per plan at most, early rejection "
        + ("on" if opts.early_reject else "off")
        + "), "
        + ("converged" if out.converged else "stopped by the budget")
    )
    print(
        f"agent-hours: per-channel Erlang {out.staffing['analytic'].sum() * hours:g}, "
        f"optimised {out.staffing['optimised'].sum() * hours:g}"
    )
    print(f"confirmation: {out.confirmation.replications} replications, seed {out.confirm_seed}")
    for r in out.targets.itertuples():
        print(
            f"  {r.channel:10s} {r.kpi} {r.mean:.3f} ± {r.ci95:.3f} (target {r.target:g}, "
            f"confidence {r.confidence:.3f}, intervals met {r.intervals_met:.0%}"
            + (")" if r.met else ") MISSED")
        )


if __name__ == "__main__":
    main()
