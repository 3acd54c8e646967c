"""Sweep throughput: wall time with 1 and 2 workers, and the per-task overhead of each backend.

Run from the project root: ``python -m benchmarks.sweep`` (part of ``make bench``).

* The sweep is ``scenarios/sweep_staffing.yaml`` (25 variants x 10 replications =
  250 variant-replications of the retail bank day), run end to end through
  :func:`sim.sweep` (backend start-up included): in this process (``workers=1``),
  in a pool of 1 and of 2 worker processes, and on a 2-worker Dask LocalCluster
  (cluster start-up reported apart). Median wall time of ``--repeats`` runs.
* ``cores used`` = CPU time of this process and its workers / wall time: below the
  worker count when other work shares the machine, which caps any speedup.
* Per-task overhead: many of the smallest tasks (a one-interval queue, one
  replication per task) on an already started pool and cluster with 2 workers;
  overhead per task = (wall x workers - time spent inside tasks) / tasks. On Dask,
  :func:`sim.sweep` batches replications of a variant into one task to amortise it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import psutil

import sim
from sim.sweeps.backends import DaskBackend, PoolBackend, split
from sim.sweeps.tasks import Task

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ROOT / "scenarios" / "sweep_staffing.yaml"
TARGET_SPEEDUP = 1.8


def cpu_now() -> float:
    """CPU seconds of this process, its finished children and its live descendants."""
    t = os.times()
    total = t.user + t.system + t.children_user + t.children_system
    for proc in psutil.Process().children(recursive=True):
        try:
            c = proc.cpu_times()
        except psutil.Error:  # ended meanwhile
            continue
        total += c.user + c.system
    return total


def measure(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall time (s) of ``fn()`` and the cores it used (CPU time / wall time)."""
    c, t = cpu_now(), time.perf_counter()
    fn()
    wall = time.perf_counter() - t
    return wall, (cpu_now() - c) / wall


def tiny_tasks(n: int) -> list[Task]:
    """``n`` of the smallest tasks: a one-interval queue with a handful of calls.

    They still build every KPI table (pandas), so each takes some milliseconds.
    """
    sc = sim.parse_scenario(
        {
            "name": "tiny",
            "interval_minutes": 5,
            "periods": 1,
            "channels": {
                "voice": {
                    "arrivals": 5,
                    "handle_time": {"distribution": "exponential", "mean": 60},
                }
            },
            "groups": {"agents": {"skills": ["voice"], "agents": 2}},
        }
    )
    return [Task("tiny", sc, (r,), 1) for r in range(n)]


