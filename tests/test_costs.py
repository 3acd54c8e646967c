"""Costs in money (issue 13 part 3): hand-computed wages, costs per contact, revenue.

Paid agent-hours are scheduled agents x the part of each interval in the counted
window; wages = wage_per_hour x paid hours per group; per contact costs multiply the
counted answered / abandoned contacts; revenue multiplies resolved journeys.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import sim
from sim.measure.money import COST_KPIS, REVENUE_KPIS, paid_hours, plan_wages
from sim.measure.runner import compare_costs
from sim.plan.whatif import reallocate

from .cli_helpers import ccsim
from .helpers import single_queue

FIXED = lambda v: {"distribution": "fixed", "value": v}  # noqa: E731


def _costed(costs: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """3 agents for 8 hours (16 half-hours), Erlang-A voice."""
    opts: dict[str, Any] = {"warmup_minutes": 0, "replications": 4, **kw}
    data = single_queue(per_interval=30, aht=150, agents=3, patience=60, periods=16, **opts)
    data["costs"] = costs
    return data


def _costs(res: Any) -> dict[str, float]:
    return res.costs.set_index("kpi")["mean"].to_dict()


def test_wages_three_agents_eight_hours() -> None:
    """3 agents x 8 h x 20 per hour = 480, exactly, in every replication."""
    res = sim.simulate(sim.parse_scenario(_costed({"wage_per_hour": {"agents": 20}})))
    assert res.cost_reps is not None
    assert (res.cost_reps["agent_hours"] == 24.0).all()
    assert (res.cost_reps["wages"] == 480.0).all()
    c = _costs(res)
    assert c["cost"] == 480.0 and c["handling_cost"] == 0.0 and c["cost_of_abandonment"] == 0.0
    assert "revenue" not in c and "net" not in c


def test_per_contact_costs_multiply_the_counts() -> None:
    """Per replication: cost of abandonment = 5 x abandoned, handling = 0.5 x answered,
    cost = wages + both, cost per contact = cost / answered, net = 2 x resolved - cost."""
    costs = {
        "wage_per_hour": {"agents": 20},
        "per_handled": {"voice": 0.5},
        "per_abandoned": {"voice": 5},
        "revenue_per_resolved": 2,
    }
    res = sim.simulate(sim.parse_scenario(_costed(costs)))
    ch = res.channel_reps.set_index("replication")
    money = res.cost_reps.set_index("replication")
    resolved = res.journey_reps.set_index("replication")["resolved"]
    assert (ch["abandoned"] > 0).all()
    assert np.array_equal(money["cost_of_abandonment"], 5 * ch["abandoned"])
    assert np.array_equal(money["handling_cost"], 0.5 * ch["answered"])
    assert np.allclose(money["cost"], 480 + 5 * ch["abandoned"] + 0.5 * ch["answered"])
    assert np.allclose(money["cost_per_contact"], money["cost"] / ch["answered"])
    assert np.allclose(money["revenue"], 2 * resolved)
    assert np.allclose(money["net"], 2 * resolved - money["cost"])
    assert list(res.cost_reps.columns[1:]) == [*COST_KPIS, *REVENUE_KPIS]
    j = res.to_dict()["costs"]
    assert set(j) == {*COST_KPIS, *REVENUE_KPIS} and set(j["cost"]) == {"mean", "ci95"}
    assert j["wages"] == {"mean": 480.0, "ci95": 0.0}


def test_paid_hours_count_only_the_window() -> None:
    """Warm-up of 45 min over 30-min intervals: the second interval counts half; agents
    [2, 4, 6] pay 4 x 0.25 h + 6 x 0.5 h = 4 h."""
    hours = paid_hours(np.array([[2, 4, 6]]), 1800.0, 2700.0)
    assert hours.tolist() == [4.0]
    data = _costed({"wage_per_hour": {"agents": 10}}, warmup_minutes=45)
    sc = sim.parse_scenario(data)
    assert plan_wages(sc, np.array([sc.scheduled("agents")])) == 10 * 3 * 7.25


def test_reallocation_money_change_is_paired() -> None:
    """Two agents move from phones (20/h) to digital (26/h) for 2 h: wages +2 x 2 x 6 = 24
    exactly, with a zero-width paired interval; the rest of the change has its CI."""
    data: dict[str, Any] = {
        "name": "two groups",
        "interval_minutes": 30,
        "periods": 8,
        "seed": 4,
        "replications": 4,
        "channels": {
            "voice": {
                "arrivals": 40,
                "handle_time": {"distribution": "exponential", "mean": 240},
                "patience": {"distribution": "exponential", "mean": 90},
            },
            "chat": {
                "arrivals": 15,
                "handle_time": {"distribution": "exponential", "mean": 300},
                "patience": {"distribution": "exponential", "mean": 120},
            },
        },
        "groups": {
            "phones": {"skills": ["voice"], "agents": 7},
            "digital": {"skills": ["chat", "voice"], "agents": 3},
        },
        "costs": {
            "wage_per_hour": {"phones": 20, "digital": 26},
            "per_abandoned": {"voice": 4, "chat": 2},
        },
    }
    base_sc = sim.parse_scenario(data)
    moved_sc = reallocate(base_sc, "phones", "digital", 2, 2, 6)
    base, moved = sim.simulate(base_sc), sim.simulate(moved_sc)
    table = compare_costs(base, moved).set_index("kpi")
    assert table.loc["wages", "delta"] == 24.0 and table.loc["wages", "ci95"] == 0.0
    ab = (moved.channel_reps.groupby("replication")["abandoned"].apply(list)).tolist()
    ab0 = (base.channel_reps.groupby("replication")["abandoned"].apply(list)).tolist()
    per_rep = [4 * (a[0] - b[0]) + 2 * (a[1] - b[1]) for a, b in zip(ab, ab0, strict=True)]
    assert table.loc["cost_of_abandonment", "delta"] == pytest.approx(np.mean(per_rep))
    assert table.loc["cost", "delta"] == pytest.approx(24 + np.mean(per_rep))


def test_no_costs_no_table() -> None:
    res = sim.simulate(
        sim.parse_scenario(
            single_queue(
                per_interval=10, aht=100, agents=3, patience=None, periods=4, replications=2
            )
        )
    )
    assert res.cost_reps is None and res.costs is None and "costs" not in res.to_dict()


@pytest.mark.parametrize(
    ("costs", "field"),
    [
        ({"wage_per_hour": {"nobody": 20}}, "costs.wage_per_hour.nobody: unknown group"),
        ({"per_handled": {"fax": 1}}, "costs.per_handled.fax: unknown channel"),
        ({"per_abandoned": {"voice": -1}}, "costs.per_abandoned"),
        ({"revenue_per_resolved": -3}, "costs.revenue_per_resolved"),
        ({"wages": {"agents": 1}}, "costs.wages"),
    ],
)
def test_bad_costs_name_the_field(costs: dict[str, Any], field: str) -> None:
    with pytest.raises(sim.ScenarioError, match=field.replace(".", r"\.")):
        sim.parse_scenario(_costed(costs))


def test_ccsim_run_compare_and_sweep_show_money(tmp_path: Path) -> None:
    """`ccsim run` prints the money line and the JSON has costs.<kpi>; `ccsim compare`
    pairs the money (4 agents instead of 3: +160 wages exactly); a sweep has cost.<kpi>."""
    base, more = tmp_path / "base.yaml", tmp_path / "more.yaml"
    costs = {"currency": "EUR", "wage_per_hour": {"agents": 20}}
    base.write_text(yaml.safe_dump(_costed(costs)))
    bigger = _costed(costs)
    bigger["groups"]["agents"]["agents"] = 4
    more.write_text(yaml.safe_dump(bigger))
    r = ccsim("run", str(base))
    assert r.returncode == 0, r.stderr
    assert "money      cost 480.00 EUR ±0.00, wages 480.00 EUR ±0.00" in r.stdout
    r = ccsim("run", str(base), "--json", "-")
    assert json.loads(r.stdout)["costs"]["agent_hours"]["mean"] == 24.0
    r = ccsim("run", str(base), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    written = (tmp_path / "out" / "costs.csv").read_text().splitlines()
    assert written[0] == "kpi,mean,ci95,n" and "wages,480.0,0.0,4" in written
    r = ccsim("compare", str(base), str(more), "--json", "-")
    assert r.returncode == 0, r.stderr
    wages = json.loads(r.stdout)["costs"]["wages"]
    assert wages == {"base": 480.0, "whatif": 640.0, "delta": 160.0, "ci95": 0.0}
    r = ccsim("compare", str(base), str(more))
    assert r.returncode == 0 and "money (EUR)" in r.stdout
    table = sim.sweep(
        {"base": str(base), "replications": 2, "grid": {"groups.agents.agents": [3, 4]}},
        workers=1,
    )
    assert table.groupby("groups.agents.agents")["cost.wages"].first().tolist() == [480.0, 640.0]


def _two_pools(wages: dict[str, float] | None) -> sim.Scenario:
    """One voice queue served by two groups with the same skill (over-staffed)."""
    data = single_queue(per_interval=60, aht=180, agents=10, patience=300, periods=6,
                        warmup_minutes=0)  # fmt: skip
    data["groups"] = {
        "cheap": {"skills": ["voice"], "agents": 10},
        "dear": {"skills": ["voice"], "agents": 10},
    }
    if wages is not None:
        data["costs"] = {"wage_per_hour": wages}
    return sim.parse_scenario(data)


def test_optimiser_reports_wages_and_removes_the_dearest_agents_first() -> None:
    """The optimised plan's wages are wage x agents x 0.5 h summed, exactly; with wages
    the first removal is tried on the dearer group (named second), without on the first."""
    from sim.plan.optimise import OptimiseOptions, optimise

    opts = OptimiseOptions(replications=3, confirm_replications=4, max_simulations=12)
    start = {"cheap": [12] * 6, "dear": [12] * 6}
    out = optimise(_two_pools({"cheap": 10, "dear": 30}), options=opts, start=start)
    st = out.staffing.groupby("group")["optimised"].sum()
    wages = out.wages()
    assert wages is not None
    assert wages["optimised"] == pytest.approx(0.5 * (10 * st["cheap"] + 30 * st["dear"]))
    assert "wages: analytic" in out.summary() and "cost in the confirmation run" in out.summary()
    first = next(line for line in out.trace if "-1 agent" in line)
    assert "dear:" in first, out.trace
    plain = optimise(_two_pools(None), options=opts, start=start)
    assert plain.wages() is None
    assert "cheap:" in next(line for line in plain.trace if "-1 agent" in line)


def test_ccsim_staff_simulate_reports_wages(tmp_path: Path) -> None:
    """`ccsim staff --method simulate --json -`: costs.wages of both plans, and the
    confirmation run's cost (here wages only: no per-contact costs)."""
    path = tmp_path / "pools.yaml"
    path.write_text(yaml.safe_dump(_two_pools({"cheap": 10, "dear": 30}).to_dict()))
    r = ccsim("staff", str(path), "--method", "simulate", "-r", "3",
              "--confirm-replications", "4", "--max-simulations", "8", "--json", "-")  # fmt: skip
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    staffed = {"cheap": 0, "dear": 0}
    for row in data["staffing"]:
        staffed[row["group"]] += row["scheduled"]
    wages = 0.5 * (10 * staffed["cheap"] + 30 * staffed["dear"])
    assert data["costs"]["wages"]["optimised"] == pytest.approx(wages)
    assert data["costs"]["confirmation"]["cost"] == {"mean": wages, "ci95": 0.0}
