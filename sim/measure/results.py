"""Results over replications: means with 95% confidence intervals, as DataFrames and JSON.

Every summary is tidy (one row per thing x KPI) with ``mean`` and ``ci95`` (the
half-width of the 95% Student-t interval over replications; NaN with one
replication). Per-replication tables are kept too, so comparisons can pair
replications (common random numbers).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats

from sim.config.scenario import Scenario
from sim.engine import RawRun

__all__ = ["Result", "summarise"]


def summarise(reps: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Mean and 95% CI half-width over ``replication`` of every other column.

    Returns columns ``by + ["kpi", "mean", "ci95", "n"]`` (``n`` = replications with a
    defined value; a ratio with nothing to divide, e.g. ASA when nobody was answered,
    is left out).
    """
    value_cols = [c for c in reps.columns if c not in ("replication", *by)]
    long = reps.melt(id_vars=["replication", *by], value_vars=value_cols, var_name="kpi")
    grouped = long.groupby([*by, "kpi"], sort=False)["value"]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    n = out["count"].to_numpy()
    with np.errstate(invalid="ignore"):
        tq = np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)
        out["ci95"] = tq * out["std"].to_numpy() / np.sqrt(np.maximum(n, 1))
    return out.rename(columns={"count": "n"})[[*by, "kpi", "mean", "ci95", "n"]]


