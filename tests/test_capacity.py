"""Long-term capacity plans: hand-computed required and available FTE, hiring classes,
suggestions, costs, bad plans and ``ccsim capacity``."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.config.capacity import CapacityError, parse_capacity_plan
from sim.plan.capacity import capacity, class_profile, headcount, required_fte

from .cli_helpers import ccsim
from .helpers import SCENARIOS, single_queue

# 100 calls per 30 minutes x 180 s = 10 Erlangs: Erlang C needs 14 agents for 80% in
# 20 s (13 give 79.6%, 14 give 88.8%); at 200 calls, 20 Erlangs, 24 agents (80.9%).
QUEUE = single_queue(per_interval=100, aht=180, agents=14, patience=None, periods=16)


def _plan(**changes) -> dict:
    plan = {
        "start": "2027-01-04",
        "weeks": 2,
        "scenario": "queue.yaml",
        "days_per_week": 5,
        "paid_hours_per_fte": 37.5,
        "wage_per_hour": 20,
        "shrinkage": {"holidays": 0.1, "sickness": 0.2},
        "groups": {"agents": {"fte": 30}},
    }
    plan.update(changes)
    return plan


def _write(tmp_path: Path, plan: dict) -> Path:
    (tmp_path / "queue.yaml").write_text(yaml.safe_dump(QUEUE))
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan))
    return path


def test_erlang_c_agents_behind_the_hand_numbers():
    assert sim.erlang_c(100 / 1800, 180, 13, 20).service_level < 0.8
    assert sim.erlang_c(100 / 1800, 180, 14, 20).service_level >= 0.8
    assert sim.erlang_c(200 / 1800, 180, 23, 20).service_level < 0.8
    assert sim.erlang_c(200 / 1800, 180, 24, 20).service_level >= 0.8


def test_required_fte_from_erlang_c_and_shrinkage(tmp_path):
    """14 agents x 8 h x 5 days = 560 agent-hours / (37.5 h x (1 - 0.3)) = 21.33 FTE;
    week 2 doubles the volume: 24 agents x 40 h / 26.25 h = 36.57 FTE."""
    res = capacity(_write(tmp_path, _plan(volumes={"voice": [8000, 16000]})))
    t = res.table.set_index("week")
    assert t.loc[1, "agent_hours"] == pytest.approx(14 * 8 * 5)
    assert t.loc[1, "required_fte"] == pytest.approx(14 * 8 * 5 / (37.5 * 0.7))
    assert t.loc[2, "required_fte"] == pytest.approx(24 * 8 * 5 / (37.5 * 0.7))
    assert t.loc[1, "shrinkage"] == pytest.approx(0.3)
    assert required_fte(560, 37.5, 0.3) == pytest.approx(21.3333333)


def test_targets_and_handle_time_move_the_requirement(tmp_path):
    """An occupancy cap of 60% on 10 Erlangs needs 17 agents (16 are 62.5% busy); 20%
    longer calls (216 s, 12 Erlangs) need 16 for 80% in 20 s (15 give 75.8%)."""
    assert sim.erlang_c(100 / 1800, 216, 15, 20).service_level < 0.8
    assert sim.erlang_c(100 / 1800, 216, 16, 20).service_level >= 0.8
    capped = capacity(_write(tmp_path, _plan(weeks=1, targets={"max_occupancy": 0.6})))
    assert capped.table.loc[0, "required_fte"] == pytest.approx(17 * 40 / 26.25)
    slower = capacity(_write(tmp_path, _plan(handle_time={"voice": [1.0, 1.2]})))
    assert list(slower.table["agent_hours"]) == pytest.approx([14 * 40, 16 * 40])
    with pytest.raises(CapacityError, match="handle_time.chat: not a channel"):
        capacity(_write(tmp_path, _plan(handle_time={"chat": 1.1})))
    with pytest.raises(CapacityError, match="targets.max_asa.chat: not a channel"):
        capacity(_write(tmp_path, _plan(targets={"max_asa": {"chat": 30}})))


def test_attrition_compounds_weekly():
    """100 FTE losing 1% a week: 99, 98.01, 97.03, 96.06 at the end of weeks 1-4."""
    got = headcount(100, 0.01, 4)
    assert got[-1] == pytest.approx(96.059601)
    assert got == pytest.approx([99, 98.01, 97.0299, 96.059601])


def test_class_trains_then_ramps_up():
    """10 hires starting week 3, 4 weeks of training: in training weeks 3-6, productive
    from week 7 at 50%, then 75%, then 100%."""
    people, training, productive = class_profile(10, 3, 9, training_weeks=4, ramp=(0.5, 0.75))
    assert list(people) == [0, 0, 10, 10, 10, 10, 10, 10, 10]
    assert list(training) == [0, 0, 10, 10, 10, 10, 0, 0, 0]
    assert list(productive) == [0, 0, 0, 0, 0, 0, 5, 7.5, 10]
    people, _, productive = class_profile(10, 1, 2, attrition=0.1)
    assert people == pytest.approx([9, 8.1])  # attrition from the class's first week


def test_planned_class_in_the_table_and_its_cost(tmp_path):
    """30 FTE and a class of 10 starting week 3 (training 4): 40 paid FTE from week 3,
    40 available from week 7; cost = paid FTE x 37.5 h x 20 per hour."""
    plan = _plan(
        weeks=8,
        training_weeks=4,
        groups={"agents": {"fte": 30, "hires": [{"week": 3, "size": 10}]}},
        hiring={"suggest": False},
    )
    res = capacity(_write(tmp_path, plan))
    t = res.table.set_index("week")
    assert list(t["available_fte"]) == [30] * 6 + [40] * 2
    assert list(t["in_training_fte"]) == [0, 0, 10, 10, 10, 10, 0, 0]
    assert list(t["paid_fte"]) == [30, 30] + [40] * 6
    assert t.loc[3, "cost"] == pytest.approx(40 * 37.5 * 20)
    assert t.loc[7, "gap_fte"] == pytest.approx(40 - 14 * 40 / 26.25)
    assert res.classes.to_dict(orient="records") == [
        {
            "group": "agents",
            "week": 3,
            "week_start": dt.date(2027, 1, 18),
            "size": 10.0,
            "productive_from": 7,
            "source": "planned",
        }
    ]


def test_suggested_classes_close_the_reachable_gap(tmp_path):
    """10 FTE for a need of 21.33: with 2 weeks of training weeks 1-2 cannot be helped;
    a class starting week 1 closes week 3 with ceil(11.33) = 12 hires (5 + 5 + 2 with
    classes of at most 5)."""
    plan = _plan(
        weeks=5,
        training_weeks=2,
        groups={"agents": {"fte": 10}},
        hiring={"max_class_size": 5},
    )
    res = capacity(_write(tmp_path, plan))
    assert res.unreachable == {"agents": (1, 2)}
    suggested = res.classes[res.classes["source"] == "suggested"]
    assert list(suggested["size"]) == [5, 5, 2] and set(suggested["week"]) == {1}
    t = res.table.set_index("week")
    assert list(t["suggested_start_fte"]) == [12, 0, 0, 0, 0]
    assert t.loc[3, "gap_with_hiring_fte"] == pytest.approx(22 - 560 / 26.25)
    assert (t.loc[3:, "gap_with_hiring_fte"] >= 0).all()
    assert t.loc[1, "gap_with_hiring_fte"] == pytest.approx(10 - 560 / 26.25)


def test_hire_by_date_and_ramp_sizes_the_class(tmp_path):
    """A start date maps to its week; a first-week proficiency of 0.5 doubles the
    class: 10 FTE short -> 20 hires."""
    plan = _plan(
        weeks=3,
        start="2027-01-04",
        groups={"agents": {"fte": 560 / 26.25 - 10, "hires": [{"start": "2027-01-12", "size": 1}]}},
        ramp=[0.5],
        hiring={"tolerance_fte": 0.5},
    )
    res = capacity(_write(tmp_path, plan))
    planned = res.classes[res.classes["source"] == "planned"]
    assert list(planned["week"]) == [2]
    first = res.classes[res.classes["source"] == "suggested"].iloc[0]
    assert first["week"] == 1 and first["size"] == 20


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weeks": 0}, "weeks: Input should be greater than or equal to 1"),
        ({"volumes": {"voice": [1, 2, 3]}}, "volumes.voice: 3 values for 2 weeks"),
        ({"shrinkage": {"a": 0.6, "b": 0.5}}, "shrinkage: adds up to 1.1 in week 1"),
        ({"groups": {"agents": {"fte": 1, "hires": [{"week": 9, "size": 1}]}}},
         "groups.agents.hires[0].week: week 9 is outside weeks 1-2"),
        ({"groups": {"agents": {"fte": 1, "hires": [{"size": 1}]}}},
         "groups.agents.hires[0]: week: give the start week or the start date"),
        ({"ramp": [0.5, 1.5]}, "ramp: each week's proficiency must be in (0, 1]"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"handle_time": {"voice": 0}}, "handle_time.voice: factors must be above 0"),
        ({"targets": {"max_occupancy": 2}}, "targets.max_occupancy: Input should be less"),
    ],
)  # fmt: skip
def test_bad_plans_name_the_field(change, message):
    with pytest.raises(CapacityError, match=re.escape(message)):
        parse_capacity_plan(_plan(**change))


def test_plan_must_fit_the_scenario(tmp_path):
    with pytest.raises(CapacityError, match="groups.phones: not a group of the scenario"):
        capacity(_write(tmp_path, _plan(groups={"phones": {"fte": 1}})))
    with pytest.raises(CapacityError, match="volumes.chat: not a channel of the scenario"):
        capacity(_write(tmp_path, _plan(volumes={"chat": 10})))


def test_cli_capacity_writes_every_output(tmp_path):
    path = _write(tmp_path, _plan(weeks=3))
    out = {k: tmp_path / f"cap.{k}" for k in ("json", "csv", "parquet", "html")}
    r = ccsim(
        "capacity",
        str(path),
        "--json",
        str(out["json"]),
        "--csv",
        str(out["csv"]),
        "--parquet",
        str(out["parquet"]),
        "--chart",
        str(out["html"]),
    )
    assert r.returncode == 0, r.stderr
    assert "required" in r.stdout and "hiring classes" not in r.stdout
    payload = json.loads(out["json"].read_text())
    assert [row["week"] for row in payload["table"]] == [1, 2, 3]
    csv = pd.read_csv(out["csv"])
    assert csv["required_fte"].to_numpy() == pytest.approx(np.full(3, 560 / 26.25))
    assert pd.read_parquet(out["parquet"])["available_fte"].tolist() == [30.0] * 3
    assert "vega" in out["html"].read_text()


def test_cli_capacity_bad_plan_exits_2_and_writes_nothing(tmp_path):
    path = _write(tmp_path, _plan(weeks=-1))
    r = ccsim("capacity", str(path), "--csv", str(tmp_path / "x.csv"))
    assert r.returncode == 2 and "weeks:" in r.stderr
    assert not (tmp_path / "x.csv").exists()
    r = ccsim("capacity", str(path), "--csv", str(tmp_path / "no" / "such" / "x.csv"))
    assert r.returncode == 2 and "--csv" in r.stderr


def test_shipped_plan_and_present_helpers():
    from sim.present.capacity import capacity_chart, capacity_table

    res = sim.capacity(SCENARIOS / "capacity_plan.yaml")
    weeks, groups = res.plan.weeks, len(res.plan.groups)
    assert len(res.table) == weeks * groups
    table = capacity_table(res)
    assert {"required FTE", "available FTE", "gap FTE"} <= set(table.columns)
    spec = capacity_chart(res).to_dict()
    assert spec["facet"]["row"]["field"] == "group"
    # the gap with hiring is closed wherever hiring can reach (weeks after training)
    reach = res.table["week"] >= 1 + res.plan.training_weeks
    assert (
        res.table.loc[reach, "gap_with_hiring_fte"] >= -res.plan.hiring.tolerance_fte - 1e-9
    ).all()


def test_week_scenario_closed_lines_need_no_agents():
    """A week scenario with opening hours: its closed hours have no arrivals (the
    engine's and the staffing calculator's), whether the file writes 0 there or a
    constant the calendar closes. Both files are the same scenario, so the plan's hours
    are the same, with and without a week's volume."""
    from sim.plan.capacity import weekly_agent_hours

    from .test_week import _week

    data = _week(opening_hours={"mon-fri": ["08:00", "20:00"]})
    data["channels"]["voice"]["service_level"] = {"target": 0.8, "threshold": 20}
    data["channels"]["email"]["service_level"] = {"target": 0.9, "threshold": 14400}
    shut = sim.parse_scenario(data)
    zeros = dict(data)
    zeros["channels"] = {
        name: {**ch, "arrivals": list(shut.arrivals(name))} for name, ch in data["channels"].items()
    }
    explicit = sim.parse_scenario(zeros)
    assert [explicit.arrivals(c) for c in explicit.channels] == [
        shut.arrivals(c) for c in shut.channels
    ]
    for volumes in ({}, {"voice": 3000}):
        plan = parse_capacity_plan(
            _plan(days_per_week=1, groups={"team": {"fte": 10}}, volumes=volumes)
        )
        a = weekly_agent_hours(plan, shut)
        b = weekly_agent_hours(plan, explicit)
        assert a["agent_hours"].tolist() == b["agent_hours"].tolist(), volumes
