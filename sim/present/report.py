"""The manager's staffing report: one self-contained HTML page (and a PNG per chart).

Charts (Altair, rendered to PNG by ``vl-convert-python``, so the page needs no
JavaScript, no network and no app to read):

required_vs_scheduled
    agents per interval per group: scheduled (the scenario) against required
    (per-channel Erlang split over the groups, or the simulation optimiser's answer).
service_level
    simulated service level per interval by channel, against the channel's target.
occupancy
    simulated occupancy per interval by group (and the cap, when one is given).
reallocation
    the cost of a reallocation: the paired change in service level per channel, with
    95% intervals, when a what-if scenario is compared with the baseline (common
    random numbers); shown only with a what-if.
journey_flows
    journey steps: contacts on each channel followed by a contact on another channel,
    or by the journey's outcome (resolved, lost, ...), per day.

A scenario with ``costs`` adds a money table (cost, wages, cost of abandonment, cost
per contact, net), and with a what-if that also has costs, its paired money change.

The page is dated and names the scenario, the seed and the replications.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from sim.config.outputs import staged_outputs
from sim.config.scenario import Scenario
from sim.measure.results import Result
from sim.measure.runner import compare, compare_costs, simulate
from sim.plan.staffing import Targets, group_requirements, requirements
from sim.present.display import count, duration, pct, pts

__all__ = [
    "CHARTS",
    "Report",
    "build_report",
    "chart_names",
    "png_name",
    "render_png",
    "write_report",
]

CHARTS = ("required_vs_scheduled", "service_level", "occupancy", "reallocation", "journey_flows")
"""Every chart the report can hold, in page order."""

WHATIF_CHARTS = ("reallocation",)
"""The charts only a report with a what-if holds."""


def chart_names(*, whatif: bool) -> tuple[str, ...]:
    """The charts a report holds, in page order: all of :data:`CHARTS` with a what-if,
    all but :data:`WHATIF_CHARTS` without."""
    return tuple(c for c in CHARTS if whatif or c not in WHATIF_CHARTS)


def png_name(chart: str) -> str:
    """The file a chart is written to in the PNG directory."""
    return f"{chart}.png"


_WIDTH = 640


@dataclass(frozen=True, eq=False)
class Report:
    """A built report: its charts and tables, ready to write."""

    scenario: Scenario
    result: Result
    charts: dict[str, alt.TopLevelMixin]
    captions: dict[str, str]
    kpis: pd.DataFrame
    required: pd.DataFrame
    created: dt.datetime
    whatif: Scenario | None = None
    comparison: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default=())
    money_comparison: pd.DataFrame | None = None
    """Paired money change of the what-if (kpi, base, whatif, delta, ci95), when both
    scenarios have ``costs``."""


def _order(sc: Scenario) -> list[str]:
    return sc.period_labels()


def _required_chart(sc: Scenario, required: pd.DataFrame) -> alt.TopLevelMixin:
    sched = pd.DataFrame(
        [
            {"group": g, "period": p, "agents": n, "series": "scheduled"}
            for g in sc.groups
            for p, n in enumerate(sc.scheduled(g))
        ]
    )
    req = required.assign(series="required")[["group", "period", "scheduled", "series"]]
    data = pd.concat([sched, req.rename(columns={"scheduled": "agents"})], ignore_index=True)
    data["time"] = [sc.period_labels()[p] for p in data["period"]]
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=["scheduled", "required"], range=["#9ecae1", "#d62728"]),
        title=None,
    )
    x = alt.X("time:O", sort=_order(sc), title="interval start")
    tooltip = ["group", "time", "series", "agents"]
    area = (
        alt.Chart()
        .transform_filter("datum.series == 'scheduled'")
        .mark_area(interpolate="step-after", opacity=0.7)
        .encode(x=x, y=alt.Y("agents:Q", title="agents"), color=colour, tooltip=tooltip)
    )
    line = (
        alt.Chart()
        .transform_filter("datum.series == 'required'")
        .mark_line(interpolate="step-after", strokeWidth=2.5)
        .encode(x=x, y="agents:Q", color=colour, tooltip=tooltip)
    )
    return (
        alt.layer(area, line, data=data)
        .properties(width=_WIDTH, height=130)
        .facet(
            row=alt.Row("group:N", title=None), title="Required vs scheduled agents per interval"
        )
        .resolve_scale(y="independent")
    )


def _service_level_chart(sc: Scenario, res: Result) -> alt.TopLevelMixin:
    iv = res.intervals
    data = iv[iv["kpi"] == "service_level"][["channel", "period", "time", "mean"]].copy()
    targets = {c: ch.service_level.target for c, ch in sc.channels.items() if ch.service_level}
    data["target"] = data["channel"].map(targets)
    base = alt.Chart(data)
    line = base.mark_line(point=True).encode(
        x=alt.X("time:O", sort=_order(sc), title="interval start"),
        y=alt.Y(
            "mean:Q",
            title="service level",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%"),
        ),
        tooltip=[
            "channel",
            "time",
            alt.Tooltip("mean:Q", format=".1%"),
            alt.Tooltip("target:Q", format=".0%"),
        ],
    )
    rule = base.mark_rule(color="#d62728", strokeDash=[4, 3]).encode(y="target:Q")
    return (
        alt.layer(line, rule)
        .properties(width=_WIDTH, height=120)
        .facet(
            row=alt.Row("channel:N", title=None),
            title="Service level by channel vs target (dashed)",
        )
    )


def _occupancy_chart(sc: Scenario, res: Result, cap: float | None) -> alt.TopLevelMixin:
    gi = res.group_intervals
    data = gi[gi["kpi"] == "occupancy"][["group", "period", "time", "mean"]]
    chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("time:O", sort=_order(sc), title="interval start"),
            y=alt.Y(
                "mean:Q",
                title="occupancy",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("group:N", title="group"),
            tooltip=["group", "time", alt.Tooltip("mean:Q", format=".1%")],
        )
        .properties(width=_WIDTH, height=260, title="Occupancy per interval by group")
    )
    if cap is None:
        return chart
    rule = (
        alt.Chart(pd.DataFrame({"cap": [cap]}))
        .mark_rule(color="#d62728", strokeDash=[4, 3])
        .encode(y="cap:Q")
    )
    return alt.layer(chart, rule)


def _reallocation_chart(table: pd.DataFrame, base: Scenario, whatif: Scenario) -> alt.TopLevelMixin:
    data = table[table["kpi"] == "service_level"].copy()
    data["delta_pp"] = data["delta"] * 100
    data["low"] = (data["delta"] - data["ci95"]) * 100
    data["high"] = (data["delta"] + data["ci95"]) * 100
    hours = base.interval_minutes / 60
    moved = []
    for g in sorted(set(base.groups) | set(whatif.groups)):
        b = sum(base.scheduled(g)) * hours if g in base.groups else 0.0
        w = sum(whatif.scheduled(g)) * hours if g in whatif.groups else 0.0
        if abs(w - b) > 1e-9:
            moved.append(f"{g} {w - b:+g} h")
    subtitle = "agent-hours: " + (", ".join(moved) if moved else "unchanged")
    title = "change in service level (percentage points)"
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("channel:N", title=None),
            y=alt.Y("delta_pp:Q", title=title),
            color=alt.condition("datum.delta_pp < 0", alt.value("#d62728"), alt.value("#2ca02c")),
            tooltip=["channel", alt.Tooltip("delta_pp:Q", format="+.1f"), "base", "whatif"],
        )
    )
    err = (
        alt.Chart(data)
        .mark_errorbar()
        .encode(x="channel:N", y=alt.Y("low:Q", title=title), y2="high:Q")
    )
    return alt.layer(bars, err).properties(
        width=_WIDTH // 2,
        height=260,
        title=alt.Title(
            f"Cost of the reallocation: {whatif.name} vs {base.name}", subtitle=subtitle
        ),
    )


def _flows_chart(sc: Scenario, res: Result) -> alt.TopLevelMixin:
    data = res.flows[["from", "to", "mean"]].copy()
    data = data[data["mean"] > 0]
    targets = list(sc.channels) + sorted(set(data["to"]) - set(sc.channels))
    base = alt.Chart(data).encode(
        x=alt.X("to:N", sort=targets, title="next: channel or outcome"),
        y=alt.Y("from:N", sort=list(sc.channels), title="contact on"),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("mean:Q", scale=alt.Scale(scheme="blues", type="sqrt"), title="per day"),
        tooltip=["from", "to", alt.Tooltip("mean:Q", format=".0f")],
    )
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("mean:Q", format=".0f"),
        color=alt.value("black"),
    )
    return alt.layer(heat, text).properties(
        width=_WIDTH // 1.3,
        height=200,
        title="Journey flows: what customers did after each contact",
    )


def _kpi_table(sc: Scenario, res: Result) -> pd.DataFrame:
    rows = []
    for c, ch in sc.channels.items():
        sl, sl_ci = res.kpi(c, "service_level")
        target = ch.service_level.target if ch.service_level else float("nan")
        rows.append(
            {
                "channel": c,
                "mode": ch.mode,
                "offered": res.kpi(c, "offered")[0],
                "hops in": res.kpi(c, "hops_in")[0],
                "service level": sl,
                "± 95%": sl_ci,
                "target": target,
                "met": "yes" if sl >= target else "no",
                "ASA (s)": res.kpi(c, "asa")[0],
                "abandon rate": res.kpi(c, "abandon_rate")[0],
            }
        )
    return pd.DataFrame(rows)


def segment_rows(sc: Scenario, res: Result) -> pd.DataFrame | None:
    """The page's table per customer segment (None without segments): priority, offered,
    service level with its CI against the segment's target (its own, else its
    channel's), ASA and abandon rate, each written in its unit."""
    if res.segments is None:
        return None
    rows = []
    for c, ch in sc.channels.items():
        for name, sg in (ch.segments or {}).items():
            level = sg.service_level or ch.service_level
            sl, sl_ci = res.segment_kpi(c, name, "service_level")
            target = level.target if level else float("nan")
            rows.append(
                {
                    "channel": c,
                    "segment": name,
                    "priority": sg.priority,
                    "offered": count(res.segment_kpi(c, name, "offered")[0]),
                    "service level": pct(sl, sl_ci),
                    "target": pct(target),
                    "met": "yes" if sl >= target else "no",
                    "ASA ± 95%": duration(*res.segment_kpi(c, name, "asa")),
                    "abandon rate": pct(*res.segment_kpi(c, name, "abandon_rate")),
                }
            )
    return pd.DataFrame(rows)


