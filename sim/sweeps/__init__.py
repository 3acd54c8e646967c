"""Batch sweeps: many variants of a scenario, run serially, in a process pool or on Dask.

* :mod:`~sim.sweeps.spec`: sweep files (``base``, ``grid``, ``zip``, ``variants``) and
  their validation;
* :mod:`~sim.sweeps.tasks`: the unit of work (one variant's replications);
* :mod:`~sim.sweeps.backends`: serial, process-pool and Dask execution;
* :mod:`~sim.sweeps.store`: resumable output (finished variants kept as parts);
* :mod:`~sim.sweeps.run`: :func:`sweep`, tying them together.
"""

from __future__ import annotations

from typing import Any

__all__ = ["sweep"]


def __getattr__(name: str) -> Any:
    if name == "sweep":  # the old ``sim.sweeps`` module's function, loaded on use
        from .run import sweep

        return sweep
    raise AttributeError(f"module 'sim.sweeps' has no attribute {name!r}")
