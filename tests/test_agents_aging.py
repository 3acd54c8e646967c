"""Aging: how long a queue's oldest call had waited when agents took it before a queue
ahead of it (``forecasting.agents.overtaking_picks`` / ``aging_thresholds``) and the
``shaping`` rules a replay scenario gets from it; hand-built call logs, answers worked
out in each docstring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import agents as ag
from forecasting.calibrate import _aging_rules

from .forecast_helpers import RAW, needs_raw
from .test_agents import log

# One agent x skilled for A (ahead) and B. A's call a0 waits 100-1000 s throughout.
# (arrival s, queue, wait s, outcome, handle s, agent); x's picks while both waited
# (second before the start: B's oldest age, did x take B?):
#   b1 at 260: age 59 (b1 since 200), B        a1 at 430: age 19 (b3 since 410), A
#   b2 at 400: age 99 (b2 since 300), B        b3 at 600: age 189, B
#   a2 at 710: age 9 (b4 since 700), A         b4 at 800: age 99, B
AGING_LOG = [
    (100.0, "A", 900, "abandoned", 0, ""),
    (200.0, "B", 60, "answered", 5, "x"),
    (300.0, "B", 100, "answered", 5, "x"),
    (410.0, "B", 190, "answered", 5, "x"),
    (420.0, "A", 10, "answered", 5, "x"),
    (700.0, "B", 100, "answered", 5, "x"),
    (705.0, "A", 5, "answered", 5, "x"),
]


def test_oldest_age_follows_abandonment() -> None:
    """B calls waiting [0, 50) (abandoned) and [10, 100): at 20 s the oldest is 20 s
    old; at 50 s the first has left (half-open), the second is 40 s old; at 60 s 50 s;
    at 100 s none waits."""
    r = log((0.0, "B", 50, "abandoned", 0, ""), (10.0, "B", 90, "answered", 5, "x"))
    ages = ag._oldest_age(r, "B", np.array([20.0, 50.0, 60.0, 100.0]))
    assert ages[:3].tolist() == [20.0, 40.0, 50.0] and np.isnan(ages[3])


def test_overtaking_picks_by_hand() -> None:
    """The six picks made while A and B both waited, with B's oldest age and whether x
    took B; A, first in the order, has none."""
    picks = ag.overtaking_picks(log(*AGING_LOG), {"x": ("A", "B")}, ["A", "B"])
    assert list(picks) == ["B"]
    got = sorted(zip(picks["B"]["age"], picks["B"]["took"], strict=True))
    assert got == [(9, False), (19, False), (59, True), (99, True), (99, True), (189, True)]


def test_aging_threshold_matches_the_overtaking_picks() -> None:
    """4 of the 6 picks took B; the 4 oldest picks were made at ages >= 59 s, so the
    threshold is 59 s. The fresh ones (9, 19 s) took A: B waited behind A until aged.
    Below min_picks, no threshold."""
    picks = ag.overtaking_picks(log(*AGING_LOG), {"x": ("A", "B")}, ["A", "B"])
    assert ag.aging_thresholds(picks, min_picks=4) == {"B": 59.0}
    assert ag.aging_thresholds(picks, min_picks=5) == {}


def test_aging_needs_fresh_calls_to_wait() -> None:
    """Taken at 5 s of 3 fresh picks (1/3 > 10%): the agents mix the queues whatever the
    age, no threshold; with only aged picks taken (100, 200 s) the 2 oldest picks are
    at >= 100 s."""
    mixed = {"B": pd.DataFrame({"age": [5, 10, 20, 100, 200], "took": [1, 0, 0, 1, 1]})}
    strict = {"B": pd.DataFrame({"age": [5, 10, 20, 100, 200], "took": [0, 0, 0, 1, 1]})}
    mixed["B"]["took"] = mixed["B"]["took"].astype(bool)
    strict["B"]["took"] = strict["B"]["took"].astype(bool)
    assert ag.aging_thresholds(mixed, min_picks=2) == {}
    assert ag.aging_thresholds(strict, min_picks=2) == {"B": 100.0}


def test_aging_rules_only_for_groups_that_have_it_late() -> None:
    """NW aged 121 s: g1 (PS then NW) takes NW first; g2 already has NW first and g3
    lacks it; PS has no threshold."""
    groups = {
        "g1": {"skills": ["PS", "NW"]},
        "g2": {"skills": ["NW", "PS"]},
        "g3": {"skills": ["PS"]},
    }
    rules = _aging_rules({"NW": 121.0}, ["PS", "NW"], groups)
    assert rules == [
        {
            "name": "aging NW",
            "when": {"channel": "NW", "oldest_over": 121.0},
            "do": {"prioritise": "NW", "groups": ["g1"]},
        }
    ]
    assert _aging_rules({}, ["PS", "NW"], groups) == []


@pytest.mark.parametrize("order", [["A", "B"], ["B", "A"]])
def test_aging_rule_loads(order: list[str]) -> None:
    """The rules are a valid scenario's ``shaping``: a group with both skills."""
    import sim

    rules = _aging_rules({order[1]: 30.0}, order, {"g": {"skills": order}})
    data = {
        "name": "aging",
        "interval_minutes": 60,
        "periods": 2,
        "channels": {
            q: {"arrivals": 5, "handle_time": {"distribution": "exponential", "mean": 60}}
            for q in ("A", "B")
        },
        "groups": {"g": {"skills": order, "agents": 1}},
        "shaping": rules,
        "replications": 1,
    }
    res = sim.simulate(sim.parse_scenario(data))
    assert set(res.channels["channel"]) == {"A", "B"}


@pytest.mark.slow
@needs_raw
def test_january_aging() -> None:
    """January: agents turn to NW (last in their order) once its oldest call waited
    about 2 minutes (121 s); PS, which they mix with NE whatever the age (31% of the
    picks with a fresh PS call took PS), gets none. A replayed day's scenario has the NW
    rule for every group with NW after another skill, and loads."""
    from forecasting.calibrate import calibrate, read_anonymous_bank
    from sim.config.scenario import parse_scenario

    cal = calibrate(read_anonymous_bank(RAW / "anonymous_bank_1999_january.txt.gz"))
    th = cal.aging_thresholds()
    assert 90 <= th["NW"] <= 180 and "PS" not in th
    day = cal.records["arrival"].dt.date.iloc[0]
    data = cal.scenario_for_day(
        day,
        arrivals=cal.arrivals(),
        staffing=cal.availability(),
        groups=cal.skill_groups,
        routing=True,
        aging=True,
    )
    (nw,) = [r for r in data["shaping"] if r["name"] == "aging NW"]
    late = {g for g, v in data["groups"].items() if "NW" in v["skills"][1:]}
    assert set(nw["do"]["groups"]) == late and late
    parse_scenario(data)
