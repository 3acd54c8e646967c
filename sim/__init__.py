"""ccsim: an omnichannel contact-centre simulator where customers hop between channels.

Load a scenario, simulate it, read DataFrames::

    import sim
    sc = sim.load_scenario("scenarios/retail_bank.yaml")
    res = sim.simulate(sc, replications=20)
    res.channels          # per channel KPIs: mean and 95% CI half-width
    sim.compare(res, sim.simulate(sc.updated({"groups.phones.agents": 30})))

The package is laid out by layer, each depending only on those above it:

==================  =====================================================================
``sim.config``      what a scenario is: the scenario model, distributions, YAML reading,
                    clock times, output files
``sim.engine``      one replication: compiled model, random draws, event calendar,
                    callbacks, raw per-contact records
``sim.measure``     KPI definitions, replications and results, journey paths
``sim.plan``        Erlang formulas, staffing requirements, the simulation optimiser,
                    shift scheduling, weekly rosters, capacity plans, what-ifs
``sim.sweeps``      batch sweeps: sweep files, tasks, process-pool and Dask backends
``sim.present``     charts, the manager's report, display helpers for the app (the
                    Streamlit app is the top-level ``app.py``; ``ccsim app`` runs it)
``sim.cli``         the ``ccsim`` command line (a leaf: nothing imports it)
==================  =====================================================================

Names are imported on first use, so ``import sim`` is cheap (``ccsim validate`` does not
load pandas or scipy). Modules moved in the layout change keep their old import paths
(``sim.scenario``, ``sim.runner``, ...) through :mod:`sim._moved`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._moved import MOVED
from ._moved import install as _install_moved

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "QueueMetrics": "sim.plan.erlang",
    "erlang_a": "sim.plan.erlang",
    "erlang_b": "sim.plan.erlang",
    "erlang_c": "sim.plan.erlang",
    "required_agents": "sim.plan.erlang",
    "Result": "sim.measure.results",
    "Replication": "sim.measure.runner",
    "collect": "sim.measure.runner",
    "compare": "sim.measure.runner",
    "simulate": "sim.measure.runner",
    "simulate_replication": "sim.measure.runner",
    "Scenario": "sim.config.scenario",
    "ScenarioError": "sim.config.scenario",
    "load_scenario": "sim.config.scenario",
    "parse_scenario": "sim.config.scenario",
    "SweepError": "sim.sweeps.spec",
    "SweepPlan": "sim.sweeps.spec",
    "load_sweep": "sim.sweeps.spec",
    "plan_sweep": "sim.sweeps.spec",
    "sweep": "sim.sweeps.run",
    "roster": "sim.plan.roster",
    "capacity": "sim.plan.capacity",
}
# subpackages (and old module paths) reachable as attributes after a bare `import sim`
_SUBPACKAGES = ("cli", "config", "engine", "measure", "plan", "present", "sweeps")

__all__ = [
    "QueueMetrics",
    "Replication",
    "Result",
    "Scenario",
    "ScenarioError",
    "SweepError",
    "SweepPlan",
    "capacity",
    "collect",
    "compare",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "load_scenario",
    "load_sweep",
    "parse_scenario",
    "plan_sweep",
    "required_agents",
    "roster",
    "simulate",
    "simulate_replication",
    "sweep",
]

_install_moved()


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        if f"sim.{name}" in MOVED or name in _SUBPACKAGES:  # sim.scenario, sim.engine, ...
            value = importlib.import_module(f"sim.{name}")
            globals()[name] = value
            return value
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, eagerly
    from sim.config.scenario import Scenario, ScenarioError, load_scenario, parse_scenario
    from sim.measure.results import Result
    from sim.measure.runner import Replication, collect, compare, simulate, simulate_replication
    from sim.plan.capacity import capacity
    from sim.plan.erlang import QueueMetrics, erlang_a, erlang_b, erlang_c, required_agents
    from sim.plan.roster import roster
    from sim.sweeps.run import sweep
    from sim.sweeps.spec import SweepError, SweepPlan, load_sweep, plan_sweep
