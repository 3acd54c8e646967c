"""Offers and shaping rules compiled for the engine, their log and their record.

One mechanism serves call-backs (``channels.<c>.callback``) and the ``shaping:`` rules:
on the live state at the moment it matters (a contact about to wait, a new journey
arriving, an agent freeing up) a condition is checked and an action taken. The
engine's hooks (:mod:`.core`) are bound only when a scenario has offers or rules, so a
scenario without them runs the callbacks it always ran.

Random draws: a contact's acceptance of an offer is its own uniform (``u_offer``, drawn
up front for first contacts of channels that can make offers, from pools for hops),
whether a call-back reaches the customer comes from a pool per channel, and each
deflect rule has its own stream; customers no rule touches keep every draw.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.config.clock import clock_minutes
from sim.config.scenario import Scenario
from sim.config.shaping import accept_steps

__all__ = [
    "ACCEPTED",
    "CARRIED",
    "CARRY",
    "DEFLECT",
    "DEFLECTED_EVENT",
    "FIRED",
    "NO_SHAPING",
    "OFFER_ACTION",
    "OFFERED",
    "PRIORITISE",
    "CallbackRule",
    "Condition",
    "OfferLog",
    "OfferRecord",
    "ShapingRule",
    "Shaping",
    "accept_probability",
    "compile_shaping",
    "condition",
]

INF = math.inf
MINUTES_PER_DAY = 1440

# actions of a rule
OFFER_ACTION, DEFLECT, PRIORITISE, CARRY = 0, 1, 2, 3
# kinds of rule events in the log
FIRED, OFFERED, ACCEPTED, DEFLECTED_EVENT, CARRIED = 0, 1, 2, 3, 4
# conditions
WAITING_AT_LEAST, EXPECTED_WAIT_OVER, OLDEST_OVER, BETWEEN = 0, 1, 2, 3
_CONDITION = {
    "waiting_at_least": WAITING_AT_LEAST,
    "backlog_at_least": WAITING_AT_LEAST,  # the same count, named for deferred backlogs
    "expected_wait_over": EXPECTED_WAIT_OVER,
    "oldest_over": OLDEST_OVER,
}


def accept_probability(steps: Sequence[tuple[float, float]], wait: float) -> float:
    """Acceptance probability for an announced ``wait`` (s): the probability of the
    largest step at or below it (0 below the smallest step)."""
    i = bisect_right([w for w, _ in steps], wait)
    return steps[i - 1][1] if i else 0.0


@dataclass(frozen=True)
class Condition:
    """One condition: ``kind`` on ``channel`` against ``value`` (count, s, or for
    BETWEEN the clock minutes ``value`` to ``until`` of the day)."""

    kind: int
    channel: int
    value: float
    until: float = 0.0


@dataclass(frozen=True)
class ShapingRule:
    """A compiled ``shaping:`` rule (indices into the model's channels and groups).

    ``channel``: offer - whose arriving customers are offered; deflect - whose new
    journeys are deflected; prioritise - the channel taken first; carry - the channel
    whose later contacts carry the journey's context. ``target``: the
    channel offered (offer only). ``accept``: (wait s, probability) steps. ``share``:
    deflected share. ``groups``: groups re-prioritised.
    """

    name: str
    action: int
    channel: int
    target: int
    accept: tuple[tuple[float, float], ...]
    share: float
    groups: tuple[int, ...]
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class CallbackRule:
    """A channel's compiled call-back offer (see :class:`sim.config.shaping.Callback`).
    ``delay`` < 0: the call-back keeps its place in the queue."""

    offer_after: float
    accept: tuple[tuple[float, float], ...]
    reach: float
    attempt_time: float
    retries: int
    retry_after: float
    delay: float


@dataclass(frozen=True)
class Shaping:
    """Everything the engine's offer hooks read; empty when the scenario has none."""

    rules: tuple[ShapingRule, ...] = ()
    callbacks: tuple[CallbackRule | None, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.rules) or any(cb is not None for cb in self.callbacks)

    def offering(self, c: int) -> bool:
        """Can contacts of channel c be offered something (so need ``u_offer``)?"""
        if self.callbacks and self.callbacks[c] is not None:
            return True
        return any(r.action == OFFER_ACTION and r.channel == c for r in self.rules)

    def watched(self, c: int) -> bool:
        """Must channel c's waiting contacts be counted (offers and conditions read it)?"""
        if self.offering(c):
            return True
        return any(
            cond.channel == c and cond.kind != BETWEEN for r in self.rules for cond in r.conditions
        )

    def prioritising(self, g: int) -> tuple[ShapingRule, ...]:
        return tuple(r for r in self.rules if r.action == PRIORITISE and g in r.groups)


NO_SHAPING = Shaping()


def compile_shaping(sc: Scenario) -> Shaping:
    """Index a validated scenario's call-backs and shaping rules for the engine."""
    cidx = {c: i for i, c in enumerate(sc.channels)}
    gidx = {g: i for i, g in enumerate(sc.groups)}
    callbacks = tuple(
        None
        if ch.callback is None
        else CallbackRule(
            offer_after=ch.callback.offer_after,
            accept=accept_steps(ch.callback.accept),
            reach=ch.callback.reach,
            attempt_time=ch.callback.attempt_time,
            retries=ch.callback.retries,
            retry_after=ch.callback.retry_after,
            delay=-1.0 if ch.callback.delay is None else ch.callback.delay,
        )
        for ch in sc.channels.values()
    )
    rules = []
    for r in sc.shaping or ():
        w, d = r.when, r.do
        conds = [
            Condition(_CONDITION[name], cidx[w.channel], value)  # type: ignore[index]
            for name, value in w.on_state().items()
        ]
        if w.between is not None:
            a, b = (clock_minutes(t) for t in w.between)
            conds.append(Condition(BETWEEN, -1, float(a), float(b)))
        action = {
            "offer": OFFER_ACTION,
            "deflect": DEFLECT,
            "prioritise": PRIORITISE,
            "carry_context": CARRY,
        }[d.action]
        channel = {
            OFFER_ACTION: w.channel,
            DEFLECT: d.deflect,
            PRIORITISE: d.prioritise,
            CARRY: d.carry_context,
        }[action]
        rules.append(
            ShapingRule(
                name=r.name,
                action=action,
                channel=cidx[channel],  # type: ignore[index]
                target=cidx[d.offer] if d.offer else -1,
                accept=accept_steps(d.accept) if d.accept is not None else (),
                share=d.share or 0.0,
                groups=tuple(gidx[g] for g in d.groups or ()),
                conditions=tuple(conds),
            )
        )
    if not rules and all(cb is None for cb in callbacks):
        return NO_SHAPING
    return Shaping(tuple(rules), callbacks)


def condition(
    rule: ShapingRule,
    start_minute: int,
    waiting: Callable[[int], int],
    announced: Callable[[int, float], float],
    oldest: Callable[[int, float], float],
) -> Callable[[float], bool]:
    """``holds(now)``: do all of the rule's conditions hold at ``now`` (s)?

    ``waiting(c)``: contacts waiting on c; ``announced(c, now)``: the announced wait (s) a
    new contact of c would hear; ``oldest(c, now)``: age (s) of c's oldest waiting
    contact (0 if none). Clock windows are minutes of the simulated day.
    """
    checks: list[Callable[[float], bool]] = []
    for cond in rule.conditions:
        c, v = cond.channel, cond.value
        if cond.kind == WAITING_AT_LEAST:

            def queue_long(now: float, c: int = c, v: float = v) -> bool:
                return waiting(c) >= v

            checks.append(queue_long)
        elif cond.kind == EXPECTED_WAIT_OVER:

            def wait_long(now: float, c: int = c, v: float = v) -> bool:
                return announced(c, now) > v

            checks.append(wait_long)
        elif cond.kind == OLDEST_OVER:

            def old(now: float, c: int = c, v: float = v) -> bool:
                return oldest(c, now) > v

            checks.append(old)
        else:
            a, b = v, cond.until

            def inside(now: float, a: float = a, b: float = b) -> bool:
                minute = (start_minute + now / 60.0) % MINUTES_PER_DAY
                return a <= minute < b if a < b else (minute >= a or minute < b)

            checks.append(inside)
    if len(checks) == 1:
        return checks[0]
    return lambda now: all(check(now) for check in checks)


class OfferLog:
    """What the offer hooks append as the run goes (see :class:`OfferRecord`)."""

    __slots__ = ("cb_contact", "cb_accepted", "cb_patience", "cb_first", "cb_calls", "events")

    def __init__(self) -> None:
        self.cb_contact: list[int] = []  # contacts offered a call-back
        self.cb_accepted: list[bool] = []
        self.cb_patience: list[float] = []  # their drawn patience (s)
        self.cb_first: dict[int, float] = {}  # accepted contact -> first call (s)
        self.cb_calls: dict[int, int] = {}  # accepted contact -> calls made
        self.events: list[tuple[int, int, float, float]] = []  # rule, kind, time s, amount


@dataclass(frozen=True)
class OfferRecord:
    """Offers of one replication (a :class:`~sim.engine.raw.ShapedRun`'s ``offers``).

    Call-backs, one row per contact offered one: ``cb_contact``, ``cb_accepted``,
    ``cb_patience`` (s, the patience the customer drew), ``cb_first_call`` (s, when an
    agent first called; NaN if never) and ``cb_calls`` (calls agents made). Rule
    events, one row each: ``rule`` (index into the scenario's ``shaping``), ``kind``
    (FIRED, OFFERED, ACCEPTED, DEFLECTED_EVENT, CARRIED), ``time`` (s) and ``amount``
    (s of agent work a prioritise rule moved ahead; for CARRIED, s of handle time the
    carried context saved; 0 otherwise).
    """

    cb_contact: np.ndarray
    cb_accepted: np.ndarray
    cb_patience: np.ndarray
    cb_first_call: np.ndarray
    cb_calls: np.ndarray
    rule: np.ndarray
    kind: np.ndarray
    time: np.ndarray
    amount: np.ndarray = field(repr=False)

    @classmethod
    def of(cls, log: OfferLog) -> OfferRecord:
        contacts = np.array(log.cb_contact, dtype=np.int64)
        ev = np.array(log.events, dtype=float).reshape(-1, 4)
        return cls(
            cb_contact=contacts,
            cb_accepted=np.array(log.cb_accepted, dtype=bool),
            cb_patience=np.array(log.cb_patience, dtype=float),
            cb_first_call=np.array([log.cb_first.get(int(k), np.nan) for k in contacts]),
            cb_calls=np.array([log.cb_calls.get(int(k), 0) for k in contacts], dtype=np.int64),
            rule=ev[:, 0].astype(np.int64),
            kind=ev[:, 1].astype(np.int64),
            time=ev[:, 2],
            amount=ev[:, 3],
        )
