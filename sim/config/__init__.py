"""What a scenario is, read and checked at the edge.

* :mod:`~sim.config.scenario`: the scenario model (channels, groups, shifts, journeys),
  loading and validation with field-named errors;
* :mod:`~sim.config.distributions`: handle-time, patience and delay distributions;
* :mod:`~sim.config.outputs`: output files written atomically (never replacing a
  device, FIFO or directory);
* :mod:`~sim.config.clock`: clock times ``HH:MM``, parsed and formatted in one place;
* :mod:`~sim.config.periods`: one value for every period or one per period;
* :mod:`~sim.config.frozen`: the base of every model read from a file.

The lowest layer: it imports nothing else of ``sim`` (``forecasting`` may use it).
"""
