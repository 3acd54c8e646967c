"""The Streamlit app, page by page, with Streamlit's AppTest (no browser).

Each test sets widgets, runs the page and checks that the numbers shown are the
Python API's numbers for the same scenario, seed and replications.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

import sim  # noqa: E402
from sim.measure.paths import journey_paths  # noqa: E402
from sim.plan.staffing import requirements, simulated_offered  # noqa: E402
from sim.plan.whatif import compare_flows, reallocate  # noqa: E402
from sim.present.display import duration  # noqa: E402

from .cli_helpers import ccsim  # noqa: E402
from .helpers import ROOT, SCENARIOS  # noqa: E402

APP = str(ROOT / "app.py")
REPS = 3  # replications in these tests: enough for CIs, quick to run


@pytest.fixture(scope="module")
def bank() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "retail_bank.yaml")


def numbers(text: str) -> list[float]:
    """The numbers written in a tile, e.g. '87.6% ± 2.9' -> [87.6, 2.9]."""
    return [float(x.replace(",", "")) for x in re.findall(r"[-+]?\d[\d,]*\.?\d*", text)]


def metric(at: AppTest, label: str):
    found = [m for m in at.metric if m.label == label]
    assert len(found) == 1, [m.label for m in at.metric]
    return found[0]


def widget(widgets, label: str):
    found = [w for w in widgets if w.label == label]
    assert len(found) == 1, [w.label for w in widgets]
    return found[0]


def table_with(at: AppTest, *columns: str):
    """The one table shown with all of these columns, as a DataFrame."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


# Runs one page function of the app (the top-level app.py) in a session; switch pages with
# switch(at, name). (The app builds its pages as functions for st.navigation, which
# AppTest cannot switch.)
PAGE_SCRIPT = """
import streamlit as st
import app
app.start()
getattr(app, "page_" + st.session_state.get("test_page", "simulate"))()
"""


def switch(at: AppTest, page: str) -> AppTest:
    at.session_state["test_page"] = page
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(page: str | None = None) -> AppTest:
    if page is None:  # the whole app, as `streamlit run app.py` serves it
        at = AppTest.from_file(APP, default_timeout=120).run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    at = AppTest.from_string(PAGE_SCRIPT, default_timeout=120)
    at.session_state["test_page"] = page
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def set_replications(at: AppTest, reps: int = REPS) -> None:
    widget(at.number_input, "Replications").set_value(reps)
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_simulate_page_shows_the_api_numbers(bank: sim.Scenario):
    at = open_page()
    assert at.title[0].value == "Simulate"
    set_replications(at)
    res = sim.simulate(bank, replications=REPS, seed=bank.seed)
    for name, ch in bank.channels.items():
        sl, sl_ci = res.kpi(name, "service_level")
        shown = metric(at, f"{name} · service level")
        assert numbers(shown.value) == [round(sl * 100, 1), round(sl_ci * 100, 1)]
        assert ch.service_level is not None
        gap = round((sl - ch.service_level.target) * 100, 1)
        assert numbers(shown.delta)[0] == gap
        asa, asa_ci = res.kpi(name, "asa")
        assert metric(at, f"{name} · ASA").value == duration(asa, asa_ci)
        ab, ab_ci = res.kpi(name, "abandon_rate")
        assert numbers(metric(at, f"{name} · abandon rate").value) == [
            round(ab * 100, 1),
            round(ab_ci * 100, 1),
        ]
    occupancy = res.groups.query("kpi == 'occupancy'").set_index("group")["mean"]
    for group in bank.groups:
        shown = numbers(metric(at, f"{group} · occupancy").value)[0]
        assert shown == round(occupancy[group] * 100, 1)
    # durations in the unit that reads: email's ASA of hours in hours, voice's in seconds
    assert re.fullmatch(r"\d+\.\d h ± \d+\.\d", metric(at, "email · ASA").value)
    assert re.fullmatch(r"\d+\.\d s ± \d+\.\d", metric(at, "voice · ASA").value)
    assert len(at.get("vega_lite_chart")) == 4
    # a different seed gives different customers, and the page follows
    widget(at.number_input, "Seed").set_value(bank.seed + 1)
    at.run()
    other = sim.simulate(bank, replications=REPS, seed=bank.seed + 1)
    shown = numbers(metric(at, "voice · offered").value)[0]
    assert shown == round(other.kpi("voice", "offered")[0])


