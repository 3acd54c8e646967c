"""Journey effort KPIs and context loss (issue 16): hand-computed answers and laws.

Effort per journey: contacts (``mean_attempts``), different channels used, total
customer time (every wait plus every handle time), time to resolution, and the shares
resolved within ``journeys.effort_target``. ``journeys.context_loss`` multiplies the
drawn handle time of every contact after a journey's first, unless context is carried.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.engine import ANSWERED, compile_scenario, run_replication
from sim.engine.streams import replication_seed
from sim.measure.kpi import JOURNEY_EFFORT_KPIS, journey_effort, journey_row, kpi_range

from .golden_cases import SMALL
from .test_properties import scenarios

FIXED = lambda v: {"distribution": "fixed", "value": v}  # noqa: E731
T_VOICE, T_CHAT, DELAY = 300.0, 200.0, 60.0  # s


def _two_contacts(**journeys: Any) -> dict[str, Any]:
    """Every journey: a voice call (never resolves, fixed 300 s), then after 60 s a chat
    (always resolves, fixed 200 s); agents enough that nobody waits, and no call in the
    last two periods, so every chat comes before closing (no overnight wait)."""
    return {
        "name": "two contacts",
        "interval_minutes": 15,
        "periods": 8,
        "seed": 3,
        "replications": 3,
        "channels": {
            "voice": {"arrivals": [4] * 6 + [0] * 2, "handle_time": FIXED(T_VOICE)},
            "chat": {"arrivals": 0, "handle_time": FIXED(T_CHAT)},
        },
        "groups": {"all": {"skills": ["voice", "chat"], "agents": 60}},
        "journeys": {
            "resolution": {"voice": 0.0, "chat": 1.0},
            "transitions": [
                {
                    "from": "voice",
                    "on": "unresolved",
                    "to": "chat",
                    "probability": 1.0,
                    "delay": FIXED(DELAY),
                }
            ],
            **journeys,
        },
    }


def _journeys(res: Any) -> dict[str, float]:
    return res.journeys.set_index("kpi")["mean"].to_dict()


def test_two_contact_journey_by_hand() -> None:
    """Nobody waits: customer time = 300 + 200, resolution 300 + 60 + 200 after the
    first arrival, 2 contacts on 2 channels; none resolved in 1 contact; all within
    600 s of customer time."""
    res = sim.simulate(sim.parse_scenario(_two_contacts()))
    j = _journeys(res)
    assert j["customers"] > 0 and j["resolved"] == j["customers"]
    assert j["mean_attempts"] == 2.0 and j["channels_used"] == 2.0
    assert j["customer_time"] == pytest.approx(T_VOICE + T_CHAT, abs=1e-9)
    assert j["time_to_resolution"] == pytest.approx(T_VOICE + DELAY + T_CHAT, abs=1e-9)
    assert j["resolved_within_contacts"] == 0.0
    assert j["resolved_within_time"] == 1.0 and j["resolved_within_effort"] == 0.0


def test_effort_target_moves_the_shares() -> None:
    """2 contacts allowed: all within; 499 s allowed: none (they take 500 s)."""
    data = _two_contacts(effort_target={"contacts": 2, "time": 499})
    j = _journeys(sim.simulate(sim.parse_scenario(data)))
    assert j["resolved_within_contacts"] == 1.0
    assert j["resolved_within_time"] == 0.0 and j["resolved_within_effort"] == 0.0


def test_context_loss_scales_the_later_contact_exactly() -> None:
    """Factor 1.25: the chat (the journey's second contact) takes 250 s, the first call
    still 300 s; customer time 550 s, resolution 610 s."""
    res = sim.simulate(sim.parse_scenario(_two_contacts(context_loss={"factor": 1.25})))
    assert res.kpi("voice", "aht")[0] == T_VOICE
    assert res.kpi("chat", "aht")[0] == pytest.approx(1.25 * T_CHAT, abs=1e-9)
    j = _journeys(res)
    assert j["customer_time"] == pytest.approx(T_VOICE + 1.25 * T_CHAT, abs=1e-9)
    assert j["time_to_resolution"] == pytest.approx(T_VOICE + DELAY + 1.25 * T_CHAT, abs=1e-9)


def _run(data: dict[str, Any], rep: int = 0) -> Any:
    return run_replication(compile_scenario(sim.parse_scenario(data)), replication_seed(5, rep))


def _random_journeys(**journeys: Any) -> dict[str, Any]:
    """The golden redial/switch case with random handle times, staffed so nobody waits
    (so scaling handle times cannot change who waits, only how long contacts take)."""
    base = {**SMALL["journeys_switching_max_attempts"]}
    base["groups"] = {"all": {"skills": ["voice", "chat"], "agents": 400}}
    base["journeys"] = {**base["journeys"], **journeys}
    return base


def test_context_loss_draws_the_same_and_multiplies_after() -> None:
    """Same draws: the first contacts are as without context loss; the later contacts on
    each channel, in the order they were made (the order of their draws), take exactly
    1.25x the handle time of their counterparts without it (later contacts start later,
    so who makes the i-th one may differ; the i-th draw does not)."""
    plain = _run(_random_journeys())
    lossy = _run(_random_journeys(context_loss={"factor": 1.25}))
    n0 = len(plain.journey_outcome)
    assert len(lossy.journey_outcome) == n0
    for f in ("arrival", "channel", "handle"):
        assert np.array_equal(getattr(plain, f)[:n0], getattr(lossy, f)[:n0]), f
    compared = 0
    for c in range(2):
        a = plain.handle[(plain.attempt > 1) & (plain.channel == c)]
        b = lossy.handle[(lossy.attempt > 1) & (lossy.channel == c)]
        n = min(len(a), len(b))
        assert n >= 1
        assert np.array_equal(b[:n], a[:n] * 1.25)
        compared += n
    assert compared > 10


def test_context_carried_is_no_context_loss() -> None:
    """carry: true leaves every array of the run as without the key, bit for bit; so
    does switching the compiled model's flag on."""
    plain = _run(_random_journeys())
    carried = _run(_random_journeys(context_loss={"factor": 1.25, "carry": True}))
    for f in dataclasses.fields(plain):
        a, b = getattr(plain, f.name), getattr(carried, f.name)
        assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b, f.name
    sc = sim.parse_scenario(_random_journeys(context_loss={"factor": 1.25}))
    model = dataclasses.replace(compile_scenario(sc), context_carry=True)
    flagged = run_replication(model, replication_seed(5, 0))
    assert np.array_equal(flagged.handle, plain.handle)


@pytest.mark.parametrize("case", ["journeys_switching_max_attempts", "deferred_reserve_chase"])
def test_effort_conservation(case: str) -> None:
    """Per journey contacts sum to the contacts; customer time sums to every wait plus
    every answered handle time; 1 <= channels used <= contacts; shares in [0, 1]."""
    data = SMALL[case]
    run = _run(data)
    contacts, channels, time = journey_effort(run)
    assert contacts.sum() == len(run.arrival)
    spent = run.wait.sum() + run.handle[run.outcome == ANSWERED].sum()
    assert time.sum() == pytest.approx(spent, rel=1e-12)
    assert (channels >= 1).all() and (channels <= contacts).all()
    assert (channels <= len(data["channels"])).all()
    row = journey_row(run, 0.0, float("inf"))
    assert row["mean_attempts"] * row["customers"] == pytest.approx(len(run.arrival))
    for k in JOURNEY_EFFORT_KPIS:
        lo, hi = kpi_range(k)
        assert lo <= row[k] <= hi, k
    assert row["resolved_within_effort"] <= min(
        row["resolved_within_contacts"], row["resolved_within_time"]
    )
    assert row["resolved_within_contacts"] * row["customers"] <= row["resolved"]


def test_effort_in_json_contract() -> None:
    """``journeys.<kpi>`` = {mean, ci95} for every effort KPI."""
    res = sim.simulate(sim.parse_scenario(_two_contacts()))
    j = res.to_dict()["journeys"]
    for k in JOURNEY_EFFORT_KPIS:
        assert set(j[k]) == {"mean", "ci95"}
    assert j["customer_time"]["mean"] == pytest.approx(T_VOICE + T_CHAT)


@pytest.mark.parametrize(
    ("journeys", "field"),
    [
        ({"context_loss": {"factor": 0.9}}, "journeys.context_loss.factor"),
        ({"context_loss": {"carry": True}}, "journeys.context_loss.factor"),
        ({"effort_target": {"contacts": 0}}, "journeys.effort_target.contacts"),
        ({"effort_target": {"time": -1}}, "journeys.effort_target.time"),
        ({"effort_target": {"calls": 1}}, "journeys.effort_target.calls"),
    ],
)
def test_bad_keys_name_the_field(journeys: dict[str, Any], field: str) -> None:
    with pytest.raises(sim.ScenarioError, match=field.replace(".", r"\.")):
        sim.parse_scenario(_two_contacts(**journeys))


def test_sweep_switches_context_carry_on() -> None:
    """A sweep over ``journeys.context_loss.carry``: carried, the later contacts take their
    drawn time (the two-contact journey: 500 s of customer time), lost, 1.25x (550 s)."""
    base = _two_contacts(context_loss={"factor": 1.25})
    spec = {"base": base, "replications": 2, "grid": {"journeys.context_loss.carry": [False, True]}}
    table = sim.sweep(spec, workers=1)
    time = table.groupby("journeys.context_loss.carry")["journey.customer_time"].mean()
    assert time[False] == pytest.approx(T_VOICE + 1.25 * T_CHAT, abs=1e-9)
    assert time[True] == pytest.approx(T_VOICE + T_CHAT, abs=1e-9)


def test_ccsim_run_and_compare_show_effort(tmp_path: Any) -> None:
    """`ccsim run` prints the effort line; `ccsim compare` pairs every journey KPI: the
    context loss adds exactly 50 s of customer time to every journey, in every
    replication (so the paired interval is 0 wide)."""
    import json

    import yaml

    from .cli_helpers import ccsim

    base, lossy = tmp_path / "base.yaml", tmp_path / "lossy.yaml"
    base.write_text(yaml.safe_dump(_two_contacts()))
    lossy.write_text(yaml.safe_dump(_two_contacts(context_loss={"factor": 1.25})))
    r = ccsim("run", str(base))
    assert r.returncode == 0, r.stderr
    assert "effort     channels per journey 2.000" in r.stdout
    assert "resolved in 1 contact 0.0%" in r.stdout
    r = ccsim("compare", str(base), str(lossy), "--json", "-")
    assert r.returncode == 0, r.stderr
    ct = json.loads(r.stdout)["journeys"]["customer_time"]
    assert ct["base"] == pytest.approx(T_VOICE + T_CHAT)
    assert ct["delta"] == pytest.approx(0.25 * T_CHAT) and ct["ci95"] == pytest.approx(0.0)
    r = ccsim("compare", str(base), str(lossy))
    assert r.returncode == 0 and "customer_time" in r.stdout


def test_journey_map_caption() -> None:
    """The caption states the two-contact journey's effort; the DOT carries it."""
    from sim.measure.runner import effort_target
    from sim.present.journey_map import effort_caption, flows_dot

    sc = sim.parse_scenario(_two_contacts())
    res = sim.simulate(sc)
    text = effort_caption(res.journeys, *effort_target(sc))
    assert text == (
        "Effort per journey: 2.00 contacts on 2.00 channels, 8.3 min of customer time; "
        "resolved in 1 contact: 0%, within 10 min: 100%"
    )
    dot = flows_dot(res.flows, list(sc.channels), {"voice": 1.0}, caption=text)
    assert f'label="{text}";' in dot and dot.endswith("}")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.floats(1.0, 2.0))
