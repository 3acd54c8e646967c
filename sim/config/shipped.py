"""The scenario files shipped with ccsim, wherever it is installed.

They live in the repository's top-level ``scenarios/``, which a wheel installs as
``sim/scenarios/`` (``[tool.setuptools.package-dir]`` in ``pyproject.toml``); a checkout
or an editable install reads them from ``scenarios/`` beside ``sim/``.
"""

from __future__ import annotations

from pathlib import Path

_SIM = Path(__file__).resolve().parents[1]


def scenario_dir() -> Path:
    """The folder of shipped scenario files: ``sim/scenarios/`` when installed from a
    wheel, else the checkout's ``scenarios/``."""
    installed = _SIM / "scenarios"
    return installed if installed.is_dir() else _SIM.parent / "scenarios"


SCENARIO_DIR = scenario_dir()
DEFAULT_SCENARIO = SCENARIO_DIR / "retail_bank.yaml"
"""The scenario ``make app`` and ``ccsim app`` open when given none."""

SWEEP_FILE_PREFIX = "sweep_"
"""Sweep files (``sweep_*.yaml``) live beside the scenarios; they are not scenarios."""

NOT_SCENARIOS = ("capacity_plan.yaml",)
"""Other files beside the scenarios that are not scenarios (a capacity plan)."""


def is_scenario_file(path: Path) -> bool:
    """Is ``path`` (a ``.yaml`` beside the shipped scenarios) a scenario, not a sweep
    file or a capacity plan?"""
    return not path.name.startswith(SWEEP_FILE_PREFIX) and path.name not in NOT_SCENARIOS


def shipped_scenarios() -> list[Path]:
    """The shipped scenario files, sorted by name."""
    return sorted(p for p in SCENARIO_DIR.glob("*.yaml") if is_scenario_file(p))
