"""Offers and journey shaping in the scenario file: call-backs and ``shaping:`` rules.

Two features share one mechanism (an *offer* made on the live state of the centre):

* ``channels.<c>.callback`` (:class:`Callback`): a caller told an expected wait above
  ``offer_after`` seconds is offered a call-back and takes it with probability
  ``accept``; the call-back is outbound work that keeps the caller's place in the
  queue (or, with ``delay``, is called that many seconds after the request).
* ``shaping:`` (:class:`Rule`): rules with a condition on the live state (``when``) and
  an action (``do``): offer arriving customers another channel, deflect a share of new
  journeys, or make agent groups take a channel first while the condition holds.

``accept`` is a probability, or a table ``{announced wait s: probability}``: the
probability of the largest wait in the table at or below the announced wait (0 below
the smallest), so customers told a longer wait accept more often.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator, model_validator

from sim.config.clock import check_clock
from sim.config.frozen import Frozen
from sim.config.quoting import quote

__all__ = ["Accept", "Callback", "Do", "Rule", "When", "accept_steps", "rule_problems"]

Accept = float | dict[float, float]
"""An acceptance probability, or ``{announced wait s: probability}`` (a step table)."""

MAX_RETRIES = 10
"""Call-back attempts after the first that a scenario may ask for."""


def _check_accept(v: Any) -> Any:
    """A probability in [0, 1], or a non-empty table of waits (s, >= 0) -> probabilities."""
    if isinstance(v, Mapping):
        if not v:
            raise ValueError("must not be an empty table (give {wait_s: probability, ...})")
        out: dict[float, float] = {}
        for w, p in v.items():
            try:
                wf = float(w)
            except (TypeError, ValueError):
                raise ValueError(f"table key {quote(w)} must be a wait in seconds") from None
            if not math.isfinite(wf) or wf < 0:
                raise ValueError(f"table key {quote(w)} must be a wait >= 0 s")
            if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
                raise ValueError(f"table value for {wf:g} s must be a probability, got {quote(p)}")
            out[wf] = float(p)
        return out
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
        raise ValueError(f"must be a probability in [0, 1] or a table, got {quote(v)}")
    return float(v)


def accept_steps(accept: Accept) -> tuple[tuple[float, float], ...]:
    """``accept`` as ascending (wait s, probability) steps; a number is one step at 0 s."""
    if isinstance(accept, dict):
        return tuple(sorted(accept.items()))
    return ((0.0, float(accept)),)


class Callback(Frozen):
    """A channel's call-back offer (virtual hold), for synchronous channels.

    A caller who finds no agent free hears the announced wait (queue position x the
    period's mean handle time + mean wrap-up / agents weighted by their speed, as
    balking uses). Above ``offer_after`` seconds the caller is
    offered a call-back and takes it with probability ``accept`` (one uniform per
    contact, its own random stream). An accepted call-back no longer abandons: it keeps
    its place in the queue (default) or, with ``delay``, joins the head of the queue
    ``delay`` seconds after the request. The offer comes with the announcement, before
    balking: callers who decline may still balk. The agent who reaches it calls the customer,
    who answers with probability ``reach``; an unanswered call costs the agent
    ``attempt_time`` seconds and is tried again ``retry_after`` seconds later (at the
    head of the queue) up to ``retries`` more times; after the last unanswered call the
    contact ends abandoned and the journey follows the channel's ``abandon``
    transitions.
    """

    offer_after: float = Field(ge=0)
    """Announced wait (s) above which a caller is offered a call-back."""
    accept: Accept
    """Probability of accepting, or a table {announced wait s: probability}."""
    reach: float = Field(default=1.0, ge=0, le=1)
    """Probability that the customer answers the call-back."""
    attempt_time: float = Field(default=30.0, ge=0)
    """Agent time (s) spent on a call-back the customer does not answer."""
    retries: int = Field(default=0, ge=0, le=MAX_RETRIES)
    """Further calls after an unanswered one, each ``retry_after`` s later."""
    retry_after: float = Field(default=600.0, gt=0)
    """Seconds between an unanswered call-back and the next try."""
    delay: float | None = Field(default=None, ge=0)
    """None: the call-back keeps the caller's place in the queue. A number: the
    customer is called back this many seconds after the request (the call-back then
    goes to the head of the queue)."""

    @field_validator("accept", mode="before")
    @classmethod
    def _accept(cls, v: Any) -> Any:
        return _check_accept(v)


class When(Frozen):
    """A rule's condition on the simulated state; every condition given must hold.

    ``waiting_at_least`` / ``backlog_at_least``: contacts waiting on ``channel`` (live
    queue / deferred backlog, the same count); ``expected_wait_over``: the announced
    wait (s) on ``channel``; ``oldest_over``: age (s) of its oldest waiting contact;
    ``between``: clock times [start, end) of the simulated day (HH:MM).
    """

    channel: str | None = None
    waiting_at_least: int | None = Field(default=None, ge=0)
    expected_wait_over: float | None = Field(default=None, ge=0)
    oldest_over: float | None = Field(default=None, ge=0)
    backlog_at_least: int | None = Field(default=None, ge=0)
    between: tuple[str, str] | None = None

    @field_validator("between")
    @classmethod
    def _clocks(cls, v: tuple[str, str] | None) -> tuple[str, str] | None:
        if v is None:
            return v
        return (check_clock(v[0]), check_clock(v[1]))

    def on_state(self) -> dict[str, float]:
        """The conditions on ``channel``'s state that are given: name -> threshold."""
        names = ("waiting_at_least", "expected_wait_over", "oldest_over", "backlog_at_least")
        return {n: float(getattr(self, n)) for n in names if getattr(self, n) is not None}


