"""Scenario configuration: the YAML file format, loaded into frozen, validated objects.

One loader (:func:`load_scenario`) serves the CLI, the Python API, the app and the
tests. Durations are **seconds**, volumes are **contacts per interval**, headcounts
are **agents per interval**. Unknown keys are errors, and every error names the field
path and the problem, e.g. ``channels.voice.handle_time.cv: must be > 0``.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.config.clock import MINUTES_PER_DAY, check_clock, clock_labels, clock_minutes
from sim.config.distributions import Distribution, Fixed
from sim.config.frozen import Frozen as _Frozen  # the file models' one base
from sim.config.periods import per_period
from sim.config.quoting import clip, quote
from sim.config.shaping import Callback, Rule, rule_problems
from sim.config.week import DAYS_PER_WEEK, CentreCalendar, Days, day_and_minute, parse_weekdays
from sim.config.yaml_reader import read_yaml, read_yaml_file

__all__ = [
    "Channel",
    "ChannelPickup",
    "ContextLoss",
    "Costs",
    "EffortTarget",
    "Group",
    "Journeys",
    "Pickup",
    "Scenario",
    "ScenarioError",
    "Segment",
    "ServiceLevel",
    "Transition",
    "load_scenario",
    "parse_scenario",
    "read_yaml",
    "read_yaml_file",
]

CHANNEL_MODES = ("synchronous", "concurrent", "deferred")
EVENTS = ("abandon", "unresolved", "balk", "chase")
_DIST_TAGS = {"exponential", "lognormal", "gamma", "weibull", "fixed", "empirical"}
_DIST_FIELDS = {"handle_time", "patience", "delay", "time"}


MAX_HORIZON_DAYS = 366
"""Days of intervals a scenario may simulate (``periods x interval_minutes``): a year."""

MAX_CONTACTS_PER_INTERVAL = 1_000_000
"""New journeys a channel may receive in one interval (a large centre takes ~10,000)."""

MAX_AGENTS = 1_000_000
"""Agents a group (or a shift) may have in one interval."""

MAX_SHOWN_PROBLEMS = 50
"""Problems an error message lists; the rest are counted (``problems`` keeps all)."""


def problem_lines(problems: Sequence[str]) -> str:
    """Problems as indented lines, at most :data:`MAX_SHOWN_PROBLEMS` of them."""
    lines = [f"  {p}" for p in problems[:MAX_SHOWN_PROBLEMS]]
    if len(problems) > MAX_SHOWN_PROBLEMS:
        lines.append(f"  ... and {len(problems) - MAX_SHOWN_PROBLEMS:,} more problems")
    return "\n".join(lines)


class ScenarioError(ValueError):
    """A scenario is invalid. ``problems`` holds one ``"field.path: problem"`` per error."""

    def __init__(self, problems: Sequence[str], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(f"{head}invalid scenario\n{problem_lines(self.problems)}")

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from its problems, not its message: errors cross process boundaries
        # (sweep workers) by pickling, and the message is not a list of problems
        return (type(self), (self.problems, self.source))


def _per_period(
    value: Any, *, integer: bool, what: str, most: float = math.inf
) -> float | tuple[float, ...]:
    """Accept one number or a list of numbers, each finite, >= 0 and <= ``most``."""

    def check(x: Any, where: str) -> float:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ValueError(f"{where}must be a number, got {quote(x)}")
        if not math.isfinite(x) or x < 0:
            raise ValueError(f"{where}must be >= 0, got {quote(x)}")
        if x > most:
            raise ValueError(f"{where}must be at most {most:,} {what} per interval, got {quote(x)}")
        if integer and x != int(x):
            raise ValueError(f"{where}must be a whole number of {what}, got {quote(x)}")
        return int(x) if integer else float(x)

    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("must not be an empty list")
        return tuple(check(x, f"item {i} ") for i, x in enumerate(value))
    return check(value, "")


class ServiceLevel(_Frozen):
    """Target share of offered contacts answered within ``threshold`` seconds."""

    target: float = Field(gt=0, le=1)
    threshold: float = Field(ge=0)


class SilentAbandon(_Frozen):
    """Abandoners who leave without telling: an agent still opens their session."""

    share: float = Field(ge=0, le=1)
    """Share of abandoners who leave silently."""
    time: Distribution
    """Time (s) an agent spends on a silent session before closing it."""


class Balking(_Frozen):
    """Customers told a long expected wait on arrival may leave at once (balk)."""

    threshold: float = Field(ge=0)
    """Announced expected wait (s) above which customers may balk."""
    probability: float = Field(default=1.0, ge=0, le=1)
    """Share of customers who balk when the announcement exceeds the threshold."""


class Overdispersion(_Frozen):
    """Gamma busyness factors (mean 1) multiplying the Poisson arrival rates."""

    day_cv: float = Field(default=0.0, ge=0)
    """Coefficient of variation of the factor shared by a whole day."""
    interval_cv: float = Field(default=0.0, ge=0)
    """Coefficient of variation of an extra factor per interval."""


SHARE_TOLERANCE = 1e-9
"""How far a channel's segment shares may sum from 1 (rounding of decimal shares)."""


class Segment(_Frozen):
    """A class of customers sharing its channel's queue (VIP, regular, ...).

    A freed agent serves the waiting contacts of the best (lowest) ``priority`` first,
    oldest first within a priority (non-preemptive: a VIP never interrupts a call);
    segments of equal priority share one first-come-first-served queue. Each override
    left out is the channel's (``resolution``: ``journeys.resolution`` of the channel).
    """

    share: float = Field(ge=0, le=1)
    """Share of the channel's contacts in this segment; a channel's shares sum to 1."""
    priority: int = Field(default=1, ge=1)
    """1 is served first, then 2, ..."""
    handle_time: Distribution | None = None
    patience: Distribution | None = None
    """Time (s) this segment's customers wait before abandoning (the channel's if left out;
    a segment of a channel without patience may have one)."""
    service_level: ServiceLevel | None = None
    resolution: float | None = Field(default=None, ge=0, le=1)
    """First-contact resolution of this segment's contacts (probability)."""


