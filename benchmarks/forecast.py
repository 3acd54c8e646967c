"""Forecast accuracy and replay validation on real data (``python -m benchmarks.forecast``).

Protocol (issue 4): rolling origin over the last 8 weeks of each history; 1-day horizon
from every day, 1-week horizon from every 5th (US bank, 5-day weeks) / 7th (Anonymous
Bank) day; MASE scaled by the in-sample weekly seasonal-naive MAE at each cutoff.

* US bank 2003, 15-min intervals, weekdays 07:00-21:00 (read from ../shared/data);
* Anonymous Bank 1999, 30-min intervals, 24 h x 7 days (the history shipped in
  forecasting/data);
* replay: calibrate on January 1999 raw records, simulate each February Sun-Thu with
  the observed arrivals and staffing per 15 min, compare abandonment and share answered
  within 60 s with what happened.

Targets (issue 14): 1-day MASE <= 0.75 (US bank) and <= 0.55 (Anonymous Bank); 80%
intervals covering 75-85% of intervals. ``auto`` is backtested on the 1-day horizon
(each cutoff runs its own inner backtest on the training days only; ``--skip-auto``
leaves it out).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import forecasting as fc

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
US_BANK = SHARED / "us-bank-calls-2003" / "bank_calls_5min.csv"
RAW = SHARED / "anonymous-bank-1999" / "raw"
MODELS = ("snaive_week", "topdown", "mstl", "dow_ssm", "cal_ssm")
AUTO = ("auto",)
"""Backtested on the 1-day horizon only (``auto`` runs its own backtest at each cutoff)."""


def run_backtests(
    name: str, hist: fc.History, per_week: int, models: tuple[str, ...], auto: bool
) -> None:
    for label, h, step, n in (
        ("1 day", 1, 1, 8 * per_week),
        ("1 week", per_week, per_week, 8),
    ):
        t = time.process_time()
        names = list(models) + (list(AUTO) if auto and h == 1 else [])
        cv = fc.backtest(hist, names, horizon_days=h, step_days=step, n_windows=n)
        table = fc.accuracy(cv)
        print(
            f"\n{name}: horizon {label}, {n} windows, "
            f"{hist.interval_minutes}-min intervals ({time.process_time() - t:.0f} CPU-s)"
        )
        print(
            table.drop(columns="channel").to_string(index=False, float_format=lambda x: f"{x:.3f}")
        )


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.forecast")
    p.add_argument("--skip-backtest", action="store_true")
    p.add_argument("--skip-replay", action="store_true")
    p.add_argument("--skip-auto", action="store_true", help="leave auto out of the 1-day backtest")
    p.add_argument("--replications", type=int, default=10, help="per replayed day")
    args = p.parse_args()
    if not args.skip_backtest:
        if US_BANK.is_file():
            us = fc.read_history(
                US_BANK,
                columns={"timestamp": "datetime", "volume": "calls", "channel": None},
                interval_minutes=15,
            )
            run_backtests("US bank 2003", us, 5, MODELS, not args.skip_auto)
        else:
            print(f"skipped US bank: {US_BANK} absent")
        run_backtests(
            "Anonymous Bank 1999",
            fc.load_anonymous_bank_history(),
            7,
            MODELS,
            not args.skip_auto,
        )
    if not args.skip_replay:
        jan, feb = (RAW / f"anonymous_bank_1999_{m}.txt.gz" for m in ("january", "february"))
        if not jan.is_file():
            print(f"skipped replay: {RAW} absent")
            return
        t = time.process_time()
        cal = fc.calibrate(fc.read_anonymous_bank(jan))
        rep = fc.replay(cal, fc.read_anonymous_bank(feb), replications=args.replications)
        print(
            f"\nreplay: calibrated on January 1999, {rep['date'].nunique()} February days "
            f"(Sun-Thu), {args.replications} replications each "
            f"({time.process_time() - t:.0f} CPU-s); errors = simulated - actual, "
            "percentage points; service level = share answered within 60 s"
        )
        with pd.option_context("display.width", 200):
            print(fc.replay_summary(rep).to_string(index=False, float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main()
