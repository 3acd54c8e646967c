"""Multi-day scenarios: stretch a one-day scenario over several calendar days, so a
forecast of a week (or any horizon) goes into one scenario whose periods cover it.

A scenario's periods are a plain run of intervals from its ``start`` clock time; the
format has no days (shift templates and the clock labels wrap at midnight, so a
scenario of several days already simulates). What a one-day scenario lacks is values
for the clock times it does not cover: :func:`scenario_over_days` lays every per-period
value (``arrivals``, ``arrival_paths``, ``handle_time_means``, ``agents``, ``shrinkage``)
out by clock time on each day. A clock time the base scenario covers takes the base's
value at that clock time; one it does not cover (the night of a 08:00-20:00 scenario)
is closed: 0 arrivals and 0 agents (shrinkage 0; handle-time means the channel's
``handle_time.mean``). Shifts are clock times already and stay as they are.

A base that covers a whole day (24 h) is repeated as it is. Weekday calendars (a
different Saturday) are not modelled here: forecast arrivals carry the weekdays (a
closed day gets 0 arrivals from the history's calendar), staffing repeats daily.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.config.clock import MINUTES_PER_DAY
from sim.config.scenario import Scenario

from .history import HistoryError

__all__ = ["MAX_SCENARIO_DAYS", "clock_layout", "scenario_over_days"]

MAX_SCENARIO_DAYS = 366
"""Most calendar days :func:`scenario_over_days` writes (the simulator's horizon limit)."""


def clock_layout(scenario: Scenario, days: int) -> np.ndarray:
    """For each period of a ``days``-day scenario from ``scenario.start``: the base
    period with the same clock time, or -1 where the base does not cover that clock."""
    step = scenario.interval_minutes
    per_day = MINUTES_PER_DAY // step
    if scenario.periods > per_day:
        raise HistoryError(
            f"scenario: {scenario.periods} periods of {step} min are more than one day; "
            "stretch a scenario of one day at most"
        )
    offset = np.arange(days * per_day) % per_day  # periods since the start, within a day
    return np.where(offset < scenario.periods, offset, -1)


def _laid_out(values: Any, where: np.ndarray, closed: float) -> list[Any]:
    base = list(values)
    return [base[i] if i >= 0 else closed for i in where]


def scenario_over_days(scenario: Scenario, days: int) -> Scenario:
    """``scenario`` (one day at most) stretched over ``days`` calendar days from its
    ``start``: ``days x 24 h`` of periods, per-period values laid out by clock time,
    closed (0) at clock times the base does not cover. ``days`` = 1 and a whole-day
    base: the per-period values repeated daily.

    Raises
    ------
    HistoryError
        ``days`` outside 1..366, or a base longer than a day.
    """
    if not 1 <= days <= MAX_SCENARIO_DAYS:
        raise HistoryError(f"days: must be 1..{MAX_SCENARIO_DAYS}, got {days}")
    where = clock_layout(scenario, days)
    p = scenario.periods
    changes: dict[str, object] = {"periods": int(where.size)}
    for name, ch in scenario.channels.items():
        if ch.arrival_paths is not None:
            changes[f"channels.{name}.arrival_paths"] = [
                _laid_out(row, where, 0) for row in ch.arrival_paths
            ]
        if ch.arrivals is not None:
            changes[f"channels.{name}.arrivals"] = _laid_out(ch.arrivals_per_period(p), where, 0.0)
        if ch.handle_time_means is not None:  # closed clock times: the channel's mean
            changes[f"channels.{name}.handle_time_means"] = _laid_out(
                ch.handle_time_means, where, float(ch.handle_time.mean)
            )
    for name, g in scenario.groups.items():
        if g.shifts is None:
            changes[f"groups.{name}.agents"] = _laid_out(
                g.agents_per_period(p, scenario.interval_minutes, scenario.start), where, 0
            )
        if isinstance(g.shrinkage, tuple) or (where < 0).any():
            shr = g.shrinkage if isinstance(g.shrinkage, tuple) else (g.shrinkage,) * p
            changes[f"groups.{name}.shrinkage"] = _laid_out(shr, where, 0.0)
    out = scenario.updated(changes)
    assert isinstance(out, Scenario)
    return out
