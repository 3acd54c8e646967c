"""The few KPIs a staffing decision needs, straight from one replication's raw arrays.

The optimiser judges a plan on service level, ASA and abandon rate per channel and
interval and over the counted window. Building :mod:`sim.kpi`'s full tables (twenty
channel KPIs, group tables, journeys, flows, as DataFrames) for every replication of
every candidate plan costs as much as a third of the simulation itself; this module
computes only the counts behind those three KPIs, with numpy, in the same way as
:func:`sim.kpi.channel_table` (same selections, same ``bincount`` sums), so the ratios
are equal to its values bit for bit (``tests/test_optimise.py`` checks it).

Definitions (see :mod:`sim.kpi`): per interval, contacts are keyed by their
**arrival** period over every period (warm-up too), arrivals before the horizon only;
the window counts arrivals in ``[warmup, horizon)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sim.engine import ABANDONED, ANSWERED, DEFLECTED, Model, RawRun
from sim.engine.raw import segment_of

__all__ = ["ServiceCounts", "ratio", "service_counts"]


@dataclass(frozen=True, eq=False)
class ServiceCounts:
    """One replication's counts per channel and period (arrays of shape (channels,
    periods)) and over the counted window (``window_*``, shape (channels,)).

    ``offered``, ``answered``, ``abandoned``: contacts; ``within``: answered within
    the channel's service-level threshold; ``waited``: total wait (s) of the answered.
    ``segment_offered`` / ``segment_within`` (shape (segments, periods)) and their
    ``window_`` sums (shape (segments,)): the same per customer segment (within the
    segment's threshold), when asked for and the model has segments (else None).
    """

    offered: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    within: np.ndarray
    waited: np.ndarray
    window_offered: np.ndarray
    window_answered: np.ndarray
    window_abandoned: np.ndarray
    window_within: np.ndarray
    window_waited: np.ndarray
    segment_offered: np.ndarray | None = None
    segment_within: np.ndarray | None = None
    window_segment_offered: np.ndarray | None = None
    window_segment_within: np.ndarray | None = None


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` where ``den > 0``, NaN elsewhere (as :mod:`sim.kpi` divides)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def service_counts(
    m: Model,
    run: RawRun,
    thresholds: np.ndarray,
    warmup: float,
    segment_thresholds: np.ndarray | None = None,
) -> ServiceCounts:
    """Counts behind service level (``within / offered``), ASA (``waited / answered``)
    and abandon rate (``abandoned / offered``) for one replication.

    ``thresholds``: service-level threshold (s) per channel index; ``warmup`` (s);
    ``segment_thresholds``: per customer segment (global id), to count segments too.
    """
    C, P = len(m.channels), m.periods
    wait = run.wait
    answered = run.outcome == ANSWERED
    abandoned = run.outcome == ABANDONED
    in_time = answered & (wait <= thresholds[run.channel])

    def sums(sel: np.ndarray, key: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
        def count(mask: np.ndarray | None, weights: np.ndarray | None = None) -> np.ndarray:
            s = sel if mask is None else sel & mask
            return np.bincount(key[s], None if weights is None else weights[s], minlength=n)

        return (
            count(None).astype(float),
            count(answered).astype(float),
            count(abandoned).astype(float),
            count(in_time).astype(float),
            count(answered, wait),
        )

    period = np.minimum((run.arrival // m.interval).astype(np.int64), P - 1)
    in_periods = run.arrival < m.horizon
    counted = (run.arrival >= warmup) & in_periods
    if getattr(run, "offers", None) is not None:  # deflected journeys are not offered
        kept = run.outcome != DEFLECTED
        in_periods, counted = in_periods & kept, counted & kept
    per = sums(in_periods, run.channel * P + period, C * P)
    tot = sums(counted, run.channel, C)
    off, ans, ab, win, wt = (a.reshape(C, P) for a in per)
    counts = ServiceCounts(off, ans, ab, win, wt, *tot)
    seg = segment_of(run)
    if seg is None or segment_thresholds is None:
        return counts
    S = len(m.segments.names)
    has = seg >= 0
    key = np.where(has, seg, 0)
    seg_in_time = answered & has & (wait <= segment_thresholds[key])
    sel = has & in_periods
    per_seg = key * P + period
    return replace(
        counts,
        segment_offered=np.bincount(per_seg[sel], minlength=S * P).reshape(S, P).astype(float),
        segment_within=np.bincount(per_seg[sel & seg_in_time], minlength=S * P)
        .reshape(S, P)
        .astype(float),
        window_segment_offered=np.bincount(key[counted & has], minlength=S).astype(float),
        window_segment_within=np.bincount(key[counted & seg_in_time], minlength=S).astype(float),
    )
