"""The app's pure helpers behind the optimise, compare and library pages: scenario
edits (:func:`sim.plan.whatif.adjust`), paired group KPIs, the optimiser's progress step
and cancel, the page's tables, default shift templates, and the scenario library."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.plan.optimise import OptimiseOptions, optimise
from sim.plan.shifts import ShiftError, schedule_shifts
from sim.plan.whatif import adjust, compare_groups
from sim.present import comparison, library, planning

from .cli_helpers import ccsim
from .helpers import SCENARIOS, single_queue


@pytest.fixture(scope="module")
def bank() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "retail_bank.yaml")


@pytest.fixture(scope="module")
def single() -> sim.Scenario:
    return sim.parse_scenario(
        single_queue(per_interval=100, aht=180, agents=13, patience=300, periods=8)
    )


# -- adjust ---------------------------------------------------------------------------------
def test_adjust_scales_volumes_times_and_headcount(bank: sim.Scenario):
    out = adjust(
        bank, volume=1.1, handle_time=0.9, patience=1.5, headcount={"phones": 3}, start=8, end=16
    )
    for name, ch in bank.channels.items():
        new = out.channels[name]
        assert new.arrivals_per_period(bank.periods) == pytest.approx(
            [1.1 * a for a in ch.arrivals_per_period(bank.periods)]
        )
        assert new.handle_time.mean == pytest.approx(0.9 * ch.handle_time.mean)
        # the shape stays: a lognormal keeps its cv, so the spread scales with the mean
        assert type(new.handle_time) is type(ch.handle_time)
        if ch.patience is None:
            assert new.patience is None
        else:
            assert new.patience.mean == pytest.approx(1.5 * ch.patience.mean)
    assert out.channels["chat"].handle_time.cv == bank.channels["chat"].handle_time.cv
    # a fixed distribution scales its value (chat's silent abandon time is not a handle time)
    phones, before = out.scheduled("phones"), bank.scheduled("phones")
    assert [a - b for a, b in zip(phones, before, strict=True)] == [0] * 8 + [3] * 8 + [0] * 32
    assert out.scheduled("digital") == bank.scheduled("digital")
    assert out.groups["phones"].shifts is None
    # volumes written as a planner reads them, not 59.400000000000006
    assert out.channels["voice"].arrivals[2] == 59.4


def test_adjust_without_changes_is_the_scenario(bank: sim.Scenario):
    assert adjust(bank) is bank
    assert adjust(bank, headcount={"phones": 0}) is bank


def test_adjust_names_the_problem(bank: sim.Scenario):
    with pytest.raises(sim.ScenarioError, match=r"adjust\.volume: must be a finite factor > 0"):
        adjust(bank, volume=0)
    with pytest.raises(sim.ScenarioError, match="unknown group 'nobody'"):
        adjust(bank, headcount={"nobody": 1})
    with pytest.raises(sim.ScenarioError, match=r"groups\.phones\.agents\[0\]: -100 agents"):
        adjust(bank, headcount={"phones": -100})
    with pytest.raises(sim.ScenarioError, match="window"):
        adjust(bank, headcount={"phones": 1}, start=5, end=5)


def test_compare_groups_is_the_paired_difference(bank: sim.Scenario):
    more = adjust(bank, headcount={"phones": 4})
    a = sim.simulate(bank, replications=3)
    b = sim.simulate(more, replications=3)
    diff = compare_groups(a, b).set_index(["group", "kpi"])
    # scheduled agents: exactly 4 more phone agents in every period, no spread
    sched = diff.loc[("phones", "scheduled")]
    assert sched["delta"] == pytest.approx(4.0) and sched["ci95"] == pytest.approx(0.0)
    # by hand: mean and t interval of the per-replication differences
    wa = a.group_reps.set_index(["replication", "group"])["occupancy"]
    wb = b.group_reps.set_index(["replication", "group"])["occupancy"]
    d = (wb - wa).xs("phones", level="group").to_numpy()
    from scipy import stats

    occ = diff.loc[("phones", "occupancy")]
    assert occ["delta"] == pytest.approx(d.mean())
    assert occ["ci95"] == pytest.approx(stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3))
    assert occ["delta"] < 0  # more agents, less busy
    assert occ["base"] == pytest.approx(wa.xs("phones", level="group").mean())
    with pytest.raises(ValueError, match="same seed"):
        compare_groups(a, sim.simulate(more, replications=3, seed=99))


def test_side_by_side_writes_each_kpi_in_its_unit(bank: sim.Scenario):
    diff = pd.DataFrame(
        [
            {"channel": "voice", "kpi": "service_level", "base": 0.8, "whatif": 0.75,
             "delta": -0.05, "ci95": 0.01},
            {"channel": "voice", "kpi": "asa", "base": 30.0, "whatif": 400.0,
             "delta": 370.0, "ci95": 500.0},
            {"channel": "email", "kpi": "asa", "base": 7200.0, "whatif": 9000.0,
             "delta": 1800.0, "ci95": 100.0},
        ]
    )  # fmt: skip
    t = comparison.side_by_side(diff, "channel", comparison.CHANNEL_KPIS)
    assert t.to_dict("records") == [
        {"channel": "voice", "KPI": "service level", "A": "80.0%", "B": "75.0%",
         "change ± 95% CI": "-5.0 pts ± 1.0", "clear change": True},
        {"channel": "voice", "KPI": "ASA", "A": "30.0 s", "B": "6.7 min",
         "change ± 95% CI": "+6.2 min ± 8.3", "clear change": False},
        {"channel": "email", "KPI": "ASA", "A": "2.0 h", "B": "2.5 h",
         "change ± 95% CI": "+30.0 min ± 1.7", "clear change": True},
    ]  # fmt: skip


# -- optimise page ----------------------------------------------------------------------------
def test_cancel_stops_the_optimiser_and_the_bar_follows_the_budget(single: sim.Scenario):
    shown: list[tuple[float, str]] = []
    step = planning.cancellable_step(
        lambda share, text: shown.append((share, text)), lambda: len(shown) >= 3
    )
    with pytest.raises(planning.Cancelled):
        optimise(single, options=OptimiseOptions(max_simulations=40), step=step)
    assert shown == [(1 / 40, "Simulation 1 (budget 40)"), (2 / 40, "Simulation 2 (budget 40)"),
                     (3 / 40, "Simulation 3 (budget 40)")]  # fmt: skip
    # not cancelled: the same search runs to its end and the bar reaches 1
    shown.clear()
    step = planning.cancellable_step(lambda share, text: shown.append((share, text)), lambda: False)
    out = optimise(single, options=OptimiseOptions(max_simulations=40), step=step)
    assert shown[-1] == (1.0, "Confirming with new customers")
    assert len(shown) == out.simulations  # one per search evaluation, and the confirmation
    assert [s for s, _ in shown] == sorted(s for s, _ in shown)


def test_staffing_comparison_and_targets(single: sim.Scenario):
    out = optimise(single, options=OptimiseOptions(replications=3, confirm_replications=6))
    table = planning.staffing_comparison(single, out)
    assert table["today"].tolist() == [13] * 8
    assert table["optimised"].tolist() == out.staffing["optimised"].tolist()
    assert table["erlang"].tolist() == out.staffing["analytic"].tolist()
    assert (table["vs_today"] == table["optimised"] - 13).all()
    rows = planning.target_rows(out)
    (t,) = out.targets.itertuples()
    assert rows.to_dict("records") == [
        {
            "channel": "voice",
            "target": "≥ service level 80.0%",
            "confirmed ± 95% CI": f"{t.mean * 100:.1f}% ± {t.ci95 * 100:.1f}",
            "confidence met": f"{t.confidence * 100:.1f}%",
            "met": bool(t.met),
        }
    ]
    # the optimiser replaces the staffing, so its key ignores it
    other = single.updated({"groups.agents.agents": 20})
    assert planning.search_key(other) == planning.search_key(single)
    assert planning.search_key(single.updated({"seed": 3})) != planning.search_key(single)


def test_default_templates_fit_the_day_and_cover_the_optimised_plan(bank: sim.Scenario):
    templates = planning.templates_from_text(planning.default_templates_text(bank))
    full, part = templates.templates
    assert (full.length_minutes, part.length_minutes) == (480, 240)
    assert full.start_minutes()[0] == 8 * 60 and full.start_minutes()[-1] == 12 * 60
    assert part.start_minutes()[-1] == 16 * 60  # the last 4-hour shift ends at 20:00
    need = pd.DataFrame(
        [
            {"group": g, "period": p, "scheduled": n}
            for g in bank.groups
            for p, n in enumerate(bank.scheduled(g))
        ]
    )
    plan = schedule_shifts(bank, need, templates)
    assert (plan.coverage["covered"] >= plan.coverage["required"]).all()
    shifts = planning.shift_table(plan)
    assert set(shifts["group"]) == set(bank.groups)
    hours = sum(
        (int(e[:2]) * 60 + int(e[3:]) - int(s[:2]) * 60 - int(s[3:])) / 60 * n
        for s, e, n in zip(shifts["start"], shifts["end"], shifts["agents"], strict=True)
    )
    assert hours == pytest.approx(plan.paid_hours)
    # a one-hour day of 15-minute intervals: one shift as long as the day
    short = sim.parse_scenario(
        single_queue(
            per_interval=10,
            aht=180,
            agents=2,
            patience=None,
            periods=4,
            interval_minutes=15,
            warmup_minutes=0,
        )
    )
    (only,) = planning.templates_from_text(planning.default_templates_text(short)).templates
    assert only.length_minutes == 60 and not only.breaks


def test_default_templates_of_a_week_scenario_start_on_the_clock():
    """A week scenario's periods are labelled 'Mon 00:00'; the templates start at clock
    times of its day (00:00 ...), as for a one-day scenario starting then."""
    week = sim.load_scenario(SCENARIOS / "retail_week.yaml")
    full, part = planning.templates_from_text(planning.default_templates_text(week)).templates
    assert full.start_minutes()[0] == 0 and full.start_minutes()[-1] == 16 * 60
    assert part.start_minutes()[-1] == 20 * 60


def test_bad_templates_name_the_field():
    with pytest.raises(ShiftError, match="line 1, column"):
        planning.templates_from_text("templates: [unclosed")
    with pytest.raises(ShiftError, match=r"templates\[0\]\.length_minutes"):
        planning.templates_from_text(
            "templates: [{name: x, length_minutes: -1, starts: ['08:00']}]"
        )


# -- library ----------------------------------------------------------------------------------
def test_library_saves_files_the_cli_reads(bank: sim.Scenario, tmp_path: Path):
    folder = tmp_path / "mine"
    path = library.save(bank, folder, "Monday peak")
    assert path == folder / "Monday peak.yaml"
    assert library.open_saved(folder, "Monday peak") == bank
    r = ccsim("validate", str(path))
    assert r.returncode == 0, r.stderr
    with pytest.raises(library.LibraryError, match="already exists"):
        library.save(bank, folder, "Monday peak")
    edited = bank.updated({"seed": 11})
    library.save(edited, folder, "Monday peak", overwrite=True)
    assert library.open_saved(folder, "Monday peak") == edited
    copy = library.duplicate(folder, "Monday peak", "Tuesday")
    assert copy.read_bytes() == path.read_bytes()
    (folder / "sweep_x.yaml").write_text("name: not a scenario\n")
    (folder / "broken.yaml").write_text("name: [unclosed\n")
    listed = library.listing(folder)
    assert [s.name for s in listed] == ["Monday peak", "Tuesday", "broken"]
    assert listed[0].title == bank.name and not listed[0].problems
    assert listed[2].title is None and listed[2].problems
    library.delete(folder, "Tuesday")
    assert not copy.exists()
    assert library.listing(tmp_path / "absent") == []


@pytest.mark.parametrize(
    "name", ["", "  ", "../up", "a/b", ".hidden", "x" * 81, "semi;colon", "tab\tname"]
)
def test_library_names_are_validated(name: str, tmp_path: Path):
    with pytest.raises(library.LibraryError, match="name:"):
        library.file_for(tmp_path, name)


def test_library_never_touches_a_non_regular_file(bank: sim.Scenario, tmp_path: Path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    (tmp_path / "dir.yaml").mkdir()
    target = tmp_path / "elsewhere.yaml"
    target.write_text("keep me\n")
    (tmp_path / "link.yaml").symlink_to(target)
    for name, kind in (("pipe", "special file"), ("dir", "folder"), ("link", "symbolic link")):
        for action in (
            lambda n: library.save(bank, tmp_path, n, overwrite=True),
            lambda n: library.delete(tmp_path, n),
            lambda n: library.open_saved(tmp_path, n),
        ):
            with pytest.raises(library.LibraryError, match=f"is a {kind}, not a regular file"):
                action(name)
    assert fifo.exists() and (tmp_path / "dir.yaml").is_dir()
    assert target.read_text() == "keep me\n"
    assert [s.name for s in library.listing(tmp_path)] == ["elsewhere"]
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    with pytest.raises(library.LibraryError, match="is not a folder"):
        library.listing(not_a_folder)


# -- charts -----------------------------------------------------------------------------------
def test_time_axis_labels_whole_hours_upright():
    from sim.present.charts import tick_labels, time_x

    quarter = [f"{8 + i // 4:02d}:{15 * (i % 4):02d}" for i in range(48)]  # 08:00-19:45
    assert tick_labels(quarter) == ["08:00", "10:00", "12:00", "14:00", "16:00", "18:00"]
    assert tick_labels(quarter[:6]) == quarter[:6]  # few: all of them
    day = [f"{i // 2:02d}:{30 * (i % 2):02d}" for i in range(48)]
    assert tick_labels(day) == [f"{h:02d}:00" for h in range(0, 24, 3)]  # 8 fit
    axis = time_x(quarter).to_dict()["axis"]
    assert axis["labelAngle"] == 0 and axis["values"] == tick_labels(quarter)


def test_time_axis_of_a_week_scenario_labels_days_and_hours():
    """Week scenarios label periods 'Mon 08:00': the axis still picks whole hours (here
    midnights, 7 of them) and the charts build."""
    from sim.present.charts import tick_labels, time_x

    week = sim.load_scenario(SCENARIOS / "retail_week.yaml")
    labels = week.period_labels()
    assert labels[0] == "Mon 00:00" and len(labels) == 7 * 96
    assert tick_labels(labels) == [
        f"{d} 00:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    ]
    assert time_x(labels).to_dict()["axis"]["values"] == tick_labels(labels)


def _legends(spec: dict) -> list[tuple[str, str]]:
    """(channel of the encoding, legend title) of every legend a chart spec draws."""
    out = []
    for layer in spec.get("layer", [spec]):
        for channel, enc in layer.get("encoding", {}).items():
            if (
                isinstance(enc, dict)
                and enc.get("legend", {}) is not None
                and channel
                in (
                    "color",
                    "strokeDash",
                )
            ):
                out.append((channel, enc.get("title", enc.get("field"))))
    return out


def test_every_chart_has_a_legend_for_each_line_kind(bank: sim.Scenario):
    from sim.present import charts

    res = sim.simulate(bank, replications=2)
    more = sim.simulate(adjust(bank, volume=1.1), replications=2)
    sl = _legends(charts.service_level_by_interval(res).to_dict())
    assert ("color", "channel") in sl and ("strokeDash", "") in sl  # dashed = target
    assert ("strokeDash", "agents") in _legends(charts.agents_by_interval(res).to_dict())
    assert ("color", "contacts") in _legends(charts.volumes_by_interval(res, "voice").to_dict())
    req = pd.DataFrame(
        {"time": ["08:00", "08:00"], "channel": ["voice", None], "required": [5, None],
         "scheduled": [None, 6]}
    )  # fmt: skip
    staffing = charts.staffing_requirement(req, ["08:00"]).to_dict()
    assert ("strokeDash", "the scenario has") in _legends(staffing)
    assert ("strokeDash", "scenario") in _legends(charts.service_level_pair(res, more).to_dict())
    # waits in the planner's unit: email's ASA in hours, voice's in seconds
    email = charts.wait_pair(res, more, ["email"]).to_dict()
    assert email["encoding"]["y"]["title"] == "ASA (h)"
    rows = next(iter(email["datasets"].values()))
    want = more.intervals.query("channel == 'email' and kpi == 'asa'")["mean"] / 3600
    assert [r["value"] for r in rows if r["scenario"] == "B"] == pytest.approx(
        want.tolist(), nan_ok=True
    )
    voice = charts.wait_pair(res, more, ["voice"]).to_dict()
    assert voice["encoding"]["y"]["title"] == "ASA (s)"
