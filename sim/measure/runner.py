"""Run a scenario over replications, and compare a what-if with its baseline.

Replication ``r`` always uses the same random streams for a given seed, so a
what-if run with the baseline's seed sees the same customers wherever the change
does not touch them, and the paired differences have tight intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from sim.config.scenario import EffortTarget, Scenario
from sim.engine import Model, RawRun, compile_scenario, run_replication
from sim.engine.streams import replication_seed
from sim.measure.kpi import (
    Columns,
    channel_columns,
    day_columns,
    flow_columns,
    frame,
    group_columns,
    journey_columns,
    segment_columns,
)
from sim.measure.kpi_offers import rule_columns
from sim.measure.money import Rates, cost_columns, paid_hours
from sim.measure.results import Result, summarise
from sim.measure.workload import check, estimate

__all__ = [
    "TABLES",
    "Progress",
    "Replication",
    "collect",
    "compare",
    "paired_by",
    "compare_costs",
    "compare_journeys",
    "effort_target",
    "compare_segments",
    "segment_thresholds",
    "simulate",
    "simulate_replication",
]

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


def effort_target(sc: Scenario) -> tuple[int, float]:
    """(contacts, customer time s) of the journey effort target, defaults filled in."""
    t = sc.journeys.effort_target or EffortTarget()
    return t.contacts, t.time


TABLES = ("channels", "intervals", "groups", "group_intervals", "journeys", "flows")
"""A replication's KPI tables, in the order :func:`collect` summarises them (and
``days``, per channel per day, when the periods cover more than one day; ``costs``
for a scenario with ``costs``, :mod:`sim.measure.money`)."""
SEGMENT_TABLES = ("segments", "segment_intervals")
"""More tables of a scenario with customer segments: per segment, and per segment per period."""


def segment_thresholds(sc: Scenario) -> np.ndarray:
    """Service-level threshold (s) per segment (global id): its own, else its channel's."""
    out = []
    for ch in sc.channels.values():
        own = ch.service_level.threshold if ch.service_level else DEFAULT_SL_THRESHOLD
        for sg in (ch.segments or {}).values():
            out.append(sg.service_level.threshold if sg.service_level else own)
    return np.array(out, dtype=float)


