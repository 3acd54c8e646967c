"""Pick-up hand-off (``groups.<g>.pickup.handoff``, issue 12): a delayed contact queues
for any agent while the chosen agent is away for the delay. Checked against an exact
continuous-time Markov chain and a hand-computed case."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import sim
from sim.engine import ANSWERED, compile_scenario, run_replication
from sim.engine.streams import replication_seed

from .helpers import agrees, single_queue
from .test_pickup import _far_apart, _kpi, _occupancy


def _handoff_chain(
    c: int, lam: float, mu: float, p: float | tuple[float, ...], theta: float, q_max: int = 80
) -> tuple[float, float, float]:
    """Exact M/M/c with hand-off pick-ups (no abandonment): state (b talking, r away, q
    queued). An arrival finding an idle agent is answered (1 - p) or makes the agent
    away and queues (p); otherwise it queues. A talk ends at rate b mu, an absence at
    rate r theta; the freed agent takes the queue's head if any. ``p`` a tuple: the
    share by the idle agents n at the arrival, entry n (1-based), the last for more.
    Returns (mean wait = E[q] / lam by Little's law, share answered at once = the sum
    over states with idle agents of P(state) (1 - p) by PASTA, occupancy = E[b + r] /
    c). q is truncated at ``q_max`` (mass there negligible)."""
    shares = (p,) if isinstance(p, float) else p

    def p_of(n_idle: int) -> float:
        return shares[min(n_idle, len(shares)) - 1]

    states = [(b, r, q) for b in range(c + 1) for r in range(c + 1 - b) for q in range(q_max + 1)]
    index = {s: i for i, s in enumerate(states)}
    n = len(states)
    gen = np.zeros((n, n))

    def add(s: tuple[int, int, int], t: tuple[int, int, int], rate: float) -> None:
        if rate > 0 and t in index:
            gen[index[s], index[t]] += rate

    for b, r, q in states:
        s = (b, r, q)
        if b + r < c:
            add(s, (b + 1, r, q), lam * (1 - p_of(c - b - r)))
            add(s, (b, r + 1, q + 1), lam * p_of(c - b - r))
        else:
            add(s, (b, r, q + 1), lam)
        add(s, (b, r, q - 1) if q else (b - 1, r, q), b * mu)
        add(s, (b + 1, r - 1, q - 1) if q else (b, r - 1, q), r * theta)
    np.fill_diagonal(gen, -gen.sum(axis=1))
    a = np.vstack([gen.T, np.ones(n)])
    pi = np.linalg.lstsq(a, np.r_[np.zeros(n), 1.0], rcond=None)[0]
    st = np.array(states, float)
    assert pi[st[:, 2] == q_max].sum() < 1e-9
    n_idle = c - st[:, 0] - st[:, 1]
    at_once = np.array([1 - p_of(int(n)) if n > 0 else 0.0 for n in n_idle])
    return (
        float(pi @ st[:, 2]) / lam,
        float(pi @ at_once),
        float(pi @ (st[:, 0] + st[:, 1])) / c,
    )


def _mmc(handoff: bool) -> dict[str, Any]:
    h, d, p, c = 60.0, 90.0, 0.5, 3
    lam = 1.5 / h  # 1.5 erlangs on 3 agents
    data = single_queue(
        per_interval=lam * 1800, aht=h, agents=c, patience=None, periods=144, replications=20
    )
    data["warmup_minutes"] = 120
    data["channels"]["voice"]["service_level"]["threshold"] = 1e-9  # answered at once
    data["groups"]["agents"]["pickup"] = {
        "share": p,
        "delay": {"distribution": "exponential", "mean": d},
        "handoff": handoff,
    }
    return data


def test_mmc_handoff_matches_the_markov_chain() -> None:
    """3 agents, 1.5 erlangs, half the idle answers delayed by an exponential 90 s
    absence: the simulated mean wait, share answered at once and occupancy agree with
    the chain's; the hand-off waits less than holding the contact for its agent
    (whose every delayed call waits the whole delay)."""
    exact_wait, exact_now, exact_occ = _handoff_chain(3, 1.5 / 60.0, 1 / 60.0, 0.5, 1 / 90.0)
    res = sim.simulate(sim.parse_scenario(_mmc(True)))
    assert agrees(*_kpi(res, "asa"), exact_wait), (_kpi(res, "asa"), exact_wait)
    assert agrees(*_kpi(res, "service_level"), exact_now), (_kpi(res, "service_level"), exact_now)
    assert agrees(*_occupancy(res), exact_occ), (_occupancy(res), exact_occ)
    held = sim.simulate(sim.parse_scenario(_mmc(False)))
    assert _kpi(held, "asa")[0] > 1.25 * exact_wait  # 52.7 s against 38.7 s (seed 1)


def test_one_agent_handoff_is_the_held_pick_up() -> None:
    """With one agent nobody else can take the contact: the agent back after the delay
    takes the queue's head, the same contact, so every wait is the delay, as without
    hand-off (far-apart calls, share 1, fixed delay)."""
    T, d, n, periods = 100.0, 20.0, 10, 12
    data = _far_apart(n, periods, T)
    data["groups"]["agents"]["pickup"] = {
        "share": 1.0,
        "delay": {"distribution": "fixed", "value": d},
        "handoff": True,
    }
    sc = sim.parse_scenario(data)
    run = run_replication(compile_scenario(sc), replication_seed(1, 0))
    assert len(run.arrival) == n and (run.outcome == ANSWERED).all()
    assert np.allclose(run.wait_end, run.arrival + d, rtol=0, atol=1e-9)
    res = sim.simulate(sc, replications=2)
    assert _occupancy(res)[0] == pytest.approx(n * (T + d) / (periods * sc.interval_seconds))


def test_handoff_off_is_the_held_pick_up_bit_for_bit() -> None:
    """``handoff: false`` is the default: the same records as without the key."""
    data = single_queue(per_interval=40, aht=180, agents=5, patience=120, periods=8)
    data["groups"]["agents"]["pickup"] = {
        "share": 0.3,
        "delay": {"distribution": "exponential", "mean": 30.0},
    }
    plain = run_replication(compile_scenario(sim.parse_scenario(data)), replication_seed(1, 0))
    data["groups"]["agents"]["pickup"]["handoff"] = False
    m = compile_scenario(sim.parse_scenario(data))
    assert m.pickup_handoff == ()
    off = run_replication(m, replication_seed(1, 0))
    assert np.array_equal(plain.wait_end, off.wait_end)
    assert np.array_equal(plain.outcome, off.outcome)


def test_bad_handoff_names_the_field() -> None:
    data = single_queue(per_interval=10, aht=180, agents=2, patience=None, periods=4)
    data["groups"]["agents"]["pickup"] = {
        "share": 0.5,
        "delay": {"distribution": "fixed", "value": 5},
        "handoff": "maybe",
    }
    with pytest.raises(sim.ScenarioError, match=r"groups\.agents\.pickup\.handoff"):
        sim.parse_scenario(data)


def test_retail_bank_with_handoffs_conserves_contacts() -> None:
    """Every group of the shipped multi-channel scenario (voice, chat, email, messaging,
    journeys) handing its pick-ups off: no contact stranded, every one ends answered,
    abandoned or moved, and answers come after arrivals."""
    import yaml

    from .helpers import SCENARIOS

    data = yaml.safe_load((SCENARIOS / "retail_bank.yaml").read_text("utf-8"))
    for g in data["groups"].values():
        g["pickup"] = {
            "share": 0.4,
            "delay": {"distribution": "exponential", "mean": 60.0},
            "handoff": True,
        }
    m = compile_scenario(sim.parse_scenario(data))
    assert all(m.pickup_handoff)
    run = run_replication(m, replication_seed(1, 0))
    assert run.stranded == 0
    assert set(np.unique(run.outcome)) <= {ANSWERED, sim.engine.ABANDONED, sim.engine.MOVED}
    answered = run.outcome == ANSWERED
    assert (run.wait_end[answered] >= run.arrival[answered]).all()
