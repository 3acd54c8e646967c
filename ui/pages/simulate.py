"""Simulate page: KPI tiles per channel and group, charts by interval, CSV downloads."""

from __future__ import annotations

import streamlit as st

from ui import charts, state
from ui.format import pct, seconds

st.title("Simulate")
sc = state.scenario()
st.caption(
    f"{sc.name}: {len(sc.channels)} channels, {len(sc.groups)} agent groups, "
    f"{sc.periods} intervals of {sc.interval_minutes} min from {sc.start}. "
    "Figures are means over replications with 95% confidence intervals."
)
if state.blocked():
    st.stop()

reps, seed = state.run_settings(sc, "simulate")
res = state.run(sc, reps, seed)
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
    cols[1].metric(f"{name} · ASA", seconds(asa, asa_ci), border=True)
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
channel = left.selectbox("Channel for volumes", list(sc.channels), key="simulate-volume-channel")
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
