"""Shift scheduling (scipy.optimize.milp): coverage, optimal paid hours, closing the loop."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.plan.shifts import (
    ShiftError,
    apply_shifts,
    load_templates,
    parse_templates,
    schedule_shifts,
)
from sim.plan.staffing import group_requirements, requirements

from .cli_helpers import TEMPLATES, ccsim
from .helpers import SCENARIOS


def hourly(periods: int) -> sim.Scenario:
    """A one-group scenario on an hourly grid from 08:00 (only its grid matters here)."""
    return sim.parse_scenario(
        {
            "interval_minutes": 60,
            "periods": periods,
            "start": "08:00",
            "channels": {
                "voice": {
                    "arrivals": 1,
                    "handle_time": {"distribution": "fixed", "value": 60},
                    "service_level": {"target": 0.8, "threshold": 20},
                }
            },
            "groups": {"team": {"skills": ["voice"], "agents": 1}},
        }
    )


def need(values: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"group": "team", "period": range(len(values)), "scheduled": values})


def covered(sc: sim.Scenario, plan) -> tuple[int, ...]:
    """Scheduled agents per period when the simulator reads the planned shifts."""
    return apply_shifts(sc, plan).scheduled("team")


def test_hand_checkable_optimum_over_covers_where_it_must():
    """Need 1,3,1,3 with 2-hour shifts at 08, 09 or 10: x10 >= 3 and x08 + x09 >= 3,
    so at least 6 shifts = 12 paid hours, though the need is only 8 agent-hours."""
    sc = hourly(4)
    tpl = parse_templates(
        {
            "templates": [
                {"name": "2h", "length_minutes": 120, "starts": ["08:00", "09:00", "10:00"]}
            ]
        }
    )
    plan = schedule_shifts(sc, need([1, 3, 1, 3]), tpl)
    assert plan.optimal
    assert plan.paid_hours == pytest.approx(12.0)
    assert plan.short_agent_hours == 0
    cov = covered(sc, plan)
    assert all(c >= r for c, r in zip(cov, [1, 3, 1, 3], strict=True))
    assert (plan.coverage["covered"] >= plan.coverage["required"]).all()
    assert list(plan.coverage["covered"]) == list(cov)


def test_breaks_are_placed_and_paid():
    """4-hour shifts from 08:00 with a 1-hour break in the 2nd or 3rd hour; need 2 every
    hour: n - b9 >= 2 and n - b10 >= 2 with b9 + b10 = n, so n = 4 (16 paid hours)."""
    sc = hourly(4)
    tpl = parse_templates(
        {
            "templates": [
                {
                    "name": "4h",
                    "length_minutes": 240,
                    "starts": ["08:00"],
                    "breaks": [{"length_minutes": 60, "earliest": 60, "latest": 120}],
                }
            ]
        }
    )
    plan = schedule_shifts(sc, need([2, 2, 2, 2]), tpl)
    assert plan.paid_hours == pytest.approx(16.0)
    (shift,) = plan.groups_section()["team"]
    assert shift["count"] == 4 and shift["start"] == "08:00" and shift["end"] == "12:00"
    assert sorted((b["start"], b["count"]) for b in shift["breaks"]) == [("09:00", 2), ("10:00", 2)]
    assert covered(sc, plan) == (4, 2, 2, 4)


def test_min_and_max_agents_per_start():
    sc = hourly(4)
    one_hour = {
        "name": "1h",
        "length_minutes": 60,
        "starts": ["08:00", "11:00"],
        "every_minutes": 60,
    }
    plan = schedule_shifts(
        sc, need([1, 0, 0, 0]), parse_templates({"templates": [{**one_hour, "min_agents": 3}]})
    )
    assert plan.paid_hours == pytest.approx(3.0)  # a used start takes at least 3 agents
    capped = parse_templates({"templates": [{**one_hour, "max_agents": 2}]})
    with pytest.raises(ShiftError, match="group 'team'.*max_agents"):
        schedule_shifts(sc, need([3, 0, 0, 0]), capped)


def test_under_cover_penalty_trades_paid_hours_for_shortfall():
    """A 1-hour spike of 3 with 2-hour shifts: 6 paid hours, or 3 agent-hours short."""
    sc = hourly(4)
    base = {"name": "2h", "length_minutes": 120, "starts": ["08:00", "10:00"], "every_minutes": 60}
    cheap = schedule_shifts(
        sc, need([0, 3, 0, 0]), parse_templates({"templates": [base], "under_cover_penalty": 1.5})
    )
    assert cheap.paid_hours == 0 and cheap.short_agent_hours == pytest.approx(3.0)
    dear = schedule_shifts(
        sc, need([0, 3, 0, 0]), parse_templates({"templates": [base], "under_cover_penalty": 2.5})
    )
    assert dear.paid_hours == pytest.approx(6.0) and dear.short_agent_hours == 0


@pytest.mark.parametrize(
    ("template", "field"),
    [
        ({"length_minutes": 90}, "length_minutes: not a multiple of the 60-minute interval"),
        ({"starts": ["08:30"]}, "starts: 08:30 is not on the 60-minute grid"),
        ({"starts": ["25:00"]}, "templates[0].starts"),
        ({"groups": ["nobody"]}, "groups: unknown group 'nobody'"),
        ({"breaks": [{"length_minutes": 60, "earliest": 60, "latest": 200}]}, "breaks[0].latest"),
    ],
)
def test_bad_templates_name_the_field(template: dict, field: str):
    data = {"name": "t", "length_minutes": 120, "starts": ["08:00"], **template}
    with pytest.raises(ShiftError) as err:
        schedule_shifts(hourly(4), need([1, 1, 1, 1]), parse_templates({"templates": [data]}))
    assert field in str(err.value)


def test_schedule_covers_a_day_of_requirements(tmp_path: Path):
    """Erlang requirements of a real scenario: every interval of every group covered by
    shifts the simulator reads back (simulated service level: test_optimise.py)."""
    sc = sim.load_scenario(SCENARIOS / "reallocation_demo.yaml")
    path = tmp_path / "templates.yaml"
    path.write_text(TEMPLATES)
    req = group_requirements(sc, requirements(sc))
    plan = schedule_shifts(sc, req, load_templates(path))
    assert plan.optimal and plan.short_agent_hours == 0
    planned = apply_shifts(sc, plan)
    for g in sc.groups:
        want = req[req.group == g].sort_values("period")["scheduled"].tolist()
        have = planned.scheduled(g)
        assert all(h >= w for h, w in zip(have, want, strict=True)), g
        assert planned.groups[g].shifts is not None and planned.groups[g].agents is None
    # paid hours are at least the agent-hours asked for, and not absurdly more
    asked = req["scheduled"].sum() * sc.interval_minutes / 60
    assert asked <= plan.paid_hours <= 1.3 * asked


def test_cli_writes_a_scenario_that_runs(tmp_path: Path):
    templates = tmp_path / "templates.yaml"
    templates.write_text(TEMPLATES)
    out = tmp_path / "planned.yaml"
    r = ccsim(
        "staff",
        str(SCENARIOS / "reallocation_demo.yaml"),
        "--shifts",
        str(templates),
        "--scenario-out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    assert "paid hours" in r.stdout
    planned = sim.load_scenario(out)
    assert all(g.shifts for g in planned.groups.values())
    bad = tmp_path / "bad.yaml"
    bad.write_text("templates:\n  - {name: x, length_minutes: 50, starts: ['08:00']}\n")
    out2 = tmp_path / "never.yaml"
    r2 = ccsim(
        "staff",
        str(SCENARIOS / "reallocation_demo.yaml"),
        "--shifts",
        str(bad),
        "--scenario-out",
        str(out2),
    )
    assert r2.returncode == 2 and "templates[0].length_minutes" in r2.stderr
    assert not out2.exists()
