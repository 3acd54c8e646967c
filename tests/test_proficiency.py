"""Agent proficiency (``groups.<g>.handle_time_factor``, issue 12): a group's factor on
a channel scales the handle time (talk and wrap-up) of the contacts its agents serve,
at the start of service; staffing uses the factor (head-count weighted where groups
share a channel)."""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

import numpy as np
import pytest
import yaml

import sim
from sim.engine import ANSWERED, compile_scenario, run_replication
from sim.engine.raw import RawRun
from sim.engine.streams import replication_seed
from sim.plan.staffing import channel_factor, requirements

from .helpers import SCENARIOS, agrees, single_queue


def _kpi(res: Any, name: str, channel: str = "voice") -> tuple[float, float, int]:
    row = res.channels[(res.channels.channel == channel) & (res.channels.kpi == name)].iloc[0]
    return float(row["mean"]), float(row["ci95"]), int(row["n"])


def _retail(factor: float | None) -> dict[str, Any]:
    data = yaml.safe_load((SCENARIOS / "retail_bank.yaml").read_text())
    data["replications"] = 3
    if factor is not None:
        for g in data["groups"].values():
            g["handle_time_factor"] = {c: factor for c in g["skills"]}
    return data


def test_factor_one_is_bit_identical() -> None:
    """Factors of 1.0 on every skill of every group of retail_bank change nothing."""
    base = sim.parse_scenario(_retail(None))
    ones = sim.parse_scenario(_retail(1.0))
    for r in range(3):
        a = run_replication(compile_scenario(base), replication_seed(7, r))
        b = run_replication(compile_scenario(ones), replication_seed(7, r))
        assert type(a) is type(b) is RawRun
        for f in fields(RawRun):
            x, y = getattr(a, f.name), getattr(b, f.name)
            assert np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y, f.name
    ra, rb = sim.simulate(base, seed=7), sim.simulate(ones, seed=7)
    assert ra.channels.equals(rb.channels) and ra.groups.equals(rb.groups)
    assert requirements(base).equals(requirements(ones))


def test_factor_scales_talk_and_wrap_up_by_hand() -> None:
    """One agent with factor f, fixed talk T and wrap-up W: talk f T, wrap-up f W, and
    each call is answered at max(arrival, previous answer + f (T + W))."""
    T, W, f, n, periods = 100.0, 50.0, 1.3, 10, 12
    data = single_queue(per_interval=1, aht=T, agents=1, patience=None, periods=periods)
    data["warmup_minutes"] = 0
    voice = data["channels"]["voice"]
    del voice["arrivals"]
    voice["arrival_paths"] = [[1] * n + [0] * (periods - n)]
    voice["handle_time"] = {"distribution": "fixed", "value": T}
    voice["wrap_up"] = {"distribution": "fixed", "value": W}
    data["groups"]["agents"]["handle_time_factor"] = {"voice": f}
    sc = sim.parse_scenario(data)
    run = run_replication(compile_scenario(sc), replication_seed(1, 0))
    assert (run.outcome == ANSWERED).all()
    assert np.allclose(run.handle, f * T, rtol=0, atol=1e-12)
    assert np.allclose(run.wrap, f * W, rtol=0, atol=1e-12)  # type: ignore[attr-defined]
    expected = [run.arrival[0]]
    for t in run.arrival[1:]:
        expected.append(max(t, expected[-1] + f * T + f * W))
    assert np.allclose(run.wait_end, expected, rtol=0, atol=1e-9)
    res = sim.simulate(sc, replications=2)
    assert _kpi(res, "aht")[0] == pytest.approx(f * T)
    assert _kpi(res, "acw")[0] == pytest.approx(f * W)


# (factor, agents, mean patience s or None): 100 calls / 30 min, AHT 180 s, 48 h
CASES = [(1.3, 16, 300.0), (1.3, 16, None), (0.85, 12, None)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"f={c[0]}, {c[1]} agents, {c[2]}")
def test_dedicated_group_matches_erlang_with_scaled_aht(case: tuple) -> None:
    """A dedicated group with factor f is Erlang C / A with AHT x f."""
    f, agents, patience = case
    data = single_queue(per_interval=100, aht=180, agents=agents, patience=patience, periods=96)
    data["groups"]["agents"]["handle_time_factor"] = {"voice": f}
    res = sim.simulate(sim.parse_scenario(data))
    lam, aht = 100 / 1800, 180 * f
    q = (
        sim.erlang_a(lam, aht, patience, agents, 20)
        if patience
        else sim.erlang_c(lam, aht, agents, 20)
    )
    for kpi, exact in (
        ("service_level", q.service_level),
        ("asa", q.asa),
        ("abandon_rate", q.p_abandon),
        ("aht", aht),
    ):
        assert agrees(*_kpi(res, kpi), exact), (kpi, _kpi(res, kpi), exact)
    occ = res.groups[res.groups.kpi == "occupancy"].iloc[0]
    assert agrees(float(occ["mean"]), float(occ["ci95"]), int(occ["n"]), q.occupancy)


