"""The app's pure helpers: scenario tables, the journey map's DOT, number formats, chart bands."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd
import pytest

import sim
from sim import charts, editing
from sim.present.display import (
    HOURS_FROM,
    MINUTES_FROM,
    count,
    duration,
    pct,
    pts,
    seconds,
    signed_seconds,
)
from sim.present.journey_map import MAX_WIDTH, MIN_WIDTH, flows_dot

from .helpers import SCENARIOS, single_queue


@pytest.fixture(scope="module")
def bank() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "retail_bank.yaml")


def test_unedited_tables_change_nothing(bank: sim.Scenario):
    assert editing.channel_changes(bank, editing.channels_table(bank)) == {}
    for what in ("arrivals", "agents"):
        assert editing.per_period_changes(bank, what, editing.per_period_table(bank, what)) == {}
    assert editing.group_changes(bank, editing.groups_table(bank)) == {}
    assert editing.transition_changes(bank, editing.transitions_table(bank)) == {}


def test_tables_show_the_scenario_values(bank: sim.Scenario):
    ch = editing.channels_table(bank)
    assert ch.loc["voice", "handle_mean"] == 300 and ch.loc["chat", "patience_mean"] == 240
    assert ch.loc["messaging", "sl_threshold"] == 300 and ch.loc["chat", "resolution"] == 0.75
    assert ch.loc["chat", "concurrency"] == 3 and ch.loc["email", "mode"] == "deferred"
    agents = editing.per_period_table(bank, "agents")
    # phones work shifts: 08:00-16:00 x22 + 09:00-17:00 x18 + 10:00-18:00 x12 at 10:00
    assert agents.index[0] == "08:00" and agents.loc["10:00", "phones"] == 52
    tr = editing.transitions_table(bank)
    row = tr.iloc[5].tolist()
    assert row[:6] == ["chat", "unresolved", "voice", 0.5, "fixed", 1800.0]
    assert row[7] is False or row[7] == False  # noqa: E712 - numpy bool
    chase = tr.iloc[6]
    assert chase["on"] == "chase" and chase["after (s)"] == 7200


def test_edits_become_dotted_path_changes(bank: sim.Scenario):
    ch = editing.channels_table(bank)
    ch.loc["voice", "handle_mean"] = 240.0
    ch.loc["messaging", "patience_mean"] = float("nan")  # infinitely patient
    ch.loc["chat", "resolution"] = 0.9
    ch.loc["voice", "concurrency"] = 2.0
    changes = editing.channel_changes(bank, ch)
    assert changes == {
        "channels.voice.concurrency": 2,
        "channels.voice.handle_time.mean": 240.0,
        "channels.messaging.patience": None,
        "journeys.resolution.chat": 0.9,
    }
    with pytest.raises(sim.ScenarioError) as err:  # concurrency needs mode concurrent
        bank.updated(changes)
    (problem,) = err.value.problems
    assert problem == "channels.voice.concurrency: only allowed when mode is 'concurrent'"
    del changes["channels.voice.concurrency"]
    edited = bank.updated(changes)
    assert edited.channels["voice"].handle_time.mean == 240.0
    assert edited.channels["voice"].handle_time.cv == 0.8  # the family keeps its shape
    assert edited.channels["messaging"].patience is None

    tr = editing.transitions_table(bank)
    tr = pd.concat(
        [
            tr,
            pd.DataFrame(
                [["messaging", "abandon", "chat", 0.1, "exponential", 120.0, None, False]],
                columns=tr.columns,
            ),
        ],
        ignore_index=True,
    )
    tr.loc[0, "delay (s)"] = 90.0
    edited = bank.updated(editing.transition_changes(bank, tr))
    assert len(edited.journeys.transitions) == len(bank.journeys.transitions) + 1
    assert edited.journeys.transitions[0].delay.mean == 90.0
    assert edited.journeys.transitions[-1].to == "chat"

    skills = editing.groups_table(bank)
    skills.loc["digital", "skills"] = "messaging, chat"
    assert editing.group_changes(bank, skills) == {"groups.digital.skills": ["messaging", "chat"]}


def test_bad_edits_name_the_field(bank: sim.Scenario):
    agents = editing.per_period_table(bank, "agents")
    agents.iloc[3, 0] = -2
    with pytest.raises(sim.ScenarioError) as err:
        bank.updated(editing.per_period_changes(bank, "agents", agents))
    assert err.value.problems == ["groups.phones.agents: item 3 must be >= 0, got -2"]


def test_flows_dot_widths_follow_volume():
    flows = pd.DataFrame(
        {
            "from": ["voice", "voice", "chat"],
            "to": ["chat", "resolved", "lost"],
            "mean": [10.0, 90.0, 0.0],
        }
    )
    dot = flows_dot(flows, ["voice", "chat"], {"voice": 100.0, "chat": 0.0})
    widths = {
        m[0] + "->" + m[1]: float(m[2])
        for m in re.findall(r'(\w+)"? -> "(\w+)" \[penwidth=([\d.]+)', dot)
    }
    assert widths["arrivals->voice"] == MAX_WIDTH
    assert widths["voice->resolved"] == pytest.approx(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * 0.9)
    assert "chat->lost" not in widths  # zero flows are not drawn
    assert '"resolved" [label="resolved"' in dot and '"lost" [' not in dot


def test_formats():
    assert pct(0.8761, 0.0291) == "87.6% ± 2.9"
    assert pts(-0.0234, 0.009) == "-2.3 pts ± 0.9"
    assert seconds(12.34) == "12.3 s" and signed_seconds(4.05, 1.2) == "+4.0 s ± 1.2"
    assert count(1234.56, signed=True) == "+1,234.6"
    assert pct(float("nan")) == "n/a"


@pytest.mark.parametrize(
    ("value", "ci95", "text"),
    [
        (45.24, 3.1, "45.2 s ± 3.1"),
        (0.0, None, "0.0 s"),
        (MINUTES_FROM - 0.1, None, "119.9 s"),  # below 2 min: seconds
        (MINUTES_FROM, None, "2.0 min"),
        (750.0, 24.0, "12.5 min ± 0.4"),  # the CI in the value's unit
        (HOURS_FROM - 60, None, "119.0 min"),
        (HOURS_FROM, 90.0, "2.0 h ± 0.0"),
        (10974.7, 2190.0, "3.0 h ± 0.6"),  # retail bank email ASA (was "10974.7 s ± 2190.0")
        (5.0, 3000.0, "0.1 min ± 50.0"),  # a wide CI sets the unit for both
        (float("nan"), 1.0, "n/a"),
        (30.0, float("nan"), "30.0 s"),
    ],
)
def test_duration_picks_seconds_minutes_or_hours(value: float, ci95: float | None, text: str):
    assert duration(value, ci95) == text


def test_signed_duration():
    assert duration(4.05, 1.2, signed=True) == "+4.0 s ± 1.2"
    assert duration(-900.0, 60.0, signed=True) == "-15.0 min ± 1.0"
    assert duration(1800.0 * 5, signed=True) == "+2.5 h"
    assert duration(0.0, signed=True) == "+0.0 s"


def _bands(chart: Any) -> list[dict[str, float]]:
    """Every row with a CI band (``low``, ``high``) in a chart's data."""
    spec = chart.to_dict()
    return [r for rows in spec.get("datasets", {}).values() for r in rows if "low" in r]


