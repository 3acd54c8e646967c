"""Journey shaping in the app, without Streamlit: what each shaping rule did, the
channels' shaping KPIs, the paired comparison of a policy against no policy, and the
journey-effort KPIs of a comparison.

Counts are contacts per replication (one simulated horizon); ``reprioritised_minutes``
are agent-minutes the rule moved to another channel.
"""

from __future__ import annotations

import pandas as pd

import sim
from sim.measure.kpi_offers import RULE_KPIS, SHAPING_CHANNEL_KPIS
from sim.present.comparison import COUNT, DURATION, SHARE, Format, FormatChange

__all__ = [
    "JOURNEY_KPIS",
    "RULE_KPIS",
    "SHAPING_KPIS",
    "channel_kpis",
    "channel_shaping",
    "rule_table",
    "shaping_kpis",
    "with_absent_as_zero",
]

SHAPING_KPIS = SHAPING_CHANNEL_KPIS
"""Channel KPIs that only shaping rules (and call-backs: ``callback_*``) produce; the
per-rule KPIs of ``Result.rules`` are shown in :data:`RULE_KPIS`' order."""
CALLBACK_PREFIX = "callback_"

JOURNEY_KPIS: dict[str, tuple[str, tuple[Format, FormatChange]]] = {
    "customers": ("customers", COUNT),
    "resolved": ("resolved", COUNT),
    "lost": ("lost", COUNT),
    "mean_attempts": (
        "contacts per journey",
        (lambda v: f"{v:.3f}", lambda d, c: f"{d:+.3f} ± {c:.3f}"),
    ),
    "customer_time": ("customer time", DURATION),
    "time_to_resolution": ("time to resolution", DURATION),
    "resolved_within_contacts": ("resolved within the contacts target", SHARE),
    "resolved_within_time": ("resolved within the time target", SHARE),
    "resolved_within_effort": ("resolved within both", SHARE),
}
"""Journey-effort KPIs the compare page shows (``Result.journeys``)."""


def channel_kpis(diff: pd.DataFrame) -> dict[str, tuple[str, tuple[Format, FormatChange]]]:
    """The shaping KPIs in a ``sim.compare`` table, for
    :func:`~sim.present.comparison.side_by_side` (contacts per replication)."""
    return {k: (k.replace("_", " "), COUNT) for k in shaping_kpis(diff["kpi"])}


def shaping_kpis(kpis: list[str] | pd.Series) -> list[str]:
    """The shaping KPIs among ``kpis`` (``moved_out``, ``deflected``, ``callback_*``)."""
    return [k for k in dict.fromkeys(kpis) if k in SHAPING_KPIS or k.startswith(CALLBACK_PREFIX)]


def rule_table(result: sim.Result) -> pd.DataFrame | None:
    """One row per shaping rule (the scenario's order): the mean per replication of
    each of :data:`RULE_KPIS`; ``None`` without rules."""
    rules = result.rules
    if rules is None:
        return None
    wide = rules.pivot_table(index="rule", columns="kpi", values="mean", sort=False)
    return wide[[k for k in RULE_KPIS if k in wide.columns]].rename_axis(None, axis=1).reset_index()


def channel_shaping(result: sim.Result) -> pd.DataFrame | None:
    """One row per channel: its shaping KPIs (contacts per replication), ``None`` if
    the result has none (no rules, no call-backs)."""
    ch = result.channels
    kpis = shaping_kpis(ch["kpi"])
    if not kpis:
        return None
    wide = ch[ch["kpi"].isin(kpis)].pivot_table(
        index="channel", columns="kpi", values="mean", sort=False
    )
    wide = wide.reindex(list(result.scenario.channels))[kpis]
    return wide.rename_axis(None, axis=1).reset_index()


def with_absent_as_zero(diff: pd.DataFrame, base: sim.Result, whatif: sim.Result) -> pd.DataFrame:
    """``sim.compare(base, whatif)`` with the shaping KPIs a scenario without rules
    lacks set to 0 there: with no rule nobody is moved or deflected in any
    replication, so the paired change is the other side's mean and its 95% interval
    that side's own."""
    out = diff.copy()
    shaping = out["kpi"].isin(shaping_kpis(out["kpi"]))
    for absent, other, res in (("base", "whatif", whatif), ("whatif", "base", base)):
        rows = shaping & out[absent].isna() & out[other].notna()
        if not rows.any():
            continue
        ci = res.channels.set_index(["channel", "kpi"])["ci95"]
        keys = pd.MultiIndex.from_frame(out.loc[rows, ["channel", "kpi"]])
        out.loc[rows, absent] = 0.0
        out.loc[rows, "delta"] = out.loc[rows, "whatif"] - out.loc[rows, "base"]
        out.loc[rows, "ci95"] = ci.reindex(keys).to_numpy()
    return out
