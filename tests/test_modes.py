"""Channel modes and realism: concurrency, deferred backlogs, chasing, balking,
silent abandonment, over-dispersion, shifts and shrinkage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import sim
from sim.engine import ANSWERED, Cause, compile_scenario, first_contacts, run_replication
from sim.engine.streams import replication_seed

from .helpers import ERLANG_KPIS, agrees, chat_erlang_case

EXP = lambda m: {"distribution": "exponential", "mean": m}  # noqa: E731
FIXED = lambda v: {"distribution": "fixed", "value": v}  # noqa: E731


def scenario(channels, groups, journeys=None, **top):
    return sim.parse_scenario(
        {
            "name": "t",
            "interval_minutes": 15,
            "periods": 8,
            "seed": 4,
            "replications": 4,
            "channels": channels,
            "groups": groups,
            "journeys": journeys or {},
            **top,
        }
    )


def runs(sc, reps=None):
    m = compile_scenario(sc)
    return m, [
        run_replication(m, replication_seed(sc.seed, r)) for r in range(reps or sc.replications)
    ]


# -- concurrent ----------------------------------------------------------------------


def test_concurrency_one_equals_synchronous():
    """A concurrent channel with concurrency 1 and no stretch is a synchronous one."""
    chat = {"arrivals": 40, "handle_time": EXP(400), "patience": EXP(200)}
    voice = {"arrivals": 60, "handle_time": EXP(300), "patience": EXP(150)}
    groups = {
        "a": {"skills": ["chat", "voice"], "agents": 20},
        "b": {"skills": ["voice"], "agents": 5},
    }
    journeys = {
        "transitions": [{"from": "voice", "on": "abandon", "to": "chat", "probability": 0.5}]
    }
    sync = scenario({"chat": chat, "voice": voice}, groups, journeys)
    conc = scenario(
        {"chat": {**chat, "mode": "concurrent", "concurrency": 1}, "voice": voice}, groups, journeys
    )
    a, b = sim.simulate(sync), sim.simulate(conc)
    assert a.channel_reps.equals(b.channel_reps)  # the very same contacts and outcomes
    assert a.flow_reps.equals(b.flow_reps)
    # occupancy is summed along another path (engagement spans): equal to rounding
    num = a.group_reps.columns[2:]
    assert np.allclose(a.group_reps[num], b.group_reps[num], rtol=1e-12)


def test_concurrency_k_matches_erlang_a_with_k_servers_per_agent():
    """10 dedicated agents x 3 chats, exponential times: Erlang A with 30 servers."""
    res, exact = chat_erlang_case()
    for kpi in ERLANG_KPIS:
        mean, ci = res.kpi("chat", kpi)
        want = exact[kpi]
        assert agrees(mean, ci, res.replications, want), (
            f"{kpi}: {mean:.4f} ± {ci:.4f} vs {want:.4f}"
        )
    g = res.groups.set_index("kpi")["mean"]
    # slot use = Erlang occupancy; an agent with any chat is busy more often than that
    assert g["slot_utilisation"] == pytest.approx(exact["occupancy"], rel=0.02)
    assert g["occupancy"] > g["slot_utilisation"] + 0.05


@pytest.mark.parametrize(
    "stretch", [{"stretch": 0.5}, {"handle_time_by_sessions": [300, 450]}], ids=["factor", "list"]
)
def test_stretch_slows_sessions_when_agents_hold_two(stretch):
    """Overloaded agents almost always hold 2 sessions: each then takes 1.5x as long."""
    sc = scenario(
        {
            "chat": {
                "mode": "concurrent",
                "concurrency": 2,
                "arrivals": 200,
                "handle_time": EXP(300),
                **stretch,
            }
        },
        {"a": {"skills": ["chat"], "agents": 3}},
        periods=4,
    )
    res = sim.simulate(sc, replications=3)
    aht, _ = res.kpi("chat", "aht")
    assert 1.35 * 300 < aht < 1.55 * 300


def test_routing_policies_never_exceed_capacity():
    for policy in ("most_free", "longest_idle"):
        sc = scenario(
            {
                "chat": {
                    "mode": "concurrent",
                    "concurrency": 3,
                    "routing": policy,
                    "arrivals": 90,
                    "handle_time": EXP(400),
                    "patience": EXP(300),
                },
                "messaging": {
                    "mode": "concurrent",
                    "concurrency": 4,
                    "arrivals": 40,
                    "handle_time": EXP(600),
                },
            },
            {"a": {"skills": ["chat", "messaging"], "agents": 8}},
        )
        m, rs = runs(sc, 2)
        units = np.array(m.units)
        for run in rs:
            ans = run.outcome == ANSWERED
            s, e, a = run.wait_end[ans], run.wait_end[ans] + run.handle[ans], run.agent[ans]
            u = units[run.channel[ans]]
            for agent in np.unique(a):
                mine = a == agent
                times = np.sort(s[mine])
                load = [(u[mine] * ((s[mine] <= t) & (e[mine] > t))).sum() for t in times]
                assert max(load) <= m.capacity


def test_silent_abandoners_still_take_agent_time():
    chat = {
        "mode": "concurrent",
        "concurrency": 2,
        "arrivals": 150,
        "handle_time": EXP(400),
        "patience": EXP(60),
    }
    quiet = scenario({"chat": chat}, {"a": {"skills": ["chat"], "agents": 10}})
    silent = scenario(
        {"chat": {**chat, "silent_abandon": {"share": 0.5, "time": FIXED(120)}}},
        {"a": {"skills": ["chat"], "agents": 10}},
    )
    q, s = sim.simulate(quiet), sim.simulate(silent)
    ab, ci = s.kpi("chat", "abandoned")
    sil, _ = s.kpi("chat", "silent")
    assert 0.4 * ab < sil < 0.6 * ab
    # ghost sessions cost agents time, so fewer real customers get through
    assert s.kpi("chat", "answered")[0] < q.kpi("chat", "answered")[0]
    assert (s.group_reps["slot_utilisation"] > 0).all()


# -- deferred ------------------------------------------------------------------------


def email_only(paths, agents, periods=12, **channel):
    return scenario(
        {
            "email": {
                "mode": "deferred",
                "arrival_paths": [paths],
                "handle_time": FIXED(300),
                "service_level": {"target": 0.9, "threshold": 14400},
                **channel,
            }
        },
        {"back": {"skills": ["email"], "agents": agents}},
        periods=periods,
    )


def test_backlog_drains_at_the_service_rate():
    """150 emails in the first 15 min, 5 agents at 300 s each: one email a minute."""
    sc = email_only([150] + [0] * 11, 5)
    res = sim.simulate(sc, replications=3)
    backlog = res.intervals.query("channel == 'email' and kpi == 'backlog'")["mean"].to_numpy()
    ends = np.arange(1, 13) * 900
    fluid = np.clip(150 - 5 * ends / 300, 0, None)
    assert np.all(np.abs(backlog[1:] - fluid[1:]) <= 5)  # within one email per agent
    assert backlog[-1] == 0
    oldest = res.intervals.query("channel == 'email' and kpi == 'oldest_age'")["mean"].to_numpy()
    assert oldest[4] > 3000  # an hour after the burst, items about an hour old still wait


def test_deferred_waits_for_live_work_unless_reserved():
    def build(reserve):
        return scenario(
            {
                "voice": {"arrivals": 70, "handle_time": EXP(300), "patience": EXP(600)},
                "email": {"mode": "deferred", "arrivals": 20, "handle_time": EXP(400)},
            },
            {"team": {"skills": ["email", "voice"], "agents": 20, "deferred_reserve": reserve}},
        )

    for reserve, expect_overlap in ((0, False), (2, True)):
        m, rs = runs(build(reserve), 2)
        overlap = 0
        for run in rs:
            voice = run.channel == 0
            took_email = np.flatnonzero((run.channel == 1) & (run.outcome == ANSWERED))
            for k in took_email:
                t = run.wait_end[k]
                overlap += int((voice & (run.arrival < t) & (run.wait_end > t)).any())
        assert (overlap > 0) == expect_overlap


def test_backlog_carries_over_a_closed_night():
    """Email arrives around the clock; agents work 08:00-18:00. Overnight the backlog
    grows by exactly the night's arrivals."""
    sc = sim.parse_scenario(
        {
            "name": "two days",
            "interval_minutes": 30,
            "periods": 96,
            "start": "00:00",
            "seed": 5,
            "replications": 2,
            "channels": {"email": {"mode": "deferred", "arrivals": 12, "handle_time": EXP(600)}},
            "groups": {
                "back": {
                    "skills": ["email"],
                    "shifts": [{"start": "08:00", "end": "18:00", "count": 14}],
                }
            },
        }
    )
    m, rs = runs(sc)
    for run in rs:
        a, e = run.arrival, run.wait_end

        def waiting(t, a=a, e=e):
            return int(((a <= t) & (e > t)).sum())

        close, reopen = 18 * 3600.0, 32 * 3600.0
        started_overnight = ((run.outcome == ANSWERED) & (e > close + 3600) & (e < reopen)).sum()
        assert started_overnight == 0
        arrived = int(((a > close) & (a <= reopen)).sum())
        # items in service at closing time are finished, not left waiting
        assert waiting(reopen - 1e-6) == waiting(close) + arrived
        assert waiting(reopen + 4 * 3600) < waiting(reopen)  # the morning works it off