def overhead_ms(backend: PoolBackend | DaskBackend, tasks: list[Task]) -> tuple[float, float]:
    """(overhead per task, time inside a task), ms, on a started backend (median of 3)."""
    list(backend.run(tasks[:50]))  # warm: workers started, modules imported
    overheads, inside = [], []
    for _ in range(3):
        t = time.perf_counter()
        results = list(backend.run(tasks))
        wall = time.perf_counter() - t
        busy = sum(r.seconds for r in results)
        overheads.append((wall * backend.workers - busy) / len(tasks) * 1000)
        inside.append(busy / len(tasks) * 1000)
    return statistics.median(overheads), statistics.median(inside)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.sweep")
    p.add_argument("--repeats", type=int, default=3, help="runs per case (median reported)")
    p.add_argument("--tiny", type=int, default=500, help="smallest tasks for the overhead")
    args = p.parse_args()

    plan = sim.plan_sweep(SWEEP)
    n = plan.tasks
    load = os.getloadavg()[0]
    print(
        f"sweep: {SWEEP.relative_to(ROOT)}: {len(plan.variants)} variants x "
        f"{plan.replications} replications = {n} variant-replications; "
        f"{os.cpu_count()} CPUs, load average {load:.2f} at start"
    )
    reference = sim.sweep(plan, workers=1)  # also warms this process
    tasks = [
        Task(v.key, v.scenario, (r,), plan.seed)
        for v in plan.variants
        for r in range(plan.replications)
    ]

    def pool(workers: int) -> Callable[[], object]:
        def run() -> object:
            with PoolBackend(workers) as b:
                return list(b.run(tasks))

        return run

    in_process = ("1 worker, in process (--workers 1)", lambda: sim.sweep(plan, workers=1))
    local: list[tuple[str, Callable[[], object]]] = [
        in_process,
        ("1 worker process (pool)", pool(1)),
        ("2 worker processes (--workers 2)", lambda: sim.sweep(plan, workers=2)),
    ]
    # rounds of every case in turn, so the cases of a round share the machine's load;
    # the pool first, while this process has no other thread (so workers are forked)
    rounds = [[measure(fn) for _, fn in local] for _ in range(args.repeats)]
    tiny = tiny_tasks(args.tiny)
    with PoolBackend(2) as pool2:
        pool_over, pool_inside = overhead_ms(pool2, tiny)

    start = time.perf_counter()
    with DaskBackend("local", 2) as dask:
        cluster_start = time.perf_counter() - start
        table = sim.sweep(plan, scheduler=dask.client)  # also warms the workers' imports
        assert table.equals(reference), "Dask rows differ from the serial rows"
        on_dask = (
            "2 Dask workers (LocalCluster, started)",
            lambda: sim.sweep(plan, scheduler=dask.client),
        )
        dask_rounds = [
            [measure(fn) for _, fn in (in_process, on_dask)] for _ in range(args.repeats)
        ]
        dask_over, dask_inside = overhead_ms(dask, tiny)
        dask_chunk = dask.chunk_size(n, plan.replications)
        dask_tasks = len(plan.variants) * len(split(plan.replications, dask_chunk))

    print(
        f"\nmedian of {args.repeats} rounds; speedup = in-process wall / wall, in each round\n"
        f"{'backend':42s} {'wall s':>8s} {'per task ms':>12s} {'cores used':>11s} {'speedup':>8s}"
    )

    def row(name: str, runs: list[list[tuple[float, float]]], i: int) -> float:
        wall = statistics.median(r[i][0] for r in runs)
        cores = statistics.median(r[i][1] for r in runs)
        ratio = statistics.median(r[0][0] / r[i][0] for r in runs)
        print(f"{name:42s} {wall:8.2f} {wall / n * 1000:12.1f} {cores:11.2f} {ratio:7.2f}x")
        return ratio

    speedups = [row(name, rounds, i) for i, (name, _) in enumerate(local)]
    row(on_dask[0], dask_rounds, 1)
    scaling = statistics.median(r[1][0] / r[2][0] for r in rounds)
    print(
        f"\nspeedup, 2 workers vs 1 in process: {speedups[2]:.2f}x; vs 1 worker process: "
        f"{scaling:.2f}x (target >= {TARGET_SPEEDUP}x on 2 free cores; 'cores used' "
        "below 2 means other work had the rest)"
    )
    print(f"Dask LocalCluster start-up (2 workers): {cluster_start:.1f} s, not in the wall above")
    print(
        f"per-task overhead, {args.tiny} smallest tasks ({pool_inside:.2f} ms inside each), "
        f"2 workers, median of 3:"
    )
    print(f"  process pool {pool_over:7.2f} ms/task")
    print(f"  Dask         {dask_over:7.2f} ms/task  ({dask_inside:.2f} ms inside each)")
    print(f"  Dask - pool  {dask_over - pool_over:7.2f} ms/task")
    print(
        f"(sim.sweep on Dask batches replications: this sweep ran as {dask_tasks} Dask tasks "
        f"of up to {dask_chunk} replications, so ~{dask_over / n * dask_tasks:.2f} ms "
        "of Dask overhead per variant-replication)"
    )
    print(
        f"load average at end {os.getloadavg()[0]:.2f} (other work on the machine slows every row)"
    )


if __name__ == "__main__":
    main()
