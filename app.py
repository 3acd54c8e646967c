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

import datetime as dt
import hashlib
import io
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
import yaml

import sim
from forecasting.backtest import backtest
from forecasting.forecast import forecast_frame
from forecasting.history import History, HistoryError, read_history
from forecasting.intraday import UPDATES
from forecasting.models import MODELS
from forecasting.scoring import accuracy
from forecasting.special_days import ordinary_days_note, special_days_within, with_holidays
from sim.config.capacity import CapacityError, CapacityPlan, load_capacity_plan, parse_capacity_plan
from sim.config.shipped import DEFAULT_SCENARIO, SCENARIO_DIR, shipped_scenarios
from sim.config.yaml_reader import NotText, read_yaml, yaml_problem
from sim.measure.paths import journey_paths
from sim.measure.runner import compare_costs, compare_journeys, effort_target
from sim.measure.workload import check, estimate
from sim.plan.capacity import Capacity, capacity
from sim.plan.optimise import Optimised, OptimiseError, OptimiseOptions, optimise
from sim.plan.shifts import ShiftError, apply_shifts, schedule_shifts
from sim.plan.staffing import (
    BASES,
    Basis,
    StaffingError,
    group_requirements,
    requirements,
    simulated_offered,
    staffed_vs_required,
)
from sim.plan.whatif import adjust, compare_flows, compare_groups, movable_agents, reallocate
from sim.present import capacity as capacity_view
from sim.present import (
    charts,
    comparison,
    days,
    editing,
    forecast_view,
    library,
    planning,
    shaping,
)
from sim.present.display import count, duration, pct, pts
from sim.present.journey_map import effort_caption, flows_dot, offer_flows


# -- session state and cached runs --------------------------------------------------
def start_file(argv: Sequence[str]) -> Path:
    """The scenario to open: the first ``.yaml`` argument after ``--``, else the default."""
    for arg in argv[1:]:
        if arg.endswith((".yaml", ".yml")):
            return Path(arg).resolve()
    return DEFAULT_SCENARIO


# Bare strings at the top level of app.py would be shown on every page (Streamlit's
# "magic" writes them), so module constants are described in comments here.


def scenario_files() -> list[Path]:
    """Scenario files shipped with ccsim (the repository's ``scenarios/``); sweep files
    and capacity plans left out."""
    return shipped_scenarios()


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

    simulate_shaping(res)
    periods = simulate_days(res)
    left, right = st.columns(2)
    left.altair_chart(charts.service_level_by_interval(res, periods), width="stretch")
    right.altair_chart(
        charts.kpi_by_interval(
            res, "queue_length", "Queue length by interval", "contacts waiting", periods
        ),
        width="stretch",
    )
    left, right = st.columns(2)
    channel = left.selectbox(
        "Channel for volumes", list(sc.channels), key="simulate-volume-channel"
    )
    left.altair_chart(charts.volumes_by_interval(res, channel, periods), width="stretch")
    right.altair_chart(charts.agents_by_interval(res, periods), width="stretch")

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
    segments = res.segments_wide()
    if segments is not None:
        with st.expander("Customer segments: every KPI per segment"):
            st.dataframe(segments, width="stretch")


def simulate_shaping(res: sim.Result) -> None:
    """What each shaping rule did and the channels' shaping KPIs (moved out by
    offers, deflected, call-backs), when the scenario has rules or call-backs."""
    rules, moved = shaping.rule_table(res), shaping.channel_shaping(res)
    if rules is None and moved is None:
        return
    st.subheader("Journey shaping")
    st.caption(
        "Per replication: how often each rule fired, offered another channel, had the "
        "offer accepted or deflected a contact, and the agent-minutes it moved to "
        "another channel; then what that did to each channel."
    )
    if rules is not None:
        st.dataframe(
            rules,
            hide_index=True,
            width="stretch",
            key="simulate-rules",
            column_config={
                c: st.column_config.NumberColumn(format="%.1f") for c in rules.columns[1:]
            },
        )
    if rules is not None:
        kpi = st.selectbox("Rule KPI by interval", list(rules.columns[1:]), key="simulate-rule-kpi")
        st.altair_chart(charts.rule_events_by_interval(res, kpi), width="stretch")
    if moved is not None:
        st.dataframe(
            moved,
            hide_index=True,
            width="stretch",
            key="simulate-shaping",
            column_config={
                c: st.column_config.NumberColumn(format="%.1f") for c in moved.columns[1:]
            },
        )


def simulate_days(res: sim.Result) -> list[int] | None:
    """Over several days: the per-day table and a day picker; the periods of the
    chosen day for the interval charts (``None``: every period)."""
    sc = res.scenario
    table = days.day_table(res)
    if table is None:
        return None
    st.subheader("Days")
    st.caption("Means over replications per day; the week's figures are in the tiles above.")
    pct_cols = [c for c in table.columns if c.endswith(("service level", "abandon rate"))]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="simulate-days",
        column_config={
            **{c: st.column_config.NumberColumn(format="percent") for c in pct_cols},
            **{
                c: st.column_config.NumberColumn(format="%.0f")
                for c in table.columns
                if c.endswith(("offered", "(s)"))
            },
        },
    )
    labels = sc.day_labels()
    picked = st.selectbox(
        "Day shown in the interval charts",
        [days.WHOLE, *labels],
        key=f"simulate-day-{revision()}",
    )
    return None if picked == days.WHOLE else days.day_periods(sc, labels.index(picked))


@dataclass(frozen=True)
class Move:
    """Agents moved from ``source`` to ``destination`` in periods [first, end)."""

    source: str
    destination: str
    first: int
    end: int


def reallocation_sweep(
    sc: sim.Scenario, move: Move, grid: Sequence[int], moved: int, reps: int, seed: int
) -> None:
    """The reallocation explorer's chart: every channel's service level for each number
    of agents moved in ``grid`` (same seed and replications as the tiles)."""
    st.caption(
        "Bands are each level's 95% interval; the paired changes in the tiles above are "
        "tighter because baseline and what-if share their customers. Dashed lines: targets."
    )
    points = []
    sweep_bar = st.progress(0.0, text="Sweeping agents moved")
    for i, n in enumerate(grid):
        point_sc = reallocate(sc, move.source, move.destination, int(n), move.first, move.end)
        levels = run(point_sc, reps, seed).channels.query("kpi == 'service_level'")
        points.append(levels.assign(agents=int(n))[["agents", "channel", "mean", "ci95"]])
        sweep_bar.progress(
            (i + 1) / len(grid), text=f"Sweeping agents moved: {i + 1} of {len(grid)}"
        )
    sweep_bar.empty()
    sweep = pd.concat(points, ignore_index=True)
    st.altair_chart(
        charts.service_level_vs_moved(sweep, sc, moved, move.source, move.destination),
        width="stretch",
    )


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
    c1, c2, c3 = st.columns([1, 1, 2])
    source_group = c1.selectbox("From group", groups, index=0, key=f"realloc-source_group-{rev}")
    destination = c2.selectbox(
        "To group",
        [g for g in groups if g != source_group],
        index=0,
        key=f"realloc-destination-{rev}",
    )
    span, default = realloc_span(sc, source_group, rev)
    all_labels = sc.period_labels()
    labels = [all_labels[p] for p in span]
    window = c3.select_slider(
        "Window (interval starts)",
        options=[*labels, "end"],
        value=default,
        key=f"realloc-window-{rev}-{span[0]}-{source_group if sc.spans_days else ''}",
        help="Agents move from the first interval up to (not including) the second.",
    )
    first = span[labels.index(window[0])]
    end = span[-1] + 1 if window[1] == "end" else span[labels.index(window[1])]
    if end <= first:
        st.warning("Pick a window at least one interval long.")
        st.stop()
    most = movable_agents(sc, source_group, first, end)
    if most == 0:
        st.info(
            f"Some interval of the window has no {source_group} agents scheduled, so none "
            "can move for all of it: pick a window inside their shifts."
        )
        st.stop()
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
    grid = sorted({*np.linspace(0, most, min(most + 1, SWEEP_POINTS)).round().astype(int), moved})
    if st.toggle(
        f"Sweep the agents moved: 0 to {most} ({len(grid)} what-ifs)",
        key="realloc-sweep",
        help="Simulates every point at the page's replications: a few seconds, so on request.",
    ):
        move = Move(source_group, destination, first, end)
        reallocation_sweep(sc, move, grid, moved, reps, seed)

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


