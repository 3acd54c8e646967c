"""A scenario compiled to indexed tuples and arrays: what the engine reads."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config.clock import clock_minutes
from sim.config.distributions import Distribution
from sim.config.scenario import Scenario

from .codes import EVENT_INDEX, MODES, ROUTINGS
from .shaping import NO_SHAPING, Shaping, compile_shaping

__all__ = ["Model", "Route", "Segments", "compile_scenario"]


@dataclass(frozen=True)
class Route:
    """The transitions out of one (channel, event): cumulative probabilities."""

    cumulative: tuple[float, ...]
    targets: tuple[int, ...]
    delays: tuple[Distribution, ...]
    names: tuple[str, ...]
    withdraw: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Segments:
    """Customer segments compiled: queue lanes and per segment overrides.

    A *lane* is one first-come-first-served queue: one per (channel, priority level).
    Lane ``c`` (c < number of channels) is channel c's best level, so a model without
    segments has exactly one lane per channel, numbered as the channels. Segments are
    numbered across channels (global ids); a contact of a channel without segments has
    segment -1.
    """

    lanes: tuple[int, ...]  # per lane: its channel
    channel_lanes: tuple[tuple[int, ...], ...]  # per channel: its lanes, best priority first
    ahead: tuple[tuple[int, ...], ...]  # per lane: its channel's lanes served before or with it
    of_channel: tuple[tuple[int, ...], ...]  # per channel: its segments (empty: none)
    cumulative: tuple[tuple[float, ...], ...]  # per channel: cumulative shares of its segments
    names: tuple[str, ...]  # per segment: its name in its channel
    channel: tuple[int, ...]  # per segment: its channel
    lane: tuple[int, ...]  # per segment: its lane
    handle: tuple[Distribution | None, ...]  # per segment: own handle time, None = channel's
    patience: tuple[Distribution | None, ...]  # per segment: own patience, None = channel's
    resolution: tuple[float, ...]  # per segment: first-contact resolution
    resolves: tuple[bool, ...]  # per channel: some segment has its own resolution
    carry: tuple[tuple[int, ...], ...]  # [segment][channel]: same-named segment there, or -1

    @property
    def any(self) -> bool:
        return bool(self.names)


def _segments(sc: Scenario, chans: tuple[str, ...]) -> Segments:
    """Lanes and segment tables; lanes beyond the channels' best levels are numbered
    after the channels, channel by channel."""
    C = len(chans)
    lanes = list(range(C))
    channel_lanes: list[tuple[int, ...]] = []
    ahead: list[tuple[int, ...]] = [()] * C
    of_channel: list[tuple[int, ...]] = []
    cumulative: list[tuple[float, ...]] = []
    names: list[str] = []
    seg_ch: list[int] = []
    seg_lane: list[int] = []
    handle: list[Distribution | None] = []
    patience: list[Distribution | None] = []
    resolution: list[float] = []
    resolves: list[bool] = []
    for ci, c in enumerate(chans):
        ch = sc.channels[c]
        segs = ch.segments or {}
        levels = sorted({sg.priority for sg in segs.values()}) or [1]
        lane_of_level = {levels[0]: ci}
        for lv in levels[1:]:
            lane_of_level[lv] = len(lanes)
            lanes.append(ci)
        mine = tuple(lane_of_level[lv] for lv in levels)
        channel_lanes.append(mine)
        ahead.extend([()] * (len(lanes) - len(ahead)))
        for i, lane in enumerate(mine):
            ahead[lane] = mine[: i + 1]
        base = sc.journeys.resolution.get(c, 1.0)
        of_channel.append(tuple(range(len(names), len(names) + len(segs))))
        cumulative.append(tuple(np.cumsum([sg.share for sg in segs.values()]).tolist()))
        for name, sg in segs.items():
            names.append(name)
            seg_ch.append(ci)
            seg_lane.append(lane_of_level[sg.priority])
            handle.append(sg.handle_time)
            patience.append(sg.patience)
            resolution.append(base if sg.resolution is None else sg.resolution)
        resolves.append(any(sg.resolution is not None for sg in segs.values()))
    carry = tuple(
        tuple(next((t for t in of_channel[ci] if names[t] == names[s]), -1) for ci in range(C))
        for s in range(len(names))
    )
    return Segments(
        lanes=tuple(lanes),
        channel_lanes=tuple(channel_lanes),
        ahead=tuple(ahead),
        of_channel=tuple(of_channel),
        cumulative=tuple(cumulative),
        names=tuple(names),
        channel=tuple(seg_ch),
        lane=tuple(seg_lane),
        handle=tuple(handle),
        patience=tuple(patience),
        resolution=tuple(resolution),
        resolves=tuple(resolves),
        carry=carry,
    )


@dataclass(frozen=True)
class Model:
    """A scenario compiled to indexed arrays for the engine."""

    channels: tuple[str, ...]
    groups: tuple[str, ...]
    interval: float
    periods: int
    start_minute: int  # clock minute of the first period
    rates: np.ndarray  # (channels, periods) expected new journeys per interval
    paths: tuple[np.ndarray | None, ...]  # per channel: (paths, periods) counts, or None
    day_cv: np.ndarray  # per channel: busyness CV shared by a day
    interval_cv: np.ndarray  # per channel: busyness CV per interval
    modes: tuple[int, ...]  # Mode per channel
    units: tuple[int, ...]  # capacity units one contact takes, per channel
    capacity: int  # units per agent
    rate_tables: tuple[tuple[float, ...] | None, ...]  # per channel: speed by sessions
    silent: tuple[tuple[float, Distribution] | None, ...]  # per channel: (share, time)
    balk: tuple[tuple[float, float] | None, ...]  # per channel: (threshold s, probability)
    concurrent_policy: tuple[int, ...]  # ConcurrentRouting per channel
    handle: tuple[Distribution, ...]
    handle_scale: tuple[np.ndarray | None, ...]  # per channel: per-period mean / handle mean
    wrap_up: tuple[Distribution | None, ...]  # per channel: after-call work, or None
    patience: tuple[Distribution | None, ...]
    resolution: tuple[float, ...]
    routes: tuple[tuple[Route | None, ...], ...]  # [channel][event index]
    chases: tuple[tuple[tuple[float, Route], ...], ...]  # [channel] -> ((after, route), ..)
    max_attempts: int
    skills: tuple[tuple[int, ...], ...]  # per group, channel indices in priority order
    eligible: tuple[tuple[int, ...], ...]  # per channel, group indices
    headcount: np.ndarray  # (groups, periods) productive agents
    scheduled: np.ndarray  # (groups, periods) scheduled agents (before shrinkage)
    deferred_reserve: tuple[int, ...]  # per group
    handle_factor: tuple[tuple[float, ...], ...]  # [group][channel]: handle-time factor
    segments: Segments  # customer segments and the queue lanes
    closed: tuple[tuple[bool, ...], ...] | None = None  # [channel][period]: lines closed
    context_factor: float = 1.0
    """Handle-time factor of every contact after a journey's first (the customer explains
    again), applied to the drawn handle time; 1.0 = no context loss."""
    context_carry: bool = False
    """Context is carried between a journey's contacts: ``context_factor`` is not applied.
    A plain flag, so a policy can switch it on (``dataclasses.replace(model, ...)``)."""
    shaping: Shaping = NO_SHAPING  # call-backs and shaping rules (empty: none)
    pickup: tuple[tuple[float, Distribution] | None, ...] = ()
    """Per group: (share, delay) of its pick-up delay (:class:`~sim.config.scenario.Pickup`),
    or None; empty: no group has one."""
    pickup_channels: tuple[tuple[tuple[float, Distribution] | None, ...], ...] = ()
    """Per group and channel: the channel's own (share, delay) in the group's pick-up
    delay (``pickup.channels``), or None (the group's); empty: no group has any."""
    pickup_by_idle: tuple[tuple[float, ...] | None, ...] = ()
    """Per group (as ``pickup``): its share by the idle agents at the arrival
    (``Pickup.share_by_idle``) or None; empty: no group has one."""
    pickup_handoff: tuple[bool, ...] = ()
    """Per group (as ``pickup``): a delayed contact joins its queue for any agent while the
    chosen agent is away (``Pickup.handoff``); empty: no group hands off."""

    @property
    def horizon(self) -> float:
        return self.periods * self.interval


def _route(sc: Scenario, cidx: dict[str, int], c: str, on: str, ts: list[Any]) -> Route:
    return Route(
        cumulative=tuple(np.cumsum([t.probability for t in ts]).tolist()),
        targets=tuple(cidx[t.to] for t in ts),
        delays=tuple(t.delay for t in ts),
        names=tuple(f"{c}/{on}->{t.to}#{i}" for i, t in enumerate(ts)),
        withdraw=tuple(t.withdraw for t in ts),
    )


def _paths(sc: Scenario, c: str) -> np.ndarray | None:
    """Channel c's arrival paths (paths, periods), zero while its lines are closed."""
    ch = sc.channels[c]
    if ch.arrival_paths is None:
        return None
    paths = np.array(ch.arrival_paths, dtype=np.int64)
    if sc.calendar is not None and ch.is_live:
        paths[:, ~np.array(sc.open_periods())] = 0
    return paths


def compile_scenario(sc: Scenario) -> Model:
    """Index a validated scenario's channels, groups and transitions for the engine."""
    chans = tuple(sc.channels)
    grps = tuple(sc.groups)
    cidx = {c: i for i, c in enumerate(chans)}
    P = sc.periods
    trans = sc.journeys.transitions
    routes: list[tuple[Route | None, ...]] = []
    chases: list[tuple[tuple[float, Route], ...]] = []
    for c in chans:
        per_event: list[Route | None] = []
        for ev in EVENT_INDEX:
            ts = [t for t in trans if t.source == c and t.on == ev]
            per_event.append(_route(sc, cidx, c, ev, ts) if ts else None)
        routes.append(tuple(per_event))
        afters = sorted({float(t.after or 0) for t in trans if t.source == c and t.on == "chase"})
        chases.append(
            tuple(
                (
                    float(after),  # type: ignore[arg-type]
                    _route(
                        sc,
                        cidx,
                        c,
                        f"chase@{after:g}",  # type: ignore[str-format]
                        [
                            t
                            for t in trans
                            if t.source == c and t.on == "chase" and t.after == after
                        ],
                    ),
                )
                for after in afters
            )
        )
    ch_objs = [sc.channels[c] for c in chans]
    slots = [ch.slots_per_agent for ch in ch_objs]
    cap = math.lcm(*slots)  # capacity units per agent: whole for every channel's share
    max_sessions = max(slots)  # sessions one agent can hold at once
    loss = sc.journeys.context_loss
    return Model(
        channels=chans,
        groups=grps,
        interval=sc.interval_seconds,
        periods=P,
        start_minute=clock_minutes(sc.start),
        rates=np.array([sc.arrivals(c) for c in chans], dtype=float),
        paths=tuple(_paths(sc, c) for c in chans),
        day_cv=np.array([ch.overdispersion.day_cv if ch.overdispersion else 0.0 for ch in ch_objs]),
        interval_cv=np.array(
            [ch.overdispersion.interval_cv if ch.overdispersion else 0.0 for ch in ch_objs]
        ),
        modes=tuple(MODES[ch.mode] for ch in ch_objs),
        units=tuple(cap // n for n in slots),
        capacity=cap,
        rate_tables=tuple(
            tuple(ch.rate_factor(n) if n else 1.0 for n in range(max_sessions + 1))
            if ch.mode == "concurrent" and (ch.stretch or ch.handle_time_by_sessions)
            else None
            for ch in ch_objs
        ),
        silent=tuple(
            (ch.silent_abandon.share, ch.silent_abandon.time) if ch.silent_abandon else None
            for ch in ch_objs
        ),
        balk=tuple(
            (ch.balking.threshold, ch.balking.probability) if ch.balking else None for ch in ch_objs
        ),
        concurrent_policy=tuple(ROUTINGS[ch.routing] for ch in ch_objs),
        handle=tuple(ch.handle_time for ch in ch_objs),
        handle_scale=tuple(
            None if ch.handle_time_means is None else np.array(ch.handle_time_scale(P), dtype=float)
            for ch in ch_objs
        ),
        wrap_up=tuple(ch.wrap_up for ch in ch_objs),
        patience=tuple(ch.patience for ch in ch_objs),
        resolution=tuple(sc.journeys.resolution.get(c, 1.0) for c in chans),
        routes=tuple(routes),
        chases=tuple(chases),
        max_attempts=sc.journeys.max_attempts,
        skills=tuple(tuple(cidx[s] for s in sc.groups[g].skills) for g in grps),
        eligible=tuple(
            tuple(gi for gi, g in enumerate(grps) if c in sc.groups[g].skills) for c in chans
        ),
        headcount=np.array([sc.productive(g) for g in grps], dtype=np.int64).reshape(-1, P),
        scheduled=np.array([sc.scheduled(g) for g in grps], dtype=np.int64).reshape(-1, P),
        deferred_reserve=tuple(sc.groups[g].deferred_reserve for g in grps),
        handle_factor=tuple(tuple(float(sc.groups[g].factor(c)) for c in chans) for g in grps),
        segments=_segments(sc, chans),
        closed=_closed(sc, chans),
        context_factor=loss.factor if loss else 1.0,
        context_carry=loss.carry if loss else False,
        shaping=compile_shaping(sc),
        pickup=_pickup(sc, grps),
        pickup_channels=_pickup_channels(sc, grps, chans),
        pickup_handoff=_pickup_handoff(sc, grps),
        pickup_by_idle=_pickup_by_idle(sc, grps),
    )


def _pickup(sc: Scenario, grps: tuple[str, ...]) -> tuple[tuple[float, Distribution] | None, ...]:
    """Per group its pick-up (share, delay), or None; () when no group has one (or
    every share is 0: nothing is ever delayed, so the engine runs as without)."""
    out = tuple(
        (p.share, p.delay) if (p := sc.groups[g].pickup) is not None and _delays(p) else None
        for g in grps
    )
    return out if any(x is not None for x in out) else ()


def _pickup_channels(
    sc: Scenario, grps: tuple[str, ...], chans: tuple[str, ...]
) -> tuple[tuple[tuple[float, Distribution] | None, ...], ...]:
    """Per group and channel, the channel's own pick-up (share, delay) or None; () when
    no group gives a channel one (the engine then uses the groups' alone)."""
    own = [p.channels or {} if (p := sc.groups[g].pickup) is not None else {} for g in grps]
    if not any(own):
        return ()
    return tuple(tuple((o[c].share, o[c].delay) if c in o else None for c in chans) for o in own)


def _delays(p: Any) -> bool:
    """Can this pick-up delay ever delay a contact (a share above 0: the group's, a
    channel's own or, in their place, one by idle agents)?"""
    if p.share_by_idle is not None:
        return max(p.share_by_idle) > 0
    return p.share > 0 or any(o.share > 0 for o in (p.channels or {}).values())


def _pickup_by_idle(sc: Scenario, grps: tuple[str, ...]) -> tuple[tuple[float, ...] | None, ...]:
    """Per group with a pick-up delay its share by idle agents (``Pickup.share_by_idle``)
    or None; () when none has one."""
    delays = _pickup(sc, grps)
    out = tuple(
        p.share_by_idle if d is not None and (p := sc.groups[g].pickup) is not None else None
        for g, d in zip(grps, delays, strict=False)
    )
    return out if any(x is not None for x in out) else ()


def _pickup_handoff(sc: Scenario, grps: tuple[str, ...]) -> tuple[bool, ...]:
    """Per group, does its pick-up delay hand the contact off (``Pickup.handoff``); ()
    when none does (or no group has a pick-up delay, :func:`_pickup`)."""
    delays = _pickup(sc, grps)
    out = tuple(
        d is not None and (p := sc.groups[g].pickup) is not None and p.handoff
        for g, d in zip(grps, delays, strict=False)
    )
    return out if any(out) else ()


def _closed(sc: Scenario, chans: tuple[str, ...]) -> tuple[tuple[bool, ...], ...] | None:
    """Per channel and period: are its lines closed (live channels, a calendar's
    holidays and opening hours)? None when nothing ever closes."""
    if sc.calendar is None:
        return None
    shut = tuple(not o for o in sc.open_periods())
    if not any(shut):
        return None
    return tuple(shut if sc.channels[c].is_live else (False,) * sc.periods for c in chans)
