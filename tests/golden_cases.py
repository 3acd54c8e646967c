"""Frozen golden results: every shipped scenario and a small scenario per mode and event.

Each case is simulated at a fixed seed; the golden file keeps, per replication, a
SHA-256 digest of every array the engine returned (the exact draws and outcomes) and
the JSON result contract (every KPI). ``tests/test_golden.py`` checks the engine and
the KPIs against them, so a refactor that changes any draw or number fails.

Re-baseline on purpose, in a commit that says why (and record it in
``tests/golden/CHANGES.md``)::

    .venv/bin/python -m tests.golden_cases --update
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np

import sim
from sim.engine import RawRun, compile_scenario, run_replication
from sim.engine.streams import replication_seed

from .helpers import SCENARIO_FILES

GOLDEN = Path(__file__).resolve().parent / "golden"
REPLICATIONS = 3
SEED = 11

EXP = lambda m: {"distribution": "exponential", "mean": m}  # noqa: E731
FIXED = lambda v: {"distribution": "fixed", "value": v}  # noqa: E731


def _small(name: str, channels: dict, groups: dict, journeys: dict | None = None, **top) -> dict:
    return {
        "name": name,
        "interval_minutes": 15,
        "periods": 8,
        "start": "09:00",
        "seed": SEED,
        "replications": REPLICATIONS,
        "channels": channels,
        "groups": groups,
        "journeys": journeys or {},
        **top,
    }


def _voice(**kw: Any) -> dict:
    return {
        "arrivals": 40,
        "handle_time": EXP(240),
        "patience": EXP(120),
        "service_level": {"target": 0.8, "threshold": 20},
        **kw,
    }


SMALL: dict[str, dict] = {
    "erlang_single_queue": _small(
        "single queue",
        {"voice": _voice()},
        {"agents": {"skills": ["voice"], "agents": 10}},
        warmup_minutes=15,
    ),
    "balking_resolution": _small(
        "balking",
        {"voice": _voice(balking={"threshold": 0, "probability": 0.5})},
        {"agents": {"skills": ["voice"], "agents": 9}},
        {
            "resolution": {"voice": 0.8},
            "transitions": [
                {
                    "from": "voice",
                    "on": "balk",
                    "to": "voice",
                    "probability": 0.5,
                    "delay": EXP(300),
                },
                {"from": "voice", "on": "unresolved", "to": "voice", "probability": 0.7},
            ],
        },
    ),
    "concurrent_stretch_silent": _small(
        "chat with stretch and silent abandonment",
        {
            "chat": {
                "mode": "concurrent",
                "concurrency": 3,
                "stretch": 0.2,
                "arrivals": 30,
                "handle_time": {"distribution": "gamma", "mean": 400, "cv": 0.7},
                "patience": {"distribution": "weibull", "mean": 200, "shape": 0.8},
                "silent_abandon": {"share": 0.4, "time": FIXED(60)},
                "balking": {"threshold": 120, "probability": 0.3},
            }
        },
        {"digital": {"skills": ["chat"], "agents": 4}},
        {"resolution": {"chat": 0.75}},
    ),
    "concurrent_by_sessions_longest_idle": _small(
        "messaging by sessions, longest idle",
        {
            "messaging": {
                "mode": "concurrent",
                "concurrency": 4,
                "routing": "longest_idle",
                "handle_time_by_sessions": [500, 600, 700, 800],
                "arrivals": 25,
                "handle_time": {"distribution": "lognormal", "mean": 500, "cv": 1.0},
                "patience": EXP(900),
            },
            "chat": {
                "mode": "concurrent",
                "concurrency": 2,
                "arrivals": 10,
                "handle_time": EXP(300),
                "patience": EXP(200),
            },
        },
        {"digital": {"skills": ["chat", "messaging"], "agents": 5}},
    ),
    "deferred_reserve_chase": _small(
        "email backlog with reserve, chase and withdraw",
        {
            "voice": _voice(arrivals=25),
            "email": {
                "mode": "deferred",
                "arrivals": [20, 20, 15, 10, 10, 5, 5, 5],
                "handle_time": {"distribution": "lognormal", "mean": 480, "cv": 0.6},
                "service_level": {"target": 0.9, "threshold": 3600},
            },
        },
        {
            "phones": {"skills": ["voice"], "agents": 5},
            "blended": {"skills": ["voice", "email"], "agents": 4, "deferred_reserve": 1},
        },
        {
            "resolution": {"email": 0.7, "voice": 0.9},
            "transitions": [
                {
                    "from": "email",
                    "on": "chase",
                    "to": "voice",
                    "probability": 0.3,
                    "after": 1800,
                    "delay": EXP(300),
                },
                {
                    "from": "email",
                    "on": "chase",
                    "to": "voice",
                    "probability": 0.2,
                    "after": 3600,
                    "withdraw": True,
                },
                {
                    "from": "email",
                    "on": "unresolved",
                    "to": "email",
                    "probability": 0.6,
                    "delay": EXP(1800),
                },
            ],
        },
    ),
    "journeys_switching_max_attempts": _small(
        "redials and switches capped by max attempts",
        {
            "voice": _voice(arrivals=50),
            "chat": {
                "mode": "concurrent",
                "concurrency": 2,
                "arrivals": 12,
                "handle_time": EXP(360),
                "patience": EXP(180),
            },
        },
        {
            "phones": {"skills": ["voice"], "agents": [8, 8, 9, 9, 10, 10, 8, 8]},
            "digital": {"skills": ["chat", "voice"], "agents": 3, "shrinkage": 0.2},
        },
        {
            "max_attempts": 3,
            "resolution": {"voice": 0.7, "chat": 0.6},
            "transitions": [
                {
                    "from": "voice",
                    "on": "abandon",
                    "to": "chat",
                    "probability": 0.3,
                    "delay": EXP(60),
                },
                {
                    "from": "voice",
                    "on": "abandon",
                    "to": "voice",
                    "probability": 0.4,
                    "delay": {"distribution": "gamma", "mean": 300, "cv": 0.5},
                },
                {"from": "chat", "on": "unresolved", "to": "voice", "probability": 0.5},
                {
                    "from": "voice",
                    "on": "unresolved",
                    "to": "voice",
                    "probability": 0.5,
                    "delay": EXP(600),
                },
            ],
        },
    ),
    "overdispersion_shifts": _small(
        "over-dispersed arrivals, shifts with breaks",
        {
            "voice": _voice(
                arrivals=[30, 35, 40, 45, 45, 40, 35, 30],
                overdispersion={"day_cv": 0.15, "interval_cv": 0.1},
            )
        },
        {
            "phones": {
                "skills": ["voice"],
                "shrinkage": 0.1,
                "shifts": [
                    {
                        "start": "09:00",
                        "end": "10:30",
                        "count": 8,
                        "breaks": [{"start": "09:30", "end": "09:45", "count": 2}],
                    },
                    {"start": "09:30", "end": "11:00", "count": 6},
                ],
            }
        },
    ),
    "arrival_paths": _small(
        "arrival sample paths",
        {
            "voice": _voice(
                arrivals=None,
                arrival_paths=[[30, 32, 35, 40, 38, 33, 30, 28], [25, 30, 45, 50, 44, 30, 26, 20]],
            )
        },
        {"agents": {"skills": ["voice"], "agents": 10}},
    ),
    "overnight_deferred_carry": _small(
        "deferred backlog carried past closing",
        {
            "email": {
                "mode": "deferred",
                "arrivals": 30,
                "handle_time": EXP(600),
                "service_level": {"target": 0.8, "threshold": 14400},
            }
        },
        {"office": {"skills": ["email"], "agents": 2}},
    ),
    "callbacks_and_shaping": _small(
        "call-backs with retries, a deflect and an offer rule",
        {
            "voice": _voice(
                arrivals=60,
                callback={
                    "offer_after": 60,
                    "accept": {0: 0.3, 300: 0.7},
                    "reach": 0.8,
                    "retries": 1,
                    "retry_after": 300,
                },
            ),
            "chat": {
                "mode": "concurrent",
                "concurrency": 2,
                "arrivals": 10,
                "handle_time": EXP(300),
                "patience": EXP(240),
            },
        },
        {
            "phones": {"skills": ["voice"], "agents": 12},
            "digital": {"skills": ["chat"], "agents": 3},
        },
        {"transitions": [{"from": "voice", "on": "abandon", "to": "chat", "probability": 0.3}]},
        shaping=[
            {
                "name": "outage notice",
                "when": {"between": ["09:30", "10:00"]},
                "do": {"deflect": "voice", "share": 0.2},
            },
            {
                "name": "offer voice when chat queues",
                "when": {"channel": "chat", "expected_wait_over": 60},
                "do": {"offer": "voice", "accept": 0.3},
            },
        ],
    ),
}
for _case in SMALL.values():  # arrivals: None is how a test says "use arrival_paths"
    for _ch in _case["channels"].values():
        if _ch.get("arrivals", 0) is None:
            del _ch["arrivals"]


def cases() -> dict[str, sim.Scenario]:
    """Every golden case by name: the shipped scenarios, then the small ones."""
    out = {f"shipped_{p.stem}": sim.load_scenario(p) for p in SCENARIO_FILES}
    out.update({name: sim.parse_scenario(data) for name, data in SMALL.items()})
    return out


def digest(run: RawRun) -> dict[str, str]:
    """SHA-256 of every array of a raw run (canonical dtypes), and its scalars."""
    out: dict[str, str] = {}
    for f in fields(run):
        v = getattr(run, f.name)
        if is_dataclass(v):  # a record of arrays (a shaped run's offers): each hashed
            for name, d in digest(v).items():  # type: ignore[arg-type]
                out[f"{f.name}.{name}"] = d
        elif isinstance(v, np.ndarray):
            a = v.astype(np.float64 if v.dtype.kind == "f" else np.int64)
            h = hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]
            out[f.name] = f"{a.shape}:{h}"
        else:
            out[f.name] = repr(v)
    return out


def compute(sc: sim.Scenario) -> dict[str, Any]:
    """The golden record of one scenario at the golden seed."""
    model = compile_scenario(sc)
    runs = [digest(run_replication(model, replication_seed(SEED, r))) for r in range(REPLICATIONS)]
    result = sim.simulate(sc, replications=REPLICATIONS, seed=SEED)
    return {
        "seed": SEED,
        "replications": REPLICATIONS,
        "runs": runs,
        "result": result.to_dict(),
        "intervals": _by_period(result.intervals, "channel"),
        "group_intervals": _by_period(result.group_intervals, "group"),
    }


def _by_period(table: Any, by: str) -> dict[str, dict[str, list[float | None]]]:
    """{channel or group: {kpi: [mean per period]}} (NaN as null)."""
    out: dict[str, dict[str, list[float | None]]] = {}
    for (key, kpi), rows in table.groupby([by, "kpi"], sort=True):
        means = rows.sort_values("period")["mean"].tolist()
        out.setdefault(str(key), {})[str(kpi)] = [None if m != m else float(m) for m in means]
    return out


def path(name: str) -> Path:
    return GOLDEN / f"{name}.json"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true", help="rewrite tests/golden/*.json")
    args = ap.parse_args(argv)
    changed = 0
    for name, sc in cases().items():
        rec = compute(sc)
        p = path(name)
        old = json.loads(p.read_text()) if p.exists() else None
        if old != rec:
            changed += 1
            print(f"{name}: {'differs' if old else 'new'}")
            if args.update:
                p.write_text(json.dumps(rec, indent=1, sort_keys=True) + "\n")
    print(f"{changed} case(s) {'rewritten' if args.update else 'differ'}")
    return 0 if args.update or not changed else 1


if __name__ == "__main__":
    sys.exit(main())
