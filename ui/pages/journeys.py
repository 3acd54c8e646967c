"""Journey map: channel-to-channel flows and outcomes as a graph, and the commonest paths."""

from __future__ import annotations

import streamlit as st

from sim.paths import journey_paths
from ui import state
from ui.format import pct
from ui.journey_map import flows_dot

st.title("Journey map")
sc = state.scenario()
st.caption(
    "Every journey is one customer with one intent, possibly several contacts on "
    "several channels. Arrow widths grow with volume; numbers are journeys per "
    "replication (one simulated day)."
)
if state.blocked():
    st.stop()

whatif = st.session_state.get("whatif")
options = ["Current scenario"] + ([f"What-if: {whatif['label']}"] if whatif else [])
choice = st.radio("Show", options, horizontal=True, key="journeys-which")
shown = whatif["scenario"] if whatif and choice != options[0] else sc
reps, seed = state.run_settings(sc, "journeys")
res = state.run(shown, reps, seed, keep_runs=True)

new_rows = res.channels.query("kpi == 'new'")
new = {str(c): float(v) for c, v in zip(new_rows["channel"], new_rows["mean"], strict=True)}
st.graphviz_chart(flows_dot(res.flows, list(shown.channels), new), width="stretch")

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
