"""After-call work (``channels.<c>.wrap_up``, issue 12): exact and statistical checks.

The agent stays busy for the wrap-up after the customer leaves; the customer's contact
(and the journey) ends at talk end. ``aht`` stays talk time, ``acw`` is the mean
wrap-up per answered contact, occupancy includes it, and staffing uses talk + wrap-up.
"""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

import numpy as np
import pytest
import yaml

import sim
from sim.engine import compile_scenario, run_replication
from sim.engine.raw import RawRun, WrappedRun
from sim.engine.streams import replication_seed
from sim.plan.staffing import requirements

from .helpers import ERLANG_CASES, SCENARIOS, agrees, single_queue


def _kpi(res: Any, name: str, channel: str = "voice") -> tuple[float, float, int]:
    row = res.channels[(res.channels.channel == channel) & (res.channels.kpi == name)].iloc[0]
    return float(row["mean"]), float(row["ci95"]), int(row["n"])


def _occupancy(res: Any, group: str = "agents") -> tuple[float, float, int]:
    row = res.groups[(res.groups.group == group) & (res.groups.kpi == "occupancy")].iloc[0]
    return float(row["mean"]), float(row["ci95"]), int(row["n"])


def test_fixed_talk_and_wrap_by_hand() -> None:
    """One agent, one call per interval, fixed talk T and wrap-up W: each call is
    answered at max(its arrival, the previous answer + T + W) (the agent is held for
    the wrap-up, FIFO), the customer leaves at answer + T, and over a window that ends
    after the last wrap-up the agent is busy exactly n (T + W)."""
    T, W, n, periods = 100.0, 50.0, 10, 12
    data = single_queue(per_interval=1, aht=T, agents=1, patience=None, periods=periods)
    data["warmup_minutes"] = 0
    voice = data["channels"]["voice"]
    del voice["arrivals"]
    voice["arrival_paths"] = [[1] * n + [0] * (periods - n)]
    voice["handle_time"] = {"distribution": "fixed", "value": T}
    voice["wrap_up"] = {"distribution": "fixed", "value": W}
    sc = sim.parse_scenario(data)
    run = run_replication(compile_scenario(sc), replication_seed(1, 0))
    assert isinstance(run, WrappedRun)
    assert len(run.arrival) == n and (run.outcome == sim.engine.ANSWERED).all()
    expected = [run.arrival[0]]
    for t in run.arrival[1:]:
        expected.append(max(t, expected[-1] + T + W))
    assert run.wait_end.tolist() == expected
    assert (run.handle == T).all() and (run.wrap == W).all()
    assert np.allclose(run.journey_end, run.wait_end + T)  # the customer leaves at talk end

    res = sim.simulate(sc, replications=3)
    assert _kpi(res, "aht")[0] == pytest.approx(T, abs=1e-9)
    assert _kpi(res, "acw")[0] == pytest.approx(W, abs=1e-9)
    staffed = periods * sc.interval_seconds
    assert _occupancy(res)[0] == pytest.approx(n * (T + W) / staffed, rel=1e-12)
    # time to resolution ends at talk end: wait + T
    ttr = res.journeys.set_index("kpi").loc["time_to_resolution", "mean"]
    asa = _kpi(res, "asa")[0]
    assert ttr == pytest.approx(asa + T, rel=1e-12)


def test_occupancy_is_offered_load_with_wrap_up() -> None:
    """Under-loaded queue: occupancy = arrival rate x (talk + wrap-up) / agents
    (conservation of work), aht = talk mean, acw = wrap-up mean."""
    T, W, agents, per_interval = 180.0, 60.0, 20, 100
    data = single_queue(per_interval=per_interval, aht=T, agents=agents, patience=None, periods=32)
    data["channels"]["voice"]["wrap_up"] = {"distribution": "gamma", "mean": W, "cv": 0.5}
    res = sim.simulate(sim.parse_scenario(data))
    exact = per_interval / 1800 * (T + W) / agents
    assert agrees(*_occupancy(res), exact), (_occupancy(res), exact)
    assert agrees(*_kpi(res, "aht"), T)
    assert agrees(*_kpi(res, "acw"), W)


@pytest.mark.parametrize("case", ERLANG_CASES[:2], ids=lambda c: c[0])
def test_all_wrap_up_no_talk_is_erlang(case: tuple) -> None:
    """Talk of 0 and exponential wrap-up: the customer leaves when answered and the
    agent works an exponential time after, so the queue is exactly M/M/c(+M) with the
    wrap-up as service (Erlang C / A); aht 0 and acw the wrap-up mean."""
    _, per_min, mean, agents, patience, hours, reps = case
    data = single_queue(
        per_interval=per_min * 30,
        aht=mean,
        agents=agents,
        patience=patience,
        periods=hours * 2,
        replications=reps,
    )
    voice = data["channels"]["voice"]
    voice["handle_time"] = {"distribution": "fixed", "value": 0}
    voice["wrap_up"] = {"distribution": "exponential", "mean": mean}
    res = sim.simulate(sim.parse_scenario(data))
    lam = per_min / 60
    q = (
        sim.erlang_a(lam, mean, patience, agents, 20)
        if patience
        else sim.erlang_c(lam, mean, agents, 20)
    )
    for kpi, exact in (
        ("service_level", q.service_level),
        ("asa", q.asa),
        ("p_wait", q.p_wait),
        ("abandon_rate", q.p_abandon),
    ):
        assert agrees(*_kpi(res, kpi), exact), (kpi, _kpi(res, kpi), exact)
    assert agrees(*_occupancy(res), q.occupancy), (_occupancy(res), q.occupancy)
    assert _kpi(res, "aht")[0] == 0.0
    assert agrees(*_kpi(res, "acw"), mean)