def test_effort_laws_on_random_scenarios(data: dict[str, Any], factor: float) -> None:
    """Any scenario, with context loss: per journey contacts sum to the contacts, customer
    time to every wait plus every answered handle time, 1 <= channels <= contacts; the
    first contacts arrive as without context loss and, without stretch, take the same
    time."""
    lossy_data = {
        **data,
        "journeys": {**data.get("journeys", {}), "context_loss": {"factor": factor}},
    }
    plain, lossy = _run(data), _run(lossy_data)
    n0 = len(plain.journey_outcome)
    assert np.array_equal(plain.arrival[:n0], lossy.arrival[:n0])
    stretched = any(t is not None for t in compile_scenario(sim.parse_scenario(data)).rate_tables)
    if not stretched:  # a stretched session's time depends on what else the agent holds
        assert np.array_equal(plain.handle[:n0], lossy.handle[:n0])
    contacts, channels, time = journey_effort(lossy)
    assert contacts.sum() == len(lossy.arrival)
    spent = lossy.wait.sum() + lossy.handle[lossy.outcome == ANSWERED].sum()
    assert time.sum() == pytest.approx(spent, rel=1e-9, abs=1e-6)
    assert (channels >= 1).all() and (channels <= contacts).all()


def test_whatif_carry_context_is_paired_and_gives_back_the_time() -> None:
    """The what-if "carry context" equals the scenario without context loss, replication
    for replication; its paired journey change is -50 s of customer time exactly."""
    from sim.measure.runner import compare_journeys
    from sim.plan.whatif import carry_context

    lossy = sim.parse_scenario(_two_contacts(context_loss={"factor": 1.25}))
    carried = carry_context(lossy)
    assert carried.journeys.context_loss is not None and carried.journeys.context_loss.carry
    plain = sim.simulate(sim.parse_scenario(_two_contacts()))
    got = sim.simulate(carried)
    assert got.channel_reps.equals(plain.channel_reps)
    assert got.journey_reps.equals(plain.journey_reps)
    delta = compare_journeys(sim.simulate(lossy), got).set_index("kpi")
    assert delta.loc["customer_time", "delta"] == pytest.approx(-0.25 * T_CHAT)
    assert delta.loc["customer_time", "ci95"] == pytest.approx(0.0)
    with pytest.raises(sim.ScenarioError, match=r"journeys\.context_loss"):
        carry_context(sim.parse_scenario(_two_contacts()))


