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
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .distributions import Distribution, Fixed

__all__ = [
    "Channel",
    "Group",
    "Journeys",
    "Scenario",
    "ScenarioError",
    "ServiceLevel",
    "Transition",
    "load_scenario",
    "parse_scenario",
]

CHANNEL_MODES = ("synchronous", "concurrent", "deferred")
EVENTS = ("abandon", "unresolved", "balk", "chase")
_DIST_TAGS = {"exponential", "lognormal", "gamma", "weibull", "fixed", "empirical"}


class ScenarioError(ValueError):
    """A scenario is invalid. ``problems`` holds one ``"field.path: problem"`` per error."""

    def __init__(self, problems: Sequence[str], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{head}invalid scenario\n{lines}")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _per_period(value: Any, *, integer: bool, what: str) -> float | tuple[float, ...]:
    """Accept one number or a list of numbers, each finite and >= 0."""

    def check(x: Any, where: str) -> float:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ValueError(f"{where}must be a number, got {x!r}")
        if not math.isfinite(x) or x < 0:
            raise ValueError(f"{where}must be >= 0, got {x!r}")
        if integer and x != int(x):
            raise ValueError(f"{where}must be a whole number of {what}, got {x!r}")
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


class Channel(_Frozen):
    """One contact channel (voice, chat, email, messaging, ...)."""

    mode: Literal["synchronous", "concurrent", "deferred"] = "synchronous"
    concurrency: int | None = Field(default=None, ge=1)
    arrivals: float | tuple[float, ...]
    """New journeys per interval: one number for every interval, or one per period."""
    handle_time: Distribution
    patience: Distribution | None = None
    """Time (s) a waiting customer tolerates before abandoning; None = infinitely patient."""
    service_level: ServiceLevel | None = None

    @field_validator("arrivals", mode="before")
    @classmethod
    def _arrivals(cls, v: Any) -> Any:
        return _per_period(v, integer=False, what="contacts")

    @model_validator(mode="after")
    def _mode_options(self) -> Channel:
        if self.mode == "concurrent" and self.concurrency is None:
            raise ValueError("concurrency: required when mode is 'concurrent'")
        if self.mode != "concurrent" and self.concurrency not in (None, 1):
            raise ValueError("concurrency: only allowed when mode is 'concurrent'")
        return self

    def arrivals_per_period(self, periods: int) -> tuple[float, ...]:
        """Expected new journeys in each of ``periods`` intervals."""
        a = self.arrivals
        return a if isinstance(a, tuple) else (a,) * periods


class Group(_Frozen):
    """A group of agents sharing a skill list (channels in priority order)."""

    skills: tuple[str, ...] = Field(min_length=1)
    agents: int | tuple[int, ...]
    """Scheduled agents: one number for every interval, or one per period."""

    @field_validator("agents", mode="before")
    @classmethod
    def _agents(cls, v: Any) -> Any:
        return _per_period(v, integer=True, what="agents")

    @field_validator("skills")
    @classmethod
    def _unique(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        dup = sorted({s for s in v if v.count(s) > 1})
        if dup:
            raise ValueError(f"lists {', '.join(dup)} more than once")
        return v

    def agents_per_period(self, periods: int) -> tuple[int, ...]:
        a = self.agents
        return a if isinstance(a, tuple) else (a,) * periods


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


class Journeys(_Frozen):
    """Customer journey behaviour across channels."""

    max_attempts: int = Field(default=5, ge=1)
    """Contacts one journey may make at most (first contact included)."""
    resolution: dict[str, float] = Field(default_factory=dict)
    """First-contact resolution per channel (probability, default 1)."""
    transitions: tuple[Transition, ...] = ()

    @field_validator("resolution")
    @classmethod
    def _probabilities(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [f"{k}={p}" for k, p in v.items() if not 0 <= p <= 1]
        if bad:
            raise ValueError(f"must be probabilities in [0, 1], got {', '.join(bad)}")
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

    @field_validator("start")
    @classmethod
    def _clock(cls, v: str) -> str:
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", v)
        if not m or int(m[1]) > 23 or int(m[2]) > 59:
            raise ValueError(f"must be a clock time HH:MM, got {v!r}")
        return v

    @model_validator(mode="after")
    def _cross_fields(self) -> Scenario:
        problems: list[str] = []
        p = self.periods
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
            if ch.mode != "synchronous":
                problems.append(
                    f"channels.{name}.mode: '{ch.mode}' channels are not supported yet; "
                    "use 'synchronous'"
                )
        served: set[str] = set()
        for name, g in self.groups.items():
            if isinstance(g.agents, tuple) and len(g.agents) != p:
                problems.append(
                    f"groups.{name}.agents: has {len(g.agents)} values, "
                    f"expected one per period ({p})"
                )
            for i, s in enumerate(g.skills):
                if s not in self.channels:
                    problems.append(f"groups.{name}.skills[{i}]: unknown channel '{s}'")
            served.update(g.skills)
        for name in self.channels:
            if name not in served:
                problems.append(f"channels.{name}: no group has this channel in its skills")
        for name in self.journeys.resolution:
            if name not in self.channels:
                problems.append(f"journeys.resolution.{name}: unknown channel '{name}'")
        totals: dict[tuple[str, str], float] = {}
        for i, t in enumerate(self.journeys.transitions):
            for key, ch_name in (("from", t.source), ("to", t.to)):
                if ch_name not in self.channels:
                    problems.append(f"journeys.transitions[{i}].{key}: unknown channel '{ch_name}'")
            if t.on in ("balk", "chase"):
                problems.append(
                    f"journeys.transitions[{i}].on: '{t.on}' transitions are not supported "
                    "yet; use 'abandon' or 'unresolved'"
                )
            totals[(t.source, t.on)] = totals.get((t.source, t.on), 0.0) + t.probability
        for (src, on), total in totals.items():
            if total > 1 + 1e-9:
                problems.append(
                    f"journeys.transitions: probabilities from ({src}, {on}) sum to "
                    f"{total:g}, must be at most 1"
                )
        if problems:
            raise ValueError("\n".join(problems))
        return self

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

    def period_labels(self) -> list[str]:
        """Clock label (HH:MM, wrapping at midnight) of each period's start."""
        h, m = (int(x) for x in self.start.split(":"))
        t0 = h * 60 + m
        return [
            f"{(t0 + i * self.interval_minutes) // 60 % 24:02d}:"
            f"{(t0 + i * self.interval_minutes) % 60:02d}"
            for i in range(self.periods)
        ]

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data in the file format (round-trips through YAML)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def updated(self, changes: Mapping[str, Any]) -> Scenario:
        """A validated copy with values replaced at dotted paths.

        Paths use the file's keys, e.g. ``{"groups.phones.agents": 42,
        "journeys.transitions[0].probability": 0.2}``. The original is untouched.
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
            node[key] = value
        else:
            node = node[key]


def _format_error(err: Mapping[str, Any]) -> list[str]:
    loc = [
        part
        for i, part in enumerate(err["loc"])
        if not (isinstance(part, str) and part in _DIST_TAGS and i > 0 and i < len(err["loc"]) - 1)
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
        lines = text.split("\n")
        # cross-field checks already carry their own full paths
        if len(lines) > 1 or not path:
            if path:
                return [f"{path}.{ln}" for ln in lines]
            return lines
        return [f"{path}: {text}"]
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
        "union_tag_invalid": f"unknown distribution {ctx.get('tag')!r} "
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
        problem += f", got {got!r}"
    return [f"{path or '(top level)'}: {problem}"]


def parse_scenario(data: Any, source: str | None = None) -> Scenario:
    """Validate plain data (as read from YAML) into a :class:`Scenario`.

    Raises :class:`ScenarioError` naming every bad field.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(
            [f"(top level): must be a mapping of scenario keys, got {type(data).__name__}"],
            source,
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems: list[str] = []
        for err in exc.errors(include_url=False):
            problems.extend(_format_error(err))
        raise ScenarioError(problems, source) from None


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false, so ``on:`` stays a key."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def read_yaml(text: str) -> Any:
    """Parse YAML text as scenario files are parsed (YAML 1.2 booleans)."""
    return yaml.load(text, Loader=_Yaml12Loader)  # noqa: S506 - a SafeLoader subclass


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([f"cannot read file: {exc.strerror or exc}"], str(path)) from None
    try:
        data = read_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"{where}not valid YAML ({problem})"], str(path)) from None
    return parse_scenario(data, source=str(path))