def _clean(x: Any) -> Any:
    """JSON-safe: NaN and infinities become null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _stat(row: pd.Series) -> dict[str, Any]:
    return {"mean": _clean(float(row["mean"])), "ci95": _clean(float(row["ci95"]))}


@dataclass(frozen=True, eq=False)
class Result:
    """The outcome of simulating a scenario over several replications.

    The ``*_reps`` tables hold one row per replication (and channel / group /
    period); the properties summarise them.
    """

    scenario: Scenario
    seed: int
    replications: int
    channel_reps: pd.DataFrame
    interval_reps: pd.DataFrame
    group_reps: pd.DataFrame
    group_interval_reps: pd.DataFrame
    journey_reps: pd.DataFrame
    flow_reps: pd.DataFrame
    runs: tuple[RawRun, ...] = field(default=(), repr=False)
    day_reps: pd.DataFrame | None = None
    """Per replication, day and channel (periods over several days only)."""
    cost_reps: pd.DataFrame | None = None
    """One row per replication of cost KPIs (:mod:`sim.measure.money`); None when the
    scenario has no ``costs``."""
    rule_reps: pd.DataFrame | None = field(default=None, repr=False)
    """Per replication and shaping rule (None: the scenario has no rules)."""
    rule_interval_reps: pd.DataFrame | None = field(default=None, repr=False)
    """Per replication, shaping rule and period."""
    segment_reps: pd.DataFrame | None = field(default=None, repr=False)
    """Per replication and customer segment (None: the scenario has no segments)."""
    segment_interval_reps: pd.DataFrame | None = field(default=None, repr=False)
    """Per replication, customer segment and period."""

    @cached_property
    def channels(self) -> pd.DataFrame:
        """Per channel KPIs: columns channel, kpi, mean, ci95, n."""
        return summarise(self.channel_reps, ["channel"])

    @cached_property
    def intervals(self) -> pd.DataFrame:
        """Per channel per period KPIs, with the period's clock label."""
        out = summarise(self.interval_reps, ["period", "channel"])
        labels = np.array(self.scenario.period_labels())
        out.insert(1, "time", labels[out["period"].to_numpy()])
        return out

    @cached_property
    def days(self) -> pd.DataFrame | None:
        """Per day per channel KPIs with the day's label (``Mon 2026-12-07``), when the
        periods cover more than one day; else None."""
        if self.day_reps is None:
            return None
        out = summarise(self.day_reps, ["day", "channel"])
        labels = np.array(self.scenario.day_labels())
        out.insert(1, "date", labels[out["day"].to_numpy()])
        return out

    @cached_property
    def groups(self) -> pd.DataFrame:
        """Per agent group: occupancy, scheduled agents, busy agents."""
        return summarise(self.group_reps, ["group"])

    @cached_property
    def group_intervals(self) -> pd.DataFrame:
        out = summarise(self.group_interval_reps, ["period", "group"])
        labels = np.array(self.scenario.period_labels())
        out.insert(1, "time", labels[out["period"].to_numpy()])
        return out

    @cached_property
    def journeys(self) -> pd.DataFrame:
        """Journey KPIs: customers, resolved, lost, max_attempts, attempts, resolution time."""
        df = self.journey_reps.assign(_all="all")
        return summarise(df, ["_all"]).drop(columns="_all")

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Moves per journey step: from channel -> to channel or outcome; count per rep."""
        wide = self.flow_reps.pivot_table(
            index="replication", columns=["from", "to"], values="count", fill_value=0
        )
        wide = wide.reindex(range(self.replications), fill_value=0)
        stacked = cast(pd.Series, wide.stack(["from", "to"], future_stack=True))
        long = stacked.rename("count").reset_index()
        out = summarise(long, ["from", "to"])
        return out.drop(columns="kpi")

    @cached_property
    def costs(self) -> pd.DataFrame | None:
        """Cost KPIs (cost, wages, cost_per_contact, ...): kpi, mean, ci95, n; None
        when the scenario has no ``costs``."""
        if self.cost_reps is None:
            return None
        return summarise(self.cost_reps.assign(_all="all"), ["_all"]).drop(columns="_all")

    @cached_property
    def rules(self) -> pd.DataFrame | None:
        """Per shaping rule: fired, offered, accepted, deflected, reprioritised_minutes
        (columns rule, kpi, mean, ci95, n); None when the scenario has no rules."""
        return None if self.rule_reps is None else summarise(self.rule_reps, ["rule"])

    @cached_property
    def rule_intervals(self) -> pd.DataFrame | None:
        """Per shaping rule per period (by the time of the rule's events)."""
        if self.rule_interval_reps is None:
            return None
        out = summarise(self.rule_interval_reps, ["period", "rule"])
        labels = np.array(self.scenario.period_labels())
        out.insert(1, "time", labels[out["period"].to_numpy()])
        return out

    @cached_property
    def segments(self) -> pd.DataFrame | None:
        """Per customer segment KPIs: columns channel, segment, kpi, mean, ci95, n
        (None when the scenario has no segments)."""
        if self.segment_reps is None:
            return None
        return summarise(self.segment_reps, ["channel", "segment"])

    @cached_property
    def segment_intervals(self) -> pd.DataFrame | None:
        """Per customer segment per period KPIs, with the period's clock label."""
        if self.segment_interval_reps is None:
            return None
        out = summarise(self.segment_interval_reps, ["period", "channel", "segment"])
        labels = np.array(self.scenario.period_labels())
        out.insert(1, "time", labels[out["period"].to_numpy()])
        return out

    def segment_kpi(self, channel: str, segment: str, name: str) -> tuple[float, float]:
        """(mean, ci95) of one customer segment's KPI."""
        seg = self.segments
        row = (
            seg[(seg["channel"] == channel) & (seg["segment"] == segment) & (seg["kpi"] == name)]
            if seg is not None
            else pd.DataFrame()
        )
        if row.empty:
            raise KeyError(f"no KPI {name!r} for segment {segment!r} of channel {channel!r}")
        return float(row["mean"].iloc[0]), float(row["ci95"].iloc[0])

    def segments_wide(self) -> pd.DataFrame | None:
        """(channel, segment) as rows, KPI means as columns (None without segments)."""
        if self.segments is None or self.segment_reps is None:
            return None
        order = [(c, s) for c, ch in self.scenario.channels.items() for s in (ch.segments or {})]
        wide = self.segments.pivot(index=["channel", "segment"], columns="kpi", values="mean")
        return wide.reindex(
            index=pd.MultiIndex.from_tuples(order, names=["channel", "segment"]),
            columns=list(self.segment_reps.columns[3:]),
        )

    def kpi(self, channel: str, name: str) -> tuple[float, float]:
        """(mean, ci95) of one channel KPI."""
        row = self.channels.query("channel == @channel and kpi == @name")
        if row.empty:
            raise KeyError(f"no KPI {name!r} for channel {channel!r}")
        return float(row["mean"].iloc[0]), float(row["ci95"].iloc[0])

    def wide(self) -> pd.DataFrame:
        """Channels as rows, KPI means as columns (the table the CLI prints)."""
        return self.channels.pivot(index="channel", columns="kpi", values="mean").reindex(
            index=list(self.scenario.channels), columns=list(self.channel_reps.columns[2:])
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON result contract as plain data."""
        sc = self.scenario
        channels: dict[str, dict[str, Any]] = {c: {} for c in sc.channels}
        for _, r in self.channels.iterrows():
            channels[r["channel"]][r["kpi"]] = _stat(r)
        groups: dict[str, dict[str, Any]] = {g: {} for g in sc.groups}
        for _, r in self.groups.iterrows():
            groups[r["group"]][r["kpi"]] = _stat(r)
        journeys: dict[str, Any] = {r["kpi"]: _stat(r) for _, r in self.journeys.iterrows()}
        flows: dict[str, dict[str, Any]] = {}
        endings: dict[str, dict[str, Any]] = {}
        for _, r in self.flows.iterrows():
            target = flows if r["to"] in sc.channels else endings
            target.setdefault(r["from"], {})[r["to"]] = _stat(r)
        journeys["flows"] = flows
        journeys["endings"] = endings
        extra: dict[str, Any] = {}
        if self.rules is not None:  # scenarios with shaping rules: per rule, in order
            rules: dict[str, dict[str, Any]] = {r.name: {} for r in sc.shaping or ()}
            for _, r in self.rules.iterrows():
                rules[r["rule"]][r["kpi"]] = _stat(r)
            extra["shaping"] = rules
        if self.segments is not None:
            segments: dict[str, dict[str, dict[str, Any]]] = {
                c: {s: {} for s in ch.segments} for c, ch in sc.channels.items() if ch.segments
            }
            for _, r in self.segments.iterrows():
                segments[r["channel"]][r["segment"]][r["kpi"]] = _stat(r)
            extra["segments"] = segments
        out: dict[str, Any] = {
            "scenario": sc.name,
            "seed": self.seed,
            "replications": self.replications,
            "interval_minutes": sc.interval_minutes,
            "periods": sc.periods,
            "warmup_minutes": sc.warmup_minutes,
            "channels": channels,
            "groups": groups,
            "journeys": journeys,
            **extra,
        }
        if self.costs is not None:  # only scenarios with costs: costs.<kpi>
            out["costs"] = {r["kpi"]: _stat(r) for _, r in self.costs.iterrows()}
        if self.days is not None:
            out["days"] = self._days_dict()
        return out

    def _days_dict(self) -> list[dict[str, Any]]:
        """``days``: one entry per day, ``{"day", "label", "channels": {c: {kpi: stat}}}``."""
        assert self.days is not None
        labels = self.scenario.day_labels()
        days: list[dict[str, Any]] = [
            {"day": d, "label": labels[d], "channels": {c: {} for c in self.scenario.channels}}
            for d in range(len(labels))
        ]
        for _, r in self.days.iterrows():
            days[int(r["day"])]["channels"][r["channel"]][r["kpi"]] = _stat(r)
        return days

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)
