"""The base of every model read from a file (scenarios, distributions, shift templates,
sweep files): one configuration for all of them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Frozen"]


class Frozen(BaseModel):
    """A pydantic model that refuses unknown keys (a misspelt key is an error, not a
    silently ignored setting), cannot be changed once built (so one object is safely
    shared between replications, caches and processes) and accepts fields by their
    Python name as well as by their file alias (``mean_value`` / ``mean``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
