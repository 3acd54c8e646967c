"""What-if variants of a scenario, and paired comparisons beyond the channel KPIs.

A reallocation moves agents from one group to another during a window of periods,
e.g. "6 agents from the phone team to the digital team from 10:00 to 14:00". It
returns a new validated :class:`~sim.config.scenario.Scenario`; the original is untouched,
so the baseline and the what-if can run side by side with common random numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

import pandas as pd

from sim.config.scenario import Scenario, ScenarioError
from sim.measure.results import Result, summarise
from sim.measure.runner import paired_by

__all__ = [
    "adjust",
    "carry_context",
    "compare_flows",
    "compare_groups",
    "movable_agents",
    "reallocate",
]


def _check_window(scenario: Scenario, start: int, end: int) -> list[str]:
    p = scenario.periods
    if not 0 <= start < end <= p:
        return [
            f"reallocation.periods: window [{start}, {end}) must satisfy "
            f"0 <= start < end <= {p} (the scenario's periods)"
        ]
    return []


def _check_group(scenario: Scenario, role: str, name: str) -> list[str]:
    if name not in scenario.groups:
        known = ", ".join(scenario.groups)
        return [f"reallocation.{role}: unknown group {name!r} (groups: {known})"]
    return []


def movable_agents(scenario: Scenario, source: str, start: int, end: int) -> int:
    """Most agents that can leave group ``source`` in every period of ``[start, end)``.

    Parameters
    ----------
    scenario : the scenario to read headcounts from.
    source : group name.
    start, end : period indices (0-based, ``end`` excluded).

    Returns
    -------
    int
        The smallest scheduled headcount (agents) of ``source`` in the window.
    """
    problems = _check_group(scenario, "source", source) + _check_window(scenario, start, end)
    if problems:
        raise ScenarioError(problems)
    return int(min(scenario.scheduled(source)[start:end]))


def reallocate(
    scenario: Scenario,
    source: str,
    destination: str,
    agents: int,
    start: int,
    end: int,
) -> Scenario:
    """A copy of ``scenario`` with ``agents`` moved from ``source`` to ``destination``.

    The move applies to the periods ``[start, end)`` (0-based, ``end`` excluded);
    both groups' scheduled headcounts become per-period lists (shifts are replaced by
    the headcount they give; shrinkage still applies). The agents take the
    destination group's skills while they are there.

    Parameters
    ----------
    scenario : the baseline; never modified.
    source, destination : group names (different groups).
    agents : number of agents moved in each period of the window (>= 0).
    start, end : period indices of the window.

    Returns
    -------
    Scenario
        A new, validated scenario.

    Raises
    ------
    ScenarioError
        Naming the field and the problem: unknown group, empty window, or more
        agents than the source has scheduled in some period.
    """
    problems = _check_group(scenario, "source", source)
    problems += _check_group(scenario, "destination", destination)
    if not problems and source == destination:
        problems.append(f"reallocation.destination: must differ from the source ({source!r})")
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        problems.append(f"reallocation.agents: must be a whole number >= 0, got {agents!r}")
    problems += _check_window(scenario, start, end)
    if problems:
        raise ScenarioError(problems)
    src = list(scenario.scheduled(source))
    dst = list(scenario.scheduled(destination))
    labels = scenario.period_labels()
    short = [
        f"groups.{source}.agents[{i}]: cannot move {agents} agents at {labels[i]}, "
        f"only {src[i]} scheduled"
        for i in range(start, end)
        if src[i] < agents
    ]
    if short:
        raise ScenarioError(short)
    for i in range(start, end):
        src[i] -= agents
        dst[i] += agents
    # shift-based groups become per-period lists (the shifts no longer describe them)
    return scenario.updated(
        {
            f"groups.{source}.agents": src,
            f"groups.{source}.shifts": None,
            f"groups.{destination}.agents": dst,
            f"groups.{destination}.shifts": None,
        }
    )


def carry_context(scenario: Scenario, carry: bool = True) -> Scenario:
    """A copy of ``scenario`` whose journeys carry (or, ``carry=False``, lose) context
    between contacts: ``journeys.context_loss.carry`` (e.g. a shared case history, so a
    recontact takes its drawn handle time instead of ``factor`` x it).

    Raises
    ------
    ScenarioError
        When the scenario has no ``journeys.context_loss`` (nothing to carry).
    """
    if scenario.journeys.context_loss is None:
        raise ScenarioError(
            ["journeys.context_loss: the scenario loses no context (add {factor: ...})"]
        )
    return scenario.updated({"journeys.context_loss.carry": bool(carry)})


def compare_flows(base: Result, whatif: Result) -> pd.DataFrame:
    """Paired change (what-if minus baseline) of every journey move.

    A move is ``from`` channel -> ``to`` channel (a redial, a switch, a recontact)
    or -> an outcome (``resolved``, ``lost``, ``max_attempts``). Counts are per
    replication (e.g. per simulated day); replication r of both runs saw the same
    customers, so the differences are paired.

    Returns
    -------
    pandas.DataFrame
        Columns ``from, to, base, whatif, delta, ci95`` (ci95 is the half-width of
        the paired 95% interval of delta), sorted by the size of the change.
    """
    if base.seed != whatif.seed or base.replications != whatif.replications:
        raise ValueError(
            "compare_flows needs both runs with the same seed and replications "
            f"(got seed {base.seed}/{whatif.seed}, "
            f"replications {base.replications}/{whatif.replications})"
        )
    reps = range(base.replications)

    def wide(res: Result) -> pd.DataFrame:
        return res.flow_reps.pivot_table(
            index="replication", columns=["from", "to"], values="count", fill_value=0
        ).reindex(index=reps, fill_value=0)

    b, w = wide(base), wide(whatif)
    cols = b.columns.union(w.columns)
    b = b.reindex(columns=cols, fill_value=0)
    w = w.reindex(columns=cols, fill_value=0)
    pairs = []
    for name, table in (("base", b), ("whatif", w), ("delta", w - b)):
        stacked = cast(pd.Series, table.stack(["from", "to"], future_stack=True))
        long = stacked.rename("count").reset_index()
        s = summarise(long, ["from", "to"]).set_index(["from", "to"])
        pairs.append(s["mean"].rename(name))
        if name == "delta":
            pairs.append(s["ci95"])
    out = pd.concat(pairs, axis=1).reset_index()
    order = out["delta"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


_SCALED_KEYS = ("mean", "value", "min", "max")
"""Fields of a distribution (file format) that are durations in seconds."""


def _scaled_distribution(spec: Mapping[str, Any], factor: float) -> dict[str, Any]:
    """A distribution (file format) with every duration times ``factor``; the shape
    (cv, Weibull shape) is kept, so the mean scales and the spread scales with it."""
    out = dict(spec)
    for key in _SCALED_KEYS:
        if out.get(key) is not None:
            out[key] = float(out[key]) * factor
    if out.get("samples") is not None:
        out["samples"] = [float(v) * factor for v in out["samples"]]
    return out


VOLUME_DIGITS = 6
"""Decimals kept of a scaled volume (contacts per interval), so a saved file reads
``59.4``, not ``59.400000000000006``."""


def _round(value: float) -> float:
    return round(float(value), VOLUME_DIGITS)


def _check_factor(name: str, factor: float) -> list[str]:
    if isinstance(factor, bool) or not isinstance(factor, (int, float)):
        return [f"adjust.{name}: must be a number, got {factor!r}"]
    if not math.isfinite(factor) or factor <= 0:
        return [f"adjust.{name}: must be a finite factor > 0, got {factor!r}"]
    return []


def _channel_changes(
    scenario: Scenario, volume: float, handle_time: float, patience: float
) -> dict[str, Any]:
    """:func:`adjust`'s changes to the channels (dotted paths of the file format)."""
    changes: dict[str, Any] = {}
    for name, ch in scenario.to_dict()["channels"].items():
        where = f"channels.{name}"
        if volume != 1:
            if ch.get("arrival_paths") is not None:
                changes[f"{where}.arrival_paths"] = [
                    [round(float(v) * volume) for v in row] for row in ch["arrival_paths"]
                ]
            a = ch.get("arrivals")
            if a is not None:
                changes[f"{where}.arrivals"] = (
                    [_round(v * volume) for v in a] if isinstance(a, list) else _round(a * volume)
                )
        if handle_time != 1:
            changes[f"{where}.handle_time"] = _scaled_distribution(ch["handle_time"], handle_time)
            if ch.get("handle_time_by_sessions") is not None:
                changes[f"{where}.handle_time_by_sessions"] = [
                    float(v) * handle_time for v in ch["handle_time_by_sessions"]
                ]
            if ch.get("handle_time_means") is not None:  # else the factor cancels out
                changes[f"{where}.handle_time_means"] = [
                    float(v) * handle_time for v in ch["handle_time_means"]
                ]
        if patience != 1 and ch.get("patience") is not None:
            changes[f"{where}.patience"] = _scaled_distribution(ch["patience"], patience)
    return changes


