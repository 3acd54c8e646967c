"""Random draws of a replication: every new journey up front, later contacts from pools.

Each source of randomness has its own named stream (:mod:`sim.streams`), so a what-if
sees the same customers wherever it does not change them (common random numbers), and
each decision has its own uniform (resolution, next journey step, balking, silent
abandonment), so one decision never biases another.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.engine.streams import stream

from .model import Model

__all__ = ["POOL_SIZE", "FirstContacts", "Pools", "first_contacts", "pool", "segment_of", "uniform"]

INF = math.inf
POOL_SIZE = 1024  # variates a pool draws at once

Draw = Callable[[np.random.Generator, int], np.ndarray]
"""``draw(rng, n)``: n variates from ``rng``."""


_SHORT_NAMES = {"t": "arrival", "c": "channel", "h": "handle", "p": "patience"}
_SHORT_NAMES.update(ures="u_resolve", utr="u_route", ubalk="u_balk", usilent="u_silent")
_SHORT_NAMES.update(wrap="wrap_up", uoffer="u_offer", seg="segment")


@dataclass(frozen=True)
class FirstContacts:
    """Every new journey's first contact, in arrival order (one array item each)."""

    arrival: np.ndarray  # s from the start of the first period
    channel: np.ndarray  # channel index
    handle: np.ndarray  # handle time at full speed (s)
    patience: np.ndarray  # s; inf where the channel has no patience
    u_resolve: np.ndarray  # uniform: resolved when < the channel's resolution
    u_route: np.ndarray  # uniform: which transition follows an unresolved end
    u_balk: np.ndarray  # uniform: balks when < the probability (0 without balking)
    u_silent: np.ndarray  # uniform: silent when < the share (0 without silent abandon)
    wrap_up: np.ndarray  # after-call work (s) if answered (0 without wrap-up)
    u_offer: np.ndarray  # uniform: accepts an offer when < its probability (0 without offers)
    segment: np.ndarray  # segment (global id), -1 on channels without segments

    def __getitem__(self, key: str) -> np.ndarray:
        """The draws by their names before 0.2 (``"t"``, ``"h"``, ...) or field name."""
        return getattr(self, _SHORT_NAMES.get(key, key))  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return len(self.arrival)


def first_contacts(m: Model, rep: np.random.SeedSequence) -> FirstContacts:
    """Draw every new journey of the horizon, per channel, merged in time order."""
    segmented = m.segments.any
    keys = ("t", "c", "h", "p", "ures", "utr", "ubalk", "usilent", "wrap", "uoffer", "seg")
    parts: dict[str, list[np.ndarray]] = {k: [] for k in keys if segmented or k != "seg"}
    P = m.periods
    starts = np.arange(P) * m.interval
    replication = int(rep.spawn_key[0]) if rep.spawn_key else 0
    day = (m.start_minute + np.arange(P) * m.interval / 60) // 1440
    for ci, name in enumerate(m.channels):
        rng = stream(rep, "arrivals", name)
        paths = m.paths[ci]
        if paths is not None:
            counts = paths[replication % len(paths)]
        else:
            rates = m.rates[ci]
            busy = stream(rep, "busyness", name)
            if m.day_cv[ci] > 1e-6:  # below this the factor is 1 to machine precision
                k = 1 / m.day_cv[ci] ** 2
                factor = busy.gamma(k, 1 / k, int(day[-1]) + 1)
                rates = rates * factor[day.astype(np.int64)]
            if m.interval_cv[ci] > 1e-6:
                k = 1 / m.interval_cv[ci] ** 2
                rates = rates * busy.gamma(k, 1 / k, P)
            counts = rng.poisson(rates)
        n = int(counts.sum())
        t = np.repeat(starts, counts) + rng.random(n) * m.interval
        t.sort()
        parts["t"].append(t)
        parts["c"].append(np.full(n, ci, dtype=np.int64))
        handle = m.handle[ci].sample(stream(rep, "handle", name), n)
        scale = m.handle_scale[ci]
        if scale is not None:  # per-period means: the contact's arrival period's
            handle = handle * np.repeat(scale, counts)
        parts["h"].append(handle)
        pat = m.patience[ci]
        parts["p"].append(pat.sample(stream(rep, "patience", name), n) if pat else np.full(n, INF))
        jr = stream(rep, "journey", name)
        parts["ures"].append(jr.random(n))
        parts["utr"].append(jr.random(n))
        # decisions a channel may not have: drawn only where they exist (no draw, no 0.0
        # dependence on them), each from its own stream
        parts["ubalk"].append(
            stream(rep, "balk", name).random(n) if m.balk[ci] is not None else np.zeros(n)
        )
        parts["usilent"].append(
            stream(rep, "silent-choice", name).random(n)
            if m.silent[ci] is not None
            else np.zeros(n)
        )
        parts["uoffer"].append(
            stream(rep, "offer", name).random(n) if m.shaping.offering(ci) else np.zeros(n)
        )
        wrap = m.wrap_up[ci]
        parts["wrap"].append(
            wrap.sample(stream(rep, "wrap-up", name), n) if wrap is not None else np.zeros(n)
        )
        if segmented:
            parts["seg"].append(np.full(n, -1, dtype=np.int64))
            if m.segments.of_channel[ci]:
                _segment_draws(m, ci, rep, {k: v[-1] for k, v in parts.items()})
    merged = {k: np.concatenate(v) for k, v in parts.items()}
    if len(m.channels) > 1:
        order = np.argsort(merged["t"], kind="stable")
        merged = {k: v[order] for k, v in merged.items()}
    if not segmented:  # no segment anywhere: every contact's is -1
        merged["seg"] = np.full(len(merged["t"]), -1, dtype=np.int64)
    return FirstContacts(*(merged[k] for k in keys))


