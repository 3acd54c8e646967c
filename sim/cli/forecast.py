"""``ccsim forecast``, ``ccsim backtest`` and ``ccsim calibrate``: thin layers over the API.

:func:`add_commands` registers the subcommands on ``ccsim``'s parser. Bad input raises
``sim.cli.ccsim.BadInput`` (exit code 2, a message naming the row / column / option, no
traceback); outputs are written atomically, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from forecasting.history import MINUTES_PER_DAY, ColumnMap, History, HistoryError, read_history
from forecasting.models import MIN_PATHS
from forecasting.special_days import ordinary_days_note, special_days_within, with_holidays

__all__ = ["add_commands"]

MAX_HORIZON_DAYS = 366
"""Longest forecast / backtest horizon (open days) the CLI accepts."""
MAX_PATH_VALUES = 20_000_000
"""Most sample-path values (paths x horizon days x intervals a day) one forecast may
hold (160 MB of float64; a year of 15-minute intervals x 500 paths is 17.6 million)."""

HISTORY_OPTIONS = {
    "interval_minutes": "--interval-minutes",
    "columns": "--columns",
    "country": "--holidays",
}
"""API parameter -> option, for errors of ``read_history``."""


def _bad(msg: str) -> Exception:
    from sim.cli.io import BadInput

    return BadInput(msg)


def _renamed(exc: Exception, options: Mapping[str, str]) -> Exception:
    """``exc`` as bad input, its leading ``parameter:`` replaced by the CLI option."""
    msg = str(exc)
    head, sep, rest = msg.partition(": ")
    return _bad(f"{options[head]}: {rest}" if sep and head in options else msg)


def _at_least(option: str, value: int, low: int, high: int | None = None, why: str = "") -> None:
    """An integer option in [low, high]."""
    if value < low or (high is not None and value > high):
        span = f">= {low}" if high is None else f"{low}..{high}"
        raise _bad(f"{option}: must be {span}{why}, got {value}")


def _seconds(option: str, value: float, *, zero: bool) -> None:
    """A duration option (s): finite, and > 0 (``zero``: >= 0)."""
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        raise _bad(
            f"{option}: must be a finite number of seconds {'>=' if zero else '>'} 0, got {value}"
        )


def _interval_option(value: int | None) -> None:
    if value is not None and (value <= 0 or MINUTES_PER_DAY % value):
        raise _bad(f"--interval-minutes: must divide a day (1440 min), got {value}")


def _path_budget(option: str, paths: int, days: int, hist: History) -> None:
    """Sample paths x horizon days x intervals a day within :data:`MAX_PATH_VALUES`."""
    values = paths * days * max(len(hist.calendar.slots), 1)
    if values > MAX_PATH_VALUES:
        raise _bad(
            f"{option}: {paths} paths x {days} day(s) x {len(hist.calendar.slots)} intervals "
            f"is {values:,} sample values, more than {MAX_PATH_VALUES:,}; lower --paths or "
            "--horizon-days"
        )


def _columns(text: str | None) -> ColumnMap:
    """``timestamp=datetime,volume=calls,channel=`` (empty: no such column)."""
    if not text:
        return ColumnMap()
    mapping: dict[str, str | None] = {}
    for part in text.split(","):
        if "=" not in part:
            raise _bad(f"--columns: expected FIELD=COLUMN pairs, got {part!r}")
        k, v = (x.strip() for x in part.split("=", 1))
        if k in mapping:
            raise _bad(f"--columns: {k} given more than once")
        if not v and k in ("timestamp", "volume"):
            raise _bad(
                f"--columns: {k}= needs a column name (only channel= and handle_time= may be empty)"
            )
        mapping[k] = v or None
    try:
        cmap = ColumnMap.from_mapping(mapping)
    except HistoryError as exc:
        raise _renamed(exc, HISTORY_OPTIONS) from None
    named = [c for c in (cmap.timestamp, cmap.volume, cmap.channel, cmap.handle_time) if c]
    twice = sorted({c for c in named if named.count(c) > 1})
    if twice:
        raise _bad(f"--columns: column {', '.join(twice)} is used for more than one field")
    return cmap


def _history(args: argparse.Namespace) -> History:
    _interval_option(args.interval_minutes)
    if not args.default_channel.strip():
        raise _bad("--default-channel: must not be empty")
    if args.holidays is not None and not args.holidays.strip():
        raise _bad(
            "--holidays: must not be empty (a country code, e.g. IL, US; leave it out for none)"
        )
    try:
        hist = read_history(
            args.history,
            columns=_columns(args.columns),
            interval_minutes=args.interval_minutes,
            default_channel=args.default_channel,
        )
        return with_holidays(hist, args.holidays) if args.holidays else hist
    except HistoryError as exc:
        raise _renamed(exc, HISTORY_OPTIONS) from None


def _common_forecast_options(args: argparse.Namespace) -> None:
    """--horizon-days, --paths and --seed of ``forecast`` and ``backtest``."""
    _at_least("--horizon-days", args.horizon_days, 1, MAX_HORIZON_DAYS)
    _at_least("--paths", args.paths, MIN_PATHS, why=" (sample paths behind 95% intervals)")
    _at_least("--seed", args.seed, 0)


def _history_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("history", help="CSV: timestamp, channel, volume[, handle_time]")
    p.add_argument(
        "--interval-minutes",
        type=int,
        default=None,
        help="aggregate to this interval (default: the history's; with --scenario, its)",
    )
    p.add_argument(
        "--columns",
        metavar="FIELD=COL,...",
        help="map column names, e.g. timestamp=datetime,volume=calls,channel=",
    )
    p.add_argument(
        "--default-channel",
        default="all",
        help="channel name when the history has no channel column (default: all)",
    )
    p.add_argument(
        "--holidays",
        metavar="COUNTRY",
        help="leave this country's public holidays and their eves out of cal_ssm's and "
        "drift_ssm's training (ISO code, e.g. IL, US)",
    )


FORECAST_OPTIONS = {
    "horizon_days": "--horizon-days",
    "n_paths": "--paths",
    "model": "--model",
    "as_of": "--as-of",
    "update": "--update",
}
"""API parameter -> option, for errors of the forecasts."""


def _as_of(args: argparse.Namespace, hist: History) -> pd.Timestamp | None:
    """The reforecast time: ``--as-of``, or where a history ending part-way through a
    day ends (then said on stderr); ``None`` for a day-ahead forecast."""
    from forecasting.intraday import as_of_time, partial_day_end

    if args.as_of is None:
        end = partial_day_end(hist)
        if end is not None:
            print(
                f"history ends part-way through {end:%Y-%m-%d} (at {end:%H:%M}): reforecasting "
                "the rest of that day from its actuals (--as-of)",
                file=sys.stderr,
            )
        return end
    try:
        return as_of_time(args.as_of)
    except HistoryError as exc:
        raise _renamed(exc, FORECAST_OPTIONS) from None


def _series(args: argparse.Namespace, hist: History, as_of: pd.Timestamp | None) -> Any:
    """Per-channel forecasts: day-ahead, or the intraday reforecast from ``as_of``."""
    from forecasting.forecast import forecast_series
    from forecasting.intraday import DEFAULT_MODEL, LevelPrior, reforecast_series

    try:
        if as_of is None:
            return forecast_series(
                hist,
                model=args.model or "auto",
                horizon_days=args.horizon_days,
                n_paths=args.paths,
                seed=args.seed,
            )
        series, priors = reforecast_series(
            hist,
            as_of,
            model=args.model or DEFAULT_MODEL,
            horizon_days=args.horizon_days,
            n_paths=args.paths,
            seed=args.seed,
            update=args.update,
        )
    except HistoryError as exc:
        raise _renamed(exc, FORECAST_OPTIONS) from None
    for ch, p in priors.items():
        if not isinstance(p, LevelPrior):
            print(
                f"intraday: {ch}: transient prior from {p.days} day(s): level sd "
                f"{p.level_var**0.5:.3f}, transient sd {p.transient_var**0.5:.3f}, phi "
                f"{p.phi:.3f} per interval, spread {p.spread:.2f}",
                file=sys.stderr,
            )
            continue
        print(
            f"intraday: {ch}: level prior from {p.days} day(s): strength {p.strength:.0f} "
            f"contacts, decay {p.decay:.3f} per interval, level sd {p.level_var**0.5:.3f}",
            file=sys.stderr,
        )
    return series


def cmd_forecast(args: argparse.Namespace) -> int:
    import sim
    from forecasting.forecast import forecast_coverage, forecast_frame, scenario_with_forecast
    from forecasting.handle_time import handle_time_frame, scenario_with_handle_times
    from forecasting.intraday import scenario_with_reforecast
    from sim.cli.io import check_output, staged_outputs

    if args.write_scenario and not args.scenario:
        raise _bad("--write-scenario: needs --scenario FILE (the scenario to fill)")
    if not args.out and not args.write_scenario:
        raise _bad("nothing to write: give --out FORECAST.csv and/or --write-scenario NEW.yaml")
    for option, given in (("--day", args.day), ("--map", args.map)):
        if given and not args.scenario:
            raise _bad(f"{option}: only with --scenario (it places the forecast in a scenario)")
    if args.scenario_paths and not args.scenario:
        raise _bad("--scenario-paths: only with --scenario")
    _common_forecast_options(args)
    _at_least("--scenario-paths", args.scenario_paths, 0, args.paths, " (at most --paths)")
    try:
        day = dt.date.fromisoformat(args.day) if args.day else None
    except ValueError as exc:
        raise _bad(f"--day: expected YYYY-MM-DD, got {args.day!r} ({exc})") from None
    mapping = {}
    for item in args.map or []:
        k, sep, v = (x.strip() for x in item.partition("="))
        if not (sep and k and v):
            raise _bad(f"--map: expected HISTORY_CHANNEL=SCENARIO_CHANNEL, got {item!r}")
        if k in mapping:
            raise _bad(f"--map: {k} mapped more than once")
        mapping[k] = v
    base = sim.load_scenario(args.scenario) if args.scenario else None
    if args.scenario_days is not None:
        if base is None:
            raise _bad("--scenario-days: only with --scenario")
        _at_least("--scenario-days", args.scenario_days, 1, MAX_HORIZON_DAYS)
        from forecasting.horizon import scenario_over_days

        try:
            base = scenario_over_days(base, args.scenario_days)
        except HistoryError as exc:
            raise _renamed(exc, {"scenario": "--scenario", "days": "--scenario-days"}) from None
    if base is not None and args.interval_minutes is None:
        args.interval_minutes = base.interval_minutes
    elif base is not None and args.interval_minutes != base.interval_minutes:
        raise _bad(
            f"--interval-minutes: {args.interval_minutes} differs from the scenario's "
            f"{base.interval_minutes}-minute periods ({args.scenario}); leave it out or match it"
        )
    check_output(args.out, option="--out")
    check_output(args.write_scenario, option="--write-scenario")
    hist = _history(args)
    print(hist.report, file=sys.stderr)
    _path_budget("--paths", args.paths, args.horizon_days, hist)
    as_of = _as_of(args, hist)
    if as_of is not None and day is not None:
        raise _bad("--day: not with --as-of (the scenario is filled from --as-of on its day)")
    if as_of is None and args.update != "level":
        raise _bad(
            f"--update: {args.update} updates an intraday reforecast; give --as-of (or a "
            "history that ends part-way through a day)"
        )
    series = _series(args, hist, as_of)
    out = forecast_frame(series)
    try:
        handle = handle_time_frame(hist, series)
    except HistoryError as exc:
        raise _renamed(exc, HISTORY_OPTIONS) from None
    new_sc: Any = None
    coverage = []
    try:
        if base is not None and as_of is None:
            new_sc = scenario_with_forecast(
                base,
                out,
                day=day,
                channel_map=mapping or None,
                paths=series,
                n_paths=args.scenario_paths,
                calendar=hist.calendar,
            )
            pairs = mapping or {c: c for c in out["channel"].unique()}
            coverage = [
                forecast_coverage(base, out, src, day=day, calendar=hist.calendar)
                for src, dst in pairs.items()
                if dst in base.channels
            ]
        elif (
            base is not None and as_of is not None
        ):  # the afternoon: the morning's periods keep their values
            new_sc = scenario_with_reforecast(
                base,
                out,
                as_of,
                channel_map=mapping or None,
                paths=series,
                n_paths=args.scenario_paths,
                calendar=hist.calendar,
            )
    except HistoryError as exc:
        raise _renamed(
            exc,
            {
                "interval_minutes": "--interval-minutes",
                "channel_map": "--map",
                "day": "--day",
                "n_paths": "--scenario-paths",
                "as_of": "--as-of",
            },
        ) from None
    if new_sc is not None and not handle.empty:
        where = day if as_of is None else as_of.date()
        grids = {
            c: forecast_coverage(new_sc, out, c, day=where).grid for c in out["channel"].unique()
        }
        new_sc = scenario_with_handle_times(new_sc, handle, grids, mapping or None)
    if not handle.empty:  # the handle-time forecast: extra columns after the volumes'
        out = out.merge(handle, on=["timestamp", "channel"], how="left")
    with staged_outputs() as stage:  # --out and --write-scenario: both written, or neither
        if args.out:
            out.to_csv(
                stage.file(args.out),
                index=False,
                float_format="%.3f",
                date_format="%Y-%m-%d %H:%M",
            )
        if new_sc is not None:
            stage.file(args.write_scenario).write_text(new_sc.to_yaml(), encoding="utf-8")
    days = sorted(set(pd.DatetimeIndex(out["timestamp"]).date))
    print(
        f"{out['model'].iloc[0]}: {len(out)} open intervals over {len(days)} day(s) "
        f"{days[0]} .. {days[-1]}, {out['volume'].sum():.0f} contacts"
    )
    special = special_days_within(hist, days)
    if special:  # the models leave special days out of training, never forecast them
        print(ordinary_days_note(special))
    for cov in (c for c in coverage if c.closed.any()):
        print(
            f"scenario: {cov.channel}: {int(cov.closed.sum())} of {len(cov.grid)} periods "
            f"fall when the centre is closed (history's calendar), 0 arrivals: "
            f"{cov.describe(cov.closed)}"
        )
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    from forecasting.backtest import accuracy, backtest
    from forecasting.models import MODELS
    from sim.cli.io import atomic_file, check_output

    check_output(args.out, option="--out")
    _common_forecast_options(args)
    _at_least("--step-days", args.step_days, 1)
    _at_least("--windows", args.windows, 1)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if not models:
        raise _bad(f"--models: give at least one model ({', '.join(MODELS)})")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise _bad(
            f"--models: unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}"
        )
    hist = _history(args)
    _path_budget("--paths", args.paths, args.horizon_days, hist)
    try:
        cv = backtest(
            hist,
            models,
            horizon_days=args.horizon_days,
            step_days=args.step_days,
            n_windows=args.windows,
            n_paths=args.paths,
            seed=args.seed,
        )
    except HistoryError as exc:
        raise _renamed(
            exc,
            {
                "models": "--models",
                "horizon_days": "--horizon-days",
                "step_days": "--step-days",
                "n_windows": "--windows",
                "n_paths": "--paths",
            },
        ) from None
    table = accuracy(cv)
    if args.out:
        with atomic_file(Path(args.out)) as tmp:
            cv.to_csv(tmp, index=False, float_format="%.3f")
    print(
        f"rolling origin: {args.windows} windows, horizon {args.horizon_days} day(s), "
        f"step {args.step_days} day(s), {hist.interval_minutes}-min intervals"
    )
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from forecasting.calibrate import (
        INTERVAL_MINUTES_RANGE,
        RecordsError,
        calibrate,
        read_anonymous_bank,
        read_records,
    )
    from sim.cli.io import atomic_file, check_output

    check_output(args.out, option="--out")
    lo, hi = INTERVAL_MINUTES_RANGE
    if not lo <= args.interval_minutes <= hi or MINUTES_PER_DAY % args.interval_minutes:
        raise _bad(
            f"--interval-minutes: must divide a day and be {lo}..{hi}, got {args.interval_minutes}"
        )
    _seconds("--redial-window", args.redial_window, zero=False)
    _seconds("--sl-threshold", args.sl_threshold, zero=True)
    try:
        if args.format == "anonymous-bank" or (
            args.format == "auto" and str(args.records).endswith(".txt.gz")
        ):
            records = read_anonymous_bank(args.records)
        else:
            records = read_records(args.records)
        cal = calibrate(
            records,
            interval_minutes=args.interval_minutes,
            redial_window=args.redial_window,
            sl_threshold=args.sl_threshold,
        )
    except RecordsError as exc:
        raise _renamed(
            exc,
            {
                "interval_minutes": "--interval-minutes",
                "redial_window": "--redial-window",
                "sl_threshold": "--sl-threshold",
            },
        ) from None
    print(cal.summary())
    if args.segments:
        print(cal.segments_summary())
    text = _calibrated_yaml(cal, args) if args.behaviours is not None else None
    if args.out:
        with atomic_file(Path(args.out)) as tmp:
            tmp.write_text(
                text if text is not None else cal.fragment_yaml(segments=args.segments),
                encoding="utf-8",
            )
    return 0


def _behaviours(value: str) -> tuple[str, ...]:
    """``--behaviours``: ``default`` (:data:`sim.measure.typical_day.
    TYPICAL_DAY_BEHAVIOURS`), ``none`` or comma-separated replay behaviour names."""
    from sim.measure.typical_day import TYPICAL_DAY_BEHAVIOURS

    if value.strip() == "default":
        return TYPICAL_DAY_BEHAVIOURS
    if value.strip() == "none":
        return ()
    names = tuple(v.strip() for v in value.split(","))
    if not all(names):
        raise _bad(f"--behaviours: an empty name in {value!r}")
    return names


def _calibrated_yaml(cal: Any, args: argparse.Namespace) -> str:
    """The typical day with the replay's behaviours (``--behaviours``) as YAML."""
    import yaml

    from sim.measure.typical_day import typical_day

    try:
        data = typical_day(cal, _behaviours(args.behaviours), segments=args.segments)
    except ValueError as exc:
        raise _renamed(exc, {"behaviours": "--behaviours"}) from None
    return yaml.safe_dump(data, sort_keys=False)


