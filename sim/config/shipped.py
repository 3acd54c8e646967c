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
