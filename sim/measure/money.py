"""Cost KPIs: one replication's counts and the scenario's staffing -> money.

Only for scenarios with a ``costs`` section. Over the counted window
``[warmup, periods x interval)`` (the window of every other KPI):

agent_hours
    paid agent-hours: scheduled agents (shrinkage is paid) x the part of each
    interval inside the window, summed over groups (h).
wages
    sum over groups of ``wage_per_hour`` x the group's paid agent-hours.
handling_cost
    sum over channels of ``per_handled`` x contacts answered.
cost_of_abandonment
    sum over channels of ``per_abandoned`` x contacts abandoned (balks included).
cost
    wages + handling_cost + cost_of_abandonment.
cost_per_contact
    cost / contacts answered, over every channel (NaN when none was answered).
revenue, net
    only with ``revenue_per_resolved``: that x resolved journeys, and revenue - cost.

Amounts are in the scenario's currency (``costs.currency``, a label).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.scenario import Scenario

__all__ = [
    "COST_KPIS",
    "REVENUE_KPIS",
    "Rates",
    "cost_columns",
    "paid_hours",
    "plan_wages",
]

COST_KPIS = (
    "agent_hours",
    "wages",
    "handling_cost",
    "cost_of_abandonment",
    "cost",
    "cost_per_contact",
)
REVENUE_KPIS = ("revenue", "net")
"""Cost KPIs of scenarios with ``costs.revenue_per_resolved`` (after COST_KPIS)."""
SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Rates:
    """A scenario's ``costs`` as arrays in the model's group and channel order."""

    wage: np.ndarray  # per group: per paid agent-hour
    handled: np.ndarray  # per channel: per contact answered
    abandoned: np.ndarray  # per channel: per contact abandoned
    revenue: float | None  # per resolved journey, or None

    @classmethod
    def of(cls, sc: Scenario) -> Rates | None:
        """The scenario's rates, or None without a ``costs`` section."""
        c = sc.costs
        if c is None:
            return None
        return cls(
            wage=np.array([c.wage_per_hour.get(g, 0.0) for g in sc.groups], dtype=float),
            handled=np.array([c.per_handled.get(ch, 0.0) for ch in sc.channels], dtype=float),
            abandoned=np.array([c.per_abandoned.get(ch, 0.0) for ch in sc.channels], dtype=float),
            revenue=c.revenue_per_resolved,
        )


def _window_hours(periods: int, interval: float, warmup: float) -> np.ndarray:
    """Hours of each period inside the counted window [warmup, periods x interval)."""
    starts = np.arange(periods) * interval
    return np.clip(starts + interval - np.maximum(starts, warmup), 0.0, interval) / SECONDS_PER_HOUR


def paid_hours(scheduled: np.ndarray, interval: float, warmup: float) -> np.ndarray:
    """Paid agent-hours per group in the counted window.

    ``scheduled`` is (groups, periods) scheduled agents; ``interval`` and ``warmup``
    in seconds.
    """
    sched = np.asarray(scheduled, dtype=float)
    return sched @ _window_hours(sched.shape[1], interval, warmup)


def plan_wages(sc: Scenario, scheduled: np.ndarray) -> float:
    """Wages of a staffing plan ((groups, periods) scheduled agents, groups in the
    scenario's order) over the scenario's counted window; 0 without ``costs``."""
    rates = Rates.of(sc)
    if rates is None:
        return 0.0
    hours = paid_hours(scheduled, sc.interval_seconds, sc.warmup_seconds)
    return float(rates.wage @ hours)


def cost_columns(
    rates: Rates,
    hours: np.ndarray,
    answered: np.ndarray,
    abandoned: np.ndarray,
    resolved: float,
) -> dict[str, np.ndarray]:
    """One replication's cost KPIs as a one-row table.

    ``hours``: paid agent-hours per group (:func:`paid_hours`); ``answered``,
    ``abandoned``: counted contacts per channel; ``resolved``: counted resolved journeys.
    """
    wages = float(rates.wage @ hours)
    handling = float(rates.handled @ answered)
    abandonment = float(rates.abandoned @ abandoned)
    cost = wages + handling + abandonment
    n = float(answered.sum())
    row = {
        "agent_hours": float(hours.sum()),
        "wages": wages,
        "handling_cost": handling,
        "cost_of_abandonment": abandonment,
        "cost": cost,
        "cost_per_contact": cost / n if n > 0 else np.nan,
    }
    if rates.revenue is not None:
        revenue = rates.revenue * float(resolved)
        row["revenue"] = revenue
        row["net"] = revenue - cost
    return {k: np.array([v]) for k, v in row.items()}