def realloc_span(sc: sim.Scenario, group: str, rev: int) -> tuple[list[int], tuple[str, str]]:
    """The periods the reallocation window is picked from and its default: every
    period and all of them for one day; over several days, the periods of a picked
    day and, by default, the span of it that ``group`` is scheduled."""
    labels = sc.period_labels()
    if not sc.spans_days:
        return list(range(sc.periods)), (labels[0], "end")
    names = sc.day_labels()
    day = st.selectbox("Day", names, key=f"realloc-day-{rev}", help="The day of the window.")
    span = days.day_periods(sc, names.index(day))
    staffed = days.staffed_window(sc, group, span) or (span[0], span[-1] + 1)
    end = "end" if staffed[1] > span[-1] else labels[staffed[1]]
    return span, (labels[staffed[0]], end)


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
    offers = offer_flows(journey_paths(res)) if shown.shaping else None
    st.graphviz_chart(
        flows_dot(res.flows, list(shown.channels), new, offers=offers), width="stretch"
    )
    st.caption(caption)
    if offers is not None and len(offers):
        st.caption(
            "Dashed purple arrows labelled “offer”: customers who accepted a shaping "
            "rule's offer of another channel (hops per replication)."
        )

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
    shown_labels = sc.period_labels()
    if sc.spans_days:
        names = sc.day_labels()
        picked = st.selectbox(
            "Day shown in the chart", [days.WHOLE, *names], key=f"staffing-day-{revision()}"
        )
        if picked != days.WHOLE:
            shown_labels = [shown_labels[p] for p in days.day_periods(sc, names.index(picked))]
            chart_table = chart_table[chart_table["time"].isin(shown_labels)]
    st.altair_chart(
        charts.staffing_requirement(chart_table, shown_labels, agents=basis),
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
        st.session_state.pop("library_open", None)
        st.rerun()
    upload = right.file_uploader(
        "…or upload a YAML file", type=["yaml", "yml"], key=f"upload-{rev}"
    )
    if upload is not None:
        try:
            set_scenario(parse_upload(upload.name, upload.getvalue()), upload.name)
            st.session_state.pop("library_open", None)
            st.rerun()
        except sim.ScenarioError as err:
            st.error(
                f"`{upload.name}` is not a valid scenario:\n\n"
                + "\n".join(f"- `{p}`" for p in err.problems)
            )

    st.markdown(library_status() + " Save it on the Scenario library page.")
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


# -- optimise -----------------------------------------------------------------------------
# Session flag the optimiser's progress step checks; the Cancel button sets it.
OPTIMISE_CANCEL = "optimise-cancel"


def _request_cancel() -> None:
    st.session_state[OPTIMISE_CANCEL] = True


def optimise_settings(sc: sim.Scenario) -> OptimiseOptions:
    """The optimiser's replications, budget and seed, as inputs (defaults: the CLI's,
    with a smaller budget so a first run takes seconds)."""
    cols = st.columns(4)
    reps = cols[0].number_input(
        "Replications per step",
        min_value=1,
        max_value=50,
        value=4,
        key="opt-reps",
        help="Replications of each plan the search tries (same seed for every plan).",
    )
    confirm = cols[1].number_input(
        "Confirmation replications",
        min_value=2,
        max_value=200,
        value=12,
        key="opt-confirm",
        help="Replications of the final plan with new customers (another seed).",
    )
    budget = cols[2].number_input(
        "Simulation budget",
        min_value=1,
        max_value=2000,
        value=60,
        key="opt-budget",
        help="Most plans simulated; the search stops earlier when no agent can go.",
    )
    seed = cols[3].number_input("Search seed", min_value=0, value=sc.seed, step=1, key="opt-seed")
    return OptimiseOptions(
        replications=int(reps),
        confirm_replications=int(confirm),
        max_simulations=int(budget),
        seed=int(seed),
    )


def page_optimise() -> None:
    """Optimise page: the simulation optimiser's staffing against Erlang and today's
    schedule, its confirmed targets, where and why it differs, and shifts from it.

    The numbers are ``ccsim staff --method simulate``'s (:func:`sim.plan.optimise.optimise`);
    the result is kept in the session until the scenario (other than its staffing)
    or the options change."""
    st.title("Optimise staffing")
    sc = scenario()
    st.caption(
        "The fewest scheduled agents per group and interval that meet every target in "
        "simulation, with redials, channel switches and recontacts included. The search "
        "starts from per-channel Erlang and adds or removes one agent at a time, every "
        "plan seeing the same customers; the answer is then confirmed on new customers."
    )
    if blocked():
        st.stop()
    opts = optimise_settings(sc)
    try:  # the CLI's guard: a search that cannot fit in memory is refused before it runs
        for reps in (opts.replications, opts.confirm_replications):
            check(estimate(sc, reps))
    except sim.ScenarioError as err:
        st.error("\n".join(err.problems))
        st.stop()
    most = (
        opts.max_simulations * estimate(sc, opts.replications).seconds
        + estimate(sc, opts.confirm_replications).seconds
    )
    st.caption(
        f"At most {opts.max_simulations} simulations of {opts.replications} replications "
        f"and a confirmation of {opts.confirm_replications}: about {duration(most)} at "
        "the very most (the whole budget); a search usually converges well before."
    )
    key = (planning.search_key(sc), opts)
    left, right = st.columns([1, 4])
    go = left.button("Optimise", type="primary", key="optimise-run")
    if go:
        st.session_state[OPTIMISE_CANCEL] = False
        cancel_slot = right.empty()
        cancel_slot.button("Cancel", key="optimise-cancel-button", on_click=_request_cancel)
        bar = st.progress(0.0, text="Optimising")
        step = planning.cancellable_step(
            lambda share, text: bar.progress(share, text=text),
            lambda: bool(st.session_state.get(OPTIMISE_CANCEL)),
        )
        try:
            out = optimise(sc, options=opts, step=step)
        except planning.Cancelled:  # the flag was set before this run's step saw it
            pass  # an earlier result stays: nothing changed
        except (StaffingError, OptimiseError) as exc:
            st.error(f"No staffing plan: {exc}")
        else:
            st.session_state["optimised"] = {"key": key, "out": out}
        finally:
            bar.empty()
            cancel_slot.empty()
    if st.session_state.get(OPTIMISE_CANCEL):
        st.warning("Optimisation cancelled: nothing changed.")
        st.session_state[OPTIMISE_CANCEL] = False
    stored = st.session_state.get("optimised")
    if not stored:
        st.info("Press **Optimise** to search (a progress bar shows the simulations run).")
        return
    if stored["key"] != key:
        st.info(
            "The scenario or the options changed since the last optimisation: press "
            "**Optimise** again to see their plan."
        )
        return
    show_optimised(sc, stored["out"])


def show_optimised(sc: sim.Scenario, out: Optimised) -> None:
    """The optimiser's answer: totals, plans per group, targets, differences, shifts."""
    table = planning.staffing_comparison(sc, out)
    hours = sc.interval_minutes / 60
    cols = st.columns(4)
    cols[0].metric(
        "agent-hours optimised",
        f"{table['optimised'].sum() * hours:,.0f} h",
        delta=f"{table['vs_erlang'].sum() * hours:+,.0f} h vs Erlang",
        delta_color="off",
        border=True,
    )
    cols[1].metric(
        "agent-hours today",
        f"{table['today'].sum() * hours:,.0f} h",
        delta=f"optimised {table['vs_today'].sum() * hours:+,.0f} h",
        delta_color="off",
        border=True,
    )
    cols[2].metric(
        "targets met (new customers)",
        f"{int(out.targets['met'].sum())} of {len(out.targets)}",
        border=True,
        help=f"confirmation: {out.confirmation.replications} replications, seed {out.confirm_seed}",
    )
    cols[3].metric(
        "simulations",
        f"{out.simulations}",
        delta="converged" if out.converged else "budget spent",
        delta_color="off",
        border=True,
        help=f"{out.replications_simulated} replications, {out.cpu_seconds:.1f} CPU s",
    )
    group = st.selectbox("Group", list(sc.groups), key="optimise-group")
    st.altair_chart(charts.staffing_plans(table, sc.period_labels(), group), width="stretch")
    plans = ("optimised", "erlang", "today")
    wide = pd.DataFrame(index=pd.Index(sc.period_labels(), name="time"))
    for g in sc.groups:
        sub = table[table["group"] == g].set_index("time")
        for plan in plans:
            wide[f"{g} {plan}"] = sub[plan]
    st.markdown("**Scheduled agents per interval and group**: optimised, Erlang, today")
    st.dataframe(wide, width="stretch", key="optimise-staffing")

    st.subheader("Targets on new customers")
    st.dataframe(
        planning.target_rows(out), hide_index=True, width="stretch", key="optimise-targets"
    )

    st.subheader("Where the optimiser and per-channel Erlang differ, and why")
    st.caption(
        "Spill-over: abandoned and unresolved customers come back (redials, switches, "
        "recontacts), load per-channel Erlang never sees. Slack: the simulated targets "
        "hold with fewer agents (a deferred channel waits, blending shares the work)."
    )
    diffs = out.differences
    st.dataframe(
        pd.DataFrame(
            {
                "time": diffs["time"],
                "group": diffs["group"],
                "Erlang": diffs["analytic"],
                "optimised": diffs["optimised"],
                "change": diffs["delta"],
                "why": diffs["reason"],
            }
        ),
        hide_index=True,
        width="stretch",
        key="optimise-differences",
    )
    show_shifts(sc, out)


def show_shifts(sc: sim.Scenario, out: Optimised) -> None:
    """Shifts covering the optimised plan (the MILP), and the buttons applying them."""
    st.subheader("Shifts from the optimised plan")
    text = st.text_area(
        "Shift templates (YAML, the `ccsim staff --shifts` format)",
        planning.default_templates_text(sc),
        height=220,
        key=f"optimise-templates-{sc.interval_minutes}-{sc.start}-{sc.periods}",
    )
    try:
        templates = planning.templates_from_text(text)
        need = out.staffing.rename(columns={"optimised": "scheduled"})
        with st.spinner("Planning shifts"):
            plan = schedule_shifts(sc, need, templates)
    except ShiftError as exc:
        st.error(f"No shift plan: {exc}")
        plan = None
    left, right = st.columns(2)
    if plan is not None:
        cols = st.columns(3)
        cols[0].metric("paid hours", f"{plan.paid_hours:,.0f} h", border=True)
        cols[1].metric("agent-hours short", f"{plan.short_agent_hours:,.1f} h", border=True)
        cols[2].metric(
            "shifts",
            f"{int(planning.shift_table(plan)['agents'].sum())} agents",
            border=True,
            help="optimal" if plan.optimal else "time limit: best found, not proven optimal",
        )
        st.dataframe(
            planning.shift_table(plan), hide_index=True, width="stretch", key="optimise-shifts"
        )
        if left.button("Apply these shifts to the scenario", type="primary", key="apply-shifts"):
            set_scenario(apply_shifts(sc, plan), f"{base_label()} (optimised shifts)")
            st.session_state["applied"] = "shifts"
            st.rerun()
    if right.button("Apply the optimised agents per interval", key="apply-plan"):
        set_scenario(out.scenario, f"{base_label()} (optimised agents)")
        st.session_state["applied"] = "agents"
        st.rerun()
    applied = st.session_state.pop("applied", None)
    if applied:
        st.success(
            f"Applied the optimised {applied} to the scenario: the other pages now "
            "simulate it; the Scenario page downloads or saves it."
        )


def base_label() -> str:
    """The current source without an earlier edit's suffix."""
    return source().split(" (")[0]


# -- compare ------------------------------------------------------------------------------
CURRENT = "Current scenario"
EDITED = "Current scenario with the edits below"
UPLOAD = "Upload a file…"


def compare_sources() -> list[str]:
    """What the compare page can pick for A or B: the current scenario (as it is or
    with this page's edits), each saved one in the library folder, each shipped one,
    an upload."""
    saved = [f"Saved: {s.name}" for s in library.listing(library_folder()) if not s.problems]
    shipped = [f"Shipped: {p.name}" for p in scenario_files()]
    return [CURRENT, EDITED, *saved, *shipped, UPLOAD]


def compare_edits(sc: sim.Scenario) -> sim.Scenario:
    """The current scenario with this page's edits (volumes, times, headcounts)."""
    rev = revision()
    with st.expander("Edits for “current scenario with the edits below”", expanded=True):
        cols = st.columns(3)
        volume = cols[0].number_input(
            "Volumes (%)",
            value=10.0,
            step=5.0,
            key=f"cmp-volume-{rev}",
            help="Change of every channel's new journeys per interval, e.g. +10%.",
        )
        handle = cols[1].number_input(
            "Handle time (%)",
            value=0.0,
            step=5.0,
            key=f"cmp-handle-{rev}",
            help="Change of every channel's handle time (mean and spread).",
        )
        patience = cols[2].number_input(
            "Patience (%)",
            value=0.0,
            step=5.0,
            key=f"cmp-patience-{rev}",
            help="Change of every channel's patience before abandoning.",
        )
        labels = sc.period_labels()
        window = st.select_slider(
            "Headcount window (interval starts)",
            options=[*labels, "end"],
            value=(labels[0], "end"),
            key=f"cmp-window-{rev}",
        )
        first = labels.index(window[0])
        end = sc.periods if window[1] == "end" else labels.index(window[1])
        group_cols = st.columns(max(len(sc.groups), 1))
        headcount = {
            g: int(
                col.number_input(f"{g}: agents added", value=0, step=1, key=f"cmp-agents-{g}-{rev}")
            )
            for col, g in zip(group_cols, sc.groups, strict=True)
        }
    if end <= first:
        raise sim.ScenarioError(["compare.window: pick a window at least one interval long"])
    return adjust(
        sc,
        volume=1 + volume / 100,
        handle_time=1 + handle / 100,
        patience=1 + patience / 100,
        headcount=headcount,
        start=first,
        end=end,
    )


def pick_compared(which: str, default: str, sources: list[str]) -> tuple[str, str]:
    """The choice for side ``which`` (A or B): its option and, for an upload, the key."""
    choice = st.selectbox(
        f"Scenario {which}", sources, index=sources.index(default), key=f"cmp-{which}"
    )
    return choice, f"cmp-upload-{which}"


def resolve_compared(choice: str, upload_key: str, edited: sim.Scenario) -> sim.Scenario | None:
    """The scenario behind a choice of :func:`compare_sources` (None: no upload yet)."""
    if choice == CURRENT:
        return scenario()
    if choice == EDITED:
        return edited
    if choice.startswith("Saved: "):
        return library.open_saved(library_folder(), choice.removeprefix("Saved: "))
    if choice.startswith("Shipped: "):
        return load(SCENARIO_DIR / choice.removeprefix("Shipped: "))
    left, right = st.columns([3, 1])
    upload = left.file_uploader("Scenario file", type=["yaml", "yml"], key=upload_key)
    if upload is None:
        return None
    return parse_upload(upload.name, upload.getvalue())


def compare_money(res_a: sim.Result, res_b: sim.Result, labels: tuple[str, str]) -> None:
    """The paired money change (scenarios with a ``costs`` section on both sides)."""
    if res_a.cost_reps is None and res_b.cost_reps is None:
        return
    st.markdown("**Money** (per replication: one simulated day)")
    if res_a.cost_reps is None or res_b.cost_reps is None:
        st.caption("Only one of the two scenarios has a costs section: no money to pair.")
        return
    cur = (res_b.scenario.costs.currency if res_b.scenario.costs else "") or ""
    money = compare_costs(res_a, res_b)
    st.dataframe(
        comparison.side_by_side(
            money.assign(money=cur or "amount"), "money", comparison.MONEY_KPIS, labels
        ),
        hide_index=True,
        width="stretch",
        key="compare-money",
    )


def page_compare() -> None:
    """Compare page: any two scenarios paired with common random numbers: every
    channel's and group's KPIs side by side with the paired change (B - A) and its
    95% CI, and the journey moves that changed.

    The channel numbers are ``ccsim compare``'s (:func:`sim.compare`) for the same
    two scenarios, seed and replications."""
    st.title("Compare scenarios")
    st.caption(
        "A and B run with the same seed and replications, so replication r of each sees "
        "the same customers wherever the difference does not touch them (common random "
        "numbers): each change B - A is a paired difference, and ± is its 95% interval."
    )
    if blocked():
        st.stop()
    sc = scenario()
    sources = compare_sources()
    left, right = st.columns(2)
    with left:
        a_choice, a_key = pick_compared("A", CURRENT, sources)
    with right:
        b_choice, b_key = pick_compared("B", EDITED, sources)
    try:
        edited = compare_edits(sc)
        a = resolve_compared(a_choice, a_key, edited)
        b = resolve_compared(b_choice, b_key, edited)
    except (sim.ScenarioError, library.LibraryError) as err:
        found = err.problems if isinstance(err, sim.ScenarioError) else [str(err)]
        st.error("Cannot compare:\n\n" + "\n".join(f"- `{p}`" for p in found))
        st.stop()
    if a is None or b is None:
        st.info("Upload the scenario file to compare.")
        st.stop()
    reps, seed = run_settings(a, "compare")
    res_a = run(a, reps, seed, label="Scenario A")
    res_b = run(b, reps, seed, label="Scenario B")
    labels = ("A", "B")
    st.subheader(f"A: {a_choice} · B: {b_choice}")
    st.caption(
        f"A is “{a.name}”, B is “{b.name}”: {reps} paired replications, seed {seed}. "
        "Tiles show B and its change from A."
    )
    diff = shaping.with_absent_as_zero(sim.compare(res_a, res_b), res_a, res_b)
    common = [c for c in a.channels if c in b.channels]
    tiles: list[tuple[str, Callable[..., str], Callable[[float, float], str], bool]] = [
        ("service_level", pct, pts, False),
        ("asa", duration, lambda d, c: duration(d, c, signed=True), True),
    ]
    for kpi, fmt, fmt_change, lower_is_better in tiles:
        cols = st.columns(max(len(common), 1))
        for col, name in zip(cols, common, strict=False):
            row = diff[(diff["channel"] == name) & (diff["kpi"] == kpi)].iloc[0]
            col.metric(
                f"{name} · {comparison.CHANNEL_KPIS[kpi][0]} B",
                fmt(row["whatif"]),
                delta=fmt_change(row["delta"], row["ci95"]),
                delta_color="inverse" if lower_is_better else "normal",
                border=True,
                help=f"A: {fmt(row['base'])}",
            )
    st.markdown("**Channels**: A, B and the paired change B - A")
    st.dataframe(
        comparison.side_by_side(
            diff, "channel", {**comparison.CHANNEL_KPIS, **shaping.channel_kpis(diff)}, labels
        ),
        hide_index=True,
        width="stretch",
        key="compare-channels",
    )
    st.markdown(
        "**Journeys**: one customer, one intent, every contact it took (effort targets "
        "as on the Journey map)"
    )
    st.dataframe(
        comparison.side_by_side(
            compare_journeys(res_a, res_b).assign(journeys="all customers"),
            "journeys",
            shaping.JOURNEY_KPIS,
            labels,
        ).drop(columns="journeys"),
        hide_index=True,
        width="stretch",
        key="compare-journeys",
    )
    st.markdown("**Agent groups**")
    st.dataframe(
        comparison.side_by_side(
            compare_groups(res_a, res_b), "group", comparison.GROUP_KPIS, labels
        ),
        hide_index=True,
        width="stretch",
        key="compare-groups",
    )
    compare_money(res_a, res_b, labels)
    left, right = st.columns(2)
    left.altair_chart(charts.service_level_pair(res_a, res_b, labels), width="stretch")
    waited = right.selectbox("Channel for waits", common, key="compare-wait-channel")
    right.altair_chart(
        charts.wait_pair(res_a, res_b, [waited] if waited else None, labels=labels),
        width="stretch",
    )
    st.subheader("Journey moves that changed")
    st.caption(
        "Moves per replication (one simulated day): a channel to another channel (a "
        "switch or a recontact), to itself (a redial), or to an outcome."
    )
    st.dataframe(
        comparison.changed_flows(compare_flows(res_a, res_b), labels),
        hide_index=True,
        width="stretch",
        key="compare-flows",
    )
    st.download_button(
        "Download B as YAML",
        b.to_yaml().encode(),
        file_name="scenario_b.yaml",
        mime="application/x-yaml",
        key="compare-download-b",
    )


# -- forecast -----------------------------------------------------------------------------
FORECAST_PATHS = 200  # sample paths behind the forecast's 80% / 95% bands
BACKTEST_PATHS = 100  # sample paths per backtest window (coverage of the bands)
DEFAULT_HORIZON_DAYS = 2
DEFAULT_BACKTEST_ORIGINS = 3
DEFAULT_PAGE_MODEL = "cal_ssm"  # the page's first forecast: one fit (auto backtests first)
DEFAULT_AS_OF = dt.time(12, 0)
UPDATE_KEY = "forecast-update"  # the intraday update chosen (read again when writing)
UPDATE_LABELS = {"level": "level", "transient": "level + transient"}


@st.cache_data(show_spinner=False, max_entries=16)
def _history(
    name: str, data: bytes | None, interval: int | None, country: str = forecast_view.NO_HOLIDAYS
) -> History:
    if data is None:
        hist = read_history(forecast_view.SHIPPED_HISTORY, interval_minutes=interval)
    else:
        hist = forecast_view.read_upload(name, data, interval_minutes=interval)
    return hist if country == forecast_view.NO_HOLIDAYS else with_holidays(hist, country)


@st.cache_data(show_spinner=False, max_entries=16)
def _forecast(_hist: History, key: str, model: str, horizon: int, seed: int) -> dict[str, Any]:
    from forecasting.forecast import forecast_series

    return forecast_series(
        _hist, model=model, horizon_days=horizon, n_paths=FORECAST_PATHS, seed=seed
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _backtest(_hist: History, key: str, origins: int, seed: int) -> pd.DataFrame:
    cv = backtest(
        _hist,
        forecast_view.BACKTEST_MODELS,
        horizon_days=1,
        n_windows=origins,
        n_paths=BACKTEST_PATHS,
        seed=seed,
    )
    return accuracy(cv)


@st.cache_data(show_spinner=False, max_entries=16)
def _intraday(
    _hist: History, key: str, as_of: str, channel: str, seed: int, update: str
) -> pd.DataFrame:
    return forecast_view.intraday_frame(
        _hist, pd.Timestamp(as_of), channel, n_paths=FORECAST_PATHS, seed=seed, update=update
    )


def forecast_history() -> tuple[History, str] | None:
    """The page's history (the upload, else the shipped one) at the chosen interval and
    its cache key; ``None`` (after an error naming the row / column) if unreadable."""
    left, middle, right = st.columns([3, 1, 1])
    upload = left.file_uploader(
        "History CSV (else the shipped Anonymous Bank 1999 calls)",
        type=["csv"],
        key="forecast-upload",
        help="Columns timestamp, channel, volume[, handle_time]; one row per interval.",
    )
    name, data = (
        (upload.name, upload.getvalue())
        if upload
        else (
            forecast_view.SHIPPED_HISTORY.name,
            None,
        )
    )
    try:
        first = _history(name, data, None)
        choices = forecast_view.interval_choices(first.interval_minutes)
        wanted = scenario().interval_minutes
        interval = right.selectbox(
            "Interval (min)",
            choices,
            index=choices.index(wanted) if wanted in choices else 0,
            key=f"forecast-interval-{name}",
            help="Aggregate the history to this interval; the scenario's when it can.",
        )
        countries = forecast_view.holiday_choices()
        default = forecast_view.SHIPPED_HOLIDAYS if data is None else forecast_view.NO_HOLIDAYS
        country = middle.selectbox(
            "Public holidays",
            countries,
            index=countries.index(default),
            key=f"forecast-holidays-{name}",
            help="This country's public holidays and their eves are left out of cal_ssm's "
            "and drift_ssm's training (as `ccsim forecast --holidays`).",
        )
        hist = _history(name, data, int(interval), str(country))
    except HistoryError as exc:
        st.error(f"Cannot read the history `{name}`: {exc}")
        return None
    digest = hashlib.sha256(data or b"shipped").hexdigest()[:16]
    return hist, f"{name}:{digest}:{interval}:{country}"


def page_forecast() -> None:
    """Forecast page: read a history (upload or shipped), its cleaning report, a quick
    backtest of the models, the forecast with 80% bands, the intraday reforecast of a
    chosen day, and the forecast written into the current scenario.

    The numbers are ``forecasting``'s (the API ``ccsim forecast`` runs) for the same
    history, model, horizon, paths and seed."""
    st.title("Forecast")
    st.caption(
        f"Volumes per interval from a history; bands from {FORECAST_PATHS} sample paths. "
        "A forecast written into the scenario is what the Simulate page then simulates."
    )
    flash = st.session_state.pop("forecast_flash", None)
    if flash:
        st.success(flash)
    found = forecast_history()
    if found is None:
        st.stop()
    hist, key = found
    st.subheader("Cleaning report")
    cols = st.columns(3)
    rep = hist.report
    cols[0].metric("days of history", f"{rep.days}", border=True)
    cols[1].metric("missing days (closed)", f"{len(rep.missing_days)}", border=True)
    cols[2].metric("gaps filled with 0", f"{rep.gap_intervals} intervals", border=True)
    with st.expander("The whole cleaning report"):
        st.dataframe(
            forecast_view.report_table(rep),
            hide_index=True,
            width="stretch",
            key="forecast-report",
        )

    left, mid, right, far = st.columns(4)
    names = list(MODELS)
    model = left.selectbox(
        "Model",
        names,
        index=names.index(DEFAULT_PAGE_MODEL),
        key="forecast-model",
        help="auto backtests every candidate before choosing (a few seconds more); "
        f"{DEFAULT_PAGE_MODEL} is the best single model on both banks' 1-week horizon.",
    )
    horizon = mid.number_input(
        "Horizon (open days)", 1, 31, DEFAULT_HORIZON_DAYS, key="forecast-horizon"
    )
    seed = right.number_input("Seed", 0, value=0, key="forecast-seed")
    origins = far.number_input(
        "Backtest origins",
        1,
        30,
        DEFAULT_BACKTEST_ORIGINS,
        key="forecast-origins",
        help="Rolling-origin cutoffs, each forecasting the next open day.",
    )
    with st.spinner("Forecasting"):
        series = _forecast(hist, key, model, int(horizon), int(seed))
    out = forecast_frame(series)
    forecast_results(hist, out)

    st.subheader("Backtest")
    st.caption(
        f"Each model refitted at {int(origins)} cutoffs and scored on the next open day: "
        "MASE (vs the weekly seasonal-naive error), WAPE, and how often the actuals fell "
        "inside the 80% and 95% bands."
    )
    if st.toggle(
        "Run the backtest",
        key="forecast-run-backtest",
        help="Refits every model at each origin: several seconds, so only on request.",
    ):
        with st.spinner("Backtesting"):
            acc = _backtest(hist, key, int(origins), int(seed))
        st.dataframe(acc, hide_index=True, width="stretch", key="forecast-backtest")

    as_of = forecast_intraday(hist, key, int(seed))
    forecast_write(hist, series, out, as_of, int(seed))


def forecast_results(hist: History, out: pd.DataFrame) -> None:
    """The forecast's tiles, chart, table and CSV download."""
    st.subheader("Forecast")
    channel = st.selectbox("Channel", list(hist.channels), key="forecast-channel")
    mine = out[out["channel"] == channel]
    days = sorted(set(pd.DatetimeIndex(mine["timestamp"]).date))
    cols = st.columns(3)
    cols[0].metric("forecast contacts", f"{mine['volume'].sum():,.0f}", border=True)
    cols[1].metric(f"first of {len(days)} forecast days", f"{days[0]:%a %d %b}", border=True)
    cols[2].metric("model", str(mine["model"].iloc[0]), border=True)
    special = special_days_within(hist, days)
    if special:
        st.caption(ordinary_days_note(special).replace("--holidays", "the holiday choice"))
    st.altair_chart(forecast_view.forecast_chart(hist, out, channel), width="stretch")
    with st.expander("Forecast by interval"):
        st.dataframe(out, hide_index=True, width="stretch", key="forecast-table")
    st.download_button(
        "forecast.csv",
        out.to_csv(index=False, float_format="%.3f", date_format="%Y-%m-%d %H:%M").encode(),
        file_name="forecast.csv",
        mime="text/csv",
        key="forecast-download",
    )


def forecast_intraday(hist: History, key: str, seed: int) -> pd.Timestamp | None:
    """The intraday reforecast of a chosen day as of a chosen time, vs its day-ahead
    forecast and (the day being in the history) what actually came; its time (None:
    no reforecast then)."""
    st.subheader("Intraday reforecast")
    st.caption(
        "The rest of a day re-estimated from its actuals so far (the day-ahead forecast "
        "times the day's updated level); the intervals before the time are the actuals."
    )
    if not st.toggle(
        "Reforecast a day",
        key="forecast-run-intraday",
        help="Fits the level update on the 15 days before the chosen one: a few seconds.",
    ):
        return None
    observed = sorted(set(pd.DatetimeIndex(hist.frame["timestamp"]).date))
    left, mid, right = st.columns(3)
    day = left.date_input(
        "Day", observed[-1], min_value=observed[0], max_value=observed[-1], key="forecast-day"
    )
    at = mid.time_input(
        "As of",
        DEFAULT_AS_OF,
        step=dt.timedelta(minutes=hist.interval_minutes),
        key="forecast-as-of",
    )
    channel = right.selectbox("Channel", list(hist.channels), key="forecast-intraday-channel")
    update = st.radio(
        "Update",
        UPDATES,
        format_func=UPDATE_LABELS.__getitem__,
        horizontal=True,
        key=UPDATE_KEY,
        help="level: one factor on the rest of the day from the morning's volumes; "
        "transient: that level plus a deviation that decays from the latest intervals "
        "(closer on the next hours; ccsim forecast --update transient).",
    )
    as_of = pd.Timestamp(dt.datetime.combine(day, at))
    try:
        with st.spinner("Reforecasting"):
            frame = _intraday(hist, key, str(as_of), channel, seed, update)
    except HistoryError as exc:
        st.warning(f"No reforecast: {exc}")
        return None
    sums = forecast_view.totals(frame)
    cols = st.columns(3)
    cols[0].metric("rest of day · day-ahead", f"{sums['rest day-ahead']:,.0f}", border=True)
    cols[1].metric(
        "rest of day · reforecast",
        f"{sums['rest reforecast']:,.0f}",
        delta=f"{sums['rest reforecast'] - sums['rest day-ahead']:+,.0f} vs day-ahead",
        delta_color="off",
        border=True,
    )
    cols[2].metric("rest of day · actual", f"{sums['rest actual']:,.0f}", border=True)
    st.altair_chart(forecast_view.intraday_chart(frame, as_of, channel), width="stretch")
    with st.expander("Rest of the day by interval"):
        st.dataframe(
            forecast_view.rest_of_day(frame).drop(columns=["seen"]),
            hide_index=True,
            width="stretch",
            key="forecast-intraday-table",
        )
    return as_of


def forecast_write(
    hist: History,
    series: dict[str, Any],
    out: pd.DataFrame,
    as_of: pd.Timestamp | None,
    seed: int,
) -> None:
    """Write the forecast's arrivals into the current scenario (``ccsim forecast
    --scenario --write-scenario``), or the reforecast's from its time on (``--as-of``),
    so the Simulate page simulates it."""
    st.subheader("Simulate this forecast")
    sc = scenario()
    fc_days = sorted(set(pd.DatetimeIndex(out["timestamp"]).date))
    left, mid, right = st.columns([2, 1, 1])
    day = left.selectbox(
        "First forecast day of the scenario",
        fc_days,
        key="forecast-write-day",
        help=f"The scenario's {sc.periods} periods run from {sc.start} on this day.",
    )
    mid.write("")
    right.write("")
    if mid.button("Write the forecast", type="primary", key="forecast-write"):
        try:
            new = forecast_view.scenario_from_forecast(sc, hist, series, day=day)
        except HistoryError as exc:
            st.error(f"Cannot fill “{sc.name}” with this forecast: {exc}")
            return
        set_scenario(new, f"{source()} + forecast from {day}")
        st.session_state["forecast_flash"] = (
            f"Wrote the forecast from {day} into “{new.name}”: the Simulate page simulates it."
        )
        st.rerun()
    if as_of is None:
        return
    if right.button(
        f"Write the reforecast from {as_of:%a %d %b %H:%M}",
        key="forecast-write-reforecast",
        help="The scenario's periods on that day: before then its own arrivals, from "
        "then on the reforecast (ccsim forecast --as-of --write-scenario).",
    ):
        try:
            with st.spinner("Reforecasting"):
                new = forecast_view.scenario_from_reforecast(
                    sc,
                    hist,
                    as_of,
                    n_paths=FORECAST_PATHS,
                    seed=seed,
                    update=st.session_state.get(UPDATE_KEY, UPDATES[0]),
                )
        except HistoryError as exc:
            st.error(f"Cannot fill “{sc.name}” with this reforecast: {exc}")
            return
        set_scenario(new, f"{source()} + reforecast as of {as_of:%Y-%m-%d %H:%M}")
        st.session_state["forecast_flash"] = (
            f"Wrote the reforecast as of {as_of:%Y-%m-%d %H:%M} into “{new.name}”: the "
            "Simulate page simulates it."
        )
        st.rerun()


# -- capacity plan ------------------------------------------------------------------------
SHIPPED_PLAN = SCENARIO_DIR / "capacity_plan.yaml"


@st.cache_data(show_spinner=False, max_entries=64)
def _capacity(plan_json: str, scenario_json: str) -> Capacity:
    plan = parse_capacity_plan(json.loads(plan_json))
    return capacity(plan, scenario=sim.parse_scenario(json.loads(scenario_json)))


def capacity_source() -> tuple[CapacityPlan, sim.Scenario] | None:
    """The plan (the upload, else the shipped one) and the scenario it reads: its
    ``scenario`` file (beside the shipped scenarios), or the current scenario."""
    left, right = st.columns([3, 1])
    upload = left.file_uploader(
        "Capacity plan YAML (else the shipped scenarios/capacity_plan.yaml)",
        type=["yaml", "yml"],
        key="capacity-upload",
    )
    current = right.checkbox(
        "Use the current scenario",
        key="capacity-current",
        help="Instead of the plan's `scenario` file: the scenario open in the app.",
    )
    try:
        if upload is None:
            plan = load_capacity_plan(SHIPPED_PLAN)
        else:
            data = read_yaml(upload.getvalue())
            plan = parse_capacity_plan(data, upload.name)
    except (CapacityError, NotText, yaml.YAMLError) as exc:
        msg = yaml_problem(exc) if isinstance(exc, yaml.YAMLError) else str(exc)
        st.error(f"Cannot read the capacity plan: {msg}")
        return None
    if current:
        return plan, scenario()
    try:
        return plan, load(SCENARIO_DIR / plan.scenario)
    except (sim.ScenarioError, OSError) as exc:
        st.error(
            f"Cannot open the plan's scenario `{plan.scenario}` (looked in {SCENARIO_DIR}): "
            f"{exc}. Tick **Use the current scenario** to plan with the open one."
        )
        return None


def capacity_inputs(plan: CapacityPlan) -> capacity_view.HeadlineInputs:
    """Widgets for the plan's headline inputs, starting at the plan's values."""
    own = capacity_view.headline(plan)
    key = f"capacity-{plan.name}"
    st.markdown("**Attrition** (% of FTE leaving per week)")
    cols = st.columns(max(len(own.attrition), 1))
    attrition = {
        g: col.number_input(
            g, 0.0, 99.0, rate * 100, step=0.1, format="%.2f", key=f"{key}-attrition-{g}"
        )
        / 100
        for col, (g, rate) in zip(cols, own.attrition.items(), strict=True)
    }
    st.markdown("**Hiring classes**")
    a, b, c = st.columns(3)
    smallest = a.number_input(
        "Smallest class (people)", 1, 500, own.min_class_size, key=f"{key}-min-class"
    )
    largest = b.number_input(
        "Largest class (people, 0: no cap)",
        0,
        500,
        own.max_class_size or 0,
        key=f"{key}-max-class",
    )
    training = c.number_input(
        "Training weeks", 0, plan.weeks, own.training_weeks, key=f"{key}-training"
    )
    shrinkage = {}
    if own.shrinkage:
        st.markdown(
            "**Shrinkage** (% of paid time, average over the weeks; a per-week category "
            "keeps its shape)"
        )
        cols = st.columns(len(own.shrinkage))
        shrinkage = {
            k: col.number_input(
                k, 0.0, 99.0, share * 100, step=0.5, format="%.2f", key=f"{key}-shrink-{k}"
            )
            / 100
            for col, (k, share) in zip(cols, own.shrinkage.items(), strict=True)
        }
    return capacity_view.HeadlineInputs(
        attrition=attrition,
        min_class_size=int(smallest),
        max_class_size=int(largest) or None,
        training_weeks=int(training),
        shrinkage=shrinkage,
    )


def page_capacity() -> None:
    """Capacity page: a capacity plan over weeks (``ccsim capacity``), its headline
    inputs editable, required vs available FTE per group, the suggested hiring classes
    and their cost, and the week x group table as CSV.

    The table is :func:`sim.present.capacity.capacity_table` of :func:`sim.capacity`
    for the edited plan and its scenario."""
    st.title("Capacity plan")
    st.caption(
        "Required FTE per week from the staffing calculator on the plan's scenario (a "
        "representative day) scaled to each week's volumes; available FTE after "
        "attrition, training and ramp-up; the classes that would close the gaps and the "
        "weekly cost (paid FTE x paid hours x wage)."
    )
    found = capacity_source()
    if found is None:
        st.stop()
    plan, sc = found
    try:
        edited = capacity_view.edited_plan(plan, capacity_inputs(plan))
        with st.spinner("Working out the plan"):
            result = _capacity(edited.model_dump_json(), json.dumps(sc.to_dict()))
    except CapacityError as exc:
        st.error(f"Cannot work out the plan: {exc}")
        st.stop()
    capacity_results(result)


def capacity_results(result: Capacity) -> None:
    """The worked-out plan: tiles per group, the chart, the classes, the table, CSV."""
    plan, table = result.plan, result.table
    st.subheader(f"{plan.name}: {plan.weeks} weeks from {plan.start}")
    st.caption(f"Scenario “{result.scenario.name}” x {plan.days_per_week:g} a week.")
    cols = st.columns(max(len(plan.groups), 1))
    for col, g in zip(cols, plan.groups, strict=True):
        mine = table[table["group"] == g]
        short = mine["gap_fte"].min()
        col.metric(
            f"{g} · largest gap",
            f"{short:+.1f} FTE",
            delta=f"{mine['gap_with_hiring_fte'].min():+.1f} with hiring",
            delta_color="off",
            border=True,
            help="available - required in the week it is lowest (negative: short)",
        )
    hired = result.classes[result.classes["source"] == "suggested"]
    left, mid, right = st.columns(3)
    left.metric("suggested classes", f"{len(hired)}", border=True)
    mid.metric("suggested hires", f"{hired['size'].sum():,.0f} FTE", border=True)
    right.metric(
        "cost with hiring",
        f"{table['cost_with_hiring'].sum():,.0f}",
        border=True,
        help=f"paid FTE x {plan.paid_hours_per_fte:g} h x {plan.wage_per_hour:g} per hour, "
        "summed over the weeks and groups",
    )
    for g, weeks in result.unreachable.items():
        if weeks:
            st.warning(
                f"{g}: short in week(s) {', '.join(map(str, weeks))}, too soon for a class "
                f"to finish {plan.training_weeks} weeks of training."
            )
    st.altair_chart(capacity_view.capacity_chart(result), width="content")
    st.markdown("**Hiring classes** (planned in the plan, suggested to close the gaps)")
    st.dataframe(result.classes, hide_index=True, width="stretch", key="capacity-classes")
    st.markdown("**Week by group**")
    st.dataframe(
        capacity_view.capacity_table(result),
        hide_index=True,
        width="stretch",
        key="capacity-table",
    )
    st.download_button(
        "capacity.csv",
        table.to_csv(index=False).encode(),
        file_name="capacity.csv",
        mime="text/csv",
        key="capacity-download",
    )


# -- scenario library ---------------------------------------------------------------------
def library_folder() -> Path:
    """The folder the library lists and saves in (default ``scenarios/``)."""
    return Path(str(st.session_state.get("library_folder", library.DEFAULT_FOLDER)))


def opened() -> dict[str, Any] | None:
    """The saved scenario last opened or saved: folder, name and its scenario."""
    found: dict[str, Any] | None = st.session_state.get("library_open")
    return found


def set_opened(folder: Path, name: str, sc: sim.Scenario) -> None:
    st.session_state["library_open"] = {"folder": str(folder), "name": name, "scenario": sc}


def library_status() -> str:
    """Which saved scenario is open and whether the current one has unsaved edits."""
    found = opened()
    if found is None:
        return f"Not saved in the library ({source()})."
    where = Path(found["folder"]) / f"{found['name']}{library.SUFFIX}"
    if found["scenario"] == scenario():
        return f"Open: **{found['name']}** (`{where}`), no unsaved edits."
    return f"Open: **{found['name']}** (`{where}`), **unsaved edits**."


def page_library() -> None:
    """Scenario library: save the current scenario under a name in a folder, and list,
    open, duplicate or delete the saved ones (plain YAML files ``ccsim`` reads)."""
    st.title("Scenario library")
    st.caption(
        "Saved scenarios are plain YAML files (`ccsim run FOLDER/NAME.yaml` runs one). "
        "Names use letters, digits, spaces, '-', '_' and '.'; nothing but regular files "
        "is ever written, replaced or deleted."
    )
    folder_text = st.text_input(
        "Folder",
        str(library_folder()),
        key="library-folder-input",
        help="Relative paths start from the folder the app was started in.",
    )
    st.session_state["library_folder"] = folder_text
    folder = library_folder()
    st.markdown(library_status())
    flash = st.session_state.pop("library_flash", None)
    if flash:
        st.success(flash)
    found = opened()

    library_save(folder, found)

    st.subheader("Saved scenarios")
    try:
        saved = library.listing(folder)
    except library.LibraryError as exc:
        st.error(str(exc))
        return
    if not saved:
        st.info(f"No scenarios saved in `{folder}` yet.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "name": [s.name for s in saved],
                "scenario": [s.title or "" for s in saved],
                "valid": ["yes" if not s.problems else "; ".join(s.problems[:2]) for s in saved],
            }
        ),
        hide_index=True,
        width="stretch",
        key="library-list",
    )
    library_actions(folder, [s.name for s in saved], found)


