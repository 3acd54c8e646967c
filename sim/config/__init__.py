"""What a scenario is, read and checked at the edge.

* :mod:`~sim.config.scenario`: the scenario model (channels, groups, shifts, journeys),
  loading and validation with field-named errors;
* :mod:`~sim.config.distributions`: handle-time, patience and delay distributions;
* :mod:`~sim.config.outputs`: output files written atomically (never replacing a
  device, FIFO or directory).

The lowest layer: it imports nothing else of ``sim`` (``forecasting`` may use it).
"""
