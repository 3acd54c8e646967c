"""Scenarios over a week in the app (retail_week.yaml: 672 quarter-hours, a
calendar): the Simulate page's day table is ``Result.days``, its day picker restricts
the interval charts to the day; the reallocation window is picked on a day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit")

import sim  # noqa: E402
from sim.plan.whatif import movable_agents  # noqa: E402
from sim.present import charts, days  # noqa: E402

from .helpers import SCENARIOS  # noqa: E402
from .test_app import open_page, table_with, widget  # noqa: E402

REPS = 2


@pytest.fixture(scope="module")
def week() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "retail_week.yaml").updated({"replications": REPS})


@pytest.fixture(scope="module")
def result(week: sim.Scenario) -> sim.Result:
    return sim.simulate(week)


def opened(page: str, sc: sim.Scenario):
    at = open_page(page)
    at.session_state["scenario"] = sc
    at.session_state["revision"] = 100  # as set_scenario does: the widgets start afresh
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_day_table_is_result_days(result: sim.Result):
    table = days.day_table(result)
    assert table is not None
    assert table["day"].tolist() == result.scenario.day_labels()
    d = result.days.set_index(["date", "channel", "kpi"])["mean"]
    for ch in result.scenario.channels:
        for kpi, label in days.DAY_KPIS.items():
            want = [d[(day, ch, kpi)] for day in table["day"]]
            np.testing.assert_array_equal(table[f"{ch} {label}"], want)
    # the days add up to the week: offered contacts per channel
    for ch in result.scenario.channels:
        assert table[f"{ch} offered"].sum() == pytest.approx(result.kpi(ch, "offered")[0])
    one_day = sim.simulate(sim.load_scenario(SCENARIOS / "retail_bank.yaml"), replications=1)
    assert days.day_table(one_day) is None


def test_day_periods_and_tick_labels(week: sim.Scenario):
    assert days.day_periods(week, 1) == list(range(96, 192))
    labels = week.period_labels()
    assert charts.tick_labels(labels) == [
        f"{d} 00:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    ]
    tuesday = [labels[p] for p in days.day_periods(week, 1)]
    assert charts.tick_labels(tuesday) == [f"Tue {h:02d}:00" for h in range(0, 24, 3)]
    assert days.staffed_window(week, "phones", days.day_periods(week, 5)) is not None
    assert days.staffed_window(week, "phones", days.day_periods(week, 6)) is None  # Sunday


def test_interval_charts_show_the_chosen_day(result: sim.Result):
    tuesday = days.day_periods(result.scenario, 1)
    chart = charts.volumes_by_interval(result, "voice", tuesday)
    assert set(chart.data["period"]) == set(tuesday)
    layered = charts.service_level_by_interval(result, tuesday)
    assert set(layered.layer[0].data["period"]) == set(tuesday)
    agents = charts.agents_by_interval(result, tuesday)
    assert set(agents.data["period"]) == set(tuesday)
    assert set(charts.agents_by_interval(result).data["period"]) == set(range(672))


def test_simulate_page_shows_the_days_and_picks_one(week: sim.Scenario, result: sim.Result):
    at = opened("simulate", week)
    shown = table_with(at, "day", "voice service level")
    pd_table = days.day_table(result)
    pd.testing.assert_frame_equal(shown, pd_table)
    picker = widget(at.selectbox, "Day shown in the interval charts")
    assert picker.options == [days.WHOLE, *week.day_labels()]
    picker.set_value("Sat 2026-12-12").run()
    assert not at.exception


def test_reallocation_window_is_picked_on_a_day(week: sim.Scenario):
    at = opened("reallocation", week)
    monday = days.day_periods(week, 0)
    first, end = days.staffed_window(week, "phones", monday)
    most = movable_agents(week, "phones", first, end)
    slider = [s for s in at.slider if s.label.startswith("Agents moved")][0]
    assert slider.max == most > 0
    window = [s for s in at.select_slider if s.label.startswith("Window")][0]
    labels = week.period_labels()
    assert window.value == (labels[first], labels[end])
    assert window.options[:2] == ["Mon 00:00", "Mon 00:15"] and len(window.options) == 97
    widget(at.selectbox, "Day").set_value("Sun 2026-12-13").run()
    assert not at.exception
    assert "no phones agents scheduled" in at.info[0].value


def test_staffing_chart_shows_the_chosen_day(week: sim.Scenario):
    import json

    from sim.plan.staffing import requirements, staffed_vs_required

    at = opened("staffing", week)
    total = staffed_vs_required(week, requirements(week), "scheduled")
    short = at.metric[1].value
    assert short == f"{int((total['surplus'] < 0).sum())} of 672"
    widget(at.selectbox, "Day shown in the chart").set_value("Sat 2026-12-12").run()
    assert not at.exception
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    saturday = [week.period_labels()[p] for p in days.day_periods(week, 5)]
    assert json.dumps(saturday) in json.dumps(spec)  # the x axis is Saturday's intervals
    assert "Fri 12:00" not in json.dumps(spec)
    assert at.metric[1].value == short  # the tiles stay the week's
