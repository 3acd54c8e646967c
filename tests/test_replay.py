"""Replay validation on the real Anonymous Bank records (January -> February) and the
``ccsim replay`` command: small runs (a day or two, few replications)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from forecasting.agents import skill_groups
from forecasting.calibrate import Calibration, calibrate, read_anonymous_bank
from sim.config.scenario import parse_scenario
from sim.measure.replay import (
    BEHAVIOURS,
    DEFAULT_BEHAVIOURS,
    _agent_talk,
    _pickup,
    _pickup_daily,
    _queue_pickups,
    _scale_group_factors,
    _segment_talk_times,
    _talk_by_hour,
    day_seed,
    replay,
    replay_summary,
)

from .cli_helpers import ccsim
from .forecast_helpers import RAW, SHARED, needs_raw
from .helpers import single_queue

pytestmark = needs_raw


@pytest.fixture(scope="module")
def january() -> Calibration:
    return calibrate(read_anonymous_bank(RAW / "anonymous_bank_1999_january.txt.gz"))


@pytest.fixture(scope="module")
def february() -> pd.DataFrame:
    return read_anonymous_bank(RAW / "anonymous_bank_1999_february.txt.gz")


def test_availability_without_cutoff_is_the_on_shift_staffing(january: Calibration) -> None:
    """Per interval, the skill groups' on-shift agents add up to the one-group idle-gap
    staffing; the availability rule only removes time (about 6% in January)."""
    old = january.availability(wrap_cutoff=None).groupby("interval")["agents"].sum()
    new = january.availability().groupby("interval")["agents"].sum()
    st = january.staffing.set_index("interval")["agents"].reindex(old.index)
    assert (old - st).abs().max() < 1e-9
    assert (new <= old + 1e-9).all()
    assert 0.85 < new.sum() / old.sum() < 0.99


def test_january_estimates(january: Calibration) -> None:
    """What the records show: agents choose PS over NW (2369 to 796 picks) and NE over
    PS (557 to 405); after-call work of a few seconds (median gap 5 s); every queue
    has a group."""
    order = january.routing_priority
    assert order.index("NE") < order.index("PS") < order.index("NW")
    assert set(january.wrap_up) == set(january.queues)
    for samples in january.wrap_up.values():
        assert 3 <= samples[50] <= 10 and max(samples) <= 60
    served = {q for skills in january.skill_groups.values() for q in skills}
    assert served == set(january.queues)


def test_scenario_for_day_with_every_behaviour(
    january: Calibration, february: pd.DataFrame
) -> None:
    """The replay scenario loads: one group per skill set, whole agents adding up to the
    day's rounded total, empirical wrap-up, handle-time factors."""
    test = calibrate(february)
    avail = test.availability(january.agent_skills)
    groups = skill_groups(january.agent_skills)
    day = pd.Timestamp("1999-02-01").date()
    data = january.scenario_for_day(
        day,
        arrivals=test.arrivals(),
        staffing=avail[avail["group"].isin(groups)],
        groups=groups,
        wrap_up=True,
        proficiency=True,
        routing=True,
    )
    sc = parse_scenario(data)
    assert set(sc.groups) == set(groups)
    grid = pd.date_range("1999-02-01", periods=96, freq="15min")
    total = avail[avail["interval"].isin(grid) & avail["group"].isin(groups)]
    want = total.groupby("interval")["agents"].sum().reindex(grid, fill_value=0).round()
    got = [sum(g["agents"][i] for g in data["groups"].values()) for i in range(96)]
    assert got == [int(v) for v in want]
    assert data["channels"]["PS"]["wrap_up"]["distribution"] == "empirical"
    assert any("handle_time_factor" in g for g in data["groups"].values())


