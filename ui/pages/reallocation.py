"""Reallocation explorer: move N agents between groups for a window and see every channel.

Baseline and what-if run with the same seed and replications (common random
numbers), so each change is a paired difference with a tight 95% interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import sim
from sim.whatif import compare_flows, movable_agents, reallocate
from ui import charts, state
from ui.format import count, pct, pts, seconds, signed_seconds

SWEEP_POINTS = 7  # simulated values of N for the chart (the chosen N is always one)

st.title("Reallocation explorer")
sc = state.scenario()
st.caption(
    "Move agents from one group to another for a window of the day. Baseline and "
    "what-if see the same customers (same seed and replications), so the changes "
    "are paired; ± is the 95% confidence interval of the change."
)
if state.blocked():
    st.stop()
if len(sc.groups) < 2:
    st.info("This scenario has a single agent group: there is nowhere to move agents to.")
    st.stop()

rev = state.revision()
groups = list(sc.groups)
labels = sc.period_labels()
ends = [*labels[1:], "end"]
c1, c2, c3 = st.columns([1, 1, 2])
source = c1.selectbox("From group", groups, index=0, key=f"realloc-source-{rev}")
destination = c2.selectbox(
    "To group", [g for g in groups if g != source], index=0, key=f"realloc-destination-{rev}"
)
window = c3.select_slider(
    "Window (interval starts)",
    options=[*labels, "end"],
    value=(labels[0], "end"),
    key=f"realloc-window-{rev}",
    help="Agents move from the first interval up to (not including) the second.",
)
start = labels.index(window[0])
end = sc.periods if window[1] == "end" else labels.index(window[1])
if end <= start:
    st.warning("Pick a window at least one interval long.")
    st.stop()
most = movable_agents(sc, source, start, end)
moved = st.slider(
    f"Agents moved (0 to {most}: the fewest {source} agents scheduled in the window)",
    min_value=0,
    max_value=most,
    value=most // 2,
    key=f"realloc-agents-{rev}-{source}-{start}-{end}",
)
reps, seed = state.run_settings(sc, "realloc")

whatif_sc = reallocate(sc, source, destination, moved, start, end)
base = state.run(sc, reps, seed, label="Baseline")
whatif = state.run(whatif_sc, reps, seed, label="What-if")
st.session_state["whatif"] = {
    "scenario": whatif_sc,
    "label": f"{moved} agents {source} → {destination}, {labels[start]}-{window[1]}",
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
    f"Moving {moved} agents from {source} to {destination}, {labels[start]} to {window[1]}"
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
        seconds(asa["whatif"]),
        delta=signed_seconds(asa["delta"], asa["ci95"]),
        delta_color="inverse",
        border=True,
        help=f"baseline {seconds(asa['base'])}",
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
    point = state.run(reallocate(sc, source, destination, int(n), start, end), reps, seed)
    levels = point.channels.query("kpi == 'service_level'")
    points.append(levels.assign(agents=int(n))[["agents", "channel", "mean", "ci95"]])
    sweep_bar.progress((i + 1) / len(grid), text=f"Sweeping agents moved: {i + 1} of {len(grid)}")
sweep_bar.empty()
sweep = pd.concat(points, ignore_index=True)
st.altair_chart(
    charts.service_level_vs_moved(sweep, sc, moved, source, destination), width="stretch"
)

KPIS = {
    "service_level": ("service level", pct, pts),
    "asa": ("ASA", seconds, signed_seconds),
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
                count(d, c, signed=True) for d, c in zip(flows["delta"], flows["ci95"], strict=True)
            ],
        }
    ),
    hide_index=True,
    width="stretch",
    key="realloc-flows",
)
