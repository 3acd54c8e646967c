"""Scenario page: pick or upload a scenario, edit it with live validation, download it.

Every edit is applied to the current scenario with ``Scenario.updated`` (field paths
of the file format), so the problems shown name the field exactly as the file does.
A valid edit becomes the current scenario; an invalid one is shown and nothing runs.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

import sim
from ui import editing, state

st.title("Scenario")
sc = state.scenario()
rev = state.revision()

# -- where the scenario comes from --------------------------------------------------------
files = state.scenario_files()
names = [p.name for p in files]
left, right = st.columns(2)
picked = left.selectbox(
    "Scenario file",
    names,
    index=names.index(state.source()) if state.source() in names else None,
    placeholder="(an uploaded or edited scenario)",
    key=f"scenario-file-{rev}",
)
if picked is not None and picked != state.source():
    state.set_scenario(state.load(files[names.index(picked)]), picked)
    st.rerun()
upload = right.file_uploader("…or upload a YAML file", type=["yaml", "yml"], key=f"upload-{rev}")
if upload is not None:
    try:
        state.set_scenario(state.parse_upload(upload.name, upload.getvalue()), upload.name)
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
    agents = st.data_editor(editing.per_period_table(sc, "agents"), key=f"agents-{rev}", height=300)
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
        "on": st.column_config.SelectboxColumn("on", options=["abandon", "unresolved"]),
        "to": st.column_config.SelectboxColumn("to", options=channel_names),
        "probability": st.column_config.NumberColumn("probability"),
        "delay distribution": st.column_config.SelectboxColumn(
            "delay distribution",
            options=["exponential", "fixed", "lognormal", "gamma", "weibull"],
        ),
        "delay (s)": st.column_config.NumberColumn("delay mean or fixed value (s)"),
    },
)
changes.update(editing.transition_changes(sc, transitions))

# -- validate -----------------------------------------------------------------------------
if changes:
    try:
        edited = sc.updated(changes)
    except sim.ScenarioError as err:
        state.set_problems(err.problems)
        status.error(
            "Not applied: the edit makes the scenario invalid, so nothing runs until it is "
            "fixed.\n\n" + "\n".join(f"- `{p}`" for p in err.problems)
        )
    else:
        state.set_scenario(edited, f"{state.source().removesuffix(' (edited)')} (edited)")
        st.rerun()
else:
    state.set_problems([])
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
