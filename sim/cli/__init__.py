"""The ``ccsim`` command line: a thin layer over the Python API.

:mod:`~sim.cli.ccsim` holds the parser, ``main`` and the run / compare / validate
commands; :mod:`~sim.cli.staff` staff and report, :mod:`~sim.cli.sweep` sweep,
:mod:`~sim.cli.forecast` forecast / backtest / calibrate, :mod:`~sim.cli.app` app;
:mod:`~sim.cli.io` the helpers they share (exit codes, option types, checked and staged outputs).
"""

from sim.cli.ccsim import build_parser, main

__all__ = ["build_parser", "main"]
