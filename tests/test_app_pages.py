"""The optimise, compare and scenario-library pages with Streamlit's AppTest (no browser):
each page's numbers are the Python API's (and the CLI's) for the same scenarios,
seeds and replications."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("streamlit")

import sim  # noqa: E402
from sim.plan.optimise import OptimiseOptions, optimise  # noqa: E402
from sim.plan.shifts import apply_shifts, schedule_shifts  # noqa: E402
from sim.plan.whatif import adjust, compare_flows, compare_groups  # noqa: E402
from sim.present import comparison, planning  # noqa: E402

from .cli_helpers import ccsim  # noqa: E402
from .helpers import SCENARIOS  # noqa: E402
from .test_app import REPS, metric, numbers, open_page, switch, table_with, widget  # noqa: E402

SMALL_SEARCH = OptimiseOptions(replications=2, confirm_replications=4, max_simulations=8, seed=7)
"""An optimiser run of a few seconds on retail_bank (the page's inputs set to it)."""


@pytest.fixture(scope="module")
def bank() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "retail_bank.yaml")


def ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def set_number(at, label: str, value: float) -> None:
    widget(at.number_input, label).set_value(value)
    at.run()
    ok(at)


# -- optimise ---------------------------------------------------------------------------------
def test_optimise_page_shows_the_optimiser_and_applies_its_shifts(bank: sim.Scenario):
    at = open_page("optimise")
    assert at.title[0].value == "Optimise staffing"
    assert "Press **Optimise**" in at.info[0].value
    set_number(at, "Replications per step", SMALL_SEARCH.replications)
    set_number(at, "Confirmation replications", SMALL_SEARCH.confirm_replications)
    set_number(at, "Simulation budget", SMALL_SEARCH.max_simulations)
    at.button(key="optimise-run").click().run()
    ok(at)

    out = optimise(bank, options=SMALL_SEARCH)
    table = planning.staffing_comparison(bank, out)
    shown = table_with(at, "phones optimised", "phones erlang", "phones today")
    assert shown.index.tolist() == bank.period_labels()
    for g in bank.groups:
        sub = table[table.group == g]
        assert shown[f"{g} optimised"].tolist() == sub["optimised"].tolist(), g
        assert shown[f"{g} erlang"].tolist() == sub["erlang"].tolist(), g
        assert shown[f"{g} today"].tolist() == list(bank.scheduled(g)), g
    hours = bank.interval_minutes / 60
    assert numbers(metric(at, "agent-hours optimised").value) == [
        round(table["optimised"].sum() * hours)
    ]
    assert numbers(metric(at, "simulations").value) == [out.simulations]
    targets = table_with(at, "confirmed ± 95% CI")
    assert targets.to_dict("records") == planning.target_rows(out).to_dict("records")
    diffs = table_with(at, "why")
    assert diffs["why"].tolist() == out.differences["reason"].tolist()
    assert diffs["change"].tolist() == out.differences["delta"].tolist()
    assert any(r.startswith("spill-over") for r in diffs["why"])

    # shifts from the plan, with the default templates, and applied in one click
    templates = planning.templates_from_text(planning.default_templates_text(bank))
    plan = schedule_shifts(bank, out.staffing.rename(columns={"optimised": "scheduled"}), templates)
    assert numbers(metric(at, "paid hours").value) == [round(plan.paid_hours)]
    shifts = table_with(at, "start", "end", "agents", "breaks")
    assert shifts.to_dict("records") == planning.shift_table(plan).to_dict("records")
    at.button(key="apply-shifts").click().run()
    ok(at)
    applied = apply_shifts(bank, plan)
    assert at.session_state["scenario"] == applied
    assert at.session_state["source"] == "retail_bank.yaml (optimised shifts)"
    assert "Applied the optimised shifts" in at.success[0].value
    # the result stays (the optimiser replaces the staffing), today is now the shifts
    shown = table_with(at, "phones optimised", "phones today")
    assert shown["phones today"].tolist() == list(applied.scheduled("phones"))
    # and the other pages simulate the applied scenario
    switch(at, "simulate")
    widget(at.number_input, "Replications").set_value(REPS)
    at.run()
    res = sim.simulate(applied, replications=REPS)
    sl, ci = res.kpi("voice", "service_level")
    assert numbers(metric(at, "voice · service level").value) == [
        round(sl * 100, 1),
        round(ci * 100, 1),
    ]


def test_optimise_page_cancel_and_stale_results(bank: sim.Scenario):
    at = open_page("optimise")
    # the Cancel button's callback sets the flag; the rerun it causes shows it
    at.session_state["optimise-cancel"] = True
    at.run()
    ok(at)
    assert "Optimisation cancelled" in at.warning[0].value
    assert "optimised" not in at.session_state
    at.run()
    assert not at.warning  # said once

    set_number(at, "Replications per step", 1)
    set_number(at, "Confirmation replications", 2)
    set_number(at, "Simulation budget", 2)
    from sim.measure.workload import estimate
    from sim.present.display import duration

    most = 2 * estimate(bank, 1).seconds + estimate(bank, 2).seconds
    assert any(f"about {duration(most)} at the very most" in c.value for c in at.caption)
    at.button(key="optimise-run").click().run()
    ok(at)
    assert len(at.dataframe) >= 3
    set_number(at, "Simulation budget", 3)  # other options: that result is not theirs
    assert "options changed" in at.info[0].value
    assert not at.dataframe