def test_chasing_duplicates_the_configured_share():
    """Emails unanswered after 1 h make 30% of customers call too; the email stays."""

    def build(withdraw):
        return scenario(
            {
                "email": {"mode": "deferred", "arrivals": 30, "handle_time": EXP(600)},
                "voice": {"arrivals": 5, "handle_time": EXP(200)},
            },
            {
                "back": {"skills": ["email"], "agents": 2},
                "front": {"skills": ["voice"], "agents": 4},
            },
            {
                "transitions": [
                    {
                        "from": "email",
                        "on": "chase",
                        "to": "voice",
                        "probability": 0.3,
                        "after": 3600,
                        "withdraw": withdraw,
                        "delay": EXP(60),
                    }
                ]
            },
            periods=16,
        )

    m, rs = runs(build(False), 8)
    eligible = chased = 0
    for run in rs:
        email = run.channel == 0
        eligible += int((email & (run.wait > 3600)).sum())
        chased += int(((run.cause == Cause.CHASE) & (run.channel == 1)).sum())
        assert (run.outcome[email] == ANSWERED).all()  # duplicates: every email still answered
    p = chased / eligible
    assert abs(p - 0.3) < 1.96 * np.sqrt(0.3 * 0.7 / eligible)
    res = sim.simulate(build(False), replications=2)
    flows = res.flows.set_index(["from", "to"])["mean"]
    assert flows[("email", "voice")] > 0
    assert res.kpi("email", "chased")[0] == pytest.approx(flows[("email", "voice")])
    # withdrawn: the chased emails leave the backlog
    m, rs = runs(build(True), 2)
    for run in rs:
        chasers = run.previous[(run.cause == Cause.CHASE)]
        assert (run.outcome[chasers] != ANSWERED).all()


