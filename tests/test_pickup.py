"""Pick-up delays (``groups.<g>.pickup``, issue 12): exact and statistical checks.

A contact routed on arrival to an idle agent of a group with a pick-up delay is, with
the group's share, answered only after the drawn delay; the agent is reserved
meanwhile and the contact waits (it abandons if its patience ends first).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

import sim
from sim.engine import ABANDONED, ANSWERED, compile_scenario, run_replication
from sim.engine.streams import replication_seed

from .helpers import FALSE_ALARM, agrees, single_queue


def _far_apart(n: int, periods: int, talk: float, minutes: int = 30) -> dict[str, Any]:
    """One agent, one call at a uniform time in each of the first n intervals (never
    overlapping when talk + delay < the interval), fixed talk time."""
    data = single_queue(
        per_interval=1, aht=talk, agents=1, patience=None, periods=periods, interval_minutes=minutes
    )
    data["warmup_minutes"] = 0
    voice = data["channels"]["voice"]
    del voice["arrivals"]
    voice["arrival_paths"] = [[1] * n + [0] * (periods - n)]
    voice["handle_time"] = {"distribution": "fixed", "value": talk}
    return data


def _kpi(res: Any, name: str) -> tuple[float, float, int]:
    row = res.channels[(res.channels.channel == "voice") & (res.channels.kpi == name)].iloc[0]
    return float(row["mean"]), float(row["ci95"]), int(row["n"])


def _occupancy(res: Any) -> tuple[float, float, int]:
    row = res.groups[(res.groups.group == "agents") & (res.groups.kpi == "occupancy")].iloc[0]
    return float(row["mean"]), float(row["ci95"]), int(row["n"])


def test_share_one_fixed_delay_every_wait_is_the_delay() -> None:
    """Calls far apart, share 1, fixed delay d: every call waits exactly d and is then
    served for T; the agent is occupied n (d + T) over the day."""
    T, d, n, periods = 100.0, 20.0, 10, 12
    data = _far_apart(n, periods, T)
    data["groups"]["agents"]["pickup"] = {
        "share": 1.0,
        "delay": {"distribution": "fixed", "value": d},
    }
    sc = sim.parse_scenario(data)
    run = run_replication(compile_scenario(sc), replication_seed(1, 0))
    assert len(run.arrival) == n and (run.outcome == ANSWERED).all()
    assert np.array_equal(run.wait_end, run.arrival + d)  # answered at arrival + d, exactly
    assert (run.handle == T).all()
    res = sim.simulate(sc, replications=3)
    assert _kpi(res, "asa")[0] == pytest.approx(d, rel=1e-12)
    staffed = periods * sc.interval_seconds
    assert _occupancy(res)[0] == pytest.approx(n * (T + d) / staffed, rel=1e-12)


def test_patience_shorter_than_the_delay_abandons_and_frees_the_agent() -> None:
    """Fixed patience 10 s < delay 30 s: every call abandons after exactly 10 s and the
    agent is reserved only until then (occupancy n x 10 s over the day)."""
    T, d, n, periods = 100.0, 30.0, 8, 10
    data = _far_apart(n, periods, T)
    data["channels"]["voice"]["patience"] = {"distribution": "fixed", "value": 10.0}
    data["groups"]["agents"]["pickup"] = {
        "share": 1.0,
        "delay": {"distribution": "fixed", "value": d},
    }
    sc = sim.parse_scenario(data)
    run = run_replication(compile_scenario(sc), replication_seed(1, 0))
    assert (run.outcome == ABANDONED).all()
    assert np.array_equal(run.wait_end, run.arrival + 10.0)
    res = sim.simulate(sc, replications=2)
    assert _kpi(res, "abandon_rate")[0] == pytest.approx(1.0)
    staffed = periods * sc.interval_seconds
    assert _occupancy(res)[0] == pytest.approx(n * 10.0 / staffed, rel=1e-12)


def test_delayed_share_is_binomial() -> None:
    """Share p: the number of delayed calls among n far-apart calls is Binomial(n, p)
    (two-sided band with the suite's false-alarm rate)."""
    p, n = 0.3, 2000
    data = _far_apart(n, n, 60.0, minutes=5)
    data["groups"]["agents"]["pickup"] = {
        "share": p,
        "delay": {"distribution": "exponential", "mean": 40.0},
    }
    run = run_replication(compile_scenario(sim.parse_scenario(data)), replication_seed(7, 0))
    waits = run.wait_end - run.arrival
    delayed = int((waits > 0).sum())
    lo, hi = stats.binom.ppf([FALSE_ALARM / 2, 1 - FALSE_ALARM / 2], n, p)
    assert lo <= delayed <= hi, (delayed, lo, hi)
    assert ((waits == 0) | (waits > 0)).all() and (run.outcome == ANSWERED).all()


def test_share_zero_runs_as_without() -> None:
    """share 0 compiles to no pick-up at all: the same records bit for bit."""
    data = single_queue(per_interval=40, aht=180, agents=5, patience=120, periods=8)
    plain = run_replication(compile_scenario(sim.parse_scenario(data)), replication_seed(1, 0))
    data["groups"]["agents"]["pickup"] = {
        "share": 0.0,
        "delay": {"distribution": "fixed", "value": 5.0},
    }
    m = compile_scenario(sim.parse_scenario(data))
    assert m.pickup == ()
    zero = run_replication(m, replication_seed(1, 0))
    assert np.array_equal(plain.wait_end, zero.wait_end)
    assert np.array_equal(plain.outcome, zero.outcome)


def test_mg1_with_exceptional_first_service() -> None:
    """One agent, Poisson arrivals (rate l), exponential talk (mean h), share p, fixed
    delay d, no abandonment: an M/G/1 queue whose customers arriving to an empty
    system have service S0 = talk + d (with probability p). By renewal, P(empty) =
    (1 - r) / (1 - r + r0) with r = l h, r0 = l E[S0]; by Brumelle's law and PASTA the
    mean workload is E[V] = l (P0 E[S0^2] + (1 - P0) E[S^2]) / (2 (1 - r)), and a call's
    recorded wait is V at its arrival plus its own delay: E[W] = E[V] + P0 p d. The
    occupancy (reserved or talking) is 1 - P0."""
    h, d, p = 60.0, 30.0, 0.5
    lam = 0.5 / h  # r = 0.5
    e_s2 = 2 * h * h
    e_s0 = h + p * d
    e_s02 = e_s2 + 2 * p * d * h + p * d * d
    r, r0 = lam * h, lam * e_s0
    p0 = (1 - r) / (1 - r + r0)
    e_v = lam * (p0 * e_s02 + (1 - p0) * e_s2) / (2 * (1 - r))
    exact_wait = e_v + p0 * p * d  # 75.0 s
    data = single_queue(
        per_interval=lam * 1800, aht=h, agents=1, patience=None, periods=192, replications=20
    )
    data["warmup_minutes"] = 120
    data["groups"]["agents"]["pickup"] = {
        "share": p,
        "delay": {"distribution": "fixed", "value": d},
    }
    res = sim.simulate(sim.parse_scenario(data))
    assert exact_wait == pytest.approx(75.0)
    assert agrees(*_kpi(res, "asa"), exact_wait), (_kpi(res, "asa"), exact_wait)
    assert agrees(*_occupancy(res), 1 - p0), (_occupancy(res), 1 - p0)


@pytest.mark.parametrize(
    ("pickup", "message"),
    [
        (
            {"share": 1.5, "delay": {"distribution": "fixed", "value": 5}},
            "groups.agents.pickup.share",
        ),
        ({"share": 0.5}, "groups.agents.pickup.delay"),
        ({"share": 0.5, "delay": {"distribution": "fixed", "value": 5}, "x": 1}, "pickup.x"),
    ],
)
def test_bad_pickup_names_the_field(pickup: dict[str, Any], message: str) -> None:
    data = single_queue(per_interval=10, aht=180, agents=2, patience=None, periods=4)
    data["groups"]["agents"]["pickup"] = pickup
    with pytest.raises(sim.ScenarioError, match=message.replace(".", r"\.")):
        sim.parse_scenario(data)


def test_retail_bank_with_pickups_conserves_contacts() -> None:
    """Every group of the shipped multi-channel scenario with a pick-up delay: every
    contact ends answered or not, none is stranded, answers come after arrivals, and the
    share of answered voice calls that waited rises against the same run without."""
    import yaml

    from .helpers import SCENARIOS

    data = yaml.safe_load((SCENARIOS / "retail_bank.yaml").read_text("utf-8"))
    plain = run_replication(compile_scenario(sim.parse_scenario(data)), replication_seed(1, 0))
    for g in data["groups"].values():
        g["pickup"] = {"share": 0.4, "delay": {"distribution": "exponential", "mean": 20.0}}
    run = run_replication(compile_scenario(sim.parse_scenario(data)), replication_seed(1, 0))
    assert run.stranded == 0
    assert set(np.unique(run.outcome)) <= {ANSWERED, ABANDONED, sim.engine.MOVED}
    answered = run.outcome == ANSWERED
    assert (run.wait_end[answered] >= run.arrival[answered]).all()
    voice = sim.parse_scenario(data).channels
    c = list(voice).index("voice")

    def waited(r: Any) -> float:
        mine = (r.outcome == ANSWERED) & (r.channel == c)
        return float((r.wait_end[mine] > r.arrival[mine]).mean())

    assert waited(run) > waited(plain)


def _two_channels(n: int, talk: float) -> dict[str, Any]:
    """:func:`_far_apart` with a second channel ``chat`` (a copy of voice) whose calls
    come in the odd intervals, voice's in the even ones: one agent, never overlapping."""
    periods = 2 * n + 2
    data = _far_apart(n, periods, talk)
    voice = data["channels"]["voice"]
    voice["arrival_paths"] = [[1, 0] * n + [0, 0]]
    data["channels"]["chat"] = {**voice, "arrival_paths": [[0, 1] * n + [0, 0]]}
    data["groups"]["agents"]["skills"] = ["voice", "chat"]
    return data


def test_a_channels_own_pickup_delays_its_contacts_only() -> None:
    """Group share 1 with a fixed 5 s delay, voice's own entry share 1 with 20 s: every
    voice call waits exactly 20 s, every chat call 5 s; with the group's share 0 and
    only voice's entry, chat calls are answered at once."""
    T, n = 100.0, 6
    data = _two_channels(n, T)
    fixed = {"distribution": "fixed", "value": 5.0}
    own = {"voice": {"share": 1.0, "delay": {"distribution": "fixed", "value": 20.0}}}
    data["groups"]["agents"]["pickup"] = {"share": 1.0, "delay": fixed, "channels": own}
    sc = sim.parse_scenario(data)
    run = run_replication(compile_scenario(sc), replication_seed(1, 0))
    voice = run.channel == list(sc.channels).index("voice")
    assert len(run.arrival) == 2 * n and (run.outcome == ANSWERED).all()
    assert np.array_equal(run.wait_end[voice], run.arrival[voice] + 20.0)
    assert np.array_equal(run.wait_end[~voice], run.arrival[~voice] + 5.0)
    data["groups"]["agents"]["pickup"] = {"share": 0.0, "delay": fixed, "channels": own}
    run = run_replication(compile_scenario(sim.parse_scenario(data)), replication_seed(1, 0))
    assert np.array_equal(run.wait_end[voice], run.arrival[voice] + 20.0)
    assert np.array_equal(run.wait_end[~voice], run.arrival[~voice])


def test_no_channel_entries_runs_as_the_groups_pickup() -> None:
    """``channels: {}`` is the group's pick-up alone: the same records bit for bit."""
    data = single_queue(per_interval=40, aht=180, agents=5, patience=120, periods=8)
    data["groups"]["agents"]["pickup"] = {
        "share": 0.4,
        "delay": {"distribution": "exponential", "mean": 20.0},
    }
    plain = run_replication(compile_scenario(sim.parse_scenario(data)), replication_seed(1, 0))
    data["groups"]["agents"]["pickup"]["channels"] = {}
    m = compile_scenario(sim.parse_scenario(data))
    assert m.pickup_channels == ()
    same = run_replication(m, replication_seed(1, 0))
    assert np.array_equal(plain.wait_end, same.wait_end)
    assert np.array_equal(plain.outcome, same.outcome)


def test_a_pickup_channel_outside_the_skills_is_named() -> None:
    data = single_queue(per_interval=10, aht=180, agents=2, patience=None, periods=4)
    data["groups"]["agents"]["pickup"] = {
        "share": 0.2,
        "delay": {"distribution": "fixed", "value": 5},
        "channels": {"chat": {"share": 0.5, "delay": {"distribution": "fixed", "value": 9}}},
    }
    with pytest.raises(sim.ScenarioError, match=r"pickup\.channels\.chat: not one of"):
        sim.parse_scenario(data)


def test_a_pickup_channel_that_is_concurrent_is_named() -> None:
    """A concurrent channel's sessions are never delayed (the engine answers them at
    once): an own pick-up entry for one would silently do nothing, so it is an error
    naming the field."""
    data = _two_channels(2, 100.0)
    data["channels"]["chat"].update(mode="concurrent", concurrency=2)
    own = {"chat": {"share": 0.5, "delay": {"distribution": "fixed", "value": 9}}}
    data["groups"]["agents"]["pickup"] = {
        "share": 0.2,
        "delay": {"distribution": "fixed", "value": 5},
        "channels": own,
    }
    with pytest.raises(
        sim.ScenarioError, match=r"groups\.agents\.pickup\.channels\.chat: .*concurrent"
    ):
        sim.parse_scenario(data)
    data["groups"]["agents"]["pickup"]["channels"] = {"voice": own["chat"]}
    assert sim.parse_scenario(data).groups["agents"].pickup is not None