def _retail(wrap: dict[str, Any] | None) -> sim.Scenario:
    data = yaml.safe_load((SCENARIOS / "retail_bank.yaml").read_text())
    data["replications"] = 3
    if wrap is not None:
        for ch in data["channels"].values():
            if ch.get("mode", "synchronous") != "concurrent":
                ch["wrap_up"] = copy.deepcopy(wrap)
    return sim.parse_scenario(data)


def test_zero_wrap_up_is_bit_identical() -> None:
    """A wrap-up of fixed 0 on every synchronous and deferred channel of retail_bank
    (journeys, blending, deferred work) changes no draw and no result; acw is 0."""
    base, zero = _retail(None), _retail({"distribution": "fixed", "value": 0})
    for r in range(3):
        a = run_replication(compile_scenario(base), replication_seed(7, r))
        b = run_replication(compile_scenario(zero), replication_seed(7, r))
        assert type(a) is RawRun and isinstance(b, WrappedRun)
        for f in fields(RawRun):
            x, y = getattr(a, f.name), getattr(b, f.name)
            if isinstance(x, np.ndarray):
                assert np.array_equal(x, y), f.name
            else:
                assert x == y, f.name
        assert not b.wrap.any()
    ra = sim.simulate(base, seed=7)
    rb = sim.simulate(zero, seed=7)
    assert (rb.channels[rb.channels.kpi == "acw"]["mean"].fillna(0) == 0).all()
    kept = rb.channels[rb.channels.kpi != "acw"].reset_index(drop=True)
    assert ra.channels.reset_index(drop=True).equals(kept)
    assert ra.groups.equals(rb.groups)
    assert ra.journeys.equals(rb.journeys)


def test_no_wrap_up_reports_no_acw() -> None:
    """Without wrap-up the results keep exactly today's KPIs (no acw)."""
    res = sim.simulate(_retail(None), seed=7)
    assert "acw" not in set(res.channels.kpi)
    assert "acw" not in res.to_dict()["channels"]["voice"]


def test_acw_in_json_contract() -> None:
    res = sim.simulate(_retail({"distribution": "exponential", "mean": 30}), seed=7)
    d = res.to_dict()["channels"]
    for c in ("voice", "chat", "email"):
        assert set(d[c]["acw"]) == {"mean", "ci95"}
    assert d["chat"]["acw"]["mean"] == 0.0  # concurrent: no wrap-up
    assert 25 < d["voice"]["acw"]["mean"] < 35


def test_staffing_uses_talk_plus_wrap_up() -> None:
    """Erlang staffing with talk T and wrap-up W equals Erlang staffing with handle
    time T + W (Erlang C and Erlang A), for voice and the deferred fluid model."""
    for patience in (None, 300.0):
        base = single_queue(per_interval=100, aht=180, agents=14, patience=patience, periods=8)
        wrapped = copy.deepcopy(base)
        wrapped["channels"]["voice"]["wrap_up"] = {"distribution": "fixed", "value": 60}
        plain = copy.deepcopy(base)
        plain["channels"]["voice"]["handle_time"] = {"distribution": "exponential", "mean": 240}
        rw = requirements(sim.parse_scenario(wrapped))
        rp = requirements(sim.parse_scenario(plain))
        assert (rw["handle_time"] == 240).all()
        assert rw["productive"].tolist() == rp["productive"].tolist()
        assert rw["service_level"].tolist() == rp["service_level"].tolist()
        r0 = requirements(sim.parse_scenario(base))
        assert (rw["productive"] > r0["productive"]).all()
    email_w = _retail({"distribution": "fixed", "value": 120})
    req_w = requirements(email_w)
    req_0 = requirements(_retail(None))
    e_w, e_0 = req_w[req_w.channel == "email"], req_0[req_0.channel == "email"]
    assert (e_w["handle_time"] == e_0["handle_time"] + 120).all()
    assert (e_w["productive"].to_numpy() >= e_0["productive"].to_numpy()).all()
    assert e_w["productive"].sum() > e_0["productive"].sum()


def test_wrap_up_on_concurrent_channel_is_rejected() -> None:
    data = yaml.safe_load((SCENARIOS / "retail_bank.yaml").read_text())
    data["channels"]["chat"]["wrap_up"] = {"distribution": "fixed", "value": 30}
    with pytest.raises(sim.ScenarioError) as err:
        sim.parse_scenario(data)
    assert "channels.chat.wrap_up" in str(err.value)
    data["channels"]["chat"].pop("wrap_up")
    data["channels"]["voice"]["wrap_up"] = {"distribution": "fixed", "value": -1}
    with pytest.raises(sim.ScenarioError) as err:
        sim.parse_scenario(data)
    assert "channels.voice.wrap_up" in str(err.value)