def segment_of(
    cumulative: tuple[float, ...], segments: tuple[int, ...], u: np.ndarray
) -> np.ndarray:
    """The segment (global id) of each uniform ``u``: by the channel's cumulative shares
    (a share of 0 is never drawn)."""
    i = np.searchsorted(np.asarray(cumulative), u, side="right")
    return np.asarray(segments, dtype=np.int64)[np.minimum(i, len(segments) - 1)]


def _segment_draws(
    m: Model, ci: int, rep: np.random.SeedSequence, one: dict[str, np.ndarray]
) -> None:
    """Channel ci's new contacts: draw each one's segment (its own stream) and replace,
    in place, the draws a segment overrides (each override its own stream, so a segment
    without overrides sees the channel's draws)."""
    sg, name = m.segments, m.channels[ci]
    n = len(one["t"])
    seg = segment_of(sg.cumulative[ci], sg.of_channel[ci], stream(rep, "segment", name).random(n))
    one["seg"][:] = seg
    for s in sg.of_channel[ci]:
        mine = seg == s
        for key, dist, what in (("h", sg.handle[s], "handle"), ("p", sg.patience[s], "patience")):
            if dist is not None:
                one[key][mine] = dist.sample(stream(rep, what, name, sg.names[s]), int(mine.sum()))
    if sg.resolves[ci]:
        # the engine compares u_resolve with the channel's resolution, compiled to 1 for
        # a channel whose segments decide: 0.0 resolves, 1.0 does not (exact)
        res = np.asarray(sg.resolution, dtype=float)[seg]
        one["ures"][:] = np.where(one["ures"] < res, 0.0, 1.0)


def pool(
    draw: Draw, rng: np.random.Generator | Callable[[], np.random.Generator]
) -> Callable[[], float]:
    """One variate per call, drawn in numpy batches of :data:`POOL_SIZE`.

    ``rng`` may be a generator, or a function making it: then the stream is only
    set up when the first variate is wanted (most pools of a run are never used).
    """
    buf: list[float] = []
    source: list[np.random.Generator] = [] if callable(rng) else [rng]

    def take() -> float:
        if not buf:
            if not source:
                source.append(rng())  # type: ignore[operator]
            buf.extend(draw(source[0], POOL_SIZE).tolist())
        return buf.pop()

    return take


def uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.random(n)


def _never(value: float) -> Callable[[], float]:
    return lambda: value


