"""Weekly rostering (scipy.optimize.milp): hand-checkable optima, brute force on a tiny
week, line rules, the per-day scenario shifts and ``ccsim roster``."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.plan.roster import (
    RosterError,
    apply_roster_day,
    apply_roster_week,
    parse_rules,
    plan_roster,
)

from .cli_helpers import SMALL, ccsim
from .helpers import single_queue

EIGHT_HOURS = {"name": "day", "length_minutes": 480, "starts": ["08:00"]}


def test_flat_five_every_day_on_five_of_seven_needs_exactly_seven_lines():
    """5 agents x 7 days = 35 agent-days; a line works 5, so 7 lines, each day exactly 5."""
    rules = parse_rules({"templates": [EIGHT_HOURS], "days_on": 5})
    plan = plan_roster({"team": np.full((7, 8), 5)}, rules, interval_minutes=60, start="08:00")
    assert len(plan.lines) == 7
    assert plan.paid_hours == 7 * 5 * 8
    assert plan.optimal and plan.short_agent_hours == 0
    assert (plan.coverage["covered"] == 5).all()
    assert all(len(line.days) == 5 for line in plan.lines)
    assert plan.day_groups_section("wed") == {
        "team": [{"start": "08:00", "end": "16:00", "count": 5}]
    }


def test_weekend_closed_five_of_seven_with_consecutive_days_off():
    """Need 4 on Mon-Fri, none at the weekend: 4 lines Mon-Fri, days off Sat-Sun."""
    rules = parse_rules({"templates": [EIGHT_HOURS], "days_on": 5, "consecutive_days_off": True})
    need = np.zeros((7, 8))
    need[:5] = 4
    plan = plan_roster({"team": need}, rules, interval_minutes=60, start="08:00")
    assert [line.days for line in plan.lines] == [("mon", "tue", "wed", "thu", "fri")] * 4
    assert plan.line_labels()[0] == "line 1 (team): Mon-Fri 08:00-16:00 (40 h)"


def test_consecutive_days_off_wrap_round_a_full_week_only():
    """Need 1 on Tue-Sat: on a seven-day week one line, off Sun-Mon (a run across the
    week's end). On Mon-Sat (no wrap) the line Tue-Fri would be off Mon and Sat, two
    runs: Tue and Fri need two lines (Mon-Thu and Wed-Sat)."""
    rules = parse_rules({"templates": [EIGHT_HOURS], "days_on": 5, "consecutive_days_off": True})
    need = np.zeros((7, 8))
    need[1:6] = 1
    plan = plan_roster({"team": need}, rules, interval_minutes=60, start="08:00")
    assert [line.days for line in plan.lines] == [("tue", "wed", "thu", "fri", "sat")]
    six = parse_rules(
        {
            "templates": [EIGHT_HOURS],
            "days": ["mon", "tue", "wed", "thu", "fri", "sat"],
            "days_on": 4,
            "consecutive_days_off": True,
        }
    )
    need = np.zeros((6, 8))
    need[1:5] = 1
    plan = plan_roster({"team": need}, six, interval_minutes=60, start="08:00")
    assert plan.paid_hours == 2 * 4 * 8
    assert all(line.days != ("tue", "wed", "thu", "fri") for line in plan.lines)


def test_night_shift_on_sunday_covers_monday_morning():
    """On a seven-day week Sunday 20:00-04:00 covers Monday 00:00-04:00."""
    rules = parse_rules(
        {
            "templates": [{"name": "night", "length_minutes": 480, "starts": ["20:00"]}],
            "days_on": 1,
        }
    )
    need = np.zeros((7, 24))
    need[0, 0:4] = 2
    plan = plan_roster({"team": need}, rules, interval_minutes=60, start="00:00")
    assert [line.days for line in plan.lines] == [("sun",), ("sun",)]
    cov = plan.coverage.set_index(["day", "period"])["covered"]
    assert [cov[("mon", p)] for p in range(24)] == [2] * 4 + [0] * 20
    assert [cov[("sun", p)] for p in range(24)] == [0] * 20 + [2] * 4


def test_paid_hours_rules_choose_line_types():
    """Templates of 8 h and 10 h, 4 or 5 days, 38-40 h a week: only 5 x 8 h and 4 x 10 h
    lines are allowed. Need 1 for 10 hours Mon-Thu: one 4 x 10 h line (40 h) beats
    two 8 h shifts per day."""
    rules = parse_rules(
        {
            "templates": [
                {"name": "eight", "length_minutes": 480, "starts": ["08:00", "10:00"]},
                {"name": "ten", "length_minutes": 600, "starts": ["08:00"]},
            ],
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "days_on": [4, 5],
            "min_paid_hours": 38,
            "max_paid_hours": 40,
        }
    )
    need = np.zeros((5, 10))
    need[:4] = 1
    plan = plan_roster({"team": need}, rules, interval_minutes=60, start="08:00")
    assert plan.paid_hours == 40
    (line,) = plan.lines
    assert line.days == ("mon", "tue", "wed", "thu")
    assert {rules.templates[sh.template].name for sh in line.shifts} == {"ten"}


def _brute_force(need, rules, step, origin, penalty):
    """Cheapest multiset of explicit lines (days x one start per working day), by
    enumerating every multiset of up to 7 lines (one template, no breaks)."""
    tpl = rules.templates[0]
    starts = tpl.start_minutes()
    n_days, n_int = need.shape
    types = []
    for k in rules.days_on_allowed():
        for on in itertools.combinations(range(n_days), k):
            combos = (
                [(s,) * k for s in starts]
                if rules.same_start
                else itertools.product(starts, repeat=k)
            )
            for per_day in combos:
                cov = np.zeros((n_days, n_int))
                for d, s in zip(on, per_day, strict=True):
                    for p in range(n_int):
                        at = origin + p * step
                        if s <= at and at + step <= s + tpl.length_minutes:
                            cov[d, p] += 1
                types.append((k * tpl.length_minutes / 60, cov))
    best = np.inf
    for size in range(8):
        for combo in itertools.combinations_with_replacement(range(len(types)), size):
            cover = sum((types[i][1] for i in combo), np.zeros((n_days, n_int)))
            short = np.maximum(need - cover, 0).sum() * step / 60
            if penalty is None and short > 0:
                continue
            cost = sum(types[i][0] for i in combo) + (penalty or 0) * short
            best = min(best, cost)
    return best


@pytest.mark.parametrize("same_start", [False, True])
@pytest.mark.parametrize("penalty", [None, 0.7])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_milp_optimum_equals_brute_force_on_a_tiny_week(same_start, penalty, seed):
    """3 days x 4 hourly intervals, 2-hour shifts at 08:00 or 10:00, 2 of 3 days on:
    the MILP's cost equals the cheapest of every combination of up to 7 lines."""
    rng = np.random.default_rng(seed)
    need = rng.integers(0, 3, size=(3, 4)).astype(float)
    rules = parse_rules(
        {
            "templates": [{"name": "2h", "length_minutes": 120, "starts": ["08:00", "10:00"]}],
            "days": ["mon", "tue", "wed"],
            "days_on": 2,
            "same_start": same_start,
            "under_cover_penalty": penalty,
        }
    )
    plan = plan_roster({"team": need}, rules, interval_minutes=60, start="08:00")
    cost = plan.paid_hours + (penalty or 0) * plan.short_agent_hours
    assert cost == pytest.approx(_brute_force(need, rules, 60, 8 * 60, penalty))
    if same_start:
        assert all(len({sh.start for sh in line.shifts}) == 1 for line in plan.lines)


def test_breaks_are_placed_per_day_and_leave_cover():
    """An 8 h shift with a 1 h break between hours 3 and 5 (hourly grid): a need of 1
    for all 8 hours takes two agents a day; the breaks do not overlap."""
    rules = parse_rules(
        {
            "templates": [
                {
                    "name": "day",
                    "length_minutes": 480,
                    "starts": ["08:00"],
                    "breaks": [{"length_minutes": 60, "earliest": 180, "latest": 240}],
                }
            ],
            "days": ["mon"],
            "days_on": 1,
        }
    )
    plan = plan_roster({"team": np.ones((1, 8))}, rules, interval_minutes=60, start="08:00")
    assert len(plan.lines) == 2
    brk = sorted(b["start"] for b in plan.day_groups_section("mon")["team"][0]["breaks"])
    assert brk == ["11:00", "12:00"]


def test_day_scenario_schedules_what_the_roster_covers():
    """apply_roster_day puts the day's shifts in the scenario; the simulator reads the
    same agents per interval as the roster's coverage."""
    sc = sim.parse_scenario(SMALL)
    rules = parse_rules(
        {
            "templates": [
                {
                    "name": "4h",
                    "length_minutes": 240,
                    "starts": ["00:00", "04:00"],
                    "every_minutes": 60,
                    "breaks": [{"length_minutes": 60, "earliest": 60, "latest": 120}],
                }
            ],
            "days_on": [3, 4, 5],
        }
    )
    plan = sim.roster(sc, rules)
    for day in ("mon", "sat"):
        cov = plan.coverage[(plan.coverage["group"] == "agents") & (plan.coverage["day"] == day)]
        got = apply_roster_day(sc, plan, day).scheduled("agents")
        assert list(got) == list(cov["covered"])
        assert (cov["covered"] >= cov["required"]).all()


def test_bad_rules_name_the_field():
    with pytest.raises(RosterError, match=r"days: unknown day 'funday'"):
        parse_rules({"templates": [EIGHT_HOURS], "days": ["mon", "funday"]})
    with pytest.raises(RosterError, match=r"days_on: must be between 1 and the 2"):
        parse_rules({"templates": [EIGHT_HOURS], "days": ["mon", "tue"]})
    with pytest.raises(RosterError, match="min_paid_hours: more than max_paid_hours"):
        parse_rules({"templates": [EIGHT_HOURS], "min_paid_hours": 40, "max_paid_hours": 30})
    rules = parse_rules({"templates": [EIGHT_HOURS], "max_paid_hours": 20})
    with pytest.raises(RosterError, match="no line for group 'team'"):
        plan_roster({"team": np.ones((7, 8))}, rules, interval_minutes=60, start="08:00")
    rules = parse_rules({"templates": [EIGHT_HOURS]})
    with pytest.raises(RosterError, match="no shift covers mon 16:00 for group 'team'"):
        plan_roster({"team": np.ones((7, 9))}, rules, interval_minutes=60, start="08:00")
    with pytest.raises(RosterError, match="need: 3 rows of days for the 7 rostered days"):
        plan_roster({"team": np.ones((3, 8))}, rules, interval_minutes=60, start="08:00")


RULES = """\
days_on: 5
consecutive_days_off: true
templates:
  - name: short
    length_minutes: 240
    starts: ["00:00", "04:00"]
    every_minutes: 60
"""


def test_cli_roster_json_csv_and_day_scenarios(tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(sim.parse_scenario(SMALL).to_yaml())
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    out = tmp_path / "days"
    r = ccsim(
        "roster",
        str(scenario),
        "--rules",
        str(rules),
        "--json",
        str(tmp_path / "r.json"),
        "--out",
        str(tmp_path / "lines.csv"),
        "--scenario-out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    assert "roster:" in r.stdout and "line 1 (agents):" in r.stdout
    payload = json.loads((tmp_path / "r.json").read_text())
    assert payload["paid_hours"] == sum(line["paid_hours"] for line in payload["lines"])
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{d}.yaml" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
    mon = sim.load_scenario(out / "mon.yaml")
    assert sum(s.count for s in mon.groups["agents"].shifts) == len(
        [ln for ln in payload["lines"] if "mon" in ln["days"]]
    )


def test_cli_roster_bad_input_exits_2(tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(sim.parse_scenario(SMALL).to_yaml())
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.replace("days_on: 5", "days_on: 9"))
    r = ccsim("roster", str(scenario), "--rules", str(rules))
    assert r.returncode == 2 and "days_on: must be between 1 and the 7" in r.stderr
    rules.write_text(RULES)
    r = ccsim("roster", str(scenario), "--rules", str(rules), "--day", f"funday={scenario}")
    assert r.returncode == 2 and "days: 'funday' is not a rostered day" in r.stderr
    r = ccsim("roster", str(scenario), "--rules", str(rules), "--day", f"sun={scenario}x")
    assert r.returncode == 2


def test_max_and_min_agents_per_start_hold_each_day():
    """8 h shifts at 08:00 or 09:00 (hourly grid 08:00-17:00). A need of 1 all day
    uses both starts (08:00 covers 08-16, 09:00 covers 09-17); with min_agents 2 each
    used start takes 2 agents: 4 lines. A need of 4 at 08:00 with max_agents 3 on the
    only start covering it cannot be met."""
    base = {"name": "day", "length_minutes": 480, "starts": ["08:00", "09:00"]}
    need = np.zeros((1, 9))
    need[0, :] = 1
    rules = parse_rules({"templates": [base | {"min_agents": 2}], "days": ["mon"], "days_on": 1})
    plan = plan_roster({"team": need}, rules, interval_minutes=60, start="08:00")
    # 08:00 covers 08-16, 09:00 covers 09-17: both starts are needed, each takes 2
    assert len(plan.lines) == 4
    assert sorted(s["count"] for s in plan.day_groups_section("mon")["team"]) == [2, 2]
    need = np.full((1, 8), 4.0)
    rules = parse_rules({"templates": [base | {"max_agents": 3}], "days": ["mon"], "days_on": 1})
    with pytest.raises(RosterError, match="no roster covers every interval of group 'team'"):
        plan_roster({"team": need}, rules, interval_minutes=60, start="08:00")


def test_labels_list_breaks_by_day_when_they_move():
    rules = parse_rules(
        {
            "templates": [
                {
                    "name": "day",
                    "length_minutes": 240,
                    "starts": ["08:00"],
                    "breaks": [{"length_minutes": 60, "earliest": 60, "latest": 120}],
                }
            ],
            "days": ["mon", "tue"],
            "days_on": 2,
        }
    )
    # Mon needs 09:00 covered (break 10:00), Tue needs 10:00 covered (break 09:00)
    need = np.array([[0, 1, 0, 0], [0, 0, 1, 0]], dtype=float)
    plan = plan_roster({"team": need}, rules, interval_minutes=60, start="08:00")
    assert plan.line_labels() == [
        "line 1 (team): Mon-Tue 08:00-12:00, breaks Mon 10:00-11:00, Tue 09:00-10:00 (8 h)"
    ]


def test_cli_roster_from_a_requirement_table(tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(sim.parse_scenario(SMALL).to_yaml())
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    table = tmp_path / "need.csv"
    rows = ["group,day,period,scheduled"] + [f"agents,{d},0,2" for d in ("mon", "tue", "wed")]
    table.write_text("\n".join(rows) + "\n")
    r = ccsim("roster", str(scenario), "--rules", str(rules), "--requirements", str(table),
              "--json", "-")  # fmt: skip
    assert r.returncode == 0, r.stderr
    payload = json.loads(r.stdout)
    assert len(payload["lines"]) == 2  # 2 agents Mon-Wed: two 5-day lines cover it
    cov = [c for c in payload["coverage"] if c["period"] == 0 and c["day"] in ("mon", "tue")]
    assert all(c["covered"] >= 2 for c in cov)
    table.write_text("group,day,period,scheduled\nagents,funday,0,1\n")
    r = ccsim("roster", str(scenario), "--rules", str(rules), "--requirements", str(table))
    assert r.returncode == 2 and "requirements row 1: day: 'funday' is not rostered" in r.stderr
    table.write_text("group,day,period,scheduled\nagents,mon,99,1\n")
    r = ccsim("roster", str(scenario), "--rules", str(rules), "--requirements", str(table))
    assert r.returncode == 2 and "period: 99 is not a period 0-7" in r.stderr


@settings(max_examples=25, deadline=None)
@given(
    need=st.lists(st.lists(st.integers(0, 3), min_size=6, max_size=6), min_size=4, max_size=4),
    days_on=st.sampled_from([1, 2, 3, (2, 3)]),
    consecutive=st.booleans(),
    same_start=st.booleans(),
)
def test_any_roster_covers_the_need_and_keeps_the_rules(need, days_on, consecutive, same_start):
    """Whatever the need, the optimal roster covers every interval, its lines keep the
    rules, and its paid hours are its lines' (working days x shift length)."""
    rules = parse_rules(
        {
            "templates": [
                {
                    "name": "3h",
                    "length_minutes": 180,
                    "starts": ["08:00", "11:00"],
                    "every_minutes": 60,
                }
            ],
            "days": ["mon", "tue", "wed", "thu"],
            "days_on": list(days_on) if isinstance(days_on, tuple) else days_on,
            "consecutive_days_off": consecutive,
            "same_start": same_start,
        }
    )
    workable = set()
    for k in rules.days_on_allowed():
        for on in itertools.combinations(range(4), k):
            off = [d for d in range(4) if d not in on]
            if not consecutive or not off or off == list(range(off[0], off[0] + len(off))):
                workable |= set(on)
    need_days = {d for d in range(4) if any(need[d])}
    if not need_days <= workable:  # e.g. 1 day on of 4 with 3 consecutive off: Mon or Thu
        day = rules.days[min(need_days - workable)]
        with pytest.raises(RosterError, match=f"no line may work {day}"):
            plan_roster({"team": np.array(need, float)}, rules, interval_minutes=60, start="08:00")
        return
    plan = plan_roster(
        {"team": np.array(need, dtype=float)}, rules, interval_minutes=60, start="08:00"
    )
    assert (plan.coverage["covered"] >= plan.coverage["required"]).all()
    assert plan.short_agent_hours == 0
    assert plan.paid_hours == pytest.approx(sum(3 * len(line.days) for line in plan.lines))
    allowed = rules.days_on_allowed()
    for line in plan.lines:
        assert len(line.days) in allowed
        if same_start:
            assert len({sh.start for sh in line.shifts}) == 1
        if consecutive:
            off = sorted(rules.days.index(d) for d in set(rules.days) - set(line.days))
            assert off == list(range(off[0], off[0] + len(off))) if off else True


def week_queue(first_weekday: str = "mon", days: int = 7) -> sim.Scenario:
    """One queue over whole days (hourly), 100 calls an hour from 08:00 to 16:00 and
    none at night: 5 Erlangs, which need 8 agents for 80% in 20 s (7 give 74.0%)."""
    day = [0.0] * 8 + [100.0] * 8 + [0.0] * 8
    data = single_queue(per_interval=0, aht=180, agents=1, patience=None)
    data.update(interval_minutes=60, periods=24 * days, start="00:00", warmup_minutes=0)
    data["calendar"] = {"first_weekday": first_weekday}
    data["channels"]["voice"]["arrivals"] = day * days
    return sim.parse_scenario(data)


def test_week_scenario_eight_a_day_takes_twelve_five_day_lines_and_runs_on_them():
    """8 agents 08:00-16:00 every day on 5-of-7 lines: ceil(7 x 8 / 5) = 12 lines. The
    week scenario on the roster's shifts (with days:) schedules what the roster covers."""
    assert sim.erlang_c(100 / 3600, 180, 7, 20).service_level < 0.8
    assert sim.erlang_c(100 / 3600, 180, 8, 20).service_level >= 0.8
    sc = week_queue()
    rules = parse_rules({"templates": [EIGHT_HOURS], "days_on": 5})
    plan = sim.roster(sc, rules)
    assert len(plan.lines) == 12 and plan.paid_hours == 12 * 40
    week = apply_roster_week(sc, plan)
    shifts = week.groups["agents"].shifts
    assert sum(s.count * len(s.days) for s in shifts) == 12 * 5  # agent-days
    cov = plan.coverage
    expected = np.concatenate([cov[cov["day"] == d]["covered"].to_numpy() for d in rules.days])
    assert list(week.scheduled("agents")) == list(expected)
    assert (cov["covered"] >= cov["required"]).all()
    assert cov[cov["period"] == 8]["required"].tolist() == [8] * 7


def test_week_scenario_days_map_to_weekdays():
    """A scenario starting on a Wednesday: its first day is the roster's wed row."""
    sc = week_queue("wed", days=3)
    rules = parse_rules({"templates": [EIGHT_HOURS], "days": ["wed", "thu", "fri"], "days_on": 3})
    plan = sim.roster(sc, rules)
    assert len(plan.lines) == 8 and plan.lines[0].days == ("wed", "thu", "fri")
    (shift,) = plan.week_groups_section()["agents"]
    assert shift == {"start": "08:00", "end": "16:00", "count": 8, "days": ["wed", "thu", "fri"]}
    with pytest.raises(RosterError, match=r"days: the scenario's days \(wed, thu, fri\)"):
        sim.roster(sc, parse_rules({"templates": [EIGHT_HOURS]}))
    with pytest.raises(RosterError, match="not a week scenario"):
        apply_roster_week(sim.parse_scenario(SMALL), plan)


def test_cli_roster_week_out(tmp_path):
    scenario = tmp_path / "week.yaml"
    scenario.write_text(week_queue().to_yaml())
    rules = tmp_path / "rules.yaml"
    rules.write_text("days_on: 5\ntemplates: [{name: d, length_minutes: 480, starts: ['08:00']}]\n")
    r = ccsim(
        "roster", str(scenario), "--rules", str(rules), "--week-out", str(tmp_path / "o.yaml")
    )
    assert r.returncode == 0, r.stderr
    assert "roster: 12 lines, 480 paid hours per week" in r.stdout
    week = sim.load_scenario(tmp_path / "o.yaml")
    assert all(s.days for s in week.groups["agents"].shifts)
    r = ccsim("roster", str(scenario), "--rules", str(rules), "--scenario-out", str(tmp_path / "d"))
    assert r.returncode == 2 and "is a week scenario: use --week-out" in r.stderr
