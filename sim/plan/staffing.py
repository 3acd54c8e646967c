"""Analytic staffing requirements per channel and interval (Erlang C / Erlang A).

The fast first answer to "how many agents, when", one channel at a time:

synchronous channels (voice)
    Erlang A when the channel has a patience distribution (its mean is used, as if it
    were exponential), Erlang C otherwise: the fewest agents meeting the channel's
    service level and the optional ASA, abandon-rate and occupancy caps.
concurrent channels (chat, messaging)
    the same queue with ``agents x concurrency`` servers (slots); the handle time is
    the channel's mean stretched to full load (``mean / Channel.rate_factor(concurrency)``),
    so the answer is safe when every agent holds all its sessions. Occupancy caps
    apply to slot utilisation.
deferred channels (email)
    a fluid workload model: each interval's new work (arrivals x mean handle time,
    agent-seconds) is spread evenly over the intervals until its deadline (the
    service-level threshold, cut at the end of the horizon, because backlogs are not
    worked while the centre is closed), so every item is cleared within the
    threshold. This is conservative for a share target below 1, which the
    simulation optimiser (:mod:`sim.plan.optimise`) may then trim.

Wrap-up: on every channel the agent's time per contact is the talk time plus the
channel's mean ``wrap_up`` (after-call work), the service time Erlang and the fluid
model use (the ``handle_time`` column of the requirements is that agent time).

Customer segments: a channel's contacts are one pooled traffic; its load uses the
share-weighted mix of the segments' mean handle times (:attr:`Channel.mean_handle_time`)
and the Erlang target is the channel's ``service_level`` on that pooled traffic (Erlang
A keeps the channel's patience). Priorities do not change the pooled waiting time of
equal-speed service, but they do split it: a segment's own ``service_level`` is not
staffed for here; the simulation optimiser (:mod:`sim.plan.optimise`) meets it.

Agent proficiency: a group's ``handle_time_factor`` on a channel scales that agent
time for its agents. A channel served by one group uses that group's factor; where
several groups share a channel, the mean of their factors weighted by their
productive head count in the period (:func:`channel_factor`; the plain mean where
none is scheduled), as if contacts were spread over agents evenly.

Productive agents become scheduled agents through shrinkage:
``scheduled = ceil(productive / (1 - shrinkage))``, the smallest head count whose
productive part (as the simulator rounds it) is at least the requirement.

By default the contacts staffed for are the scenario's new journeys only: redials,
channel switches and recontacts are not seen by per-channel Erlang. The simulation
optimiser adds them back; comparing the two shows the spill-over. To staff each
channel for the load the simulation saw, pass ``offered=simulated_offered(result)``
to :func:`requirements` (new journeys plus the simulated hops in).

This module is the one staffing calculator: ``ccsim staff``, ``ccsim report`` and the
app's Staffing page all use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from sim.config.periods import per_period
from sim.config.scenario import Channel, Scenario
from sim.measure.results import Result
from sim.plan.erlang import QueueMetrics, erlang_a, erlang_c

__all__ = [
    "BASES",
    "Basis",
    "Caps",
    "StaffingError",
    "Targets",
    "agent_time",
    "channel_factor",
    "channel_shrinkage",
    "fewest_servers",
    "group_requirements",
    "requirements",
    "responsible_group",
    "simulated_offered",
    "split_over_groups",
    "scheduled_from_productive",
    "staffed_vs_required",
]

Model = Literal["auto", "erlang_a", "erlang_c"]
Basis = Literal["scheduled", "productive"]
BASES: tuple[Basis, ...] = ("scheduled", "productive")
"""How agents are counted when a requirement is compared with the scenario's staff:
``scheduled`` (head count on the rota, before shrinkage) or ``productive`` (after it)."""


class StaffingError(ValueError):
    """Bad staffing input; the message starts with the field it is about."""


@dataclass(frozen=True)
class Targets:
    """Staffing targets beyond each channel's own ``service_level``.

    Parameters
    ----------
    max_occupancy : share in (0, 1], optional
        Cap on the occupancy of live channels (slot utilisation for concurrent
        channels). Deferred work fills idle time by design and is not capped.
    max_asa : mapping channel -> seconds
        Cap on the mean wait of answered contacts, per channel.
    max_abandon : mapping channel -> share in [0, 1]
        Cap on abandoned / offered, per channel.
    shrinkage : share in [0, 1), optional
        Overrides the groups' shrinkage when turning productive into scheduled agents.
    model : "auto", "erlang_a" or "erlang_c"
        ``auto`` uses Erlang A when a channel has patience, Erlang C otherwise;
        ``erlang_c`` ignores patience (customers wait for ever); ``erlang_a`` needs
        patience on every live channel.
    """

    max_occupancy: float | None = None
    max_asa: Mapping[str, float] = field(default_factory=dict)
    max_abandon: Mapping[str, float] = field(default_factory=dict)
    shrinkage: float | None = None
    model: Model = "auto"

    def __post_init__(self) -> None:
        if self.max_occupancy is not None and not 0 < self.max_occupancy <= 1:
            raise StaffingError(f"max_occupancy: must be in (0, 1], got {self.max_occupancy!r}")
        if self.shrinkage is not None and not 0 <= self.shrinkage < 1:
            raise StaffingError(f"shrinkage: must be in [0, 1), got {self.shrinkage!r}")
        if self.model not in ("auto", "erlang_a", "erlang_c"):
            raise StaffingError(f"model: must be auto, erlang_a or erlang_c, got {self.model!r}")
        for name, caps, ok in (
            ("max_asa", self.max_asa, lambda v: v > 0),
            ("max_abandon", self.max_abandon, lambda v: 0 <= v <= 1),
        ):
            for ch, v in caps.items():
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not ok(v):
                    raise StaffingError(f"{name}.{ch}: out of range, got {v!r}")
            object.__setattr__(self, name, MappingProxyType(dict(caps)))

    def check(self, sc: Scenario) -> None:
        """Raise :class:`StaffingError` naming the field if a channel is unknown."""
        for name in ("max_asa", "max_abandon"):
            for ch in getattr(self, name):
                if ch not in sc.channels:
                    raise StaffingError(f"{name}.{ch}: unknown channel '{ch}'")
        for ch_name, ch in sc.channels.items():
            has_target = (
                ch.service_level is not None
                or ch_name in self.max_asa
                or ch_name in self.max_abandon
            )
            if not has_target:
                raise StaffingError(
                    f"channels.{ch_name}.service_level: required for staffing "
                    "(or give an ASA / abandon-rate cap for this channel)"
                )
            if self.model == "erlang_a" and ch.is_live and ch.patience is None:
                raise StaffingError(
                    f"channels.{ch_name}.patience: Erlang A needs a patience distribution"
                )


def scheduled_from_productive(productive: int, shrinkage: float) -> int:
    """Scheduled agents giving at least ``productive`` after ``shrinkage`` (a share).

    ``ceil(productive / (1 - shrinkage))``, with a tolerance for floating-point error
    (14 / 0.7 is 20.000000000000004 in binary, and must stay 20).
    """
    if productive <= 0:
        return 0
    return int(math.ceil(productive / (1.0 - shrinkage) - 1e-9))


def _shares(sc: Scenario, group: str) -> np.ndarray:
    s = sc.groups[group].shrinkage
    return np.asarray(per_period(s, sc.periods), dtype=float)


def channel_shrinkage(sc: Scenario, channel: str) -> np.ndarray:
    """Shrinkage per period for a channel: the groups serving it, weighted by head count.

    Periods where none of those groups is scheduled use the plain mean.
    """
    names = [g for g, grp in sc.groups.items() if channel in grp.skills]
    shr = np.array([_shares(sc, g) for g in names])
    heads = np.array([sc.scheduled(g) for g in names], dtype=float)
    total = heads.sum(axis=0)
    weighted = np.where(total > 0, (shr * heads).sum(axis=0) / np.maximum(total, 1), 0.0)
    return np.where(total > 0, weighted, shr.mean(axis=0))


def channel_factor(sc: Scenario, channel: str) -> np.ndarray:
    """Handle-time factor per period for a channel: the factors of the groups serving
    it, weighted by productive head count (plain mean where none is scheduled)."""
    names = [g for g, grp in sc.groups.items() if channel in grp.skills]
    factors = np.array([sc.groups[g].factor(channel) for g in names], dtype=float)[:, None]
    heads = np.array([sc.productive(g) for g in names], dtype=float)
    total = heads.sum(axis=0)
    weighted = (factors * heads).sum(axis=0) / np.maximum(total, 1)
    return np.where(total > 0, weighted, factors.mean())


@lru_cache(maxsize=65536)
def _queue(
    rate: float, handle: float, patience: float | None, servers: int, threshold: float
) -> QueueMetrics:
    """Erlang C (``patience`` None) or Erlang A metrics, cached: periods repeat rates."""
    if patience is None:
        return erlang_c(rate, handle, servers, threshold)
    return erlang_a(rate, handle, patience, servers, threshold)


@dataclass(frozen=True)
class Caps:
    """The queue targets a staffing level must meet; ``None``: no such target.

    ``service_level``: least share answered within the channel's threshold (0-1);
    ``max_asa``: longest average speed of answer (seconds); ``max_abandon``: largest
    share abandoning (0-1); ``max_occupancy``: largest agent occupancy (0-1).
    """

    service_level: float | None
    max_asa: float | None
    max_abandon: float | None
    max_occupancy: float | None

    def met(self, q: QueueMetrics) -> bool:
        """Whether the queue metrics ``q`` meet every target set."""
        return (
            (self.service_level is None or q.service_level >= self.service_level)
            and (self.max_asa is None or q.asa <= self.max_asa)
            and (self.max_abandon is None or q.p_abandon <= self.max_abandon)
            and (self.max_occupancy is None or q.occupancy <= self.max_occupancy)
        )

    def only(self, key: str) -> Caps:
        """The same target ``key`` (a field name), none of the others."""
        return Caps(**{k: (getattr(self, k) if k == key else None) for k in _CAP_KEYS})


_CAP_KEYS = ("service_level", "max_asa", "max_abandon", "max_occupancy")


def fewest_servers(
    rate: float, handle: float, patience: float | None, threshold: float, caps: Caps
) -> int:
    """Fewest servers meeting ``caps``, by bisection (every metric is monotone in servers).

    ``rate``: arrivals per second; ``handle``: mean handle time (seconds) of one
    server's work; ``patience``: mean patience (seconds; ``None``: Erlang C, nobody
    abandons); ``threshold``: the service-level threshold (seconds). A server is one
    slot of work (an agent holds ``concurrency`` of them on concurrent channels).
    """
    if rate == 0:
        return 0

    def ok(n: int) -> bool:
        return caps.met(_queue(rate, handle, patience, n, threshold))

    hi = max(1, math.ceil(rate * handle))
    while not ok(hi):
        hi *= 2
        if hi > 1_000_000:
            raise StaffingError("targets: no staffing up to a million agents meets them")
    lo = 0  # not enough (0 servers never meets a target with arrivals)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def agent_time(ch: Channel) -> float:
    """Mean agent time (s) per contact at full speed: talk (the segments' share-weighted
    mix where the channel has segments) plus mean wrap-up."""
    return ch.mean_handle_time + (ch.wrap_up.mean if ch.wrap_up is not None else 0.0)


def handle_time_scale(ch: Channel, periods: int) -> np.ndarray:
    """Per period: the agent time (talk + wrap-up) with the period's handle-time mean
    (``Channel.handle_time_means``) over :func:`agent_time`; 1.0 without them."""
    if ch.handle_time_means is None:
        return np.ones(periods)
    wrap = ch.wrap_up.mean if ch.wrap_up is not None else 0.0
    return (np.asarray(ch.handle_time_means, dtype=float) + wrap) / agent_time(ch)


def _live_row(
    sc: Scenario, name: str, ch: Channel, arrivals: float, targets: Targets, factor: float = 1.0
) -> dict[str, float | int | str]:
    conc = ch.slots_per_agent
    handle = factor * agent_time(ch) / (ch.rate_factor(conc) if ch.mode == "concurrent" else 1.0)
    rate = arrivals / sc.interval_seconds
    sl = ch.service_level
    threshold = sl.threshold if sl else 0.0
    patience = None if targets.model == "erlang_c" or ch.patience is None else ch.patience.mean
    caps = Caps(
        service_level=sl.target if sl else None,
        max_asa=targets.max_asa.get(name),
        max_abandon=targets.max_abandon.get(name),
        max_occupancy=targets.max_occupancy,
    )
    servers = fewest_servers(rate, handle, patience, threshold, caps)
    agents = math.ceil(servers / conc)
    binding = "none"
    if servers > 0:
        for key in _CAP_KEYS:
            if getattr(caps, key) is not None and (
                fewest_servers(rate, handle, patience, threshold, caps.only(key)) == servers
            ):
                binding = key
                break
    nan = float("nan")
    q = _queue(rate, handle, patience, agents * conc, threshold) if agents else None
    return {
        "servers": agents * conc,
        "handle_time": handle,
        "load": rate * handle,
        "productive": agents,
        "binding": binding,
        "service_level": q.service_level if q else nan,
        "asa": q.asa if q else nan,
        "abandon_rate": q.p_abandon if q else nan,
        "occupancy": q.occupancy if q else nan,
    }


def _deferred_agents(
    sc: Scenario, ch: Channel, arrivals: np.ndarray, factor: np.ndarray
) -> np.ndarray:
    """Agents per period clearing each interval's work within the threshold (fluid).

    ``arrivals``: contacts per interval, one per period; ``factor``: handle-time
    factor per period (:func:`channel_factor`).
    """
    p, step = sc.periods, sc.interval_seconds
    work = np.asarray(arrivals, dtype=float) * agent_time(ch) * factor
    threshold = ch.service_level.threshold if ch.service_level else step
    window = max(1, int(round(threshold / step)))
    need = np.zeros(p)
    for i in range(p):
        last = min(p, i + window)
        need[i:last] += work[i] / (last - i)
    return np.ceil(need / step - 1e-9).astype(int)


OFFERED_COLUMNS = ("channel", "period", "offered")
"""Columns :func:`requirements` reads from its ``offered`` table."""


def _contacts(sc: Scenario, offered: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """Contacts per interval to staff for, per channel: new journeys, or ``offered``."""
    if offered is None:
        return {name: np.asarray(sc.arrivals(name), dtype=float) for name in sc.channels}
    missing = [c for c in OFFERED_COLUMNS if c not in offered.columns]
    if missing:
        raise StaffingError(f"offered: missing column(s) {', '.join(missing)}")
    unknown = sorted(set(map(str, offered["channel"])) - set(sc.channels))
    if unknown:
        raise StaffingError(f"offered.channel: unknown channel '{unknown[0]}'")
    cells = {
        (str(c), int(p)): float(v)
        for c, p, v in zip(offered["channel"], offered["period"], offered["offered"], strict=True)
    }
    out: dict[str, np.ndarray] = {}
    for name in sc.channels:
        values = []
        for p in range(sc.periods):
            v = cells.get((name, p))
            if v is None:
                raise StaffingError(f"offered: no row for channel '{name}', period {p}")
            if not math.isfinite(v) or v < 0:
                raise StaffingError(
                    f"offered: channel '{name}', period {p}: "
                    f"must be a finite number >= 0, got {v!r}"
                )
            values.append(v)
        out[name] = np.asarray(values)
    return out


def simulated_offered(result: Result) -> pd.DataFrame:
    """Contacts each channel is offered per interval, redials and switches included.

    The scenario's expected new journeys plus the simulation's mean hops in (redials,
    channel switches, recontacts and chases) per interval: the load to pass as
    ``offered`` to :func:`requirements`. Expected rather than simulated new journeys,
    so that the replications' sampling noise on arrivals does not move the answer.

    Returns columns ``channel``, ``period``, ``new``, ``hops_in``, ``offered``
    (contacts per interval).
    """
    sc = result.scenario
    iv = result.intervals
    hops = iv[iv["kpi"] == "hops_in"].set_index(["channel", "period"])["mean"].fillna(0.0)
    rows = []
    for name in sc.channels:
        arrivals = sc.arrivals(name)
        for p in range(sc.periods):
            h = float(hops.get((name, p), 0.0))
            rows.append(
                {
                    "channel": name,
                    "period": p,
                    "new": float(arrivals[p]),
                    "hops_in": h,
                    "offered": float(arrivals[p]) + h,
                }
            )
    return pd.DataFrame(rows, columns=["channel", "period", "new", "hops_in", "offered"])


def requirements(
    sc: Scenario, targets: Targets | None = None, *, offered: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Analytic productive and scheduled agents per channel and period.

    Parameters
    ----------
    sc : the scenario (its channels' arrivals, handle times, patience and targets,
        and its groups' shrinkage).
    targets : extra caps and the Erlang model (default: service levels only).
    offered : optional contacts per interval to staff for instead of the scenario's
        new journeys, columns ``channel``, ``period``, ``offered`` with a row for every
        channel and period, e.g. :func:`simulated_offered` (redials and switches
        included).

    Returns
    -------
    DataFrame with one row per channel and period (periods from 0): ``channel``,
    ``period``, ``time`` (clock label), ``mode``, ``arrivals`` (contacts staffed for
    per interval: new journeys, or ``offered``), ``load`` (Erlangs of work; slots for
    concurrent channels), ``servers`` (agents, or slots), ``productive``,
    ``shrinkage``, ``scheduled``, ``binding`` (the target that decided the number),
    and the predicted ``service_level``, ``asa`` (s), ``abandon_rate`` and
    ``occupancy`` (NaN for deferred channels and for empty intervals).
    """
    targets = targets or Targets()
    targets.check(sc)
    contacts = _contacts(sc, offered)
    labels = sc.period_labels()
    rows: list[dict[str, float | int | str]] = []
    for name, ch in sc.channels.items():
        arrivals = contacts[name]
        if targets.shrinkage is not None:
            shrink = np.full(sc.periods, targets.shrinkage)
        else:
            shrink = channel_shrinkage(sc, name)
        # per-period handle-time means (a forecast) scale the agent time per period
        factor = channel_factor(sc, name) * handle_time_scale(ch, sc.periods)
        deferred = _deferred_agents(sc, ch, arrivals, factor) if ch.mode == "deferred" else None
        for p in range(sc.periods):
            if deferred is not None:
                prod = int(deferred[p])
                detail: dict[str, float | int | str] = {
                    "servers": prod,
                    "handle_time": agent_time(ch) * factor[p],
                    "load": arrivals[p] * agent_time(ch) * factor[p] / sc.interval_seconds,
                    "productive": prod,
                    "binding": "service_level" if prod else "none",
                    "service_level": float("nan"),
                    "asa": float("nan"),
                    "abandon_rate": float("nan"),
                    "occupancy": float("nan"),
                }
            else:
                detail = _live_row(sc, name, ch, float(arrivals[p]), targets, float(factor[p]))
            prod = int(detail["productive"])
            rows.append(
                {
                    "channel": name,
                    "period": p,
                    "time": labels[p],
                    "mode": ch.mode,
                    "arrivals": float(arrivals[p]),
                    **detail,
                    "shrinkage": float(shrink[p]),
                    "scheduled": scheduled_from_productive(prod, float(shrink[p])),
                }
            )
    cols = [
        "channel", "period", "time", "mode", "arrivals", "handle_time", "load", "servers",
        "productive", "shrinkage", "scheduled", "binding", "service_level", "asa",
        "abandon_rate", "occupancy",
    ]  # fmt: skip
    return pd.DataFrame(rows)[cols]


