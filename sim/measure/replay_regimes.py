"""Replay diagnostic: service by what a call found on arrival (a queue, or none).

The replay's daily biases pool two regimes that can err in opposite directions: calls
that arrive while no call (of any queue) is waiting, who wait only if every agent who
could take them is busy or away, and calls that arrive behind a queue. Splitting each
queue's calls by regime, actual against simulated, shows which one a bias comes from
(e.g. January -> February: NW calls arriving to an empty queue waited 37% of the time
against 19% simulated, while behind a queue the simulated share answered within 60 s
was about right).

Pure functions of arrival times, waits and outcomes (seconds), so the same code reads
the test month's records and the simulator's raw runs (:class:`sim.engine.raw.RawRun`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecasting.calibrate import Calibration, calibrate
from sim.engine.codes import ANSWERED
from sim.engine.raw import RawRun
from sim.measure.replay import replay
from sim.measure.results import Result

__all__ = [
    "REGIMES",
    "compare_regimes",
    "records_regimes",
    "regime_counts",
    "replay_regimes",
    "run_regimes",
]

REGIMES = ("no call waiting", "calls waiting")
"""What a call found on arrival: no call of any queue waiting, or at least one."""
COUNTS = ("calls", "waited", "within", "abandoned")


def regime_counts(
    arrival: np.ndarray,
    wait: np.ndarray,
    answered: np.ndarray,
    queue: np.ndarray,
    *,
    threshold: float,
    since: float = 0.0,
) -> pd.DataFrame:
    """Per queue and regime (:data:`REGIMES`): ``calls``, how many ``waited`` (wait > 0),
    were answered ``within`` ``threshold`` s, and ``abandoned``; of the calls arriving
    at or after ``since`` s (earlier calls still make the regime of later ones: a
    warm-up).

    A call finds "calls waiting" when another call (any queue) joined before it (or at
    the same instant) and was still waiting at its arrival: waiting spans are
    half-open, ``[arrival, arrival + wait)``, so a call answered at the instant another
    arrives does not count. ``arrival`` and ``wait`` in seconds, ``answered`` bool.
    """
    arrival = np.asarray(arrival, float)
    wait = np.asarray(wait, float)
    answered = np.asarray(answered, bool)
    waited = wait > 0
    starts = np.sort(arrival[waited])
    ends = np.sort(arrival[waited] + wait[waited])
    begun = np.searchsorted(starts, arrival, side="right")
    over = np.searchsorted(ends, arrival, side="right")
    others = begun - over - waited  # a waiting call does not find itself
    frame = pd.DataFrame(
        {
            "queue": np.asarray(queue).astype(str),
            "regime": np.where(others > 0, REGIMES[1], REGIMES[0]),
            "calls": 1,
            "waited": waited.astype(int),
            "within": (answered & (wait <= threshold)).astype(int),
            "abandoned": (~answered).astype(int),
        }
    )[arrival >= since]
    return frame.groupby(["queue", "regime"], as_index=False)[list(COUNTS)].sum()


def records_regimes(
    records: pd.DataFrame, *, threshold: float, dates: Iterable[object] | None = None
) -> pd.DataFrame:
    """:func:`regime_counts` of call records (``arrival, queue, wait, answered``), on
    the given ``dates`` only (``datetime.date``; default every day)."""
    r = records
    if dates is not None:
        r = r[r["arrival"].dt.date.isin(set(dates))]
    t0 = r["arrival"].min().normalize()
    secs = (r["arrival"] - t0).dt.total_seconds().to_numpy()
    return regime_counts(
        secs,
        r["wait"].to_numpy(float),
        r["answered"].to_numpy(bool),
        r["queue"].to_numpy(),
        threshold=threshold,
    )


def run_regimes(
    run: RawRun, channels: Sequence[str], *, threshold: float, since: float = 0.0
) -> pd.DataFrame:
    """:func:`regime_counts` of one simulated replication (``channels``: the model's
    channel names, indexed by ``run.channel``; ``since``: s from the run's start)."""
    return regime_counts(
        run.arrival,
        run.wait,
        run.outcome == ANSWERED,
        np.asarray(channels, dtype=object)[run.channel],
        threshold=threshold,
        since=since,
    )


def _shares(counts: pd.DataFrame, prefix: str) -> pd.DataFrame:
    c = counts.groupby(["queue", "regime"])[list(COUNTS)].sum()
    return pd.DataFrame(
        {
            f"{prefix}calls": c["calls"],
            f"{prefix}waited": c["waited"] / c["calls"],
            f"{prefix}within": c["within"] / c["calls"],
            f"{prefix}abandoned": c["abandoned"] / c["calls"],
        }
    )


def compare_regimes(actual: pd.DataFrame, simulated: pd.DataFrame) -> pd.DataFrame:
    """Actual against simulated, per queue and regime: ``calls`` (actual),
    ``share`` (of the queue's actual calls in this regime) and ``sim_share``, and for
    ``waited``, ``within`` (answered within the threshold) and ``abandoned`` the actual
    and simulated shares of the regime's calls. ``simulated`` may stack several
    replications' counts (they are summed)."""
    a = _shares(actual, "")
    s = _shares(simulated, "sim_")
    out = a.join(s, how="outer").fillna({"calls": 0, "sim_calls": 0})
    by_q_a = out.groupby(level="queue")["calls"].transform("sum")
    by_q_s = out.groupby(level="queue")["sim_calls"].transform("sum")
    out["share"] = out["calls"] / by_q_a
    out["sim_share"] = out["sim_calls"] / by_q_s
    cols = ["calls", "share", "sim_share"]
    for k in ("waited", "within", "abandoned"):
        cols += [k, f"sim_{k}"]
    return out[cols].reset_index()


def replay_regimes(
    train: Calibration | pd.DataFrame, test_records: pd.DataFrame, **kw: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`sim.measure.replay.replay` (``kw`` passed on) and the comparison by
    regime (:func:`compare_regimes`) of its replayed days: the test records' calls of
    the simulated queues against every replication's contacts."""
    cal = train if isinstance(train, Calibration) else calibrate(train)
    parts: list[pd.DataFrame] = []

    def collect(day: Any, res: Result) -> None:
        channels = list(res.scenario.channels)
        parts.extend(run_regimes(r, channels, threshold=cal.sl_threshold) for r in res.runs)

    rep = replay(cal, test_records, on_day=collect, **kw)
    dates = set(rep["date"]) if len(rep) else set()
    mine = test_records[test_records["queue"].isin(cal.queues)]
    actual = records_regimes(mine, threshold=cal.sl_threshold, dates=dates)
    simulated = pd.concat(parts, ignore_index=True) if parts else actual.iloc[:0]
    return rep, compare_regimes(actual, simulated)
