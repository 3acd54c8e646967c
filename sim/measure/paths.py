"""Journey paths: the sequence of channels a customer used, and how the journey ended.

A path reads like ``voice -> chat -> resolved``; a contact made on a channel a shaping
rule offered reads ``offer: chat``. Paths are counted for journeys whose
first contact arrives in the counted window (the same journeys as ``Result.journeys``
and ``Result.flows``), from the contact records a run keeps with
``sim.simulate(..., keep_runs=True)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine import DEFLECTED, JOURNEY_OUTCOMES, OFFER, RawRun
from sim.measure.results import Result

__all__ = ["ARROW", "journey_paths", "run_paths"]

ARROW = " → "
OFFERED = "offer: "
"""Marks a contact made on a channel a shaping rule offered (``voice → offer: chat``)."""


def run_paths(run: RawRun, channels: list[str], warmup: float, horizon: float) -> pd.Series:
    """How many counted journeys of one replication took each path.

    Parameters
    ----------
    run : one replication's contact records.
    channels : channel names in the scenario's order (index = channel code).
    warmup, horizon : the counted window of first-arrival times (s).

    Returns
    -------
    pandas.Series
        Journeys per path string (e.g. ``voice → chat → resolved``).
    """
    n_j = len(run.journey_outcome)
    first_arrival = run.arrival[:n_j]
    counted = (first_arrival >= warmup) & (first_arrival < horizon)
    if getattr(run, "offers", None) is not None:
        counted &= run.outcome[:n_j] != DEFLECTED  # deflected journeys never started
    mine = np.flatnonzero(counted[run.journey])
    # contact ids grow along a journey, so a stable sort by journey keeps the order
    order = mine[np.argsort(run.journey[mine], kind="stable")]
    journey = run.journey[order]
    journeys, first, length = np.unique(journey, return_index=True, return_counts=True)
    step = np.arange(len(order)) - np.repeat(first, length)
    row = np.repeat(np.arange(len(journeys)), length)
    codes = np.full((len(journeys), int(length.max(initial=0)) + 1), -1, dtype=np.int64)
    codes[row, step] = run.channel[order]
    C = len(channels)
    if getattr(run, "offers", None) is not None:  # hops that took an offered channel
        codes[row, step] += np.where(run.cause[order] == OFFER, C, 0)
    codes[:, -1] = run.journey_outcome[journeys]
    paths, counts = np.unique(codes, axis=0, return_counts=True)
    names = [
        ARROW.join(
            [
                *(channels[c] if c < C else OFFERED + channels[c - C] for c in p[:-1] if c >= 0),
                JOURNEY_OUTCOMES.get(int(p[-1]), "open"),
            ]
        )
        for p in paths
    ]
    return pd.Series(counts, index=pd.Index(names, name="path"), name="journeys")


def journey_paths(result: Result, top: int | None = None) -> pd.DataFrame:
    """The most frequent journey paths over all replications.

    Parameters
    ----------
    result : a result simulated with ``keep_runs=True``.
    top : keep only this many most frequent paths (None = all).

    Returns
    -------
    pandas.DataFrame
        Columns ``path`` (e.g. ``voice → chat → resolved``), ``contacts`` (contacts
        on the path), ``journeys`` (mean journeys per replication) and ``share``
        (of all counted journeys), most frequent first.
    """
    if not result.runs:
        raise ValueError("journey_paths needs a result simulated with keep_runs=True")
    sc = result.scenario
    channels = list(sc.channels)
    counts = pd.concat(
        [run_paths(run, channels, sc.warmup_seconds, sc.horizon_seconds) for run in result.runs],
        axis=1,
    ).fillna(0)
    per_rep = counts.sum(axis=1) / len(result.runs)
    total = per_rep.sum()
    out = pd.DataFrame(
        {
            "path": per_rep.index.astype(str),
            "contacts": [p.count(ARROW) for p in per_rep.index],
            "journeys": per_rep.to_numpy(),
            "share": (per_rep / total).to_numpy() if total > 0 else np.nan,
        }
    )
    out = out.sort_values(["journeys", "path"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    return out if top is None else out.head(top)