def add_commands(sub: Any) -> None:
    """Register ``forecast``, ``backtest`` and ``calibrate`` on ccsim's subparsers."""
    from forecasting.models import MODELS

    fc = sub.add_parser("forecast", help="forecast interval volumes from a history CSV")
    _history_opts(fc)
    fc.add_argument("--horizon-days", type=int, default=5, help="open days to forecast")
    fc.add_argument(
        "--model",
        default=None,
        choices=list(MODELS),
        help="default: auto (with --as-of: dow_ssm, the day-ahead model the reforecast updates)",
    )
    fc.add_argument(
        "--as-of",
        metavar="'YYYY-MM-DD HH:MM'",
        help="intraday reforecast: the rest of that day from its actuals before this time "
        "(default: where a history ending part-way through a day ends)",
    )
    fc.add_argument(
        "--update",
        default="level",
        choices=["level", "transient"],
        help="intraday reforecast: level (one factor on the rest of the day) or transient "
        "(day level + AR(1) transient decaying from the latest intervals)",
    )
    fc.add_argument("--out", metavar="FORECAST.csv", help="write the forecast CSV")
    fc.add_argument("--scenario", metavar="FILE", help="scenario whose arrivals to replace")
    fc.add_argument("--write-scenario", metavar="NEW.yaml", help="write the filled scenario")
    fc.add_argument("--day", metavar="YYYY-MM-DD", help="first forecast day of the scenario")
    fc.add_argument(
        "--map", action="append", metavar="HIST=SCEN", help="history channel -> scenario channel"
    )
    fc.add_argument("--paths", type=int, default=500, help="sample paths (intervals)")
    fc.add_argument(
        "--scenario-paths",
        type=int,
        default=0,
        metavar="N",
        help="also write N sample paths as the scenario's arrival_paths (forecast uncertainty)",
    )
    fc.add_argument(
        "--scenario-days",
        type=int,
        default=None,
        metavar="N",
        help="stretch the (one-day) scenario over N calendar days from --day, so its "
        "periods cover a multi-day forecast (clock times it does not cover: closed)",
    )
    fc.add_argument("--seed", type=int, default=0)
    fc.set_defaults(func=cmd_forecast)

    bt = sub.add_parser("backtest", help="rolling-origin accuracy of forecasting models")
    _history_opts(bt)
    bt.add_argument(
        "--models",
        default="snaive_week,topdown,mstl,dow_ssm",
        help="comma-separated model names (default: snaive_week,topdown,mstl,dow_ssm)",
    )
    bt.add_argument("--horizon-days", type=int, default=1)
    bt.add_argument("--step-days", type=int, default=1)
    bt.add_argument("--windows", type=int, default=10, help="number of cutoffs")
    bt.add_argument("--paths", type=int, default=200)
    bt.add_argument("--seed", type=int, default=0)
    bt.add_argument("--out", metavar="CV.csv", help="write the per-interval backtest frame")
    bt.set_defaults(func=cmd_backtest)

    cal = sub.add_parser(
        "calibrate", help="handle times, patience (Kaplan-Meier), redials, staffing from records"
    )
    cal.add_argument("records", help="call-record CSV, or an Anonymous Bank raw .txt.gz file")
    cal.add_argument(
        "--format", choices=["auto", "csv", "anonymous-bank"], default="auto", help="input format"
    )
    cal.add_argument("--interval-minutes", type=int, default=15)
    cal.add_argument(
        "--redial-window", type=float, default=3600.0, help="s after an abandon (default 3600)"
    )
    cal.add_argument("--sl-threshold", type=float, default=60.0, help="service-level threshold (s)")
    cal.add_argument("--out", metavar="FRAGMENT.yaml", help="write the scenario fragment")
    cal.add_argument(
        "--segments",
        action="store_true",
        help="customer segments per queue from the records' priority classes",
    )
    cal.add_argument(
        "--behaviours",
        metavar="default|none|NAME,...",
        default=None,
        help="write the typical day with the replay's behaviours instead of the one-group "
        "fragment: skill groups staffed with the month's mean available agents, wrap-up, "
        "proficiency, routing, readiness, pick-up delays (default: the replay's defaults "
        "less pickup_daily; none: one group with the on-shift staffing; or comma-separated "
        "names of the replay's behaviours, as `ccsim replay --with` takes them)",
    )
    cal.set_defaults(func=cmd_calibrate)
