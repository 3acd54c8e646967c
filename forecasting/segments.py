"""Customer segments from call records: the priority classes sharing a queue.

Some systems record a customer class with each call (the Anonymous Bank's
``priority``: 0, 1, 2). Per queue, :func:`customer_segments` turns it into the
scenario's ``channels.<q>.segments``:

* **classes**: the labels of the calls that queued (wait > 0). A call that finds an
  agent free is answered at once whatever its class, so the records may leave its class
  unset (the Anonymous Bank writes 0 for most of them); the calls that queued are a
  sample of arrivals whose mix does not depend on the class (whether a call queues
  depends only on the agents being busy when it arrives). A label with fewer than
  :data:`MIN_CLASS_SHARE` of the queued calls is left out (its calls are shared out
  over the others); with fewer than two classes left the queue gets no segments.
* **share**: each class's share of the queued calls (of the classes kept).
* **priority**: the order agents serve the classes in, from the records: an answered
  call of class a *overtook* class b when a call of b that arrived before it was still
  waiting when it was answered. Class a is served before b when it overtook b
  significantly more often than the reverse (two-sided binomial test at
  :data:`ORDER_ALPHA`); each class scores 1 per class it beats, 0.5 per undecided pair,
  and the best score gets priority 1 (equal scores share a priority: one
  first-come-first-served queue).
* **patience**: per class, the Kaplan-Meier-censored fit of :func:`fit_patience` on the
  class's calls (omitted, so the channel's applies, where it cannot be fitted).
* **handle_time**: per class, the fit of :func:`fit_handle_time` on its answered calls,
  only where the class's mean differs from the queue's by at least
  :data:`MIN_HANDLE_DIFF` and significantly (Welch's t-test at :data:`ORDER_ALPHA`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "MIN_CLASS_CALLS",
    "MIN_CLASS_SHARE",
    "MIN_HANDLE_DIFF",
    "ORDER_ALPHA",
    "class_priorities",
    "customer_segments",
    "overtakes",
    "segment_name",
]

MIN_CLASS_SHARE = 0.05
"""Smallest share of a queue's queued calls that makes a label a customer class."""
MIN_CLASS_CALLS = 100
"""Fewest queued calls of a class for it to be estimated (else it is left out)."""
MIN_HANDLE_DIFF = 0.05
"""Relative difference of a class's mean handle time from the queue's below which the
class keeps the queue's handle time."""
ORDER_ALPHA = 0.01
"""Two-sided test level for a service order between two classes and for a class's
handle time differing from the queue's."""


def segment_name(label: str) -> str:
    """The segment of records labelled ``label``: ``priority_2``."""
    return f"priority_{label}"


def _seconds(records: pd.DataFrame) -> np.ndarray:
    t0 = pd.Timestamp(records["arrival"].min()).normalize()
    return np.asarray((records["arrival"] - t0).dt.total_seconds().to_numpy(), float)


def overtakes(calls: pd.DataFrame, classes: list[str]) -> pd.DataFrame:
    """``n.loc[a, b]``: answered calls of class ``a`` that queued and were answered while
    a call of class ``b`` that had arrived earlier was still waiting (``a`` overtook
    ``b``); ``calls`` are one queue's records (``arrival, wait, answered, priority``)."""
    t = _seconds(calls)
    leave = t + calls["wait"].to_numpy(float)
    label = calls["priority"].astype(str).to_numpy()
    queued = calls["wait"].to_numpy(float) > 0
    answered = calls["answered"].to_numpy(bool) & queued
    out = pd.DataFrame(0, index=classes, columns=classes)
    for b in classes:
        mine = queued & (label == b)
        if not mine.any():
            continue
        order = np.argsort(t[mine], kind="stable")
        tb = t[mine][order]
        lb = np.maximum.accumulate(leave[mine][order])  # latest leave of b arrivals so far
        for a in classes:
            pick = answered & (label == a)
            if a == b or not pick.any():
                continue
            k = np.searchsorted(tb, t[pick], side="left") - 1  # last b arrival before
            ok = k >= 0
            still = np.zeros(int(pick.sum()), bool)
            still[ok] = lb[k[ok]] > leave[pick][ok]
            out.loc[a, b] = int(still.sum())
    return out


