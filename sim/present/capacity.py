"""The capacity plan for people (no streamlit): a display table and an Altair chart.

For the app's capacity page and ``ccsim capacity --chart``: :func:`capacity_table`
gives the week x group table with readable column names, :func:`capacity_chart` the
required vs available FTE per week, one panel per group.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from sim.plan.capacity import Capacity

__all__ = ["SERIES", "capacity_chart", "capacity_table"]

SERIES = {
    "required_fte": "required",
    "available_fte": "available (planned hires)",
    "available_with_hiring_fte": "available (with suggested hiring)",
}
"""The chart's lines: table column -> legend label."""

HEIGHT = 180

_SHOWN = {
    "week": "week",
    "week_start": "week start",
    "group": "group",
    "required_fte": "required FTE",
    "available_fte": "available FTE",
    "gap_fte": "gap FTE",
    "in_training_fte": "in training FTE",
    "suggested_start_fte": "suggested class FTE",
    "available_with_hiring_fte": "available with hiring FTE",
    "gap_with_hiring_fte": "gap with hiring FTE",
    "cost_with_hiring": "cost with hiring",
}


def capacity_table(result: Capacity) -> pd.DataFrame:
    """One row per week and group: required, available, gap (FTE, one decimal), the
    suggested classes starting that week and the weekly cost with them."""
    t = result.table[list(_SHOWN)].rename(columns=_SHOWN)
    return t.round({c: 1 for c in t.columns if c.endswith("FTE")} | {"cost with hiring": 0})


def capacity_chart(result: Capacity) -> alt.FacetChart:
    """Required vs available FTE per week (one row of panels per group): available
    with the planned hires, and with the suggested classes."""
    long = result.table.melt(
        id_vars=["week", "week_start", "group"],
        value_vars=list(SERIES),
        var_name="series",
        value_name="fte",
    )
    long["series"] = long["series"].map(SERIES)
    long["week_start"] = pd.to_datetime(long["week_start"])
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("week_start:T", title="week starting"),
            y=alt.Y("fte:Q", title="FTE", scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", sort=list(SERIES.values()), title=None),
            strokeDash=alt.StrokeDash("series:N", sort=list(SERIES.values()), legend=None),
            tooltip=["week", "week_start:T", "group", "series", alt.Tooltip("fte:Q", format=".1f")],
        )
        .properties(height=HEIGHT, width=560)
        .facet(row=alt.Row("group:N", title=None))
        .resolve_scale(y="independent")
        .properties(title=f"{result.plan.name}: required vs available FTE")
    )