def build_report(
    sc: Scenario,
    *,
    targets: Targets | None = None,
    whatif: Scenario | None = None,
    replications: int | None = None,
    seed: int | None = None,
    required: pd.DataFrame | None = None,
    created: dt.datetime | None = None,
) -> Report:
    """Simulate ``sc`` (and ``whatif``, paired) and build every chart.

    Parameters
    ----------
    sc : the scenario reported on.
    targets : staffing caps for the analytic requirement (see :class:`Targets`).
    whatif : a reallocation to cost against ``sc`` (same seed and replications).
    replications, seed : override the scenario's.
    required : scheduled agents required per group and period (columns ``group``,
        ``period``, ``scheduled``), e.g. from the optimiser; default per-channel Erlang.
    created : the report's date (default: now, UTC).
    """
    targets = targets or Targets()
    seed = sc.seed if seed is None else seed
    reps = sc.replications if replications is None else replications
    if required is None:
        required = group_requirements(sc, requirements(sc, targets))
    res = simulate(sc, replications=reps, seed=seed)
    charts: dict[str, alt.TopLevelMixin] = {
        "required_vs_scheduled": _required_chart(sc, required),
        "service_level": _service_level_chart(sc, res),
        "occupancy": _occupancy_chart(sc, res, targets.max_occupancy),
    }
    captions = {
        "required_vs_scheduled": "Scheduled agents (solid) against the agents required "
        "(dashed) per interval and group; required = per-channel Erlang split over the "
        "groups by skills and head count, before the simulation optimiser's corrections.",
        "service_level": "Simulated share answered within each channel's threshold, per "
        "interval (mean over replications); dashed: the target.",
        "occupancy": "Share of staffed agent time busy with at least one contact.",
        "journey_flows": "Mean contacts per day on each channel (rows) followed by a "
        "contact on another channel, or by the journey's outcome (columns).",
    }
    comparison = None
    notes: list[str] = []
    money_comparison = None
    if whatif is not None:
        other = simulate(whatif, replications=reps, seed=seed)
        comparison = compare(res, other)
        if res.cost_reps is not None and other.cost_reps is not None:
            money_comparison = compare_costs(res, other)
        charts["reallocation"] = _reallocation_chart(comparison, sc, whatif)
        captions["reallocation"] = (
            "Paired change in service level (what-if minus baseline, same customers); "
            "bars with 95% intervals; the subtitle gives the agent-hours moved."
        )
    else:
        notes.append(
            "No reallocation costed: run with --whatif OTHER.yaml to compare one "
            "(same seed and replications, paired)."
        )
    charts["journey_flows"] = _flows_chart(sc, res)
    ordered = {k: charts[k] for k in chart_names(whatif=whatif is not None)}
    return Report(
        scenario=sc,
        result=res,
        charts=ordered,
        captions=captions,
        kpis=_kpi_table(sc, res),
        required=required,
        created=created or dt.datetime.now(dt.timezone.utc),
        whatif=whatif,
        comparison=comparison,
        notes=tuple(notes),
        money_comparison=money_comparison,
    )


