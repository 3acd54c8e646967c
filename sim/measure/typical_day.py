"""A typical-day scenario with the replay's behaviours, from one month's records.

:meth:`forecasting.calibrate.Calibration.fragment` writes the simple model: one pooled
group skilled for every queue, staffed by the on-shift heuristic, no after-call work,
no proficiency, no pick-up delays (the replay's ablation row ``none``: 13 points too
optimistic on the share within 60 s). :func:`typical_day` builds the same typical day
(the fragment's mean first-attempt arrivals per interval, redials as transitions) with
what the replay (:mod:`sim.measure.replay`) takes from the records instead: per skill
group the month's own mean available agents per interval, wrap-up, proficiency
factors, routing order, readiness parts and the pick-up delay entries.

It lives with the measures, not in ``forecasting`` (which depends only on
``sim.config``), because it reuses the replay's pieces.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from forecasting.calibrate import Calibration
from sim.measure.replay import DEFAULT_BEHAVIOURS, checked_behaviours, own_edits, own_staffing

__all__ = [
    "NO_TEST_DAY",
    "TYPICAL_DAY_BEHAVIOURS",
    "carried_round",
    "typical_day",
    "typical_staffing",
]

NO_TEST_DAY = ("pickup_daily", "agent_talk")
"""Replay behaviours that follow a test day (its absence, its agents on shift): a
typical day has none, so they are refused."""

TYPICAL_DAY_BEHAVIOURS = tuple(b for b in DEFAULT_BEHAVIOURS if b not in NO_TEST_DAY)
"""The replay's defaults less ``pickup_daily``: skills, availability, wrap_up,
proficiency, routing, readiness, pickup, pickup_by_queue, pickup_handoff,
pickup_by_idle."""

_DAY = dt.date(2000, 1, 1)
"""The calendar date the typical day's intervals are laid on (any date: only the clock
time of each interval matters)."""


def _check(behaviours: Iterable[str]) -> frozenset[str]:
    """The behaviours as a set (the replay's checks, and none that needs a test day)."""
    use = checked_behaviours(behaviours)
    bad = sorted(use & set(NO_TEST_DAY))
    if bad:
        raise ValueError(f"behaviours: {', '.join(bad)} need a test day (a typical day has none)")
    return use


def typical_staffing(
    cal: Calibration, behaviours: Iterable[str] = TYPICAL_DAY_BEHAVIOURS
) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]] | None, dict[str, Any] | None]:
    """The month's mean staffing per interval of the day, as the replay reads a test
    month's (:func:`sim.measure.replay.own_staffing`: the month as its own test month).

    Returns ``slot, agents`` (or ``slot, group, agents`` with ``skills``): per interval
    of the day (``slot`` 0 = 00:00) the mean over the recorded days (the days the
    fragment averages its arrivals and staffing over: a calendar day without records,
    as January 1999's 11th and 12th, is not a day without agents) of the available (or,
    without ``availability``, on-shift) agent-equivalents; and the groups' skills and
    handle-time factors as :func:`~sim.measure.replay.own_staffing` gives them."""
    use = _check(behaviours)
    staffing, groups, factors = own_staffing(cal, use)
    step = cal.interval_minutes
    days = cal.records["arrival"].dt.normalize().unique()
    staffing = staffing[staffing["interval"].dt.normalize().isin(days)]
    t = staffing["interval"]
    slot = (t.dt.hour * 60 + t.dt.minute) // step
    keys = ["slot", "group"] if "group" in staffing.columns else ["slot"]
    mean = (staffing.assign(slot=slot).groupby(keys)["agents"].sum() / len(days)).reset_index()
    return mean, groups, factors


TIE_DECIMALS = 9
"""Decimals the groups' shortfalls are compared at (agent-equivalents), so that
shortfalls equal but for floating-point sums tie and go to the first group."""


