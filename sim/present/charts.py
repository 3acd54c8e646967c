"""Altair charts of results (no streamlit): every chart takes result tables, returns a chart.

Bands are 95% confidence intervals over replications, clipped to the KPI's range
(:func:`sim.measure.kpi.kpi_range`: shares in [0, 1], counts, queue lengths and durations
>= 0); dashed rules are targets.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

import sim
from sim.measure.kpi import kpi_range
from sim.present.display import duration_unit

__all__ = [
    "agents_by_interval",
    "kpi_by_interval",
    "service_level_by_interval",
    "service_level_pair",
    "tick_labels",
    "time_x",
    "wait_pair",
    "rule_events_by_interval",
    "service_level_vs_moved",
    "staffing_plans",
    "staffing_requirement",
    "volumes_by_interval",
]

HEIGHT = 260
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
AnyChart = alt.Chart | alt.LayerChart | alt.FacetChart


MOST_TICKS = 8
"""Most clock labels on a time axis: few enough to stand upright on a half-width chart."""
TICK_HOURS = (1, 2, 3, 4, 6, 12, 24)
"""Spacings (hours) a time axis may label, the closest that fits first."""
TARGET = "target"
"""The legend entry of the dashed target rules."""


def _minutes(label: str) -> int:
    """Clock minutes of a period label: ``08:30``, or over several days ``Mon 08:30``."""
    h, m = label.rsplit(" ", 1)[-1].split(":")
    return int(h) * 60 + int(m)


def tick_labels(labels: list[str], most: int = MOST_TICKS) -> list[str]:
    """The clock labels a time axis shows: on the hour, every 1, 2, 3, ... hours, the
    closest spacing that gives at most ``most`` labels (all labels when they are few)."""
    if len(labels) <= most:
        return list(labels)
    for hours in TICK_HOURS:
        chosen = [t for t in labels if _minutes(t) % (hours * 60) == 0]
        if 0 < len(chosen) <= most:
            return chosen
    step = -(-len(labels) // most)
    return list(labels[::step])


def time_x(labels: list[str]) -> alt.X:
    """The x axis of every per-interval chart: interval starts in clock time, upright
    labels on whole hours (:func:`tick_labels`)."""
    return alt.X(
        "time:O",
        title="interval start (clock time)",
        sort=labels,
        axis=alt.Axis(values=tick_labels(labels), labelAngle=0, labelOverlap=True),
    )


def _target_rules(sc: sim.Scenario, color: alt.Color) -> alt.Chart:
    """Dashed target lines in the channels' colours, with a "target" legend entry."""
    return (
        alt.Chart(_targets(sc).assign(line=TARGET))
        .mark_rule()
        .encode(
            y="target:Q",
            color=color,
            strokeDash=alt.StrokeDash(
                "line:N",
                title="",
                scale=alt.Scale(domain=[TARGET], range=[[6, 4]]),
                legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2),
            ),
            tooltip=["channel", alt.Tooltip("target:Q", format=".0%", title="target")],
        )
    )


def _targets(sc: sim.Scenario) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"channel": n, "target": ch.service_level.target}
            for n, ch in sc.channels.items()
            if ch.service_level is not None
        ],
        columns=["channel", "target"],
    )


def _colour(field: str, names: list[str], *, filled: bool = False) -> alt.Color:
    """Distinct, stable colours per channel or group (same colour on every chart).

    The legend shows lines, or squares for ``filled`` marks (areas have no stroke).
    """
    scale = alt.Scale(domain=names, range=PALETTE[: len(names)] or PALETTE)
    if filled:
        key = alt.Legend(symbolType="square", symbolOpacity=1)
    else:
        key = alt.Legend(symbolType="stroke", symbolOpacity=1, symbolStrokeWidth=3)
    return alt.Color(f"{field}:N", scale=scale, sort=names, title=field, legend=key)


