"""Engine speed: contacts simulated per CPU-second (medians over repeats).

Run from the project root: ``python -m benchmarks`` (``make bench``). Three workloads:

* one long replication of the two Erlang-A single-queue cases: ``run_replication``
  alone (engine), and ``simulate`` with one replication (end to end: engine + every
  KPI table);
* ``retail_bank.yaml`` (five channels, journeys), engine only;
* ``retail_bank.yaml`` with two journey-shaping rules (an offer and a prioritise rule),
  engine only, with its speed relative to the same replications without rules;
* many short replications: a 16-interval single-queue day x 300 replications, end to
  end through ``ccsim run --json -`` (in this process: scenario reading, engine, KPIs,
  summaries over replications and the JSON).

Speeds are compared with two references timed in the same process on the same queue
(M/M/c+M, same rates): the textbook SimPy model (one process per customer,
:mod:`benchmarks.reference`) and ciw (:mod:`benchmarks.ciw_reference`). A ratio is the
median over repeats of (ours / reference) within a repeat, which cancels most of the
noise of a shared machine. The references stop at their horizon and count arrivals.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import sim
from sim.cli.ccsim import main as ccsim
from sim.engine import compile_scenario, run_replication
from sim.engine.streams import replication_seeds

from .ciw_reference import run_ciw
from .reference import run_reference

ROOT = Path(__file__).resolve().parents[1]
TARGET_CIW_RATIO = 15.0
TARGET_RETAIL_BANK = 250_000  # contacts per CPU-second, engine only


@dataclass(frozen=True)
class Queue:
    """An M/M/c+M single queue: arrivals per minute, means in seconds."""

    per_min: float
    aht: float
    agents: int
    patience: float
    hours: int

    def scenario_data(self) -> dict[str, Any]:
        return {
            "name": f"{self.agents} agents",
            "interval_minutes": 30,
            "periods": self.hours * 2,
            "channels": {
                "voice": {
                    "arrivals": self.per_min * 30,
                    "handle_time": {"distribution": "exponential", "mean": self.aht},
                    "patience": {"distribution": "exponential", "mean": self.patience},
                }
            },
            "groups": {"agents": {"skills": ["voice"], "agents": self.agents}},
        }

    def scenario(self) -> sim.Scenario:
        return sim.parse_scenario(self.scenario_data())

    def references(self, hours: float) -> dict[str, Callable[[int], int]]:
        """Reference runs of ``hours`` hours: seed -> customers simulated."""
        args = (self.per_min / 60, self.aht, self.patience, self.agents, hours * 3600)
        return {
            "textbook SimPy": lambda seed: run_reference(*args, seed),
            "ciw": lambda seed: run_ciw(*args, seed),
        }


def single_queue(per_min: float, aht: float, agents: int, patience: float, hours: int):
    """The Erlang-A case as a scenario (kept for callers of the old helper)."""
    return Queue(per_min, aht, agents, patience, hours).scenario()


def cpu(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """``fn(*args, **kwargs)`` and the CPU seconds it took."""
    t = time.process_time()
    out = fn(*args, **kwargs)
    return out, time.process_time() - t


@dataclass
class Row:
    """Speeds (contacts per CPU-second) per repeat, by what was timed."""

    case: str
    contacts: int = 0
    speeds: dict[str, list[float]] = field(default_factory=dict)

    def add(self, what: str, contacts: float, seconds: float) -> None:
        self.speeds.setdefault(what, []).append(contacts / seconds)

    def median(self, what: str) -> float:
        return statistics.median(self.speeds[what])

    def ratio(self, what: str, reference: str) -> float:
        pairs = zip(self.speeds[what], self.speeds[reference], strict=True)
        return statistics.median(a / b for a, b in pairs)


def long_replication(q: Queue, repeats: int, reference_hours: float) -> Row:
    sc = q.scenario()
    model = compile_scenario(sc)
    refs = q.references(reference_hours)
    row = Row(f"Erlang A: {q.per_min:g}/min, AHT {q.aht:g}s, {q.agents} agents, {q.hours} h")
    for i, ss in enumerate(replication_seeds(1, repeats)):
        run, dt = cpu(run_replication, model, ss)
        row.contacts = len(run.arrival)
        row.add("engine", len(run.arrival), dt)
        res, dt = cpu(sim.simulate, sc, replications=1, seed=i + 100)
        row.add("end to end", res.channel_reps["offered"].sum(), dt)  # no warm-up
        for name, ref in refs.items():
            n, dt = cpu(ref, i)
            row.add(name, n, dt)
    return row


def retail_bank(repeats: int) -> Row:
    bank = sim.load_scenario(ROOT / "scenarios" / "retail_bank.yaml")
    model = compile_scenario(bank)
    row = Row(f"retail_bank.yaml ({len(bank.channels)} channels)")
    for ss in replication_seeds(1, repeats):
        run, dt = cpu(run_replication, model, ss)
        row.contacts = len(run.arrival)
        row.add("engine", len(run.arrival), dt)
    return row


RETAIL_BANK_RULES = [
    {
        "name": "offer chat when the phone queue is long",
        "when": {"channel": "voice", "waiting_at_least": 10},
        "do": {"offer": "chat", "accept": 0.4},
    },
    {
        "name": "blended team to email when the backlog is old",
        "when": {"channel": "email", "oldest_over": 10800},
        "do": {"prioritise": "email", "groups": ["blended"]},
    },
]
"""Two journey-shaping rules timed on ``retail_bank.yaml`` (issue 16)."""


def retail_bank_shaped(repeats: int) -> Row:
    """``retail_bank.yaml`` with :data:`RETAIL_BANK_RULES`, engine only, each repeat
    timed beside the same replication without rules (``/ no rules`` is the median of
    the per-repeat ratios of speeds)."""
    bank = sim.load_scenario(ROOT / "scenarios" / "retail_bank.yaml")
    shaped = bank.updated({"shaping": RETAIL_BANK_RULES})
    plain, model = compile_scenario(bank), compile_scenario(shaped)
    row = Row(f"retail_bank.yaml + {len(RETAIL_BANK_RULES)} shaping rules")
    for ss in replication_seeds(1, repeats):
        run, dt = cpu(run_replication, model, ss)
        row.contacts = len(run.arrival)
        row.add("engine", len(run.arrival), dt)
        run, dt = cpu(run_replication, plain, ss)
        row.add("no rules", len(run.arrival), dt)
    return row


def short_replications(q: Queue, replications: int, repeats: int, reference_reps: int) -> Row:
    """``ccsim run FILE -r N --json -`` in this process, against the references on the
    same day (``reference_reps`` replications of it per repeat)."""
    refs = q.references(q.hours)
    row = Row(f"{q.hours * 2}-interval day x {replications} replications (ccsim run --json -)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "day.yaml"
        path.write_text(yaml.safe_dump(q.scenario_data()))
        argv = ["run", str(path), "-r", str(replications), "--seed", "1", "--json", "-"]
        for i in range(repeats):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code, dt = cpu(ccsim, argv)
            assert code == 0, out.getvalue()
            offered = json.loads(out.getvalue())["channels"]["voice"]["offered"]["mean"]
            row.contacts = round(offered * replications)
            row.add("end to end", row.contacts, dt)
            for name, ref in refs.items():
                seeds = range(i * reference_reps, (i + 1) * reference_reps)
                n, dt = cpu(sum, map(ref, seeds))  # map is lazy: runs inside
                row.add(name, n, dt)
    return row


def report(rows: list[Row], repeats: int) -> None:
    print(f"contacts simulated per CPU-second, median of {repeats} repeats")
    head = f"{'case':62s} {'contacts':>10s} {'timed':>11s} {'per CPU-s':>10s}"
    print(f"{head} {'/ textbook':>11s} {'/ ciw':>7s}")
    for r in rows:
        for what in ("engine", "end to end"):
            if what not in r.speeds:
                continue
            line = f"{r.case:62s} {r.contacts:>10,d} {what:>11s} {r.median(what):>10,.0f}"
            if "ciw" in r.speeds:
                line += f" {r.ratio(what, 'textbook SimPy'):>10.1f}x {r.ratio(what, 'ciw'):>6.1f}x"
            print(line)
        if "no rules" in r.speeds:
            print(f"{'':62s} {'':>10s} {'/ no rules':>11s} {r.ratio('engine', 'no rules'):>9.2f}x")
        for ref in ("textbook SimPy", "ciw"):
            if ref in r.speeds:
                print(f"{'':62s} {'':>10s} {ref:>11s} {r.median(ref):>10,.0f}")
    print(
        f"targets: >= {TARGET_CIW_RATIO:g}x ciw on one long replication and on the short "
        f"replications; >= {TARGET_RETAIL_BANK:,} /s on retail_bank (engine)"
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks")
    p.add_argument("--repeats", type=int, default=5, help="runs per case (median reported)")
    p.add_argument("--replications", type=int, default=300, help="of the short day")
    p.add_argument(
        "--reference-replications",
        type=int,
        default=10,
        help="replications of the short day the references run per repeat",
    )
    args = p.parse_args(argv)
    rows = [
        long_replication(Queue(10, 300, 55, 120, 24), args.repeats, reference_hours=4),
        long_replication(Queue(100, 240, 410, 180, 8), args.repeats, reference_hours=4),
        retail_bank(args.repeats),
        retail_bank_shaped(args.repeats),
        short_replications(
            Queue(10, 300, 55, 120, 8), args.replications, args.repeats, args.reference_replications
        ),
    ]
    report(rows, args.repeats)


if __name__ == "__main__":
    main()