ACTIONS = ("offer", "deflect", "prioritise", "carry_context")
"""What a rule can do (exactly one per rule)."""


class Do(Frozen):
    """A rule's action: exactly one of ``offer``, ``deflect``, ``prioritise``,
    ``carry_context``.

    ``offer: C, accept: P``: customers arriving on ``when.channel`` who find no agent
    free are offered channel C; those who accept end the contact at once and make a
    contact on C (a hop with cause ``offer``). ``deflect: C, share: S``: while the
    condition holds, a share S of new journeys on C never start (a proactive message
    answered them). ``prioritise: C, groups: [...]``: while the condition holds, agents
    of those groups who free up take waiting work of C before their skill order; when
    C is a synchronous or deferred channel with work waiting, their part-loaded agents
    take no new concurrent sessions (they finish the ones they hold, then take C).
    ``carry_context: C``: while the condition holds, a customer's later contact on C (a
    hop, a redial, a recontact) arrives with the journey's context, so it does not take
    ``journeys.context_loss.factor`` longer (the agent sees the history).
    """

    offer: str | None = None
    accept: Accept | None = None
    deflect: str | None = None
    share: float | None = Field(default=None, ge=0, le=1)
    prioritise: str | None = None
    groups: tuple[str, ...] | None = None
    carry_context: str | None = None

    @field_validator("accept", mode="before")
    @classmethod
    def _accept(cls, v: Any) -> Any:
        return None if v is None else _check_accept(v)

    @property
    def action(self) -> str:
        """``offer``, ``deflect``, ``prioritise`` or ``carry_context`` (validated:
        exactly one is given)."""
        return next(a for a in ACTIONS if getattr(self, a))


class Rule(Frozen):
    """One journey-shaping rule: a name, a condition (``when``) and an action (``do``)."""

    name: str = Field(min_length=1)
    when: When
    do: Do

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        problems = []
        d, w = self.do, self.when
        given = [a for a in ACTIONS if getattr(d, a)]
        where = f"(rule {self.name!r})"
        if len(given) != 1:
            problems.append(f"do: give exactly one of {', '.join(ACTIONS)} {where}")
        extras = {"offer": ("accept",), "deflect": ("share",), "prioritise": ("groups",)}
        for action, keys in extras.items():
            for key in keys:
                if getattr(d, key) is not None and action not in given:
                    problems.append(f"do.{key}: only with '{action}' {where}")
                if action in given and getattr(d, key) is None:
                    problems.append(f"do.{key}: required with '{action}' {where}")
        if not w.on_state() and w.between is None:
            problems.append(f"when: give at least one condition {where}")
        if w.on_state() and w.channel is None:
            problems.append(f"when.channel: required with {', '.join(w.on_state())} {where}")
        if d.offer and w.channel is None:
            problems.append(f"when.channel: required with 'offer' (who is offered) {where}")
        if d.offer and d.offer == w.channel:
            problems.append(f"do.offer: offers the channel the customer is on {where}")
        if problems:
            raise ValueError("\n".join(problems))
        return self


def rule_problems(
    rules: tuple[Rule, ...], channels: Mapping[str, Any], groups: Mapping[str, Any]
) -> list[str]:
    """Cross-field problems of the ``shaping`` rules (unknown channels and groups, ...)."""
    out = []
    names: dict[str, int] = {}
    for i, r in enumerate(rules):
        where = f"shaping[{i}]"
        rule = f"(rule {r.name!r})"
        if r.name in names:
            out.append(f"{where}.name: {r.name!r} is also the name of shaping[{names[r.name]}]")
        names.setdefault(r.name, i)
        refs = [("when.channel", r.when.channel)]
        refs += [(f"do.{a}", getattr(r.do, a)) for a in ACTIONS]
        for key, ch in refs:
            if ch is not None and ch not in channels:
                out.append(f"{where}.{key}: unknown channel '{ch}' {rule}")
        for j, g in enumerate(r.do.groups or ()):
            if g not in groups:
                out.append(f"{where}.do.groups[{j}]: unknown group '{g}' {rule}")
            elif r.do.prioritise and r.do.prioritise not in groups[g].skills:
                out.append(
                    f"{where}.do.groups[{j}]: group '{g}' does not have "
                    f"'{r.do.prioritise}' in its skills {rule}"
                )
    return out
