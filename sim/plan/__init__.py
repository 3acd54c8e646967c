"""Planning on top of the simulator.

* :mod:`~sim.plan.erlang`: Erlang B / C / A (exact birth-death solutions);
* :mod:`~sim.plan.staffing`: agents each channel needs per interval (the one analytic
  calculator used by the app, the CLI and the report);
* :mod:`~sim.plan.optimise`: the simulation-based staffing optimiser;
* :mod:`~sim.plan.shifts`: shift scheduling as a MILP (HiGHS);
* :mod:`~sim.plan.whatif`: reallocating agents between groups.
"""