# -- balking -------------------------------------------------------------------------


def test_balking_on_announced_wait():
    voice = {
        "arrivals": 120,
        "handle_time": EXP(300),
        "patience": EXP(300),
        "balking": {"threshold": 0, "probability": 1},
    }
    sc = scenario(
        {"voice": voice, "chat": {"arrivals": 1, "handle_time": EXP(100)}},
        {"a": {"skills": ["voice"], "agents": 30}, "b": {"skills": ["chat"], "agents": 30}},
        {"transitions": [{"from": "voice", "on": "balk", "to": "chat", "probability": 0.5}]},
    )
    m, rs = runs(sc, 2)
    for run in rs:
        voice_c = run.channel == 0
        # everyone who found no free agent heard a wait > 0 and left at once
        assert (run.balked[voice_c] == (voice_c & (run.outcome != ANSWERED))[voice_c]).all()
        assert np.allclose(run.wait[voice_c], 0)
        hops = run.cause == Cause.BALK
        assert hops.sum() > 0 and (run.channel[hops] == 1).all()
    res = sim.simulate(sc, replications=2)
    assert res.kpi("voice", "balked")[0] == res.kpi("voice", "abandoned")[0] > 0


# -- arrivals ------------------------------------------------------------------------


def daily_counts(cv, reps=400):
    sc = scenario(
        {"voice": {"arrivals": 50, "handle_time": EXP(60), "overdispersion": {"day_cv": cv}}},
        {"a": {"skills": ["voice"], "agents": 5}},
        interval_minutes=60,
        periods=24,
        start="00:00",
    )
    m = compile_scenario(sc)
    return np.array([len(first_contacts(m, replication_seed(1, r))["t"]) for r in range(reps)])