def test_replay_two_days(january: Calibration, february: pd.DataFrame) -> None:
    """Two days, two replications, every behaviour: a row per day and queue, the
    simulated shares are shares, the pooled row adds the queues' calls."""
    seeds: dict[object, int] = {}
    rep = replay(
        january,
        february,
        days=2,
        replications=2,
        behaviours=BEHAVIOURS,
        seed=7,
        on_day=lambda day, res: seeds.__setitem__(day, res.seed),
    )
    assert seeds == {day: day_seed(7, day) for day in rep["date"].unique()}
    assert rep["date"].nunique() == 2 and set(rep["queue"]) <= set(january.queues)
    assert rep["sim_abandon"].between(0, 1).all() and rep["sim_sl"].between(0, 1).all()
    s = replay_summary(rep).set_index("queue")
    per_day = rep.groupby("date")["offered"].sum().mean()
    assert s.loc["all", "offered_per_day"] == pytest.approx(per_day)
    with pytest.raises(ValueError, match="proficiency needs skills"):
        replay(january, february, days=1, behaviours=("proficiency",))
    with pytest.raises(ValueError, match="talk_times: must be 'train' or 'test'"):
        replay(january, february, days=1, talk_times="march")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="absence needs availability"):
        replay(january, february, days=1, behaviours=("absence",))
    with pytest.raises(ValueError, match="unknown nonsense"):
        replay(january, february, days=1, behaviours=("nonsense",))
    with pytest.raises(ValueError, match="pickup_as_absence needs pickup"):
        replay(january, february, days=1, behaviours=("pickup_as_absence",))


def test_january_pickup(january: Calibration) -> None:
    """January's PS calls that arrived to an idle, available PS agent: 11961, of which
    2732 were answered after more than 2 s (22.8%, median 27 s); a PS_NW group pools
    NW's 2091 calls (547 late)."""
    of = _pickup(january)
    ps = of(("PS",))
    assert ps is not None and ps["share"] == pytest.approx(2732 / 11961, abs=1e-4)
    samples = ps["delay"]["samples"]
    assert len(samples) == 101 and samples[50] == pytest.approx(27.0) and min(samples) > 2
    both = of(("PS", "NW"))
    assert both is not None and both["share"] == pytest.approx(3279 / 14052, abs=1e-4)
    data = single_queue(per_interval=1, aht=60, agents=1, patience=None, periods=4)
    data["groups"]["agents"]["pickup"] = ps
    assert parse_scenario(data).groups["agents"].pickup is not None


def test_january_pickup_daily(january: Calibration, february: pd.DataFrame) -> None:
    """January's days: the log-odds of a late answer rise by about 11.8 per unit of the
    day's absence share (mean 0.120, weighted by the idle arrivals); each February day's
    PS share is January's 22.8% moved by that slope times the day's absence less
    0.120 (mean over the Sunday-Thursday days 25.8%, February's own being 24.9%)."""
    from forecasting import agents as ag

    days = ag.pickup_days(january.records, january.agent_skills, idle_gap=january.idle_gap)
    late = ag.late_idle_arrivals(january.records, january.agent_skills, idle_gap=january.idle_gap)
    absence = ag.day_absence(
        january.records, january.agent_skills, interval_minutes=15, idle_gap=1800, not_absence=late
    )
    fit = ag.pickup_absence_fit(days.join(absence, how="inner"))
    assert fit is not None
    assert fit[0] == pytest.approx(11.78, abs=0.01) and fit[1] == pytest.approx(0.1198, abs=1e-4)
    test = calibrate(february, interval_minutes=15, idle_gap=january.idle_gap)
    share_of = _pickup_daily(january, test)
    ps = _pickup(january)(("PS",))
    assert ps is not None
    dates = sorted(d for d in test.observed()["date"].unique() if d.weekday() in (6, 0, 1, 2, 3))
    got = [share_of(d, ps["share"]) for d in dates]
    assert len(got) == 20 and sum(got) / 20 == pytest.approx(0.2575, abs=1e-4)
    assert share_of(pd.Timestamp("1999-01-03").date(), 0.3) == 0.3  # not a test day


