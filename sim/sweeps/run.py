"""Batch scenario sweeps: many variants x replications, one tidy DataFrame.

::

    import sim
    df = sim.sweep("scenarios/sweep_staffing.yaml", out="results.parquet", workers=2)
    df.groupby(["groups.phones.agents", "channel"])["service_level"].mean()

Every variant runs with the sweep's seed, and replication ``r`` of every variant
uses the same random streams (common random numbers), whichever backend runs it:
the table is identical serial, in a process pool and on Dask, row for row.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.measure.runner import Progress
from sim.measure.workload import check_sweep, estimate
from sim.sweeps.backends import default_workers, make_backend, split
from sim.sweeps.spec import (
    SweepPlan,
    SweepSpec,
    Variant,
    parameter_value,
    plan_sweep,
    table_columns,
)
from sim.sweeps.store import PartStore
from sim.sweeps.tasks import Task

__all__ = ["SAMPLED_VARIANTS", "check_sweep_memory", "sweep", "sweep_table"]

SAMPLED_VARIANTS = 200
"""Variants (evenly spread, the base among them) whose replication memory is
estimated before a sweep runs; every replication still checks its own as it starts."""


def check_sweep_memory(
    plan: SweepPlan, todo: list[Variant], workers: int | None = None, variants: int | None = None
) -> None:
    """Raise :class:`~sim.measure.workload.WorkloadError` if running the variants ``todo`` with
    ``workers`` processes cannot fit in memory: the results table of ``variants``
    variants (default: all of ``plan``'s) and the replications running at once."""
    step = max(len(todo) // SAMPLED_VARIANTS, 1)
    works = [estimate(sc, 1) for sc in [plan.base, *(v.scenario for v in todo[::step])]]
    check_sweep(
        variants=len(plan.variants) if variants is None else variants,
        replications=plan.replications,
        channels=len(plan.base.channels),
        columns=table_columns(plan.base, plan.parameters),
        replication_peak=max(w.peak_bytes for w in works) if todo else 0,
        workers=workers or default_workers(),
        source=plan.source,
    )


def sweep(
    spec: SweepPlan | SweepSpec | Mapping[str, Any] | str | Path,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
    root: str | Path | None = None,
) -> pd.DataFrame:
    """Run every variant x replication of a sweep and return the tidy table.

    Parameters
    ----------
    spec : a sweep file path, its data (a mapping with ``base``, ``grid``, ``zip``,
        ``variants``, ``replications``, ``seed``), or a plan from :func:`plan_sweep`.
    out : write the table here (``.parquet``/``.pq`` or ``.csv``) and keep finished
        variants in ``<out>.parts/``, so a rerun skips them. None: memory only.
    workers : processes at once (default: the CPU count); 1 runs in this process.
        With ``scheduler="local"``, the size of the local Dask cluster.
    scheduler : None for a local process pool; ``"local"`` for a Dask LocalCluster
        started here; ``"tcp://host:8786"`` or a ``dask.distributed.Client`` for an
        existing Dask cluster.
    progress : called as ``progress(done, total)`` with the variant-replications
        run so far and to run (finished variants found in ``out`` not counted).
    root : directory a relative ``base`` path resolves against (default: the sweep
        file's directory, or the working directory for data).

    Returns
    -------
    DataFrame with one row per variant x replication x channel: ``run_id``,
    ``replication``, ``seed``, one column per swept path (the value used), ``channel``,
    every channel KPI, ``group.<name>.<kpi>`` and ``journey.<kpi>``.

    Raises
    ------
    SweepError
        for an invalid sweep or output path, before anything runs.
    WorkloadError
        when the sweep cannot fit in memory (see :func:`check_sweep_memory`), before
        anything runs.
    """
    plan = spec if isinstance(spec, SweepPlan) else plan_sweep(spec, root=root)
    store = PartStore(out) if out is not None else None
    first: dict[str, Variant] = {}
    for v in plan.variants:  # identical variants are computed once
        first.setdefault(v.key, v)
    done = store.finished(first) if store is not None else set()
    todo = [v for key, v in first.items() if key not in done]
    local = scheduler is None or scheduler == "local"  # a remote cluster has its own memory
    check_sweep_memory(plan, todo, workers if local else 1, len(first))
    units = len(todo) * plan.replications
    frames: dict[str, pd.DataFrame] = {}
    if units:
        pending: dict[str, list[tuple[tuple[int, ...], pd.DataFrame]]] = defaultdict(list)
        with make_backend(workers, scheduler, units) as backend:
            if store is not None:  # only once the backend is up: nothing written before
                store.prepare()
            if progress is not None:
                progress(0, units)
            runs = split(plan.replications, backend.chunk_size(units, plan.replications))
            tasks = [Task(v.key, v.scenario, reps, plan.seed) for v in todo for reps in runs]
            finished = 0
            for res in backend.run(tasks):
                got = pending[res.key]
                got.append((res.replications, res.rows))
                if sum(len(r) for r, _ in got) == plan.replications:
                    rows = pd.concat([df for _, df in sorted(got, key=lambda x: x[0])])
                    rows = rows.reset_index(drop=True)
                    del pending[res.key]
                    if store is not None:
                        store.write(res.key, rows)
                    else:
                        frames[res.key] = rows
                finished += len(res.replications)
                if progress is not None:
                    progress(finished, units)
    if store is not None:
        frames = {key: store.read(key) for key in first}
    table = sweep_table(plan, frames)
    if store is not None:
        store.write_output(table)
    return table


def sweep_table(plan: SweepPlan, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Join each variant's rows (by key) in run order, with run id and swept values."""
    pieces = [frames[v.key] for v in plan.variants]
    lengths = [len(p) for p in pieces]
    table = pd.concat(pieces, ignore_index=True)
    run_ids = pd.Series([v.run_id for v in plan.variants], dtype="int64")
    table.insert(0, "run_id", run_ids.repeat(lengths).reset_index(drop=True))
    at = table.columns.get_loc("seed")
    assert isinstance(at, int)
    data = [v.scenario.to_dict() for v in plan.variants]
    for j, path in enumerate(plan.parameters):
        column = _column([parameter_value(d, path) for d in data])
        table.insert(at + 1 + j, path, column.repeat(lengths).reset_index(drop=True))
    return table


def _column(values: list[Any]) -> pd.Series:
    """Swept values as one typed column: numbers, booleans or text; anything else as JSON."""

    def kind(x: Any) -> str:
        if x is None:
            return "none"
        if isinstance(x, bool):
            return "bool"
        if isinstance(x, (int, float)):
            return "number"
        if isinstance(x, str):
            return "str"
        return "other"

    kinds = {kind(x) for x in values}
    if kinds == {"bool"}:
        return pd.Series(values, dtype=bool)
    if kinds <= {"number", "none"} and "number" in kinds:
        if kinds == {"number"} and all(isinstance(x, int) for x in values):
            return pd.Series(values, dtype="int64")
        return pd.Series([float("nan") if x is None else float(x) for x in values])
    if kinds <= {"str", "none"}:
        return pd.Series(values, dtype="str") if "none" not in kinds else pd.Series(values)
    return pd.Series([None if x is None else json.dumps(x) for x in values])
