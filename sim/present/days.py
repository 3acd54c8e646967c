"""Scenarios over several days (a week with a ``calendar:``) in the app, without
Streamlit: the per-day table of a result, the periods of one day, and a default
reallocation window on a day.

Periods are 0-based indices of the scenario's intervals; a period belongs to the day
its start falls on (:meth:`sim.Scenario.day_of_period`).
"""

from __future__ import annotations

import pandas as pd

import sim

__all__ = ["DAY_KPIS", "WHOLE", "day_periods", "day_table", "staffed_window"]

DAY_KPIS = {
    "offered": "offered",
    "service_level": "service level",
    "asa": "ASA (s)",
    "abandon_rate": "abandon rate",
}
"""Channel KPIs of the day table: KPI -> column label after the channel's name."""
WHOLE = "whole horizon"
"""The day picker's choice for every period (the whole week)."""


def day_periods(sc: sim.Scenario, day: int) -> list[int]:
    """The periods whose start falls on ``day`` (0 = the first period's day)."""
    return [p for p, d in enumerate(sc.day_of_period()) if d == day]


def day_table(result: sim.Result) -> pd.DataFrame | None:
    """One row per day (``Result.days``' label), one column per channel and KPI of
    :data:`DAY_KPIS` (``voice service level``): the means over replications;
    ``None`` when the result is of a single day."""
    days = result.days
    if days is None:
        return None
    shown = days[days["kpi"].isin(list(DAY_KPIS))]
    wide = shown.pivot_table(
        index=["day", "date"], columns=["channel", "kpi"], values="mean", sort=False
    )
    columns = [
        (ch, kpi) for ch in result.scenario.channels for kpi in DAY_KPIS if (ch, kpi) in wide
    ]
    wide = wide[columns]
    wide.columns = [f"{ch} {DAY_KPIS[kpi]}" for ch, kpi in columns]
    return wide.reset_index(level="day", drop=True).rename_axis("day").reset_index()


def staffed_window(sc: sim.Scenario, group: str, periods: list[int]) -> tuple[int, int] | None:
    """``(first, end)``: from the first to just after the last of ``periods`` in which
    ``group`` has agents scheduled (``end`` excluded), or ``None`` if it has none."""
    scheduled = sc.scheduled(group)
    staffed = [p for p in periods if scheduled[p] > 0]
    if not staffed:
        return None
    return staffed[0], staffed[-1] + 1
