"""Run a scenario over replications, and compare a what-if with its baseline.

Replication ``r`` always uses the same random streams for a given seed, so a
what-if run with the baseline's seed sees the same customers wherever the change
does not touch them, and the paired differences have tight intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .engine import RawRun, compile_scenario, run_replication
from .kpi import channel_table, flow_table, group_table, journey_row
from .results import Result, summarise
from .scenario import Scenario
from .streams import replication_seed
from .workload import check, estimate

__all__ = ["Progress", "Replication", "collect", "compare", "simulate", "simulate_replication"]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` before the first replication (``done`` 0) and
after each one."""

DEFAULT_SL_THRESHOLD = 20.0  # s, when a channel has no service_level


def _thresholds(sc: Scenario) -> np.ndarray:
    return np.array(
        [
            ch.service_level.threshold if ch.service_level else DEFAULT_SL_THRESHOLD
            for ch in sc.channels.values()
        ]
    )


@dataclass(frozen=True, eq=False)
class Replication:
    """One replication's KPI tables, each with a ``replication`` column first."""

    index: int
    channels: pd.DataFrame
    intervals: pd.DataFrame
    groups: pd.DataFrame
    group_intervals: pd.DataFrame
    journeys: pd.DataFrame
    flows: pd.DataFrame
    run: RawRun | None = None


def simulate_replication(
    scenario: Scenario, replication: int, seed: int | None = None, *, keep_run: bool = False
) -> Replication:
    """Simulate replication number ``replication`` (0-based) of ``scenario``.

    The same (seed, replication) always draws the same customers, whichever process
    or machine runs it: this is the unit of work for parallel runs and sweeps.

    Raises :class:`~sim.workload.WorkloadError` before drawing anything if the
    replication cannot fit in the memory available.
    """
    check(estimate(scenario, 1, keep_runs=keep_run))
    return _simulate_replication(scenario, replication, seed, keep_run)


def _simulate_replication(
    scenario: Scenario, replication: int, seed: int | None, keep_run: bool
) -> Replication:
    seed = scenario.seed if seed is None else int(seed)
    model = compile_scenario(scenario)
    run = run_replication(model, replication_seed(seed, replication))
    warm, horizon = scenario.warmup_seconds, scenario.horizon_seconds
    ch, iv = channel_table(model, run, _thresholds(scenario), warm)
    gr, gi = group_table(model, run, warm)
    jr = pd.DataFrame([journey_row(run, warm, horizon)])
    fl = flow_table(model, run, warm, horizon)
    for df in (ch, iv, gr, gi, jr, fl):
        df.insert(0, "replication", replication)
    return Replication(replication, ch, iv, gr, gi, jr, fl, run if keep_run else None)


def collect(scenario: Scenario, seed: int, replications: Sequence[Replication]) -> Result:
    """Summarise replications (in any order) into a :class:`Result`."""
    reps = sorted(replications, key=lambda r: r.index)

    def cat(attr: str) -> pd.DataFrame:
        return pd.concat([getattr(r, attr) for r in reps], ignore_index=True)

    return Result(
        scenario=scenario,
        seed=seed,
        replications=len(reps),
        channel_reps=cat("channels"),
        interval_reps=cat("intervals"),
        group_reps=cat("groups"),
        group_interval_reps=cat("group_intervals"),
        journey_reps=cat("journeys"),
        flow_reps=cat("flows"),
        runs=tuple(r.run for r in reps if r.run is not None),
    )


def simulate(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    keep_runs: bool = False,
) -> Result:
    """Simulate ``scenario`` and summarise it.

    Parameters
    ----------
    replications, seed : override the scenario's own values.
    progress : called with (0, total) first, then after each replication with
        (done, total).
    keep_runs : keep every contact record (``Result.runs``) for path analysis.

    Raises
    ------
    WorkloadError
        before anything runs, when the estimated memory of the run (one replication's
        contacts, every replication's kept results) exceeds what is available.
    """
    reps = scenario.replications if replications is None else int(replications)
    if reps < 1:
        raise ValueError("replications must be >= 1")
    check(estimate(scenario, reps, keep_runs=keep_runs))
    seed = scenario.seed if seed is None else int(seed)
    done: list[Replication] = []
    if progress is not None:
        progress(0, reps)
    for r in range(reps):
        done.append(_simulate_replication(scenario, r, seed, keep_runs))
        if progress is not None:
            progress(r + 1, reps)
    return collect(scenario, seed, done)


def compare(base: Result, whatif: Result) -> pd.DataFrame:
    """Paired differences (what-if minus baseline) of every channel KPI.

    Both results must come from the same seed and number of replications, so that
    replication r of each saw the same customers. Returns columns channel, kpi,
    base, whatif, delta, ci95 (half-width of the paired 95% interval of delta).
    Channels present in only one scenario are left out.
    """
    if base.seed != whatif.seed or base.replications != whatif.replications:
        raise ValueError(
            "compare needs both runs with the same seed and replications "
            f"(got seed {base.seed}/{whatif.seed}, "
            f"replications {base.replications}/{whatif.replications})"
        )
    key = ["replication", "channel"]
    b = base.channel_reps.set_index(key)
    w = whatif.channel_reps.set_index(key)
    common = b.index.intersection(w.index)
    delta = (w.loc[common] - b.loc[common]).reset_index()
    out = summarise(delta, ["channel"]).rename(columns={"mean": "delta"})
    means_b = base.channels.set_index(["channel", "kpi"])["mean"]
    means_w = whatif.channels.set_index(["channel", "kpi"])["mean"]
    idx = pd.MultiIndex.from_frame(out[["channel", "kpi"]])
    out.insert(2, "base", means_b.reindex(idx).to_numpy())
    out.insert(3, "whatif", means_w.reindex(idx).to_numpy())
    return out.drop(columns="n")