def test_january_queue_pickups(january: Calibration, february: pd.DataFrame) -> None:
    """Per queue, abandoned calls as censored delays: NW's 2091 idle arrivals (547
    answered late, 122 abandoned) give a delayed share of 0.320 against 547 / 2091 =
    0.262 leaving the abandoned out; PS's 11961 (1.0% abandoned) 0.238 against 0.228.
    With ``pickup_by_queue`` a replayed day's groups carry them as ``channels``."""
    own = _queue_pickups(january)
    assert own["NW"]["share"] == pytest.approx(0.3199, abs=1e-4)
    assert own["PS"]["share"] == pytest.approx(0.2379, abs=1e-4)
    assert own["NW"]["share"] > 547 / 2091 and own["PS"]["share"] > 2732 / 11961
    assert set(own) == {"NE", "NW", "PS", "TT"}  # PE, IN: under 100 such calls
    seen: list[Any] = []
    replay(
        january,
        february,
        days=1,
        replications=1,
        behaviours=(*BEHAVIOURS[:5], "readiness", "pickup", "pickup_by_queue"),  # not daily
        on_day=lambda day, res: seen.append(res.scenario),
    )
    groups = seen[0].groups
    with_nw = [g for g in groups.values() if "NW" in g.skills and g.pickup is not None]
    assert with_nw and all(g.pickup.channels["NW"].share == own["NW"]["share"] for g in with_nw)


def test_cli_bad_input_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCSIM_SHARED_DATA", str(SHARED))
    r = ccsim("replay", "january", "february", "--without", "nonsense")
    assert r.returncode == 2 and "--without: unknown nonsense" in r.stderr
    r = ccsim("replay", "january", "february", "--with", "magic")
    assert r.returncode == 2 and "--with: unknown magic" in r.stderr
    r = ccsim("replay", "january", "february", "--with", "proficiency", "--without", "skills")
    assert r.returncode == 2 and "--with proficiency: needs skills" in r.stderr
    assert "leave out --without skills" in r.stderr
    r = ccsim("replay", "january", "february", "--with", "agent_talk", "--without", "proficiency")
    assert r.returncode == 2 and "--with agent_talk: needs proficiency" in r.stderr
    r = ccsim("replay", "january", "february", "--with", "pickup_as_absence", "--without", "pickup")
    assert r.returncode == 2 and "--with pickup_as_absence: needs pickup" in r.stderr
    assert "leave out --without pickup" in r.stderr
    r = ccsim("replay", "january", "february", "--with", "pickup_answerer", "--without", "pickup")
    assert r.returncode == 2 and "--with pickup_answerer: needs pickup" in r.stderr
    r = ccsim("replay", "january", "february", "--weekdays", "9")
    assert r.returncode == 2 and "--weekdays" in r.stderr
    r = ccsim("replay", "march", "february")
    assert r.returncode == 2 and "TRAIN: no such file 'march'" in r.stderr
    monkeypatch.setenv("CCSIM_SHARED_DATA", str(tmp_path))
    r = ccsim("replay", "january", "february")
    assert r.returncode == 2 and "month 'january' needs" in r.stderr


