"""CPU per fit of every forecasting model and of ``auto``'s choice
(``python -m benchmarks.forecast_speed``; part of ``make bench``).

On one channel of each real history (the busiest channel of the Anonymous Bank 1999
history shipped in forecasting/data, 30-min intervals, 7-day weeks; the US bank 2003
15-min data in ../shared/data or $CCSIM_SHARED_DATA, if present): CPU seconds
(``time.process_time``, all threads of the process) of each model's ``fit`` on the
whole history, of its ``selection_fit`` (the faster fit ``auto`` scores in its
backtest, warm-started from a fit one day shorter) where it has one, and of
``Auto().fit`` (a backtest of 10 cutoffs x 4 candidates + the chosen model's refit),
median of ``--repeat`` runs. Target (issue 14): ``auto`` chooses in <= 5 CPU-s.

CPU-s count every thread: a multi-threaded BLAS that spins without gaining wall time
shows here (the wall time is printed beside it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import forecasting as fc
from forecasting.history import DayMatrix
from forecasting.models import MODELS, Auto

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CCSIM_SHARED_DATA", ROOT.parent / "shared" / "data"))
US_BANK = SHARED / "us-bank-calls-2003" / "bank_calls_5min.csv"
AUTO_TARGET_CPU_S = 5.0


def _timed(f: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    cpu, wall, out = [], [], None
    for _ in range(repeat):
        t, w = time.process_time(), time.perf_counter()
        out = f()
        cpu.append(time.process_time() - t)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall), out


def channels() -> list[tuple[str, DayMatrix]]:
    ab = fc.load_anonymous_bank_history(holidays=True)  # as in benchmarks.forecast
    busiest = max(ab.channels, key=lambda c: float(ab.matrix(c).values.sum()))
    out = [(f"Anonymous Bank 1999 ({busiest})", ab.matrix(busiest))]
    if US_BANK.is_file():
        us = fc.read_history(
            US_BANK,
            columns={"timestamp": "datetime", "volume": "calls", "channel": None},
            interval_minutes=15,
        )
        out.append(("US bank 2003", us.matrix(us.channels[0])))
    else:
        print(f"skipped US bank: {US_BANK} absent")
    return out


def bench(label: str, y: DayMatrix, repeat: int, full: bool) -> None:
    print(
        f"\n{label}: {len(y.dates)} days x {len(y.slots)} intervals; "
        f"CPU-s per fit, median of {repeat}"
    )
    print(f"  {'model':<18} {'fit CPU-s':>10} {'wall s':>8} {'selection_fit CPU-s':>20}")
    shorter = y.head(len(y.dates) - 1)  # the previous cutoff, as in auto's backtest
    for name, spec in MODELS.items():
        if name == "auto":
            continue
        cpu, wall, _ = _timed(lambda spec=spec: spec.fit(y), repeat)
        sel = getattr(spec, "selection_fit", None)
        if sel is None:
            fast = f"{'(= fit)':>20}"
        else:
            prev = spec.fit(shorter)
            fast = f"{_timed(lambda sel=sel, prev=prev: sel(y, prev), repeat)[0]:20.3f}"
        print(f"  {name:<18} {cpu:10.3f} {wall:8.2f} {fast}")
    variants = [("auto", Auto())] + ([("auto (fast=False)", Auto(fast=False))] if full else [])
    for name, spec in variants:
        cpu, wall, res = _timed(lambda spec=spec: spec.fit(y), repeat)
        verdict = "meets" if cpu <= AUTO_TARGET_CPU_S else "MISSES"
        chosen = getattr(res, "chosen", "?")
        print(
            f"  {name:<18} {cpu:10.3f} {wall:8.2f}   chose {chosen}; "
            f"{verdict} the {AUTO_TARGET_CPU_S:.0f} CPU-s target"
        )


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.forecast_speed")
    p.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    p.add_argument("--full", action="store_true", help="also time auto with fast=False")
    args = p.parse_args()
    for label, y in channels():
        bench(label, y, args.repeat, args.full)


if __name__ == "__main__":
    main()
