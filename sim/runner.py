"""Run a scenario over replications, and compare a what-if with its baseline.

Replication ``r`` always uses the same random streams for a given seed, so a
what-if run with the baseline's seed sees the same customers wherever the change
does not touch them, and the paired differences have tight intervals.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .engine import RawRun, compile_scenario, run_replication
from .kpi import channel_table, flow_table, group_table, journey_row
from .results import Result, summarise
from .scenario import Scenario
from .streams import replication_seeds

__all__ = ["Progress", "compare", "simulate"]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each replication."""

DEFAULT_SL_THRESHOLD = 20.0  # s, when a channel has no service_level


def _thresholds(sc: Scenario) -> np.ndarray:
    return np.array(
        [
            ch.service_level.threshold if ch.service_level else DEFAULT_SL_THRESHOLD
            for ch in sc.channels.values()
        ]
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
    progress : called after each replication with (done, total).
    keep_runs : keep every contact record (``Result.runs``) for path analysis.
    """
    reps = scenario.replications if replications is None else int(replications)
    if reps < 1:
        raise ValueError("replications must be >= 1")
    seed = scenario.seed if seed is None else int(seed)
    model = compile_scenario(scenario)
    thr = _thresholds(scenario)
    warm, horizon = scenario.warmup_seconds, scenario.horizon_seconds
    tables: dict[str, list[pd.DataFrame]] = {k: [] for k in ("ch", "iv", "gr", "gi", "jr", "fl")}
    kept: list[RawRun] = []
    for r, ss in enumerate(replication_seeds(seed, reps)):
        run = run_replication(model, ss)
        ch, iv = channel_table(model, run, thr, warm)
        gr, gi = group_table(model, run, warm)
        for key, df in (
            ("ch", ch),
            ("iv", iv),
            ("gr", gr),
            ("gi", gi),
            ("jr", pd.DataFrame([journey_row(run, warm, horizon)])),
            ("fl", flow_table(model, run, warm, horizon)),
        ):
            df.insert(0, "replication", r)
            tables[key].append(df)
        if keep_runs:
            kept.append(run)
        if progress is not None:
            progress(r + 1, reps)
    cat = {k: pd.concat(v, ignore_index=True) for k, v in tables.items()}
    return Result(
        scenario=scenario,
        seed=seed,
        replications=reps,
        channel_reps=cat["ch"],
        interval_reps=cat["iv"],
        group_reps=cat["gr"],
        group_interval_reps=cat["gi"],
        journey_reps=cat["jr"],
        flow_reps=cat["fl"],
        runs=tuple(kept),
    )


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
