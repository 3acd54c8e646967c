"""Journey shaping rules (``shaping:``, issue 16): exact chain, properties, errors.

* Exactness: "offer chat when voice has at least K waiting, accept p" with dedicated
  agents, Poisson arrivals and exponential times is a continuous-time Markov chain in
  (calls in voice, contacts in chat); its stationary answered, abandoned and moved
  rates agree with the simulation.
* A rule that never fires changes nothing (bit for bit); prioritising a deferred
  channel all day is exactly a group reserving every agent for it; conservation holds
  with every action; untouched channels keep their customers (common random numbers).
"""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import spsolve

import sim
from sim.engine import OFFER, compile_scenario, run_replication
from sim.engine.raw import RawRun
from sim.engine.streams import replication_seed
from sim.measure.kpi_offers import RULE_KPIS

from .helpers import agrees

LAM1, AHT1, N1, PAT1 = 2.0 / 60, 240.0, 8, 120.0  # voice: 8 Erlangs on 8 agents
LAM2, AHT2, N2, PAT2 = 1.0 / 60, 300.0, 8, 300.0  # chat: 5 Erlangs + movers on 8
K_WAIT, P_ACCEPT = 2, 0.4


def exact() -> dict[str, float]:
    """Stationary flows per hour of the chain (x1, x2) = contacts in voice, in chat."""
    K1, K2 = N1 + 60, N2 + 60
    mu1, mu2, th1, th2 = 1 / AHT1, 1 / AHT2, 1 / PAT1, 1 / PAT2
    idx = lambda x1, x2: x1 * (K2 + 1) + x2  # noqa: E731
    rows, cols, vals = [], [], []

    def add(a: int, b: int, rate: float) -> None:
        if rate > 0 and a != b:
            rows.append(a)
            cols.append(b)
            vals.append(rate)

    for x1 in range(K1 + 1):
        for x2 in range(K2 + 1):
            s = idx(x1, x2)
            q1, q2 = max(x1 - N1, 0), max(x2 - N2, 0)
            offered = q1 >= K_WAIT  # an arriving caller finds K waiting: offered chat
            move = LAM1 * P_ACCEPT if offered else 0.0
            add(s, idx(min(x1 + 1, K1), x2), LAM1 - move)
            add(s, idx(x1, min(x2 + 1, K2)), move + LAM2)
            if x1 > 0:
                add(s, idx(x1 - 1, x2), min(x1, N1) * mu1 + q1 * th1)
            if x2 > 0:
                add(s, idx(x1, x2 - 1), min(x2, N2) * mu2 + q2 * th2)
    n = (K1 + 1) * (K2 + 1)
    Q = coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    Q = Q - coo_matrix((np.asarray(Q.sum(axis=1)).ravel(), (range(n), range(n))), shape=(n, n))
    A = Q.T.tolil()
    A[0, :] = 1.0
    b = np.zeros(n)
    b[0] = 1.0
    pi = spsolve(A.tocsr(), b).reshape(K1 + 1, K2 + 1)
    assert pi[-1, :].sum() < 1e-12 and pi[:, -1].sum() < 1e-12  # truncation is harmless
    x1 = np.arange(K1 + 1)[:, None]
    x2 = np.arange(K2 + 1)[None, :]
    Q1, Q2 = np.maximum(x1 - N1, 0), np.maximum(x2 - N2, 0)
    p_offer = float((pi * (Q1 >= K_WAIT)).sum())  # arrivals see time averages (PASTA)
    moved = LAM1 * P_ACCEPT * p_offer
    ab1, ab2 = th1 * (pi * Q1).sum(), th2 * (pi * Q2).sum()
    h = 3600.0
    return {
        "voice.offered": LAM1 * h,
        "voice.moved_out": moved * h,
        "voice.abandoned": ab1 * h,
        "voice.answered": (LAM1 - moved - ab1) * h,
        "chat.offered": (LAM2 + moved) * h,
        "chat.abandoned": ab2 * h,
        "chat.answered": (LAM2 + moved - ab2) * h,
        "rule.offered": LAM1 * p_offer * h,
        "rule.accepted": moved * h,
    }