def carried_round(x: np.ndarray) -> np.ndarray:
    """Whole agents per interval (rows) and group (columns) from mean agent-equivalents
    ``x``: per interval the total rounded (as the replay's days), handed out one agent
    at a time to the group (among those with agents in that interval) furthest below
    its mean plus what earlier intervals owe it (ties: the first group), so that over
    the day each group gets about its mean agent-intervals.

    Rounding each interval on its own (largest remainder) keeps the totals but, when a
    typical day's many small groups all hold fractions, hands the same few groups the
    spare agents all day: January 1999's PS-only agents (3.5 agent-intervals a day)
    got none, the PS_PE_NW_IN group (28.4) got 48."""
    out = np.zeros(x.shape, dtype=int)
    owed = np.zeros(x.shape[1])
    for t, row in enumerate(x):
        want = row + owed
        present = row > 0
        for _ in range(int(np.rint(row.sum()))):
            short = np.round(want - out[t], TIE_DECIMALS)  # sums of fractions: exact ties
            j = int(np.argmax(np.where(present, short, -np.inf)))
            out[t, j] += 1
        owed = want - out[t]
    return out


def typical_day(
    cal: Calibration,
    behaviours: Iterable[str] = TYPICAL_DAY_BEHAVIOURS,
    *,
    name: str = "calibrated typical day (replay behaviours)",
    segments: bool = False,
) -> dict[str, Any]:
    """A typical-day scenario (loads with ``sim.parse_scenario``) with the replay's
    behaviours.

    Arrivals and redial transitions are :meth:`~forecasting.calibrate.Calibration.
    fragment`'s (per queue the mean first-attempt calls per interval over the recorded
    days); the groups and their agents per interval are :func:`typical_staffing`'s
    (whole agents by :func:`carried_round`: per interval the total rounded, each
    group's day close to its mean);
    wrap-up, proficiency, routing, segments and aging as
    :meth:`~forecasting.calibrate.Calibration.scenario_for_day` gives them, and the
    pick-up entries (``pickup``, ``pickup_by_queue``, ``pickup_handoff``,
    ``pickup_by_idle``) as the replay's days get them (the month's own).

    ``behaviours``: any of :data:`sim.measure.replay.BEHAVIOURS` except
    :data:`NO_TEST_DAY` (default :data:`TYPICAL_DAY_BEHAVIOURS`); ValueError naming
    ``behaviours`` otherwise. ``()`` gives the fragment's model (one group skilled for
    every queue on the on-shift staffing), its mean over the recorded days as the
    fragment's.
    """
    use = _check(behaviours)
    mean, groups, factors = typical_staffing(cal, use)
    step = pd.Timedelta(minutes=cal.interval_minutes)
    staffing = mean.assign(interval=pd.Timestamp(_DAY) + mean["slot"] * step).drop(columns="slot")
    empty = pd.DataFrame({"interval": pd.DatetimeIndex([]), "queue": [], "calls": []})
    data = cal.scenario_for_day(
        _DAY,
        arrivals=empty,
        staffing=staffing,
        transitions=True,
        groups=groups,
        wrap_up="wrap_up" in use,
        proficiency="proficiency" in use,
        routing="routing" in use,
        segments=segments or "segments" in use,
        aging="aging" in use,
        factors=factors,
    )
    fragment = cal.fragment()
    for q, ch in data["channels"].items():
        ch["arrivals"] = fragment["channels"][q]["arrivals"]
    if "group" in mean.columns:
        names = list(data["groups"])
        x = (
            mean.pivot_table(index="slot", columns="group", values="agents", aggfunc="sum")
            .reindex(index=range(data["periods"]), columns=names, fill_value=0.0)
            .fillna(0.0)
            .to_numpy(float)
        )
        for name, col in zip(names, carried_round(x).T, strict=True):
            data["groups"][name]["agents"] = [int(v) for v in col]
    own_edits(cal, use)(data, _DAY)
    data["name"] = name
    del data["seed"], data["replications"]  # the scenario's defaults, as the fragment's
    return data