def library_save(folder: Path, found: dict[str, Any] | None) -> None:
    """The library page's save form: name, replace, Save."""
    st.subheader("Save the current scenario")
    left, mid, right = st.columns([3, 1, 1])
    default_name = found["name"] if found else sc_file_stem(scenario())
    name = left.text_input("Name", default_name, key=f"library-name-{revision()}")
    overwrite = mid.checkbox("Replace if it exists", value=bool(found), key="library-overwrite")
    if right.button("Save", type="primary", key="library-save"):
        try:
            path = library.save(scenario(), folder, name, overwrite=overwrite)
        except library.LibraryError as exc:
            st.error(str(exc))
        else:
            set_opened(folder, path.stem, scenario())
            st.session_state["library_flash"] = f"Saved `{path}`."
            st.rerun()


def library_actions(folder: Path, names: list[str], found: dict[str, Any] | None) -> None:
    """The library page's open, duplicate and delete buttons for one saved scenario."""
    picked = st.selectbox("Saved scenario", names, key="library-picked")
    cols = st.columns([1, 2, 1, 1, 1])
    if cols[0].button("Open", key="library-open"):
        try:
            sc = library.open_saved(folder, picked)
        except (sim.ScenarioError, library.LibraryError) as err:
            found_problems = err.problems if isinstance(err, sim.ScenarioError) else [str(err)]
            st.error("Cannot open:\n\n" + "\n".join(f"- `{p}`" for p in found_problems))
        else:
            set_scenario(sc, f"{picked}{library.SUFFIX}")
            set_opened(folder, picked, sc)
            st.rerun()
    copy_name = cols[1].text_input(
        "Duplicate as", f"{picked} copy", key=f"library-copy-{picked}", label_visibility="collapsed"
    )
    if cols[2].button("Duplicate", key="library-duplicate"):
        try:
            path = library.duplicate(folder, picked, copy_name)
        except (sim.ScenarioError, library.LibraryError) as err:
            st.error(str(err))
        else:
            st.session_state["library_flash"] = f"Copied to `{path}`."
            st.rerun()
    sure = cols[3].checkbox("Sure?", key=f"library-sure-{picked}", help="Tick to allow Delete.")
    if cols[4].button("Delete", key="library-delete", disabled=not sure):
        try:
            library.delete(folder, picked)
        except library.LibraryError as exc:
            st.error(str(exc))
        else:
            if found and found["name"] == picked and Path(found["folder"]) == folder:
                st.session_state.pop("library_open", None)
            st.rerun()


