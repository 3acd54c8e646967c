"""Old module paths of the flat layout, kept importable after the move into layers.

``from sim.scenario import Scenario`` (and every other module path scripts used before
the layout change) imports the module at its new place. The old name is an alias: the
same module object, so classes, functions and ``isinstance`` checks are shared.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

MOVED = {
    "sim.scenario": "sim.config.scenario",
    "sim.distributions": "sim.config.distributions",
    "sim.outputs": "sim.config.outputs",
    "sim.quoting": "sim.config.quoting",
    "sim.yaml_reader": "sim.config.yaml_reader",
    "sim.workload": "sim.measure.workload",
    "sim.streams": "sim.engine.streams",
    "sim.kpi": "sim.measure.kpi",
    "sim.kpi_lean": "sim.measure.kpi_lean",
    "sim.results": "sim.measure.results",
    "sim.runner": "sim.measure.runner",
    "sim.paths": "sim.measure.paths",
    "sim.erlang": "sim.plan.erlang",
    "sim.staffing": "sim.plan.staffing",
    "sim.optimise": "sim.plan.optimise",
    "sim.shifts": "sim.plan.shifts",
    "sim.whatif": "sim.plan.whatif",
    "sim.sweep_spec": "sim.sweeps.spec",
    "sim.sweep_store": "sim.sweeps.store",
    "sim.sweep_tasks": "sim.sweeps.tasks",
    "sim.sweep_backends": "sim.sweeps.backends",
    "sim.charts": "sim.present.charts",
    "sim.report": "sim.present.report",
    "sim.display": "sim.present.display",
    "sim.editing": "sim.present.editing",
    "sim.journey_map": "sim.present.journey_map",
    "sim.cli_io": "sim.cli.io",
    "sim.cli_staff": "sim.cli.staff",
    "sim.cli_sweep": "sim.cli.sweep",
    "forecasting.cli": "sim.cli.forecast",
}
"""Old module path -> where the module lives now."""


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves an old path to the module at its new path (one object, two names)."""

    def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(MOVED[spec.name])
        self._spec = module.__spec__  # importlib re-labels the module with the alias spec
        return module

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__ = self._spec  # ... so give the real one back


def install() -> None:
    """Put the alias finder on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.append(_AliasFinder())
