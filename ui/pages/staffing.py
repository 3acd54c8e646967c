"""Staffing page: analytic (Erlang) requirement per channel vs agents scheduled."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

import sim
from ui import charts, state
from ui.staffing import requirement_table

st.title("Staffing")
sc = state.scenario()
st.caption(
    "Agents each channel needs per interval to meet its service-level target if it "
    "were its own queue (Erlang A with the channel's mean patience, Erlang C when "
    "customers never abandon), against the agents scheduled in all groups. It ignores "
    "blending and channel switching: the simulation shows those."
)
if state.blocked():
    st.stop()


@st.cache_data(show_spinner=False, max_entries=16)
def _requirement(scenario_json: str, offered_json: str | None) -> pd.DataFrame:
    scenario = sim.parse_scenario(json.loads(scenario_json))
    offered = pd.read_json(offered_json, orient="split") if offered_json else None
    return requirement_table(scenario, offered)


with_hops = st.toggle(
    "Staff for the simulated offered load (includes redials and switches)",
    value=False,
    key="staffing-hops",
)
offered_json = None
if with_hops:
    res = state.run(sc, sc.replications, sc.seed)
    offered = res.intervals.query("kpi == 'offered'")[["period", "channel", "mean"]]
    offered_json = offered.to_json(orient="split", index=False)
with st.spinner("Solving Erlang requirements"):
    table = _requirement(json.dumps(sc.to_dict()), offered_json)

total = table.groupby("period", sort=True).agg(
    time=("time", "first"), required=("required", "sum"), scheduled=("scheduled", "first")
)
gap = total["scheduled"] - total["required"]
cols = st.columns(3)
cols[0].metric("peak requirement", f"{int(total['required'].max())} agents", border=True)
cols[1].metric("intervals short of staff", f"{int((gap < 0).sum())} of {len(total)}", border=True)
cols[2].metric(
    "agent-hours required vs scheduled",
    f"{total['required'].sum() * sc.interval_minutes / 60:,.0f} h",
    delta=f"{gap.sum() * sc.interval_minutes / 60:+,.0f} h scheduled",
    delta_color="off",
    border=True,
)
st.altair_chart(charts.staffing_requirement(table, sc.period_labels()), width="stretch")
wide = table.pivot(index="time", columns="channel", values="required").reindex(
    index=sc.period_labels(), columns=list(sc.channels)
)
wide["required"] = total.set_index("time")["required"]
wide["scheduled"] = total.set_index("time")["scheduled"]
wide["surplus"] = wide["scheduled"] - wide["required"]
st.dataframe(wide, width="stretch", key="staffing-table")
st.download_button(
    "staffing.csv", wide.to_csv().encode(), file_name="staffing.csv", mime="text/csv"
)