def _band(df: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """``df`` with ``low`` and ``high``: mean ± ci95, clipped to the values ``kpi`` can take.

    (A symmetric t interval over few replications can cross 0 or 1; the KPI cannot.)
    """
    ci = df["ci95"].fillna(0.0)
    low, high = kpi_range(kpi)
    return df.assign(
        low=(df["mean"] - ci).clip(lower=low, upper=high),
        high=(df["mean"] + ci).clip(lower=low, upper=high),
    )


# mean service level on a percent axis that need not start at 0
_SL_AXIS = alt.Y(
    "mean:Q", title="service level", axis=alt.Axis(format="%"), scale=alt.Scale(zero=False)
)


Periods = Sequence[int] | None
"""The periods a per-interval chart shows (e.g. one day of a week); ``None``: all."""


def _only(df: pd.DataFrame, periods: Periods) -> pd.DataFrame:
    return df if periods is None else df[df["period"].isin(list(periods))]


def _labels(sc: sim.Scenario, periods: Periods) -> list[str]:
    labels = sc.period_labels()
    return labels if periods is None else [labels[p] for p in periods]


def service_level_by_interval(result: sim.Result, periods: Periods = None) -> AnyChart:
    """Service level per interval and channel, with CI bands and dashed target lines."""
    sc = result.scenario
    df = _band(_only(result.intervals, periods).query("kpi == 'service_level'"), "service_level")
    x = time_x(_labels(sc, periods))
    color = _colour("channel", list(sc.channels))
    band = alt.Chart(df).mark_area(opacity=0.15).encode(x=x, y="low:Q", y2="high:Q", color=color)
    line = (
        alt.Chart(df)
        .mark_line(point=False)
        .encode(
            x=x,
            y=_SL_AXIS,
            color=color,
            tooltip=["time", "channel", alt.Tooltip("mean:Q", format=".1%", title="SL")],
        )
    )
    rules = _target_rules(sc, color)
    return alt.layer(line, band, rules).properties(height=HEIGHT, title="Service level by interval")


def kpi_by_interval(
    result: sim.Result, kpi: str, title: str, y_title: str, periods: Periods = None
) -> AnyChart:
    """Any per-interval channel KPI (e.g. queue_length) as lines with CI bands."""
    sc = result.scenario
    df = _band(_only(result.intervals, periods).query("kpi == @kpi"), kpi)
    x = time_x(_labels(sc, periods))
    color = _colour("channel", list(sc.channels))
    band = alt.Chart(df).mark_area(opacity=0.15).encode(x=x, y="low:Q", y2="high:Q", color=color)
    line = (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=x,
            y=alt.Y("mean:Q", title=y_title),
            color=color,
            tooltip=["time", "channel", alt.Tooltip("mean:Q", format=".2f")],
        )
    )
    return alt.layer(line, band).properties(height=HEIGHT, title=title)


def volumes_by_interval(result: sim.Result, channel: str, periods: Periods = None) -> AnyChart:
    """Offered, answered and abandoned contacts per interval on one channel."""
    sc = result.scenario
    df = _only(result.intervals, periods).query(
        "channel == @channel and kpi in ['offered', 'answered', 'abandoned']"
    )
    return (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=time_x(_labels(sc, periods)),
            y=alt.Y("mean:Q", title="contacts per interval"),
            color=alt.Color(
                "kpi:N",
                title="contacts",
                legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=3, symbolOpacity=1),
                sort=["offered", "answered", "abandoned"],
                scale=alt.Scale(
                    domain=["offered", "answered", "abandoned"],
                    range=["#1f77b4", "#2ca02c", "#d62728"],
                ),
            ),
            tooltip=["time", "kpi", alt.Tooltip("mean:Q", format=".1f")],
        )
        .properties(height=HEIGHT, title=f"{channel}: offered vs answered vs abandoned")
    )


def agents_by_interval(result: sim.Result, periods: Periods = None) -> AnyChart:
    """Agents scheduled vs busy (mean agents working on contacts) per group and interval."""
    sc = result.scenario
    df = (
        _only(result.group_intervals, periods)
        .query("kpi in ['scheduled', 'busy_agents']")
        .replace({"kpi": {"scheduled": "scheduled", "busy_agents": "busy"}})
    )
    return (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=time_x(_labels(sc, periods)),
            y=alt.Y("mean:Q", title="agents"),
            color=_colour("group", list(sc.groups)),
            strokeDash=alt.StrokeDash(
                "kpi:N",
                title="agents",
                sort=["scheduled", "busy"],
                scale=alt.Scale(domain=["scheduled", "busy"], range=[[1, 0], [4, 3]]),
                legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2),
            ),
            tooltip=["time", "group", "kpi", alt.Tooltip("mean:Q", format=".1f")],
        )
        .properties(height=HEIGHT, title="Agents scheduled vs busy")
    )


