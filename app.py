"""ccsim in the browser: ``make app`` (or ``streamlit run app.py -- SCENARIO.yaml``).

A thin layer over the Python API: the pages in ``ui/pages/`` read the current
scenario from the session, run it through cached simulations and draw the results.
"""

from __future__ import annotations

import streamlit as st

from ui import state

st.set_page_config(
    page_title="ccsim: contact-centre simulator",
    page_icon=":material/support_agent:",
    layout="wide",
)
state.start()

PAGES = [
    st.Page(
        "ui/pages/simulate.py",
        title="Simulate",
        icon=":material/monitoring:",
        url_path="simulate",
        default=True,
    ),
    st.Page(
        "ui/pages/reallocation.py",
        title="Reallocation explorer",
        icon=":material/swap_horiz:",
        url_path="reallocation",
    ),
    st.Page(
        "ui/pages/journeys.py", title="Journey map", icon=":material/route:", url_path="journeys"
    ),
    st.Page(
        "ui/pages/staffing.py", title="Staffing", icon=":material/groups:", url_path="staffing"
    ),
    st.Page(
        "ui/pages/scenario.py", title="Scenario", icon=":material/edit_note:", url_path="scenario"
    ),
]
page = st.navigation(PAGES)
with st.sidebar:
    st.caption(f"Scenario: **{state.scenario().name}** ({state.source()})")
    if st.session_state.get("start_problems"):
        st.warning("The start file was invalid; opened the default scenario instead.")
page.run()
