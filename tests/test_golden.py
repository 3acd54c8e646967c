"""The engine and the KPIs reproduce the frozen golden results (tests/golden/).

Raw runs must match bit for bit (same seed, same draws, same outcomes); KPIs to a
relative 1e-9, which allows a different summation order and nothing else. Keys and
KPIs added since the baseline are allowed (the result contract is extended, never
reshaped); a key that disappears is a failure. When a
change alters draws on purpose, re-baseline with ``python -m tests.golden_cases
--update`` in a commit that says why.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from . import golden_cases as gc

CASES = gc.cases()


def _close(a: Any, b: Any, where: str, problems: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                problems.append(f"{where}.{k}: only in golden (a KPI or key was removed)")
            elif k not in a:
                continue  # the contract is extended, never reshaped: additions are allowed
            else:
                _close(a[k], b[k], f"{where}.{k}", problems)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]", problems)
    elif isinstance(a, float) and isinstance(b, (int, float)):
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            problems.append(f"{where}: golden {a!r}, now {b!r}")
    elif a != b:
        problems.append(f"{where}: golden {a!r}, now {b!r}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    """Same seed, same draws: every raw array and every KPI as frozen."""
    want = json.loads(gc.path(name).read_text())
    got = json.loads(json.dumps(gc.compute(CASES[name])))
    assert got["runs"] == want["runs"], "raw runs differ (draws or engine logic changed)"
    problems: list[str] = []
    for part in ("result", "intervals", "group_intervals"):
        _close(want[part], got[part], part, problems)
    assert not problems, "\n".join(problems[:20])


def test_every_golden_file_has_a_case() -> None:
    """No stale golden files: each belongs to a case."""
    assert {p.stem for p in gc.GOLDEN.glob("*.json")} == set(CASES)
