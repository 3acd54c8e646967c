"""ccsim in the browser: ``make app`` (``streamlit run app.py -- SCENARIO.yaml``), or
``ccsim app [SCENARIO.yaml]`` from an installed copy.

The UI stays out of ``sim/`` (the engine and its layers never import Streamlit); the
wheel carries this file as ``sim/ui/app.py`` (pyproject maps it), which is what
``ccsim app`` runs outside the repository. Nothing imports it.

A thin layer over the Python API. The session holds the current scenario and the
last results; simulations go through ``st.cache_data``. Each page is a function
below; the pure helpers (charts, tables, formatting) live in ``sim``.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
import yaml

import sim
from sim.config.shipped import DEFAULT_SCENARIO, SCENARIO_DIR
from sim.config.yaml_reader import NotText, read_yaml, yaml_problem
from sim.measure.paths import journey_paths
from sim.measure.runner import effort_target
from sim.plan.staffing import (
    BASES,
    Basis,
    group_requirements,
    requirements,
    simulated_offered,
    staffed_vs_required,
)
from sim.plan.whatif import compare_flows, movable_agents, reallocate
from sim.present import charts, editing
from sim.present.display import count, duration, pct, pts
from sim.present.journey_map import effort_caption, flows_dot


# -- session state and cached runs --------------------------------------------------
def start_file(argv: Sequence[str]) -> Path:
    """The scenario to open: the first ``.yaml`` argument after ``--``, else the default."""
    for arg in argv[1:]:
        if arg.endswith((".yaml", ".yml")):
            return Path(arg).resolve()
    return DEFAULT_SCENARIO


# Sweep files (sweep_*.yaml) live beside the scenarios; they are not scenarios. (Comments,
# not docstrings, at the top level here: Streamlit's magic writes bare strings on the page.)
SWEEP_FILE_PREFIX = "sweep_"


def scenario_files() -> list[Path]:
    """Scenario files shipped with ccsim (the repository's ``scenarios/``), sweep files left out."""
    return sorted(
        p for p in SCENARIO_DIR.glob("*.yaml") if not p.name.startswith(SWEEP_FILE_PREFIX)
    )


def load(path: Path) -> sim.Scenario:
    """Load a scenario file (raises :class:`sim.ScenarioError`)."""
    return sim.load_scenario(path)


def parse_upload(name: str, data: bytes) -> sim.Scenario:
    """Validate an uploaded scenario file (raises :class:`sim.ScenarioError`)."""
    try:  # the CLI's reader: encodings, nesting, alias and duplicate-key limits
        parsed = read_yaml(data)
    except NotText as exc:
        raise sim.ScenarioError([str(exc)], name) from None
    except yaml.YAMLError as exc:
        raise sim.ScenarioError([yaml_problem(exc)], name) from None
    return sim.parse_scenario(parsed, source=name)


def start() -> None:
    """Open the start scenario once per session."""
    if "scenario" in st.session_state:
        return
    path = start_file(sys.argv)
    try:
        sc = load(path)
        set_scenario(sc, path.name)
    except sim.ScenarioError as err:
        set_scenario(load(DEFAULT_SCENARIO), DEFAULT_SCENARIO.name)
        st.session_state["start_problems"] = err.problems


def scenario() -> sim.Scenario:
    """The current (last valid) scenario."""
    sc: sim.Scenario = st.session_state["scenario"]
    return sc


def source() -> str:
    """Where the current scenario came from (file name, upload name)."""
    return str(st.session_state.get("source", ""))


def revision() -> int:
    """Increases whenever the current scenario changes (editors rebuild from it)."""
    return int(st.session_state.get("revision", 0))


def set_scenario(sc: sim.Scenario, label: str | None = None) -> None:
    """Make ``sc`` the current scenario; forget earlier edits' problems and what-ifs."""
    st.session_state["scenario"] = sc
    st.session_state.pop("whatif", None)
    if label is not None:
        st.session_state["source"] = label
    st.session_state["revision"] = revision() + 1
    st.session_state["problems"] = []


def problems() -> list[str]:
    """Problems of the latest edit ("field.path: problem"); empty when it was valid."""
    return list(st.session_state.get("problems", []))


def set_problems(found: Sequence[str]) -> None:
    st.session_state["problems"] = list(found)


def blocked() -> bool:
    """Show the latest edit's problems and return True if there are any."""
    found = problems()
    if found:
        st.error(
            "The scenario has errors, so nothing runs until they are fixed on the "
            "Scenario page:\n\n" + "\n".join(f"- `{p}`" for p in found)
        )
    return bool(found)


@st.cache_data(show_spinner=False, max_entries=2048)
def _replication(scenario_json: str, index: int, seed: int, keep_run: bool) -> sim.Replication:
    sc = sim.parse_scenario(json.loads(scenario_json))
    return sim.simulate_replication(sc, index, seed, keep_run=keep_run)


def run(
    sc: sim.Scenario,
    replications: int,
    seed: int,
    *,
    keep_runs: bool = False,
    label: str = "Simulating",
) -> sim.Result:
    """Simulate ``sc`` with a progress bar; each replication is cached on its own.

    Replication r of a (scenario, seed) is the same whoever runs it, so raising the
    number of replications only simulates the new ones.
    """
    key = json.dumps(sc.to_dict())
    bar = st.progress(0.0, text=label)
    done = []
    try:
        for r in range(int(replications)):
            done.append(_replication(key, r, int(seed), keep_runs))
            bar.progress(
                (r + 1) / replications, text=f"{label}: replication {r + 1} of {replications}"
            )
    finally:
        bar.empty()
    return sim.collect(sc, int(seed), done)


def run_settings(sc: sim.Scenario, key: str) -> tuple[int, int]:
    """Replications and seed inputs, defaulting to the scenario's own values."""
    left, right = st.columns(2)
    reps = left.number_input(
        "Replications",
        min_value=1,
        max_value=1000,
        value=sc.replications,
        step=1,
        key=f"{key}-replications-{revision()}",
        help="Independent simulated days; more give tighter confidence intervals.",
    )
    seed = right.number_input(
        "Seed",
        min_value=0,
        value=sc.seed,
        step=1,
        key=f"{key}-seed-{revision()}",
        help="The same seed draws the same customers (common random numbers).",
    )
    return int(reps), int(seed)


def page_simulate() -> None:
    """Simulate page: KPI tiles per channel and group, charts by interval, CSV downloads."""
    st.title("Simulate")
    sc = scenario()
    st.caption(
        f"{sc.name}: {len(sc.channels)} channels, {len(sc.groups)} agent groups, "
        f"{sc.periods} intervals of {sc.interval_minutes} min from {sc.start}. "
        "Figures are means over replications with 95% confidence intervals."
    )
    if blocked():
        st.stop()

    reps, seed = run_settings(sc, "simulate")
    res = run(sc, reps, seed)
    st.session_state["result"] = res

    st.subheader("Channels")
    for name, ch in sc.channels.items():
        sl, sl_ci = res.kpi(name, "service_level")
        asa, asa_ci = res.kpi(name, "asa")
        ab, ab_ci = res.kpi(name, "abandon_rate")
        offered, offered_ci = res.kpi(name, "offered")
        cols = st.columns(4)
        target = ch.service_level
        cols[0].metric(
            f"{name} · service level",
            pct(sl, sl_ci),
            help=f"answered within {target.threshold:g} s / offered" if target else None,
            delta=(
                f"{(sl - target.target) * 100:+.1f} pts vs {target.target:.0%} target"
                if target
                else None
            ),
            border=True,
        )
        cols[1].metric(
            f"{name} · ASA",
            duration(asa, asa_ci),
            border=True,
            help="mean wait of answered contacts",
        )
        cols[2].metric(
            f"{name} · abandon rate", pct(ab, ab_ci), border=True, help="abandoned / offered"
        )
        cols[3].metric(
            f"{name} · offered",
            f"{offered:,.0f} ± {offered_ci:,.0f}",
            border=True,
            help="contacts per replication: new journeys and hops in",
        )

    st.subheader("Agent groups")
    group_cols = st.columns(max(len(sc.groups), 1))
    occupancy = res.groups.query("kpi == 'occupancy'").set_index("group")
    occ_mean, occ_ci = occupancy["mean"].to_dict(), occupancy["ci95"].to_dict()
    for col, name in zip(group_cols, sc.groups, strict=True):
        col.metric(
            f"{name} · occupancy",
            pct(occ_mean[name], occ_ci[name]),
            border=True,
            help="agent time busy / agent time staffed",
        )

    left, right = st.columns(2)
    left.altair_chart(charts.service_level_by_interval(res), width="stretch")
    right.altair_chart(
        charts.kpi_by_interval(res, "queue_length", "Queue length by interval", "contacts waiting"),
        width="stretch",
    )
    left, right = st.columns(2)
    channel = left.selectbox(
        "Channel for volumes", list(sc.channels), key="simulate-volume-channel"
    )
    left.altair_chart(charts.volumes_by_interval(res, channel), width="stretch")
    right.altair_chart(charts.agents_by_interval(res), width="stretch")

    st.subheader("Downloads")
    download_cols = st.columns(5)
    for col, (label, table) in zip(
        download_cols,
        [
            ("channels", res.channels),
            ("intervals", res.intervals),
            ("groups", res.groups),
            ("group_intervals", res.group_intervals),
            ("flows", res.flows),
        ],
        strict=True,
    ):
        col.download_button(
            f"{label}.csv",
            table.to_csv(index=False).encode(),
            file_name=f"{label}.csv",
            mime="text/csv",
            key=f"download-{label}",
        )
    with st.expander("All channel KPIs"):
        st.dataframe(res.wide(), width="stretch")


def page_reallocation() -> None:
    """Reallocation explorer: move N agents between groups for a window and see every channel.

    Baseline and what-if run with the same seed and replications (common random
    numbers), so each change is a paired difference with a tight 95% interval."""
    SWEEP_POINTS = 7  # simulated values of N for the chart (the chosen N is always one)

    st.title("Reallocation explorer")
    sc = scenario()
    st.caption(
        "Move agents from one group to another for a window of the day. Baseline and "
        "what-if see the same customers (same seed and replications), so the changes "
        "are paired; ± is the 95% confidence interval of the change."
    )
    if blocked():
        st.stop()
    if len(sc.groups) < 2:
        st.info("This scenario has a single agent group: there is nowhere to move agents to.")
        st.stop()

    rev = revision()
    groups = list(sc.groups)
    labels = sc.period_labels()
    c1, c2, c3 = st.columns([1, 1, 2])
    source_group = c1.selectbox("From group", groups, index=0, key=f"realloc-source_group-{rev}")
    destination = c2.selectbox(
        "To group",
        [g for g in groups if g != source_group],
        index=0,
        key=f"realloc-destination-{rev}",
    )
    window = c3.select_slider(
        "Window (interval starts)",
        options=[*labels, "end"],
        value=(labels[0], "end"),
        key=f"realloc-window-{rev}",
        help="Agents move from the first interval up to (not including) the second.",
    )
    first = labels.index(window[0])
    end = sc.periods if window[1] == "end" else labels.index(window[1])
    if end <= first:
        st.warning("Pick a window at least one interval long.")
        st.stop()
    most = movable_agents(sc, source_group, first, end)
    moved = st.slider(
        f"Agents moved (0 to {most}: the fewest {source_group} agents scheduled in the window)",
        min_value=0,
        max_value=most,
        value=most // 2,
        key=f"realloc-agents-{rev}-{source_group}-{first}-{end}",
    )
    reps, seed = run_settings(sc, "realloc")

    whatif_sc = reallocate(sc, source_group, destination, moved, first, end)
    base = run(sc, reps, seed, label="Baseline")
    whatif = run(whatif_sc, reps, seed, label="What-if")
    st.session_state["whatif"] = {
        "scenario": whatif_sc,
        "label": f"{moved} agents {source_group} → {destination}, {labels[first]}-{window[1]}",
    }
    diff = sim.compare(base, whatif)
    paired = {
        (str(r["channel"]), str(r["kpi"])): {
            k: float(r[k]) for k in ("base", "whatif", "delta", "ci95")
        }
        for r in diff.to_dict("records")
    }

    def row(channel: str, kpi: str) -> dict[str, float]:
        """base, whatif, delta and ci95 of one channel KPI."""
        return paired[(channel, kpi)]

    st.subheader(
        f"Moving {moved} agents from {source_group} to {destination}, "
        f"{labels[first]} to {window[1]}"
    )
    for name in sc.channels:
        sl, asa, ab = row(name, "service_level"), row(name, "asa"), row(name, "abandon_rate")
        cols = st.columns(3)
        cols[0].metric(
            f"{name} · service level",
            pct(sl["whatif"]),
            delta=pts(sl["delta"], sl["ci95"]),
            border=True,
            help=f"baseline {pct(sl['base'])}",
        )
        cols[1].metric(
            f"{name} · ASA",
            duration(asa["whatif"]),
            delta=duration(asa["delta"], asa["ci95"], signed=True),
            delta_color="inverse",
            border=True,
            help=f"baseline {duration(asa['base'])}",
        )
        cols[2].metric(
            f"{name} · abandon rate",
            pct(ab["whatif"]),
            delta=pts(ab["delta"], ab["ci95"]),
            delta_color="inverse",
            border=True,
            help=f"baseline {pct(ab['base'])}",
        )

    st.subheader("Every channel's service level against agents moved")
    st.caption(
        "Bands are each level's 95% interval; the paired changes in the tiles above are "
        "tighter because baseline and what-if share their customers. Dashed lines: targets."
    )
    grid = sorted({*np.linspace(0, most, min(most + 1, SWEEP_POINTS)).round().astype(int), moved})
    points = []
    sweep_bar = st.progress(0.0, text="Sweeping agents moved")
    for i, n in enumerate(grid):
        point = run(reallocate(sc, source_group, destination, int(n), first, end), reps, seed)
        levels = point.channels.query("kpi == 'service_level'")
        points.append(levels.assign(agents=int(n))[["agents", "channel", "mean", "ci95"]])
        sweep_bar.progress(
            (i + 1) / len(grid), text=f"Sweeping agents moved: {i + 1} of {len(grid)}"
        )
    sweep_bar.empty()
    sweep = pd.concat(points, ignore_index=True)
    st.altair_chart(
        charts.service_level_vs_moved(sweep, sc, moved, source_group, destination), width="stretch"
    )

    KPIS: dict[str, tuple[str, Callable[[float], str], Callable[[float, float], str]]] = {
        "service_level": ("service level", pct, pts),
        "asa": ("ASA", duration, lambda d, c: duration(d, c, signed=True)),
        "abandon_rate": ("abandon rate", pct, pts),
        "offered": ("offered", count, lambda d, c: count(d, c, signed=True)),
        "abandoned": ("abandoned", count, lambda d, c: count(d, c, signed=True)),
        "hops_in": ("hops in", count, lambda d, c: count(d, c, signed=True)),
        "switched_out": ("switched out", count, lambda d, c: count(d, c, signed=True)),
        "redialled": ("redialled", count, lambda d, c: count(d, c, signed=True)),
    }
    table = pd.DataFrame(
        [
            {
                "channel": name,
                "KPI": title,
                "baseline": fmt(row(name, kpi)["base"]),
                "what-if": fmt(row(name, kpi)["whatif"]),
                "change ± 95% CI": fmt_delta(row(name, kpi)["delta"], row(name, kpi)["ci95"]),
                "clear change": bool(abs(row(name, kpi)["delta"]) > row(name, kpi)["ci95"]),
            }
            for name in sc.channels
            for kpi, (title, fmt, fmt_delta) in KPIS.items()
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch", key="realloc-table")

    st.subheader("Spill-over: where customers went instead")
    st.caption(
        "Journey moves per replication (one simulated day): a channel to another channel "
        "(a switch or a recontact), to itself (a redial), or to an outcome."
    )
    flows = compare_flows(base, whatif)
    flows = flows[(flows["base"] > 0) | (flows["whatif"] > 0)]
    st.dataframe(
        pd.DataFrame(
            {
                "from": flows["from"],
                "to": flows["to"],
                "baseline": flows["base"].map(count),
                "what-if": flows["whatif"].map(count),
                "change ± 95% CI": [
                    count(d, c, signed=True)
                    for d, c in zip(flows["delta"], flows["ci95"], strict=True)
                ],
            }
        ),
        hide_index=True,
        width="stretch",
        key="realloc-flows",
    )


def page_journeys() -> None:
    """Journey map: channel-to-channel flows and outcomes as a graph, and the commonest paths."""
    st.title("Journey map")
    sc = scenario()
    st.caption(
        "Every journey is one customer with one intent, possibly several contacts on "
        "several channels. Arrow widths grow with volume; numbers are journeys per "
        "replication (one simulated day)."
    )
    if blocked():
        st.stop()

    whatif = st.session_state.get("whatif")
    options = ["Current scenario"] + ([f"What-if: {whatif['label']}"] if whatif else [])
    choice = st.radio("Show", options, horizontal=True, key="journeys-which")
    shown = whatif["scenario"] if whatif and choice != options[0] else sc
    reps, seed = run_settings(sc, "journeys")
    res = run(shown, reps, seed, keep_runs=True)

    new_rows = res.channels.query("kpi == 'new'")
    new = {str(c): float(v) for c, v in zip(new_rows["channel"], new_rows["mean"], strict=True)}
    caption = effort_caption(res.journeys, *effort_target(shown))
    st.graphviz_chart(flows_dot(res.flows, list(shown.channels), new), width="stretch")
    st.caption(caption)

    jr = res.journeys.set_index("kpi")["mean"]
    cols = st.columns(4)
    customers = float(jr["customers"])
    cols[0].metric("customers", f"{customers:,.0f}", border=True)
    cols[1].metric("resolved", pct(float(jr["resolved"]) / customers), border=True)
    cols[2].metric("lost", pct(float(jr["lost"]) / customers), border=True)
    cols[3].metric("contacts per journey", f"{float(jr['mean_attempts']):.3f}", border=True)

    st.subheader("Most frequent paths")
    top = st.slider("Paths shown", 5, 50, 15, key="journeys-top")
    paths = journey_paths(res, top=top)
    paths["share"] = paths["share"] * 100
    st.dataframe(
        paths,
        hide_index=True,
        width="stretch",
        column_config={
            "journeys": st.column_config.NumberColumn("journeys per day", format="%.1f"),
            "share": st.column_config.NumberColumn("share of journeys", format="%.1f%%"),
        },
        key="journeys-paths",
    )
    with st.expander("Flow table"):
        st.dataframe(res.flows, hide_index=True, width="stretch")


@st.cache_data(show_spinner=False, max_entries=16)
def _requirement(scenario_json: str, offered_json: str | None) -> pd.DataFrame:
    parsed = sim.parse_scenario(json.loads(scenario_json))
    offered = pd.read_json(io.StringIO(offered_json), orient="split") if offered_json else None
    return requirements(parsed, offered=offered)


BASIS_LABELS: dict[str, str] = {
    "scheduled": "scheduled (head count, before shrinkage)",
    "productive": "productive (after shrinkage)",
}


def page_staffing() -> None:
    """Staffing page: analytic (Erlang) requirement per channel vs the agents the scenario has.

    The numbers are ``ccsim staff``'s (:func:`sim.plan.staffing.requirements`, default targets)."""
    st.title("Staffing")
    sc = scenario()
    st.caption(
        "Agents each channel needs per interval to meet its targets if it were its own "
        "queue, as `ccsim staff` computes them: Erlang A with the channel's mean patience "
        "(Erlang C when customers never abandon), concurrent channels as slots "
        "(agents x concurrency) at the stretched handle time, deferred channels' work "
        "spread until its deadline; scheduled = productive / (1 - shrinkage). The total "
        "over channels ignores blending and channel switching: the simulation shows those."
    )
    if blocked():
        st.stop()

    left, right = st.columns(2)
    with_hops = left.toggle(
        "Staff for the simulated offered load (includes redials and switches)",
        value=False,
        key="staffing-hops",
    )
    basis: Basis = right.radio(
        "Count agents as",
        BASES,
        format_func=BASIS_LABELS.__getitem__,
        horizontal=True,
        key="staffing-basis",
        help="Requirement and the scenario's agents are counted the same way.",
    )
    offered_json = None
    if with_hops:
        res = run(sc, sc.replications, sc.seed)
        offered_json = simulated_offered(res).to_json(orient="split", index=False)
    with st.spinner("Solving Erlang requirements"):
        table = _requirement(json.dumps(sc.to_dict()), offered_json)

    total = staffed_vs_required(sc, table, basis)
    hours = sc.interval_minutes / 60
    cols = st.columns(3)
    cols[0].metric(
        "peak requirement",
        f"{int(total['required'].max())} agents",
        border=True,
        help=f"{basis} agents, all channels, in the busiest interval",
    )
    cols[1].metric(
        "intervals short of staff",
        f"{int((total['surplus'] < 0).sum())} of {len(total)}",
        border=True,
        help=f"required {basis} agents (all channels) > {basis} agents in all groups",
    )
    cols[2].metric(
        f"agent-hours required vs {basis}",
        f"{total['required'].sum() * hours:,.0f} h",
        delta=f"{total['surplus'].sum() * hours:+,.0f} h {basis}",
        delta_color="off",
        border=True,
    )
    chart_table = pd.concat(
        [
            table[["time", "channel", basis]].rename(columns={basis: "required"}),
            total[["time", "staffed"]].rename(columns={"staffed": "scheduled"}),
        ],
        ignore_index=True,
    )
    st.altair_chart(
        charts.staffing_requirement(chart_table, sc.period_labels(), agents=basis),
        width="stretch",
    )
    wide = table.pivot(index="time", columns="channel", values=basis).reindex(
        index=sc.period_labels(), columns=list(sc.channels)
    )
    by_time = total.set_index("time")
    wide["required"] = by_time["required"]
    wide[basis] = by_time["staffed"]
    wide["surplus"] = by_time["surplus"]
    st.markdown(f"**Required {basis} agents per channel** against the scenario's {basis} agents")
    st.dataframe(wide, width="stretch", key="staffing-table")
    st.download_button(
        "staffing.csv", wide.to_csv().encode(), file_name="staffing.csv", mime="text/csv"
    )
    st.markdown(
        f"**Required {basis} agents per group**: each channel's need split over the "
        "groups serving it by skills and head count (`ccsim staff`'s second table)"
    )
    groups = group_requirements(sc, table).pivot(index="time", columns="group", values=basis)
    st.dataframe(
        groups.reindex(index=sc.period_labels(), columns=list(sc.groups)),
        width="stretch",
        key="staffing-groups",
    )


def page_scenario() -> None:
    """Scenario page: pick or upload a scenario, edit it with live validation, download it.

    Every edit is applied to the current scenario with ``Scenario.updated`` (field paths
    of the file format), so the problems shown name the field exactly as the file does.
    A valid edit becomes the current scenario; an invalid one is shown and nothing runs."""
    st.title("Scenario")
    sc = scenario()
    rev = revision()

    # -- where the scenario comes from --------------------------------------------------------
    files = scenario_files()
    names = [p.name for p in files]
    left, right = st.columns(2)
    picked = left.selectbox(
        "Scenario file",
        names,
        index=names.index(source()) if source() in names else None,
        placeholder="(an uploaded or edited scenario)",
        key=f"scenario-file-{rev}",
    )
    if picked is not None and picked != source():
        set_scenario(load(files[names.index(picked)]), picked)
        st.rerun()
    upload = right.file_uploader(
        "…or upload a YAML file", type=["yaml", "yml"], key=f"upload-{rev}"
    )
    if upload is not None:
        try:
            set_scenario(parse_upload(upload.name, upload.getvalue()), upload.name)
            st.rerun()
        except sim.ScenarioError as err:
            st.error(
                f"`{upload.name}` is not a valid scenario:\n\n"
                + "\n".join(f"- `{p}`" for p in err.problems)
            )

    status = st.container()

    # -- edits ------------------------------------------------------------------------------
    changes: dict[str, Any] = {}
    st.subheader("General")
    cols = st.columns(5)
    general = {
        "name": cols[0].text_input("name", sc.name, key=f"name-{rev}"),
        "seed": cols[1].number_input("seed", value=sc.seed, step=1, key=f"seed-{rev}"),
        "replications": cols[2].number_input(
            "replications", value=sc.replications, step=1, key=f"replications-{rev}"
        ),
        "warmup_minutes": cols[3].number_input(
            "warmup_minutes", value=float(sc.warmup_minutes), step=15.0, key=f"warmup-{rev}"
        ),
        "journeys.max_attempts": cols[4].number_input(
            "journeys.max_attempts",
            value=sc.journeys.max_attempts,
            step=1,
            key=f"max-attempts-{rev}",
        ),
    }
    current = {
        "name": sc.name,
        "seed": sc.seed,
        "replications": sc.replications,
        "warmup_minutes": sc.warmup_minutes,
        "journeys.max_attempts": sc.journeys.max_attempts,
    }
    changes.update({k: v for k, v in general.items() if v != current[k]})

    st.subheader("Channels")
    channel_table = editing.channels_table(sc)
    edited_channels = st.data_editor(
        channel_table,
        key=f"channels-{rev}",
        width="stretch",
        column_config={
            "mode": st.column_config.SelectboxColumn(
                editing.CHANNEL_COLUMNS["mode"], options=["synchronous", "concurrent", "deferred"]
            ),
            **{
                k: st.column_config.NumberColumn(label)
                for k, label in editing.CHANNEL_COLUMNS.items()
                if k != "mode"
            },
        },
    )
    changes.update(editing.channel_changes(sc, edited_channels))

    left, right = st.columns(2)
    with left:
        st.markdown("**Arrivals** (new journeys per interval)")
        arrivals = st.data_editor(
            editing.per_period_table(sc, "arrivals"), key=f"arrivals-{rev}", height=300
        )
        changes.update(editing.per_period_changes(sc, "arrivals", arrivals))
    with right:
        st.markdown("**Agents scheduled** per interval")
        agents = st.data_editor(
            editing.per_period_table(sc, "agents"), key=f"agents-{rev}", height=300
        )
        changes.update(editing.per_period_changes(sc, "agents", agents))

    st.markdown("**Groups' skills** (channels in priority order, comma-separated)")
    skills = st.data_editor(editing.groups_table(sc), key=f"skills-{rev}", width="stretch")
    changes.update(editing.group_changes(sc, skills))

    st.subheader("Journeys: what a customer does next")
    channel_names = list(sc.channels)
    transitions = st.data_editor(
        editing.transitions_table(sc),
        key=f"transitions-{rev}",
        num_rows="dynamic",
        width="stretch",
        column_config={
            "from": st.column_config.SelectboxColumn("from", options=channel_names),
            "on": st.column_config.SelectboxColumn(
                "on", options=["abandon", "unresolved", "balk", "chase"]
            ),
            "to": st.column_config.SelectboxColumn("to", options=channel_names),
            "probability": st.column_config.NumberColumn("probability"),
            "delay distribution": st.column_config.SelectboxColumn(
                "delay distribution",
                options=["exponential", "fixed", "lognormal", "gamma", "weibull"],
            ),
            "delay (s)": st.column_config.NumberColumn("delay mean or fixed value (s)"),
            "after (s)": st.column_config.NumberColumn(
                "chase after (s)", help="chase only: seconds a deferred contact stays unanswered"
            ),
            "withdraw": st.column_config.CheckboxColumn(
                "withdraw", help="chase only: the deferred contact is taken back"
            ),
        },
    )
    changes.update(editing.transition_changes(sc, transitions))

    # -- validate -----------------------------------------------------------------------------
    if changes:
        try:
            edited = sc.updated(changes)
        except sim.ScenarioError as err:
            set_problems(err.problems)
            status.error(
                "Not applied: the edit makes the scenario invalid, so nothing runs until it is "
                "fixed.\n\n" + "\n".join(f"- `{p}`" for p in err.problems)
            )
        else:
            set_scenario(edited, f"{source().removesuffix(' (edited)')} (edited)")
            st.rerun()
    else:
        set_problems([])
        status.success(
            f"Valid: {len(sc.channels)} channels, {len(sc.groups)} groups, {sc.periods} "
            f"intervals of {sc.interval_minutes} min. Edits apply as you make them."
        )

    st.download_button(
        "Download scenario YAML",
        sc.to_yaml().encode(),
        file_name=f"{sc.name.lower().replace(' ', '_') or 'scenario'}.yaml",
        mime="application/x-yaml",
        key="download-yaml",
    )


def main() -> None:
    st.set_page_config(
        page_title="ccsim: contact-centre simulator",
        page_icon=":material/support_agent:",
        layout="wide",
    )
    start()

    PAGES = [
        st.Page(
            page_simulate,
            title="Simulate",
            icon=":material/monitoring:",
            url_path="simulate",
            default=True,
        ),
        st.Page(
            page_reallocation,
            title="Reallocation explorer",
            icon=":material/swap_horiz:",
            url_path="reallocation",
        ),
        st.Page(page_journeys, title="Journey map", icon=":material/route:", url_path="journeys"),
        st.Page(page_staffing, title="Staffing", icon=":material/groups:", url_path="staffing"),
        st.Page(page_scenario, title="Scenario", icon=":material/edit_note:", url_path="scenario"),
    ]
    page = st.navigation(PAGES)
    with st.sidebar:
        st.caption(f"Scenario: **{scenario().name}** ({source()})")
        if st.session_state.get("start_problems"):
            st.warning("The start file was invalid; opened the default scenario instead.")
    page.run()


if __name__ == "__main__":  # `ccsim app` has streamlit run this file as __main__
    main()
