"""Calibration from call-by-call records: what the simulator needs, estimated per queue.

Generic call-record CSV (one row per call that reached an agent queue)::

    arrival,queue,wait,outcome,handle_time[,customer_id][,agent]

* ``arrival``: timestamp the call joined the queue (local clock time);
* ``queue``: queue / channel name;
* ``wait``: seconds in queue (until answered, or until the caller hung up);
* ``outcome``: ``answered`` or ``abandoned``;
* ``handle_time``: seconds of service (answered calls; empty or 0 otherwise);
* ``customer_id`` (optional; empty or 0 = unknown): to find redials;
* ``agent`` (optional): who answered, to measure staffing per interval;
* ``priority`` (optional): the customer class the system recorded (a label, e.g. the
  Anonymous Bank's 0 / 1 / 2), to find customer segments (:mod:`forecasting.segments`).

:func:`read_anonymous_bank` reads the Technion "Anonymous Bank" raw monthly files into
the same table (PHANTOM calls and VRU-only hang-ups dropped, as the data's
documentation says). :func:`calibrate` estimates per queue:

* handle time: lognormal and gamma fits (scipy, maximum likelihood), goodness of fit by
  the Kolmogorov-Smirnov distance; the closer one is used;
* patience: the Kaplan-Meier curve (statsmodels ``SurvfuncRight``) of time to abandon,
  answered calls censored at their wait; exponential, Weibull and lognormal fitted by
  censored maximum likelihood (scipy ``CensoredData``) on the waits as recorded
  (abandonments at wait 0 interval-censored below the waits' resolution, see
  :class:`PatienceObservations`), the lowest AIC used;
* redials: share of abandoned calls (known customers) followed by a new call from the
  same customer within ``redial_window`` s, per target queue, and the delay;
* staffing per interval from agent ids: an agent counts as on shift from a call's
  start to the next one's if the gap is under ``idle_gap`` s; agents per interval =
  on-shift time / interval length, summed over agents.

From the agents' records (:mod:`forecasting.agents`), lazily: :attr:`Calibration.agent_skills`
and :attr:`~Calibration.skill_groups`, :attr:`~Calibration.wrap_up` (after-call work),
:attr:`~Calibration.handle_time_factors`, :attr:`~Calibration.routing_priority` and
:meth:`~Calibration.availability` (agents available per group and interval).

The result's :meth:`Calibration.fragment` is a scenario (a typical day) the simulator
reads directly; :meth:`Calibration.scenario_for_day` gives one day with its observed
arrivals and staffing (the replay validation).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.config.scenario import ScenarioError, parse_scenario

from . import agents as _agents
from .fits import (
    MIN_ABANDONED,
    MIN_HANDLE_TIMES,
    PatienceObservations,
    RecordsError,
    fit_handle_time,
    fit_patience,
    rounded,
    wait_resolution,
)
from .history import parse_timestamps, read_text_csv

__all__ = [
    "RECORD_COLUMNS",
    "Calibration",
    "PatienceObservations",
    "RecordsError",
    "calibrate",
    "fit_handle_time",
    "fit_patience",
    "read_anonymous_bank",
    "read_records",
    "wait_resolution",
]

RECORD_COLUMNS = (
    "arrival",
    "queue",
    "wait",
    "outcome",
    "handle_time",
    "customer_id",
    "agent",
    "priority",
)


# -- reading ----------------------------------------------------------------------------
def _check_records(df: pd.DataFrame, where: str) -> pd.DataFrame:
    """Validate and type the generic record table (0-based row i is CSV line i + 2)."""
    missing = [c for c in ("arrival", "queue", "wait", "outcome") if c not in df.columns]
    if missing:
        raise RecordsError(f"{where}: missing column(s) {', '.join(missing)}")
    if len(df) == 0:
        raise RecordsError(f"{where}: no records")
    out = pd.DataFrame(index=df.index)
    out["arrival"] = parse_timestamps(
        df["arrival"].reset_index(drop=True), where=where, column="arrival", error=RecordsError
    ).to_numpy()
    out["queue"] = df["queue"].astype(str)
    for col in ("wait", "handle_time"):
        if col not in df.columns:
            out[col] = 0.0
            continue
        text = df[col].astype(str).str.strip().replace("", "0")
        num = pd.to_numeric(text, errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(num) | (num < 0))
        if bad.size:
            i = int(bad[0])
            raise RecordsError(
                f"{where}: row {i + 2}, column {col!r}: must be seconds >= 0, "
                f"got {df[col].iloc[i]!r}"
            )
        out[col] = num
    outcome = df["outcome"].astype(str).str.strip().str.lower()
    bad = np.flatnonzero(~outcome.isin(["answered", "abandoned"]).to_numpy())
    if bad.size:
        i = int(bad[0])
        raise RecordsError(
            f"{where}: row {i + 2}, column 'outcome': must be answered or abandoned, "
            f"got {df['outcome'].iloc[i]!r}"
        )
    out["answered"] = (outcome == "answered").to_numpy()
    cid = df["customer_id"].astype(str).str.strip() if "customer_id" in df else None
    out["customer_id"] = (
        cid.where(~cid.isin(["", "0", "nan", "None"])) if cid is not None else pd.NA
    )
    agent = df["agent"].astype(str).str.strip() if "agent" in df else None
    out["agent"] = agent.where(agent != "") if agent is not None else pd.NA
    prio = df["priority"].astype(str).str.strip() if "priority" in df else None
    out["priority"] = prio.where(~prio.isin(["", "nan", "None"])) if prio is not None else pd.NA
    return out.sort_values("arrival", kind="stable").reset_index(drop=True)


def read_records(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read and validate a generic call-record CSV (see the module docstring).

    Returns a frame with ``arrival`` (datetime), ``queue``, ``wait`` (s), ``answered``
    (bool), ``handle_time`` (s), ``customer_id``, ``agent``; sorted by arrival.
    """
    if isinstance(source, pd.DataFrame):
        return _check_records(source.astype(str), "records")
    path = Path(source)
    return _check_records(read_text_csv(path, RecordsError), str(path))


