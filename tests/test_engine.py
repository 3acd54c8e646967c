"""Engine behaviours on small, mostly deterministic set-ups (fixed times, few agents)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.engine import ABANDONED, ANSWERED, MAX_ATTEMPTS, compile_scenario, run_replication
from sim.engine.streams import replication_seeds

FIXED = lambda v: {"distribution": "fixed", "value": v}  # noqa: E731
EXP = lambda m: {"distribution": "exponential", "mean": m}  # noqa: E731


def one_run(data: dict, rep: int = 0):
    sc = sim.parse_scenario({"name": "t", "interval_minutes": 15, **data})
    m = compile_scenario(sc)
    return m, run_replication(m, replication_seeds(sc.seed, rep + 1)[rep])


def test_fifo_within_a_channel_and_skill_priority():
    """A freed agent takes the first channel in its skill list, oldest contact first."""
    m, run = one_run(
        {
            "periods": 8,
            "channels": {
                "voice": {"arrivals": 60, "handle_time": EXP(200), "patience": EXP(400)},
                "chat": {"arrivals": 40, "handle_time": EXP(200), "patience": EXP(400)},
            },
            "groups": {
                "phones": {"skills": ["voice"], "agents": 8},
                "digital": {"skills": ["chat", "voice"], "agents": 6},
            },
        }
    )
    ans = run.outcome == ANSWERED
    for c in range(2):
        mine = ans & (run.channel == c)
        order = np.argsort(run.wait_end[mine], kind="stable")
        assert np.all(np.diff(run.arrival[mine][order]) >= 0), "answered out of arrival order"
    # whenever digital took a call, no chat was waiting
    chat = run.channel == 1
    took_voice = np.flatnonzero(ans & (run.group == 1) & (run.channel == 0))
    assert len(took_voice) > 10
    for k in took_voice:
        t = run.wait_end[k]
        waiting = chat & (run.arrival < t) & (run.wait_end > t)
        assert not waiting.any()


def test_longest_idle_agent_gets_the_contact():
    """Two single-agent groups, always both idle: contacts alternate between them."""
    m, run = one_run(
        {
            "periods": 16,
            "channels": {"voice": {"arrivals": 3, "handle_time": FIXED(1)}},
            "groups": {
                "a": {"skills": ["voice"], "agents": 1},
                "b": {"skills": ["voice"], "agents": 1},
            },
        }
    )
    assert (np.diff(run.arrival) > 1).all()  # both idle at every arrival
    groups = run.group[np.argsort(run.arrival)]
    assert len(groups) > 20
    assert (groups[1:] != groups[:-1]).all()


def test_headcount_drop_lets_agents_finish():
    """5 agents until 15:00 min then none: contacts in service finish, none start after
    (everyone waiting gives up before the drain brings the next day's agents)."""
    m, run = one_run(
        {
            "periods": 2,
            "channels": {
                "voice": {"arrivals": [40, 0], "handle_time": FIXED(600), "patience": FIXED(600)}
            },
            "groups": {"a": {"skills": ["voice"], "agents": [5, 0]}},
        }
    )
    ans = run.outcome == ANSWERED
    assert (run.wait_end[ans] < 900).all()
    finishing = ans & (run.wait_end + run.handle > 900)
    assert finishing.sum() == 5  # every agent was mid-contact at the drop
    assert (run.outcome[~ans] == ABANDONED).all()
    present = run.staff_present[run.staff_times > 900]
    assert list(present) == [4, 3, 2, 1, 0]  # they leave one by one as contacts end
    # a headcount rise at a boundary takes waiting contacts at once
    m, run = one_run(
        {
            "periods": 2,
            "channels": {"voice": {"arrivals": [20, 0], "handle_time": FIXED(60)}},
            "groups": {"a": {"skills": ["voice"], "agents": [0, 3]}},
        }
    )
    assert (run.outcome == ANSWERED).all()
    first_answers = np.sort(run.wait_end)[:3]
    assert (first_answers == 900).all()


def test_warmup_is_not_counted():
    sc = sim.parse_scenario(
        {
            "name": "w",
            "interval_minutes": 15,
            "periods": 4,
            "warmup_minutes": 30,
            "replications": 2,
            "channels": {"voice": {"arrivals": [100, 100, 7, 7], "handle_time": FIXED(10)}},
            "groups": {"a": {"skills": ["voice"], "agents": 10}},
        }
    )
    res = sim.simulate(sc, keep_runs=True)
    counted = [int(((r.arrival >= 1800) & (r.arrival < 3600)).sum()) for r in res.runs]
    assert res.channel_reps["offered"].tolist() == counted
    assert res.kpi("voice", "offered")[0] < 40  # only the two quiet periods


def test_max_attempts_caps_journeys():
    """Nobody to answer, patience 1 s, always redial: every journey makes 3 contacts."""
    m, run = one_run(
        {
            "periods": 2,
            "channels": {"voice": {"arrivals": 10, "handle_time": FIXED(60), "patience": FIXED(1)}},
            "groups": {"a": {"skills": ["voice"], "agents": 0}},
            "journeys": {
                "max_attempts": 3,
                "transitions": [
                    {
                        "from": "voice",
                        "on": "abandon",
                        "to": "voice",
                        "probability": 1,
                        "delay": FIXED(5),
                    }
                ],
            },
        }
    )
    assert (run.outcome == ABANDONED).all()
    assert (np.bincount(run.journey) == 3).all()
    assert (run.journey_outcome == MAX_ATTEMPTS).all()
    assert np.allclose(run.wait, 1.0)


def test_unresolved_contacts_come_back():
    """Resolution 0.5 and always recontact: contacts per journey ~ 2 (capped at 10)."""
    sc = sim.parse_scenario(
        {
            "name": "r",
            "interval_minutes": 15,
            "periods": 8,
            "replications": 5,
            "channels": {"voice": {"arrivals": 30, "handle_time": EXP(60)}},
            "groups": {"a": {"skills": ["voice"], "agents": 20}},
            "journeys": {
                "max_attempts": 10,
                "resolution": {"voice": 0.5},
                "transitions": [
                    {
                        "from": "voice",
                        "on": "unresolved",
                        "to": "voice",
                        "probability": 1,
                        "delay": EXP(120),
                    }
                ],
            },
        }
    )
    res = sim.simulate(sc)
    j = res.journeys.set_index("kpi")
    expected = sum(0.5**k for k in range(10))  # E[min(Geometric(0.5), 10)]
    assert j.loc["mean_attempts", "mean"] == pytest.approx(
        expected, abs=3 * j.loc["mean_attempts", "ci95"] + 0.01
    )
    assert j.loc["resolved", "mean"] + j.loc["max_attempts", "mean"] == pytest.approx(
        j.loc["customers", "mean"]
    )


def test_drain_and_stranded_contacts():
    # ample staff: everything offered is answered, some after the last period
    m, run = one_run(
        {
            "periods": 2,
            "channels": {"voice": {"arrivals": 50, "handle_time": EXP(300)}},
            "groups": {"a": {"skills": ["voice"], "agents": 20}},
        }
    )
    assert (run.outcome == ANSWERED).all() and run.end_time > 1800 and run.stranded == 0
    # no agent ever and infinite patience: contacts leave when nothing else can happen
    m, run = one_run(
        {
            "periods": 2,
            "channels": {"voice": {"arrivals": 5, "handle_time": EXP(300)}},
            "groups": {"a": {"skills": ["voice"], "agents": 0}},
        }
    )
    assert run.stranded == len(run.arrival) > 0
    assert (run.outcome == ABANDONED).all()


def _first_answered_unresolved_shares(sc, reps: int) -> tuple[float, float, int, int]:
    """Unresolved share among answered first contacts: (waited, answered at once, n, n)."""
    from sim.engine import LOST

    m = compile_scenario(sc)
    waited = [0, 0]  # unresolved, answered
    at_once = [0, 0]
    for rep in replication_seeds(sc.seed, reps):
        run = run_replication(m, rep)
        first = (run.attempt == 1) & (run.outcome == ANSWERED)
        lost = run.journey_outcome[run.journey] == LOST
        w = run.wait > 0
        for sel, acc in ((first & w, waited), (first & ~w, at_once)):
            acc[0] += int((sel & lost).sum())
            acc[1] += int(sel.sum())
    return waited[0] / waited[1], at_once[0] / at_once[1], waited[1], at_once[1]


@pytest.mark.parametrize("probability", [0.5, 0.7])
def test_balking_does_not_bias_resolution(probability):
    """Staying despite an announced wait says nothing about first-contact resolution.

    With one uniform deciding both, callers who stayed after a long announcement
    had drawn a uniform above the balk probability, so far more of them were
    unresolved (39% vs 19% at 0.5). Each decision has its own draw: both shares are
    the channel's 1 - resolution = 0.2, within a binomial band of four standard errors.
    """
    sc = sim.parse_scenario(
        {
            "name": "balk",
            "interval_minutes": 30,
            "periods": 16,
            "seed": 5,
            "channels": {
                "voice": {
                    "arrivals": 60,
                    "handle_time": {"distribution": "exponential", "mean": 240},
                    "patience": {"distribution": "exponential", "mean": 300},
                    "balking": {"threshold": 0, "probability": probability},
                }
            },
            "groups": {"agents": {"skills": ["voice"], "agents": 8}},
            "journeys": {"resolution": {"voice": 0.8}},
        }
    )
    waited, at_once, n_w, n_0 = _first_answered_unresolved_shares(sc, 20)
    assert n_w > 1000 and n_0 > 500
    for share, n in ((waited, n_w), (at_once, n_0)):
        se = (0.2 * 0.8 / n) ** 0.5
        assert abs(share - 0.2) <= 4 * se, f"unresolved {share:.3f} over {n} (want 0.2)"


def test_silent_abandonment_share_independent_of_resolution_draw():
    """Silent abandoners are a share of abandoners, drawn apart from any other decision."""
    sc = sim.parse_scenario(
        {
            "name": "silent",
            "interval_minutes": 30,
            "periods": 16,
            "seed": 3,
            "channels": {
                "chat": {
                    "mode": "concurrent",
                    "concurrency": 2,
                    "arrivals": 80,
                    "handle_time": {"distribution": "exponential", "mean": 400},
                    "patience": {"distribution": "exponential", "mean": 120},
                    "silent_abandon": {
                        "share": 0.4,
                        "time": {"distribution": "fixed", "value": 30},
                    },
                    "balking": {"threshold": 60, "probability": 0.5},
                }
            },
            "groups": {"agents": {"skills": ["chat"], "agents": 6}},
        }
    )
    m = compile_scenario(sc)
    silent = abandoned = 0
    for rep in replication_seeds(sc.seed, 10):
        run = run_replication(m, rep)
        ab = (run.outcome == ABANDONED) & ~run.balked
        silent += int((ab & run.silent).sum())
        abandoned += int(ab.sum())
    share = silent / abandoned
    se = (0.4 * 0.6 / abandoned) ** 0.5
    assert abandoned > 1000
    assert abs(share - 0.4) <= 4 * se, f"silent share {share:.3f} of {abandoned}"


def test_codes_are_named_as_the_scenario_and_results_spell_them():
    """Causes follow the scenario's transition events, then ``offer`` (a hop onto a
    channel a shaping rule offered); the old private name still imports."""
    from sim import engine
    from sim.config.scenario import EVENTS

    assert engine.CAUSES == ("new", *EVENTS, "offer")
    assert {engine.CAUSES[c] for c in engine.CAUSE_OF_EVENT} == set(engine.EVENT_INDEX)
    assert engine.JOURNEY_OUTCOMES == {1: "resolved", 2: "lost", 3: "max_attempts"}
    assert engine._first_contacts is engine.first_contacts
    _, run = one_run(
        {
            "periods": 4,
            "channels": {"voice": {"arrivals": 30, "handle_time": EXP(300), "patience": EXP(60)}},
            "groups": {"a": {"skills": ["voice"], "agents": 3}},
            "journeys": {
                "transitions": [{"from": "voice", "on": "abandon", "to": "voice", "probability": 1}]
            },
        }
    )
    assert set(np.unique(run.outcome)) == {engine.ANSWERED, engine.ABANDONED}
    assert set(np.unique(run.cause)) == {engine.Cause.NEW, engine.Cause.ABANDON}


def test_a_replication_leaves_no_reference_cycles():
    """The callbacks' closures are unlinked after the run, so reference counting frees
    every table at once (many short replications would otherwise wait for the GC)."""
    import gc

    sc = sim.parse_scenario(
        {
            "name": "t",
            "interval_minutes": 15,
            "periods": 4,
            "channels": {
                "voice": {"arrivals": 30, "handle_time": EXP(300), "patience": EXP(60)},
                "chat": {
                    "mode": "concurrent",
                    "concurrency": 2,
                    "arrivals": 10,
                    "handle_time": EXP(300),
                },
            },
            "groups": {"a": {"skills": ["voice", "chat"], "agents": 3}},
        }
    )
    m = compile_scenario(sc)
    run_replication(m, replication_seeds(1, 1)[0])  # warm: first-use caches
    gc.collect()
    run_replication(m, replication_seeds(1, 2)[1])
    assert gc.collect() == 0