EXP = lambda m: {"distribution": "exponential", "mean": m}  # noqa: E731


def chain_scenario(hours: int, reps: int) -> sim.Scenario:
    return sim.parse_scenario(
        {
            "name": "offer chat when the phone queue is long",
            "interval_minutes": 60,
            "periods": hours,
            "warmup_minutes": 120,
            "seed": 4,
            "replications": reps,
            "channels": {
                "voice": {"arrivals": LAM1 * 3600, "handle_time": EXP(AHT1), "patience": EXP(PAT1)},
                "chat": {"arrivals": LAM2 * 3600, "handle_time": EXP(AHT2), "patience": EXP(PAT2)},
            },
            "groups": {
                "phones": {"skills": ["voice"], "agents": N1},
                "digital": {"skills": ["chat"], "agents": N2},
            },
            "shaping": [
                {
                    "name": "offer chat",
                    "when": {"channel": "voice", "waiting_at_least": K_WAIT},
                    "do": {"offer": "chat", "accept": P_ACCEPT},
                }
            ],
        }
    )


def test_offer_rule_matches_markov_chain() -> None:
    hours, reps = 48, 20
    res = sim.simulate(chain_scenario(hours, reps))
    per_hour = hours - 2
    want = exact()
    got: dict[str, tuple[float, float]] = {}
    for ch in ("voice", "chat"):
        for kpi in ("offered", "answered", "abandoned", "moved_out"):
            m, c = res.kpi(ch, kpi)
            got[f"{ch}.{kpi}"] = (m / per_hour, c / per_hour)
    assert res.rules is not None
    rules = res.rules.set_index("kpi")
    for kpi in ("offered", "accepted"):
        got[f"rule.{kpi}"] = (rules.loc[kpi, "mean"] / per_hour, rules.loc[kpi, "ci95"] / per_hour)
    for key, expected in want.items():
        mean, ci = got[key]
        assert agrees(mean, ci, reps, expected), (
            f"{key}: simulated {mean:.4f} ± {ci:.4f} per hour, exact {expected:.4f}"
        )
    assert want["voice.moved_out"] > 5  # the rule really moves callers


# -- properties ------------------------------------------------------------------------
def _three_channels(seed: int, voice: float, agents: int) -> dict[str, Any]:
    return {
        "name": "three channels",
        "interval_minutes": 15,
        "periods": 8,
        "start": "09:00",
        "seed": seed,
        "replications": 2,
        "channels": {
            "voice": {"arrivals": voice, "handle_time": EXP(240), "patience": EXP(120)},
            "chat": {
                "mode": "concurrent",
                "concurrency": 2,
                "arrivals": 10,
                "handle_time": EXP(300),
                "patience": EXP(200),
            },
            "email": {"mode": "deferred", "arrivals": 12, "handle_time": EXP(400)},
        },
        "groups": {
            "phones": {"skills": ["voice"], "agents": agents},
            "digital": {"skills": ["chat"], "agents": 3},
            "back_office": {"skills": ["email"], "agents": 2},
            "blended": {"skills": ["voice", "email"], "agents": 2},
        },
        "journeys": {
            "transitions": [
                {"from": "voice", "on": "abandon", "to": "chat", "probability": 0.3},
                {"from": "chat", "on": "unresolved", "to": "voice", "probability": 0.5},
            ],
            "resolution": {"chat": 0.8},
        },
    }


RULES = {
    "offer": {
        "name": "offer chat",
        "when": {"channel": "voice", "waiting_at_least": 2},
        "do": {"offer": "chat", "accept": {0: 0.3, 120: 0.6}},
    },
    "deflect": {
        "name": "outage notice",
        "when": {"between": ["09:30", "10:30"]},
        "do": {"deflect": "voice", "share": 0.3},
    },
    "prioritise": {
        "name": "email first",
        "when": {"channel": "email", "oldest_over": 600},
        "do": {"prioritise": "email", "groups": ["blended"]},
    },
    "deflect_email": {
        "name": "email backlog notice",
        "when": {"channel": "email", "backlog_at_least": 5},
        "do": {"deflect": "email", "share": 0.5},
    },
}
NEVER = {
    "offer": {"when": {"channel": "voice", "waiting_at_least": 10**6}},
    "deflect": {"when": {"between": ["03:00", "04:00"]}},
    "prioritise": {"when": {"channel": "email", "oldest_over": 10**9}},
    "deflect_email": {"when": {"channel": "email", "expected_wait_over": 10**12}},
}


