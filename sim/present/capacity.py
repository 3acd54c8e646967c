"""The capacity plan for people (no streamlit): a display table and an Altair chart.

For the app's capacity page and ``ccsim capacity --chart``: :func:`capacity_table`
gives the week x group table with readable column names, :func:`capacity_chart` the
required vs available FTE per week, one panel per group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from sim.config.capacity import CapacityPlan, parse_capacity_plan
from sim.plan.capacity import Capacity

__all__ = [
    "SERIES",
    "HeadlineInputs",
    "capacity_chart",
    "capacity_table",
    "edited_plan",
    "headline",
]

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


SAME_SHARE = 1e-9
"""Shares closer than this are the same share."""


@dataclass(frozen=True)
class HeadlineInputs:
    """The inputs the app's capacity page edits.

    ``attrition`` group -> share of FTE leaving per week; ``min_class_size`` /
    ``max_class_size`` (people; ``None``: no cap) and ``training_weeks`` of the hiring
    classes; ``shrinkage`` category -> its average share of paid time over the weeks.
    """

    attrition: Mapping[str, float]
    min_class_size: int
    max_class_size: int | None
    training_weeks: int
    shrinkage: Mapping[str, float]


def _mean(values: float | tuple[float, ...]) -> float:
    series = values if isinstance(values, tuple) else (values,)
    return sum(series) / len(series)


def headline(plan: CapacityPlan) -> HeadlineInputs:
    """The plan's own headline inputs (what the page's widgets start at)."""
    return HeadlineInputs(
        attrition={g: gp.attrition_per_week for g, gp in plan.groups.items()},
        min_class_size=plan.hiring.min_class_size,
        max_class_size=plan.hiring.max_class_size,
        training_weeks=plan.training_weeks,
        shrinkage={k: _mean(v) for k, v in plan.shrinkage.items()},
    )


def _scaled(values: float | tuple[float, ...], mean: float) -> float | tuple[float, ...]:
    """``values`` with average ``mean``: a number becomes ``mean``; a per-week series is
    scaled by ``mean / its average`` (its shape kept), or flat if it was all 0; kept
    as it is when ``mean`` is its average to within :data:`SAME_SHARE` (a widget's
    round trip through percent)."""
    if abs(mean - _mean(values)) < SAME_SHARE:
        return values
    if not isinstance(values, tuple):
        return mean
    old = _mean(values)
    if old == 0:
        return tuple(mean for _ in values)
    return tuple(v * mean / old for v in values)


def edited_plan(plan: CapacityPlan, inputs: HeadlineInputs) -> CapacityPlan:
    """``plan`` with the headline ``inputs``, validated again (raises
    :class:`~sim.config.capacity.CapacityError` naming the field, e.g. shrinkage
    adding up to 1 or more in a week). A per-week shrinkage category is scaled to its
    new average, so its week-to-week shape (holiday peaks) is kept."""
    data: dict[str, Any] = plan.model_dump()
    for g, rate in inputs.attrition.items():
        old = plan.groups[g].attrition_per_week
        data["groups"][g]["attrition_per_week"] = old if abs(rate - old) < SAME_SHARE else rate
    data["hiring"]["min_class_size"] = inputs.min_class_size
    data["hiring"]["max_class_size"] = inputs.max_class_size
    data["training_weeks"] = inputs.training_weeks
    for k, mean in inputs.shrinkage.items():
        data["shrinkage"][k] = _scaled(plan.shrinkage[k], mean)
    return parse_capacity_plan(data, plan.name)
