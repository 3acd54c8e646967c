"""Analytic staffing requirements: published values, channel modes, shrinkage, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.plan.staffing import (
    BASES,
    StaffingError,
    Targets,
    group_requirements,
    requirements,
    scheduled_from_productive,
    simulated_offered,
    staffed_vs_required,
)

from .cli_helpers import ccsim
from .helpers import SCENARIOS, single_queue


def published(shrinkage: float = 0.3, patience: float | None = None) -> sim.Scenario:
    """100 calls per 30 min, AHT 180 s, 80% in 20 s, 30% shrinkage."""
    data = single_queue(
        per_interval=100, aht=180, agents=20, patience=patience, periods=4, warmup_minutes=0
    )
    data["groups"]["agents"]["shrinkage"] = shrinkage
    return sim.parse_scenario(data)


@pytest.mark.parametrize(("occupancy", "productive", "scheduled"), [(0.85, 14, 20), (0.70, 15, 22)])
def test_published_erlang_c_values(occupancy: float, productive: int, scheduled: int):
    """The textbook example: 14 productive / 20 scheduled, and 15 / 22 at 70% occupancy."""
    req = requirements(published(), Targets(max_occupancy=occupancy))
    assert (req["productive"] == productive).all()
    assert (req["scheduled"] == scheduled).all()
    assert req["period"].tolist() == [0, 1, 2, 3]
    row = req.iloc[0]
    assert row["load"] == pytest.approx(10.0)
    # 13 agents miss 80/20 (Erlang C), 14 make it: the service level decides at 85%
    assert sim.erlang_c(100 / 1800, 180, 13, 20).service_level < 0.8 <= row["service_level"]
    assert row["binding"] == ("service_level" if occupancy == 0.85 else "max_occupancy")
    assert row["occupancy"] == pytest.approx(10 / productive)


def test_scheduled_rounds_up_without_float_noise():
    """14 / 0.7 is 20.000000000000004 in floating point; it must stay 20."""
    assert scheduled_from_productive(14, 0.3) == 20
    assert scheduled_from_productive(15, 0.3) == 22
    assert scheduled_from_productive(0, 0.3) == 0
    assert scheduled_from_productive(10, 0.0) == 10
    # the simulator's rounding gives back at least the productive requirement
    for n in range(1, 60):
        for s in (0.1, 0.15, 0.2, 0.3, 0.35):
            m = scheduled_from_productive(n, s)
            assert math.floor(m * (1 - s) + 0.5) >= n


def test_erlang_a_needs_fewer_agents_with_impatient_callers():
    """Abandonment relieves the queue: Erlang A's 80/20 needs 13, Erlang C 14."""
    sc = published(patience=300)
    auto = requirements(sc)
    assert (auto["productive"] == 13).all()
    q = sim.erlang_a(100 / 1800, 180, 300, 13, 20)
    assert auto["service_level"].iloc[0] == pytest.approx(q.service_level)
    assert (requirements(sc, Targets(model="erlang_c"))["productive"] == 14).all()


def test_asa_and_abandon_caps_bind():
    sc = published(patience=300)
    base = int(requirements(sc)["productive"].iloc[0])
    asa = requirements(sc, Targets(max_asa={"voice": 2.0})).iloc[0]
    assert asa["productive"] > base and asa["asa"] <= 2.0
    assert asa["binding"] == "max_asa"
    n = int(asa["productive"])
    assert sim.erlang_a(100 / 1800, 180, 300, n - 1, 20).asa > 2.0
    ab = requirements(sc, Targets(max_abandon={"voice": 0.002})).iloc[0]
    assert (
        ab["abandon_rate"]
        <= 0.002
        < sim.erlang_a(100 / 1800, 180, 300, ab["productive"] - 1).p_abandon
    )


def _two_channel(extra: dict) -> sim.Scenario:
    chat = {
        "mode": "concurrent",
        "concurrency": 3,
        "arrivals": 60,
        "handle_time": {"distribution": "exponential", "mean": 600},
        "service_level": {"target": 0.9, "threshold": 60},
        **extra,
    }
    return sim.parse_scenario(
        {
            "interval_minutes": 30,
            "periods": 2,
            "channels": {"chat": chat},
            "groups": {"team": {"skills": ["chat"], "agents": 10}},
        }
    )


def test_concurrent_channel_uses_slots_and_full_load_stretch():
    """Chat: slots = agents x concurrency; stretch lengthens the handle time at full load."""
    plain = requirements(_two_channel({})).iloc[0]
    slots = sim.required_agents(60 / 1800, 600, service_level=0.9, threshold=60)
    assert plain["servers"] == 3 * math.ceil(slots / 3)
    assert plain["productive"] == math.ceil(slots / 3)
    stretched = requirements(_two_channel({"stretch": 0.25})).iloc[0]
    assert stretched["handle_time"] == pytest.approx(600 * 1.5)  # 1 + 0.25 x (3 - 1)
    slots_s = sim.required_agents(60 / 1800, 900, service_level=0.9, threshold=60)
    assert stretched["productive"] == math.ceil(slots_s / 3) > plain["productive"]