@dataclass(frozen=True, eq=False)
class Replication:
    """One replication's KPI tables, each with a ``replication`` column first.

    The tables are kept as numpy columns (``columns[table][column]``, tables named
    as in :data:`TABLES`); each becomes a DataFrame the first time it is read, so
    runs of many replications build DataFrames once, in :func:`collect`.
    """

    index: int
    columns: Mapping[str, Columns]
    run: RawRun | None = None

    def _frame(self, table: str) -> pd.DataFrame:
        cols = self.columns[table]
        n = len(next(iter(cols.values())))
        return frame({"replication": np.full(n, self.index, dtype=np.int64), **cols})

    @cached_property
    def channels(self) -> pd.DataFrame:
        """Per channel KPIs (:data:`sim.measure.kpi.CHANNEL_KPIS`)."""
        return self._frame("channels")

    @cached_property
    def intervals(self) -> pd.DataFrame:
        """Per channel per period KPIs."""
        return self._frame("intervals")

    @cached_property
    def groups(self) -> pd.DataFrame:
        """Per agent group KPIs (:data:`sim.measure.kpi.GROUP_KPIS`)."""
        return self._frame("groups")

    @cached_property
    def group_intervals(self) -> pd.DataFrame:
        """Per agent group per period KPIs."""
        return self._frame("group_intervals")

    @cached_property
    def journeys(self) -> pd.DataFrame:
        """Journey KPIs (:data:`sim.measure.kpi.JOURNEY_KPIS`), one row."""
        return self._frame("journeys")

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Counted moves: from, to, count."""
        return self._frame("flows")

    @cached_property
    def costs(self) -> pd.DataFrame | None:
        """Cost KPIs (:data:`sim.measure.money.COST_KPIS`), one row; None without costs."""
        return self._frame("costs") if "costs" in self.columns else None

    @cached_property
    def rules(self) -> pd.DataFrame | None:
        """Per shaping rule KPIs (:data:`sim.measure.kpi_offers.RULE_KPIS`), or None
        when the scenario has no rules."""
        return self._frame("rules") if "rules" in self.columns else None

    @cached_property
    def segments(self) -> pd.DataFrame | None:
        """Per customer segment KPIs (channel, segment, the channel KPIs); None without."""
        return self._frame("segments") if "segments" in self.columns else None


def _replication(
    scenario: Scenario,
    model: Model,
    thresholds: np.ndarray,
    replication: int,
    seed: int,
    keep_run: bool,
) -> Replication:
    run = run_replication(model, replication_seed(seed, replication))
    warm, horizon = scenario.warmup_seconds, scenario.horizon_seconds
    ch, iv = channel_columns(model, run, thresholds, warm)
    gr, gi = group_columns(model, run, warm)
    tables = {
        "channels": ch,
        "intervals": iv,
        "groups": gr,
        "group_intervals": gi,
        "journeys": journey_columns(run, warm, horizon, *effort_target(scenario)),
        "flows": flow_columns(model, run, warm, horizon),
    }
    if scenario.spans_days:
        tables["days"] = day_columns(model, run, thresholds, iv)
    rates = Rates.of(scenario)
    if rates is not None:  # only scenarios with costs have the table
        hours = paid_hours(model.scheduled, model.interval, warm)
        resolved = float(tables["journeys"]["resolved"][0])
        tables["costs"] = cost_columns(rates, hours, ch["answered"], ch["abandoned"], resolved)
    if model.shaping.rules:  # scenarios with shaping rules: what each rule did
        tables["rules"], tables["rule_intervals"] = rule_columns(model, run, warm)
    if model.segments.any:
        seg_thresholds = segment_thresholds(scenario)
        tables["segments"], tables["segment_intervals"] = segment_columns(
            model, run, seg_thresholds, warm
        )
    return Replication(replication, tables, run if keep_run else None)


def simulate_replication(
    scenario: Scenario, replication: int, seed: int | None = None, *, keep_run: bool = False
) -> Replication:
    """Simulate replication number ``replication`` (0-based) of ``scenario``.

    The same (seed, replication) always draws the same customers, whichever process
    or machine runs it: this is the unit of work for parallel runs and sweeps.

    Raises :class:`~sim.measure.workload.WorkloadError` before drawing anything if the
    replication cannot fit in the memory available.
    """
    check(estimate(scenario, 1, keep_runs=keep_run))
    return _simulate_replication(scenario, replication, seed, keep_run)


def _simulate_replication(
    scenario: Scenario, replication: int, seed: int | None, keep_run: bool
) -> Replication:
    seed = scenario.seed if seed is None else int(seed)
    model = compile_scenario(scenario)
    return _replication(scenario, model, _thresholds(scenario), replication, seed, keep_run)


def _stack(reps: Sequence[Replication], table: str) -> pd.DataFrame:
    """One table of every replication, stacked (replication column first)."""
    parts = [r.columns[table] for r in reps]
    index = [
        np.full(len(next(iter(p.values()))), r.index, dtype=np.int64)
        for r, p in zip(reps, parts, strict=True)
    ]
    cols: Columns = {"replication": np.concatenate(index)}
    for name in parts[0]:
        cols[name] = np.concatenate([p[name] for p in parts])
    return frame(cols)


def collect(scenario: Scenario, seed: int, replications: Sequence[Replication]) -> Result:
    """Summarise replications (in any order) into a :class:`Result`."""
    reps = sorted(replications, key=lambda r: r.index)
    return Result(
        scenario=scenario,
        seed=seed,
        replications=len(reps),
        channel_reps=_stack(reps, "channels"),
        interval_reps=_stack(reps, "intervals"),
        group_reps=_stack(reps, "groups"),
        group_interval_reps=_stack(reps, "group_intervals"),
        journey_reps=_stack(reps, "journeys"),
        flow_reps=_stack(reps, "flows"),
        day_reps=_stack(reps, "days") if "days" in reps[0].columns else None,
        rule_reps=_stack(reps, "rules") if "rules" in reps[0].columns else None,
        rule_interval_reps=(
            _stack(reps, "rule_intervals") if "rule_intervals" in reps[0].columns else None
        ),
        **(
            {
                "segment_reps": _stack(reps, "segments"),
                "segment_interval_reps": _stack(reps, "segment_intervals"),
            }
            if reps and "segments" in reps[0].columns
            else {}
        ),
        runs=tuple(r.run for r in reps if r.run is not None),
        cost_reps=_stack(reps, "costs") if "costs" in reps[0].columns else None,
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
    model = compile_scenario(scenario)
    thresholds = _thresholds(scenario)
    done: list[Replication] = []
    if progress is not None:
        progress(0, reps)
    for r in range(reps):
        done.append(_replication(scenario, model, thresholds, r, seed, keep_runs))
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
    return paired_by(base, whatif, base.channel_reps, whatif.channel_reps, ["channel"], "compare")


def _same_customers(base: Result, whatif: Result, what: str) -> None:
    if base.seed != whatif.seed or base.replications != whatif.replications:
        raise ValueError(
            f"{what} needs both runs with the same seed and replications "
            f"(got seed {base.seed}/{whatif.seed}, "
            f"replications {base.replications}/{whatif.replications})"
        )


def paired_by(
    base: Result,
    whatif: Result,
    b: pd.DataFrame,
    w: pd.DataFrame,
    by: list[str],
    what: str = "a paired comparison",
) -> pd.DataFrame:
    """Paired differences (what-if minus baseline) of per-replication tables ``b`` and
    ``w`` (columns ``replication``, ``by``, KPIs), keyed by ``by`` (e.g. channel, or
    channel and segment); keys in only one table are left out. Returns columns
    ``by, kpi, base, whatif, delta, ci95`` (base / whatif: the means over replications;
    ci95: half-width of the paired 95% interval of delta). ``what`` names the caller in
    the error raised when the runs do not share seed and replications."""
    _same_customers(base, whatif, what)
    bi = b.set_index(["replication", *by])
    wi = w.set_index(["replication", *by])
    common = bi.index.intersection(wi.index)
    delta = (wi.loc[common] - bi.loc[common]).reset_index()
    out = summarise(delta, by).rename(columns={"mean": "delta"})
    idx = pd.MultiIndex.from_frame(out[[*by, "kpi"]])
    means_b = summarise(b, by).set_index([*by, "kpi"])["mean"]
    means_w = summarise(w, by).set_index([*by, "kpi"])["mean"]
    out.insert(len(by) + 1, "base", means_b.reindex(idx).to_numpy())
    out.insert(len(by) + 2, "whatif", means_w.reindex(idx).to_numpy())
    return out.drop(columns="n")


def _paired(base: Result, whatif: Result, b: pd.DataFrame, w: pd.DataFrame) -> pd.DataFrame:
    """Paired change of one-row-per-replication tables (``replication`` + KPI columns):
    columns kpi, base, whatif, delta, ci95, KPIs in ``b``'s column order (those in both)."""
    _same_customers(base, whatif, "a paired comparison")
    kpis = [c for c in b.columns if c != "replication" and c in w.columns]
    bi, wi = b.set_index("replication")[kpis], w.set_index("replication")[kpis]
    rows = {"base": bi.mean(), "whatif": wi.mean()}
    delta = (wi - bi).reset_index().assign(_all="all")
    paired = summarise(delta, ["_all"]).set_index("kpi")
    out = pd.DataFrame(rows).assign(delta=paired["mean"], ci95=paired["ci95"])
    return out.rename_axis("kpi").reset_index()