def class_priorities(n: pd.DataFrame, *, alpha: float = ORDER_ALPHA) -> dict[str, int]:
    """Class -> priority (1 = served first) from :func:`overtakes` counts: Copeland
    scores (1 per class overtaken significantly more often than the reverse, 0.5 per
    undecided pair), dense-ranked from the best."""
    from scipy.stats import binomtest

    w = n.to_numpy(int)
    score = np.zeros(len(w))
    for i in range(len(w)):
        for j in range(len(w)):
            if i == j:
                continue
            k, m = int(w[i, j]), int(w[i, j] + w[j, i])
            clear = m > 0 and binomtest(k, m, 0.5).pvalue < alpha
            score[i] += (1.0 if 2 * k > m else 0.0) if clear else 0.5
    levels = sorted(set(score.tolist()), reverse=True)
    return {str(c): levels.index(s) + 1 for c, s in zip(n.index, score.tolist(), strict=True)}


def _classes(calls: pd.DataFrame, min_share: float, min_calls: int) -> pd.Series:
    """Queued calls per kept class label (largest first)."""
    queued = calls[(calls["wait"] > 0) & calls["priority"].notna()]
    counts = queued["priority"].astype(str).value_counts()
    if counts.empty:
        return counts
    keep = (counts / counts.sum() >= min_share) & (counts >= min_calls)
    return counts[keep]


def _handle_override(
    answered: pd.DataFrame, queue_ht: np.ndarray, alpha: float
) -> dict[str, Any] | None:
    from scipy.stats import ttest_ind

    from .fits import RecordsError, fit_handle_time

    x = answered["handle_time"].to_numpy(float)
    x = x[x > 0]
    if x.size < 2 or queue_ht.size < 2:
        return None
    if abs(x.mean() / queue_ht.mean() - 1) < MIN_HANDLE_DIFF:
        return None
    if ttest_ind(x, queue_ht, equal_var=False).pvalue >= alpha:
        return None
    try:
        return dict(fit_handle_time(x)["distribution"])
    except RecordsError:
        return None


def customer_segments(
    calls: pd.DataFrame,
    *,
    min_share: float = MIN_CLASS_SHARE,
    min_calls: int = MIN_CLASS_CALLS,
    alpha: float = ORDER_ALPHA,
) -> dict[str, dict[str, Any]]:
    """One queue's customer segments (``channels.<q>.segments``) from its records
    (``arrival, wait, answered, handle_time, priority``): ``{segment_name(label):
    {share, priority[, patience][, handle_time]}}``, or ``{}`` where the records show
    fewer than two classes (see the module docstring for each estimate)."""
    from .fits import RecordsError, fit_patience

    if "priority" not in calls.columns:
        return {}
    counts = _classes(calls, min_share, min_calls)
    if len(counts) < 2:
        return {}
    classes = [str(c) for c in counts.index]
    prio = class_priorities(overtakes(calls, classes), alpha=alpha)
    ht = calls.loc[calls["answered"], "handle_time"].to_numpy(float)
    ht = ht[ht > 0]
    shares = (counts / counts.sum()).to_numpy(float)
    rounded = [round(float(v), 4) for v in shares[:-1]]
    rounded.append(round(1.0 - math.fsum(rounded), 4))
    label = calls["priority"].astype(str)
    out: dict[str, dict[str, Any]] = {}
    for c, share in zip(classes, rounded, strict=True):
        mine = calls[label == c]
        seg: dict[str, Any] = {"share": share, "priority": prio[c]}
        try:
            p = fit_patience(mine["wait"].to_numpy(float), (~mine["answered"]).to_numpy(bool))
            seg["patience"] = p["distribution"]
        except RecordsError:
            pass
        h = _handle_override(mine[mine["answered"]], ht, alpha)
        if h is not None:
            seg["handle_time"] = h
        out[segment_name(c)] = seg
    return dict(sorted(out.items(), key=lambda kv: (kv[1]["priority"], kv[0])))
