"""Planning on top of the simulator.

* :mod:`~sim.plan.erlang`: Erlang B / C / A (exact birth-death solutions);
* :mod:`~sim.plan.staffing`: agents each channel needs per interval (the one analytic
  calculator used by the app, the CLI and the report);
* :mod:`~sim.plan.optimise`: the simulation-based staffing optimiser;
* :mod:`~sim.plan.shifts`: shift scheduling as a MILP (HiGHS);
* :mod:`~sim.plan.roster`: weekly rosters (lines with days off) as a MILP (HiGHS);
* :mod:`~sim.plan.capacity`: capacity plans weeks ahead (FTE gap, hiring, cost);
* :mod:`~sim.plan.whatif`: reallocating agents between groups.
"""