def test_deferred_channel_clears_each_interval_within_the_threshold():
    """Email: each interval's work spread over the time to its deadline, cut at the close."""
    data = {
        "interval_minutes": 60,
        "periods": 6,
        "channels": {
            "email": {
                "mode": "deferred",
                "arrivals": [30, 0, 0, 0, 0, 12],
                "handle_time": {"distribution": "fixed", "value": 480},
                "service_level": {"target": 0.9, "threshold": 4 * 3600},
            }
        },
        "groups": {"office": {"skills": ["email"], "agents": 3}},
    }
    req = requirements(sim.parse_scenario(data))
    # 30 x 480 s = 4 agent-hours over 4 hours -> 1 agent in 0-3; 12 x 480 s in the last hour
    assert req["productive"].tolist() == [1, 1, 1, 1, 0, 2]
    assert req["service_level"].isna().all()


def _offered(sc: sim.Scenario, per_channel: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"channel": c, "period": p, "offered": v}
            for c, values in per_channel.items()
            for p, v in enumerate(values)
        ]
    )


def test_offered_load_replaces_new_journeys_on_every_mode():
    """``offered`` is staffed for instead of the arrivals, live and deferred alike."""
    sc = sim.load_scenario(SCENARIOS / "retail_bank.yaml")
    plain = requirements(sc)
    same = {c: list(ch.arrivals_per_period(sc.periods)) for c, ch in sc.channels.items()}
    pd.testing.assert_frame_equal(requirements(sc, offered=_offered(sc, same)), plain)
    more = {c: [v * 1.5 for v in values] for c, values in same.items()}
    bigger = requirements(sc, offered=_offered(sc, more))
    assert bigger["arrivals"].tolist() == pytest.approx([v for c in sc.channels for v in more[c]])
    for c in sc.channels:  # voice, chat and messaging (Erlang) and email (fluid)
        before = plain[plain.channel == c]["productive"].sum()
        assert bigger[bigger.channel == c]["productive"].sum() > before, c


def test_offered_load_must_cover_every_channel_and_period():
    sc = published()
    full = _offered(sc, {"voice": [100.0] * sc.periods})
    with pytest.raises(StaffingError, match=r"offered: no row for channel 'voice', period 3"):
        requirements(sc, offered=full[full.period < 3])
    with pytest.raises(StaffingError, match=r"offered\.channel: unknown channel 'fax'"):
        requirements(sc, offered=pd.concat([full, _offered(sc, {"fax": [1.0]})]))
    with pytest.raises(StaffingError, match=r"offered: missing column\(s\) offered"):
        requirements(sc, offered=full.rename(columns={"offered": "mean"}))
    with pytest.raises(StaffingError, match=r"period 0: must be a finite number >= 0"):
        requirements(sc, offered=full.assign(offered=[-1.0, 100.0, 100.0, 100.0]))


def test_simulated_offered_adds_the_simulated_hops_to_the_new_journeys():
    sc = sim.load_scenario(SCENARIOS / "retail_bank.yaml")
    res = sim.simulate(sc, replications=2)
    off = simulated_offered(res)
    assert len(off) == len(sc.channels) * sc.periods
    hops = res.intervals.query("kpi == 'hops_in'").set_index(["channel", "period"])["mean"]
    voice = off[off.channel == "voice"]
    assert voice["new"].tolist() == list(sc.channels["voice"].arrivals_per_period(sc.periods))
    assert voice["hops_in"].tolist() == pytest.approx(hops.loc["voice"].tolist())
    assert (off["offered"] == off["new"] + off["hops_in"]).all()
    assert voice["hops_in"].sum() > 0  # callers redial and chats come back as calls


def test_staffed_vs_required_counts_both_sides_alike():
    """Scheduled against scheduled, productive against productive (never mixed)."""
    data = single_queue(per_interval=100, aht=180, agents=19, patience=None, periods=2)
    data["warmup_minutes"] = 0
    data["groups"]["agents"]["shrinkage"] = 0.3
    sc = sim.parse_scenario(data)
    req = requirements(sc)  # the textbook's 14 productive / 20 scheduled (Erlang C, 80/20)
    assert req["productive"].tolist() == [14, 14] and req["scheduled"].tolist() == [20, 20]
    sched = staffed_vs_required(sc, req, "scheduled")  # 19 on the rota
    assert sched[["required", "staffed", "surplus"]].values.tolist() == [[20, 19, -1]] * 2
    prod = staffed_vs_required(sc, req, "productive")  # 19 x 0.7 = 13.3 -> 13 productive
    assert prod[["required", "staffed", "surplus"]].values.tolist() == [[14, 13, -1]] * 2
    # (14 productive needed against 19 scheduled would wrongly say 5 to spare)
    assert prod["time"].tolist() == sc.period_labels()
    with pytest.raises(StaffingError, match="basis"):
        staffed_vs_required(sc, req, "paid")  # type: ignore[arg-type]