def rule_events_by_interval(
    result: sim.Result, kpi: str = "fired", periods: Periods = None
) -> AnyChart:
    """One shaping-rule KPI (``fired``, ``offered``, ``accepted``, ``deflected``,
    ``reprioritised_minutes``) per interval and rule, means per replication, with CI
    bands; an empty chart without rules."""
    sc = result.scenario
    ri = result.rule_intervals
    df = pd.DataFrame(columns=["period", "time", "rule", "kpi", "mean", "ci95", "n"])
    if ri is not None:
        df = _band(_only(ri, periods).query("kpi == @kpi"), kpi)
    names = list(dict.fromkeys(df["rule"]))
    x = time_x(_labels(sc, periods))
    color = alt.Color(
        "rule:N",
        scale=alt.Scale(domain=names, range=PALETTE[: len(names)] or PALETTE),
        legend=alt.Legend(orient="bottom", symbolType="stroke", labelLimit=400, columns=1),
    )
    line = (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=x,
            y=alt.Y("mean:Q", title=f"{kpi.replace('_', ' ')} per interval"),
            color=color,
            tooltip=["time", "rule", alt.Tooltip("mean:Q", format=".2f")],
        )
    )
    band = alt.Chart(df).mark_area(opacity=0.15).encode(x=x, y="low:Q", y2="high:Q", color=color)
    return alt.layer(line, band).properties(
        height=HEIGHT, title=f"Shaping rules: {kpi.replace('_', ' ')} by interval"
    )


def service_level_vs_moved(
    sweep: pd.DataFrame, sc: sim.Scenario, moved: int, source: str, destination: str
) -> AnyChart:
    """Every channel's service level against the number of agents moved.

    ``sweep`` has columns ``agents, channel, mean, ci95`` (service level).
    """
    df = _band(sweep, "service_level")
    x = alt.X(
        "agents:Q",
        title=f"agents moved from {source} to {destination}",
        axis=alt.Axis(format="d", tickMinStep=1),
    )
    color = _colour("channel", list(sc.channels))
    band = alt.Chart(df).mark_area(opacity=0.15).encode(x=x, y="low:Q", y2="high:Q", color=color)
    line = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=x,
            y=_SL_AXIS,
            color=color,
            tooltip=[
                "agents",
                "channel",
                alt.Tooltip("mean:Q", format=".1%", title="SL"),
                alt.Tooltip("ci95:Q", format=".1%", title="± 95% CI"),
            ],
        )
    )
    targets = _target_rules(sc, color)
    now = alt.Chart(pd.DataFrame({"agents": [moved]})).mark_rule(color="gray").encode(x="agents:Q")
    return alt.layer(line, band, targets, now).properties(
        height=HEIGHT + 40, title="Service level vs agents moved"
    )


def staffing_requirement(
    table: pd.DataFrame, labels: list[str], *, agents: str = "scheduled"
) -> AnyChart:
    """Required agents per channel (stacked) against the agents the scenario has.

    ``table`` has columns ``time, channel, required`` and ``time, scheduled`` (agents
    in all groups). ``agents`` names how both are counted (e.g. ``scheduled`` or
    ``productive``), for the title.
    """
    x = time_x(labels)
    req = table.dropna(subset=["channel"])
    sched = (
        table.dropna(subset=["scheduled"]).drop_duplicates("time").assign(line=f"{agents} agents")
    )
    area = (
        alt.Chart(req)
        .mark_area(opacity=0.7)
        .encode(
            x=x,
            y=alt.Y("required:Q", stack="zero", title=f"{agents} agents"),
            color=_colour("channel", list(dict.fromkeys(req["channel"])), filled=True),
            tooltip=["time", "channel", "required"],
        )
    )
    line = (
        alt.Chart(sched)
        .mark_line(color="black", strokeWidth=2)
        .encode(
            x=x,
            y="scheduled:Q",
            strokeDash=alt.StrokeDash(
                "line:N",
                title="the scenario has",
                scale=alt.Scale(domain=[f"{agents} agents"], range=[[1, 0]]),
                legend=alt.Legend(
                    symbolType="stroke", symbolStrokeColor="black", symbolStrokeWidth=2
                ),
            ),
            tooltip=["time", alt.Tooltip("scheduled:Q", title=agents)],
        )
    )
    return alt.layer(area, line).properties(
        height=HEIGHT + 40, title=f"Erlang requirement per channel (stacked) vs {agents} agents"
    )


PLAN_COLOURS = {"optimised": "#1f77b4", "Erlang": "#ff7f0e", "today": "#555555"}
"""Colours of the staffing plans on the optimise page's chart."""


