"""Error messages quote at most a couple of lines of a bad value, key or path."""

from __future__ import annotations

import time

import pytest
import yaml

from sim.config.quoting import MAX_QUOTED_CHARS, clip, quote
from sim.config.scenario import ScenarioError, parse_scenario

from .helpers import SCENARIOS

TEXT = (SCENARIOS / "retail_bank.yaml").read_text(encoding="utf-8")


def test_quote_is_repr_for_short_values_and_bounded_for_huge_ones():
    for value in (-1, 2.5, "08:61", [1, 2], {"b": 1, "a": 2}, None, True):
        assert quote(value) == repr(value)
    deep: object = "lol"
    for _ in range(8):
        deep = [deep] * 10  # 10**8 leaves, shared: quoting must not walk them
    start = time.perf_counter()
    assert len(quote(deep)) <= MAX_QUOTED_CHARS
    assert time.perf_counter() - start < 0.5
    assert len(quote("x" * 10**6)) <= MAX_QUOTED_CHARS
    assert quote(10**5000) == "<a whole number of about 5,001 digits>"
    assert clip("k" * 1000).endswith("... (1,000 characters)")
    assert len(clip("k" * 1000)) == MAX_QUOTED_CHARS


def test_scenario_errors_quote_bad_values_and_keys_briefly():
    data = yaml.safe_load(TEXT)
    data["periods"] = "p" * 10**6
    data["k" * 10**5] = 1
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    assert all(len(line) < MAX_QUOTED_CHARS + 60 for line in str(err.value).splitlines())
    assert any(line.endswith("(100,000 characters): unknown key") for line in err.value.problems)


def test_a_flood_of_problems_is_counted_not_listed():
    data = yaml.safe_load(TEXT)
    data.update({f"extra{i}": 1 for i in range(5000)})
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    assert len(err.value.problems) == 5000  # all kept for callers
    assert str(err.value).endswith("... and 4,950 more problems")