def staffed_vs_required(
    sc: Scenario, req: pd.DataFrame, basis: Basis = "scheduled"
) -> pd.DataFrame:
    """Agents required over all channels against the agents the scenario has, per period.

    Both sides count agents the same way (``basis``): ``scheduled`` compares the
    channels' scheduled requirement (after shrinkage is added back) with every
    group's head count; ``productive`` compares the productive requirement with the
    agents left after shrinkage, rounded as the simulator rounds them. The sum over
    channels ignores blending (one agent serving several channels), so it is a
    conservative first answer; the simulation shows the pooled one.

    Parameters
    ----------
    req : :func:`requirements` of ``sc``.

    Returns
    -------
    DataFrame with one row per period: ``period``, ``time``, ``required``,
    ``staffed`` and ``surplus`` (staffed - required), all in agents.
    """
    if basis not in BASES:
        raise StaffingError(f"basis: must be scheduled or productive, got {basis!r}")
    per_group = sc.scheduled if basis == "scheduled" else sc.productive
    staffed = np.zeros(sc.periods, dtype=int)
    for g in sc.groups:
        staffed += np.asarray(per_group(g), dtype=int)
    required = (
        req.groupby("period")[basis].sum().reindex(range(sc.periods), fill_value=0).to_numpy()
    )
    return pd.DataFrame(
        {
            "period": range(sc.periods),
            "time": sc.period_labels(),
            "required": required.astype(int),
            "staffed": staffed,
            "surplus": staffed - required.astype(int),
        }
    )