def staffing_plans(table: pd.DataFrame, labels: list[str], group: str) -> AnyChart:
    """One group's scheduled agents per interval: the simulation optimiser's plan,
    per-channel Erlang's and today's schedule, one line each with a legend.

    ``table`` is :func:`sim.present.planning.staffing_comparison`'s."""
    sub = table[table["group"] == group]
    long = pd.concat(
        [
            sub[["time", col]].rename(columns={col: "agents"}).assign(plan=name)
            for col, name in (("optimised", "optimised"), ("erlang", "Erlang"), ("today", "today"))
        ],
        ignore_index=True,
    )
    names = list(PLAN_COLOURS)
    return (
        alt.Chart(long)
        .mark_line(interpolate="step-after")
        .encode(
            x=time_x(labels),
            y=alt.Y("agents:Q", title="scheduled agents"),
            color=alt.Color(
                "plan:N",
                title="plan",
                sort=names,
                scale=alt.Scale(domain=names, range=list(PLAN_COLOURS.values())),
                legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=3, symbolOpacity=1),
            ),
            strokeDash=alt.StrokeDash(
                "plan:N",
                sort=names,
                scale=alt.Scale(domain=names, range=[[1, 0], [6, 3], [2, 2]]),
                legend=None,
            ),
            tooltip=["time", "plan", "agents"],
        )
        .properties(height=HEIGHT, title=f"{group}: scheduled agents per interval")
    )


def service_level_pair(
    a: sim.Result, b: sim.Result, labels: tuple[str, str] = ("A", "B")
) -> AnyChart:
    """Service level per interval of two runs: one colour per channel, A solid and B
    dashed (both in the legend), dashed target rules omitted for clarity."""
    sc = a.scenario
    names = [c for c in sc.channels if c in b.scenario.channels]
    frames = [
        r.intervals[
            (r.intervals["kpi"] == "service_level") & r.intervals["channel"].isin(names)
        ].assign(scenario=label)
        for r, label in zip((a, b), labels, strict=True)
    ]
    df = pd.concat(frames, ignore_index=True)
    return (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=time_x(sc.period_labels()),
            y=_SL_AXIS,
            color=_colour("channel", names),
            strokeDash=_scenario_dash(labels),
            tooltip=[
                "time",
                "channel",
                "scenario",
                alt.Tooltip("mean:Q", format=".1%", title="SL"),
            ],
        )
        .properties(height=HEIGHT, title="Service level by interval: A solid, B dashed")
    )


def _scenario_dash(labels: tuple[str, str]) -> alt.StrokeDash:
    """Scenario A solid, B dashed, with a legend of line swatches."""
    return alt.StrokeDash(
        "scenario:N",
        title="scenario",
        sort=list(labels),
        scale=alt.Scale(domain=list(labels), range=[[1, 0], [6, 3]]),
        legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2),
    )


def wait_pair(
    a: sim.Result,
    b: sim.Result,
    channels: list[str] | None = None,
    kpi: str = "asa",
    labels: tuple[str, str] = ("A", "B"),
) -> AnyChart:
    """A duration KPI (ASA by default) per interval of two runs, in the unit a planner
    reads (:func:`sim.present.display.duration_unit` of the largest value: s, min or
    h, named in the axis title); one colour per channel, A solid and B dashed.

    ``channels``: the channels drawn (default: all both runs have); channels of very
    different waits (voice in seconds, email in hours) read best one at a time."""
    sc = a.scenario
    names = [
        c for c in sc.channels if c in b.scenario.channels and (channels is None or c in channels)
    ]
    frames = [
        r.intervals[(r.intervals["kpi"] == kpi) & r.intervals["channel"].isin(names)].assign(
            scenario=label
        )
        for r, label in zip((a, b), labels, strict=True)
    ]
    df = pd.concat(frames, ignore_index=True)
    unit, per = duration_unit(float(df["mean"].max()) if df["mean"].notna().any() else 0.0)
    df = df.assign(value=df["mean"] / per)
    name = {"asa": "ASA", "mean_wait": "mean wait"}.get(kpi, kpi)
    return (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=time_x(sc.period_labels()),
            y=alt.Y("value:Q", title=f"{name} ({unit})"),
            color=_colour("channel", list(sc.channels)),
            strokeDash=_scenario_dash(labels),
            tooltip=[
                "time",
                "channel",
                "scenario",
                alt.Tooltip("value:Q", format=".1f", title=f"{name} ({unit})"),
            ],
        )
        .properties(height=HEIGHT, title=f"{name} by interval ({unit}): A solid, B dashed")
    )