# -- compare ----------------------------------------------------------------------------------
def test_compare_page_equals_ccsim_compare(bank: sim.Scenario, tmp_path: Path):
    """Current scenario against itself +10% volumes: the page's paired changes are
    `ccsim compare --json`'s for the same two files, seed and replications."""
    at = open_page("compare")
    assert at.title[0].value == "Compare scenarios"
    assert widget(at.selectbox, "Scenario A").value == "Current scenario"
    assert widget(at.selectbox, "Scenario B").value.startswith("Current scenario with")
    assert widget(at.number_input, "Volumes (%)").value == 10.0
    set_number(at, "Replications", REPS)

    edited = adjust(bank, volume=1.1)
    b_file = tmp_path / "plus10.yaml"
    b_file.write_text(edited.to_yaml())
    assert sim.load_scenario(b_file) == edited
    r = ccsim(
        "compare", str(SCENARIOS / "retail_bank.yaml"), str(b_file), "-r", str(REPS), "--json", "-"
    )
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    assert cli["seed"] == bank.seed and cli["replications"] == REPS

    table = table_with(at, "channel", "KPI", "change ± 95% CI")
    for _, row in table.iterrows():
        kpi = next(k for k, (label, _) in comparison.CHANNEL_KPIS.items() if label == row["KPI"])
        fmt, fmt_change = comparison.CHANNEL_KPIS[kpi][1]
        want = cli["channels"][row["channel"]][kpi]
        assert row["A"] == fmt(want["base"]), (row["channel"], kpi)
        assert row["B"] == fmt(want["whatif"]), (row["channel"], kpi)
        assert row["change ± 95% CI"] == fmt_change(want["delta"], want["ci95"]), kpi
        assert row["clear change"] == (abs(want["delta"]) > want["ci95"])
    assert len(table) == len(bank.channels) * len(comparison.CHANNEL_KPIS)
    voice = cli["channels"]["voice"]["service_level"]
    tile = metric(at, "voice · service level B")
    assert numbers(tile.delta) == [round(voice["delta"] * 100, 1), round(voice["ci95"] * 100, 1)]
    assert voice["delta"] < 0  # more customers, same agents: worse service

    base = sim.simulate(bank, replications=REPS)
    more = sim.simulate(edited, replications=REPS)
    groups = table_with(at, "group", "KPI", "change ± 95% CI")
    expected = comparison.side_by_side(
        compare_groups(base, more), "group", comparison.GROUP_KPIS, ("A", "B")
    )
    assert groups.to_dict("records") == expected.to_dict("records")
    flows = table_with(at, "from", "to", "change ± 95% CI")
    expected_flows = comparison.changed_flows(compare_flows(base, more), ("A", "B"))
    assert flows.to_dict("records") == expected_flows.to_dict("records")
    assert len(at.get("vega_lite_chart")) == 2
    # waits in the unit that reads: email's ASA of hours in hours
    widget(at.selectbox, "Channel for waits").set_value("email")
    at.run()
    spec = json.loads(at.get("vega_lite_chart")[1].proto.spec)
    assert spec["encoding"]["y"]["title"] == "ASA (h)"
    assert spec["title"] == "ASA by interval (h): A solid, B dashed"


def test_compare_page_headcount_edit_and_saved_scenario(bank: sim.Scenario, tmp_path: Path):
    at = open_page("compare")
    set_number(at, "Replications", REPS)
    set_number(at, "Volumes (%)", 0.0)
    labels = bank.period_labels()
    widget(at.select_slider, "Headcount window (interval starts)").set_value(
        (labels[8], labels[16])
    )
    at.run()
    set_number(at, "phones: agents added", 6)
    more = adjust(bank, headcount={"phones": 6}, start=8, end=16)
    diff = sim.compare(
        sim.simulate(bank, replications=REPS), sim.simulate(more, replications=REPS)
    ).set_index(["channel", "kpi"])
    sl = diff.loc[("voice", "service_level")]
    tile = metric(at, "voice · service level B")
    assert numbers(tile.delta) == [round(sl["delta"] * 100, 1), round(sl["ci95"] * 100, 1)]
    assert sl["delta"] > 0  # six more phone agents 10:00-12:00: better voice

    # a saved scenario as A: the library folder's files are offered by name
    from sim.present import library

    library.save(more, tmp_path, "more phones")
    at.session_state["library_folder"] = str(tmp_path)
    at.run()
    widget(at.selectbox, "Scenario A").set_value("Saved: more phones")
    widget(at.selectbox, "Scenario B").set_value("Current scenario")
    at.run()
    ok(at)
    tile = metric(at, "voice · service level B")
    assert numbers(tile.delta) == [round(-sl["delta"] * 100, 1), round(sl["ci95"] * 100, 1)]

    set_number(at, "phones: agents added", -100)
    widget(at.selectbox, "Scenario B").set_value("Current scenario with the edits below")
    at.run()
    ok(at)
    assert "groups.phones.agents[8]: -100 agents" in at.error[0].value
    assert not at.metric