def sc_file_stem(sc: sim.Scenario) -> str:
    """A file name suggested for ``sc``: its name in lower case, words joined by '_'."""
    words = "".join(ch if ch.isalnum() else " " for ch in sc.name.lower()).split()
    return "_".join(words)[: library.MAX_NAME] or "scenario"


@dataclass(frozen=True)
class PageSpec:
    """One page of the app: its function and where the navigation shows it.

    To add a page, write ``page_<name>()`` above and add one entry to :data:`PAGES`
    (its place in the list is its place in the navigation)."""

    run: Callable[[], None]
    title: str
    icon: str
    url_path: str
    default: bool = False


# The app's pages in navigation order.
PAGES: list[PageSpec] = [
    PageSpec(page_simulate, "Simulate", ":material/monitoring:", "simulate", default=True),
    PageSpec(page_reallocation, "Reallocation explorer", ":material/swap_horiz:", "reallocation"),
    PageSpec(page_compare, "Compare", ":material/compare_arrows:", "compare"),
    PageSpec(page_journeys, "Journey map", ":material/route:", "journeys"),
    PageSpec(page_staffing, "Staffing", ":material/groups:", "staffing"),
    PageSpec(page_forecast, "Forecast", ":material/trending_up:", "forecast"),
    PageSpec(page_capacity, "Capacity plan", ":material/calendar_month:", "capacity"),
    PageSpec(page_optimise, "Optimise", ":material/tune:", "optimise"),
    PageSpec(page_scenario, "Scenario", ":material/edit_note:", "scenario"),
    PageSpec(page_library, "Scenario library", ":material/folder_open:", "library"),
]


def main() -> None:
    st.set_page_config(
        page_title="ccsim: contact-centre simulator",
        page_icon=":material/support_agent:",
        layout="wide",
    )
    start()
    page = st.navigation(
        [
            st.Page(p.run, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default)
            for p in PAGES
        ]
    )
    with st.sidebar:
        st.caption(f"Scenario: **{scenario().name}** ({source()})")
        st.caption(library_status())
        if st.session_state.get("start_problems"):
            st.warning("The start file was invalid; opened the default scenario instead.")
    page.run()


if __name__ == "__main__":  # `ccsim app` has streamlit run this file as __main__
    main()