def test_concurrent_sessions_match_erlang_with_scaled_aht() -> None:
    """10 dedicated chat agents x 3 sessions (no stretch) with factor 0.8: Erlang A
    with 30 servers and AHT 420 x 0.8."""
    exp = lambda m: {"distribution": "exponential", "mean": m}  # noqa: E731
    data = {
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
                "arrivals": 150,
                "handle_time": exp(420),
                "patience": exp(240),
                "service_level": {"target": 0.9, "threshold": 30},
            }
        },
        "groups": {
            "digital": {"skills": ["chat"], "agents": 10, "handle_time_factor": {"chat": 0.8}}
        },
    }
    res = sim.simulate(sim.parse_scenario(data))
    q = sim.erlang_a(150 / 1800, 336, 240, 30, 30)
    for kpi, exact in (
        ("service_level", q.service_level),
        ("asa", q.asa),
        ("abandon_rate", q.p_abandon),
        ("aht", 336),
    ):
        assert agrees(*_kpi(res, kpi, "chat"), exact), (kpi, _kpi(res, kpi, "chat"), exact)


def test_staffing_uses_the_group_factor() -> None:
    """Erlang staffing of a dedicated group with factor f equals that with AHT x f;
    groups sharing a channel use the head-count-weighted mean factor."""
    for patience in (None, 300.0):
        base = single_queue(per_interval=100, aht=180, agents=14, patience=patience, periods=8)
        scaled = copy.deepcopy(base)
        scaled["groups"]["agents"]["handle_time_factor"] = {"voice": 1.3}
        plain = copy.deepcopy(base)
        plain["channels"]["voice"]["handle_time"] = {"distribution": "exponential", "mean": 234}
        rs = requirements(sim.parse_scenario(scaled))
        rp = requirements(sim.parse_scenario(plain))
        assert np.allclose(rs["handle_time"], 234)
        assert rs["productive"].tolist() == rp["productive"].tolist()
    shared = single_queue(per_interval=100, aht=180, agents=6, patience=None, periods=2)
    shared["groups"]["agents"]["handle_time_factor"] = {"voice": 1.3}
    shared["groups"]["experts"] = {
        "skills": ["voice"],
        "agents": [2, 0],
        "handle_time_factor": {"voice": 0.8},
    }
    shared["warmup_minutes"] = 0
    sc = sim.parse_scenario(shared)
    # period 0: (6 x 1.3 + 2 x 0.8) / 8; period 1: only the new hires
    assert channel_factor(sc, "voice").tolist() == pytest.approx([(6 * 1.3 + 2 * 0.8) / 8, 1.3])
    req = requirements(sc)
    assert req["handle_time"].tolist() == pytest.approx([180 * 1.175, 180 * 1.3])


@pytest.mark.parametrize(
    ("factors", "message"),
    [
        ({"chat": 1.2}, "groups.agents.handle_time_factor.chat: not one of the group's skills"),
        ({"voice": 0}, "groups.agents.handle_time_factor.voice: must be a number > 0"),
        ({"voice": -1.3}, "groups.agents.handle_time_factor.voice: must be a number > 0"),
        ({"voice": "fast"}, "groups.agents.handle_time_factor.voice: must be a number"),
        ({"voice": float("inf")}, "groups.agents.handle_time_factor.voice: must be a number > 0"),
    ],
)
def test_validation_names_the_field(factors: dict[str, Any], message: str) -> None:
    data = single_queue(per_interval=100, aht=180, agents=14, patience=None, periods=2)
    data["groups"]["agents"]["handle_time_factor"] = factors
    with pytest.raises(sim.ScenarioError) as err:
        sim.parse_scenario(data)
    assert message in str(err.value), str(err.value)
