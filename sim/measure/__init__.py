"""From raw runs to numbers a planner reads.

* :mod:`~sim.measure.kpi`: the KPI definitions, computed with numpy on the engine's
  per-contact records;
* :mod:`~sim.measure.runner`: replications (common random numbers) and comparisons;
* :mod:`~sim.measure.results`: means with 95% CIs as DataFrames and the JSON contract;
* :mod:`~sim.measure.paths`: the most frequent journey paths;
* :mod:`~sim.measure.replay`: replay validation, real days simulated against what
  happened (calibrated by ``forecasting``).
"""
