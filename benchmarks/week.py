"""A week: CPU time of simulating ``scenarios/retail_week.yaml`` (7 days of retail_bank
size, 10 replications), median of runs, beside one day of ``retail_bank.yaml`` timed in
the same rounds (the ratio reads as "days' worth of work").

Run from the project root: ``python -m benchmarks.week`` (part of ``make bench``).
Target (issue 13): a week at 10 replications in under 10 CPU-s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from sim.config.scenario import load_scenario
from sim.measure.runner import simulate

ROOT = Path(__file__).resolve().parents[1]
TARGET_CPU_SECONDS = 10.0
REPLICATIONS = 10


def cpu_seconds(path: Path) -> float:
    sc = load_scenario(path)
    t = time.process_time()
    simulate(sc, replications=REPLICATIONS)
    return time.process_time() - t


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.week")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    week, day = ROOT / "scenarios/retail_week.yaml", ROOT / "scenarios/retail_bank.yaml"
    runs = [(cpu_seconds(week), cpu_seconds(day)) for _ in range(args.repeats)]
    w = statistics.median(r[0] for r in runs)
    d = statistics.median(r[1] for r in runs)
    verdict = "met" if w <= TARGET_CPU_SECONDS else "NOT met"
    print(
        f"week: retail_week.yaml, {REPLICATIONS} replications: {w:.2f} CPU-s, median of "
        f"{args.repeats} (one day of retail_bank.yaml {d:.2f} CPU-s, ratio {w / d:.1f}); "
        f"target <= {TARGET_CPU_SECONDS:g} CPU-s: {verdict}"
    )


if __name__ == "__main__":
    main()
