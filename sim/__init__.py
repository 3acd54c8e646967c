"""ccsim: an omnichannel contact-centre simulator where customers hop between channels.

Load a scenario, simulate it, read DataFrames::

    import sim
    sc = sim.load_scenario("scenarios/retail_bank.yaml")
    res = sim.simulate(sc, replications=20)
    res.channels          # per channel KPIs: mean and 95% CI half-width
    sim.compare(res, sim.simulate(sc.updated({"groups.phones.agents": 30})))
"""

from .erlang import QueueMetrics, erlang_a, erlang_b, erlang_c, required_agents
from .results import Result
from .runner import Replication, collect, compare, simulate, simulate_replication
from .scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from .sweep_spec import SweepError, SweepPlan, load_sweep, plan_sweep
from .sweeps import sweep

__all__ = [
    "QueueMetrics",
    "Replication",
    "Result",
    "Scenario",
    "ScenarioError",
    "SweepError",
    "SweepPlan",
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
    "simulate",
    "simulate_replication",
    "sweep",
]
__version__ = "0.1.0"