def render_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """One chart as PNG bytes (vl-convert, no browser). The data goes into the picture,
    not a page's script, so Altair's row limit (a guard for browsers) does not apply:
    a week of quarter-hours over a few channels is above it."""
    import vl_convert as vlc

    with alt.data_transformers.disable_max_rows():
        spec = chart.to_json()
    return bytes(vlc.vegalite_to_png(spec, scale=scale))


def _kpis_shown(report: Report) -> pd.DataFrame:
    """The KPI table as the page shows it: ASA in s, min or h by its size, with its CI.

    (``Report.kpis`` itself keeps ``ASA (s)`` in seconds.)"""
    shown = report.kpis.copy()
    shown["ASA (s)"] = [duration(*report.result.kpi(str(c), "asa")) for c in shown["channel"]]
    return shown.rename(columns={"ASA (s)": "ASA ± 95%"})


_COMPARED: dict[str, tuple[Callable[..., str], Callable[[float, float], str]]] = {
    "service_level": (pct, pts),
    "asa": (duration, lambda d, c: duration(d, c, signed=True)),
    "abandon_rate": (pct, pts),
    "offered": (count, lambda d, c: count(d, c, signed=True)),
}
"""KPIs in the page's reallocation table: how a value and a paired change are written."""


def _comparison_shown(table: pd.DataFrame) -> pd.DataFrame:
    """The paired comparison as the page shows it: one row per channel and KPI of
    :data:`_COMPARED`, values in their unit (shares in %, durations in s, min or h)."""
    rows = []
    for r in table[table["kpi"].isin(list(_COMPARED))].to_dict("records"):
        value, change = _COMPARED[str(r["kpi"])]
        rows.append(
            {
                "channel": r["channel"],
                "kpi": r["kpi"],
                "baseline": value(float(r["base"])),
                "what-if": value(float(r["whatif"])),
                "change ± 95%": change(float(r["delta"]), float(r["ci95"])),
            }
        )
    return pd.DataFrame(rows, columns=["channel", "kpi", "baseline", "what-if", "change ± 95%"])