def test_retail_bank_short_intervals_compare_like_with_like():
    """The page's old verdict (productive need vs scheduled heads) said 30 of 48 short."""
    sc = sim.load_scenario(SCENARIOS / "retail_bank.yaml")
    req = requirements(sc)
    short = {b: int((staffed_vs_required(sc, req, b)["surplus"] < 0).sum()) for b in BASES}
    assert short == {"scheduled": 20, "productive": 13}


def test_group_requirements_follow_skills_and_shrinkage():
    sc = sim.load_scenario(SCENARIOS / "retail_bank.yaml")
    req = requirements(sc)
    grp = group_requirements(sc, req)
    assert set(grp["group"]) == set(sc.groups)
    assert len(grp) == len(sc.groups) * sc.periods
    # every channel's requirement is covered by the groups that serve it
    for p in (0, 10, 30):
        by_group = grp[grp.period == p].set_index("group")["productive"]
        by_channel = req[req.period == p].set_index("channel")["productive"]
        assert by_group.sum() >= by_channel.sum()
        assert by_group["phones"] + by_group["blended"] >= by_channel["voice"]
        assert by_group["digital"] >= by_channel["messaging"]  # only digital serves it
    sched = grp.set_index(["group", "period"])
    assert sched.loc[("phones", 10), "scheduled"] == scheduled_from_productive(
        int(sched.loc[("phones", 10), "productive"]), 0.2
    )


def test_channel_without_target_is_named():
    data = single_queue(
        per_interval=10, aht=180, agents=3, patience=None, periods=2, warmup_minutes=0
    )
    del data["channels"]["voice"]["service_level"]
    with pytest.raises(StaffingError, match=r"channels\.voice\.service_level"):
        requirements(sim.parse_scenario(data))
    assert (
        requirements(sim.parse_scenario(data), Targets(max_asa={"voice": 30}))["productive"] > 0
    ).all()


def test_bad_targets_name_the_field():
    with pytest.raises(StaffingError, match="max_occupancy"):
        Targets(max_occupancy=0)
    with pytest.raises(StaffingError, match=r"max_abandon\.voice"):
        Targets(max_abandon={"voice": 2})
    with pytest.raises(StaffingError, match=r"max_asa\.fax: unknown channel"):
        requirements(published(), Targets(max_asa={"fax": 20}))


# -- command line ------------------------------------------------------------------------
@pytest.fixture
def textbook(tmp_path: Path) -> Path:
    p = tmp_path / "textbook.yaml"
    p.write_text(yaml.safe_dump(published().to_dict()))
    return p


def test_cli_staff_json_contract(textbook: Path):
    r = ccsim(
        "staff", str(textbook), "--method", "erlang", "--max-occupancy", "0.85", "--json", "-"
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    rows = data["requirements"]
    assert [(x["channel"], x["period"]) for x in rows] == [("voice", i) for i in range(4)]
    assert {(x["productive"], x["scheduled"]) for x in rows} == {(14, 20)}
    r70 = ccsim("staff", str(textbook), "--max-occupancy", "0.7", "--json", "-")
    assert {(x["productive"], x["scheduled"]) for x in json.loads(r70.stdout)["requirements"]} == {
        (15, 22)
    }


def test_cli_staff_writes_table_and_csv(textbook: Path, tmp_path: Path):
    out = tmp_path / "req.csv"
    r = ccsim("staff", str(textbook), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "14/20" in r.stdout
    table = np.loadtxt(out, delimiter=",", skiprows=1, usecols=(1,), dtype=int)
    assert table.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--max-asa", "fax=20"], "--max-asa: unknown channel 'fax'"),
        (["--max-abandon", "voice=2"], "--max-abandon.voice"),
        (["--max-asa", "voice=soon"], "--max-asa: expected [CHANNEL=]NUMBER"),
        (
            ["--json", "/nonexistent/dir/x.json"],
            "--json: /nonexistent/dir/x.json: directory /nonexistent/dir does not exist",
        ),
    ],
)
def test_cli_staff_bad_input_exit_2(textbook: Path, tmp_path: Path, args: list[str], field: str):
    out = tmp_path / "never.csv"
    r = ccsim("staff", str(textbook), "--out", str(out), *args)
    assert r.returncode == 2
    assert field in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()