class Channel(_Frozen):
    """One contact channel (voice, chat, email, messaging, ...).

    ``synchronous``: an agent serves one contact at a time (voice). ``concurrent``: an
    agent serves up to ``concurrency`` sessions at once (chat, messaging).
    ``deferred``: contacts join a backlog worked only when an agent has no live work
    waiting (email, tickets); thresholds are usually hours.
    """

    mode: Literal["synchronous", "concurrent", "deferred"] = "synchronous"
    concurrency: int | None = Field(default=None, ge=1, le=12)
    """Sessions one agent serves at once (concurrent channels)."""
    routing: Literal["most_free", "longest_idle"] = "most_free"
    """Concurrent channels: fill the agent with the most free capacity, or the one
    whose load changed longest ago."""
    stretch: float | None = Field(default=None, ge=0)
    """Concurrent channels: each extra simultaneous session slows every session on the
    agent by this fraction (0.25: two sessions each take 1.25x as long)."""
    handle_time_by_sessions: tuple[float, ...] | None = Field(default=None, min_length=1)
    """Concurrent channels: mean handle time (s) with 1, 2, 3, ... sessions on the agent
    (the last value holds beyond the list); scales ``handle_time``."""
    silent_abandon: SilentAbandon | None = None
    arrivals: float | tuple[float, ...] | None = None
    """New journeys per interval: one number for every interval, or one per period."""
    arrival_paths: tuple[tuple[float, ...], ...] | None = None
    """Arrival counts per interval, one row per sample path (replication r uses row
    r mod rows), e.g. forecast sample paths. Replaces ``arrivals`` when given."""
    overdispersion: Overdispersion | None = None
    handle_time: Distribution
    handle_time_means: tuple[float, ...] | None = None
    """Mean handle time (s) of the contacts arriving in each period, one per period
    (e.g. a handle-time forecast): each new contact's handle time is drawn from
    ``handle_time`` and scaled by its period's mean / ``handle_time.mean`` (the shape,
    e.g. the CV, is kept); staffing uses the period's mean. Redials, switches and
    recontacts use ``handle_time``. None: ``handle_time`` throughout."""
    patience: Distribution | None = None
    """Time (s) a waiting customer tolerates before abandoning; None = infinitely patient."""
    balking: Balking | None = None
    service_level: ServiceLevel | None = None
    wrap_up: Distribution | None = None
    """After-call work (s): the agent stays busy this long after the customer leaves
    (synchronous and deferred channels); None = no wrap-up."""
    callback: Callback | None = None
    """Synchronous channels: callers told a long wait may take a call-back (virtual
    hold, :class:`~sim.config.shaping.Callback`); None = no call-backs."""
    segments: dict[str, Segment] | None = Field(default=None, min_length=1)
    """Customer segments sharing this channel's queue with a priority (VIP first)."""

    @field_validator("arrivals", mode="before")
    @classmethod
    def _arrivals(cls, v: Any) -> Any:
        if v is None:
            return v
        return _per_period(v, integer=False, what="contacts", most=MAX_CONTACTS_PER_INTERVAL)

    @field_validator("handle_time_means", mode="before")
    @classmethod
    def _handle_means(cls, v: Any) -> Any:
        if v is None:
            return v
        out = _per_period(v, integer=False, what="seconds")
        if not isinstance(out, tuple):
            raise ValueError("must be a list of seconds, one per period")
        if min(out) <= 0:
            raise ValueError("every value must be > 0 (seconds)")
        return out

    @field_validator("arrival_paths", mode="before")
    @classmethod
    def _paths(cls, v: Any) -> Any:
        if v is None:
            return v
        if not isinstance(v, (list, tuple)) or not v:
            raise ValueError("must be a non-empty list of rows (one row of counts per path)")
        rows = []
        for i, row in enumerate(v):
            if not isinstance(row, (list, tuple)):
                raise ValueError(f"row {i} must be a list of counts, one per period")
            try:
                rows.append(
                    _per_period(
                        list(row), integer=True, what="contacts", most=MAX_CONTACTS_PER_INTERVAL
                    )
                )
            except ValueError as exc:
                raise ValueError(f"row {i}: {exc}") from None
        return tuple(rows)

    @model_validator(mode="after")
    def _mode_options(self) -> Channel:
        problems = []
        if self.mode == "concurrent" and self.concurrency is None:
            problems.append("concurrency: required when mode is 'concurrent'")
        if self.mode != "concurrent":
            for key in ("stretch", "handle_time_by_sessions", "silent_abandon"):
                if getattr(self, key) is not None:
                    problems.append(f"{key}: only allowed when mode is 'concurrent'")
            if self.concurrency not in (None, 1):
                problems.append("concurrency: only allowed when mode is 'concurrent'")
        if self.stretch is not None and self.handle_time_by_sessions is not None:
            problems.append("stretch: give either stretch or handle_time_by_sessions, not both")
        if self.handle_time_by_sessions and min(self.handle_time_by_sessions) <= 0:
            problems.append("handle_time_by_sessions: every value must be > 0")
        if self.mode == "concurrent" and self.wrap_up is not None:
            problems.append(
                "wrap_up: only for synchronous or deferred channels (not concurrent sessions)"
            )
        if self.mode == "deferred" and self.balking is not None:
            problems.append("balking: only for live (synchronous or concurrent) channels")
        if self.mode != "synchronous" and self.callback is not None:
            problems.append("callback: only for synchronous channels (an agent calls back)")
        if self.arrivals is None and self.arrival_paths is None:
            problems.append("arrivals: required (or give arrival_paths)")
        if self.arrival_paths is not None and self.overdispersion is not None:
            problems.append("overdispersion: not with arrival_paths (paths carry their own)")
        if self.segments:
            total = sum(sg.share for sg in self.segments.values())
            if abs(total - 1) > SHARE_TOLERANCE:
                problems.append(f"segments: shares sum to {total:g}, must sum to 1")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def is_live(self) -> bool:
        return self.mode != "deferred"

    def arrivals_per_period(self, periods: int) -> tuple[float, ...]:
        """Expected new journeys in each of ``periods`` intervals."""
        a = self.arrivals
        if a is None:
            paths = np.asarray(self.arrival_paths, dtype=float)
            return tuple(paths.mean(axis=0).tolist())
        return per_period(a, periods)

    def handle_time_scale(self, periods: int) -> tuple[float, ...]:
        """Per period: ``handle_time_means`` / ``handle_time.mean`` (1.0 without them)."""
        if self.handle_time_means is None:
            return (1.0,) * periods
        base = self.handle_time.mean
        return tuple(m / base for m in self.handle_time_means)

    @property
    def mean_handle_time(self) -> float:
        """Mean handle time (s) of the channel's contacts: with segments, the share-weighted
        mix of the segments' means (a segment without its own uses the channel's)."""
        if not self.segments:
            return self.handle_time.mean
        return sum(
            sg.share * (sg.handle_time or self.handle_time).mean for sg in self.segments.values()
        )

    @property
    def slots_per_agent(self) -> int:
        """Contacts one agent works at once on this channel: ``concurrency`` on a
        concurrent channel, else 1 (the unit of the Erlang servers and engine capacity)."""
        return (self.concurrency or 1) if self.mode == "concurrent" else 1

    def rate_factor(self, sessions: int) -> float:
        """Speed of one session when the agent holds ``sessions`` (1 = unstretched)."""
        if self.stretch is not None:
            return 1.0 / (1.0 + self.stretch * (sessions - 1))
        if self.handle_time_by_sessions is not None:
            by = self.handle_time_by_sessions
            return self.handle_time.mean / by[min(sessions, len(by)) - 1]
        return 1.0


