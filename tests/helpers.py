"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.config.shipped import is_scenario_file

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
# scenario files (sweep files, sweep_*.yaml, and a capacity plan live there too)
SCENARIO_FILES = sorted(p for p in SCENARIOS.glob("*.yaml") if is_scenario_file(p))


def single_queue(
    *,
    per_interval: float,
    aht: float,
    agents: int,
    patience: float | None,
    interval_minutes: int = 30,
    periods: int = 48,
    warmup_minutes: float = 60,
    replications: int = 20,
    seed: int = 1,
    threshold: float = 20,
) -> dict[str, Any]:
    """Scenario data for one Erlang queue (exponential handle times and patience)."""
    voice: dict[str, Any] = {
        "arrivals": per_interval,
        "handle_time": {"distribution": "exponential", "mean": aht},
        "service_level": {"target": 0.8, "threshold": threshold},
    }
    if patience is not None:
        voice["patience"] = {"distribution": "exponential", "mean": patience}
    return {
        "name": "single queue",
        "interval_minutes": interval_minutes,
        "periods": periods,
        "warmup_minutes": warmup_minutes,
        "seed": seed,
        "replications": replications,
        "channels": {"voice": voice},
        "groups": {"agents": {"skills": ["voice"], "agents": agents}},
    }


# (name, calls per minute, AHT s, agents, mean patience s or None, hours, replications)
ERLANG_CASES = [
    ("14 agents, Erlang A", 100 / 30, 180, 14, 300, 48, 20),
    ("14 agents, Erlang C", 100 / 30, 180, 14, None, 48, 20),
    ("55 agents, Erlang A", 10, 300, 55, 120, 24, 20),
    ("55 agents, Erlang C", 10, 300, 55, None, 24, 20),
    ("410 agents, Erlang A", 100, 240, 410, 180, 12, 24),
    ("410 agents, Erlang C", 100, 240, 410, None, 8, 24),
]
ERLANG_KPIS = ("service_level", "asa", "p_wait", "abandon_rate")

# Simulated-vs-exact checks: a correct engine fails one check with this probability at
# any seed (two-sided Student-t tail of the replication means); ~40 such checks in the
# suite then fail together about 0.4% of the time, against ~1 in 20 per check with a
# band of one 95% half-width.
FALSE_ALARM = 1e-4


def band(ci95: float, n: int) -> float:
    """Half-width of the agreement band for a mean with 95% CI half-width ``ci95`` over
    ``n`` replications: the standard error times the t quantile for ``FALSE_ALARM``."""
    from scipy import stats

    se = ci95 / stats.t.ppf(0.975, n - 1)
    return float(se * stats.t.ppf(1 - FALSE_ALARM / 2, n - 1))


def agrees(mean: float, ci95: float, n: int, exact: float) -> bool:
    """Does a simulated mean agree with the exact value within :func:`band`?"""
    if exact == 0 and mean == 0:
        return True
    return abs(mean - exact) <= band(ci95, n)


def erlang_case(case: tuple) -> tuple[Any, dict[str, float]]:
    """Simulate one of ERLANG_CASES (20 s threshold, 1 h warm-up): (result, exact KPIs)."""
    import sim

    name, per_min, aht, agents, patience, hours, reps = case
    sc = sim.parse_scenario(
        single_queue(
            per_interval=per_min * 30,
            aht=aht,
            agents=agents,
            patience=patience,
            periods=hours * 2,
            warmup_minutes=60,
            replications=reps,
        )
    )
    lam = per_min / 60
    q = (
        sim.erlang_a(lam, aht, patience, agents, 20)
        if patience
        else sim.erlang_c(lam, aht, agents, 20)
    )
    exact = dict(zip(ERLANG_KPIS, (q.service_level, q.asa, q.p_wait, q.p_abandon), strict=True))
    exact["occupancy"] = q.occupancy
    return sim.simulate(sc), exact


def chat_erlang_case() -> tuple[Any, dict[str, float]]:
    """10 dedicated agents x 3 chats, exponential times: (result, Erlang A with 30 servers)."""
    import sim

    exp = lambda m: {"distribution": "exponential", "mean": m}  # noqa: E731
    sc = sim.parse_scenario(
        {
            "name": "chat",
            "interval_minutes": 30,
            "periods": 96,
            "warmup_minutes": 60,
            "seed": 2,
            "replications": 16,
            "channels": {
                "chat": {
                    "mode": "concurrent",
                    "concurrency": 3,
                    "arrivals": 120,
                    "handle_time": exp(420),
                    "patience": exp(240),
                    "service_level": {"target": 0.9, "threshold": 30},
                }
            },
            "groups": {"digital": {"skills": ["chat"], "agents": 10}},
        }
    )
    q = sim.erlang_a(120 / 1800, 420, 240, 30, 30)
    exact = dict(zip(ERLANG_KPIS, (q.service_level, q.asa, q.p_wait, q.p_abandon), strict=True))
    exact["occupancy"] = q.occupancy
    return sim.simulate(sc), exact


def laughs(levels: int, key: str = "name") -> str:
    """A 'billion laughs' document: 10**levels leaves through nested aliases."""
    lines = ["l0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + f"\n{key}: *a{levels - 1}\n"