def test_overdispersion_has_the_configured_variance():
    x = daily_counts(0.2)
    lam = 1200
    want = lam + lam**2 * 0.04
    assert x.mean() == pytest.approx(lam, rel=0.03)
    assert x.var(ddof=1) == pytest.approx(want, rel=0.2)


def test_no_overdispersion_is_poisson():
    x = daily_counts(0.0)
    n = len(x)
    dispersion = ((x - x.mean()) ** 2).sum() / x.mean()  # ~ chi-square(n-1) if Poisson
    p = stats.chi2.sf(dispersion, n - 1)
    assert 0.005 < p < 0.995


def test_arrival_paths_give_exact_counts():
    sc = email_only([3, 0, 7, 1] + [0] * 8, 2)
    m, rs = runs(sc, 2)
    for run in rs:
        first = run.attempt == 1
        counts = np.bincount((run.arrival[first] // 900).astype(int), minlength=12)
        assert counts.tolist() == [3, 0, 7, 1] + [0] * 8


# -- staffing ------------------------------------------------------------------------


def test_shifts_breaks_and_shrinkage_by_hand():
    g = {
        "skills": ["voice"],
        "shrinkage": 0.3,
        "shifts": [
            {
                "start": "08:00",
                "end": "12:00",
                "count": 10,
                "breaks": [{"start": "10:00", "end": "10:30", "count": 4}],
            },
            {
                "start": "09:00",
                "end": "13:00",
                "count": 6,
                "breaks": [{"start": "11:00", "end": "11:30"}],
            },
            {"start": "22:00", "end": "02:00", "count": 2},
        ],
    }
    sc = sim.parse_scenario(
        {
            "name": "shifts",
            "interval_minutes": 30,
            "periods": 12,
            "start": "08:00",
            "channels": {"voice": {"arrivals": 10, "handle_time": EXP(200)}},
            "groups": {"a": g},
        }
    )
    #          08:00 08:30 09:00 09:30 10:00 10:30 11:00 11:30 12:00 12:30 13:00 13:30
    by_hand = [10, 10, 16, 16, 12, 16, 10, 16, 6, 6, 0, 0]
    assert list(sc.scheduled("a")) == by_hand
    assert list(sc.productive("a")) == [int(np.floor(n * 0.7 + 0.5)) for n in by_hand]
    night = sc.updated({"start": "21:00"})
    assert list(night.scheduled("a"))[2:10] == [2] * 8  # 22:00-02:00 across midnight
    res = sim.simulate(sc, replications=1)
    g_iv = res.group_intervals.pivot(index="period", columns="kpi", values="mean")
    assert g_iv["scheduled"].tolist() == by_hand
    assert g_iv["productive"].tolist() == list(sc.productive("a"))


def test_end_of_day_live_queue_worked_off_email_waits_for_tomorrow():
    """At 10:00 (end of periods) waiting calls are still answered by the last staff;
    the email backlog waits for the next day's 08:00."""
    sc = sim.parse_scenario(
        {
            "name": "morning",
            "interval_minutes": 30,
            "periods": 4,
            "start": "08:00",
            "seed": 3,
            "replications": 1,
            "channels": {
                "voice": {"arrivals": [40, 40, 40, 120], "handle_time": EXP(300)},
                "email": {"mode": "deferred", "arrivals": 30, "handle_time": EXP(300)},
            },
            "groups": {"team": {"skills": ["voice", "email"], "agents": [8, 8, 8, 8]}},
        }
    )
    m, (run,) = runs(sc)
    voice, email = run.channel == 0, run.channel == 1
    late_calls = voice & (run.wait_end > sc.horizon_seconds)
    assert late_calls.sum() > 0 and (run.wait_end[late_calls] < sc.horizon_seconds + 3600).all()
    next_day = email & (run.wait_end >= 86400)
    assert next_day.sum() > 0
    assert not (email & (run.wait_end > sc.horizon_seconds + 3600) & (run.wait_end < 86400)).any()
    assert (run.outcome == ANSWERED).all()
