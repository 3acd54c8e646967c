"""The base of every model read from a file (scenarios, distributions, shift templates,
sweep files): one configuration for all of them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError

from sim.config.quoting import clip

__all__ = ["Frozen", "validation_problems"]


class Frozen(BaseModel):
    """A pydantic model that refuses unknown keys (a misspelt key is an error, not a
    silently ignored setting), cannot be changed once built (so one object is safely
    shared between replications, caches and processes) and accepts fields by their
    Python name as well as by their file alias (``mean_value`` / ``mean``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def validation_problems(
    exc: ValidationError, *, skip: frozenset[str] = frozenset(), own_field: bool = False
) -> list[str]:
    """A validation error of a small file model (shift templates, roster rules, capacity
    plans) as ``field.path: problem`` lines. ``skip``: location parts left out of the
    paths (a union's arm names); ``own_field``: a whole-model check's message that names
    its own field (``field: problem``) is kept as it is."""
    problems = []
    for err in exc.errors(include_url=False):
        path = ""
        for part in err["loc"]:
            if str(part) in skip:
                continue
            path += f"[{part}]" if isinstance(part, int) else ("." if path else "") + str(part)
        msg = str(err.get("ctx", {}).get("error", err["msg"])).removeprefix("Value error, ")
        if own_field and not path and ": " in msg:
            problems.append(clip(msg))
        else:
            problems.append(f"{clip(path) or '(top level)'}: {clip(msg)}")
    return problems
