"""Sweep files: a base scenario, the parameters to vary, and how to combine them.

A sweep file is YAML with the top-level keys ``base``, ``grid``, ``zip``,
``variants``, ``replications`` and ``seed``::

    base: retail_bank.yaml            # path relative to this file, or an inline scenario
    grid:                             # cartesian product of every list
      groups.phones.agents: [30, 35, 40]
      groups.digital.agents: [20, 25]
    zip:                              # lists of equal length, taken side by side
      channels.voice.patience.mean: [120, 180]
      journeys.transitions[0].probability: [0.3, 0.2]
    variants:                         # an explicit list of changes
      - {}                            # the base scenario itself
      - {channels.voice.handle_time.mean: 270}
    replications: 10                  # default: the base scenario's
    seed: 7                           # default: the base scenario's

Parameters are addressed by the dotted paths of :meth:`Scenario.updated`. The
sections multiply: every explicit variant, crossed with every grid point, crossed
with every zip row (a missing section contributes one empty change). Variants are
numbered (``run_id``) in that order: explicit variants slowest, then the grid keys
in file order (the last fastest), then the zip rows.

Every variant is built and validated by :func:`plan_sweep` before anything runs; a
bad path or value fails the whole sweep with the variant and the field named.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator

from sim.config.frozen import Frozen
from sim.config.scenario import (
    Scenario,
    ScenarioError,
    format_validation_error,
    load_scenario,
    parse_scenario,
    problem_lines,
    read_yaml_file,
)
from sim.measure.kpi_offers import RULE_KPIS
from sim.measure.workload import SWEEP_FIXED_COLUMNS, SWEEP_SEGMENT_COLUMNS, check_plan

__all__ = [
    "OUTPUT_COLUMNS",
    "SweepError",
    "SweepPlan",
    "SweepSpec",
    "Variant",
    "count_variants",
    "load_sweep",
    "parameter_value",
    "parse_sweep",
    "plan_sweep",
]

MAX_LISTED_PROBLEMS = 20
"""Invalid-variant problems listed in full; the rest are counted."""

OUTPUT_COLUMNS = ("run_id", "replication", "seed", "channel")
"""Identifier columns of a sweep table (swept parameters follow ``seed``)."""

_RESERVED_PATHS = {"seed", "replications"}
_KEY_FORMAT = 1  # bump when the per-replication rows change shape


class SweepError(ScenarioError):
    """A sweep file is invalid. ``problems`` holds one ``"where: problem"`` per error."""

    def __init__(self, problems: Sequence[str], source: str | None = None):
        super().__init__(problems, source)
        head = f"{source}: " if source else ""
        self.args = (f"{head}invalid sweep\n{problem_lines(self.problems)}",)

    def __str__(self) -> str:
        return str(self.args[0])


class SweepSpec(Frozen):
    """A sweep file as written: validated for shape, not yet expanded."""

    base: str | dict[str, Any]
    """Path of the base scenario (relative to the sweep file) or the scenario inline."""
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    """Path -> values; every combination of the lists is a variant."""
    zip_: dict[str, list[Any]] = Field(default_factory=dict, alias="zip")
    """Path -> values; lists of equal length, row i of each forms one variant."""
    variants: list[dict[str, Any]] = Field(default_factory=list)
    """Explicit variants, each a mapping of path -> value (``{}`` is the base)."""
    replications: int | None = Field(default=None, ge=1)
    """Replications per variant (default: the base scenario's)."""
    seed: int | None = Field(default=None, ge=0)
    """Seed shared by every variant (default: the base scenario's)."""

    @field_validator("grid", "zip_")
    @classmethod
    def _non_empty_lists(cls, v: dict[str, list[Any]]) -> dict[str, list[Any]]:
        empty = [k for k, vals in v.items() if not vals]
        if empty:
            raise ValueError(f"{empty[0]}: needs at least one value")
        return v

    @field_validator("zip_")
    @classmethod
    def _equal_lengths(cls, v: dict[str, list[Any]]) -> dict[str, list[Any]]:
        lengths = {k: len(vals) for k, vals in v.items()}
        if len(set(lengths.values())) > 1:
            sizes = ", ".join(f"{k} has {n}" for k, n in lengths.items())
            raise ValueError(f"lists must have equal lengths ({sizes})")
        return v


@dataclass(frozen=True, eq=False)
class Variant:
    """One scenario of a sweep.

    ``key`` identifies its results: a hash of the resolved scenario, the seed, the
    replications and the ccsim version, so finished variants can be found again.
    """

    run_id: int
    changes: Mapping[str, Any]
    scenario: Scenario
    key: str


@dataclass(frozen=True, eq=False)
class SweepPlan:
    """A validated sweep: every variant built, ready to run."""

    base: Scenario
    variants: tuple[Variant, ...]
    parameters: tuple[str, ...]
    """Swept paths, in column order."""
    replications: int
    seed: int
    source: str | None = None

    @property
    def tasks(self) -> int:
        """Variant-replications in the sweep."""
        return len(self.variants) * self.replications


def load_sweep(path: str | Path) -> SweepSpec:
    """Read a sweep YAML file (shape only; :func:`plan_sweep` validates the variants)."""
    path = Path(path)
    data, problems = read_yaml_file(path)
    if problems:
        raise SweepError(problems, str(path))
    return parse_sweep(data, source=str(path))


def parse_sweep(data: Any, source: str | None = None) -> SweepSpec:
    """Validate plain data (as read from YAML) into a :class:`SweepSpec`."""
    if not isinstance(data, Mapping):
        raise SweepError(
            [f"(top level): must be a mapping of sweep keys, got {type(data).__name__}"], source
        )
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        problems: list[str] = []
        for err in exc.errors(include_url=False):
            problems.extend(format_validation_error(err))
        raise SweepError(problems, source) from None


def count_variants(spec: SweepSpec) -> int:
    """Variants the sweep expands to, counted without building them."""
    rows = len(next(iter(spec.zip_.values()))) if spec.zip_ else 1
    return max(len(spec.variants), 1) * math.prod(len(v) for v in spec.grid.values()) * rows


def table_columns(base: Scenario, parameters: Sequence[str]) -> int:
    """Columns of the sweep's results table, about (exactly: see :mod:`sim.sweeps`)."""
    names = {s for ch in base.channels.values() for s in ch.segments or {}}
    fixed = SWEEP_FIXED_COLUMNS + 3 * len(base.groups) + len(parameters)
    rules = len(RULE_KPIS) * len(base.shaping or ())
    return fixed + SWEEP_SEGMENT_COLUMNS * len(names) + rules


def plan_sweep(
    spec: SweepSpec | Mapping[str, Any] | str | Path,
    *,
    root: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepPlan:
    """Expand a sweep into variants and validate every one of them.

    Parameters
    ----------
    spec : a sweep file path, its parsed data, or a :class:`SweepSpec`.
    root : directory a relative ``base`` path is resolved against (default: the
        sweep file's directory, or the working directory for data).
    progress : called as ``progress(done, total)`` as the variants are built and
        validated (``done`` 0 first).

    Raises
    ------
    SweepError
        naming the variant (its number and changes) and the field, for every bad
        path or value, before any simulation runs.
    WorkloadError
        when the variants would not fit in memory, before any is built.
    """
    source: str | None = None
    if isinstance(spec, (str, Path)):
        source = str(spec)
        root = Path(spec).parent if root is None else root
        spec = load_sweep(spec)
    elif not isinstance(spec, SweepSpec):
        spec = parse_sweep(spec)
    base = _load_base(spec.base, Path(root or "."), source)
    problems = _section_problems(spec)
    if problems:
        raise SweepError(problems, source)
    seed = base.seed if spec.seed is None else spec.seed
    reps = base.replications if spec.replications is None else spec.replications
    total = count_variants(spec)
    parameters = tuple(
        dict.fromkeys([*(p for v in spec.variants for p in v), *spec.grid, *spec.zip_])
    )
    check_plan(total, base, reps, table_columns(base, parameters), source=source)
    if progress is not None:
        progress(0, total)
    combos = _expand(spec)
    variants: list[Variant] = []
    bad: list[str] = []
    invalid = 0
    for i, (changes, origins) in enumerate(combos):
        try:
            sc = base.updated(changes)
        except ScenarioError as exc:
            invalid += 1
            bad.extend(
                f"variant {i} ({_describe(changes)}): {p}{_origin(p, origins)}"
                for p in exc.problems
            )
        else:
            variants.append(Variant(i, changes, sc, variant_key(sc, seed, reps)))
        if progress is not None:
            progress(i + 1, total)
    if bad:
        shown = bad[:MAX_LISTED_PROBLEMS]
        if len(bad) > len(shown):
            shown.append(f"... and {len(bad) - len(shown)} more problems")
        shown.append(f"{invalid} of {len(combos)} variants are invalid; nothing was run")
        raise SweepError(shown, source)
    return SweepPlan(base, tuple(variants), parameters, reps, seed, source)


def variant_key(scenario: Scenario, seed: int, replications: int) -> str:
    """A short hash identifying a variant's results (16 hex digits)."""
    from sim import __version__  # here: the package is still importing this module

    data = scenario.to_dict()
    data.pop("seed", None)
    data.pop("replications", None)
    blob = json.dumps(
        {
            "scenario": data,
            "seed": seed,
            "replications": replications,
            "ccsim": __version__,
            "format": _KEY_FORMAT,
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def parameter_value(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of scenario data (``Scenario.to_dict()``); None if absent."""
    node: Any = data
    for token in path.split("."):
        m = re.fullmatch(r"([^\[\]]+)((?:\[\d+\])*)", token)
        if not m or not isinstance(node, dict) or m[1] not in node:
            return None
        node = node[m[1]]
        for idx in re.findall(r"\[(\d+)\]", m[2]):
            if not isinstance(node, list) or int(idx) >= len(node):
                return None
            node = node[int(idx)]
    return node


def _load_base(base: str | dict[str, Any], root: Path, source: str | None) -> Scenario:
    try:
        if isinstance(base, str):
            path = Path(base)
            return load_scenario(path if path.is_absolute() else root / path)
        return parse_scenario(base, source="base")
    except ScenarioError as exc:
        where = f"base ({exc.source})" if isinstance(base, str) else "base"
        raise SweepError([f"{where}: {p}" for p in exc.problems], source) from None


def _section_problems(spec: SweepSpec) -> list[str]:
    """Paths set twice or reserved for the sweep itself."""
    problems: list[str] = []
    owner: dict[str, str] = {}
    sections: list[tuple[str, list[str]]] = [
        ("grid", list(spec.grid)),
        ("zip", list(spec.zip_)),
    ]
    sections += [(f"variants[{i}]", list(v)) for i, v in enumerate(spec.variants)]
    for section, paths in sections:
        for path in paths:
            if path in _RESERVED_PATHS:
                problems.append(
                    f"{section}.{path}: set the sweep's top-level '{path}' instead; "
                    "every variant shares it"
                )
            first = owner.get(path)
            if first is not None and not (
                first.startswith("variants") and section.startswith("variants")
            ):
                problems.append(f"{section}.{path}: also set in {first}")
            owner.setdefault(path, section)
    return problems


def _expand(spec: SweepSpec) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Every variant's changes (path -> value) and where in the file each value is."""
    Part = tuple[dict[str, Any], dict[str, str]]
    axes: list[list[Part]] = []
    if spec.variants:
        axes.append(
            [(dict(v), {p: f"variants[{i}].{p}" for p in v}) for i, v in enumerate(spec.variants)]
        )
    for path, values in spec.grid.items():
        axes.append([({path: v}, {path: f"grid.{path}[{i}]"}) for i, v in enumerate(values)])
    if spec.zip_:
        rows = len(next(iter(spec.zip_.values())))
        axes.append(
            [
                (
                    {p: vals[i] for p, vals in spec.zip_.items()},
                    {p: f"zip.{p}[{i}]" for p in spec.zip_},
                )
                for i in range(rows)
            ]
        )
    out = []
    for combo in itertools.product(*axes):
        changes: dict[str, Any] = {}
        origins: dict[str, str] = {}
        for part_changes, part_origins in combo:
            changes.update(part_changes)
            origins.update(part_origins)
        out.append((changes, origins))
    return out


def _origin(problem: str, origins: Mapping[str, str]) -> str:
    """Where in the sweep file the value behind a scenario problem was set, if known."""
    field = problem.split(":", 1)[0]
    for path, where in origins.items():
        if field == path or field.startswith((f"{path}.", f"{path}[")):
            return f" (set by {where})"
    return ""


def _describe(changes: Mapping[str, Any]) -> str:
    if not changes:
        return "the base scenario"
    parts = []
    for k, v in changes.items():
        text = json.dumps(v) if isinstance(v, (list, dict)) else str(v)
        parts.append(f"{k}={text if len(text) <= 40 else text[:37] + '...'}")
    return ", ".join(parts)