def _runs(data: dict[str, Any], reps: int = 2) -> list[RawRun]:
    m = compile_scenario(sim.parse_scenario(data))
    return [run_replication(m, replication_seed(data["seed"], r)) for r in range(reps)]


def _same(a: RawRun, b: RawRun) -> None:
    for f in fields(RawRun):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y, f.name


small = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@small
@given(
    seed=st.integers(0, 10_000),
    voice=st.sampled_from([20, 40, 60]),
    agents=st.integers(2, 8),
    action=st.sampled_from(sorted(RULES)),
)
def test_a_rule_that_never_fires_changes_nothing(
    seed: int, voice: float, agents: int, action: str
) -> None:
    base = _three_channels(seed, voice, agents)
    rule = copy.deepcopy(RULES[action])
    rule.update(NEVER[action])
    policy = {**copy.deepcopy(base), "shaping": [rule]}
    for a, b in zip(_runs(base), _runs(policy), strict=True):
        _same(a, b)
        assert len(b.offers.rule) == 0  # type: ignore[attr-defined]


@small
@given(
    seed=st.integers(0, 10_000),
    voice=st.sampled_from([30, 60]),
    agents=st.integers(2, 6),
    actions=st.sets(st.sampled_from(sorted(RULES)), min_size=1),
    reach=st.sampled_from([None, 1.0, 0.5]),
)
def test_conservation_with_every_action(
    seed: int, voice: float, agents: int, actions: set[str], reach: float | None
) -> None:
    """With rules (and call-backs): per channel offered = answered + abandoned +
    moved_out; per journey customers =
    resolved + lost + max_attempts; each rule accepted <= offered <= fired; the
    deflected per channel are the rules' deflections; every offer hop has cause offer."""
    data = _three_channels(seed, voice, agents)
    data["shaping"] = [RULES[a] for a in sorted(actions)]
    if reach is not None:  # voice call-backs too (callers not offered chat first)
        data["channels"]["voice"]["callback"] = {
            "offer_after": 30,
            "accept": 0.5,
            "reach": reach,
            "retries": 1,
            "retry_after": 120,
        }
    sc = sim.parse_scenario(data)
    res = sim.simulate(sc, keep_runs=True)
    reps = res.channel_reps
    assert np.array_equal(reps.offered, reps.answered + reps.abandoned + reps.moved_out)
    j = res.journey_reps
    assert np.array_equal(j.customers, j.resolved + j.lost + j.max_attempts)
    assert res.rule_reps is not None
    r = res.rule_reps
    assert (r.accepted <= r.offered).all() and (r.offered <= r.fired).all()
    assert (r.deflected <= r.fired).all()
    if reach is not None:
        assert (reps.callback_accepted <= reps.callback_offered).all()
        assert (reps.abandon_avoided <= reps.callback_accepted).all()
        if reach == 1.0:  # every reached call-back is one call, made by an agent
            assert (reps.callbacks_made <= reps.callback_accepted).all()
    deflected = reps.groupby("replication").deflected.sum().to_numpy()
    assert np.array_equal(deflected, r.groupby("replication").deflected.sum().to_numpy())
    for run in res.runs:
        moved = np.flatnonzero(run.outcome == sim.engine.MOVED)
        hops = np.flatnonzero(np.isin(run.previous, moved))
        assert len(hops) == len(moved) and (run.cause[hops] == OFFER).all()


