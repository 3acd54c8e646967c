"""What scripts written against the flat layout still do: old module paths, attributes
of a bare ``import sim``, the old ``sim.sweeps`` names, and errors that cross processes."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

import sim
from sim._moved import MOVED
from sim.measure.workload import WorkloadError
from sim.sweeps.spec import SweepError

from .helpers import ROOT


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_module_paths_import_the_same_module(old):
    import importlib

    assert importlib.import_module(old) is importlib.import_module(MOVED[old])


def test_bare_import_sim_reaches_old_modules_as_attributes():
    """`import sim; sim.scenario.Scenario` worked when sim/__init__ imported eagerly."""
    code = (
        "import sim; "
        "assert sim.scenario.Scenario is sim.Scenario; "
        "assert sim.erlang.erlang_c is sim.erlang_c; "
        "assert callable(sim.engine.run_replication) and sim.kpi.CHANNEL_KPIS; "
        "assert callable(sim.sweep)"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_old_sweeps_names():
    from sim.sweeps import sweep, sweep_table

    assert sweep is sim.sweep and callable(sweep_table)
    assert callable(sim.sweep)  # the function, even with the sim.sweeps package imported


@pytest.mark.parametrize("error", [sim.ScenarioError, SweepError, WorkloadError])
def test_errors_survive_pickling(error):
    """Sweep workers send errors back pickled: the message must not be mangled."""
    e = error(["channels.voice.arrivals: must be at most 1,000,000"], "a.yaml")
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is error
    assert str(back) == str(e) and back.problems == e.problems and back.source == "a.yaml"