class Break(_Frozen):
    """Agents of a shift off the phones from ``start`` to ``end``."""

    start: str
    end: str
    count: int | None = Field(default=None, ge=0, le=MAX_AGENTS)
    """Agents on this break (default: the whole shift)."""

    @field_validator("start", "end")
    @classmethod
    def _clocks(cls, v: str) -> str:
        return check_clock(v)


class Shift(_Frozen):
    """``count`` agents working from ``start`` to ``end`` (HH:MM) every day, or on the
    weekdays in ``days``."""

    start: str
    end: str
    """Clock time the shift ends; before ``start`` = the shift runs past midnight."""
    count: int = Field(ge=0, le=MAX_AGENTS)
    breaks: tuple[Break, ...] = ()
    days: tuple[str, ...] | None = Field(default=None, min_length=1)
    """Weekdays the shift starts on (``[mon-fri]``, ``[sat, sun]``; needs the scenario's
    ``calendar``); every day when not given. An overnight shift belongs to the day it
    starts on."""

    @field_validator("start", "end")
    @classmethod
    def _clocks(cls, v: str) -> str:
        return check_clock(v)

    @field_validator("days")
    @classmethod
    def _days(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is not None:
            parse_weekdays(v)
        return v

    def runs_on(self, days: Days | None, day: int) -> bool:
        """Does the shift start on day ``day`` (no holiday, one of its weekdays)?"""
        if days is None:
            return True
        if days.holiday(day):
            return False
        return self.days is None or days.weekday(day) in parse_weekdays(self.days)

    def agents_at(self, days: Days | None, day: int, clock: int) -> int:
        """Agents of this shift working at minute ``clock`` of day ``day`` (breaks
        taken off), counting the occurrence that started the day before and runs past
        midnight."""
        a = clock_minutes(self.start) % MINUTES_PER_DAY
        b = clock_minutes(self.end) % MINUTES_PER_DAY
        if days is None:
            covered = _covers(self.start, self.end, clock)
        elif a < b:
            covered = a <= clock < b and self.runs_on(days, day)
        else:  # past midnight (or 24 hours): today's from ``a``, yesterday's until ``b``
            covered = (clock >= a and self.runs_on(days, day)) or (
                clock < b and self.runs_on(days, day - 1)
            )
        if not covered:
            return 0
        n = self.count
        for brk in self.breaks:
            if _covers(brk.start, brk.end, clock):
                n -= self.count if brk.count is None else brk.count
        return n


class ChannelPickup(_Frozen):
    """A channel's own pick-up delay within a group's :class:`Pickup`."""

    share: float = Field(ge=0, le=1)
    """Probability (per contact of the channel routed to an idle agent) that the answer
    is delayed."""
    delay: Distribution
    """The delay (s) of a delayed answer."""


class Pickup(_Frozen):
    """Agents who look free do not always answer at once (a pick-up delay).

    When a contact that takes a whole agent (synchronous or deferred) arrives and is
    routed to an idle agent of the group, with probability ``share`` the agent answers
    only after ``delay`` (s). The agent is reserved meanwhile (no other contact can take
    it; its occupancy counts the time) and the contact is waiting: its wait includes the
    delay, and if its patience runs out first it abandons then (a plain abandonment,
    never silent) and the agent is free again at once. Contacts an agent takes from the
    queue, and concurrent sessions, are answered without delay.

    With ``handoff`` the delayed contact is not held for that agent: it joins its queue
    (no balking: it found an agent) and whichever agent frees up first takes it, as the
    switch hands a call nobody picks up to the next agent; the chosen agent is away for
    the delay (reserved, counted in occupancy) and then frees as after a contact (takes
    waiting work or goes idle). So ``delay`` is then how long the agent is away, not the
    contact's wait, which is the shorter of the two.
    """

    share: float = Field(ge=0, le=1)
    """Probability (per contact routed to an idle agent) that the answer is delayed."""
    delay: Distribution
    """The delay (s) of a delayed answer (with ``handoff``: the agent's time away)."""
    channels: dict[str, ChannelPickup] | None = None
    """Per channel (one of the group's skills, not a concurrent one: its sessions are
    never delayed), its own share and delay for that channel's contacts; the other
    channels use ``share`` and ``delay``. None: one for all."""
    handoff: bool = False
    """A delayed contact waits in its queue for any agent instead of for the chosen one
    (who is away for ``delay``); False: it is answered by that agent after ``delay``."""
    share_by_idle: tuple[Annotated[float, Field(ge=0, le=1)], ...] | None = Field(
        default=None, min_length=1
    )
    """The share by how many agents able to take the contact were idle at its arrival
    (the chosen one included): entry n for n idle agents (1-based), the last for that
    many or more; in place of ``share`` and the channels' own shares (None: those
    whatever the count)."""


class Group(_Frozen):
    """A group of agents sharing a skill list (channels in priority order)."""

    skills: tuple[str, ...] = Field(min_length=1)
    agents: int | tuple[int, ...] | None = None
    """Scheduled agents: one number for every interval, or one per period."""
    shifts: tuple[Shift, ...] | None = None
    """Scheduled agents as shifts (instead of ``agents``), repeated every day."""
    shrinkage: float | tuple[float, ...] = 0.0
    """Share of scheduled agents unavailable (breaks not in shifts, meetings, absence):
    one number, or one per period. Productive = round(scheduled x (1 - shrinkage))."""
    deferred_reserve: int = Field(default=0, ge=0)
    """Agents of this group who work deferred items (email) even while live work waits."""
    handle_time_factor: dict[str, float] | None = None
    """Per channel (one of the skills): this group's handle time relative to the
    channel's, talk and wrap-up alike (1.3: new hires take 30% longer; 0.85: experts)."""
    pickup: Pickup | None = None
    """A pick-up delay of agents who look free (:class:`Pickup`); None: they answer at
    once."""

    @field_validator("agents", mode="before")
    @classmethod
    def _agents(cls, v: Any) -> Any:
        if v is None:
            return v
        return _per_period(v, integer=True, what="agents", most=MAX_AGENTS)

    @field_validator("shrinkage", mode="before")
    @classmethod
    def _shrinkage(cls, v: Any) -> Any:
        out = _per_period(v, integer=False, what="shares")
        if any(x >= 1 for x in (out if isinstance(out, tuple) else (out,))):
            raise ValueError("must be below 1 (a share of scheduled agents)")
        return out

    @field_validator("skills")
    @classmethod
    def _unique(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        dup = sorted({s for s in v if v.count(s) > 1})
        if dup:
            raise ValueError(f"lists {', '.join(dup)} more than once")
        return v

    @model_validator(mode="after")
    def _one_schedule(self) -> Group:
        problems = []
        if (self.agents is None) == (self.shifts is None):
            problems.append("agents: give either agents or shifts (exactly one)")
        for c in (self.pickup.channels or {}) if self.pickup is not None else ():
            if c not in self.skills:
                problems.append(
                    f"pickup.channels.{c}: not one of the group's skills ({', '.join(self.skills)})"
                )
        for c, f in (self.handle_time_factor or {}).items():
            if c not in self.skills:
                problems.append(
                    f"handle_time_factor.{c}: not one of the group's skills "
                    f"({', '.join(self.skills)})"
                )
            if not (math.isfinite(f) and f > 0):
                problems.append(f"handle_time_factor.{c}: must be a number > 0, got {quote(f)}")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def factor(self, channel: str) -> float:
        """This group's handle-time factor on ``channel`` (1.0 unless given)."""
        return (self.handle_time_factor or {}).get(channel, 1.0)

    def agents_per_period(
        self, periods: int, interval_minutes: int, start: str, days: Days | None = None
    ) -> tuple[int, ...]:
        """Scheduled agents in each period (from ``agents`` or the shifts); ``days`` (the
        scenario's calendar) decides on which days shifts with ``days:`` run and which
        days are holidays."""
        if self.shifts is None:
            a = self.agents
            assert a is not None
            return per_period(a, periods)
        t0 = clock_minutes(start)
        out = []
        for p in range(periods):
            day, clock = day_and_minute(t0, interval_minutes, p)
            out.append(sum(sh.agents_at(days, day, clock) for sh in self.shifts))
        return tuple(out)

    def productive_per_period(
        self, periods: int, interval_minutes: int, start: str, days: Days | None = None
    ) -> tuple[int, ...]:
        """Agents available to take contacts: scheduled less shrinkage, rounded."""
        sched = self.agents_per_period(periods, interval_minutes, start, days)
        shr = per_period(self.shrinkage, periods)
        return tuple(int(math.floor(n * (1 - x) + 0.5)) for n, x in zip(sched, shr, strict=True))


def _span(start: str, end: str) -> int:
    """Minutes from start to end, wrapping past midnight (equal = 24 h)."""
    return (clock_minutes(end) - clock_minutes(start)) % MINUTES_PER_DAY or MINUTES_PER_DAY


def _covers(start: str, end: str, clock: int) -> bool:
    """Is minute-of-day ``clock`` inside [start, end), wrapping past midnight?"""
    a, b = clock_minutes(start) % MINUTES_PER_DAY, clock_minutes(end) % MINUTES_PER_DAY
    if a == b:
        return True  # a 24-hour shift
    return a <= clock < b if a < b else clock >= a or clock < b


class Transition(_Frozen):
    """What a customer does next after an event on a channel.

    With ``probability`` the customer makes a new contact on channel ``to`` (the
    same channel = a redial) after ``delay`` seconds.
    """

    source: str = Field(alias="from")
    on: Literal["abandon", "unresolved", "balk", "chase"]
    to: str
    probability: float = Field(ge=0, le=1)
    delay: Distribution = Fixed(distribution="fixed", value=0.0)
    after: float | None = Field(default=None, ge=0)
    """``chase`` only: seconds a deferred contact stays unanswered before the customer
    also contacts channel ``to``."""
    withdraw: bool = False
    """``chase`` only: the customer withdraws the deferred contact when chasing
    (otherwise it stays in the backlog as duplicate work)."""

    @model_validator(mode="after")
    def _chase_options(self) -> Transition:
        if self.on == "chase" and self.after is None:
            raise ValueError("after: required for 'chase' transitions (seconds unanswered)")
        if self.on != "chase" and (self.after is not None or self.withdraw):
            raise ValueError("after: 'after' and 'withdraw' only apply to 'chase' transitions")
        return self


DEFAULT_EFFORT_CONTACTS = 1
"""Contacts a journey may take to count as resolved within the effort target."""
DEFAULT_EFFORT_TIME = 600.0
"""Customer time (s) a journey may take to count as resolved within the effort target."""


class EffortTarget(_Frozen):
    """The effort a journey may take and still count as easy (journey effort KPIs)."""

    contacts: int = Field(default=DEFAULT_EFFORT_CONTACTS, ge=1)
    """Contacts (first included): ``resolved_within_contacts`` counts journeys resolved
    in at most this many; 1 = first-contact resolution."""
    time: float = Field(default=DEFAULT_EFFORT_TIME, gt=0)
    """Total customer time (s, every wait plus every handle time of the journey):
    ``resolved_within_time`` counts journeys resolved within it."""


class ContextLoss(_Frozen):
    """Context lost between a journey's contacts: the customer explains again."""

    factor: float = Field(ge=1)
    """Handle time of every contact after the journey's first (a redial, switch or
    recontact) is multiplied by this (1.25: a quarter longer)."""
    carry: bool = False
    """Context is carried to the next contact (a shared case history): no extra time."""


class Journeys(_Frozen):
    """Customer journey behaviour across channels."""

    max_attempts: int = Field(default=5, ge=1)
    """Contacts one journey may make at most (first contact included)."""
    resolution: dict[str, float] = Field(default_factory=dict)
    """First-contact resolution per channel (probability, default 1)."""
    transitions: tuple[Transition, ...] = ()
    effort_target: EffortTarget | None = None
    """Targets of the journey effort KPIs; None = the defaults (1 contact, 600 s)."""
    context_loss: ContextLoss | None = None
    """Extra handle time of later contacts; None = none."""

    @field_validator("resolution")
    @classmethod
    def _probabilities(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [f"{k}={p}" for k, p in v.items() if not 0 <= p <= 1]
        if bad:
            raise ValueError(f"must be probabilities in [0, 1], got {', '.join(bad)}")
        return v


class Costs(_Frozen):
    """Money: wages, costs per contact, revenue (the cost KPIs; all optional, >= 0).

    Amounts are in the scenario's currency (``currency`` is a label only). Agents are
    paid for every scheduled agent-hour (shrinkage included) in the counted window.
    """

    currency: str = ""
    """Label of the amounts, e.g. ``EUR`` (shown, never converted)."""
    wage_per_hour: dict[str, float] = Field(default_factory=dict)
    """Per group: wage per paid (scheduled) agent-hour; groups left out cost 0."""
    per_handled: dict[str, float] = Field(default_factory=dict)
    """Per channel: cost per contact handled (answered), e.g. telephony or licences."""
    per_abandoned: dict[str, float] = Field(default_factory=dict)
    """Per channel: cost per abandoned contact (a lost sale, the cost of a complaint)."""
    revenue_per_resolved: float | None = Field(default=None, ge=0)
    """Revenue per resolved journey; given, the KPIs include ``revenue`` and ``net``."""

    @field_validator("wage_per_hour", "per_handled", "per_abandoned")
    @classmethod
    def _amounts(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [f"{k}={x}" for k, x in v.items() if not (math.isfinite(x) and x >= 0)]
        if bad:
            raise ValueError(f"must be amounts >= 0, got {', '.join(bad)}")
        return v


class Scenario(_Frozen):
    """A whole contact centre over a planning horizon."""

    name: str = "scenario"
    interval_minutes: int = Field(default=15, ge=5, le=60)
    periods: int = Field(ge=1)
    """Number of intervals simulated."""
    start: str = "00:00"
    """Clock time of the first interval (labels only), HH:MM."""
    warmup_minutes: float = Field(default=0, ge=0)
    seed: int = Field(default=0, ge=0)
    replications: int = Field(default=10, ge=1)
    channels: dict[str, Channel] = Field(min_length=1)
    groups: dict[str, Group] = Field(min_length=1)
    journeys: Journeys = Journeys()
    calendar: CentreCalendar | None = None
    """Dates or weekdays of the days the periods cover, holidays and opening hours
    (:mod:`sim.config.week`); without it every day is the same."""
    costs: Costs | None = None
    """Wages and costs per contact: the cost KPIs (``Result.costs``); None = none."""
    shaping: tuple[Rule, ...] | None = None
    """Journey-shaping rules (:class:`~sim.config.shaping.Rule`), applied in order;
    None or empty = no rules."""

    @field_validator("start")
    @classmethod
    def _start_clock(cls, v: str) -> str:
        return check_clock(v, before_midnight=True)

    @model_validator(mode="after")
    def _cross_fields(self) -> Scenario:
        problems: list[str] = []
        p = self.periods
        days = p * self.interval_minutes / 1440
        if days > MAX_HORIZON_DAYS:
            most = MAX_HORIZON_DAYS * 1440 // self.interval_minutes
            raise ValueError(
                f"periods: {p:,} periods of {self.interval_minutes} min are {days:,.0f} days; "
                f"at most {MAX_HORIZON_DAYS} days ({most:,} periods) are simulated"
            )
        if self.warmup_minutes >= p * self.interval_minutes:
            problems.append(
                f"warmup_minutes: {self.warmup_minutes:g} leaves no counted time in "
                f"{p} periods of {self.interval_minutes} min"
            )
        for name, ch in self.channels.items():
            if isinstance(ch.arrivals, tuple) and len(ch.arrivals) != p:
                problems.append(
                    f"channels.{name}.arrivals: has {len(ch.arrivals)} values, "
                    f"expected one per period ({p})"
                )
            for seg_name, seg in (ch.segments or {}).items():
                if ch.handle_time_means is not None and seg.handle_time is not None:
                    problems.append(
                        f"channels.{name}.segments.{seg_name}.handle_time: not with the "
                        "channel's handle_time_means (the per-period means scale the "
                        "channel's handle time; give this segment none of its own)"
                    )
            if ch.handle_time_means is not None and len(ch.handle_time_means) != p:
                problems.append(
                    f"channels.{name}.handle_time_means: has {len(ch.handle_time_means)} "
                    f"values, expected one per period ({p})"
                )
            for i, row in enumerate(ch.arrival_paths or ()):
                if len(row) != p:
                    problems.append(
                        f"channels.{name}.arrival_paths: row {i} has {len(row)} values, "
                        f"expected one per period ({p})"
                    )
        served: set[str] = set()
        for name, g in self.groups.items():
            where = f"groups.{name}"
            if isinstance(g.agents, tuple) and len(g.agents) != p:
                problems.append(
                    f"{where}.agents: has {len(g.agents)} values, expected one per period ({p})"
                )
            if isinstance(g.shrinkage, tuple) and len(g.shrinkage) != p:
                problems.append(
                    f"{where}.shrinkage: has {len(g.shrinkage)} values, "
                    f"expected one per period ({p})"
                )
            for i, sh in enumerate(g.shifts or ()):
                problems.extend(self._shift_problems(f"{where}.shifts[{i}]", sh))
                if sh.days is not None and self.calendar is None:
                    problems.append(
                        f"{where}.shifts[{i}].days: needs a calendar (calendar.start_date or "
                        "calendar.first_weekday: the weekday of the first period)"
                    )
            for i, s in enumerate(g.skills):
                if s not in self.channels:
                    problems.append(f"{where}.skills[{i}]: unknown channel '{s}'")
            for c in (g.pickup.channels or {}) if g.pickup is not None else ():
                if c in self.channels and self.channels[c].mode == "concurrent":
                    problems.append(
                        f"{where}.pickup.channels.{c}: '{c}' is concurrent; its sessions are "
                        "answered at once (a pick-up delay is for synchronous and deferred "
                        "channels)"
                    )
            served.update(g.skills)
        for name in self.channels:
            if name not in served:
                problems.append(f"channels.{name}: no group has this channel in its skills")
        problems.extend(self._cost_problems())
        for name in self.journeys.resolution:
            if name not in self.channels:
                problems.append(f"journeys.resolution.{name}: unknown channel '{name}'")
        totals: dict[tuple[str, str], float] = {}
        for i, t in enumerate(self.journeys.transitions):
            for key, ch_name in (("from", t.source), ("to", t.to)):
                if ch_name not in self.channels:
                    problems.append(f"journeys.transitions[{i}].{key}: unknown channel '{ch_name}'")
            src = self.channels.get(t.source)
            dst = self.channels.get(t.to)
            if t.on == "chase" and src is not None and src.mode != "deferred":
                problems.append(
                    f"journeys.transitions[{i}].from: 'chase' starts from a deferred channel, "
                    f"'{t.source}' is {src.mode}"
                )
            if t.on == "chase" and dst is not None and not dst.is_live:
                problems.append(
                    f"journeys.transitions[{i}].to: a chase goes to a live channel, "
                    f"'{t.to}' is deferred"
                )
            if t.on == "balk" and src is not None and src.balking is None:
                problems.append(
                    f"journeys.transitions[{i}].from: 'balk' transitions need "
                    f"channels.{t.source}.balking (the announced-wait threshold)"
                )
            totals[(t.source, t.on)] = totals.get((t.source, t.on), 0.0) + t.probability
        problems.extend(rule_problems(self.shaping or (), self.channels, self.groups))
        loss = self.journeys.context_loss
        for i, r in enumerate(self.shaping or ()):
            if r.do.carry_context and (loss is None or loss.carry):
                problems.append(
                    f"shaping[{i}].do.carry_context: needs journeys.context_loss (without "
                    f"carry: true): there is no lost context to carry (rule {r.name!r})"
                )
        for (origin, on), total in totals.items():
            if total > 1 + 1e-9:
                problems.append(
                    f"journeys.transitions: probabilities from ({origin}, {on}) sum to "
                    f"{total:g}, must be at most 1"
                )
        problems.extend(self._calendar_problems())
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _calendar_problems(self) -> list[str]:
        hours = self.calendar.opening_hours if self.calendar is not None else None
        out = []
        step = self.interval_minutes
        for key, span in (hours or {}).items():
            if isinstance(span, str):
                continue
            for clock in span:
                if (clock_minutes(clock) - clock_minutes(self.start)) % step:
                    out.append(
                        f"calendar.opening_hours.{key}: {clock} is not on the {step}-minute "
                        f"interval grid starting {self.start}"
                    )
        return out

    def _cost_problems(self) -> list[str]:
        if self.costs is None:
            return []
        out = []
        for key, known, what in (
            ("wage_per_hour", self.groups, "group"),
            ("per_handled", self.channels, "channel"),
            ("per_abandoned", self.channels, "channel"),
        ):
            for name in getattr(self.costs, key):
                if name not in known:
                    out.append(f"costs.{key}.{name}: unknown {what} '{name}'")
        return out

    def _shift_problems(self, where: str, sh: Shift) -> list[str]:
        step = self.interval_minutes
        out = []
        spans = [("", sh.start, sh.end)] + [
            (f".breaks[{j}]", b.start, b.end) for j, b in enumerate(sh.breaks)
        ]
        for suffix, begin, finish in spans:
            for key, clock in (("start", begin), ("end", finish)):
                if (clock_minutes(clock) - clock_minutes(self.start)) % step:
                    out.append(
                        f"{where}{suffix}.{key}: {clock} is not on the {step}-minute "
                        f"interval grid starting {self.start}"
                    )
        for j, brk in enumerate(sh.breaks):
            first = clock_minutes(brk.start)
            inside = all(
                _covers(sh.start, sh.end, m % MINUTES_PER_DAY)
                for m in range(first, first + _span(brk.start, brk.end))
            )
            if not inside:
                out.append(f"{where}.breaks[{j}]: {brk.start}-{brk.end} is outside the shift")
            if brk.count is not None and brk.count > sh.count:
                out.append(
                    f"{where}.breaks[{j}].count: {brk.count} is more than the shift's {sh.count}"
                )
        return out

    # -- derived quantities -------------------------------------------------------------
    @property
    def interval_seconds(self) -> float:
        return self.interval_minutes * 60.0

    @property
    def horizon_seconds(self) -> float:
        """Length of the simulated periods (s); arrivals stop here, then the run drains."""
        return self.periods * self.interval_seconds

    @property
    def warmup_seconds(self) -> float:
        return self.warmup_minutes * 60.0

    def scheduled(self, group: str) -> tuple[int, ...]:
        """Scheduled agents of ``group`` per period (agents list or shifts)."""
        return self.groups[group].agents_per_period(
            self.periods, self.interval_minutes, self.start, self.days
        )

    def productive(self, group: str) -> tuple[int, ...]:
        """Agents of ``group`` able to take contacts per period (after shrinkage)."""
        return self.groups[group].productive_per_period(
            self.periods, self.interval_minutes, self.start, self.days
        )

    @property
    def days(self) -> Days | None:
        """The calendar's days (weekdays, holidays, opening hours), or None."""
        return None if self.calendar is None else Days.of(self.calendar)

    def day_of_period(self) -> np.ndarray:
        """Day index (0 = the first period's day) of each period's start."""
        t0 = clock_minutes(self.start)
        return (t0 + np.arange(self.periods) * self.interval_minutes) // MINUTES_PER_DAY

    @property
    def day_count(self) -> int:
        """Days the periods touch (1 for a single day, 7 for a whole week from 00:00)."""
        return int(self.day_of_period()[-1]) + 1

    @property
    def spans_days(self) -> bool:
        """Results per day make sense: the periods touch several days of a calendar, or
        last longer than one day (a night from 22:00 to 06:00 is not two days)."""
        if self.day_count == 1:
            return False
        return self.calendar is not None or self.periods * self.interval_minutes > MINUTES_PER_DAY

    def day_labels(self) -> list[str]:
        """Label of each day: ``Mon 2026-12-07`` / ``Mon`` with a calendar, else
        ``day 1``, ``day 2``, ..."""
        days = self.days
        n = self.day_count
        if days is None:
            return [f"day {d + 1}" for d in range(n)]
        return [days.label(d) for d in range(n)]

    def open_periods(self) -> tuple[bool, ...]:
        """Per period: are the lines open (the calendar's holidays and opening hours)?"""
        days = self.days
        if days is None:
            return (True,) * self.periods
        t0 = clock_minutes(self.start)
        return tuple(
            days.is_open(*day_and_minute(t0, self.interval_minutes, p)) for p in range(self.periods)
        )

    def _day_prefixes(self) -> list[str]:
        """Short day names for period labels, unique over the horizon: ``Mon`` within a
        week, ``Mon 12-14`` (or ``Mon w2``) beyond; ``d2`` without a calendar."""
        n, days = self.day_count, self.days
        if days is None:
            return [f"d{d + 1}" for d in range(n)]
        out = []
        for d in range(n):
            name = days.label(d).split(" ")[0]
            if n > DAYS_PER_WEEK:
                date = days.date(d)
                name += f" {date.isoformat()[5:]}" if date is not None else f" w{d // 7 + 1}"
            out.append(name)
        return out

    def arrivals(self, channel: str) -> tuple[float, ...]:
        """Expected new journeys of ``channel`` per period, none while its lines are
        closed (live channels only: email keeps arriving)."""
        ch = self.channels[channel]
        out = ch.arrivals_per_period(self.periods)
        if self.calendar is None or not ch.is_live:
            return out
        return tuple(x if o else 0.0 for x, o in zip(out, self.open_periods(), strict=True))

    def period_labels(self) -> list[str]:
        """Label of each period's start: the clock (HH:MM) within one day; over several
        days with the day (``Mon 08:00`` with a calendar, ``d2 08:00`` without)."""
        clocks = clock_labels(self.start, self.interval_minutes, self.periods)
        if self.calendar is None and not self.spans_days:
            return clocks
        names = self._day_prefixes()
        return [f"{names[d]} {c}" for d, c in zip(self.day_of_period(), clocks, strict=True)]

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data in the file format (round-trips through YAML)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def updated(self, changes: Mapping[str, Any]) -> Scenario:
        """A validated copy with values replaced at dotted paths.

        Paths use the file's keys, e.g. ``{"groups.phones.agents": 42,
        "journeys.transitions[0].probability": 0.2}``; the value None removes an optional
        key (``{"groups.phones.shifts": None, "groups.phones.agents": [...]}``). The
        original is untouched.
        """
        data = copy.deepcopy(self.to_dict())
        for path, value in changes.items():
            _set_path(data, path, value)
        return parse_scenario(data, source="updated scenario")


def _set_path(data: Any, path: str, value: Any) -> None:
    parts: list[str | int] = []
    for token in path.split("."):
        m = re.fullmatch(r"([^\[\]]+)((?:\[\d+\])*)", token)
        if not m:
            raise ScenarioError([f"{path}: not a valid field path"])
        parts.append(m[1])
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", m[2]))
    node = data
    for i, key in enumerate(parts):
        last = i == len(parts) - 1
        where = path if last else ".".join(str(p) for p in parts[: i + 1])
        if isinstance(key, int):
            if not isinstance(node, list) or key >= len(node):
                raise ScenarioError([f"{path}: no item [{key}] at {where}"])
        elif not isinstance(node, dict) or (not last and key not in node):
            raise ScenarioError([f"{path}: no field '{key}'"])
        if last:
            if value is None and isinstance(node, dict):
                node.pop(key, None)  # None unsets an optional key (e.g. shifts)
            else:
                node[key] = value
        else:
            node = node[key]


def format_validation_error(err: Mapping[str, Any]) -> list[str]:
    raw = err["loc"]
    # drop the union tag pydantic adds after a distribution field (handle_time.lognormal.cv)
    loc = [
        part
        for i, part in enumerate(raw)
        if not (part in _DIST_TAGS and i > 0 and raw[i - 1] in _DIST_FIELDS)
    ]
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    kind, ctx, msg = err["type"], err.get("ctx") or {}, err["msg"]
    got = err.get("input")
    if kind == "value_error":
        text = str(ctx.get("error", msg.removeprefix("Value error, ")))
        out = []
        for line in text.split("\n"):
            if not path:  # cross-field checks carry their own full paths
                out.append(line)
            elif re.match(r"^[\w.\[\]]+: ", line):  # "field: problem" inside this object
                out.append(f"{path}.{line}")
            else:
                out.append(f"{path}: {line}")
        return out
    problem = {
        "greater_than": f"must be > {ctx.get('gt')}",
        "greater_than_equal": f"must be >= {ctx.get('ge')}",
        "less_than": f"must be < {ctx.get('lt')}",
        "less_than_equal": f"must be <= {ctx.get('le')}",
        "extra_forbidden": "unknown key",
        "missing": "required",
        "too_short": "must not be empty",
        "union_tag_not_found": "needs a 'distribution' key "
        "(exponential, lognormal, gamma, weibull, fixed, empirical)",
        "union_tag_invalid": f"unknown distribution {quote(ctx.get('tag'))} "
        f"(expected one of {ctx.get('expected_tags')})",
        "int_from_float": "must be a whole number",
        "int_parsing": "must be a whole number",
        "float_parsing": "must be a number",
        "float_type": "must be a number",
        "int_type": "must be a whole number",
        "dict_type": "must be a mapping of keys to values",
        "model_type": "must be a mapping of keys to values",
        "model_attributes_type": "must be a mapping of keys to values",
    }.get(kind)
    if problem is None:
        problem = msg[0].lower() + msg[1:] if msg else kind
        problem = problem.replace("input should be", "must be")
    if kind not in ("missing", "extra_forbidden", "too_short") and not kind.startswith("union"):
        problem += f", got {quote(got)}"
    return [f"{clip(path) or '(top level)'}: {problem}"]


def parse_scenario(
    data: Any, source: str | None = None, base_dir: str | Path | None = None
) -> Scenario:
    """Validate plain data (as read from YAML) into a :class:`Scenario`.

    Raises :class:`ScenarioError` naming every bad field. Files named in the scenario
    (e.g. empirical samples) are read relative to ``base_dir``.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(
            [f"(top level): must be a mapping of scenario keys, got {type(data).__name__}"],
            source,
        )
    try:
        return Scenario.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        problems: list[str] = []
        for err in exc.errors(include_url=False):
            problems.extend(format_validation_error(err))
        raise ScenarioError(problems, source) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    path = Path(path)
    data, problems = read_yaml_file(path)
    if problems:
        raise ScenarioError(problems, str(path))
    return parse_scenario(data, source=str(path), base_dir=path.parent)