@small
@given(seed=st.integers(0, 10_000), agents=st.integers(2, 6))
def test_policies_leave_untouched_channels_alone(seed: int, agents: int) -> None:
    """Offering chat and deflecting voice never touch email (its own agents, enough to
    work it off within the day): email's contacts are the same customers with the same
    outcomes, and every channel's new journeys are drawn the same."""
    base = _three_channels(seed, 50, agents)
    base["groups"]["blended"]["skills"] = ["voice"]
    base["groups"]["back_office"]["agents"] = 8  # email worked off within the day (the
    # centre's closing time depends on when the live queues empty): email arrives in
    # the first hour only, so its backlog is empty long before closing (hypothesis found
    # a late email stranded overnight in one run and not the other: seed 6242, 2 agents)
    base["channels"]["email"]["arrivals"] = [12] * 4 + [0] * 4
    policy = {**copy.deepcopy(base), "shaping": [RULES["offer"], RULES["deflect"]]}
    for a, b in zip(_runs(base), _runs(policy), strict=True):
        ea, eb = a.channel == 2, b.channel == 2
        for name in ("arrival", "wait_end", "handle", "outcome"):
            assert np.array_equal(getattr(a, name)[ea], getattr(b, name)[eb]), name
        n0 = len(a.journey_outcome)
        assert np.array_equal(a.arrival[:n0], b.arrival[:n0])
        assert np.array_equal(a.channel[:n0], b.channel[:n0])


def test_prioritising_all_day_is_reserving_every_agent() -> None:
    """``prioritise: email`` for the blended group all day (between 00:00 and 00:00)
    takes email before voice whenever email waits: exactly what a group reserving all
    its agents for deferred work does, bit for bit."""
    base = _three_channels(3, 60, 3)
    reserve = copy.deepcopy(base)
    reserve["groups"]["blended"]["deferred_reserve"] = 100
    rule = {
        "name": "email first",
        "when": {"between": ["00:00", "00:00"]},
        "do": {"prioritise": "email", "groups": ["blended"]},
    }
    policy = {**copy.deepcopy(base), "shaping": [rule]}
    moved = 0.0
    for a, b in zip(_runs(reserve, 3), _runs(policy, 3), strict=True):
        _same(a, b)
        moved += float(b.offers.amount.sum())  # type: ignore[attr-defined]
    assert moved > 0  # email really went ahead of waiting calls


def test_rule_errors_name_the_rule_and_field() -> None:
    data = _three_channels(1, 40, 4)
    data["shaping"] = [
        {"name": "a", "when": {"channel": "voice"}, "do": {"offer": "chat", "accept": 0.5}},
        {"name": "b", "when": {"waiting_at_least": 3}, "do": {"deflect": "voice", "share": 1}},
        {"name": "c", "when": {"between": ["9:00", "10:00"]}, "do": {"offer": "chat"}},
    ]
    with pytest.raises(sim.ScenarioError) as err:
        sim.parse_scenario(data)
    text = str(err.value)
    assert "shaping[0].when: give at least one condition (rule 'a')" in text
    assert "shaping[1].when.channel: required with waiting_at_least (rule 'b')" in text
    assert "shaping[2].do.accept: required with 'offer' (rule 'c')" in text
    data["shaping"] = [
        {
            "name": "d",
            "when": {"channel": "fax", "waiting_at_least": 1},
            "do": {"prioritise": "chat", "groups": ["phones", "nobody"]},
        },
        {"name": "d", "when": {"between": ["09:00", "10:00"]}, "do": {"deflect": "x", "share": 1}},
    ]
    with pytest.raises(sim.ScenarioError) as err:
        sim.parse_scenario(data)
    text = str(err.value)
    assert "shaping[0].when.channel: unknown channel 'fax' (rule 'd')" in text
    assert "shaping[0].do.groups[0]: group 'phones' does not have 'chat'" in text
    assert "shaping[0].do.groups[1]: unknown group 'nobody'" in text
    assert "shaping[1].name: 'd' is also the name of shaping[0]" in text
    assert "shaping[1].do.deflect: unknown channel 'x'" in text


def test_sweeps_vary_rule_parameters() -> None:
    """A rule's parameters are sweepable by list-index paths."""
    from sim.sweeps.spec import parameter_value

    data = chain_scenario(4, 2).to_dict()
    sc = sim.parse_scenario(data).updated({"shaping[0].when.waiting_at_least": 7})
    assert sc.shaping is not None and sc.shaping[0].when.waiting_at_least == 7
    assert parameter_value(sc.to_dict(), "shaping[0].when.waiting_at_least") == 7
    from sim.sweeps.spec import plan_sweep

    from .helpers import SCENARIOS

    path = "shaping[1].when.waiting_at_least"
    spec = {"base": "email_starving_policy.yaml", "grid": {path: [5, 10, 20]}}
    plan = plan_sweep(spec, root=SCENARIOS)
    got = [v.scenario.shaping[1].when.waiting_at_least for v in plan.variants]  # type: ignore[index]
    assert got == [5, 10, 20] and path in plan.parameters