@pytest.mark.slow
def test_cli_replay_one_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One day, one replication: the JSON has the pooled row and every queue's, the
    CSV one row per queue, the chart is HTML."""
    monkeypatch.setenv("CCSIM_SHARED_DATA", str(SHARED))
    out, chart = tmp_path / "days.csv", tmp_path / "chart.html"
    r = ccsim(
        "replay", "january", "february", "--days", "1", "-r", "1", "--json", "-",
        "--csv", str(out), "--chart", str(chart),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    payload = json.loads(r.stdout)
    queues = {row["queue"] for row in payload["summary"]}
    assert "all" in queues and "PS" in queues
    assert payload["behaviours"] == list(DEFAULT_BEHAVIOURS)
    assert len(pd.read_csv(out)) == len(queues) - 1
    assert "<html" in chart.read_text(encoding="utf-8").lower()
    r = ccsim("replay", "january", "february", "--days", "1", "-r", "1", "--without", "routing")
    assert r.returncode == 0 and "pooled: abandonment bias" in r.stdout
    assert (
        "behaviours: skills, availability, wrap_up, proficiency, readiness, pickup, "
        "pickup_daily, pickup_by_queue, pickup_handoff, pickup_by_idle;" in r.stdout
    )


def test_january_segments(january: Calibration) -> None:
    """PS and NE show two priority classes in January: priority 2 is two thirds of the
    PS calls that queued (7656 of 11546 with priority 1 or 2, 1.5% of queued calls have
    priority 0 and are left out) and is served first (it overtook waiting priority-1
    callers, not the reverse); priority-1 PS callers are less patient. NW records no
    class (all 0): no segments."""
    seg = january.segments
    assert set(seg) == {"PS", "NE", "TT"}
    ps = seg["PS"]
    assert set(ps) == {"priority_1", "priority_2"}
    assert ps["priority_2"]["share"] == pytest.approx(7656 / (7656 + 3890), abs=2e-3)
    assert ps["priority_2"]["priority"] == 1 and ps["priority_1"]["priority"] == 2
    assert ps["priority_1"]["patience"]["mean"] < ps["priority_2"]["patience"]["mean"]
    assert {s["priority"] for s in seg["TT"].values()} == {1}  # no service order shown


def test_replay_with_segments_one_day(january: Calibration, february: pd.DataFrame) -> None:
    """With ``segments`` the replay scenario carries the classes and runs; without it
    the scenario is the old one (the same but for the segments) and so is the replay."""
    day = pd.Timestamp("1999-02-01").date()
    test = calibrate(february)
    data = january.scenario_for_day(
        day, arrivals=test.arrivals(), staffing=test.staffing, segments=True
    )
    assert set(data["channels"]["PS"]["segments"]) == {"priority_1", "priority_2"}
    assert "segments" not in data["channels"]["NW"]
    parse_scenario(data)
    old = january.scenario_for_day(day, arrivals=test.arrivals(), staffing=test.staffing)
    assert old == {
        **data,
        "channels": {
            q: {k: v for k, v in ch.items() if k != "segments"}
            for q, ch in data["channels"].items()
        },
    }
    base = replay(january, february, days=1, replications=2, behaviours=())
    seg = replay(january, february, days=1, replications=2, behaviours=("segments",))
    assert list(seg["queue"]) == list(base["queue"])
    assert not seg["sim_sl"].equals(base["sim_sl"])


def test_segments_with_test_talk_times(january: Calibration, february: pd.DataFrame) -> None:
    """``talk_times="test"`` gives the segments February's own handle times too and
    leaves January's calibration as it was."""
    before = {q: {n: dict(s) for n, s in segs.items()} for q, segs in january.segments.items()}
    rep = replay(
        january, february, days=1, replications=1, behaviours=("segments",), talk_times="test"
    )
    assert len(rep) > 0
    assert january.segments == before
    test = calibrate(february)
    data = january.scenario_for_day(
        pd.Timestamp("1999-02-01").date(),
        arrivals=test.arrivals(),
        staffing=test.staffing,
        segments=True,
    )
    _segment_talk_times(data, test)
    ps = data["channels"]["PS"]["segments"]
    assert ps["priority_2"].get("handle_time") == test.segments["PS"]["priority_2"].get(
        "handle_time"
    )
    assert january.segments == before


def test_scale_group_factors() -> None:
    """A group's factor times the day's multiplier on each of its skills (1 where it had
    none); queues the day says nothing about, and other groups, stay as they were."""
    data = {
        "groups": {
            "g": {"skills": ["PS", "NW"], "agents": [1], "handle_time_factor": {"PS": 0.8}},
            "h": {"skills": ["NE"], "agents": [1]},
            "k": {"skills": ["TT"], "agents": [1]},
        }
    }
    _scale_group_factors(data, {"g": {"PS": 1.25, "NW": 0.5, "NE": 3.0}, "h": {"NE": 1.1}})
    assert data["groups"]["g"]["handle_time_factor"] == {"PS": 1.0, "NW": 0.5}
    assert data["groups"]["h"]["handle_time_factor"] == {"NE": 1.1}
    assert "handle_time_factor" not in data["groups"]["k"]


