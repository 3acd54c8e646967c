from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import SCENARIOS


@pytest.fixture
def retail_bank_path() -> Path:
    return SCENARIOS / "retail_bank.yaml"