def _headcount_changes(
    scenario: Scenario, headcount: Mapping[str, int], start: int, end: int
) -> tuple[dict[str, Any], list[str]]:
    """:func:`adjust`'s changes to the groups' schedules, and the periods left below 0."""
    changes: dict[str, Any] = {}
    problems = []
    labels = scenario.period_labels()
    for g, delta in headcount.items():
        if not delta:
            continue
        agents = list(scenario.scheduled(g))
        for p in range(start, end):
            agents[p] += int(delta)
        short = [p for p in range(start, end) if agents[p] < 0]
        if short:
            p = short[0]
            more = f" (and {len(short) - 1} more periods below 0)" if len(short) > 1 else ""
            problems.append(
                f"groups.{g}.agents[{p}]: {delta:+d} agents leaves {agents[p]} at {labels[p]}"
                + more
            )
        changes[f"groups.{g}.agents"] = agents
        changes[f"groups.{g}.shifts"] = None
    return changes, problems


def adjust(
    scenario: Scenario,
    *,
    volume: float = 1.0,
    handle_time: float = 1.0,
    patience: float = 1.0,
    headcount: Mapping[str, int] | None = None,
    start: int = 0,
    end: int | None = None,
) -> Scenario:
    """A copy of ``scenario`` with volumes, times and headcounts changed.

    Parameters
    ----------
    volume : factor on every channel's new journeys per interval (1.1 = +10%);
        ``arrival_paths`` rows are scaled and rounded to whole contacts.
    handle_time : factor on every channel's handle time (its mean, fixed value,
        samples, truncation bounds, ``handle_time_by_sessions`` and
        ``handle_time_means``, all in seconds).
    patience : factor on every channel's patience (channels without one stay
        infinitely patient).
    headcount : agents added (negative: removed) per group in each period of the
        window; the group's schedule becomes a per-period ``agents`` list.
    start, end : the window of periods for ``headcount`` (0-based, ``end`` excluded;
        None = to the end of the day).

    A factor of exactly 1 and a headcount change of 0 leave that part of the file as
    it is. Raises :class:`ScenarioError` naming the field: a factor that is not a
    number > 0, an unknown group, an empty window, or fewer than 0 agents in a period.
    """
    headcount = dict(headcount or {})
    end = scenario.periods if end is None else end
    problems = []
    for name, factor in (("volume", volume), ("handle_time", handle_time), ("patience", patience)):
        problems += _check_factor(name, factor)
    for g in headcount:
        problems += _check_group(scenario, f"headcount.{g}", g)
    if any(headcount.values()):
        problems += _check_window(scenario, start, end)
    if problems:
        raise ScenarioError(problems)
    changes = _channel_changes(scenario, volume, handle_time, patience)
    staffing, problems = _headcount_changes(scenario, headcount, start, end)
    if problems:
        raise ScenarioError(problems)
    changes.update(staffing)
    return scenario.updated(changes) if changes else scenario


def compare_groups(base: Result, whatif: Result) -> pd.DataFrame:
    """Paired change (what-if minus baseline) of every agent group's KPIs.

    The group counterpart of :func:`sim.measure.runner.compare`: both results need
    the same seed and replications (replication r of each saw the same customers).
    Groups present in only one scenario are left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, kpi, base, whatif, delta, ci95`` (ci95: half-width of the
        paired 95% interval of delta); KPIs as in ``Result.groups`` (occupancy,
        slot_utilisation, scheduled, productive, busy_agents).
    """
    return paired_by(base, whatif, base.group_reps, whatif.group_reps, ["group"], "compare_groups")