def test_cli_needed_behaviours_drop_transitively() -> None:
    """Without skills there is no proficiency, so no agent_talk; without availability
    no absence."""
    from sim.cli.replay import _needed

    assert _needed(("skills", "proficiency", "agent_talk")) == (
        "skills",
        "proficiency",
        "agent_talk",
    )
    assert _needed(("availability", "proficiency", "agent_talk", "absence")) == (
        "availability",
        "absence",
    )
    assert _needed(("skills", "agent_talk", "empirical_talk")) == ("skills", "empirical_talk")


def test_talk_by_hour_is_the_records_hourly_mean(january: Calibration) -> None:
    """NW's factor for 08:00-08:15 (and the three intervals after) is January's NW calls
    arriving 8:00-9:00: (their handle time + 30 * NW's mean) / ((n + 30) * NW's mean),
    well under 1 (short calls at 8:00); 96 intervals per queue."""
    prof = _talk_by_hour(january)
    r = january.records
    nw = r[r["answered"] & (r["queue"] == "NW") & (r["handle_time"] > 0)]
    m = nw["handle_time"].mean()
    h8 = nw[nw["arrival"].dt.hour == 8]["handle_time"]
    want = (h8.sum() + 30 * m) / ((len(h8) + 30) * m)
    assert all(len(v) == 96 for v in prof.values())
    assert prof["NW"][32:36] == [pytest.approx(want)] * 4 and want < 0.8


def test_replay_agent_talk_and_empirical_talk_one_day(
    january: Calibration, february: pd.DataFrame
) -> None:
    """The day's multipliers are ratios of harmonic means of factors (positive); the
    replay runs with agent_talk, empirical_talk and talk_by_hour and differs from the one
    without; agent_talk needs proficiency."""
    day = pd.Timestamp("1999-02-01").date()
    mult = _agent_talk(january, calibrate(february))(day)
    values = [v for fq in mult.values() for v in fq.values()]
    assert values and all(v > 0 for v in values)
    base = replay(january, february, days=1, replications=2)
    both = replay(
        january,
        february,
        days=1,
        replications=2,
        behaviours=(*DEFAULT_BEHAVIOURS, "agent_talk", "empirical_talk", "talk_by_hour"),
    )
    assert list(both["queue"]) == list(base["queue"])
    assert not both["sim_sl"].equals(base["sim_sl"])
    with pytest.raises(ValueError, match="agent_talk needs proficiency"):
        replay(january, february, days=1, behaviours=("skills", "agent_talk"))


def test_agent_talk_with_readiness_follows_the_part_groups(
    january: Calibration, february: pd.DataFrame
) -> None:
    """With readiness the scenario's groups are parts of agents (a (PS, NW) agent
    partly ready for NW is also in skills_PS); agent_talk's day multipliers are for
    those groups, over the same parts (forecasting.agents.day_talk_factors(parts=)):
    skills_PS, made only of parts, gets one, and every group with one is a part group."""
    from forecasting import agents as ag

    test = calibrate(february)
    day = pd.Timestamp("1999-02-01").date()
    skills = {**ag.agent_skills(test.records, queues=january.queues), **january.agent_skills}
    parts = ag.readiness_parts(skills, january.readiness)
    part_groups = {ag.group_name(sub) for ps in parts.values() for sub, _ in ps}
    assert "skills_PS" in part_groups and "skills_PS" not in ag.skill_groups(skills)
    mult = _agent_talk(january, test, ready=january.readiness)(day)
    assert "skills_PS" in mult and set(mult) <= part_groups
    assert all(v > 0 for fq in mult.values() for v in fq.values())


def test_cli_with_a_behaviour_whose_need_is_removed_further_up_exits_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--with agent_talk --without skills: agent_talk needs proficiency, which needs
    skills; refused (exit 2) rather than agent_talk silently dropped."""
    monkeypatch.setenv("CCSIM_SHARED_DATA", str(SHARED))
    r = ccsim("replay", "january", "february", "--with", "agent_talk", "--without", "skills")
    assert r.returncode == 2, r.stderr
    assert "--with agent_talk: needs proficiency" in r.stderr and "needs skills" in r.stderr
    assert "Traceback" not in r.stderr
