"""The unit of work of a sweep: replications of one variant, as tidy rows.

A :class:`Task` carries everything a worker needs (the variant's scenario, the
replication number and the sweep's seed), so any process or machine computes the
same rows for it: replication ``r`` draws the same customers whatever runs it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config.scenario import Scenario
from sim.measure.kpi_offers import RULE_KPIS
from sim.measure.runner import Replication, simulate_replication

__all__ = ["Task", "TaskResult", "replication_rows", "run_task"]


@dataclass(frozen=True)
class Task:
    """Replications ``replications`` of the variant whose results are keyed ``key``.

    Usually one replication; a backend with a high cost per task (Dask) may batch
    a few replications of one variant into one task.
    """

    key: str
    scenario: Scenario
    replications: tuple[int, ...]
    seed: int


@dataclass(frozen=True, eq=False)
class TaskResult:
    """The rows of one task (replications in order) and the time it took (s)."""

    key: str
    replications: tuple[int, ...]
    rows: pd.DataFrame
    seconds: float
    """Wall-clock time."""
    cpu_seconds: float
    """CPU time of the worker process (less than ``seconds`` when cores are shared)."""


def replication_rows(rep: Replication, seed: int) -> pd.DataFrame:
    """One row per channel: every channel KPI, then group and journey KPIs.

    Columns: ``replication``, ``seed``, ``channel``, the channel KPIs of
    :mod:`sim.kpi` (``offered``, ``service_level``, ``asa`` (s), ...), then
    ``group.<name>.<kpi>`` (``occupancy``, ``scheduled``, ``busy_agents``) and
    ``journey.<kpi>`` (``customers``, ``resolved``, ``lost``, ...) and, for scenarios
    with ``costs``, ``cost.<kpi>`` (``cost``, ``wages``, ``cost_per_contact``, ...),
    and for scenarios with shaping rules ``rule.<name>.<kpi>`` (``fired``, ``offered``,
    ``accepted``, ...: what the rule did), which repeat on every channel row of the
    replication. Scenarios with customer
    segments end with ``segment.<name>.<kpi>`` (the channel KPIs of the row's channel's
    segment of that name; NaN on channels without it).
    """
    rows = rep.channels.copy()
    rows.insert(1, "seed", seed)
    extra: dict[str, float] = {}
    group_kpis = [c for c in rep.groups.columns if c not in ("replication", "group")]
    for g in rep.groups.itertuples(index=False):
        for kpi in group_kpis:
            extra[f"group.{g.group}.{kpi}"] = float(getattr(g, kpi))
    journey = rep.journeys.iloc[0]
    for kpi in rep.journeys.columns:
        if kpi != "replication":
            extra[f"journey.{kpi}"] = float(journey[kpi])
    costs = rep.costs  # scenarios with costs: cost.<kpi> (cost, wages, net, ...)
    if costs is not None:
        money = costs.iloc[0]
        for kpi in costs.columns:
            if kpi != "replication":
                extra[f"cost.{kpi}"] = float(money[kpi])
    rules = rep.rules  # scenarios with shaping rules: rule.<name>.<kpi> (fired, ...)
    if rules is not None:
        for r in rules.itertuples(index=False):
            for kpi in RULE_KPIS:
                extra[f"rule.{r.rule}.{kpi}"] = float(getattr(r, kpi))
    return _with_segments(rows.assign(**extra), rep.segments)


def _with_segments(rows: pd.DataFrame, segments: pd.DataFrame | None) -> pd.DataFrame:
    """``rows`` (one per channel) with ``segment.<name>.<kpi>`` columns, per channel."""
    if segments is None:
        return rows
    kpis = [c for c in segments.columns if c not in ("replication", "channel", "segment")]
    channel = rows["channel"].to_numpy()
    cols: dict[str, np.ndarray] = {}
    for r in segments.itertuples(index=False):
        mine = channel == r.channel
        for kpi in kpis:
            col = cols.setdefault(f"segment.{r.segment}.{kpi}", np.full(len(rows), np.nan))
            col[mine] = float(getattr(r, kpi))
    return pd.concat([rows, pd.DataFrame(cols, index=rows.index)], axis=1)


def run_task(task: Task) -> TaskResult:
    """Simulate one task (runs in a worker process; must stay importable and picklable)."""
    if not task.replications:
        raise ValueError("a task needs at least one replication")
    start, cpu = time.perf_counter(), time.process_time()
    frames = [
        replication_rows(simulate_replication(task.scenario, r, task.seed), task.seed)
        for r in task.replications
    ]
    rows = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return TaskResult(
        task.key,
        task.replications,
        rows,
        time.perf_counter() - start,
        time.process_time() - cpu,
    )