def _clock_seconds(s: pd.Series) -> np.ndarray:
    parts = s.str.split(":", expand=True).astype(int)
    return (parts[0] * 3600 + parts[1] * 60 + parts[2]).to_numpy()


def read_anonymous_bank(path: str | Path) -> pd.DataFrame:
    """Read an "Anonymous Bank" raw monthly file into the generic record table.

    PHANTOM calls and calls that hung up in the VRU (never queued) are dropped. A call's
    queue arrival is ``q_start`` (or ``vru_exit`` when it was answered without
    queueing); its wait is ``q_time``, its handle time ``ser_time``, its agent
    ``server``, its customer class ``priority``. Customer id 0 means unknown.
    """
    p = Path(path)
    if not p.is_file():
        raise RecordsError(f"{p}: no such file")
    try:
        raw = pd.read_csv(p, sep=r"\s+", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as exc:
        raise RecordsError(f"{p}: not an Anonymous Bank raw file ({exc})") from None
    need = {"date", "vru_exit", "q_start", "q_time", "outcome", "ser_time", "type", "server"}
    if not need <= set(raw.columns):
        raise RecordsError(f"{p}: missing fields {', '.join(sorted(need - set(raw.columns)))}")
    raw = raw[raw["outcome"].isin(["AGENT", "HANG"])]
    queued = raw["q_start"] != "0:00:00"
    raw = raw[queued | (raw["outcome"] == "AGENT")]
    day = pd.to_datetime(raw["date"], format="%y%m%d")
    q = np.where(raw["q_start"] != "0:00:00", raw["q_start"], raw["vru_exit"])
    secs = _clock_seconds(pd.Series(q, index=raw.index))
    entry = _clock_seconds(raw["vru_entry"])
    secs = np.where(secs < entry - 3600, secs + 86400, secs)  # queued after midnight
    out = pd.DataFrame(
        {
            "arrival": day + pd.to_timedelta(secs, unit="s"),
            "queue": raw["type"].to_numpy(),
            "wait": raw["q_time"].astype(float).to_numpy(),
            "outcome": np.where(raw["outcome"] == "AGENT", "answered", "abandoned"),
            "handle_time": np.where(raw["outcome"] == "AGENT", raw["ser_time"].astype(float), 0),
            "customer_id": raw["customer_id"].to_numpy(),
            "agent": raw["server"].where(raw["server"] != "NO_SERVER", "").to_numpy(),
            "priority": raw["priority"].to_numpy() if "priority" in raw else "",
        }
    )
    return _check_records(out.astype(str), str(p))


# -- redials and staffing ------------------------------------------------------------------
def redials(records: pd.DataFrame, *, window: float) -> tuple[pd.DataFrame, pd.Series]:
    """Redials after abandonment, from customer ids.

    Returns (per from-queue and to-queue: ``probability`` = share of abandoned calls
    of known customers followed by a call from the same customer within ``window`` s
    of hanging up, ``mean_delay`` (s), ``n``), and per queue the share of calls that
    are such redials (to turn observed arrivals into first attempts).
    """
    r = records[records["customer_id"].notna()].sort_values(["customer_id", "arrival"])
    same = r["customer_id"].to_numpy()[1:] == r["customer_id"].to_numpy()[:-1]
    left = (r["arrival"] + pd.to_timedelta(r["wait"], unit="s")).to_numpy()[:-1]
    gap = (r["arrival"].to_numpy()[1:] - left) / np.timedelta64(1, "s")
    aband = ~r["answered"].to_numpy()[:-1]
    hit = same & aband & (gap >= 0) & (gap <= window)
    from_q = r["queue"].to_numpy()[:-1]
    to_q = r["queue"].to_numpy()[1:]
    base = pd.Series(from_q[aband]).value_counts()
    ev = pd.DataFrame({"from": from_q[hit], "to": to_q[hit], "delay": gap[hit]})
    table = ev.groupby(["from", "to"]).agg(n=("delay", "size"), mean_delay=("delay", "mean"))
    table["probability"] = (
        table["n"] / base.reindex(table.index.get_level_values("from")).to_numpy()
    )
    table = table.reset_index()[["from", "to", "probability", "mean_delay", "n"]]
    calls = records["queue"].value_counts()
    redialled = pd.Series(to_q[hit]).value_counts().reindex(calls.index, fill_value=0)
    return table, (redialled / calls).rename("redial_share")


def staffing(records: pd.DataFrame, *, interval_minutes: int, idle_gap: float) -> pd.DataFrame:
    """Agents on shift per interval (agent-equivalents), from who answered what when.

    Each agent is on shift from the start of a service to its end, and across the
    gap to their next service when that gap is at most ``idle_gap`` s. Returns
    ``interval`` (start timestamp) and ``agents`` (on-shift agent-seconds / interval
    seconds), for every interval from the first to the last day.
    """
    a = records[records["answered"] & records["agent"].notna()]
    start = (a["arrival"] + pd.to_timedelta(a["wait"], unit="s")).to_numpy()
    end = start + pd.to_timedelta(a["handle_time"], unit="s").to_numpy()
    step = np.timedelta64(interval_minutes * 60, "s")
    t0 = records["arrival"].min().normalize().to_datetime64()
    t1 = (records["arrival"].max().normalize() + pd.Timedelta(days=1)).to_datetime64()
    edges = np.arange(t0, t1 + step, step)
    busy = np.zeros(len(edges) - 1)
    e_s = (edges - t0) / np.timedelta64(1, "s")
    for _, g in pd.DataFrame({"agent": a["agent"].to_numpy(), "s": start, "e": end}).groupby(
        "agent"
    ):
        s = (g["s"].to_numpy() - t0) / np.timedelta64(1, "s")
        e = (g["e"].to_numpy() - t0) / np.timedelta64(1, "s")
        order = np.argsort(s)
        s, e = s[order], np.maximum.accumulate(e[order])
        new_block = np.r_[True, s[1:] - e[:-1] > idle_gap]
        bs = s[new_block]
        be = np.r_[e[np.flatnonzero(new_block)[1:] - 1], e[-1]]
        for lo, hi in zip(bs, be, strict=True):
            busy += np.clip(np.minimum(hi, e_s[1:]) - np.maximum(lo, e_s[:-1]), 0, None)
    return pd.DataFrame({"interval": edges[:-1], "agents": busy / (interval_minutes * 60)})


# -- the calibration -----------------------------------------------------------------------------
INTERVAL_MINUTES_RANGE = (5, 60)
"""Shortest and longest planning interval (min) of a calibration (the scenario's)."""


@dataclass(frozen=True, eq=False)
class Calibration:
    """Per-queue estimates from call records, and scenarios built from them."""

    records: pd.DataFrame
    interval_minutes: int
    sl_threshold: float
    handle_times: pd.DataFrame
    """Per queue: n, sample and fitted mean / cv, KS distances, chosen distribution."""
    patience: pd.DataFrame
    """Per queue: n, abandoned, KM survival at 60 s, AIC and KM gap per fit, chosen."""
    redials: pd.DataFrame
    """from, to, probability, mean_delay (s), n."""
    redial_share: pd.Series
    staffing: pd.DataFrame
    """interval (start), agents (agent-equivalents on shift)."""
    distributions: dict[str, dict[str, dict[str, Any]]]
    """queue -> {"handle_time": entry, "patience": entry} (scenario distribution entries)."""
    skipped: Mapping[str, str] = field(default_factory=dict)
    """Queues left out of the scenarios -> why (too few calls, nothing to fit)."""
    idle_gap: float = 1800.0
    """s between two services of an agent still counted as on shift."""

    @cached_property
    def agent_skills(self) -> dict[str, tuple[str, ...]]:
        """Agent -> the queues they serve, in :attr:`queues` order (see
        :func:`forecasting.agents.agent_skills`)."""
        return _agents.agent_skills(self.records, queues=self.queues)

    @cached_property
    def skill_groups(self) -> dict[str, tuple[str, ...]]:
        """Group name -> skills: one group per distinct skill set of the agents."""
        return _agents.skill_groups(self.agent_skills)

    @cached_property
    def routing_priority(self) -> list[str]:
        """Queues in the order the agents take them when calls of several wait (see
        :func:`forecasting.agents.routing_priority`; ties in :attr:`queues` order)."""
        wins = _agents.pick_counts(self.records, self.agent_skills, self.queues)
        return _agents.routing_priority(wins)

    @cached_property
    def readiness(self) -> dict[str, dict[str, float]]:
        """Agent -> queue -> how ready they are to take it (0-1), for the queues that
        are no agent's main one (see :func:`forecasting.agents.readiness`)."""
        rates = _agents.take_rates(self.records, self.agent_skills, idle_gap=self.idle_gap)
        return _agents.readiness(rates, self.records)

    @cached_property
    def _aging(self) -> dict[tuple[str, ...], dict[str, float]]:
        return {}  # routing order -> thresholds, filled by aging_thresholds

    def aging_thresholds(self, order: list[str] | None = None) -> dict[str, float]:
        """Queue -> the age (s) of its oldest waiting call beyond which agents take it
        before the queues ahead of it in ``order`` (default :attr:`routing_priority`;
        see :func:`forecasting.agents.aging_thresholds`); queues without the evidence
        are left out."""
        key = tuple(order if order is not None else self.routing_priority)
        if key not in self._aging:
            picks = _agents.overtaking_picks(self.records, self.agent_skills, key)
            self._aging[key] = _agents.aging_thresholds(picks)
        return dict(self._aging[key])

    @cached_property
    def wrap_up(self) -> dict[str, list[float]]:
        """Queue -> after-call work samples (s): the agents' gaps of at most
        :data:`forecasting.agents.WRAP_CUTOFF` s between a service of that queue and
        their next one while a call they could take was waiting."""
        gaps = _agents.after_call_gaps(self.records, self.agent_skills, idle_gap=self.idle_gap)
        return _agents.wrap_up_samples(gaps)

    @cached_property
    def segments(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Queue -> its customer segments (``channels.<q>.segments`` entries) where the
        records' ``priority`` shows two or more classes (see
        :func:`forecasting.segments.customer_segments`); queues without are left out."""
        from .segments import customer_segments

        out = {}
        for q in self.queues:
            seg = customer_segments(self.records[self.records["queue"] == q])
            if seg:
                out[q] = seg
        return out

    @cached_property
    def handle_time_factors(self) -> dict[str, dict[str, float]]:
        """Group -> queue -> the group's mean handle time over the queue's."""
        return _agents.handle_time_factors(self.records, self.agent_skills)

    def availability(
        self,
        skills: Mapping[str, tuple[str, ...]] | None = None,
        *,
        wrap_cutoff: float | None = _agents.WRAP_CUTOFF,
        extrapolate: bool = False,
    ) -> pd.DataFrame:
        """Agents available per interval and skill group of these records
        (``interval, group, agents``; see :func:`forecasting.agents.availability`).

        ``skills`` (agent -> queues; default :attr:`agent_skills`) assigns agents to
        groups, e.g. another month's skills for the agents it knows; ``wrap_cutoff=None``
        counts every on-shift second as available (the :attr:`staffing` heuristic);
        ``extrapolate`` scales the absence seen while calls waited up to all idle time."""
        return _agents.availability(
            self.records,
            dict(skills) if skills is not None else self.agent_skills,
            interval_minutes=self.interval_minutes,
            idle_gap=self.idle_gap,
            wrap_cutoff=wrap_cutoff,
            extrapolate=extrapolate,
        )

    @property
    def queues(self) -> list[str]:
        """Queues in routing priority order: shortest mean wait of answered calls first."""
        a = self.records[self.records["answered"]]
        order = a.groupby("queue")["wait"].mean().sort_values()
        return [q for q in order.index if q in self.distributions]

    def arrivals(self) -> pd.DataFrame:
        """Observed calls per interval and queue: ``interval, queue, calls``."""
        r = self.records[self.records["queue"].isin(self.distributions)]
        t = r["arrival"].dt.floor(f"{self.interval_minutes}min")
        return (
            r.assign(interval=t).groupby(["interval", "queue"]).size().rename("calls").reset_index()
        )

    def observed(self, *, by_day: bool = True) -> pd.DataFrame:
        """Observed abandon rate and share answered within ``sl_threshold`` s, per queue
        (and day): ``date, queue, offered, abandon_rate, service_level``."""
        r = self.records[self.records["queue"].isin(self.distributions)]
        d = r.assign(
            date=r["arrival"].dt.date,
            ab=~r["answered"],
            sl=r["answered"] & (r["wait"] <= self.sl_threshold),
        )
        keys = ["date", "queue"] if by_day else ["queue"]
        g = d.groupby(keys)
        return pd.DataFrame(
            {"offered": g.size(), "abandon_rate": g["ab"].mean(), "service_level": g["sl"].mean()}
        ).reset_index()

    def _channels(
        self, arrivals: dict[str, list[float]] | None, *, segments: bool = False
    ) -> dict[str, Any]:
        out = {}
        seg = self.segments if segments else {}
        for q in self.queues:
            ch: dict[str, Any] = {
                "arrivals": arrivals[q] if arrivals is not None else 0,
                "handle_time": self.distributions[q]["handle_time"],
                "patience": self.distributions[q]["patience"],
                "service_level": {"target": 0.8, "threshold": self.sl_threshold},
            }
            if q in seg:
                ch["segments"] = copy.deepcopy(seg[q])  # the caller may edit the scenario
            out[q] = ch
        return out

    def _transitions(self) -> list[dict[str, Any]]:
        out = []
        for _, r in self.redials.iterrows():
            if r["from"] in self.distributions and r["to"] in self.distributions:
                out.append(
                    {
                        "from": r["from"],
                        "on": "abandon",
                        "to": r["to"],
                        "probability": round(float(r["probability"]), 4),
                        "delay": (
                            {"distribution": "exponential", "mean": rounded(r["mean_delay"])}
                            if r["mean_delay"] > 0
                            else {"distribution": "fixed", "value": 0.0}  # same-second redials
                        ),
                    }
                )
        return out

    def fragment(
        self, *, name: str = "calibrated typical day", segments: bool = False
    ) -> dict[str, Any]:
        """A scenario for a typical day: per queue the mean first-attempt arrivals per
        interval over the recorded days (observed calls less the redial share),
        the mean staffing per interval over the same days in one group skilled for
        every queue (in :attr:`queues` priority order), the fitted distributions, and redials as
        abandon transitions; with ``segments``, each queue's customer segments
        (:attr:`segments`). Loads with ``sim.parse_scenario``."""
        arr = self.arrivals()
        arr_days = self.records["arrival"].dt.normalize().unique()
        n_days = len(arr_days)
        per_day = 24 * 60 // self.interval_minutes
        slot = (arr["interval"].dt.hour * 60 + arr["interval"].dt.minute) // self.interval_minutes
        mean = (
            arr.assign(slot=slot).groupby(["queue", "slot"])["calls"].sum().unstack(fill_value=0)
            / n_days
        ).reindex(columns=range(per_day), fill_value=0.0)
        arrivals = {
            q: [
                round(float(v) * (1 - float(self.redial_share.get(q, 0.0))), 3)
                for v in mean.loc[q].to_numpy()
            ]
            if q in mean.index
            else [0.0] * per_day
            for q in self.queues
        }
        st = self.staffing
        # the days the arrivals are averaged over: a day without records (closed, or
        # missing from the file) is not a day with nobody on shift
        st = st[st["interval"].dt.normalize().isin(arr_days)]
        st_slot = (st["interval"].dt.hour * 60 + st["interval"].dt.minute) // self.interval_minutes
        agents = st.assign(slot=st_slot).groupby("slot")["agents"].mean().reindex(range(per_day))
        return {
            "name": name,
            "interval_minutes": self.interval_minutes,
            "periods": per_day,
            "start": "00:00",
            "channels": self._channels(arrivals, segments=segments),
            "groups": {
                "agents": {
                    "skills": self.queues,
                    "agents": [int(round(v)) for v in agents.fillna(0).to_numpy()],
                }
            },
            "journeys": {"max_attempts": 5, "transitions": self._transitions()},
        }

    def fragment_yaml(self, *, segments: bool = False) -> str:
        return yaml.safe_dump(self.fragment(segments=segments), sort_keys=False)

    def scenario_for_day(
        self,
        day: dt.date,
        *,
        arrivals: pd.DataFrame,
        staffing: pd.DataFrame,
        replications: int = 10,
        seed: int = 1,
        transitions: bool = False,
        groups: Mapping[str, tuple[str, ...]] | None = None,
        wrap_up: bool = False,
        proficiency: bool = False,
        routing: bool = False,
        segments: bool = False,
        aging: bool = False,
        factors: Mapping[str, Mapping[str, float]] | None = None,
    ) -> dict[str, Any]:
        """A one-day scenario (00:00-24:00) with given arrivals and staffing per interval
        and this calibration's distributions.

        Parameters
        ----------
        arrivals : ``interval, queue, calls`` (e.g. another month's :meth:`arrivals`).
        staffing : ``interval, agents`` (e.g. another month's :attr:`staffing`): one
            group skilled for every queue; or ``interval, group, agents`` (e.g. another
            month's :meth:`availability`): one group per skill set, each interval's
            agent-equivalents rounded so the groups add up to the rounded total.
        transitions : add the redial transitions (leave False when ``arrivals`` are
            observed calls, which already include redials).
        groups : with per-group ``staffing``, group name -> skills (default
            :attr:`skill_groups`).
        wrap_up : give each queue its after-call work (:attr:`wrap_up`, empirical).
        proficiency : give each group its handle-time factors (``factors``, group ->
            queue -> factor; default :attr:`handle_time_factors`).
        routing : order every group's skills by :attr:`routing_priority` (else by
            :attr:`queues`).
        segments : give each queue its customer segments (:attr:`segments`: priority
            classes with their shares, patience and handle times).
        aging : per queue of :meth:`aging_thresholds` (in the order the groups use), a
            ``shaping`` rule: once its oldest call has waited that long, the groups
            that have it after another skill take it first.
        """
        per_day = 24 * 60 // self.interval_minutes
        grid = pd.date_range(pd.Timestamp(day), periods=per_day, freq=f"{self.interval_minutes}min")
        arr = arrivals.pivot_table(
            index="interval", columns="queue", values="calls", aggfunc="sum", fill_value=0
        ).reindex(grid, fill_value=0)
        per_q = {
            q: [float(v) for v in (arr[q] if q in arr else pd.Series(0.0, index=grid)).to_numpy()]
            for q in self.queues
        }
        channels = self._channels(per_q, segments=segments)
        if wrap_up:
            for q, samples in self.wrap_up.items():
                if q in channels:
                    channels[q]["wrap_up"] = {"distribution": "empirical", "samples": samples}
        if "group" in staffing.columns:
            skill_sets = dict(groups if groups is not None else self.skill_groups)
            head = _round_groups(staffing, grid, list(skill_sets))
            out_groups: dict[str, Any] = {}
            rank = {q: i for i, q in enumerate(self.routing_priority if routing else self.queues)}
            for name, skills in skill_sets.items():
                g: dict[str, Any] = {"skills": sorted(skills, key=rank.__getitem__)}
                g["agents"] = head[name]
                table = self.handle_time_factors if factors is None else factors
                f = table.get(name, {}) if proficiency else {}
                if f:
                    g["handle_time_factor"] = {q: v for q, v in f.items() if q in skills}
                out_groups[name] = g
        else:
            ag = staffing.set_index("interval")["agents"].reindex(grid, fill_value=0.0)
            order = self.routing_priority if routing else self.queues
            out_groups = {
                "agents": {"skills": list(order), "agents": [int(round(v)) for v in ag.to_numpy()]}
            }
        out = {
            "name": f"replay {day}",
            "interval_minutes": self.interval_minutes,
            "periods": per_day,
            "start": "00:00",
            "seed": seed,
            "replications": replications,
            "channels": channels,
            "groups": out_groups,
            "journeys": {
                "max_attempts": 5,
                "transitions": self._transitions() if transitions else [],
            },
        }
        if aging:
            order = self.routing_priority if routing else self.queues
            rules = _aging_rules(self.aging_thresholds(order), order, out_groups)
            if rules:
                out["shaping"] = rules
        return out

    def segments_summary(self) -> str:
        """A printable table of :attr:`segments` (share, priority, patience and handle
        time means in s)."""
        lines = ["customer segments (priority classes of the calls that queued)"]
        for q, segs in self.segments.items():
            for name, sg in segs.items():
                ht = sg.get("handle_time")
                lines.append(
                    f"  {q:4s} {name:12s} share {sg['share']:.3f} priority {sg['priority']}"
                    + (f"  patience mean {sg['patience']['mean']:g}" if "patience" in sg else "")
                    + (f"  handle time mean {ht['mean']:g}" if ht else "")
                )
        if not self.segments:
            lines.append("  none: no queue's records show two classes")
        return "\n".join(lines)

    def summary(self) -> str:
        """A printable table of the fits."""
        ht = self.handle_times
        pt = self.patience
        lines = [
            f"{len(self.records)} calls, queues (routing priority) {', '.join(self.queues)}",
            "",
            "handle time (s): sample mean/cv, lognormal KS, gamma KS, chosen",
        ]
        for q, r in ht.iterrows():
            d = r["distribution"]
            lines.append(
                f"  {q:4s} n={r['n']:6d} mean {r['sample_mean']:7.1f} cv {r['sample_cv']:.2f}  "
                f"KS lognormal {r['lognormal_ks']:.3f} gamma {r['gamma_ks']:.3f}  -> "
                f"{d['distribution']}(mean={d['mean']}, cv={d['cv']})"
            )
        lines.append(
            "patience (s): Kaplan-Meier, answered calls censored; censored-MLE fits "
            "(abandoned at wait 0: patience below the waits' resolution)"
        )
        for q, r in pt.iterrows():
            d = dict(r["distribution"])
            kind = d.pop("distribution")
            lines.append(
                f"  {q:4s} n={r['n']:6d} abandoned {r['abandoned']:5d} (at 0: "
                f"{r['abandoned_at_zero']}, resolution {r['resolution']:g})  KM S(60s) "
                f"{r['km_s60']:.3f}  AIC exp {r['exponential_aic']:.0f} weibull "
                f"{r['weibull_aic']:.0f} lognormal {r['lognormal_aic']:.0f}  -> {kind}"
                f"({', '.join(f'{k}={v}' for k, v in d.items())}), KM gap "
                f"{r[kind + '_km_gap']:.3f}"
            )
        lines.append("redials after abandoning (same customer id within the window)")
        for _, r in self.redials.iterrows():
            lines.append(
                f"  {r['from']} -> {r['to']}: p={r['probability']:.3f}, mean delay "
                f"{r['mean_delay']:.0f}s (n={r['n']})"
            )
        st = self.staffing
        lines.append(
            f"staffing: mean {st['agents'].mean():.2f} agents per {self.interval_minutes}-min "
            f"interval, peak {st['agents'].max():.1f}"
        )
        if self.skipped:
            lines.append("queues left out")
            lines.extend(f"  {q}: {why}" for q, why in self.skipped.items())
        return "\n".join(lines)


def _aging_rules(
    thresholds: Mapping[str, float], order: list[str], groups: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """``shaping`` rules, one per queue of ``thresholds`` (in ``order``): once its
    oldest waiting call is older than the threshold (s), the groups that have it after
    another of their skills take it first."""
    rules = []
    for q in order:
        if q not in thresholds:
            continue
        late = [name for name, g in groups.items() if q in g["skills"][1:]]
        if late:
            rules.append(
                {
                    "name": f"aging {q}",
                    "when": {"channel": q, "oldest_over": thresholds[q]},
                    "do": {"prioritise": q, "groups": late},
                }
            )
    return rules


def _round_groups(
    staffing: pd.DataFrame, grid: pd.DatetimeIndex, names: list[str]
) -> dict[str, list[int]]:
    """Whole agents per group and interval of ``grid`` from agent-equivalents
    (``interval, group, agents``): per interval the total is rounded and shared out by
    largest remainder, so rounding each small group does not lose or add agents."""
    x = (
        staffing.pivot_table(
            index="interval", columns="group", values="agents", aggfunc="sum", fill_value=0.0
        )
        .reindex(index=grid, columns=names, fill_value=0.0)
        .to_numpy(float)
    )
    base = np.floor(x)
    extra = np.rint(x.sum(axis=1)) - base.sum(axis=1)  # agents still to hand out
    rank = np.argsort(np.argsort(-(x - base), axis=1, kind="stable"), axis=1)
    whole = base + (rank < extra[:, None])
    return {name: [int(v) for v in whole[:, j]] for j, name in enumerate(names)}


def calibrate(
    records: pd.DataFrame,
    *,
    interval_minutes: int = 15,
    redial_window: float = 3600.0,
    idle_gap: float = 1800.0,
    sl_threshold: float = 60.0,
    min_calls: int = 20,
) -> Calibration:
    """Estimate handle time, patience, redials and staffing per queue from records.

    Parameters
    ----------
    records : from :func:`read_records` or :func:`read_anonymous_bank`.
    interval_minutes : planning interval (min) for arrivals and staffing.
    redial_window : s after hanging up within which a new call is a redial.
    idle_gap : s between two services of an agent still counted as on shift.
    sl_threshold : s, service-level threshold written into the scenario.
    min_calls : queues with fewer calls (or fewer than :data:`MIN_ABANDONED` abandoned or
        :data:`MIN_HANDLE_TIMES` answered) are left out, as are queues whose handle
        times or patience cannot be fitted; :attr:`Calibration.skipped` says why.

    Raises
    ------
    RecordsError
        A parameter out of range; no queue can be calibrated (the message gives each
        queue's reason); or the scenario fragment would not load.
    """
    lo, hi = INTERVAL_MINUTES_RANGE
    if not lo <= interval_minutes <= hi or (24 * 60) % interval_minutes:
        raise RecordsError(
            f"interval_minutes: must divide a day and be {lo}..{hi}, got {interval_minutes}"
        )
    for name, v in (("redial_window", redial_window), ("idle_gap", idle_gap)):
        if not (math.isfinite(v) and v > 0):
            raise RecordsError(f"{name}: must be a finite number of seconds > 0, got {v}")
    if not (math.isfinite(sl_threshold) and sl_threshold >= 0):
        raise RecordsError(
            f"sl_threshold: must be a finite number of seconds >= 0, got {sl_threshold}"
        )
    if min_calls < 1:
        raise RecordsError(f"min_calls: must be >= 1, got {min_calls}")
    ht_rows, pt_rows, dists = {}, {}, {}
    skipped: dict[str, str] = {}
    for q, g in records.groupby("queue", sort=True):
        answered = g[g["answered"]]
        n_ab = int((~g["answered"]).sum())
        if len(g) < min_calls or n_ab < MIN_ABANDONED or len(answered) < MIN_HANDLE_TIMES:
            skipped[str(q)] = (
                f"{len(g)} calls, {n_ab} abandoned, {len(answered)} answered (need "
                f"{min_calls}+, {MIN_ABANDONED}+, {MIN_HANDLE_TIMES}+)"
            )
            continue
        try:
            h = fit_handle_time(answered["handle_time"].to_numpy())
            p = fit_patience(g["wait"].to_numpy(), (~g["answered"]).to_numpy())
        except RecordsError as exc:
            skipped[str(q)] = str(exc)
            continue
        ht_rows[q] = {k: v for k, v in h.items()}
        pt_rows[q] = {k: v for k, v in p.items() if k != "km"}
        dists[str(q)] = {"handle_time": h["distribution"], "patience": p["distribution"]}
    if not dists:
        why = "; ".join(f"{q}: {reason}" for q, reason in skipped.items())
        raise RecordsError(f"records: no queue can be calibrated ({why})")
    red, share = redials(records, window=redial_window)
    cal = Calibration(
        records=records,
        interval_minutes=interval_minutes,
        sl_threshold=sl_threshold,
        handle_times=pd.DataFrame.from_dict(ht_rows, orient="index"),
        patience=pd.DataFrame.from_dict(pt_rows, orient="index"),
        redials=red,
        redial_share=share,
        staffing=staffing(records, interval_minutes=interval_minutes, idle_gap=idle_gap),
        distributions=dists,
        skipped=skipped,
        idle_gap=idle_gap,
    )
    _check_loads(cal)
    return cal


def _check_loads(cal: Calibration) -> None:
    """Raise :class:`RecordsError` unless the calibration's scenario fragment loads (so
    what ``ccsim calibrate`` writes, the simulator reads)."""
    try:
        parse_scenario(cal.fragment())
    except ScenarioError as exc:
        raise RecordsError(
            f"records: the calibrated scenario would not load: {'; '.join(exc.problems)}"
        ) from None
