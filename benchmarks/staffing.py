"""Staffing speed: time to optimise ``scenarios/retail_bank.yaml`` with the simulator.

Run from the project root: ``python -m benchmarks.staffing`` (part of ``make bench``).
Reports the analytic requirement's time, then the simulation optimiser's simulations,
replications, CPU seconds, whether it converged, agent-hours against per-channel
Erlang and the confirmation run's service level per channel (new seeds).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import sim
from sim.plan.optimise import OptimiseOptions, optimise
from sim.plan.staffing import requirements

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "retail_bank.yaml"))
    ap.add_argument("--replications", type=int, default=6, help="per search step")
    ap.add_argument("--max-simulations", type=int, default=300)
    args = ap.parse_args(argv)
    sc = sim.load_scenario(args.scenario)
    cpu = time.process_time()
    req = requirements(sc)
    print(
        f"{sc.name}: analytic requirement ({len(req)} channel-intervals) "
        f"{time.process_time() - cpu:.2f} CPU s"
    )
    wall = time.perf_counter()
    out = optimise(
        sc,
        options=OptimiseOptions(
            replications=args.replications, max_simulations=args.max_simulations
        ),
    )
    hours = sc.interval_minutes / 60
    print(
        f"simulation optimiser: {out.simulations} simulations, "
        f"{out.replications_simulated} replications, {out.cpu_seconds:.1f} CPU s "
        f"({time.perf_counter() - wall:.1f} s wall), "
        + ("converged" if out.converged else "stopped by the budget")
    )
    print(
        f"agent-hours: per-channel Erlang {out.staffing['analytic'].sum() * hours:g}, "
        f"optimised {out.staffing['optimised'].sum() * hours:g}"
    )
    for r in out.targets.itertuples():
        print(
            f"  {r.channel:10s} {r.kpi} {r.mean:.3f} ± {r.ci95:.3f} (target {r.target:g}, "
            f"confidence {r.confidence:.3f}, intervals met {r.intervals_met:.0%})"
        )


if __name__ == "__main__":
    main()
