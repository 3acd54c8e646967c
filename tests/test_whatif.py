"""Reallocation what-ifs, paired flow changes and journey paths."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.measure.paths import ARROW, journey_paths
from sim.plan.whatif import compare_flows, movable_agents, reallocate


@pytest.fixture(scope="module")
def bank() -> sim.Scenario:
    return sim.load_scenario(Path(__file__).parents[1] / "scenarios" / "retail_bank.yaml")


def test_reallocate_moves_agents_in_the_window_only(bank: sim.Scenario):
    """N agents leave the source and join the destination in [start, end), nowhere else."""
    p = bank.periods
    moved = reallocate(bank, "phones", "digital", 6, 8, 24)
    src0, dst0 = bank.scheduled("phones"), bank.scheduled("digital")  # from shifts
    src1, dst1 = moved.groups["phones"].agents, moved.groups["digital"].agents
    assert isinstance(src1, tuple) and isinstance(dst1, tuple)
    assert moved.groups["phones"].shifts is None and moved.groups["digital"].shifts is None
    for i in range(p):
        inside = 8 <= i < 24
        assert src1[i] == src0[i] - (6 if inside else 0)
        assert dst1[i] == dst0[i] + (6 if inside else 0)
    # the baseline is untouched, everything else is equal
    assert bank.scheduled("phones") == src0 and bank.groups["phones"].shifts
    assert moved.channels == bank.channels and moved.journeys == bank.journeys


def test_reallocate_expands_constant_headcounts():
    sc = sim.parse_scenario(
        {
            "periods": 4,
            "channels": {
                "voice": {"arrivals": 5, "handle_time": {"distribution": "fixed", "value": 60}}
            },
            "groups": {
                "a": {"skills": ["voice"], "agents": 3},
                "b": {"skills": ["voice"], "agents": 1},
            },
        }
    )
    moved = reallocate(sc, "a", "b", 2, 1, 3)
    assert moved.groups["a"].agents == (3, 1, 1, 3)
    assert moved.groups["b"].agents == (1, 3, 3, 1)
    assert reallocate(sc, "a", "b", 0, 0, 4).groups["a"].agents == (3, 3, 3, 3)


def test_movable_agents_is_the_window_minimum(bank: sim.Scenario):
    agents = bank.scheduled("phones")
    assert movable_agents(bank, "phones", 8, 24) == min(agents[8:24])
    assert movable_agents(bank, "phones", 0, bank.periods) == min(agents)
    k = movable_agents(bank, "phones", 40, 48)
    reallocate(bank, "phones", "digital", k, 40, 48)  # the most is allowed
    with pytest.raises(sim.ScenarioError) as err:
        reallocate(bank, "phones", "digital", k + 1, 40, 48)
    first = err.value.problems[0]
    assert first.startswith("groups.phones.agents[")
    assert f"cannot move {k + 1} agents" in first and f"only {k} scheduled" in first


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("phones", "nobody", 1, 0, 4), "reallocation.destination: unknown group 'nobody'"),
        (("ghost", "digital", 1, 0, 4), "reallocation.source: unknown group 'ghost'"),
        (("phones", "phones", 1, 0, 4), "reallocation.destination: must differ from the source"),
        (("phones", "digital", -1, 0, 4), "reallocation.agents: must be a whole number >= 0"),
        (("phones", "digital", 1, 4, 4), "reallocation.periods: window [4, 4)"),
        (("phones", "digital", 1, 0, 49), "reallocation.periods: window [0, 49)"),
    ],
)
def test_reallocate_names_the_bad_field(bank: sim.Scenario, args: tuple, problem: str):
    with pytest.raises(sim.ScenarioError) as err:
        reallocate(bank, *args)
    assert any(p.startswith(problem) for p in err.value.problems), err.value.problems


def test_compare_flows_pairs_replications(bank: sim.Scenario):
    """Deltas are what-if minus baseline per replication; identical runs give exact zeros."""
    base = sim.simulate(bank, replications=3, seed=11)
    same = sim.simulate(bank, replications=3, seed=11)
    zero = compare_flows(base, same)
    assert (zero["delta"] == 0).all() and (zero["ci95"] == 0).all()

    whatif = sim.simulate(reallocate(bank, "phones", "digital", 10, 8, 32), replications=3, seed=11)
    moves = compare_flows(base, whatif).set_index(["from", "to"])
    flows_b = base.flows.set_index(["from", "to"])["mean"]
    flows_w = whatif.flows.set_index(["from", "to"])["mean"]
    for key, row in moves.iterrows():
        assert row["base"] == pytest.approx(flows_b.get(key, 0.0))
        assert row["whatif"] == pytest.approx(flows_w.get(key, 0.0))
        assert row["delta"] == pytest.approx(row["whatif"] - row["base"])
    # fewer phone agents: more callers give up on voice
    assert moves.loc[("voice", "lost"), "delta"] > 0
    with pytest.raises(ValueError, match="same seed"):
        compare_flows(base, sim.simulate(bank, replications=3, seed=12))


def test_journey_paths_agree_with_flows_and_journeys(bank: sim.Scenario):
    """Every counted journey has one path; the steps of all paths are the flow table.
    (Journeys without chasing, which would let one journey branch in two.)"""
    demo = sim.load_scenario(Path(__file__).parents[1] / "scenarios" / "reallocation_demo.yaml")
    res = sim.simulate(demo, replications=2, seed=3, keep_runs=True)
    paths = journey_paths(res)
    customers = res.journeys.set_index("kpi").loc["customers", "mean"]
    assert paths["journeys"].sum() == pytest.approx(customers)
    assert paths["share"].sum() == pytest.approx(1.0)
    assert paths["journeys"].is_monotonic_decreasing
    steps: dict[tuple[str, str], float] = {}
    for path, n in zip(paths["path"], paths["journeys"], strict=True):
        nodes = path.split(ARROW)
        for a, b in zip(nodes, nodes[1:], strict=False):
            steps[(a, b)] = steps.get((a, b), 0.0) + n
    flows = res.flows.set_index(["from", "to"])["mean"]
    flows = flows[flows > 0]
    assert pd.Series(steps).sort_index().to_dict() == pytest.approx(flows.sort_index().to_dict())
    assert len(journey_paths(res, top=3)) == 3
    with pytest.raises(ValueError, match="keep_runs=True"):
        journey_paths(sim.simulate(bank, replications=1))