MONEY_ROWS = {
    "cost": "total cost",
    "wages": "wages",
    "handling_cost": "cost of contacts handled",
    "cost_of_abandonment": "cost of abandonment",
    "cost_per_contact": "cost per contact handled",
    "revenue": "revenue",
    "net": "net (revenue - cost)",
    "agent_hours": "paid agent-hours",
}
"""Rows of the page's money tables (cost KPIs), in order, with their labels."""


def _amount(value: float, ci: float | None = None, signed: bool = False) -> str:
    if value != value:
        return "-"
    text = f"{value:+,.2f}" if signed else f"{value:,.2f}"
    return text if ci is None or ci != ci else f"{text} ± {ci:,.2f}"


def _money_shown(res: Result) -> pd.DataFrame | None:
    """The scenario's money per replication (e.g. per day), mean ± 95% CI."""
    if res.costs is None:
        return None
    c = res.costs.set_index("kpi")[["mean", "ci95"]].astype(float)
    rows = [
        {
            "": label,
            "per replication ± 95%": _amount(c["mean"][k], c["ci95"][k]),
        }
        for k, label in MONEY_ROWS.items()
        if k in c.index
    ]
    return pd.DataFrame(rows)


def _money_change_shown(table: pd.DataFrame) -> pd.DataFrame:
    """The what-if's paired money change, as the page shows it."""
    t = table.set_index("kpi")[["base", "whatif", "delta", "ci95"]].astype(float)
    rows = [
        {
            "": label,
            "baseline": _amount(t["base"][k]),
            "what-if": _amount(t["whatif"][k]),
            "change ± 95%": _amount(t["delta"][k], t["ci95"][k], signed=True),
        }
        for k, label in MONEY_ROWS.items()
        if k in t.index
    ]
    return pd.DataFrame(rows)