def test_sweep_rows_carry_what_each_rule_did() -> None:
    """A sweep over the offer rule's threshold: rows carry rule.<name>.<kpi>, equal to
    the simulated replication's rule table; a threshold nobody reaches never fires."""
    import sim.sweeps

    data = _three_channels(5, 60, 2)
    data["shaping"] = [RULES["offer"]]
    spec = {
        "base": data,
        "replications": 2,
        "grid": {"shaping[0].when.waiting_at_least": [1, 1000]},
    }
    table = sim.sweeps.sweep(spec, workers=1)
    name = RULES["offer"]["name"]
    for kpi in RULE_KPIS:
        assert f"rule.{name}.{kpi}" in table.columns
    low = table[table["shaping[0].when.waiting_at_least"] == 1]
    high = table[table["shaping[0].when.waiting_at_least"] == 1000]
    assert (high[f"rule.{name}.fired"] == 0).all() and (low[f"rule.{name}.fired"] > 0).all()
    sc = sim.parse_scenario(data).updated({"shaping[0].when.waiting_at_least": 1})
    rep = sim.simulate_replication(sc, 0, 5)
    row = low[low.replication == 0].iloc[0]
    assert row[f"rule.{name}.accepted"] == rep.rules.iloc[0]["accepted"]


def test_paths_mark_offer_hops_and_deflected_journeys_are_not_customers() -> None:
    from sim.measure.paths import journey_paths

    data = _three_channels(7, 60, 2)
    data["shaping"] = [RULES["offer"], RULES["deflect"]]
    res = sim.simulate(sim.parse_scenario(data), keep_runs=True)
    paths = journey_paths(res)
    offered = paths[paths.path.str.contains("voice → offer: chat")]
    assert len(offered) and (offered.contacts >= 2).all()
    moved = res.channel_reps.query("channel == 'voice'").moved_out.sum()
    deflected = res.channel_reps.deflected.sum()
    assert moved > 0 and deflected > 0
    # every counted journey is on a path; deflected ones are not customers
    assert paths.journeys.sum() == pytest.approx(res.journey_reps.customers.mean())
    first = res.channel_reps.new.sum()
    assert res.journey_reps.customers.sum() == first


