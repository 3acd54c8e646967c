"""The capacity page with Streamlit's AppTest: its table is
:func:`sim.present.capacity.capacity_table` of :func:`sim.capacity` (``ccsim capacity``)
for the shipped plan, and for the plan with its headline inputs edited."""

from __future__ import annotations

import json

import pandas as pd
import pytest

pytest.importorskip("streamlit")

import sim  # noqa: E402
from sim.config.capacity import load_capacity_plan, parse_capacity_plan  # noqa: E402
from sim.config.yaml_reader import read_yaml  # noqa: E402
from sim.present import capacity as capacity_view  # noqa: E402

from .cli_helpers import ccsim  # noqa: E402
from .helpers import SCENARIOS  # noqa: E402
from .test_app import metric, numbers, open_page, table_with, widget  # noqa: E402

PLAN = SCENARIOS / "capacity_plan.yaml"


def ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def shown_table(at) -> pd.DataFrame:
    return table_with(at, "required FTE", "available FTE", "gap FTE")


def test_capacity_page_equals_ccsim_capacity():
    at = open_page("capacity")
    ok(at)
    assert at.title[0].value == "Capacity plan"
    result = sim.capacity(PLAN)
    pd.testing.assert_frame_equal(shown_table(at), capacity_view.capacity_table(result))
    run = ccsim("capacity", str(PLAN), "--json", "-")
    assert run.returncode == 0, run.stderr
    cli = json.loads(run.stdout)
    assert shown_table(at)["required FTE"].tolist() == [
        round(r["required_fte"], 1) for r in cli["table"]
    ]
    hired = result.classes[result.classes["source"] == "suggested"]
    assert numbers(metric(at, "suggested classes").value) == [len(hired)] == [4]
    assert numbers(metric(at, "cost with hiring").value) == [
        round(result.table["cost_with_hiring"].sum())
    ]
    phones = result.table[result.table["group"] == "phones"]
    assert numbers(metric(at, "phones · largest gap").value)[0] == round(phones["gap_fte"].min(), 1)
    classes = table_with(at, "productive_from", "source")
    assert classes.to_dict("records") == result.classes.to_dict("records")


def test_capacity_page_edits_the_headline_inputs():
    """Attrition 1%/week for phones, classes of at most 8, 6 training weeks, sickness
    7%: the table is sim.capacity of the YAML with those values."""
    at = open_page("capacity")
    key = "capacity-Retail bank, first half of 2027"
    at.number_input(key=f"{key}-attrition-phones").set_value(1.0).run()
    at.number_input(key=f"{key}-max-class").set_value(8).run()
    at.number_input(key=f"{key}-training").set_value(6).run()
    at.number_input(key=f"{key}-shrink-sickness").set_value(7.0).run()
    ok(at)
    data = read_yaml(PLAN.read_bytes())
    data["groups"]["phones"]["attrition_per_week"] = 0.01
    data["hiring"]["max_class_size"] = 8
    data["training_weeks"] = 6
    data["shrinkage"]["sickness"] = 0.07
    plan = parse_capacity_plan(data)
    result = sim.capacity(plan, scenario=sim.load_scenario(SCENARIOS / "retail_bank.yaml"))
    shown = shown_table(at)
    pd.testing.assert_frame_equal(shown, capacity_view.capacity_table(result))
    assert (
        shown["required FTE"].tolist()
        != capacity_view.capacity_table(sim.capacity(PLAN))["required FTE"].tolist()
    )  # the shrinkage raised the requirement
    assert (result.classes["size"] <= 8).all()
    # shrinkage adding up to 1 or more: the plan's own message, naming the field
    at.number_input(key=f"{key}-shrink-holidays").set_value(95.0).run()
    ok(at)
    assert "shrinkage: adds up to" in at.error[0].value


def test_headline_inputs_round_trip_and_scale_a_per_week_shrinkage():
    plan = load_capacity_plan(PLAN)
    own = capacity_view.headline(plan)
    assert capacity_view.edited_plan(plan, own) == plan
    doubled = capacity_view.HeadlineInputs(
        attrition=own.attrition,
        min_class_size=own.min_class_size,
        max_class_size=None,
        training_weeks=own.training_weeks,
        shrinkage={**own.shrinkage, "holidays": 2 * own.shrinkage["holidays"]},
    )
    new = capacity_view.edited_plan(plan, doubled)
    assert new.shrinkage["holidays"] == pytest.approx([2 * x for x in plan.shrinkage["holidays"]])
    assert new.hiring.max_class_size is None and new.shrinkage["sickness"] == 0.05


def test_capacity_page_reads_an_uploaded_plan_and_names_a_bad_field():
    at = open_page("capacity")
    text = PLAN.read_text().replace("weeks: 26", "weeks: 0")
    at.get("file_uploader")[0].set_value(("plan.yaml", text.encode(), "application/x-yaml"))
    at.run()
    ok(at)
    assert "Cannot read the capacity plan: plan.yaml: weeks" in at.error[0].value
    good = PLAN.read_text().replace("phones:\n    fte: 55", "phones:\n    fte: 45")
    at.get("file_uploader")[0].set_value(("plan.yaml", good.encode(), "application/x-yaml"))
    at.run()
    ok(at)
    plan = parse_capacity_plan(read_yaml(good.encode()))
    assert plan.groups["phones"].fte == 45
    bank = sim.load_scenario(SCENARIOS / "retail_bank.yaml")
    want = capacity_view.capacity_table(sim.capacity(plan, scenario=bank))
    pd.testing.assert_frame_equal(shown_table(at), want)
    widget(at.checkbox, "Use the current scenario").check().run()  # the same scenario here
    ok(at)
    pd.testing.assert_frame_equal(shown_table(at), want)
