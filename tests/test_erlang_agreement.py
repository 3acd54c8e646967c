"""The simulator agrees with Erlang A (and Erlang C without patience).

One channel, Poisson arrivals, exponential handle times and patience, constant staff,
no switching: the exact answer is known, so the simulator must reproduce it. Each
check allows :func:`tests.helpers.band` (a few standard errors: a correct engine fails
a check with probability 1e-4 at any seed); the horizon and replications are chosen
so that the CI of P(abandon) is at most 10% of its value, and
``test_the_band_catches_a_wrong_patience`` shows that the band still catches an
engine whose patience is 10% off.
"""

from __future__ import annotations

import functools

import pytest

import sim

from .helpers import ERLANG_CASES, ERLANG_KPIS, agrees, band, erlang_case, single_queue


@pytest.mark.parametrize("case", ERLANG_CASES, ids=[c[0] for c in ERLANG_CASES])
def test_simulation_matches_erlang(case):
    name, patience = case[0], case[4]
    res, exact = erlang_case(case)
    for kpi in ERLANG_KPIS:
        mean, ci = res.kpi("voice", kpi)
        expected = exact[kpi]
        assert agrees(mean, ci, res.replications, expected), (
            f"{name}: {kpi} simulated {mean:.5f} ± {ci:.5f}, exact {expected:.5f}"
        )
    if patience:
        _, ci = res.kpi("voice", "abandon_rate")
        assert ci <= 0.1 * exact["abandon_rate"], "the abandonment check must be tight to mean much"
    occ = res.groups.query("kpi == 'occupancy'")["mean"].iloc[0]
    assert occ == pytest.approx(exact["occupancy"], rel=0.02)


# A queue where patience matters (10 agents at 90% load, patience 2/3 of the AHT), long
# enough that a 10% error in patience moves the ASA by about 13 standard errors.
POWER_CASE = {"per_min": 3.0, "aht": 180, "agents": 10, "patience": 120}


@functools.cache
def _power_result(patience_scale: float, seed: int) -> tuple[sim.Result, dict[str, float]]:
    c = POWER_CASE
    sc = sim.parse_scenario(
        single_queue(
            per_interval=c["per_min"] * 30,
            aht=c["aht"],
            agents=c["agents"],
            patience=c["patience"] * patience_scale,
            periods=72 * 2,
            warmup_minutes=60,
            replications=100,
            seed=seed,
        )
    )
    q = sim.erlang_a(c["per_min"] / 60, c["aht"], c["patience"], c["agents"], 20)
    exact = dict(zip(ERLANG_KPIS, (q.service_level, q.asa, q.p_wait, q.p_abandon), strict=True))
    return sim.simulate(sc), exact


@pytest.mark.slow
@pytest.mark.parametrize("scale", [0.9, 1.1])
def test_the_band_catches_a_wrong_patience(scale):
    """An engine whose customers are 10% more (or less) patient than the scenario says
    fails the agreement check, while the correct engine passes the same check."""
    right, exact = _power_result(1.0, seed=3)
    wrong, _ = _power_result(scale, seed=3)
    for kpi in ERLANG_KPIS:
        assert agrees(*right.kpi("voice", kpi), right.replications, exact[kpi]), kpi
    mean, ci = wrong.kpi("voice", "asa")
    misses = abs(mean - exact["asa"]) / band(ci, wrong.replications)
    assert misses > 1.5, f"ASA {mean:.3f} ± {ci:.3f} vs exact {exact['asa']:.3f}: not caught"
