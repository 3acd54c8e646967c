"""Pick-up share by idle agents (``groups.<g>.pickup.share_by_idle``, issue 12): the
share depends on how many agents able to take the contact were idle at its arrival."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import sim
from sim.engine import ANSWERED, compile_scenario, run_replication
from sim.engine.streams import replication_seed

from .helpers import agrees, single_queue
from .test_pickup import _far_apart, _kpi, _occupancy
from .test_pickup_handoff import _handoff_chain


def _two_idle(shares: list[float], handoff: bool = False) -> dict[str, Any]:
    """Two agents, far-apart calls: every call finds both idle; share by idle count."""
    data = _far_apart(10, 12, 100.0)
    data["groups"]["agents"]["agents"] = 2
    data["groups"]["agents"]["pickup"] = {
        "share": 0.5,
        "delay": {"distribution": "fixed", "value": 20.0},
        "share_by_idle": shares,
        "handoff": handoff,
    }
    return data


@pytest.mark.parametrize("handoff", [False, True])
def test_the_entry_for_the_idle_agents_found_applies(handoff: bool) -> None:
    """Every call finds two idle agents: with [1, 0] none is delayed (share 0.5 does
    not apply), with [0, 1] every one waits exactly the 20 s delay, and with [0, 1, 0]
    (an entry for three idle agents, never reached) the same."""
    for shares, wait in (([1.0, 0.0], 0.0), ([0.0, 1.0], 20.0), ([0.0, 1.0, 0.0], 20.0)):
        run = run_replication(
            compile_scenario(sim.parse_scenario(_two_idle(shares, handoff))), replication_seed(1, 0)
        )
        assert len(run.arrival) == 10 and (run.outcome == ANSWERED).all()
        assert np.allclose(run.wait_end - run.arrival, wait, rtol=0, atol=1e-9), shares


def test_last_entry_for_more_idle_agents() -> None:
    """[0, 1] with five idle agents: the last entry (1) applies to every call."""
    data = _two_idle([0.0, 1.0])
    data["groups"]["agents"]["agents"] = 5
    run = run_replication(compile_scenario(sim.parse_scenario(data)), replication_seed(1, 0))
    assert np.allclose(run.wait_end - run.arrival, 20.0, rtol=0, atol=1e-9)


def test_mmc_share_by_idle_matches_the_markov_chain() -> None:
    """3 agents, 1.5 erlangs, hand-off absences (exponential, 90 s) with the share 0.8,
    0.4, 0.1 for 1, 2, 3 idle agents: mean wait, share answered at once and occupancy
    agree with the exact chain (37.6 s; ``share`` 0.1, which the entries replace,
    would give 16.3 s)."""
    shares = (0.8, 0.4, 0.1)
    exact_wait, exact_now, exact_occ = _handoff_chain(3, 1.5 / 60.0, 1 / 60.0, shares, 1 / 90.0)
    h, lam = 60.0, 1.5 / 60.0
    data = single_queue(
        per_interval=lam * 1800, aht=h, agents=3, patience=None, periods=144, replications=20
    )
    data["warmup_minutes"] = 120
    data["channels"]["voice"]["service_level"]["threshold"] = 1e-9
    data["groups"]["agents"]["pickup"] = {
        "share": 0.1,
        "delay": {"distribution": "exponential", "mean": 90.0},
        "handoff": True,
        "share_by_idle": list(shares),
    }
    res = sim.simulate(sim.parse_scenario(data))
    assert agrees(*_kpi(res, "asa"), exact_wait), (_kpi(res, "asa"), exact_wait)
    assert agrees(*_kpi(res, "service_level"), exact_now), (_kpi(res, "service_level"), exact_now)
    assert agrees(*_occupancy(res), exact_occ), (_occupancy(res), exact_occ)
    flat = _handoff_chain(3, lam, 1 / 60.0, 0.1, 1 / 90.0)  # share alone: 16.3 s
    assert exact_wait == pytest.approx(37.63, abs=0.01) and flat[0] < exact_wait - 20


def test_all_zero_compiles_to_no_pickup() -> None:
    data = _two_idle([0.0, 0.0])
    m = compile_scenario(sim.parse_scenario(data))
    assert m.pickup == () and m.pickup_by_idle == ()
    data = _two_idle([0.0, 0.2])
    data["groups"]["agents"]["pickup"]["share"] = 0.0
    m = compile_scenario(sim.parse_scenario(data))
    assert m.pickup_by_idle == ((0.0, 0.2),)


@pytest.mark.parametrize("shares", [[], [0.2, 1.5], "x"])
def test_bad_share_by_idle_names_the_field(shares: Any) -> None:
    data = _two_idle([0.0])
    data["groups"]["agents"]["pickup"]["share_by_idle"] = shares
    with pytest.raises(sim.ScenarioError, match=r"groups\.agents\.pickup\.share_by_idle"):
        sim.parse_scenario(data)


def test_pickup_by_idle_of_pools_and_falls_back() -> None:
    """Hand counts: PS 100/200/50 calls with 40/20/5 late and NW 100/0/50 with 20/0/5:
    pooled 60/200, 20/200, 10/100; with min_calls 150 the third count (100 calls)
    takes the second's share; too few at one idle agent: None."""
    from forecasting.agents import pickup_by_idle_of

    counts = {
        "PS": (np.array([100, 200, 50]), np.array([40, 20, 5])),
        "NW": (np.array([100, 0, 50]), np.array([20, 0, 5])),
    }
    assert pickup_by_idle_of(counts, ("PS", "NW")) == [0.3, 0.1, 0.1]
    assert pickup_by_idle_of(counts, ("PS", "NW"), min_calls=150) == [0.3, 0.1, 0.1]
    assert pickup_by_idle_of(counts, ("PS",), min_calls=60) == [0.4, 0.1, 0.1]
    assert pickup_by_idle_of(counts, ("NW",), min_calls=100) == [0.2, 0.2, 0.2]
    assert pickup_by_idle_of(counts, ("NW",), min_calls=101) is None
    assert pickup_by_idle_of(counts, ("IN",)) is None


def test_share_by_idle_replaces_a_channels_own_share() -> None:
    """A channel with its own share 0 and delay 30 s (``pickup.channels``): with
    ``share_by_idle`` [0, 1] and two idle agents every call is delayed, by the channel's
    own 30 s."""
    data = _two_idle([0.0, 1.0])
    data["groups"]["agents"]["pickup"]["channels"] = {
        "voice": {"share": 0.0, "delay": {"distribution": "fixed", "value": 30.0}}
    }
    run = run_replication(compile_scenario(sim.parse_scenario(data)), replication_seed(1, 0))
    assert np.allclose(run.wait_end - run.arrival, 30.0, rtol=0, atol=1e-9)
