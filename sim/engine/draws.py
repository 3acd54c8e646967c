"""Random draws of a replication: every new journey up front, later contacts from pools."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..streams import stream
from .model import Model

__all__ = ["POOL_SIZE", "first_contacts", "pool", "uniform"]

INF = math.inf
POOL_SIZE = 1024  # variates a pool draws at once


def first_contacts(m: Model, rep: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Draw every new journey of the horizon, per channel, merged in time order."""
    keys = ("t", "c", "h", "p", "ures", "utr", "ubalk", "usilent")
    parts: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    P = m.periods
    starts = np.arange(P) * m.interval
    replication = int(rep.spawn_key[0]) if rep.spawn_key else 0
    day = (m.start_minute + np.arange(P) * m.interval / 60) // 1440
    for ci, name in enumerate(m.channels):
        rng = stream(rep, "arrivals", name)
        paths = m.paths[ci]
        if paths is not None:
            counts = paths[replication % len(paths)]
        else:
            rates = m.rates[ci]
            busy = stream(rep, "busyness", name)
            if m.day_cv[ci] > 1e-6:  # below this the factor is 1 to machine precision
                k = 1 / m.day_cv[ci] ** 2
                factor = busy.gamma(k, 1 / k, int(day[-1]) + 1)
                rates = rates * factor[day.astype(np.int64)]
            if m.interval_cv[ci] > 1e-6:
                k = 1 / m.interval_cv[ci] ** 2
                rates = rates * busy.gamma(k, 1 / k, P)
            counts = rng.poisson(rates)
        n = int(counts.sum())
        t = np.repeat(starts, counts) + rng.random(n) * m.interval
        t.sort()
        parts["t"].append(t)
        parts["c"].append(np.full(n, ci, dtype=np.int64))
        parts["h"].append(m.handle[ci].sample(stream(rep, "handle", name), n))
        pat = m.patience[ci]
        parts["p"].append(pat.sample(stream(rep, "patience", name), n) if pat else np.full(n, INF))
        jr = stream(rep, "journey", name)
        parts["ures"].append(jr.random(n))
        parts["utr"].append(jr.random(n))
        # decisions a channel may not have: drawn only where they exist (no draw, no 0.0
        # dependence on them), each from its own stream
        parts["ubalk"].append(
            stream(rep, "balk", name).random(n) if m.balk[ci] is not None else np.zeros(n)
        )
        parts["usilent"].append(
            stream(rep, "silent-choice", name).random(n)
            if m.silent[ci] is not None
            else np.zeros(n)
        )
    merged = {k: np.concatenate(v) for k, v in parts.items()}
    if len(m.channels) == 1:
        return merged
    order = np.argsort(merged["t"], kind="stable")
    return {k: v[order] for k, v in merged.items()}


def pool(
    draw: Callable[[np.random.Generator, int], np.ndarray], rng: np.random.Generator
) -> Callable[[], float]:
    """One variate per call, drawn from ``rng`` in numpy batches."""
    buf: list[float] = []

    def take() -> float:
        if not buf:
            buf.extend(draw(rng, POOL_SIZE).tolist())
        return buf.pop()

    return take


def uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.random(n)
