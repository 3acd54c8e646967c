"""History in: a tidy volume history, cleaned, with the centre's calendar learned from it.

The data contract is one long table, one row per interval and channel::

    timestamp, channel, volume[, handle_time]

``timestamp`` is the start of the interval (local clock time), ``volume`` the contacts
that arrived in it (a count >= 0) and ``handle_time`` the mean handle time (s) of the
interval's contacts. Other column names are mapped with :class:`ColumnMap`. A history
without a channel column is one channel (named by ``default_channel``).

Reading validates everything up front and raises :class:`HistoryError` naming the row
(the CSV line number) and the column of the first problem, so that a bad file never
gives a traceback. What cleaning did is kept in a :class:`CleaningReport`.

The calendar (:class:`Calendar`) is learned from the history: the weekdays the centre
is open, the intervals of the day it is open on each weekday, and the days of those
weekdays that are missing from the history inside its span (holidays or gaps). Models
forecast only the open intervals of the open days.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.clock import MINUTES_PER_DAY, clock_label

__all__ = [
    "Calendar",
    "CleaningReport",
    "ColumnMap",
    "DayMatrix",
    "History",
    "HistoryError",
    "parse_timestamps",
    "read_history",
    "read_text_csv",
]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_DIVISORS = tuple(d for d in range(1, MINUTES_PER_DAY + 1) if MINUTES_PER_DAY % d == 0)
"""Interval lengths (min) that divide a day."""
ON_GRID_MIN_SHARE = 0.99
"""The source interval is the longest whose grid holds at least this share of the rows;
rows off it are errors (one stray 09:07 row must not turn hourly data into 1-minute)."""


class HistoryError(ValueError):
    """A history cannot be used; the message names the row and column at fault."""


@dataclass(frozen=True, kw_only=True)
class ColumnMap:
    """Which input column holds each field of the data contract.

    Parameters
    ----------
    timestamp : column with the interval start (parsed by pandas, local clock time).
    volume : column with the contacts per interval.
    channel : column with the channel name; ``None`` when the history is one channel.
    handle_time : column with the mean handle time (s); ``None`` when absent.
    """

    timestamp: str = "timestamp"
    volume: str = "volume"
    channel: str | None = "channel"
    handle_time: str | None = None

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str | None]) -> ColumnMap:
        """Build from ``{"timestamp": "datetime", "volume": "calls", ...}``."""
        unknown = sorted(set(mapping) - {"timestamp", "volume", "channel", "handle_time"})
        if unknown:
            raise HistoryError(
                f"columns: unknown field(s) {', '.join(unknown)}; "
                "expected timestamp, volume, channel, handle_time"
            )
        return cls(**mapping)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Calendar:
    """When the centre is open, learned from history.

    Attributes
    ----------
    interval_minutes : length of one interval (min).
    open_weekdays : weekdays (0 = Monday) with any open day in the history.
    open_slots : per open weekday, the interval starts (minutes after midnight) that
        carried volume in the history.
    closed_days : days of open weekdays inside the history's span with no data
        (holidays, or gaps): no forecast is scored on them, and the days after them
        are flagged (call centres see catch-up volume after a closure).
    special_days : known days that are not ordinary though open (public holidays
        and their eves), sorted; none unless given
        (:func:`forecasting.special_days.with_holidays`). ``cal_ssm`` and
        ``drift_ssm`` leave them out of their daily model's training.
    """

    interval_minutes: int
    open_weekdays: tuple[int, ...]
    open_slots: Mapping[int, tuple[int, ...]]
    closed_days: tuple[dt.date, ...] = ()
    special_days: tuple[dt.date, ...] = ()

    @property
    def slots(self) -> tuple[int, ...]:
        """Union of the open interval starts over all weekdays (minutes after midnight)."""
        return tuple(sorted({s for v in self.open_slots.values() for s in v}))

    @property
    def days_per_week(self) -> int:
        return len(self.open_weekdays)

    def is_open(self, day: dt.date) -> bool:
        return day.weekday() in self.open_weekdays and day not in set(self.closed_days)

    def next_open_days(self, after: dt.date, n: int) -> list[dt.date]:
        """The first ``n`` open days strictly after ``after`` (future closures unknown)."""
        out: list[dt.date] = []
        day = after
        while len(out) < n:
            day = day + dt.timedelta(days=1)
            if day.weekday() in self.open_weekdays:
                out.append(day)
        return out

    def opening_hours(self) -> dict[str, str]:
        """Per open weekday, ``"HH:MM-HH:MM"`` from the first open interval to the end
        of the last (or ``"24h"``)."""
        out = {}
        per_day = MINUTES_PER_DAY // self.interval_minutes
        for wd in self.open_weekdays:
            s = self.open_slots[wd]
            if len(s) == per_day:
                out[WEEKDAYS[wd]] = "24h"
            else:
                end = s[-1] + self.interval_minutes
                span = f"{clock_label(s[0])}-{clock_label(end, wrap=False)}"
                if (end - s[0]) // self.interval_minutes != len(s):
                    span += f" ({len(s)} open intervals)"
                out[WEEKDAYS[wd]] = span
        return out


@dataclass(frozen=True)
class CleaningReport:
    """What reading and cleaning a history found and did."""

    rows: int
    channels: tuple[str, ...]
    source_interval_minutes: int
    interval_minutes: int
    first_day: dt.date
    last_day: dt.date
    days: int
    opening_hours: Mapping[str, str]
    missing_days: tuple[dt.date, ...]
    gap_intervals: int
    """Open intervals with no row inside an observed day, filled with 0."""
    closed_interval_volume: float
    """Volume seen in intervals learned as closed (kept out of the forecast)."""
    notes: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        lines = [
            f"{self.rows} rows, channels {', '.join(self.channels)}",
            f"{self.days} days {self.first_day} .. {self.last_day}, "
            f"source interval {self.source_interval_minutes} min -> "
            f"{self.interval_minutes} min",
            "open: " + ", ".join(f"{k} {v}" for k, v in self.opening_hours.items()),
            f"missing days (closed): {len(self.missing_days)}"
            + (f" ({', '.join(map(str, self.missing_days[:8]))}" if self.missing_days else "")
            + (" ...)" if len(self.missing_days) > 8 else (")" if self.missing_days else "")),
            f"gaps filled with 0: {self.gap_intervals} intervals",
        ]
        lines.extend(self.notes)
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class DayMatrix:
    """One channel's history as a day x interval matrix (the models' input).

    Attributes
    ----------
    dates : the open days present in the history, in order.
    slots : interval starts (minutes after midnight) of the columns.
    values : volumes (contacts per interval), shape (days, slots); 0 where closed.
    open_mask : per weekday (0..6) a boolean vector over ``slots``: open intervals.
    calendar : the learned calendar.
    """

    dates: tuple[dt.date, ...]
    slots: tuple[int, ...]
    values: np.ndarray
    calendar: Calendar
    channel: str = "all"

    @property
    def weekdays(self) -> np.ndarray:
        return np.array([d.weekday() for d in self.dates], dtype=int)

    def open_mask(self, day: dt.date) -> np.ndarray:
        open_ = set(self.calendar.open_slots.get(day.weekday(), ()))
        return np.array([s in open_ for s in self.slots])

    def open_masks(self, days: Sequence[dt.date]) -> np.ndarray:
        """:meth:`open_mask` of each of ``days``: shape (days, slots)."""
        return np.array([self.open_mask(d) for d in days]).reshape(len(days), len(self.slots))

    def after_closure(self, days: Sequence[dt.date]) -> np.ndarray:
        """1.0 for each day whose previous open weekday was a closed day (catch-up)."""
        closed = set(self.calendar.closed_days)
        out = []
        for d in days:
            prev = d - dt.timedelta(days=1)
            while prev.weekday() not in self.calendar.open_weekdays:
                prev -= dt.timedelta(days=1)
            out.append(1.0 if prev in closed else 0.0)
        return np.array(out)

    def head(self, n: int) -> DayMatrix:
        """The first ``n`` days (a training window in a backtest)."""
        return DayMatrix(self.dates[:n], self.slots, self.values[:n], self.calendar, self.channel)

    def timestamps(self, days: Sequence[dt.date]) -> pd.DatetimeIndex:
        base = pd.to_datetime(pd.Series(list(days))).to_numpy()
        off = np.array(self.slots, dtype="timedelta64[m]")
        return pd.DatetimeIndex((base[:, None] + off[None, :]).ravel())


@dataclass(frozen=True, eq=False)
class History:
    """A cleaned history: the tidy frame on the open grid, its calendar and report."""

    frame: pd.DataFrame
    """Columns timestamp, channel, volume (and handle_time if given), sorted."""
    calendar: Calendar
    report: CleaningReport
    observed_until: pd.Timestamp | None = None
    """End of the last source interval with a row (its start + the source interval):
    the history holds actuals up to this clock time. A history ending part-way through
    a day (its open intervals after this were filled with 0) is reforecast from here by
    :func:`forecasting.intraday.reforecast`. ``None``: not known (assume whole days)."""

    @property
    def channels(self) -> tuple[str, ...]:
        return self.report.channels

    @property
    def interval_minutes(self) -> int:
        return self.calendar.interval_minutes

    def matrix(self, channel: str | None = None) -> DayMatrix:
        """The day x interval matrix of one channel (the only one if not given)."""
        if channel is None:
            if len(self.channels) != 1:
                raise HistoryError(
                    f"channel: the history has {len(self.channels)} channels "
                    f"({', '.join(self.channels)}); name one"
                )
            channel = self.channels[0]
        if channel not in self.channels:
            raise HistoryError(
                f"channel: {channel!r} is not in the history ({', '.join(self.channels)})"
            )
        df = self.frame[self.frame["channel"] == channel]
        ts = pd.DatetimeIndex(df["timestamp"])
        day = ts.normalize()
        slot = ts.hour * 60 + ts.minute
        slots = self.calendar.slots
        wide = (
            pd.DataFrame({"day": day, "slot": slot, "v": df["volume"].to_numpy()})
            .pivot_table(index="day", columns="slot", values="v", aggfunc="sum", fill_value=0.0)
            .reindex(columns=list(slots), fill_value=0.0)
        )
        dates = tuple(d.date() for d in pd.DatetimeIndex(wide.index))
        return DayMatrix(dates, slots, wide.to_numpy(float), self.calendar, channel)


def _line(i: int) -> int:
    """CSV line number of 0-based data row i (line 1 is the header)."""
    return i + 2


def read_text_csv(path: Path, error: type[ValueError]) -> pd.DataFrame:
    """A CSV file with every cell as text (blanks stay ``""``, nothing becomes NaN), for
    checks that name the row and column; ``error`` (the caller's error type) when the
    file is missing or is not a readable CSV, naming the file."""
    if not path.is_file():
        raise error(f"{path}: no such file")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise error(f"{path}: not a readable CSV ({exc})") from None


def read_history(
    source: str | Path | pd.DataFrame,
    *,
    columns: ColumnMap | Mapping[str, str | None] | None = None,
    interval_minutes: int | None = None,
    default_channel: str = "all",
    min_days: int = 2,
) -> History:
    """Read, validate and clean a volume history.

    Parameters
    ----------
    source : CSV path or a DataFrame in the data contract (after ``columns`` mapping).
    columns : maps contract fields to input column names (:class:`ColumnMap`).
    interval_minutes : aggregate to this interval (min); a multiple of the source
        interval that divides a day. Default: the source interval.
    default_channel : channel name when there is no channel column.
    min_days : fewer observed days than this is an error.

    Returns
    -------
    History
        The open-interval grid, the learned :class:`Calendar` and a :class:`CleaningReport`.

    Raises
    ------
    HistoryError
        Naming the row (CSV line) and column of the first problem: missing columns, text
        in numbers, negative volumes, unparsable or unsorted or duplicated timestamps,
        mixed UTC offsets, a row off the history's interval grid, an interval that does
        not fit, a history that is too short or whose volumes are all 0.
    """
    cmap = columns if isinstance(columns, ColumnMap) else ColumnMap.from_mapping(columns or {})
    if isinstance(source, pd.DataFrame):
        raw = source.copy()
        where = "history"
    else:
        path = Path(source)
        raw = read_text_csv(path, HistoryError)
        where = str(path)
    if cmap.channel is not None and cmap.channel not in raw.columns and cmap.channel == "channel":
        cmap = ColumnMap(
            timestamp=cmap.timestamp, volume=cmap.volume, channel=None, handle_time=cmap.handle_time
        )
    needed = [c for c in (cmap.timestamp, cmap.volume, cmap.channel, cmap.handle_time) if c]
    absent = [c for c in needed if c not in raw.columns]
    if absent:
        raise HistoryError(
            f"{where}: missing column(s) {', '.join(absent)} "
            f"(found {', '.join(map(str, raw.columns))}); map them with columns=/--columns"
        )
    if len(raw) == 0:
        raise HistoryError(f"{where}: no rows")
    raw = raw.reset_index(drop=True)

    ts = parse_timestamps(raw[cmap.timestamp], where=where, column=cmap.timestamp)
    vol = _numeric(raw, cmap.volume, where)
    neg = np.flatnonzero(vol < 0)
    if neg.size:
        i = int(neg[0])
        raise HistoryError(
            f"{where}: row {_line(i)}, column {cmap.volume!r}: volume must be >= 0, got {vol[i]:g}"
        )
    chan: list[str] = (
        [str(c) for c in raw[cmap.channel]] if cmap.channel else [default_channel] * len(raw)
    )
    empty = np.flatnonzero(np.array([c.strip() == "" for c in chan]))
    if empty.size:
        raise HistoryError(f"{where}: row {_line(int(empty[0]))}, column {cmap.channel!r}: empty")
    ht = _numeric(raw, cmap.handle_time, where) if cmap.handle_time else None

    df = pd.DataFrame({"timestamp": ts, "channel": chan, "volume": vol})
    if ht is not None:
        df["handle_time"] = ht
    _check_order(df, where, cmap.timestamp)

    src = _source_interval(df, where, cmap.timestamp)
    step = src if interval_minutes is None else int(interval_minutes)
    if step <= 0 or MINUTES_PER_DAY % step:
        raise HistoryError(f"interval_minutes: must divide a day (1440 min), got {step}")
    if step % src:
        raise HistoryError(
            f"interval_minutes: {step} is not a multiple of the history's interval ({src} min)"
        )
    agg = _aggregate(df, step)
    days: list[dt.date] = sorted({t.date() for t in pd.DatetimeIndex(agg["timestamp"])})
    n_days = len(days)
    if n_days < min_days:
        raise HistoryError(
            f"{where}: {n_days} day(s) of history; at least {min_days} are needed "
            "(weekly models need two weeks)"
        )
    calendar, closed_volume = _learn_calendar(agg, step)
    if not calendar.open_weekdays:
        raise HistoryError(
            f"{where}: every volume (column {cmap.volume!r}) is 0, so no interval was ever "
            "open: there is no calendar or pattern to forecast from (the forecast would be "
            "0 everywhere)"
        )
    agg, gaps = _open_grid(agg, calendar)
    span = [days[0] + dt.timedelta(days=i) for i in range((days[-1] - days[0]).days + 1)]
    present = set(days)
    missing = tuple(d for d in span if d.weekday() in calendar.open_weekdays and d not in present)
    calendar = Calendar(step, calendar.open_weekdays, calendar.open_slots, missing)
    notes = []
    if closed_volume > 0:
        notes.append(f"volume in intervals learned as closed, left out: {closed_volume:g}")
    report = CleaningReport(
        rows=len(raw),
        channels=tuple(sorted(df["channel"].unique())),
        source_interval_minutes=src,
        interval_minutes=step,
        first_day=min(days),
        last_day=max(days),
        days=n_days,
        opening_hours=calendar.opening_hours(),
        missing_days=missing,
        gap_intervals=gaps,
        closed_interval_volume=closed_volume,
        notes=tuple(notes),
    )
    until = pd.Timestamp(df["timestamp"].max()) + pd.Timedelta(minutes=src)
    return History(agg, calendar, report, until)


def _numeric(raw: pd.DataFrame, col: str, where: str) -> np.ndarray:
    text = raw[col].astype(str).str.strip()
    num = pd.to_numeric(text, errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(num))
    if bad.size:
        i = int(bad[0])
        raise HistoryError(
            f"{where}: row {_line(i)}, column {col!r}: not a number: {raw[col].iloc[i]!r}"
        )
    return num


def _check_order(df: pd.DataFrame, where: str, col: str) -> None:
    for _name, g in df.groupby("channel", sort=False):
        t = g["timestamp"].to_numpy()
        idx = g.index.to_numpy()
        d = np.diff(t).astype("timedelta64[s]").astype(np.int64)
        if (d == 0).any():
            k = int(np.flatnonzero(d == 0)[0])
            raise HistoryError(
                f"{where}: rows {_line(int(idx[k]))} and {_line(int(idx[k + 1]))}, column "
                f"{col!r}: duplicated timestamp {pd.Timestamp(t[k + 1])} for channel {_name!r}"
            )
        if (d < 0).any():
            k = int(np.flatnonzero(d < 0)[0])
            raise HistoryError(
                f"{where}: row {_line(int(idx[k + 1]))}, column {col!r}: timestamps are not "
                f"sorted ({pd.Timestamp(t[k + 1])} comes after {pd.Timestamp(t[k])}); "
                "sort the file by channel and time"
            )


def _within_day_steps(df: pd.DataFrame) -> np.ndarray:
    """Minutes between consecutive rows of the same channel on the same day."""
    out = []
    for _, g in df.groupby("channel", sort=False):
        t = g["timestamp"]
        same_day = (t.dt.normalize().diff() == pd.Timedelta(0)).to_numpy()
        out.append((t.diff().dt.total_seconds().to_numpy() / 60.0)[same_day])
    return np.concatenate(out) if out else np.array([])


def _source_interval(df: pd.DataFrame, where: str, col: str) -> int:
    """The data's interval (min): the longest interval dividing a day whose grid (from
    midnight) holds :data:`ON_GRID_MIN_SHARE` of the rows. Rows off that grid, or a
    grid the rows step over (hourly rows at :30), are errors naming the first row."""
    t = df["timestamp"]
    frac = (t - t.dt.floor("min")).to_numpy() != np.timedelta64(0, "ns")
    if frac.any():
        i = int(np.flatnonzero(frac)[0])
        raise HistoryError(
            f"{where}: row {_line(i)}, column {col!r}: {t.iloc[i]} is not on a whole "
            "minute; interval starts must be whole minutes"
        )
    if not _within_day_steps(df).size:
        raise HistoryError("timestamp: one row per day at most; cannot tell the interval length")
    minute = (t.dt.hour * 60 + t.dt.minute).to_numpy()
    step = max(d for d in DAY_DIVISORS if np.mean(minute % d == 0) >= ON_GRID_MIN_SHARE)
    on = minute % step == 0
    steps = _within_day_steps(df[on])
    natural = math.gcd(*(int(x) for x in np.unique(steps))) if steps.size else step
    if natural != step:  # the rows sit on a coarser step that does not start at midnight
        i = int(np.flatnonzero(minute % natural)[0])
        raise HistoryError(
            f"{where}: row {_line(i)}, column {col!r}: {t.iloc[i]} is off the "
            f"{natural}-minute grid (from midnight) of the history's steps"
        )
    if not on.all():
        off = np.flatnonzero(~on)
        raise HistoryError(
            f"{where}: row {_line(int(off[0]))}, column {col!r}: {t.iloc[int(off[0])]} is off "
            f"the {step}-minute grid of the other rows ({off.size} of {len(t)} rows are off "
            "it); correct or remove such rows"
        )
    return step


def parse_timestamps(
    values: pd.Series,
    *,
    where: str,
    column: str,
    error: type[ValueError] = HistoryError,
) -> pd.Series:
    """Parse a column of local clock times; row i of ``values`` is CSV line i + 2.

    Timestamps may carry a UTC offset if they all carry the same one: the clock times
    are kept and the offset dropped. Raises ``error`` naming the row and column of the
    first unparsable timestamp, or of the first whose UTC offset differs from the first
    row's (mixed offsets, or some rows with one and some without).
    """
    text = values.astype(str)
    try:
        ts = pd.to_datetime(text, errors="coerce", format="mixed")
    except ValueError as exc:  # pandas refuses mixed UTC offsets
        found = _first_other_offset(text)
        if found is None:
            raise error(f"{where}: column {column!r}: cannot read the timestamps ({exc})") from None
        i, j, a, b = found
        raise error(
            f"{where}: row {_line(j)}, column {column!r}: {text.iloc[j]!r} has UTC offset {b}, "
            f"row {_line(i)} has {a}; give local clock times with one UTC offset or none"
        ) from None
    bad = np.flatnonzero(ts.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raise error(
            f"{where}: row {_line(i)}, column {column!r}: not a timestamp: {text.iloc[i]!r}"
        )
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_localize(None)
    return ts


def _first_other_offset(text: pd.Series) -> tuple[int, int, str, str] | None:
    """(first row, first row with another UTC offset, their offsets) of readable
    timestamps, or None when every readable one has the same offset."""

    def offset(x: str) -> str | None:
        try:
            ts = pd.Timestamp(x.strip())
        except (ValueError, TypeError):
            return None
        off = ts.utcoffset()
        if off is None:
            return "none"
        minutes = int(off.total_seconds() // 60)
        sign = "-" if minutes < 0 else "+"
        return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    first: tuple[int, str] | None = None
    for j, x in enumerate(text):
        off = offset(x)
        if off is None:
            continue
        if first is None:
            first = (j, off)
        elif off != first[1]:
            return first[0], j, first[1], off
    return None


def _aggregate(df: pd.DataFrame, step: int) -> pd.DataFrame:
    t = df["timestamp"].dt.floor(f"{step}min")
    g = df.assign(timestamp=t)
    if "handle_time" in g:
        g = g.assign(_work=g["handle_time"] * g["volume"])
    out = g.groupby(["channel", "timestamp"], sort=True).sum(numeric_only=True).reset_index()
    if "handle_time" in out:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["handle_time"] = np.where(
                out["volume"] > 0, out["_work"] / out["volume"].replace(0, np.nan), np.nan
            )
        out = out.drop(columns="_work")
    return out[
        ["timestamp", "channel", "volume", *(["handle_time"] if "handle_time" in out else [])]
    ]


def _learn_calendar(agg: pd.DataFrame, step: int) -> tuple[Calendar, float]:
    """Open weekdays: those with any volume. Open slots per weekday: those with any
    volume on that weekday (summed over channels)."""
    t = agg["timestamp"]
    key = pd.DataFrame(
        {"wd": t.dt.day_of_week, "slot": t.dt.hour * 60 + t.dt.minute, "v": agg["volume"]}
    )
    per = key.groupby(["wd", "slot"])["v"].sum()
    per = per[per > 0]
    weekdays = tuple(sorted({int(w) for w, _ in per.index}))
    slots = {wd: tuple(sorted(int(s) for s in per.loc[wd].index)) for wd in weekdays}
    open_pairs = set(per.index)
    closed = [(w, s) not in open_pairs for w, s in zip(key["wd"], key["slot"], strict=True)]
    closed_volume = float(key["v"][np.array(closed)].sum())
    return Calendar(step, weekdays, slots), closed_volume


def _open_grid(agg: pd.DataFrame, cal: Calendar) -> tuple[pd.DataFrame, int]:
    """Keep open intervals only, and fill open intervals missing inside observed days."""
    frames = []
    gaps = 0
    for ch, g in agg.groupby("channel", sort=True):
        days = sorted(set(g["timestamp"].dt.normalize()))
        idx = [
            d + pd.Timedelta(minutes=s)
            for d in days
            if d.weekday() in cal.open_weekdays
            for s in cal.open_slots[d.weekday()]
        ]
        full = pd.DatetimeIndex(idx)
        gi = g.set_index("timestamp")
        gaps += int((~full.isin(gi.index)).sum())
        out = gi.reindex(full)
        out["channel"] = ch
        out["volume"] = out["volume"].fillna(0.0)
        frames.append(out.rename_axis("timestamp").reset_index())
    df = pd.concat(frames, ignore_index=True)
    return df, gaps
