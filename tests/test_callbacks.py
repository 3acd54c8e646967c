"""Call-backs (virtual hold, ``channels.<c>.callback``, issue 12 behaviour 4).

Hand-computed answers (nobody abandons when everyone takes a call-back; a scheduled
call-back is called exactly ``delay`` after the request when agents are free), an
offer nobody accepts changes nothing, conservation with unanswered call-backs, and
the reach probability against an exact binomial test.
"""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

import numpy as np
import pytest
from scipy import stats

import sim
from sim.engine import ABANDONED, ANSWERED, compile_scenario, first_contacts, run_replication
from sim.engine.raw import RawRun, ShapedRun
from sim.engine.streams import replication_seed

from .helpers import FALSE_ALARM, single_queue


def _kpi(res: Any, name: str, channel: str = "voice") -> np.ndarray:
    """Per replication values of one channel KPI."""
    reps = res.channel_reps
    return reps.loc[reps.channel == channel, name].to_numpy()


def _rush_then_staffed(callback: dict[str, Any], agents_later: int = 60) -> dict[str, Any]:
    """30 calls per 15 min on 2 agents for an hour, then no calls and many agents."""
    data = single_queue(
        per_interval=30, aht=240, agents=2, patience=120, interval_minutes=15, periods=8
    )
    data["warmup_minutes"] = 0
    data["replications"] = 4
    voice = data["channels"]["voice"]
    voice["arrivals"] = [30] * 4 + [0] * 4
    voice["callback"] = callback
    data["groups"]["agents"]["agents"] = [2] * 4 + [agents_later] * 4
    return data


def test_everyone_accepting_a_callback_means_nobody_abandons() -> None:
    """accept 1, offer_after 0: every caller who finds no agent free takes a call-back
    and keeps their place; with agents later everyone is answered, each accepted
    call-back is called once, and the call-backs are exactly the callers who waited."""
    sc = sim.parse_scenario(_rush_then_staffed({"offer_after": 0, "accept": 1}))
    res = sim.simulate(sc, keep_runs=True)
    assert (_kpi(res, "abandoned") == 0).all()
    assert (_kpi(res, "answered") == _kpi(res, "offered")).all()
    assert (_kpi(res, "callback_offered") == _kpi(res, "callback_accepted")).all()
    assert (_kpi(res, "callbacks_made") == _kpi(res, "callback_accepted")).all()
    for run, offered in zip(res.runs, _kpi(res, "callback_offered"), strict=True):
        waited = int((run.wait_end > run.arrival).sum())
        assert offered == waited > 0  # who found an agent free was answered at once
    # two agents against 8 Erlangs: most callers waited, so most would have abandoned
    assert (_kpi(res, "abandon_avoided") > 0.5 * _kpi(res, "callback_accepted")).all()


def test_scheduled_callback_is_called_exactly_after_its_delay() -> None:
    """No agent in the first hour (every caller is told an infinite wait), then 200
    agents and no calls: a call-back scheduled ``delay`` after its request finds an
    idle agent, so each is answered exactly ``delay`` s after arrival; abandonment
    avoided counts exactly the customers whose drawn patience is below the delay."""
    delay = 3600.0
    data = _rush_then_staffed({"offer_after": 0, "accept": 1, "delay": delay}, 200)
    data["groups"]["agents"]["agents"] = [0] * 4 + [200] * 4
    sc = sim.parse_scenario(data)
    m = compile_scenario(sc)
    res = sim.simulate(sc, keep_runs=True)
    for r, run in enumerate(res.runs):
        assert (run.outcome == ANSWERED).all()
        assert np.allclose(run.wait_end - run.arrival, delay, rtol=0, atol=1e-6)
        patience = first_contacts(m, replication_seed(sc.seed, r)).patience
        assert _kpi(res, "abandon_avoided")[r] == (patience < delay).sum()
    assert np.allclose(_kpi(res, "time_to_callback"), delay)


def test_nobody_accepting_changes_nothing() -> None:
    """accept 0: offers are made and refused, and the raw run is bit for bit the run
    without call-backs (the offer uniform is a stream of its own)."""
    base = sim.parse_scenario(_rush_then_staffed({"offer_after": 0, "accept": 1}))
    data = base.to_dict()
    del data["channels"]["voice"]["callback"]
    plain = compile_scenario(sim.parse_scenario(data))
    data["channels"]["voice"]["callback"] = {"offer_after": 0, "accept": 0}
    refused = compile_scenario(sim.parse_scenario(data))
    for r in range(3):
        a = run_replication(plain, replication_seed(5, r))
        b = run_replication(refused, replication_seed(5, r))
        assert type(a) is RawRun and isinstance(b, ShapedRun)
        assert len(b.offers.cb_contact) > 0 and not b.offers.cb_accepted.any()
        for f in fields(RawRun):
            x, y = getattr(a, f.name), getattr(b, f.name)
            assert np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y, f.name


