"""What-if variants of a scenario, and paired comparisons beyond the channel KPIs.

A reallocation moves agents from one group to another during a window of periods,
e.g. "6 agents from the phone team to the digital team from 10:00 to 14:00". It
returns a new validated :class:`~sim.config.scenario.Scenario`; the original is untouched,
so the baseline and the what-if can run side by side with common random numbers.
"""

from __future__ import annotations

from typing import cast

import pandas as pd

from sim.config.scenario import Scenario, ScenarioError
from sim.measure.results import Result, summarise

__all__ = ["carry_context", "compare_flows", "movable_agents", "reallocate"]


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
