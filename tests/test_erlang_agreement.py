"""The simulator agrees with Erlang A (and Erlang C without patience) within its 95% CI.

One channel, Poisson arrivals, exponential handle times and patience, constant staff,
no switching: the exact answer is known, so the simulator must reproduce it. Seeds
are fixed, so each check is deterministic; the horizon and replications are chosen
so that the CI of P(abandon) is at most 10% of its value.
"""

from __future__ import annotations

import pytest

import sim

from .helpers import single_queue

# (name, calls per minute, AHT s, agents, mean patience s or None, hours, replications)
CASES = [
    ("14 agents, Erlang A", 100 / 30, 180, 14, 300, 48, 20),
    ("14 agents, Erlang C", 100 / 30, 180, 14, None, 48, 20),
    ("55 agents, Erlang A", 10, 300, 55, 120, 24, 20),
    ("55 agents, Erlang C", 10, 300, 55, None, 24, 20),
    ("410 agents, Erlang A", 100, 240, 410, 180, 12, 24),
    ("410 agents, Erlang C", 100, 240, 410, None, 8, 24),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_simulation_matches_erlang(case):
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
    res = sim.simulate(sc)
    lam = per_min / 60
    exact = (
        sim.erlang_a(lam, aht, patience, agents, 20)
        if patience
        else sim.erlang_c(lam, aht, agents, 20)
    )
    checks = {
        "service_level": exact.service_level,
        "asa": exact.asa,
        "p_wait": exact.p_wait,
        "abandon_rate": exact.p_abandon,
    }
    for kpi, expected in checks.items():
        mean, ci = res.kpi("voice", kpi)
        assert abs(mean - expected) <= ci or (expected == 0 and mean == 0), (
            f"{name}: {kpi} simulated {mean:.5f} ± {ci:.5f}, exact {expected:.5f}"
        )
    if patience:
        _, ci = res.kpi("voice", "abandon_rate")
        assert ci <= 0.1 * exact.p_abandon, "the abandonment check must be tight to mean much"
    occ = res.groups.query("kpi == 'occupancy'")["mean"].iloc[0]
    assert occ == pytest.approx(exact.occupancy, rel=0.02)