class Pools:
    """The draws of later contacts (hops) and of timed decisions, one pool per source.

    Per channel: ``handle``, ``patience``, ``journey`` (the resolution and route
    uniforms, in that order), ``balk`` and ``silent_choice`` uniforms and ``wrap_up``
    (after-call work; drawn only on channels with wrap-up) of hops, and
    ``silent_time`` (how long a silently abandoned session keeps its agent), ``offer``
    (hops' offer uniforms) and ``reach`` (does a call-back reach the customer). Per
    shaping rule: ``deflect`` (is a new journey deflected). Per
    channel and end event, per transition: ``delay``. Per channel and chase, the
    chase uniform and per transition its delay: ``chase[c][i] = (uniform, delays)``.
    Customer segments: per channel the ``segment`` uniform of a hop that does not keep
    its journey's segment; per segment its own ``segment_handle`` and
    ``segment_patience`` (None where it uses the channel's). Per group with a pick-up
    delay: ``pickup_choice`` (is an answer by an idle agent delayed) and
    ``pickup_delay`` (how long), None for the other groups; per group and channel with
    its own delay in the group's (``pickup.channels``), ``pickup_channel_delay``.
    """

    def __init__(self, m: Model, rep: np.random.SeedSequence) -> None:
        names = m.channels

        def lazy(draw: Draw, *name: str) -> Callable[[], float]:
            return pool(draw, lambda: stream(rep, *name))

        self.handle = [lazy(m.handle[c].sample, "hop-handle", names[c]) for c in range(len(names))]
        self.patience = [
            lazy(p.sample, "hop-patience", names[c]) if p else _never(INF)
            for c, p in enumerate(m.patience)
        ]
        self.journey = [lazy(uniform, "hop-journey", n) for n in names]
        self.balk = [
            lazy(uniform, "hop-balk", names[c]) if b else _never(0.0) for c, b in enumerate(m.balk)
        ]
        self.silent_choice = [
            lazy(uniform, "hop-silent-choice", names[c]) if s else _never(0.0)
            for c, s in enumerate(m.silent)
        ]
        self.wrap_up = [
            lazy(w.sample, "hop-wrap-up", names[c]) if w is not None else _never(0.0)
            for c, w in enumerate(m.wrap_up)
        ]
        self.offer = [
            lazy(uniform, "hop-offer", names[c]) if m.shaping.offering(c) else _never(0.0)
            for c in range(len(names))
        ]
        self.reach = [
            lazy(uniform, "callback-reach", names[c]) if cb is not None else _never(1.0)
            for c, cb in enumerate(m.shaping.callbacks or (None,) * len(names))
        ]
        self.deflect = [lazy(uniform, "deflect", r.name) for r in m.shaping.rules]
        self.silent_time = [
            lazy(s[1].sample, "silent", names[c]) if s else None for c, s in enumerate(m.silent)
        ]
        self.delay = [
            [
                tuple(
                    lazy(d.sample, "delay", name)
                    for d, name in zip(route.delays, route.names, strict=True)
                )
                if route
                else ()
                for route in per_event
            ]
            for per_event in m.routes
        ]
        sg = m.segments
        self.segment = [
            lazy(uniform, "hop-segment", names[c]) if sg.of_channel[c] else _never(0.0)
            for c in range(len(names))
        ]
        self.segment_handle = [
            lazy(d.sample, "hop-handle", names[sg.channel[s]], sg.names[s]) if d else None
            for s, d in enumerate(sg.handle)
        ]
        self.segment_patience = [
            lazy(d.sample, "hop-patience", names[sg.channel[s]], sg.names[s]) if d else None
            for s, d in enumerate(sg.patience)
        ]
        self.pickup_choice = [
            lazy(uniform, "pickup", m.groups[g]) if p is not None else None
            for g, p in enumerate(m.pickup)
        ]
        self.pickup_delay = [
            lazy(p[1].sample, "pickup-delay", m.groups[g]) if p is not None else None
            for g, p in enumerate(m.pickup)
        ]
        self.pickup_channel_delay = [
            [
                lazy(o[1].sample, "pickup-delay", m.groups[g], names[c]) if o else None
                for c, o in enumerate(per_channel)
            ]
            for g, per_channel in enumerate(m.pickup_channels)
        ]
        self.chase = [
            [
                (
                    lazy(uniform, "chase", route.names[0]),
                    tuple(
                        lazy(d.sample, "delay", name)
                        for d, name in zip(route.delays, route.names, strict=True)
                    ),
                )
                for _, route in per
            ]
            for per in m.chases
        ]
