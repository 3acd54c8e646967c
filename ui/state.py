"""Session state and cached simulation runs shared by the app's pages.

The session holds one *current* scenario (a validated :class:`sim.Scenario`, the
last good edit), the problems of the latest edit if it was invalid, and the last
results. Simulations go through :func:`st.cache_data`, keyed by the scenario's
content, replications and seed, so revisiting a page or moving a slider back is
instant.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import streamlit as st
import yaml

import sim
from sim.scenario import read_yaml

__all__ = [
    "DEFAULT_SCENARIO",
    "SCENARIO_DIR",
    "load",
    "problems",
    "run",
    "scenario",
    "scenario_files",
    "set_problems",
    "set_scenario",
    "start",
]

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_DIR = ROOT / "scenarios"
DEFAULT_SCENARIO = SCENARIO_DIR / "retail_bank.yaml"


def start_file(argv: Sequence[str]) -> Path:
    """The scenario to open: the first ``.yaml`` argument after ``--``, else the default."""
    for arg in argv[1:]:
        if arg.endswith((".yaml", ".yml")):
            return Path(arg).resolve()
    return DEFAULT_SCENARIO


def scenario_files() -> list[Path]:
    """Scenario files shipped in ``scenarios/``."""
    return sorted(SCENARIO_DIR.glob("*.yaml"))


def load(path: Path) -> sim.Scenario:
    """Load a scenario file (raises :class:`sim.ScenarioError`)."""
    return sim.load_scenario(path)


def parse_upload(name: str, data: bytes) -> sim.Scenario:
    """Validate an uploaded scenario file (raises :class:`sim.ScenarioError`)."""
    try:
        parsed = read_yaml(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise sim.ScenarioError([f"not a UTF-8 text file ({exc.reason})"], name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise sim.ScenarioError([f"{where}not valid YAML ({problem})"], name) from None
    return sim.parse_scenario(parsed, source=name)


def start() -> None:
    """Open the start scenario once per session."""
    if "scenario" in st.session_state:
        return
    path = start_file(sys.argv)
    try:
        sc = load(path)
        set_scenario(sc, path.name)
    except sim.ScenarioError as err:
        set_scenario(load(DEFAULT_SCENARIO), DEFAULT_SCENARIO.name)
        st.session_state["start_problems"] = err.problems


def scenario() -> sim.Scenario:
    """The current (last valid) scenario."""
    sc: sim.Scenario = st.session_state["scenario"]
    return sc


def source() -> str:
    """Where the current scenario came from (file name, upload name)."""
    return str(st.session_state.get("source", ""))


def revision() -> int:
    """Increases whenever the current scenario changes (editors rebuild from it)."""
    return int(st.session_state.get("revision", 0))


def set_scenario(sc: sim.Scenario, label: str | None = None) -> None:
    """Make ``sc`` the current scenario; forget earlier edits' problems and what-ifs."""
    st.session_state["scenario"] = sc
    st.session_state.pop("whatif", None)
    if label is not None:
        st.session_state["source"] = label
    st.session_state["revision"] = revision() + 1
    st.session_state["problems"] = []


def problems() -> list[str]:
    """Problems of the latest edit ("field.path: problem"); empty when it was valid."""
    return list(st.session_state.get("problems", []))


def set_problems(found: Sequence[str]) -> None:
    st.session_state["problems"] = list(found)


def blocked() -> bool:
    """Show the latest edit's problems and return True if there are any."""
    found = problems()
    if found:
        st.error(
            "The scenario has errors, so nothing runs until they are fixed on the "
            "Scenario page:\n\n" + "\n".join(f"- `{p}`" for p in found)
        )
    return bool(found)


@st.cache_data(show_spinner=False, max_entries=2048)
def _replication(scenario_json: str, index: int, seed: int, keep_run: bool) -> sim.Replication:
    sc = sim.parse_scenario(json.loads(scenario_json))
    return sim.simulate_replication(sc, index, seed, keep_run=keep_run)


def run(
    sc: sim.Scenario,
    replications: int,
    seed: int,
    *,
    keep_runs: bool = False,
    label: str = "Simulating",
) -> sim.Result:
    """Simulate ``sc`` with a progress bar; each replication is cached on its own.

    Replication r of a (scenario, seed) is the same whoever runs it, so raising the
    number of replications only simulates the new ones.
    """
    key = json.dumps(sc.to_dict())
    bar = st.progress(0.0, text=label)
    done = []
    try:
        for r in range(int(replications)):
            done.append(_replication(key, r, int(seed), keep_runs))
            bar.progress(
                (r + 1) / replications, text=f"{label}: replication {r + 1} of {replications}"
            )
    finally:
        bar.empty()
    return sim.collect(sc, int(seed), done)


def run_settings(sc: sim.Scenario, key: str) -> tuple[int, int]:
    """Replications and seed inputs, defaulting to the scenario's own values."""
    left, right = st.columns(2)
    reps = left.number_input(
        "Replications",
        min_value=1,
        max_value=1000,
        value=sc.replications,
        step=1,
        key=f"{key}-replications-{revision()}",
        help="Independent simulated days; more give tighter confidence intervals.",
    )
    seed = right.number_input(
        "Seed",
        min_value=0,
        value=sc.seed,
        step=1,
        key=f"{key}-seed-{revision()}",
        help="The same seed draws the same customers (common random numbers).",
    )
    return int(reps), int(seed)
