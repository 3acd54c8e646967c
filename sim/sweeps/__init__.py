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

__all__ = ["SAMPLED_VARIANTS", "check_sweep_memory", "sweep", "sweep_table"]


def __getattr__(name: str) -> Any:
    if name in __all__:  # the old ``sim.sweeps`` module's names, loaded on use
        from sim.sweeps import run

        return getattr(run, name)
    raise AttributeError(f"module 'sim.sweeps' has no attribute {name!r}")