def test_ccsim_run_prints_rules_and_json_extends(tmp_path: Any) -> None:
    import json

    import yaml

    from .cli_helpers import ccsim
    from .helpers import SCENARIOS

    out = ccsim("run", str(SCENARIOS / "email_starving_policy.yaml"), "-r", "2")
    assert out.returncode == 0, out.stderr
    assert "rule       north blended team to email when the backlog is old: fired" in out.stdout
    assert "moved_out" in out.stdout
    out = ccsim("run", str(SCENARIOS / "email_starving_policy.yaml"), "-r", "2", "--json", "-")
    doc = json.loads(out.stdout)
    rule = doc["shaping"]["offer messaging a call when its queue is long"]
    assert set(rule) == set(RULE_KPIS) >= {"fired", "offered", "accepted", "deflected"}
    assert "moved_out" in doc["channels"]["messaging"]
    plain = json.loads(
        ccsim("run", str(SCENARIOS / "email_starving.yaml"), "-r", "2", "--json", "-").stdout
    )
    assert "shaping" not in plain and "moved_out" not in plain["channels"]["messaging"]
    out = ccsim(
        "run", str(SCENARIOS / "email_starving_policy.yaml"), "-r", "2", "--out", str(tmp_path)
    )
    assert out.returncode == 0, out.stderr
    rules = (tmp_path / "rules.csv").read_text().splitlines()
    assert rules[0] == "rule,kpi,mean,ci95,n" and len(rules) == 1 + 2 * len(RULE_KPIS)
    assert (tmp_path / "rule_intervals.csv").exists()
    data = yaml.safe_load((SCENARIOS / "email_starving_policy.yaml").read_text())
    data["shaping"][0]["do"]["groups"] = ["nobody"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    out = ccsim("run", str(bad))
    assert out.returncode == 2
    assert "shaping[0].do.groups[0]: unknown group 'nobody'" in out.stderr


def test_lean_counts_agree_with_the_kpis_under_rules() -> None:
    """The optimiser's lean counts equal the KPI tables' with deflection and offers."""
    from sim.measure.kpi import channel_columns
    from sim.measure.kpi_lean import service_counts

    data = _three_channels(5, 60, 3)
    data["shaping"] = [RULES["offer"], RULES["deflect"]]
    sc = sim.parse_scenario(data)
    m = compile_scenario(sc)
    run = run_replication(m, replication_seed(5, 0))
    thresholds = np.full(len(m.channels), 20.0)
    tot, _ = channel_columns(m, run, thresholds, sc.warmup_seconds)
    lean = service_counts(m, run, thresholds, sc.warmup_seconds)
    assert np.array_equal(lean.window_offered, tot["offered"])
    assert np.array_equal(lean.window_abandoned, tot["abandoned"])
    assert tot["deflected"][0] > 0


def test_conditions_by_hand() -> None:
    """Each condition against hand-set state: counts (>=), waits and ages (>), and clock
    windows [start, end) of the simulated day, wrapping past midnight."""
    from sim.engine.shaping import BETWEEN, OFFER_ACTION, Condition, ShapingRule, condition

    def rule(*conds: Condition) -> ShapingRule:
        return ShapingRule("r", OFFER_ACTION, 0, 1, ((0.0, 1.0),), 0.0, (), conds)

    state = {"waiting": 10, "announced": 300.0, "oldest": 60.0}

    def check(*conds: Condition, now: float = 0.0, start: int = 9 * 60) -> bool:
        holds = condition(
            rule(*conds),
            start,
            lambda c: state["waiting"],
            lambda c, t: state["announced"],
            lambda c, t: state["oldest"],
        )
        return holds(now)

    assert check(Condition(0, 0, 10)) and not check(Condition(0, 0, 11))
    assert check(Condition(1, 0, 299.9)) and not check(Condition(1, 0, 300))
    assert check(Condition(2, 0, 59)) and not check(Condition(2, 0, 60))
    window = Condition(BETWEEN, -1, 9 * 60 + 30, 10 * 60)  # 09:30-10:00
    assert not check(window, now=29 * 60) and check(window, now=30 * 60)
    assert check(window, now=59 * 60) and not check(window, now=60 * 60)
    night = Condition(BETWEEN, -1, 22 * 60, 6 * 60)  # 22:00-06:00 from a 20:00 start
    assert check(night, now=3 * 3600, start=20 * 60) and check(night, now=9 * 3600, start=20 * 60)
    assert not check(night, now=10 * 3600, start=20 * 60)
    assert check(Condition(BETWEEN, -1, 0, 0), now=12345.0)  # equal times: all day
    assert not check(Condition(0, 0, 10), Condition(1, 0, 400))  # all must hold


def test_deflecting_everyone_in_a_window_by_hand() -> None:
    """share 1 between 09:30 and 10:00: exactly the new voice journeys drawn in that
    half hour are deflected (the draws are the same with and without the rule)."""
    from sim.engine import DEFLECTED, first_contacts

    data = _three_channels(9, 40, 4)
    data["shaping"] = [
        {
            "name": "all of them",
            "when": {"between": ["09:30", "10:00"]},
            "do": {"deflect": "voice", "share": 1},
        }
    ]
    sc = sim.parse_scenario(data)
    m = compile_scenario(sc)
    for r in range(2):
        first = first_contacts(m, replication_seed(9, r))
        inside = (first.channel == 0) & (first.arrival >= 1800) & (first.arrival < 3600)
        run = run_replication(m, replication_seed(9, r))
        assert np.array_equal(np.flatnonzero(run.outcome == DEFLECTED), np.flatnonzero(inside))
