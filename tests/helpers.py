"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
# scenario files (sweep files, sweep_*.yaml, live there too)
SCENARIO_FILES = sorted(p for p in SCENARIOS.glob("*.yaml") if not p.name.startswith("sweep_"))


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