def test_the_installed_app_file_runs_as_the_whole_app():
    """What `ccsim app` serves (sim.cli.app.app_file) runs as the whole app."""
    from sim.cli.app import app_file

    at = AppTest.from_file(str(app_file()), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Simulate"
    assert at.session_state["source"] == "retail_bank.yaml"
    assert len(at.metric) > 0


def test_reallocation_page_shows_paired_changes(bank: sim.Scenario):
    at = open_page("reallocation")
    assert at.title[0].value == "Reallocation explorer"
    widget(at.selectbox, "From group").set_value("phones")
    at.run()
    widget(at.selectbox, "To group").set_value("digital")
    labels = bank.period_labels()
    at.select_slider[0].set_value((labels[8], labels[32]))  # 10:00 to 16:00
    at.run()
    set_replications(at)
    slider = at.slider[0]
    most = min(bank.scheduled("phones")[8:32])
    assert slider.max == most
    slider.set_value(10)
    at.run()
    assert not at.exception, [e.value for e in at.exception]

    base = sim.simulate(bank, replications=REPS)
    whatif = sim.simulate(reallocate(bank, "phones", "digital", 10, 8, 32), replications=REPS)
    diff = sim.compare(base, whatif).set_index(["channel", "kpi"])
    for name in bank.channels:
        sl = diff.loc[(name, "service_level")]
        shown = metric(at, f"{name} · service level")
        assert numbers(shown.value) == [round(sl["whatif"] * 100, 1)]
        assert numbers(shown.delta) == [round(sl["delta"] * 100, 1), round(sl["ci95"] * 100, 1)]
        asa = diff.loc[(name, "asa")]
        shown = metric(at, f"{name} · ASA")
        assert shown.value == duration(asa["whatif"])
        assert shown.delta == duration(asa["delta"], asa["ci95"], signed=True)
    # fewer phone agents: voice gets worse, chat gets better (the point of the page)
    assert diff.loc[("voice", "service_level"), "delta"] < 0
    assert diff.loc[("chat", "service_level"), "delta"] > 0

    flows = compare_flows(base, whatif)
    table = table_with(at, "from", "to", "change ± 95% CI")
    lost = table[(table["from"] == "voice") & (table["to"] == "lost")].iloc[0]
    expected = flows[(flows["from"] == "voice") & (flows["to"] == "lost")].iloc[0]
    assert numbers(lost["change ± 95% CI"]) == [
        round(expected["delta"], 1),
        round(expected["ci95"], 1),
    ]
    # the sweep chart of SL against N (on request) covers 0..most and the chosen N
    assert not any("agents moved" in c.proto.spec for c in at.get("vega_lite_chart"))
    at.toggle(key="realloc-sweep").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    chart = at.get("vega_lite_chart")[-1]
    assert "Service level vs agents moved" in chart.proto.spec

    # the journey map can show this what-if
    switch(at, "journeys")
    choice = widget(at.radio, "Show")
    assert len(choice.options) == 2
    choice.set_value(choice.options[1])
    at.run()
    set_replications(at)
    moved = sim.simulate(
        reallocate(bank, "phones", "digital", 10, 8, 32), replications=REPS, keep_runs=True
    )
    jr = moved.journeys.set_index("kpi")["mean"]
    assert numbers(metric(at, "lost").value) == [round(jr["lost"] / jr["customers"] * 100, 1)]


def test_journey_map_page(bank: sim.Scenario):
    at = open_page("journeys")
    set_replications(at)
    res = sim.simulate(bank, replications=REPS, keep_runs=True)
    jr = res.journeys.set_index("kpi")["mean"]
    assert numbers(metric(at, "customers").value) == [round(jr["customers"])]
    assert numbers(metric(at, "resolved").value) == [
        round(jr["resolved"] / jr["customers"] * 100, 1)
    ]
    dot = at.get("graphviz_chart")[0].proto.spec
    assert dot.startswith("digraph journeys")
    voice_chat = res.flows.query("`from` == 'voice' and to == 'chat'")["mean"].iloc[0]
    assert '"voice" -> "chat" [penwidth=' in dot and f'label="{voice_chat:,.1f}"' in dot
    for outcome in ("resolved", "lost"):
        assert f'"{outcome}" [label=' in dot
    shown = table_with(at, "path", "journeys")
    expected = journey_paths(res, top=15)
    assert shown["path"].tolist() == expected["path"].tolist()
    assert shown["journeys"].tolist() == pytest.approx(expected["journeys"].tolist())


def test_staffing_page_equals_ccsim_staff(bank: sim.Scenario):
    """The page's tables are `ccsim staff --json -`; "short" compares like with like."""
    r = ccsim("staff", str(SCENARIOS / "retail_bank.yaml"), "--json", "-")
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    req = pd.DataFrame(cli["requirements"])
    labels, channels = bank.period_labels(), list(bank.channels)
    at = open_page("staffing")
    assert widget(at.radio, "Count agents as").value == "scheduled"
    groups = table_with(at, *bank.groups)
    expected_groups = pd.DataFrame(cli["staffing"]).pivot(
        index="time", columns="group", values="scheduled"
    )
    for g in bank.groups:
        assert groups[g].tolist() == expected_groups.reindex(labels)[g].tolist(), g
    for basis, per_group in (("scheduled", bank.scheduled), ("productive", bank.productive)):
        widget(at.radio, "Count agents as").set_value(basis)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        shown = table_with(at, "required", "surplus")
        expected = req.pivot(index="time", columns="channel", values=basis).reindex(
            index=labels, columns=channels
        )
        assert shown.index.tolist() == labels
        for c in channels:
            assert shown[c].tolist() == expected[c].tolist(), (basis, c)
        staffed = [sum(per_group(g)[p] for g in bank.groups) for p in range(bank.periods)]
        required = expected.sum(axis=1).tolist()
        assert shown["required"].tolist() == required
        assert shown[basis].tolist() == staffed
        assert shown["surplus"].tolist() == [s - n for s, n in zip(staffed, required, strict=True)]
        short = sum(n > s for s, n in zip(staffed, required, strict=True))
        assert numbers(metric(at, "intervals short of staff").value) == [short, bank.periods]
        assert numbers(metric(at, "peak requirement").value) == [max(required)]
        hours = metric(at, f"agent-hours required vs {basis}")
        assert numbers(hours.value) == [round(sum(required) * bank.interval_minutes / 60)]


def test_staffing_page_staffs_for_the_simulated_offered_load(bank: sim.Scenario):
    at = open_page("staffing")
    plain = table_with(at, "required", "surplus")
    widget(
        at.toggle, "Staff for the simulated offered load (includes redials and switches)"
    ).set_value(True)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    res = sim.simulate(bank)  # the page runs the scenario's own replications and seed
    req = requirements(bank, offered=simulated_offered(res))
    shown = table_with(at, "required", "surplus")
    for c in bank.channels:
        assert shown[c].tolist() == req[req.channel == c]["scheduled"].tolist(), c
    # redials and switches add load: voice needs more than for new journeys alone
    assert shown["voice"].sum() > plain["voice"].sum()


def test_invalid_edits_show_the_field_and_do_not_run():
    at = open_page("scenario")
    assert at.success, "the loaded scenario is valid"
    editor = next(d.key for d in at.data_editor if d.key.startswith("channels-"))
    at.session_state[editor] = {
        "edited_rows": {0: {"sl_target": 1.5}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert "channels.voice.service_level.target: must be <= 1.0, got 1.5" in at.error[0].value
    for page in ("simulate", "reallocation", "journeys"):
        switch(at, page)
        assert "channels.voice.service_level.target" in at.error[0].value
        assert len(at.metric) == 0, f"{page} ran with an invalid scenario"

    at = open_page("scenario")
    widget(at.number_input, "warmup_minutes").set_value(720.0)
    at.run()
    assert "warmup_minutes: 720 leaves no counted time in 48 periods of 15 min" in at.error[0].value


def test_valid_edits_become_the_simulated_scenario(bank: sim.Scenario):
    at = open_page("scenario")
    widget(at.number_input, "replications").set_value(REPS)
    at.run()
    editor = next(d.key for d in at.data_editor if d.key.startswith("agents-"))
    at.session_state[editor] = {
        "edited_rows": {i: {"phones": 10} for i in range(8, 16)},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception and not at.error
    edited = at.session_state["scenario"]
    phones = list(bank.scheduled("phones"))
    phones[8:16] = [10] * 8
    expected = bank.updated(
        {"replications": REPS, "groups.phones.agents": phones, "groups.phones.shifts": None}
    )
    assert edited == expected
    yaml_text = at.get("download_button")[0].proto
    assert yaml_text.label == "Download scenario YAML"

    switch(at, "simulate")
    res = sim.simulate(expected)
    sl, ci = res.kpi("voice", "service_level")
    assert numbers(metric(at, "voice · service level").value) == [
        round(sl * 100, 1),
        round(ci * 100, 1),
    ]


def test_uploaded_file_is_validated(tmp_path):
    at = open_page("scenario")
    bad = (SCENARIOS / "retail_bank.yaml").read_text().replace("cv: 0.8", "cv: -1", 1)
    at.get("file_uploader")[0].set_value(("broken.yaml", bad.encode(), "application/x-yaml"))
    at.run()
    assert not at.exception
    assert "channels.voice.handle_time.cv: must be > 0" in at.error[0].value
    assert at.session_state["source"] == "retail_bank.yaml"  # the current one stays

    at.get("file_uploader")[0].set_value(("tabs.yaml", b"name: [unclosed", "application/x-yaml"))
    at.run()
    assert not at.exception
    assert "line 1, column 16" in at.error[0].value

    # the CLI's reader: a non-UTF-8 file and a duplicate key are named, not crashes
    at.get("file_uploader")[0].set_value(("latin.yaml", b"name: caf\xe9\n", "application/x-yaml"))
    at.run()
    assert not at.exception
    assert "not UTF-8" in at.error[0].value
    text = (SCENARIOS / "retail_bank.yaml").read_text()
    dup = text.replace("periods: 48", "periods: 48\nperiods: 4")
    at.get("file_uploader")[0].set_value(("dup.yaml", dup.encode(), "application/x-yaml"))
    at.run()
    assert not at.exception
    assert "duplicate key 'periods'" in at.error[0].value


def test_scenario_picker_lists_scenarios_not_sweep_files():
    from app import scenario_files

    names = [p.name for p in scenario_files()]
    assert "retail_bank.yaml" in names
    assert not [n for n in names if n.startswith("sweep_")]
