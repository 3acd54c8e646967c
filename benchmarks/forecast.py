"""Forecast accuracy and replay validation on real data (``python -m benchmarks.forecast``).

Protocol (issue 4): rolling origin over the last 8 weeks of each history; 1-day horizon
from every day, 1-week horizon from every 5th (US bank, 5-day weeks) / 7th (Anonymous
Bank) day; MASE scaled by the in-sample weekly seasonal-naive MAE at each cutoff.

* US bank 2003, 15-min intervals, weekdays 07:00-21:00 (read from ../shared/data);
* Anonymous Bank 1999, 30-min intervals, 24 h x 7 days (the history shipped in
  forecasting/data), with Israel's public holidays and their eves as special days
  (``load_anonymous_bank_history(holidays=True)``: left out of cal_ssm's and
  drift_ssm's training; none falls in the test weeks);
* replay: calibrate on January 1999 raw records, simulate each February Sun-Thu with
  the observed arrivals and staffing per 15 min, compare abandonment and share answered
  within 60 s with what happened.

Targets (issue 14): 1-day MASE <= 0.75 (US bank) and <= 0.55 (Anonymous Bank); 80%
intervals covering 75-85% of intervals. ``auto`` is backtested on the 1-day horizon
(each cutoff runs its own inner backtest on the training days only; ``--skip-auto``
leaves it out). Measured (README): ``auto`` 0.681 / cov80 0.777 on the US bank,
0.548 / 0.835 on the Anonymous Bank (``cal_ssm`` 0.568, ``drift_ssm`` 0.548; 0.566
without the holidays).

Intraday reforecast (issue 14): the last 40 days of each history, each forecast day-ahead
(dow_ssm, fitted on the days before it) and reforecast from 08:00, 10:00, 12:00, 14:00
and 16:00 with the prior estimated on the 15 days before it; rest-of-day MASE
(intervals from the origin on) of both, and the reforecast's change, for each update
(``level``: the default one-factor update; ``transient``: day level + AR(1) transient).
Target: -15% at 10:00 and 12:00 on both banks, 80% coverage 0.75-0.85. Measured
(10:00 / 12:00): US bank level -16.9% / -18.9%, transient -17.6% / -20.6% (cov80
0.77); Anonymous Bank level -1.8% / -6.7%, transient -6.6% / -8.8% (cov80 0.80 / 0.81):
not met on the Anonymous Bank. Each table also gives the change an oracle level update
(the true rest-of-day total with the day-ahead's shape) and a perfect intensity (the
Poisson floor) would make (``fc.rest_of_day_bounds``): Anonymous Bank -16.7% / -16.3%
and -37% / -37%, US bank -33% / -32% and -51% / -49%. The level update is then run on
``drift_ssm`` (with the Anonymous Bank's holidays) as the day-ahead model
(``INTRADAY_BASES``): rest-of-day MASE 10:00 / 12:00, day-ahead -> reforecast, US bank
0.710 -> 0.599 / 0.650 -> 0.542 (-15.6% / -16.7%; dow_ssm 0.772 -> 0.642 / 0.710 ->
0.576), Anonymous Bank 0.732 -> 0.727 / 0.704 -> 0.682 (dow_ssm 0.781 -> 0.767 / 0.741
-> 0.691; oracle level -12.6% / -12.4%): better forecasts, smaller gains.
``fc.hindsight_level`` says why (dow_ssm, 10:00 / 12:00): the morning's ratio to the
forecast correlates 0.02 / 0.33 with the rest of the day's on the Anonymous Bank (US
bank 0.61 / 0.67), and the best update ``a + b x`` of that ratio fitted on the scored
days themselves, in hindsight, scores -3.7% / -5.2% there (US bank -14.1% / -16.7%).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import forecasting as fc
from forecasting.intraday import DEFAULT_MODEL, LEVEL, UPDATES

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
US_BANK = SHARED / "us-bank-calls-2003" / "bank_calls_5min.csv"
RAW = SHARED / "anonymous-bank-1999" / "raw"
MODELS = ("snaive_week", "topdown", "mstl", "dow_ssm", "cal_ssm", "drift_ssm", "week_ssm")
AUTO = ("auto",)
"""Backtested on the 1-day horizon only (``auto`` runs its own backtest at each cutoff)."""


def _us_bank() -> fc.History:
    return fc.read_history(
        US_BANK,
        columns={"timestamp": "datetime", "volume": "calls", "channel": None},
        interval_minutes=15,
    )


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


INTRADAY_ORIGINS = ("08:00", "10:00", "12:00", "14:00", "16:00")
INTRADAY_DAYS = 40
INTRADAY_BASES = ("drift_ssm",)
"""Day-ahead models also reforecast (level update) besides the default, to report the
absolute rest-of-day MASE of a better morning forecast."""


def run_intraday(name: str, hist: fc.History, update: str, model: str = DEFAULT_MODEL) -> None:
    t = time.process_time()
    cv = fc.intraday_backtest(
        hist.matrix(), model=model, origins=INTRADAY_ORIGINS, n_days=INTRADAY_DAYS, update=update
    )
    acc = fc.accuracy(cv, by=("origin", "forecast"))
    wide = acc.pivot(index="origin", columns="forecast", values=["mase", "coverage_80"])
    bounds = fc.rest_of_day_bounds(cv, by=("origin",)).set_index("origin")
    table = pd.DataFrame(
        {
            "day_ahead_mase": wide[("mase", "day_ahead")],
            "reforecast_mase": wide[("mase", "reforecast")],
            "change": wide[("mase", "reforecast")] / wide[("mase", "day_ahead")] - 1,
            "day_ahead_cov80": wide[("coverage_80", "day_ahead")],
            "reforecast_cov80": wide[("coverage_80", "reforecast")],
            "oracle_level": bounds["oracle_level_change"],
            "poisson_floor": bounds["poisson_floor_change"],
        }
    )
    print(
        f"\n{name}: intraday reforecast ({update} update of {model}), rest of day, "
        f"{INTRADAY_DAYS} days, {hist.interval_minutes}-min intervals "
        f"({time.process_time() - t:.0f} CPU-s); oracle_level, poisson_floor: the change a "
        "level update knowing the rest of day's total, and a perfect intensity, would make"
    )
    print(table.to_string(float_format=lambda x: f"{x:.3f}"))


def run_hindsight(name: str, hist: fc.History, model: str = DEFAULT_MODEL) -> None:
    """What the morning's total says about the rest of the day (``fc.hindsight_level``)."""
    t = time.process_time()
    h = fc.hindsight_level(
        hist.matrix(), model=model, origins=INTRADAY_ORIGINS, n_days=INTRADAY_DAYS
    )
    table = h.set_index("origin")[
        ["corr", "day_ahead", "hindsight_level", "hindsight_level_change", "oracle_level_change"]
    ]
    print(
        f"\n{name}: the morning's total and the rest of the day's ({model} day-ahead, "
        f"{INTRADAY_DAYS} days, {time.process_time() - t:.0f} CPU-s): corr of their log "
        "ratios to the forecast; MASE of the best update a + b x of the morning's, fitted on these "
        "days in hindsight (no update linear in x beats it there)"
    )
    print(table.to_string(float_format=lambda x: f"{x:.3f}"))


