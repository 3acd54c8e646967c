"""The shipped scenarios tell the stories they claim."""

from __future__ import annotations

import pytest

import sim
from sim.config.scenario import read_yaml

from .helpers import SCENARIO_FILES, SCENARIOS


def moved(sc: sim.Scenario, n: int, first: int, last: int) -> sim.Scenario:
    phones, msg = list(sc.scheduled("phones")), list(sc.scheduled("messaging_team"))
    for p in range(first, last):
        phones[p] -= n
        msg[p] += n
    return sc.updated({"groups.phones.agents": phones, "groups.messaging_team.agents": msg})


def test_reallocation_demo_hurts_voice_and_spills_into_chat():
    sc = sim.load_scenario(SCENARIOS / "reallocation_demo.yaml")
    base = sim.simulate(sc)
    whatif = sim.simulate(moved(sc, 6, 8, 24))  # 6 agents, 10:00-14:00
    d = sim.compare(base, whatif).set_index(["channel", "kpi"])

    def worse(channel, kpi, sign):
        row = d.loc[(channel, kpi)]
        return sign * row["delta"] > row["ci95"]

    assert worse("voice", "service_level", -1)
    assert worse("voice", "abandon_rate", +1)
    assert worse("chat", "hops_in", +1)  # abandoned callers try chat
    assert worse("chat", "service_level", -1)
    voice_loss = -d.loc[("voice", "service_level"), "delta"]
    assert d.loc[("messaging", "service_level"), "delta"] < voice_loss / 3
    assert d.loc[("messaging", "offered"), "delta"] == 0  # same customers (CRN)


def test_retail_bank_is_a_four_channel_centre():
    sc = sim.load_scenario(SCENARIOS / "retail_bank.yaml")
    modes = {name: ch.mode for name, ch in sc.channels.items()}
    assert modes == {
        "voice": "synchronous",
        "chat": "concurrent",
        "email": "deferred",
        "messaging": "concurrent",
    }
    assert any(g.shifts for g in sc.groups.values())
    assert any(len(g.skills) > 1 for g in sc.groups.values())
    res = sim.simulate(sc, replications=3)
    reps = res.channel_reps
    assert (reps["answered"] + reps["abandoned"] == reps["offered"]).all()
    flows = res.flows.set_index(["from", "to"])["mean"]
    assert flows[("email", "voice")] > 0  # chasing: unanswered email becomes a call
    assert flows[("voice", "chat")] > 0
    sl = res.channels.query("kpi == 'service_level'").set_index("channel")["mean"]
    assert 0.6 < sl["voice"] < 0.95 and 0.6 < sl["email"] < 1


def test_typical_day_uses_all_four_behaviours_and_each_shows():
    """scenarios/typical_day.yaml (issue 12): segments, wrap-up, proficiency, call-backs."""
    sc = sim.load_scenario(SCENARIOS / "typical_day.yaml")
    voice = sc.channels["voice"]
    assert voice.segments and voice.wrap_up and voice.callback
    factors = {g: grp.factor("voice") for g, grp in sc.groups.items() if "voice" in grp.skills}
    assert factors["experts"] == 0.85 and factors["new_hires"] == 1.3
    res = sim.simulate(sc, replications=5)
    seg = res.segments.query("channel == 'voice'").pivot(
        index="segment", columns="kpi", values="mean"
    )
    # priority 1 is served first: premium callers wait less and get their 90%/15 s
    assert seg.loc["premium", "asa"] < seg.loc["standard", "asa"]
    assert seg.loc["premium", "service_level"] > 0.9 - 0.05
    ch = res.channels.set_index(["channel", "kpi"])["mean"]
    # wrap-up: reported apart from talk time (lognormal mean 45 s, scaled by proficiency)
    assert 0.85 * 45 * 0.9 < ch[("voice", "acw")] < 1.3 * 45 * 1.1
    assert ch[("voice", "callback_accepted")] > 0 and ch[("voice", "callbacks_made")] > 0
    occ = res.groups.query("kpi == 'occupancy'").set_index("group")["mean"]
    assert occ["new_hires"] > occ["experts"]  # slower agents are busier on the same queue


def test_yaml_12_scalars():
    """`on:` is a key, clock times stay text, yes/no are not booleans."""
    data = read_yaml("on: abandon\nstart: 12:00\nflag: yes\nn: 1e3\nx: 0x10\n")
    assert data == {"on": "abandon", "start": "12:00", "flag": "yes", "n": 1000.0, "x": 16}


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_every_shipped_scenario_runs(path):
    res = sim.simulate(sim.load_scenario(path), replications=1)
    assert res.channel_reps["offered"].sum() > 0
