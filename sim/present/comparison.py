"""Two scenarios side by side, as the app's compare page shows them (no Streamlit).

Takes the paired differences of :func:`sim.measure.runner.compare` (channels),
:func:`sim.plan.whatif.compare_groups` (groups) and
:func:`sim.plan.whatif.compare_flows` (journey moves) and writes every number in the
unit a planner reads: shares in %, changes of shares in points, durations in s, min or
h (:func:`sim.present.display.duration`), counts per replication (one simulated day).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from sim.present.display import count, duration, pct, pts

__all__ = [
    "CHANNEL_KPIS",
    "GROUP_KPIS",
    "changed_flows",
    "side_by_side",
]

Format = Callable[[float], str]
FormatChange = Callable[[float, float], str]


def _count(v: float) -> str:
    return count(v)


def _count_change(d: float, c: float) -> str:
    return count(d, c, signed=True)


def _duration(v: float) -> str:
    return duration(v)


def _duration_change(d: float, c: float) -> str:
    return duration(d, c, signed=True)


SHARE: tuple[Format, FormatChange] = (pct, pts)
DURATION: tuple[Format, FormatChange] = (_duration, _duration_change)
COUNT: tuple[Format, FormatChange] = (_count, _count_change)

CHANNEL_KPIS: dict[str, tuple[str, tuple[Format, FormatChange]]] = {
    "service_level": ("service level", SHARE),
    "asa": ("ASA", DURATION),
    "abandon_rate": ("abandon rate", SHARE),
    "mean_wait": ("mean wait", DURATION),
    "aht": ("handle time", DURATION),
    "offered": ("offered", COUNT),
    "answered": ("answered", COUNT),
    "abandoned": ("abandoned", COUNT),
    "hops_in": ("hops in", COUNT),
    "switched_out": ("switched out", COUNT),
    "redialled": ("redialled", COUNT),
}
"""Channel KPIs the compare page shows: kpi -> (label, formatters)."""

GROUP_KPIS: dict[str, tuple[str, tuple[Format, FormatChange]]] = {
    "occupancy": ("occupancy", SHARE),
    "slot_utilisation": ("slot utilisation", SHARE),
    "scheduled": ("scheduled agents (mean)", (lambda v: f"{v:,.2f}", _count_change)),
    "busy_agents": ("busy agents (mean)", (lambda v: f"{v:,.2f}", _count_change)),
}
"""Group KPIs the compare page shows."""


def _money(v: float) -> str:
    return f"{v:,.2f}"


def _money_change(d: float, c: float) -> str:
    return f"{d:+,.2f} ± {c:,.2f}"


MONEY = (_money, _money_change)
MONEY_KPIS: dict[str, tuple[str, tuple[Format, FormatChange]]] = {
    "cost": ("cost", MONEY),
    "wages": ("wages", MONEY),
    "handling_cost": ("handling cost", MONEY),
    "cost_of_abandonment": ("cost of abandonment", MONEY),
    "cost_per_contact": ("cost per contact answered", MONEY),
    "revenue": ("revenue", MONEY),
    "net": ("net (revenue - cost)", MONEY),
    "agent_hours": ("paid agent-hours", (lambda v: f"{v:,.1f}", _count_change)),
}
"""Money KPIs the compare page shows (scenarios with ``costs``; revenue and net only
with ``revenue_per_resolved``)."""


def side_by_side(
    diff: pd.DataFrame,
    by: str,
    kpis: dict[str, tuple[str, tuple[Format, FormatChange]]],
    labels: tuple[str, str] = ("A", "B"),
) -> pd.DataFrame:
    """One row per ``by`` (channel or group) and KPI: A, B, the paired change B - A
    with its 95% CI, and whether the interval excludes 0 (``clear change``).

    ``diff`` has columns ``by, kpi, base, whatif, delta, ci95``; KPIs it lacks are
    left out; rows keep ``diff``'s order of ``by`` and ``kpis``' order of KPIs."""
    rows = []
    indexed = diff.set_index([by, "kpi"])
    for name in dict.fromkeys(diff[by]):
        for kpi, (label, (fmt, fmt_change)) in kpis.items():
            if (name, kpi) not in indexed.index:
                continue
            r = indexed.loc[(name, kpi)]
            delta, ci = float(r["delta"]), float(r["ci95"])
            rows.append(
                {
                    by: name,
                    "KPI": label,
                    labels[0]: fmt(float(r["base"])),
                    labels[1]: fmt(float(r["whatif"])),
                    "change ± 95% CI": fmt_change(delta, ci),
                    "clear change": bool(abs(delta) > ci),
                }
            )
    return pd.DataFrame(
        rows, columns=[by, "KPI", labels[0], labels[1], "change ± 95% CI", "clear change"]
    )


def changed_flows(flows: pd.DataFrame, labels: tuple[str, str] = ("A", "B")) -> pd.DataFrame:
    """The journey moves that changed (:func:`sim.plan.whatif.compare_flows`), largest
    change first: from, to, A, B (journeys per replication), the change with its 95%
    CI, and ``clear change`` when that interval excludes 0. Moves that are 0 in both
    and moves that did not change at all are left out."""
    moved = flows[((flows["base"] > 0) | (flows["whatif"] > 0)) & (flows["delta"] != 0)]
    return pd.DataFrame(
        {
            "from": moved["from"],
            "to": moved["to"],
            labels[0]: moved["base"].map(count),
            labels[1]: moved["whatif"].map(count),
            "change ± 95% CI": [
                count(d, c, signed=True) for d, c in zip(moved["delta"], moved["ci95"], strict=True)
            ],
            "clear change": (moved["delta"].abs() > moved["ci95"]).astype(bool),
        }
    ).reset_index(drop=True)