@pytest.mark.parametrize("retries", [0, 2])
def test_unreached_callbacks_conserve_contacts(retries: int) -> None:
    """reach 0.7: offered = answered + abandoned; with no retries each accepted
    call-back is called once and the unanswered ones end abandoned, their share
    binomial(1 - reach); with retries every abandoned call-back was called 1 + retries
    times and no call-back more often."""
    reach = 0.7
    cb = {"offer_after": 0, "accept": 1, "reach": reach, "retries": retries, "retry_after": 60}
    sc = sim.parse_scenario(_rush_then_staffed(cb))
    res = sim.simulate(sc, keep_runs=True)
    assert (_kpi(res, "answered") + _kpi(res, "abandoned") == _kpi(res, "offered")).all()
    unreached = 0
    accepted = 0
    for run in res.runs:
        rec = run.offers
        k = rec.cb_contact[rec.cb_accepted]
        calls = rec.cb_calls[rec.cb_accepted]
        lost = run.outcome[k] == ABANDONED
        assert (calls[lost] == 1 + retries).all() and (calls <= 1 + retries).all()
        assert (calls >= 1).all()
        unreached += int(lost.sum())
        accepted += len(k)
    assert (_kpi(res, "callbacks_made") >= _kpi(res, "callback_accepted")).all()
    p = (1 - reach) ** (retries + 1)
    assert stats.binomtest(unreached, accepted, p).pvalue > FALSE_ALARM


def test_unreached_calls_keep_the_agent_busy() -> None:
    """An unanswered call-back holds the agent ``attempt_time`` s: with reach 0 every
    accepted call-back is one unanswered call, and occupancy x staffed time equals the
    answered contacts' handle time + calls x attempt_time exactly."""
    attempt = 45.0
    cb = {"offer_after": 0, "accept": 1, "reach": 0, "attempt_time": attempt}
    data = _rush_then_staffed(cb)
    sc = sim.parse_scenario(data)
    res = sim.simulate(sc, keep_runs=True, replications=2)
    staffed = sum(sc.productive("agents")) * sc.interval_seconds
    occ = res.group_reps.loc[res.group_reps.group == "agents", "occupancy"].to_numpy()
    for r, run in enumerate(res.runs):
        answered = run.outcome == ANSWERED
        calls = run.offers.cb_calls.sum()
        busy = run.handle[answered].sum() + calls * attempt
        # the window ends at 2 h; everything here is worked off well before
        assert (run.wait_end + run.handle).max() + attempt < sc.horizon_seconds
        assert occ[r] * staffed == pytest.approx(busy, rel=1e-9)


def test_callback_config_errors_name_the_field() -> None:
    data = _rush_then_staffed({"offer_after": 0, "accept": 1.5})
    with pytest.raises(sim.ScenarioError, match=r"channels\.voice\.callback\.accept"):
        sim.parse_scenario(data)
    data = copy.deepcopy(data)
    data["channels"]["voice"]["callback"] = {"offer_after": 0, "accept": {"soon": 0.5}}
    with pytest.raises(sim.ScenarioError, match=r"callback\.accept: .*'soon'"):
        sim.parse_scenario(data)
    data["channels"]["voice"]["mode"] = "concurrent"
    data["channels"]["voice"]["concurrency"] = 2
    data["channels"]["voice"]["callback"] = {"offer_after": 0, "accept": 1}
    with pytest.raises(sim.ScenarioError, match=r"callback: only for synchronous"):
        sim.parse_scenario(data)


def test_accept_table_steps_with_the_announced_wait() -> None:
    """accept {0: 0, 600: 1}: only callers told at least 600 s take a call-back; with
    two agents and a 240 s mean handle time that is queue position >= 5."""
    cb = {"offer_after": 0, "accept": {0: 0.0, 600: 1.0}}
    sc = sim.parse_scenario(_rush_then_staffed(cb))
    res = sim.simulate(sc, keep_runs=True, replications=2)
    for run in res.runs:
        rec = run.offers
        assert rec.cb_accepted.any() and not rec.cb_accepted.all()
    from sim.engine.shaping import accept_probability

    steps = ((0.0, 0.0), (600.0, 1.0))
    assert accept_probability(steps, 599.9) == 0 and accept_probability(steps, 600) == 1
    assert accept_probability(((300.0, 0.5),), 10) == 0
