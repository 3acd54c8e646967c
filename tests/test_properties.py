"""Properties over random scenarios (hypothesis): conservation, determinism, monotonicity,
and common random numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.engine import ABANDONED, ANSWERED, Cause, compile_scenario, run_replication
from sim.engine.streams import replication_seeds
from sim.measure.kpi import CHANNEL_KPIS

NAMES = ["voice", "chat", "messaging"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def dists(draw, low=10.0, high=600.0):
    kind = draw(st.sampled_from(["exponential", "lognormal", "gamma", "weibull", "fixed"]))
    if kind == "fixed":
        return {"distribution": "fixed", "value": draw(st.floats(low, high))}
    mean = draw(st.floats(max(low, 0.5), high))
    if kind == "weibull":
        return {"distribution": kind, "mean": mean, "shape": draw(st.floats(0.5, 3))}
    if kind == "exponential":
        return {"distribution": kind, "mean": mean}
    return {"distribution": kind, "mean": mean, "cv": draw(st.floats(0.2, 2))}


@st.composite
def scenarios(draw) -> dict[str, Any]:  # noqa: C901 - one draw per scenario field
    periods = draw(st.integers(2, 6))
    n_ch = draw(st.integers(1, 3))
    chans = NAMES[:n_ch]
    per = st.lists(st.integers(0, 25), min_size=periods, max_size=periods)
    channels = {}
    for c in chans:
        ch: dict[str, Any] = {"arrivals": draw(per), "handle_time": draw(dists())}
        if draw(st.booleans()):
            ch["patience"] = draw(dists(1.0, 300.0))
        mode = draw(st.sampled_from(["synchronous", "synchronous", "concurrent", "deferred"]))
        ch["mode"] = mode
        if mode == "concurrent":
            ch["concurrency"] = draw(st.integers(1, 4))
            ch["routing"] = draw(st.sampled_from(["most_free", "longest_idle"]))
            stretch = draw(st.sampled_from([None, "factor", "list"]))
            if stretch == "factor":
                ch["stretch"] = draw(st.floats(0, 1))
            elif stretch == "list":
                ch["handle_time_by_sessions"] = draw(
                    st.lists(st.floats(10, 600), min_size=1, max_size=4)
                )
            if draw(st.booleans()):
                ch["silent_abandon"] = {
                    "share": draw(st.floats(0, 1)),
                    "time": draw(dists(0.0, 120.0)),
                }
        if mode != "deferred" and draw(st.booleans()):
            ch["balking"] = {
                "threshold": draw(st.floats(0, 300)),
                "probability": draw(st.floats(0, 1)),
            }
        if draw(st.booleans()):
            ch["overdispersion"] = {
                "day_cv": draw(st.floats(0, 0.5)),
                "interval_cv": draw(st.floats(0, 0.5)),
            }
        channels[c] = ch
    groups: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(1, 3))):
        skills = draw(st.permutations(chans))[: draw(st.integers(1, n_ch))]
        group: dict[str, Any] = {"skills": list(skills)}
        if draw(st.booleans()):
            group["agents"] = draw(st.lists(st.integers(0, 6), min_size=periods, max_size=periods))
        else:
            first = draw(st.integers(0, periods - 1)) * 15
            group["shifts"] = [
                {
                    "start": f"{8 + first // 60:02d}:{first % 60:02d}",
                    "end": f"{9 + first // 60:02d}:{first % 60:02d}",
                    "count": draw(st.integers(0, 6)),
                }
            ]
        group["shrinkage"] = draw(st.sampled_from([0, 0.1, 0.3]))
        group["deferred_reserve"] = draw(st.integers(0, 2))
        groups[f"g{i}"] = group
    served = {s for g in groups.values() for s in g["skills"]}
    for c in chans:
        if c not in served:
            groups["g0"]["skills"].append(c)
    transitions = []
    live = [c for c in chans if channels[c]["mode"] != "deferred"]
    for c in chans:
        events = ["abandon", "unresolved"]
        if "balking" in channels[c]:
            events.append("balk")
        if channels[c]["mode"] == "deferred" and live:
            events.append("chase")
        for on in events:
            left = 1.0
            after, withdraw = draw(st.floats(0, 1800)), draw(st.booleans())
            targets = live if on == "chase" else chans
            for to in draw(st.lists(st.sampled_from(targets), max_size=2, unique=True)):
                p = draw(st.floats(0, left))
                left -= p
                t = {
                    "from": c,
                    "on": on,
                    "to": to,
                    "probability": p,
                    "delay": draw(dists(0.0, 600.0)),
                }
                if on == "chase":
                    t.update(after=after, withdraw=withdraw)
                transitions.append(t)
    return {
        "name": "random",
        "start": "08:00",
        "interval_minutes": 15,
        "periods": periods,
        "warmup_minutes": draw(st.sampled_from([0, 15])),
        "seed": draw(st.integers(0, 2**32 - 1)),
        "replications": 2,
        "channels": channels,
        "groups": groups,
        "journeys": {
            "max_attempts": draw(st.integers(1, 4)),
            "resolution": {c: draw(st.floats(0, 1)) for c in chans},
            "transitions": transitions,
        },
    }


@SETTINGS
@given(scenarios())
def test_conservation(data):
    """Every contact is answered or abandoned; every journey ends exactly once."""
    sc = sim.parse_scenario(data)
    m = compile_scenario(sc)
    run = run_replication(m, replication_seeds(sc.seed, 1)[0])
    assert np.isin(run.outcome, [ANSWERED, ABANDONED]).all()
    assert np.isin(run.journey_outcome, [1, 2, 3]).all()
    assert (run.wait >= -1e-9).all()
    assert (run.attempt <= sc.journeys.max_attempts).all()
    assert ((run.group >= 0) == (run.outcome == ANSWERED)).all()
    # each hop follows its previous contact of the same journey (a chase comes while
    # the deferred contact still waits)
    hops = run.previous >= 0
    assert (run.journey[run.previous[hops]] == run.journey[hops]).all()
    after_end = hops & (run.cause != Cause.CHASE)
    assert (run.arrival[after_end] >= run.wait_end[run.previous[after_end]] - 1e-9).all()
    chased = hops & (run.cause == Cause.CHASE)
    assert (run.arrival[chased] >= run.arrival[run.previous[chased]]).all()
    # capacity in use never exceeds the agents present (those finishing after a drop
    # included) times their capacity
    units = np.array(m.units)
    ans = run.outcome == ANSWERED
    for g in range(len(m.groups)):
        mine = ans & (run.group == g)
        starts, ends = run.wait_end[mine], run.wait_end[mine] + run.handle[mine]
        u = units[run.channel[mine]]
        gw = run.ghost_work[run.ghost_work[:, 0] == g]
        log = run.staff_groups == g
        t_log, n_log = run.staff_times[log], run.staff_present[log]
        for t in starts:
            # a stretched session's end is start + (end - start), which may round one ulp
            # past the instant the agent took its next contact
            used = (u * ((starts <= t) & (ends > t + 1e-9))).sum()
            used += (gw[:, 3] * ((gw[:, 1] <= t) & (gw[:, 2] > t))).sum()
            present = n_log[np.searchsorted(t_log, t, side="right") - 1]
            assert used <= max(present, 0) * m.capacity + 1e-9
    res = sim.simulate(sc, replications=2)
    reps = res.channel_reps
    assert (reps["answered"] + reps["abandoned"] == reps["offered"]).all()
    assert (reps["new"] + reps["hops_in"] == reps["offered"]).all()
    j = res.journey_reps
    assert (j["resolved"] + j["lost"] + j["max_attempts"] == j["customers"]).all()
    assert set(res.channel_reps.columns) == {"replication", "channel", *CHANNEL_KPIS}


@settings(max_examples=15, deadline=None)
@given(scenarios())
def test_same_seed_same_results(data):
    sc = sim.parse_scenario(data)
    a = sim.simulate(sc, replications=2)
    b = sim.simulate(sc, replications=2)
    assert a.to_json() == b.to_json()
    assert a.channel_reps.equals(b.channel_reps)


@settings(max_examples=25, deadline=None)
@given(scenarios(), st.integers(1, 4), st.data())
def test_crn_staffing_change_keeps_every_new_arrival(data, extra, pick):
    """Changing staffing leaves every channel's new journeys (times, handle times) identical;
    changing one channel's volume leaves the other channels' new journeys identical."""
    sc = sim.parse_scenario(data)
    g = pick.draw(st.sampled_from(sorted(sc.groups)))
    more = sc.updated(
        {f"groups.{g}.agents": [a + extra for a in sc.scheduled(g)], f"groups.{g}.shifts": None}
    )
    c = pick.draw(st.sampled_from(sorted(sc.channels)))
    busier = sc.updated(
        {
            f"channels.{c}.arrivals": [
                a * 2 + 1 for a in sc.channels[c].arrivals_per_period(sc.periods)
            ]
        }
    )
    ss = replication_seeds(sc.seed, 1)[0]
    base = run_replication(compile_scenario(sc), ss)

    def firsts(run, model, name):
        k = model.channels.index(name)
        sel = (run.attempt == 1) & (run.channel == k)
        # a stretched session's time spent depends on the load; the drawn work does not
        same_work = model.rate_tables[k] is None
        return run.arrival[sel], run.handle[sel] if same_work else None

    mb = compile_scenario(sc)
    for other, model in ((more, compile_scenario(more)), (busier, compile_scenario(busier))):
        run = run_replication(model, ss)
        for name in sc.channels:
            if other is busier and name == c:
                continue
            ta, ha = firsts(base, mb, name)
            tb, hb = firsts(run, model, name)
            assert np.array_equal(ta, tb)
            assert ha is None or np.array_equal(ha, hb)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 40), st.integers(1, 8), st.integers(0, 2**31))
def test_more_agents_never_worse(calls, agents, seed):
    """Under common random numbers, adding agents to a single queue never lowers its
    service level or raises its abandonment beyond the paired noise."""
    data = {
        "name": "mono",
        "interval_minutes": 15,
        "periods": 8,
        "seed": seed,
        "replications": 5,
        "channels": {
            "voice": {
                "arrivals": calls,
                "handle_time": {"distribution": "lognormal", "mean": 300, "cv": 1},
                "patience": {"distribution": "exponential", "mean": 120},
            }
        },
        "groups": {"a": {"skills": ["voice"], "agents": agents}},
    }
    sc = sim.parse_scenario(data)
    base = sim.simulate(sc)
    more = sim.simulate(sc.updated({"groups.a.agents": agents + 2}))
    d = sim.compare(base, more).set_index("kpi")
    assert d.loc["service_level", "delta"] >= -np.nan_to_num(d.loc["service_level", "ci95"]) - 1e-12
    assert d.loc["abandon_rate", "delta"] <= np.nan_to_num(d.loc["abandon_rate", "ci95"]) + 1e-12
    assert d.loc["offered", "delta"] == 0


def test_more_agents_help_their_channels_with_switching():
    """Retail bank: adding phone agents improves voice and, through fewer voice
    abandoners switching, does not hurt chat (paired, common random numbers)."""
    sc = sim.load_scenario("scenarios/retail_bank.yaml")
    base = sim.simulate(sc, replications=6)
    ph = sc.scheduled("phones")
    more = sim.simulate(
        sc.updated({"groups.phones.agents": [a + 4 for a in ph], "groups.phones.shifts": None}),
        replications=6,
    )
    d = sim.compare(base, more).set_index(["channel", "kpi"])
    assert d.loc[("voice", "service_level"), "delta"] > d.loc[("voice", "service_level"), "ci95"]
    assert d.loc[("voice", "abandoned"), "delta"] < 0
    assert d.loc[("chat", "hops_in"), "delta"] <= d.loc[("chat", "hops_in"), "ci95"]


def test_replication_unit_matches_the_loop():
    """Replication r run on its own equals replication r of a full run (the unit of
    parallel work), whatever the order replications are collected in."""
    import numpy.random as npr

    from sim.engine.streams import replication_seed, replication_seeds

    assert all(
        npr.Generator(npr.PCG64(a)).random() == npr.Generator(npr.PCG64(b)).random()
        for a, b in zip(
            replication_seeds(9, 4), [replication_seed(9, r) for r in range(4)], strict=True
        )
    )
    sc = sim.load_scenario("scenarios/retail_bank.yaml")
    full = sim.simulate(sc, replications=3)
    parts = [sim.simulate_replication(sc, r) for r in (2, 0, 1)]
    again = sim.collect(sc, sc.seed, parts)
    assert again.to_json() == full.to_json()