def _money_html(report: Report) -> list[str]:
    """The money section (scenarios with ``costs``): totals, and the what-if's change."""
    shown = _money_shown(report.result)
    if shown is None:
        return []
    costs = report.scenario.costs
    unit = f" ({html.escape(costs.currency)})" if costs is not None and costs.currency else ""
    parts = [
        f'<h2 id="money">Money{unit}</h2>',
        shown.to_html(index=False, classes="kpis", border=0),
    ]
    if report.money_comparison is not None and report.whatif is not None:
        parts.append(f"<h3>Money change: {html.escape(report.whatif.name)} vs baseline</h3>")
        change = _money_change_shown(report.money_comparison)
        parts.append(change.to_html(index=False, classes="kpis", border=0))
    return parts


def _html(report: Report, pngs: dict[str, bytes]) -> str:
    sc, res = report.scenario, report.result
    esc = html.escape
    kpis = _kpis_shown(report).to_html(
        index=False,
        float_format=lambda v: f"{v:.3g}" if abs(v) >= 1 else f"{v:.3f}",
        classes="kpis",
        border=0,
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Staffing report: {esc(sc.name)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;"
        "color:#222}table.kpis{border-collapse:collapse}table.kpis td,table.kpis th"
        "{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}"
        "figure{margin:2em 0}figure img{max-width:100%}figcaption{color:#555}"
        ".meta{color:#555}</style></head><body>",
        f"<h1>Staffing report: {esc(sc.name)}</h1>",
        f'<p class="meta" id="meta">Generated {report.created:%Y-%m-%d %H:%M} UTC · '
        f"scenario <b>{esc(sc.name)}</b> · seed {res.seed} · {res.replications} "
        f"replications · {sc.periods} intervals of {sc.interval_minutes} min from "
        f"{esc(sc.start)}</p>",
        "<h2>Service by channel</h2>",
        kpis,
    ]
    segments = segment_rows(sc, res)
    if segments is not None:
        parts.append("<h2>Service by customer segment</h2>")
        parts.append(segments.to_html(index=False, classes="kpis", border=0))
    parts += _money_html(report)
    for note in report.notes:
        parts.append(f'<p class="note">{esc(note)}</p>')
    for name in report.charts:
        data = base64.b64encode(pngs[name]).decode("ascii")
        parts.append(
            f'<figure class="chart" id="chart-{name}" data-chart="{name}">'
            f'<img alt="{esc(name)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{esc(report.captions.get(name, ''))}</figcaption></figure>"
        )
    if report.comparison is not None and report.whatif is not None:
        parts.append(f"<h2>Reallocation: {esc(report.whatif.name)} vs baseline</h2>")
        parts.append(
            _comparison_shown(report.comparison).to_html(index=False, classes="kpis", border=0)
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(report: Report, path: Path, png_dir: Path | None = None) -> dict[str, Any]:
    """Render every chart, then write the HTML page and the PNGs: all of them, or none.

    Returns ``{"html": path, "png": {chart: path}}``. Nothing is written until every
    chart has rendered; the page and every PNG are staged, then moved into place
    together (see :mod:`sim.outputs`).
    """
    pngs = {name: render_png(chart) for name, chart in report.charts.items()}
    page = _html(report, pngs).encode("utf-8")
    written: dict[str, Path] = {}
    with staged_outputs() as stage:
        if png_dir is not None:
            for name, data in pngs.items():
                target = png_dir / png_name(name)
                stage.file(target).write_bytes(data)
                written[name] = target
        stage.file(path).write_bytes(page)
    return {"html": path, "png": written}