def responsible_group(sc: Scenario, channel: str, period: int) -> str:
    """The group that takes extra staff for ``channel``: the channel highest in its skills,
    then the most productive agents in ``period``, then the first listed."""
    names = [g for g, grp in sc.groups.items() if channel in grp.skills]
    return min(
        names,
        key=lambda g: (
            sc.groups[g].skills.index(channel),
            -sc.productive(g)[period],
            list(sc.groups).index(g),
        ),
    )


def split_over_groups(sc: Scenario, by_channel: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Share per-channel agents (per period) among the groups serving each channel.

    A channel's agents go to the groups that list it, in proportion to each group's
    current productive agents in the period divided by its number of skills (an
    agent's time is shared across its skills); with nobody there, everything goes to
    :func:`responsible_group`. Returns fractional agents per group and period.
    """
    groups = list(sc.groups)
    need = {g: np.zeros(sc.periods) for g in groups}
    prod = {g: np.asarray(sc.productive(g), dtype=float) for g in groups}
    for ch, values in by_channel.items():
        serving = [g for g in groups if ch in sc.groups[g].skills]
        weights = np.array([prod[g] / len(sc.groups[g].skills) for g in serving])
        total = weights.sum(axis=0)
        for p in range(sc.periods):
            if total[p] > 0:
                for k, g in enumerate(serving):
                    need[g][p] += values[p] * weights[k, p] / total[p]
            else:
                need[responsible_group(sc, ch, p)][p] += values[p]
    return need


def group_requirements(sc: Scenario, req: pd.DataFrame) -> pd.DataFrame:
    """Split per-channel productive requirements over the groups that serve them.

    Uses :func:`split_over_groups`; each group's share is rounded up and turned into
    scheduled agents with the group's own shrinkage.

    Returns columns ``group``, ``period``, ``time``, ``productive``, ``shrinkage``,
    ``scheduled``.
    """
    groups = list(sc.groups)
    by_channel = req.pivot(index="period", columns="channel", values="productive")
    need = split_over_groups(
        sc,
        {ch: by_channel[ch].reindex(range(sc.periods)).to_numpy(dtype=float) for ch in sc.channels},
    )
    labels = sc.period_labels()
    rows = []
    for g in groups:
        shr = _shares(sc, g)
        for p in range(sc.periods):
            n = int(math.ceil(need[g][p] - 1e-9))
            rows.append(
                {
                    "group": g,
                    "period": p,
                    "time": labels[p],
                    "productive": n,
                    "shrinkage": float(shr[p]),
                    "scheduled": scheduled_from_productive(n, float(shr[p])),
                }
            )
    return pd.DataFrame(rows)
