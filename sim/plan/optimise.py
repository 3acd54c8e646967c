"""Simulation-based staffing: the fewest agents per group and interval meeting every target
with customer journeys (redials, channel switches, recontacts, chasing) included.

Per-channel Erlang (:mod:`sim.staffing`) ignores that starving one channel pushes its
customers into another. This optimiser starts from the analytic answer and corrects it
with the simulator:

1. **evaluate** a staffing plan (scheduled agents per group and period) by simulating
   it with a fixed search seed, so every plan sees the same customers (common random
   numbers) and differences between plans are the staffing's, not the dice's;
2. **add** one agent where a target fails: in the failing interval, to the group that
   has the channel highest in its skills (for deferred channels, in the interval's
   answer window);
3. **remove** where there is slack, group by group, coarse to fine: take one agent off
   every period not yet known to be tight; periods whose removal broke an interval
   (the latest removal at or before it) are marked tight and the rest is tried again;
   failures that cannot be traced to an interval (a day-level target) split the set in
   halves. Every accepted removal is verified by a simulation. No group goes below its
   share of the live channels' own workload in an interval (Erlangs of new work), so
   no interval leans on its neighbours to clear its live work;
4. repeat until a removal pass changes nothing (or the simulation budget is spent);
5. **confirm** with more replications and new seeds (new customers), reporting per
   target the mean, its 95% CI and the confidence that the target is met.

Cost per decision: a plan's replications are judged on the few counts the targets need
(:mod:`sim.measure.kpi_lean`, no DataFrames), and a **removal** is simulated one replication at
a time (``early_reject``, on by default): after each, the candidate's replications so
far, completed with the current plan's remaining ones (an optimistic stand-in: that plan
has more agents; not a strict bound, since the margins and confidence come from the
spread across replications, and a mixed set can spread more), are judged as a whole; if
that misses a target the removal is rejected without simulating the rest. A removal is
only ever accepted on all of its own replications, judged exactly as before: early
rejection never accepts anything weaker, but it may keep an agent a full evaluation
would have removed (+0.8% agent-hours on retail_bank).

Targets: live channels must meet their service level (and any ASA / abandon cap) in
every interval, pooled over the search replications, and over the whole window;
deferred channels (whose thresholds are hours) over the window and in every interval
whose answer window ends before the horizon does (items arriving later cannot be
answered in time after the centre closes). A customer segment with its own
``service_level`` must meet it over the window (segments are too small for a check
per interval); where it misses, agents are added in the intervals where the segment's
pooled service level is below its target. ``max_occupancy`` caps the slot utilisation
of groups without deferred skills, per interval.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from sim.config.scenario import Scenario
from sim.engine import Model, compile_scenario, run_replication
from sim.engine.streams import replication_seed
from sim.measure.kpi import group_table
from sim.measure.kpi_lean import ServiceCounts, ratio, service_counts
from sim.measure.money import Rates, plan_wages
from sim.measure.results import Result
from sim.measure.runner import DEFAULT_SL_THRESHOLD, segment_thresholds, simulate
from sim.plan.staffing import (
    Caps,
    Targets,
    fewest_servers,
    group_requirements,
    requirements,
    responsible_group,
    scheduled_from_productive,
    split_over_groups,
)

__all__ = ["OptimiseError", "OptimiseOptions", "Optimised", "Step", "optimise"]

Message = Callable[[str], None]
Step = Callable[[int, int], None]
"""Called as ``step(simulations, budget)``: before each search evaluation (the
simulations started so far, the ``max_simulations`` budget), and with
``(budget, budget)`` before the confirmation run. A step that raises stops the search
(a UI's cancel button); the exception propagates out of :func:`optimise`."""


class OptimiseError(ValueError):
    """Bad optimiser options; the message names the field."""


@dataclass(frozen=True)
class OptimiseOptions:
    """How hard the optimiser looks.

    Parameters
    ----------
    replications : replications per search evaluation (same seed every time).
    confirm_replications : replications of the final confirmation run.
    seed : search seed (default: the scenario's).
    confirm_seed : seed of the confirmation run (default: a different one, so the
        confirmation sees customers the search never saw).
    max_simulations : evaluations allowed (each is ``replications`` replications).
    confidence : probability (t-distribution over the search replications) with which a
        plan must meet each channel's whole-window target to be accepted; a margin
        against fitting the search's own customers.
    interval_confidence : the same for each interval's target (pooled mean, standard
        error over the search replications): choosing the fewest agents interval by
        interval favours intervals whose search customers were lucky, so without a
        margin the plan falls short on new customers.
    early_reject : simulate a removal one replication at a time and reject it as soon
        as its replications so far, completed with the current plan's remaining ones,
        miss a target (the current plan has more agents: an optimistic stand-in, not a
        strict bound, so it may keep an agent a full evaluation would remove); off,
        every evaluation runs all
        ``replications``. Acceptance always needs all of them either way.
    """

    replications: int = 6
    confirm_replications: int = 20
    seed: int | None = None
    confirm_seed: int | None = None
    max_simulations: int = 300
    confidence: float = 0.9
    interval_confidence: float = 0.75
    early_reject: bool = True

    def __post_init__(self) -> None:
        for name in ("confidence", "interval_confidence"):
            v = getattr(self, name)
            if not 0 <= v < 1:
                raise OptimiseError(f"{name}: must be in [0, 1), got {v!r}")
        for name in ("replications", "confirm_replications", "max_simulations"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise OptimiseError(f"{name}: must be a whole number >= 1, got {v!r}")
        for name in ("seed", "confirm_seed"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, int) or v < 0):
                raise OptimiseError(f"{name}: must be a whole number >= 0, got {v!r}")


@dataclass(frozen=True)
class _Failure:
    kind: str  # "interval", "window", "segment" or "occupancy"
    name: str  # channel (or group for occupancy)
    period: int  # -1 for the window
    kpi: str  # the segment's name for a "segment" failure (its window service level)


@dataclass(frozen=True, eq=False)
class _Eval:
    ok: bool
    failures: tuple[_Failure, ...]
    sl: dict[str, np.ndarray]  # pooled interval service level per channel
    # pooled interval service level per (channel, segment) with a segment target
    segment_sl: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Optimised:
    """The optimiser's answer.

    ``staffing``: one row per group and period with the ``analytic`` and ``optimised``
    scheduled agents and their ``delta``. ``channels``: per channel and period, new
    journeys, ``hops_in`` (redials, switches and recontacts, from the confirmation run)
    and the Erlang agents for new journeys only (``erlang_new``) and for everything
    offered (``erlang_offered``). ``differences``: the rows of ``staffing`` where the
    two answers differ, with the ``reason``. ``targets``: per channel and target, the
    confirmation run's mean, CI half-width, the ``confidence`` (probability under the
    t-distribution that the true mean meets the target) and ``met``.
    """

    scenario: Scenario
    requirements: pd.DataFrame
    staffing: pd.DataFrame
    channels: pd.DataFrame
    differences: pd.DataFrame
    targets: pd.DataFrame
    confirmation: Result
    confirm_seed: int
    simulations: int
    replications_simulated: int
    cpu_seconds: float
    converged: bool
    trace: tuple[str, ...] = field(default=(), repr=False)

    def wages(self) -> dict[str, float] | None:
        """Wages (``costs.wage_per_hour`` x paid agent-hours in the counted window) of the
        ``analytic`` and the ``optimised`` plan; None when the scenario has no costs."""
        if self.scenario.costs is None:
            return None
        groups = list(self.scenario.groups)
        plans = {}
        for col in ("analytic", "optimised"):
            wide = self.staffing.pivot(index="group", columns="period", values=col)
            plans[col] = plan_wages(self.scenario, wide.reindex(groups).to_numpy())
        return plans

    @property
    def met(self) -> bool:
        """Every target met in the confirmation run."""
        return bool(self.targets["met"].all())

    def summary(self) -> str:
        """A few lines for the command line."""
        st = self.staffing
        agent_hours = self.scenario.interval_minutes / 60
        lines = [
            f"simulation optimiser: {self.simulations} simulations "
            f"({self.replications_simulated} replications), {self.cpu_seconds:.1f} CPU s, "
            + ("converged" if self.converged else "budget spent before converging"),
            f"agent-hours scheduled: analytic {st['analytic'].sum() * agent_hours:g}, "
            f"optimised {st['optimised'].sum() * agent_hours:g}",
        ]
        wages = self.wages()
        if wages is not None:
            lines.append(
                f"wages: analytic {wages['analytic']:,.2f}, optimised {wages['optimised']:,.2f}"
            )
            costs = self.confirmation.costs
            if costs is not None:
                c = costs.set_index("kpi")[["mean", "ci95"]].astype(float)
                lines.append(
                    f"cost in the confirmation run (wages + contacts + abandonment): "
                    f"{c['mean']['cost']:,.2f} ± {c['ci95']['cost']:,.2f}"
                )
        wide = st.pivot(index="period", columns="group", values="optimised")
        wide.insert(0, "time", self.scenario.period_labels())
        lines += ["scheduled agents per group", wide.to_string(index=False)]
        lines.append(
            f"confirmation: {self.confirmation.replications} replications, new seed "
            f"{self.confirm_seed}"
        )
        t = self.targets.copy()
        lines.append(
            t.to_string(index=False, float_format=lambda v: f"{v:.4g}")
            if not t.empty
            else "(no targets)"
        )
        if not self.differences.empty:
            lines.append("differences from per-channel Erlang (scheduled agents):")
            for r in self.differences.itertuples():
                lines.append(f"  {r.time} {r.group}: {r.delta:+d} ({r.reason})")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class _Runs:
    """A plan's search replications simulated so far, in replication order: their
    counts and, when an occupancy cap is set, slot utilisation per group and period."""

    counts: list[ServiceCounts]
    occupancy: list[np.ndarray]


def _spread(per_rep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per period: standard deviation (ddof 1; 0 below two values) and number of the
    replications' defined (non-NaN) values; ``per_rep`` is (replications, periods)."""
    n = (~np.isnan(per_rep)).sum(axis=0)
    safe = np.where(np.isnan(per_rep), 0.0, per_rep)
    mean = safe.sum(axis=0) / np.maximum(n, 1)
    dev = np.where(np.isnan(per_rep), 0.0, per_rep - mean)
    sd = np.sqrt((dev**2).sum(axis=0) / np.maximum(n - 1, 1))
    return np.where(n > 1, sd, 0.0), n.astype(float)


def _pooled(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.maximum(den, 1e-300), np.nan)


class _Search:
    """Staffing plans as a (groups x periods) integer array; evaluations are cached."""

    def __init__(
        self,
        sc: Scenario,
        targets: Targets,
        opts: OptimiseOptions,
        message: Message | None,
        on_step: Step | None = None,
    ):
        self.sc = sc
        self.on_step = on_step
        self.targets = targets
        self.opts = opts
        self.seed = sc.seed if opts.seed is None else opts.seed
        self.groups = list(sc.groups)
        self.channels = list(sc.channels)
        self.cache: dict[bytes, _Eval] = {}
        self.runs: dict[bytes, _Runs] = {}
        self.sims = 0
        self.replications = 0
        self.thresholds = np.array(
            [
                ch.service_level.threshold if ch.service_level else DEFAULT_SL_THRESHOLD
                for ch in sc.channels.values()
            ]
        )
        self.check_occupancy = targets.max_occupancy is not None
        self.message = message
        self.trace: list[str] = []
        step = sc.interval_seconds
        self.window_periods: dict[str, int] = {}
        self.feasible: dict[str, np.ndarray] = {}
        for c, ch in sc.channels.items():
            thr = ch.service_level.threshold if ch.service_level else 0.0
            self.window_periods[c] = max(1, int(round(thr / step)))
            ends = (np.arange(sc.periods) + 1) * step + thr
            self.feasible[c] = (
                ends <= sc.horizon_seconds + 1e-9
                if ch.mode == "deferred"
                else np.ones(sc.periods, bool)
            )
        # customer segments with their own service level: (global id, channel, name, target)
        segmented = any(ch.segments for ch in sc.channels.values())
        self.segment_thresholds = segment_thresholds(sc) if segmented else None
        self.segment_targets = [
            (sid, c, name, sg.service_level.target)
            for sid, (c, name, sg) in enumerate(
                (c, name, sg)
                for c, ch in sc.channels.items()
                for name, sg in (ch.segments or {}).items()
            )
            if sg.service_level is not None
        ]
        self.occ_groups = [
            g for g, grp in sc.groups.items() if all(sc.channels[s].is_live for s in grp.skills)
        ]
        self.owner = {
            (c, p): self.groups.index(responsible_group(sc, c, p))
            for c in self.channels
            for p in range(sc.periods)
        }

    def log(self, text: str) -> None:
        self.trace.append(text)
        if self.message is not None:
            self.message(text)

    def scenario(self, x: np.ndarray) -> Scenario:
        changes: dict[str, object] = {}
        for i, g in enumerate(self.groups):
            changes[f"groups.{g}.shifts"] = None
            changes[f"groups.{g}.agents"] = [int(v) for v in x[i]]
        return self.sc.updated(changes)

    def evaluate(self, x: np.ndarray, reference: np.ndarray | None = None) -> _Eval:
        """Judge plan ``x`` on the search replications (cached per plan).

        ``reference``: a plan already judged on all its replications that has at least
        as many agents everywhere as ``x`` (the plan a removal starts from). With it
        (and ``early_reject``), ``x`` is simulated one replication at a time and
        rejected as soon as its replications so far, completed with the reference's
        remaining ones, miss a target; such a verdict is not cached, and a later
        evaluation of ``x`` resumes from the replications already simulated.
        """
        key = x.tobytes()
        if key in self.cache:
            return self.cache[key]
        self.sims += 1
        if self.on_step is not None:
            self.on_step(self.sims, self.opts.max_simulations)
        n = self.opts.replications
        runs = self.runs.setdefault(key, _Runs([], []))
        ref = None
        if reference is not None and self.opts.early_reject:
            ref = self.runs.get(reference.tobytes())
            if ref is None or len(ref.counts) < n:
                ref = None
        model = None
        for r in range(n):
            if r >= len(runs.counts):
                if model is None:
                    model = compile_scenario(self.scenario(x))
                self._replicate(model, r, runs)
            if ref is not None and r + 1 < n:
                ev = self._judge(
                    runs.counts[: r + 1] + ref.counts[r + 1 :],
                    runs.occupancy[: r + 1] + ref.occupancy[r + 1 :],
                )
                if not ev.ok:
                    return ev
        ev = self._judge(runs.counts, runs.occupancy)
        self.cache[key] = ev
        return ev

    def _replicate(self, model: Model, r: int, runs: _Runs) -> None:
        """Simulate search replication ``r`` of a compiled plan; keep only its counts."""
        run = run_replication(model, replication_seed(self.seed, r))
        runs.counts.append(
            service_counts(
                model, run, self.thresholds, self.sc.warmup_seconds, self.segment_thresholds
            )
        )
        if self.check_occupancy:
            gi = group_table(model, run, self.sc.warmup_seconds)[1]
            runs.occupancy.append(
                gi["slot_utilisation"].to_numpy(float).reshape(len(self.groups), self.sc.periods)
            )
        self.replications += 1

    def _judge(self, counts: Sequence[ServiceCounts], occupancy: Sequence[np.ndarray]) -> _Eval:
        """Verdict on replications' counts: pooled per interval with a margin of the
        per-replication spread, and over the window with the t-confidence."""
        sc, t = self.sc, self.targets
        failures: list[_Failure] = []
        sls: dict[str, np.ndarray] = {}
        stack = {
            name: np.stack([getattr(c, name) for c in counts])
            for name in ("offered", "answered", "abandoned", "within", "waited")
        }
        total = {name: v.sum(axis=0) for name, v in stack.items()}
        # per KPI: (numerator, denominator) count names
        parts = {
            "service_level": ("within", "offered"),
            "asa": ("waited", "answered"),
            "abandon_rate": ("abandoned", "offered"),
        }
        for ci, (c, ch) in enumerate(sc.channels.items()):
            checks: list[tuple[str, float, bool]] = []
            if ch.service_level is not None:
                checks.append(("service_level", ch.service_level.target, True))
            if c in t.max_asa:
                checks.append(("asa", t.max_asa[c], False))
            if c in t.max_abandon:
                checks.append(("abandon_rate", t.max_abandon[c], False))
            for kpi, target, at_least in checks:
                num, den = parts[kpi]
                values = _pooled(total[num][ci], total[den][ci])
                if kpi == "service_level":
                    sls[c] = values
                per_rep = ratio(stack[num][:, ci], stack[den][:, ci])  # (reps, periods)
                margin = self._margin(_spread(per_rep))
                if at_least:
                    bad = values < target + margin - 1e-12
                else:
                    bad = values > target - margin + 1e-12
                bad &= ~np.isnan(values) & self.feasible[c]
                failures.extend(_Failure("interval", c, int(p), kpi) for p in np.flatnonzero(bad))
                total_num, total_den = total[num][ci].sum(), total[den][ci].sum()
                if total_den > 0:
                    whole = total_num / total_den
                    window = ratio(
                        np.array([getattr(x, "window_" + num)[ci] for x in counts]),
                        np.array([getattr(x, "window_" + den)[ci] for x in counts]),
                    )
                    window = window[~np.isnan(window)]
                    k = len(window)
                    sd = float(window.std(ddof=1)) if k > 1 else 0.0
                    se = sd / math.sqrt(k) if k > 1 else 0.0
                    conf = _confidence_se(
                        float(window.mean()) if k else whole, se, k, target, at_least
                    )
                    missed = (whole < target - 1e-12) if at_least else (whole > target + 1e-12)
                    if missed or conf < self.opts.confidence:
                        failures.append(_Failure("window", c, -1, kpi))
        seg_failures, segment_sl = self._judge_segments(counts)
        failures.extend(seg_failures)
        if t.max_occupancy is not None and self.occ_groups:
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: nobody staffed
                occ = np.nanmean(np.stack(occupancy), axis=0)
            for g in self.occ_groups:
                vals = occ[self.groups.index(g)]
                for p in np.flatnonzero(vals > t.max_occupancy + 1e-12):
                    failures.append(_Failure("occupancy", g, int(p), "occupancy"))
        return _Eval(not failures, tuple(failures), sls, segment_sl)

    def _judge_segments(
        self, counts: Sequence[ServiceCounts]
    ) -> tuple[list[_Failure], dict[tuple[str, str], np.ndarray]]:
        """Segment service levels over the window (pooled, and the t-confidence over the
        replications as for a channel); their pooled per interval values for additions."""
        failures: list[_Failure] = []
        sls: dict[tuple[str, str], np.ndarray] = {}
        if not self.segment_targets:
            return failures, sls
        # (replications, segments, periods) and (replications, segments)
        off, win, w_off, w_win = (
            np.stack([getattr(x, name) for x in counts])
            for name in (
                "segment_offered",
                "segment_within",
                "window_segment_offered",
                "window_segment_within",
            )
        )
        for sid, c, name, target in self.segment_targets:
            sls[(c, name)] = _pooled(win[:, sid].sum(axis=0), off[:, sid].sum(axis=0))
            total = w_off[:, sid].sum()
            if total <= 0:
                continue
            whole = w_win[:, sid].sum() / total
            window = ratio(w_win[:, sid], w_off[:, sid])
            window = window[~np.isnan(window)]
            k = len(window)
            se = float(window.std(ddof=1)) / math.sqrt(k) if k > 1 else 0.0
            conf = _confidence_se(float(window.mean()) if k else whole, se, k, target, True)
            if whole < target - 1e-12 or conf < self.opts.confidence:
                failures.append(_Failure("segment", c, -1, name))
        return failures, sls

    def _segment_cells(self, ev: _Eval, f: _Failure) -> set[tuple[int, int]]:
        """Cells to add an agent to for a segment missing its window target: the
        intervals where its pooled service level is below target (else its worst)."""
        ch = self.sc.channels[f.name]
        target = ch.segments[f.kpi].service_level.target  # type: ignore[index, union-attr]
        sl = ev.segment_sl[(f.name, f.kpi)]
        low = np.flatnonzero((sl < target) & self.feasible[f.name])
        if not len(low):
            low = np.array([self.sc.periods - 1 if np.isnan(sl).all() else int(np.nanargmin(sl))])
        return {(self.owner[(f.name, int(p))], int(p)) for p in low}

    def _margin(self, spread: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray | float:
        """Safety margin per interval: t quantile x standard error over replications."""
        q = self.opts.interval_confidence
        if spread is None or q <= 0.5:
            return 0.0
        sd, n = spread
        df = np.maximum(n - 1, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = stats.t.ppf(q, df) * sd / np.sqrt(np.maximum(n, 1))
        return np.where(n > 1, m, 0.0)

    # -- moves --------------------------------------------------------------------------
    def additions(self, ev: _Eval) -> set[tuple[int, int]]:
        """(group, period) cells to add one agent to, for each failure."""
        sc, out = self.sc, set()
        last = sc.periods - 1
        for f in ev.failures:
            if f.kind == "occupancy":
                out.add((self.groups.index(f.name), f.period))
                continue
            if f.kind == "segment":
                out |= self._segment_cells(ev, f)
                continue
            ch = sc.channels[f.name]
            if f.kind == "interval":
                p = f.period
                if ch.mode == "deferred":
                    p = min(last, p + self.window_periods[f.name] // 2)
                out.add((self.owner[(f.name, p)], p))
                continue
            # a window-level failure: help the intervals that miss the target
            sl = ev.sl.get(f.name)
            if sl is None or not np.any(sl < (ch.service_level.target if ch.service_level else 1)):
                worst = [last] if sl is None else [int(np.nanargmin(sl))]
            else:
                target = ch.service_level.target if ch.service_level else 1.0
                worst = [int(p) for p in np.flatnonzero(sl < target)]
            for p in worst:
                out.add((self.owner[(f.name, p)], p))
        return out

    def blame(self, ev: _Eval, cells: Sequence[int]) -> set[int] | None:
        """Periods among ``cells`` that an interval failure can be traced to; None when a
        failure cannot be traced (a day-level target)."""
        blamed: set[int] = set()
        for f in ev.failures:
            if f.kind != "interval" and f.kind != "occupancy":
                return None
            ch = self.sc.channels.get(f.name)
            if ch is not None and ch.mode == "deferred":
                hit = [p for p in cells if f.period <= p < f.period + self.window_periods[f.name]]
            else:
                before = [p for p in cells if f.period - 1 <= p <= f.period]
                hit = before[-1:] if before else []
            if not hit:
                return None
            blamed.update(hit)
        return blamed

    def budget_left(self) -> bool:
        return self.sims < self.opts.max_simulations


def _confidence_se(mean: float, se: float, n: int, target: float, at_least: bool) -> float:
    """P(true mean meets the target) under a t-distribution with n - 1 degrees of freedom."""
    margin = (mean - target) if at_least else (target - mean)
    if n < 2 or not math.isfinite(se) or se == 0:
        return 1.0 if margin >= 0 else 0.0
    return float(stats.t.cdf(margin / se, n - 1))


def _confidence(mean: float, ci95: float, n: int, target: float, at_least: bool) -> float:
    if n < 2 or not math.isfinite(ci95):
        return _confidence_se(mean, 0.0, n, target, at_least)
    return _confidence_se(mean, ci95 / stats.t.ppf(0.975, n - 1), n, target, at_least)


def target_table(res: Result, targets: Targets) -> pd.DataFrame:
    """Every target against a result: mean, CI, confidence it is met, met, and the share
    of intervals meeting it (live channels, pooled over replications)."""
    sc = res.scenario
    rows = []
    iv = res.intervals
    for c, ch in sc.channels.items():
        wanted: list[tuple[str, float, bool]] = []
        if ch.service_level is not None:
            wanted.append(("service_level", ch.service_level.target, True))
        if c in targets.max_asa:
            wanted.append(("asa", targets.max_asa[c], False))
        if c in targets.max_abandon:
            wanted.append(("abandon_rate", targets.max_abandon[c], False))
        for kpi, target, at_least in wanted:
            mean, ci = res.kpi(c, kpi)
            n = res.replications
            per = iv[(iv.channel == c) & (iv.kpi == kpi)]["mean"].dropna().to_numpy()
            ok_iv = per >= target if at_least else per <= target
            rows.append(
                {
                    "channel": c,
                    "kpi": kpi,
                    "target": target,
                    "mean": mean,
                    "ci95": ci,
                    "confidence": _confidence(mean, ci, n, target, at_least),
                    "met": bool(mean >= target if at_least else mean <= target),
                    "intervals_met": float(ok_iv.mean()) if len(per) else float("nan"),
                }
            )
    rows.extend(_segment_target_rows(res))
    return pd.DataFrame(
        rows,
        columns=["channel", "kpi", "target", "mean", "ci95", "confidence", "met", "intervals_met"],
    )


def _segment_target_rows(res: Result) -> list[dict[str, object]]:
    """Rows of :func:`target_table` for customer segments with their own service level:
    ``kpi`` is ``service_level[<segment>]``."""
    rows: list[dict[str, object]] = []
    per_interval = res.segment_intervals
    for c, ch in res.scenario.channels.items():
        for name, sg in (ch.segments or {}).items():
            if sg.service_level is None or per_interval is None:
                continue
            target = sg.service_level.target
            mean, ci = res.segment_kpi(c, name, "service_level")
            iv = per_interval
            mine = (iv.channel == c) & (iv.segment == name) & (iv.kpi == "service_level")
            per = iv[mine]["mean"].dropna().to_numpy()
            rows.append(
                {
                    "channel": c,
                    "kpi": f"service_level[{name}]",
                    "target": target,
                    "mean": mean,
                    "ci95": ci,
                    "confidence": _confidence(mean, ci, res.replications, target, True),
                    "met": bool(mean >= target),
                    "intervals_met": float((per >= target).mean()) if len(per) else float("nan"),
                }
            )
    return rows


def optimise(
    sc: Scenario,
    targets: Targets | None = None,
    options: OptimiseOptions | None = None,
    *,
    start: Mapping[str, Sequence[int]] | None = None,
    progress: Message | None = None,
    step: Step | None = None,
) -> Optimised:
    """Fewest scheduled agents per group and period meeting every target in simulation.

    Parameters
    ----------
    sc : the scenario; its groups' current staffing is replaced (shifts become
        per-period ``agents`` lists), everything else is kept.
    targets : caps beyond the channels' service levels (see :class:`sim.plan.staffing.Targets`).
    options : replications, seeds and simulation budget.
    start : scheduled agents per period to start from, per group (default: the
        analytic requirement split over the groups).
    progress : called with a line of text after each step.
    step : called with (simulations so far, budget) before each evaluation and before
        the confirmation (see :data:`Step`); what it raises stops the optimiser.
    """
    targets = targets or Targets()
    opts = options or OptimiseOptions()
    cpu0 = time.process_time()
    req = requirements(sc, targets)
    analytic = group_requirements(sc, req)
    search = _Search(sc, targets, opts, progress, step)
    G, P = len(search.groups), sc.periods
    base = np.zeros((G, P), dtype=int)
    for i, g in enumerate(search.groups):
        base[i] = analytic[analytic.group == g].sort_values("period")["scheduled"].to_numpy()
    x = base.copy()
    if start is not None:
        for g, values in start.items():
            if g not in sc.groups:
                raise OptimiseError(f"start.{g}: unknown group '{g}'")
            if len(values) != P or any(int(v) != v or v < 0 for v in values):
                raise OptimiseError(f"start.{g}: needs {P} whole numbers >= 0")
            x[search.groups.index(g)] = np.asarray(values, dtype=int)
    tight = np.zeros((G, P), dtype=bool)
    floor = _workload_floor(sc, req, search.groups)

    def fix(x: np.ndarray) -> tuple[np.ndarray, bool]:
        while True:
            ev = search.evaluate(x)
            if ev.ok:
                return x, True
            if not search.budget_left():
                return x, False
            cells = search.additions(ev)
            x = x.copy()
            for g, p in cells:
                x[g, p] += 1
                tight[g, p] = True
            search.log(
                f"[{search.sims}] {len(ev.failures)} targets missed: +1 agent in {len(cells)} cells"
            )

    def trial(x: np.ndarray, g: int, cells: list[int]) -> np.ndarray:
        """Try one agent less in ``cells`` of group ``g``; return the accepted plan."""
        if not cells or not search.budget_left():
            return x
        y = x.copy()
        y[g, cells] -= 1
        ev = search.evaluate(y, reference=x)
        if ev.ok:
            search.log(f"[{search.sims}] {search.groups[g]}: -1 agent in {len(cells)} periods")
            return y
        if len(cells) == 1:
            tight[g, cells[0]] = True
            return x
        blamed = search.blame(ev, cells)
        if blamed:
            for p in blamed:
                tight[g, p] = True
            return trial(x, g, [p for p in cells if p not in blamed])
        half = len(cells) // 2
        x = trial(x, g, cells[:half])
        return trial(x, g, cells[half:])

    x, ok = fix(x)
    converged = False
    # with wages (costs.wage_per_hour), the dearest group's agents are tried first, so
    # cheaper groups absorb the work where skills overlap; without, the groups' order
    wage = Rates.of(sc)
    order = sorted(range(G), key=lambda g: -wage.wage[g]) if wage is not None else range(G)
    while ok and search.budget_left():
        before = x.copy()
        for gi in order:
            cells = [p for p in range(P) if x[gi, p] > floor[gi, p] and not tight[gi, p]]
            x = trial(x, gi, cells)
        x, ok = fix(x)
        if np.array_equal(x, before):
            converged = ok
            break
    if not ok:
        search.log("budget spent with targets still missed in the search run")
    final = search.scenario(x)
    confirm_seed = opts.confirm_seed if opts.confirm_seed is not None else search.seed + 1_000_003
    if step is not None:
        step(opts.max_simulations, opts.max_simulations)
    confirmation = simulate(final, replications=opts.confirm_replications, seed=confirm_seed)
    sims = search.sims + 1
    reps = search.replications + opts.confirm_replications
    labels = sc.period_labels()
    staffing = pd.DataFrame(
        [
            {
                "group": g,
                "period": p,
                "time": labels[p],
                "analytic": int(base[i, p]),
                "optimised": int(x[i, p]),
                "delta": int(x[i, p] - base[i, p]),
            }
            for i, g in enumerate(search.groups)
            for p in range(P)
        ]
    )
    channels = _spill_table(sc, req, confirmation, targets)
    differences = _differences(sc, staffing, channels)
    return Optimised(
        scenario=final,
        requirements=req,
        staffing=staffing,
        channels=channels,
        differences=differences,
        targets=target_table(confirmation, targets),
        confirmation=confirmation,
        confirm_seed=confirm_seed,
        simulations=sims,
        replications_simulated=reps,
        cpu_seconds=time.process_time() - cpu0,
        converged=converged,
        trace=tuple(search.trace),
    )


def _workload_floor(sc: Scenario, req: pd.DataFrame, groups: list[str]) -> np.ndarray:
    """Scheduled agents per group and period below which no removal goes: the live
    channels' own workload (Erlangs of new work, per agent's sessions), split like
    the requirement. No interval may lean on its neighbours to clear its live work."""
    live = req[req["mode"] != "deferred"]
    by_channel: dict[str, np.ndarray] = {}
    for c, sub in live.groupby("channel"):
        ch = sc.channels[str(c)]
        conc = (ch.concurrency or 1) if ch.mode == "concurrent" else 1
        by_channel[str(c)] = sub.sort_values("period")["load"].to_numpy(float) / conc
    need = split_over_groups(sc, by_channel)
    out = np.zeros((len(groups), sc.periods), dtype=int)
    for i, g in enumerate(groups):
        shr = sc.groups[g].shrinkage
        shares = shr if isinstance(shr, tuple) else (shr,) * sc.periods
        for p in range(sc.periods):
            out[i, p] = scheduled_from_productive(int(math.floor(need[g][p])), shares[p])
    return out


def _spill_table(sc: Scenario, req: pd.DataFrame, res: Result, targets: Targets) -> pd.DataFrame:
    """Per channel and period: new journeys, hops in, Erlang on new and on all offered."""
    iv = res.intervals
    mean_of: dict[tuple[str, int, str], float] = {
        (str(c), int(p), str(k)): float(m)
        for c, p, k, m in zip(iv["channel"], iv["period"], iv["kpi"], iv["mean"], strict=True)
    }
    rows = []
    for c, ch in sc.channels.items():
        sub = req[req.channel == c].sort_values("period")
        handles = sub["handle_time"].to_numpy(float)
        erlang_new = sub["productive"].to_numpy(int)
        for p in range(sc.periods):
            new = mean_of.get((c, p, "new"), 0.0)
            hops = mean_of.get((c, p, "hops_in"), 0.0)
            erlang_offered = float("nan")
            if ch.is_live:
                conc = (ch.concurrency or 1) if ch.mode == "concurrent" else 1
                handle = float(handles[p])
                sl = ch.service_level
                patience = (
                    None if targets.model == "erlang_c" or ch.patience is None else ch.patience.mean
                )
                caps = Caps(
                    service_level=sl.target if sl else None,
                    max_asa=targets.max_asa.get(c),
                    max_abandon=targets.max_abandon.get(c),
                    max_occupancy=targets.max_occupancy,
                )
                offered = sc.arrivals(c)[p] + hops
                servers = fewest_servers(
                    offered / sc.interval_seconds,
                    handle,
                    patience,
                    sl.threshold if sl else 0.0,
                    caps,
                )
                erlang_offered = math.ceil(servers / conc)
            rows.append(
                {
                    "channel": c,
                    "period": p,
                    "time": sc.period_labels()[p],
                    "new": new,
                    "hops_in": hops,
                    "erlang_new": int(erlang_new[p]),
                    "erlang_offered": erlang_offered,
                }
            )
    return pd.DataFrame(rows)


def _differences(sc: Scenario, staffing: pd.DataFrame, channels: pd.DataFrame) -> pd.DataFrame:
    """Rows where the optimiser and per-channel Erlang disagree, and why."""
    spill: dict[tuple[str, int], dict[str, float]] = {
        (str(row["channel"]), int(row["period"])): {
            k: float(row[k]) for k in ("hops_in", "erlang_new", "erlang_offered")
        }
        for row in channels.to_dict(orient="records")
    }
    out = []
    for rec in staffing[staffing["delta"] != 0].to_dict(orient="records"):
        group, period, delta = str(rec["group"]), int(rec["period"]), int(rec["delta"])
        skills = sc.groups[group].skills
        parts = []
        for c in skills:
            row = spill[(c, period)]
            if row["hops_in"] >= 0.5:
                extra = ""
                if not math.isnan(row["erlang_offered"]):
                    extra = (
                        f", Erlang on all offered {int(row['erlang_offered'])} vs "
                        f"{int(row['erlang_new'])} on new"
                    )
                parts.append(f"{c} +{row['hops_in']:.0f} hops in{extra}")
        spilled = [
            c
            for c in skills
            if not math.isnan(spill[(c, period)]["erlang_offered"])
            and spill[(c, period)]["erlang_offered"] > spill[(c, period)]["erlang_new"]
        ]
        detail = " (" + "; ".join(parts) + ")" if parts else ""
        if delta > 0:
            if spilled:
                reason = "spill-over" + detail
            else:
                reason = (
                    "Erlang too optimistic: queue carried over from earlier intervals, "
                    "non-exponential times or shared sessions" + detail
                )
        else:
            deferred = [c for c in skills if sc.channels[c].mode == "deferred"]
            if deferred:
                reason = f"slack: {', '.join(deferred)} can wait within its threshold" + detail
            else:
                reason = "slack: the simulated targets are met with fewer agents" + detail
        out.append(
            {
                "group": group,
                "period": period,
                "time": rec["time"],
                "analytic": int(rec["analytic"]),
                "optimised": int(rec["optimised"]),
                "delta": delta,
                "reason": reason,
            }
        )
    return pd.DataFrame(
        out, columns=["group", "period", "time", "analytic", "optimised", "delta", "reason"]
    )