HANDLE_TIME_DAYS = 15


def anonymous_bank_handle_times() -> fc.History:
    """January + February 1999 raw records as a 30-min history: volume = calls,
    handle_time = mean handle time (s) of the answered calls (the volume weights
    it; intervals with no answered call have none)."""
    recs = pd.concat(
        [
            fc.read_anonymous_bank(RAW / f"anonymous_bank_1999_{m}.txt.gz")
            for m in ("january", "february")
        ]
    )
    t = pd.to_datetime(recs["arrival"]).dt.floor("30min")
    g = recs.assign(t=t, h=recs["handle_time"].where(recs["answered"])).groupby("t")
    df = pd.DataFrame({"volume": g.size(), "handle_time": g["h"].mean()}).reset_index()
    df = df.rename(columns={"t": "timestamp"}).fillna({"handle_time": 0.0})
    return fc.read_history(
        df,
        columns={
            "timestamp": "timestamp",
            "volume": "volume",
            "channel": None,
            "handle_time": "handle_time",
        },
        default_channel="voice",
    )


def run_handle_time() -> None:
    """Day-ahead handle-time forecast on the last 15 days: volume-weighted absolute
    percentage error of the interval means against a flat forecast (the recent level
    alone), and 80% coverage."""
    import numpy as np

    from forecasting.handle_time import forecast_handle_time, handle_time_matrix

    t = time.process_time()
    hist = anonymous_bank_handle_times()
    y, h = handle_time_matrix(hist, "voice")
    err = flat_err = weight = inside = count = 0.0
    for n in range(len(y.dates) - HANDLE_TIME_DAYS, len(y.dates)):
        part = fc.History(
            hist.frame[hist.frame["timestamp"] < pd.Timestamp(y.dates[n])],
            hist.calendar,
            hist.report,
        )
        f = forecast_handle_time(part, "voice", [y.dates[n]], y.values[n][None])
        ok = ~np.isnan(h[n]) & (h[n] > 0) & f.open[0]
        v, a, m = y.values[n][ok], h[n][ok], f.mean[0][ok]
        level = float(np.nansum(h[:n] * y.values[:n]) / y.values[:n][~np.isnan(h[:n])].sum())
        err += float((v * np.abs(a - m) / a).sum())
        flat_err += float((v * np.abs(a - level) / a).sum())
        weight += float(v.sum())
        inside += float(((a >= f.lower[0][ok]) & (a <= f.upper[0][ok])).sum())
        count += int(ok.sum())
    print(
        f"\nAnonymous Bank Jan-Feb 1999: handle-time forecast, {HANDLE_TIME_DAYS} days, 30-min "
        f"intervals ({time.process_time() - t:.0f} CPU-s): volume-weighted APE "
        f"{err / weight:.3f} (flat level: {flat_err / weight:.3f}), 80% coverage "
        f"{inside / count:.3f}"
    )


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.forecast")
    p.add_argument("--skip-backtest", action="store_true")
    p.add_argument("--skip-replay", action="store_true")
    p.add_argument("--skip-intraday", action="store_true")
    p.add_argument("--skip-auto", action="store_true", help="leave auto out of the 1-day backtest")
    p.add_argument("--replications", type=int, default=10, help="per replayed day")
    args = p.parse_args()
    if not args.skip_backtest:
        if US_BANK.is_file():
            run_backtests("US bank 2003", _us_bank(), 5, MODELS, not args.skip_auto)
        else:
            print(f"skipped US bank: {US_BANK} absent")
        run_backtests(
            "Anonymous Bank 1999",
            fc.load_anonymous_bank_history(holidays=True),
            7,
            MODELS,
            not args.skip_auto,
        )
    if not args.skip_intraday:
        for update in UPDATES:
            if US_BANK.is_file():
                run_intraday("US bank 2003", _us_bank(), update)
            run_intraday("Anonymous Bank 1999", fc.load_anonymous_bank_history(), update)
        if US_BANK.is_file():
            run_hindsight("US bank 2003", _us_bank())
        run_hindsight("Anonymous Bank 1999", fc.load_anonymous_bank_history())
        for model in INTRADAY_BASES:
            if US_BANK.is_file():
                run_intraday("US bank 2003", _us_bank(), LEVEL, model)
            anon = fc.load_anonymous_bank_history(holidays=True)
            run_intraday("Anonymous Bank 1999 (holidays)", anon, LEVEL, model)
        if (RAW / "anonymous_bank_1999_january.txt.gz").is_file():
            run_handle_time()
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
            before = fc.replay(
                cal, fc.read_anonymous_bank(feb), replications=args.replications, behaviours=()
            )
            print("before (one group, on-shift staffing, no wrap-up: behaviours=())")
            print(
                fc.replay_summary(before).to_string(index=False, float_format=lambda x: f"{x:.3f}")
            )


if __name__ == "__main__":
    main()
