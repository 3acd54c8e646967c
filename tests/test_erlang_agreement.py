"""The simulator agrees with Erlang A (and Erlang C without patience) within its 95% CI.

One channel, Poisson arrivals, exponential handle times and patience, constant staff,
no switching: the exact answer is known, so the simulator must reproduce it. Seeds
are fixed, so each check is deterministic; the horizon and replications are chosen
so that the CI of P(abandon) is at most 10% of its value.
"""

from __future__ import annotations

import pytest

from .helpers import ERLANG_CASES, ERLANG_KPIS, erlang_case


@pytest.mark.parametrize("case", ERLANG_CASES, ids=[c[0] for c in ERLANG_CASES])
def test_simulation_matches_erlang(case):
    name, patience = case[0], case[4]
    res, exact = erlang_case(case)
    for kpi in ERLANG_KPIS:
        mean, ci = res.kpi("voice", kpi)
        expected = exact[kpi]
        assert abs(mean - expected) <= ci or (expected == 0 and mean == 0), (
            f"{name}: {kpi} simulated {mean:.5f} ± {ci:.5f}, exact {expected:.5f}"
        )
    if patience:
        _, ci = res.kpi("voice", "abandon_rate")
        assert ci <= 0.1 * exact["abandon_rate"], "the abandonment check must be tight to mean much"
    occ = res.groups.query("kpi == 'occupancy'")["mean"].iloc[0]
    assert occ == pytest.approx(exact["occupancy"], rel=0.02)