def compare_journeys(base: Result, whatif: Result) -> pd.DataFrame:
    """Paired differences (what-if minus baseline) of every journey KPI (customers,
    outcomes, contacts per journey, effort): columns kpi, base, whatif, delta, ci95.

    Same seed and replications required, as for :func:`compare`.
    """
    return _paired(base, whatif, base.journey_reps, whatif.journey_reps)


def compare_costs(base: Result, whatif: Result) -> pd.DataFrame:
    """Paired money change (what-if minus baseline) of every cost KPI: columns kpi,
    base, whatif, delta, ci95. Both results need ``costs`` (a ValueError otherwise);
    same seed and replications, as for :func:`compare`.
    """
    if base.cost_reps is None or whatif.cost_reps is None:
        raise ValueError("compare_costs needs both scenarios with a costs section")
    return _paired(base, whatif, base.cost_reps, whatif.cost_reps)


def compare_segments(base: Result, whatif: Result) -> pd.DataFrame | None:
    """:func:`compare` per customer segment: columns channel, segment, kpi, base,
    whatif, delta, ci95, for the (channel, segment) pairs both scenarios have; None
    when either has no segments. Same seed and replications as :func:`compare`."""
    if base.segment_reps is None or whatif.segment_reps is None:
        return None
    by = ["channel", "segment"]
    return paired_by(base, whatif, base.segment_reps, whatif.segment_reps, by, "compare")
