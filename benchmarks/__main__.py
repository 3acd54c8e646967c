"""Engine speed: contacts simulated per CPU-second (medians over repeats).

Run from the project root: ``python -m benchmarks`` (``make bench``). Reports, for the
two Erlang-A single-queue cases of the engine issue and for the default scenario:

* engine: ``run_replication`` alone (the event loop and its batched draws);
* end to end: ``simulate`` with one replication (engine + every KPI table);
* ratio: engine speed / the textbook SimPy model (one process per customer) timed in
  the same process on the same case, which cancels most machine noise.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import sim
from sim.engine import compile_scenario, run_replication
from sim.streams import replication_seeds

from .reference import run_reference

ROOT = Path(__file__).resolve().parents[1]


def single_queue(per_min: float, aht: float, agents: int, patience: float, hours: int):
    return sim.parse_scenario(
        {
            "name": f"{agents} agents",
            "interval_minutes": 30,
            "periods": hours * 2,
            "channels": {
                "voice": {
                    "arrivals": per_min * 30,
                    "handle_time": {"distribution": "exponential", "mean": aht},
                    "patience": {"distribution": "exponential", "mean": patience},
                }
            },
            "groups": {"agents": {"skills": ["voice"], "agents": agents}},
        }
    )


def cpu(fn):
    t = time.process_time()
    out = fn()
    return out, time.process_time() - t


def bench_case(name: str, sc: sim.Scenario, repeats: int, reference=None) -> dict:
    model = compile_scenario(sc)
    seeds = replication_seeds(1, repeats)
    engine, e2e, ref = [], [], []
    for i, ss in enumerate(seeds):
        run, dt = cpu(lambda ss=ss: run_replication(model, ss))
        engine.append(len(run.arrival) / dt)
        res, dt = cpu(lambda i=i: sim.simulate(sc, replications=1, seed=i + 100))
        e2e.append(res.channel_reps["offered"].sum() / dt)  # counted contacts (no warm-up)
        if reference is not None:
            n, dt = cpu(lambda i=i: reference(seed=i))
            ref.append(n / dt)
    row = {
        "case": name,
        "contacts": len(run.arrival),
        "engine": statistics.median(engine),
        "end_to_end": statistics.median(e2e),
    }
    if ref:
        row["reference"] = statistics.median(ref)
        row["ratio"] = statistics.median(e / r for e, r in zip(engine, ref, strict=True))
    return row


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks")
    p.add_argument("--repeats", type=int, default=7, help="runs per case (median reported)")
    args = p.parse_args()
    rows = []
    for per_min, aht, agents, pat, hours in ((10, 300, 55, 120, 24), (100, 240, 410, 180, 8)):
        sc = single_queue(per_min, aht, agents, pat, hours)
        ref = lambda seed, per_min=per_min, aht=aht, agents=agents, pat=pat, hours=hours: (  # noqa: E731
            run_reference(per_min / 60, aht, pat, agents, min(hours, 4) * 3600, seed)
        )
        rows.append(
            bench_case(
                f"Erlang A: {per_min}/min, AHT {aht}s, {agents} agents", sc, args.repeats, ref
            )
        )
    bank = sim.load_scenario(ROOT / "scenarios" / "retail_bank.yaml")
    rows.append(bench_case(f"retail_bank.yaml ({len(bank.channels)} channels)", bank, args.repeats))
    print(f"contacts simulated per CPU-second, median of {args.repeats} runs")
    print(
        f"{'case':44s} {'contacts':>9s} {'engine':>10s} {'end-to-end':>11s} "
        f"{'textbook SimPy':>15s} {'engine/textbook':>16s}"
    )
    for r in rows:
        ref = f"{r['reference']:>15,.0f} {r['ratio']:>15.1f}x" if "reference" in r else ""
        print(
            f"{r['case']:44s} {r['contacts']:>9,d} {r['engine']:>10,.0f} "
            f"{r['end_to_end']:>11,.0f} {ref}"
        )
    print("targets: engine >= 400,000/s on the single queues, >= 150,000/s on retail_bank")


if __name__ == "__main__":
    main()