@pytest.fixture(scope="module")
def noisy() -> sim.Result:
    """Two replications of a small, busy queue: 95% CIs (t = 12.7) far wider than the KPIs."""
    data = single_queue(
        per_interval=30, aht=300, agents=5, patience=120, periods=6, warmup_minutes=0
    )
    return sim.simulate(sim.parse_scenario(data), replications=2)


def test_ci_bands_stay_in_the_kpis_range(noisy: sim.Result):
    """Queue lengths never below 0, service levels within [0, 1]; means are untouched."""
    iv = noisy.intervals
    for kpi in ("queue_length", "service_level"):
        rows = iv[iv.kpi == kpi]
        assert ((rows["mean"] - rows["ci95"]) < 0).any(), kpi  # unclipped it would cross 0
    sl = iv[iv.kpi == "service_level"]
    assert ((sl["mean"] + sl["ci95"]) > 1).any()
    queue = _bands(charts.kpi_by_interval(noisy, "queue_length", "Queue", "waiting"))
    assert queue and min(r["low"] for r in queue) == 0.0
    assert [r["mean"] for r in queue] == pytest.approx(
        iv[iv.kpi == "queue_length"]["mean"].tolist()
    )
    levels = _bands(charts.service_level_by_interval(noisy))
    assert levels and min(r["low"] for r in levels) == 0.0
    assert max(r["high"] for r in levels) == 1.0
    sweep = pd.DataFrame(
        {"agents": [0, 1], "channel": ["voice"] * 2, "mean": [0.95, 0.02], "ci95": [0.2, 0.1]}
    )
    moved = _bands(charts.service_level_vs_moved(sweep, noisy.scenario, 1, "a", "b"))
    assert [r["low"] for r in moved] == pytest.approx([0.75, 0.0])
    assert [r["high"] for r in moved] == pytest.approx([1.0, 0.12])
    assert all(math.isfinite(r["high"]) for r in queue)