# -- library ----------------------------------------------------------------------------------
def test_library_page_saves_opens_duplicates_and_deletes(bank: sim.Scenario, tmp_path: Path):
    at = open_page("library")
    widget(at.text_input, "Folder").set_value(str(tmp_path / "lib"))
    at.run()
    ok(at)
    assert "Not saved in the library" in at.markdown[0].value
    assert "No scenarios saved" in at.info[0].value
    assert widget(at.text_input, "Name").value == "retail_bank_weekday_four_channels"
    widget(at.text_input, "Name").set_value("monday")
    at.button(key="library-save").click().run()
    ok(at)
    saved = tmp_path / "lib" / "monday.yaml"
    assert sim.load_scenario(saved) == bank
    assert ccsim("validate", str(saved)).returncode == 0
    assert "Open: **monday**" in at.markdown[0].value and "no unsaved edits" in at.markdown[0].value
    listed = table_with(at, "name", "scenario", "valid")
    assert listed.to_dict("records") == [{"name": "monday", "scenario": bank.name, "valid": "yes"}]

    # a bad name is refused with the reason, nothing written
    widget(at.text_input, "Name").set_value("../escape")
    at.button(key="library-save").click().run()
    assert "name: '../escape' may use letters" in at.error[0].value
    assert not (tmp_path / "escape.yaml").exists()

    # an edit on the scenario page: the editor says the open scenario has unsaved edits
    switch(at, "scenario")
    widget(at.number_input, "seed").set_value(bank.seed + 1)
    at.run()
    ok(at)
    assert any("**unsaved edits**" in m.value for m in at.markdown)
    assert any("Open: **monday**" in m.value for m in at.markdown)

    switch(at, "library")
    at.button(key="library-duplicate").click().run()
    ok(at)
    copy = tmp_path / "lib" / "monday copy.yaml"
    assert copy.read_bytes() == saved.read_bytes()
    widget(at.selectbox, "Saved scenario").set_value("monday copy")
    at.run()
    at.button(key="library-open").click().run()
    ok(at)
    assert at.session_state["scenario"] == bank  # the saved one, not the edit
    assert at.session_state["source"] == "monday copy.yaml"
    assert "Open: **monday copy**" in at.markdown[0].value
    widget(at.selectbox, "Saved scenario").set_value("monday")
    at.run()
    assert at.button(key="library-delete").disabled  # nothing is deleted by one slip
    widget(at.checkbox, "Sure?").check()
    at.run()
    at.button(key="library-delete").click().run()
    ok(at)
    assert not saved.exists() and copy.exists()
    assert table_with(at, "name", "valid")["name"].tolist() == ["monday copy"]


def test_app_has_no_bare_top_level_strings():
    """Streamlit's magic writes a bare string at the top level of the main script on
    every page (a constant's docstring once showed "Sweep files ... live beside the
    scenarios" above every title); only the module docstring may stand there."""
    import ast

    from .helpers import ROOT

    tree = ast.parse((ROOT / "app.py").read_text())
    bare = [
        node.lineno
        for node in tree.body[1:]
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    ]
    assert bare == []


def test_compare_page_pairs_the_money(bank: sim.Scenario):
    """Both scenarios with wages (the current one with its costs, B its +6 phone agents
    10:00-12:00): the money table is compare_costs' paired change, and the wages rise by
    exactly 6 agents x 2 h x 20/h = 240 in every replication."""
    costly = bank.updated({"costs": {"wage_per_hour": {"phones": 20.0}, "currency": "EUR"}})
    at = open_page("compare")
    at.session_state["scenario"] = costly
    at.run()
    set_number(at, "Replications", REPS)
    set_number(at, "Volumes (%)", 0.0)
    labels = costly.period_labels()
    widget(at.select_slider, "Headcount window (interval starts)").set_value(
        (labels[8], labels[16])
    )
    at.run()
    set_number(at, "phones: agents added", 6)
    more = adjust(costly, headcount={"phones": 6}, start=8, end=16)
    want = sim.measure.runner.compare_costs(
        sim.simulate(costly, replications=REPS), sim.simulate(more, replications=REPS)
    ).set_index("kpi")
    assert want.loc["wages", "delta"] == pytest.approx(6 * 2 * 20.0)
    assert want.loc["wages", "ci95"] == pytest.approx(0.0, abs=1e-9)
    table = table_with(at, "money", "KPI", "change ± 95% CI").set_index("KPI")
    assert table.loc["wages", "change ± 95% CI"] == comparison.MONEY[1](240.0, 0.0)
    cost = want.loc["cost"]
    assert table.loc["cost", "B"] == comparison.MONEY[0](cost["whatif"])
    assert set(table["money"]) == {"EUR"}