# -- carry_context as a shaping rule ----------------------------------------------------
def _carry_rule(between: list[str], channel: str = "chat") -> list[dict[str, Any]]:
    return [
        {"name": "share the case", "when": {"between": between}, "do": {"carry_context": channel}}
    ]


def test_carry_rule_all_day_is_carried_context() -> None:
    """A carry_context rule holding all day on every channel = context_loss carry: true,
    handle times bit for bit (the other arrays too: no draw moves)."""
    loss = {"factor": 1.25}
    rules = [
        {"name": f"carry {c}", "when": {"between": ["00:00", "00:00"]}, "do": {"carry_context": c}}
        for c in ("voice", "chat")
    ]
    shaped = _random_journeys(context_loss=loss)
    shaped["shaping"] = rules
    carried = _run(_random_journeys(context_loss={**loss, "carry": True}))
    ruled = _run(shaped)
    for f in ("arrival", "channel", "handle", "wait", "outcome", "attempt"):
        assert np.array_equal(getattr(ruled, f), getattr(carried, f)), f


def test_carry_rule_by_hand() -> None:
    """Two contacts per journey (a 300 s call, then a 200 s chat 60 s later); context loss
    1.25; the rule carries context onto chat from 00:00 to 01:00: chats of journeys that
    started before 00:59 take 200 s, later ones 250 s. The rule's counts: every chat made
    in the window, each saving 50 s."""
    data = _two_contacts(context_loss={"factor": 1.25})
    data["shaping"] = _carry_rule(["00:00", "01:00"])
    res = sim.simulate(sim.parse_scenario(data), keep_runs=True)
    for run in res.runs:
        chats = run.channel == 1
        start = run.arrival[chats]
        want = np.where(start < 3600.0, T_CHAT, 1.25 * T_CHAT)
        assert np.allclose(run.handle[chats], want)
    rules = res.rules.set_index("kpi")["mean"]
    n_in = np.mean([((r.channel == 1) & (r.arrival < 3600.0)).sum() for r in res.runs])
    assert rules["carried"] == n_in > 0 and rules["fired"] == n_in
    assert rules["minutes_saved"] == pytest.approx(n_in * 0.25 * T_CHAT / 60.0)
    # a rule on a channel nobody recontacts never fires: the run is as without it
    data["shaping"] = _carry_rule(["00:00", "01:00"], channel="voice")
    plain = sim.simulate(sim.parse_scenario(_two_contacts(context_loss={"factor": 1.25})))
    ruled = sim.simulate(sim.parse_scenario(data))
    pd.testing.assert_frame_equal(
        ruled.channel_reps.drop(columns=["moved_out", "deflected"]), plain.channel_reps
    )
    assert ruled.rules.set_index("kpi")["mean"]["carried"] == 0


def test_carry_rule_needs_context_loss() -> None:
    data = _two_contacts()
    data["shaping"] = _carry_rule(["09:00", "11:00"])
    with pytest.raises(sim.ScenarioError, match=r"shaping\[0\]\.do\.carry_context: needs journeys"):
        sim.parse_scenario(data)
    data = _two_contacts(context_loss={"factor": 1.2})
    data["shaping"] = [
        {"name": "x", "when": {"between": ["09:00", "10:00"]}, "do": {"carry_context": "fax"}}
    ]
    with pytest.raises(
        sim.ScenarioError, match=r"shaping\[0\]\.do\.carry_context: unknown channel 'fax'"
    ):
        sim.parse_scenario(data)
