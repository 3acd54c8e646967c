"""Scenario <-> editable tables, for the app's scenario editor.

Each ``*_table`` function lays a part of a scenario out as a DataFrame whose values
come from the scenario objects (so the editor never duplicates defaults); each
``*_changes`` function turns an edited table back into ``{dotted path: value}``
changes for :meth:`sim.Scenario.updated`, which validates them and names the field
of any problem. Only cells that differ from the scenario become changes, so an
unedited scenario downloads exactly as it was loaded. No streamlit here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim import Scenario

__all__ = [
    "CHANNEL_COLUMNS",
    "TRANSITION_COLUMNS",
    "channel_changes",
    "channels_table",
    "group_changes",
    "groups_table",
    "per_period_changes",
    "per_period_table",
    "transition_changes",
    "transitions_table",
]

CHANNEL_COLUMNS = {
    "mode": "mode",
    "concurrency": "concurrency (contacts per agent)",
    "handle_mean": "handle time mean (s)",
    "patience_mean": "patience mean (s)",
    "sl_target": "service-level target",
    "sl_threshold": "service-level threshold (s)",
    "resolution": "first-contact resolution",
}
TRANSITION_COLUMNS = (
    "from",
    "on",
    "to",
    "probability",
    "delay distribution",
    "delay (s)",
    "after (s)",
    "withdraw",
)


def plain(x: Any) -> Any:
    """A table cell as plain Python: NaN / NA -> None, numpy scalars -> int / float."""
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, (np.integer, np.bool_)):
        return x.item()
    if isinstance(x, (float, np.floating)):
        f = float(x)
        return None if math.isnan(f) else f
    return x


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-12)
    return a == b


# -- channels -------------------------------------------------------------------------
def channels_table(sc: Scenario) -> pd.DataFrame:
    """One row per channel: mode, mean handle time and patience, target, resolution."""
    rows = []
    for name, ch in sc.channels.items():
        sl = ch.service_level
        rows.append(
            {
                "channel": name,
                "mode": ch.mode,
                "concurrency": float(ch.concurrency) if ch.concurrency is not None else None,
                "handle_mean": float(ch.handle_time.mean),
                "patience_mean": float(ch.patience.mean) if ch.patience else None,
                "sl_target": sl.target if sl else None,
                "sl_threshold": sl.threshold if sl else None,
                "resolution": sc.journeys.resolution.get(name, 1.0),
            }
        )
    return (
        pd.DataFrame(rows)
        .set_index("channel")
        .astype({c: float for c in list(CHANNEL_COLUMNS)[1:]})
    )


def channel_changes(sc: Scenario, edited: pd.DataFrame) -> dict[str, Any]:
    """Changes from an edited :func:`channels_table`.

    The distribution families stay as in the file; the table edits their means. An
    emptied patience makes the channel infinitely patient; a patience added where
    there was none is exponential.
    """
    base = channels_table(sc)
    changes: dict[str, Any] = {}
    for name, row in edited.iterrows():
        ch = sc.channels[str(name)]
        old = base.loc[str(name)]
        new = {k: plain(row[k]) for k in CHANNEL_COLUMNS}
        p = f"channels.{name}"
        if new["mode"] != old["mode"]:
            changes[f"{p}.mode"] = new["mode"]
        if not _same(new["concurrency"], plain(old["concurrency"])):
            conc = new["concurrency"]
            changes[f"{p}.concurrency"] = (
                int(conc) if conc is not None and conc == int(conc) else conc
            )
        if not _same(new["handle_mean"], plain(old["handle_mean"])):
            changes[f"{p}.handle_time.mean"] = new["handle_mean"]
        if not _same(new["patience_mean"], plain(old["patience_mean"])):
            if new["patience_mean"] is None:
                changes[f"{p}.patience"] = None
            elif ch.patience is None:
                changes[f"{p}.patience"] = {
                    "distribution": "exponential",
                    "mean": new["patience_mean"],
                }
            else:
                changes[f"{p}.patience.mean"] = new["patience_mean"]
        target, threshold = new["sl_target"], new["sl_threshold"]
        if not (
            _same(target, plain(old["sl_target"])) and _same(threshold, plain(old["sl_threshold"]))
        ):
            if target is None and threshold is None:
                changes[f"{p}.service_level"] = None
            else:
                changes[f"{p}.service_level"] = {"target": target, "threshold": threshold}
        if not _same(new["resolution"], plain(old["resolution"])):
            changes[f"journeys.resolution.{name}"] = new["resolution"]
    return changes


# -- per-period values: arrivals per channel, agents per group -----------------------
def per_period_table(sc: Scenario, what: str) -> pd.DataFrame:
    """Periods as rows (clock labels), channels' arrivals or groups' agents as columns.

    ``what`` is ``"arrivals"`` (contacts per interval) or ``"agents"`` (agents
    scheduled per interval).
    """
    index = pd.Index(sc.period_labels(), name="interval")
    if what == "arrivals":
        data = {n: ch.arrivals_per_period(sc.periods) for n, ch in sc.channels.items()}
        return pd.DataFrame(data, index=index, dtype=float)
    if what == "agents":
        data = {n: sc.scheduled(n) for n in sc.groups}
        return pd.DataFrame(data, index=index).astype("Int64")
    raise ValueError(f"what: must be 'arrivals' or 'agents', got {what!r}")


def per_period_changes(sc: Scenario, what: str, edited: pd.DataFrame) -> dict[str, Any]:
    """Changes from an edited :func:`per_period_table`: whole lists per column."""
    base = per_period_table(sc, what)
    section = "channels" if what == "arrivals" else "groups"
    changes: dict[str, Any] = {}
    for name in base.columns:
        new = [plain(x) for x in edited[name]]
        old = [plain(x) for x in base[name]]
        if len(new) != len(old) or not all(_same(a, b) for a, b in zip(new, old, strict=True)):
            changes[f"{section}.{name}.{what}"] = new
            if what == "agents":  # an edited schedule replaces the group's shifts
                changes[f"groups.{name}.shifts"] = None
    return changes


# -- groups' skills --------------------------------------------------------------------
def groups_table(sc: Scenario) -> pd.DataFrame:
    """One row per group: its skills, comma-separated in priority order."""
    return pd.DataFrame(
        {"skills": [", ".join(g.skills) for g in sc.groups.values()]},
        index=pd.Index(list(sc.groups), name="group"),
    )


def group_changes(sc: Scenario, edited: pd.DataFrame) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, row in edited.iterrows():
        text = plain(row["skills"]) or ""
        skills = [s.strip() for s in str(text).split(",") if s.strip()]
        if tuple(skills) != sc.groups[str(name)].skills:
            changes[f"groups.{name}.skills"] = skills
    return changes


# -- journeys' transitions ---------------------------------------------------------------
def transitions_table(sc: Scenario) -> pd.DataFrame:
    """One row per transition; the delay as its family and mean (or fixed value), s;
    ``after (s)`` and ``withdraw`` for chase transitions."""
    rows = [
        {
            "from": t.source,
            "on": t.on,
            "to": t.to,
            "probability": t.probability,
            "delay distribution": t.delay.distribution,
            "delay (s)": float(t.delay.mean),
            "after (s)": float("nan") if t.after is None else float(t.after),
            "withdraw": t.withdraw,
        }
        for t in sc.journeys.transitions
    ]
    return pd.DataFrame(rows, columns=list(TRANSITION_COLUMNS)).astype(
        {"probability": float, "delay (s)": float, "after (s)": float, "withdraw": bool}
    )


def transition_changes(sc: Scenario, edited: pd.DataFrame) -> dict[str, Any]:
    """Changes from an edited :func:`transitions_table` (rows may be added or deleted).

    A row whose delay family is unchanged keeps the other parameters (cv, shape)
    of the transition at the same position.
    """
    old = sc.to_dict().get("journeys", {}).get("transitions", [])
    new: list[dict[str, Any]] = []
    for i, (_, row) in enumerate(edited.reset_index(drop=True).iterrows()):
        cell = {k: plain(row[k]) for k in TRANSITION_COLUMNS}
        family, amount = cell["delay distribution"], cell["delay (s)"]
        prior = old[i]["delay"] if i < len(old) else {}
        prior_mean = sc.journeys.transitions[i].delay.mean if i < len(old) else None
        if family == prior.get("distribution") and _same(amount, prior_mean):
            delay = dict(prior)  # untouched, whatever its parameters (e.g. empirical)
        else:
            delay = dict(prior) if family == prior.get("distribution") else {}
            delay["distribution"] = family
            key = "value" if family == "fixed" else "mean"
            delay.pop("value" if key == "mean" else "mean", None)
            delay[key] = amount
        item = {
            "from": cell["from"],
            "on": cell["on"],
            "to": cell["to"],
            "probability": cell["probability"],
            "delay": delay,
        }
        if cell["after (s)"] is not None:  # chase transitions only
            item["after"] = cell["after (s)"]
        item["withdraw"] = bool(cell["withdraw"])
        new.append(item)
    return {} if new == old else {"journeys.transitions": new}
