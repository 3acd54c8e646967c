"""Readiness: how often an idle agent took a queue's calls at once against their main
queue's (``forecasting.agents.take_rates`` / ``readiness`` / ``readiness_parts``),
availability shared out by parts and the parts' handle-time factors; hand-built call
logs, answers worked out in each docstring."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting import agents as ag

from .forecast_helpers import RAW, needs_raw
from .test_agents import log

# x (P, N) and y (P): services are calls answered at once (wait 0) at their arrival.
# x serves at 0, 20, 40 (N), 60, 200; y at 0, 30, 200; 5 s each. x idle [5, 20),
# [25, 40), [45, 60), [65, 200); y idle [5, 30), [35, 200). Calls nobody took: N at
# 100 (waits 50 s) and 120 (10 s), P at 150 (10 s), all abandoned.
READY_LOG = [
    (0.0, "P", 0, "answered", 5, "x"),
    (0.0, "P", 0, "answered", 5, "y"),
    (20.0, "P", 0, "answered", 5, "x"),
    (30.0, "P", 0, "answered", 5, "y"),
    (40.0, "N", 0, "answered", 5, "x"),
    (60.0, "P", 0, "answered", 5, "x"),
    (100.0, "N", 50, "abandoned", 0, ""),
    (120.0, "N", 10, "abandoned", 0, ""),
    (150.0, "P", 10, "abandoned", 0, ""),
    (200.0, "P", 0, "answered", 5, "x"),
    (200.0, "P", 0, "answered", 5, "y"),
]
SKILLS = {"x": ("P", "N"), "y": ("P",)}


def _rates():
    return ag.take_rates(log(*READY_LOG), SKILLS, idle_gap=1800).set_index(["agent", "queue"])


def test_take_rates_by_hand() -> None:
    """In the second before each arrival: x idle for P at 20 (took), 30, 60 (took),
    150, 200 (took one of the two): 6 opportunities, 3 taken, y idle at each too (k = 2):
    expected 6 x 1/2 = 3. N: x the only N agent, idle at 40 (took), 100, 120: 3, 1, 3.
    y on P: idle at 20, 30 (took), 60, 150, 200 (took one): 6, 2, 3. (At 0 both serve.)"""
    r = _rates()
    assert r.loc[("x", "P")].tolist() == [6, 3, 3.0]
    assert r.loc[("x", "N")].tolist() == [3, 1, 3.0]
    assert r.loc[("y", "P")].tolist() == [6, 2, 3.0]
    assert len(r) == 3


def test_readiness_of_a_side_queue() -> None:
    """x's main queue is P (4 of 5 calls), N is nobody's main: x took N at 1/3 of the
    rate they took P (1/3 over 3/3). P, a main queue, gets none; below min
    opportunities, nothing."""
    rates = _rates().reset_index()
    assert ag.readiness(rates, log(*READY_LOG), min_opportunities=3) == {"x": {"N": 0.333}}
    assert ag.readiness(rates, log(*READY_LOG), min_opportunities=7) == {}


def test_readiness_parts_multiply() -> None:
    """Ready 1/4 for N and 1/2 for E, independently: (P, N, E) 1/8, (P, N) 1/8, (P, E)
    3/8, (P,) 3/8; an agent never ready for their only skill has no part left; not
    given: whole."""
    parts = ag.readiness_parts(
        {"x": ("P", "N", "E"), "z": ("N",), "y": ("P",)},
        {"x": {"N": 0.25, "E": 0.5}, "z": {"N": 0.0}},
    )
    assert sorted(parts["x"]) == sorted(
        [(("P", "N", "E"), 0.125), (("P", "N"), 0.125), (("P", "E"), 0.375), (("P",), 0.375)]
    )
    assert parts["z"] == [] and parts["y"] == [(("P",), 1.0)]


def test_availability_shared_by_parts() -> None:
    """On shift (no cutoff): x and y each from 0 to 205 s (gaps bridged), in the first
    5-min interval 205 / 300 agents. x a third (P, N), two thirds (P,): group P_N gets
    205/900, group P 205 * 5/3 / 300; whole agents as parts change nothing."""
    r = log(*READY_LOG)
    kw = {"interval_minutes": 5, "idle_gap": 1800, "wrap_cutoff": None}
    parts = {"x": [(("P", "N"), 1 / 3), (("P",), 2 / 3)]}
    got = ag.availability(r, SKILLS, parts=parts, **kw).pivot_table(
        index="interval", columns="group", values="agents"
    )
    first = got.iloc[0]
    assert first["skills_P_N"] == pytest.approx(205 / 900)
    assert first["skills_P"] == pytest.approx(205 * 5 / 3 / 300)
    whole = {a: [(ss, 1.0)] for a, ss in SKILLS.items()}
    assert ag.availability(r, SKILLS, **kw).equals(ag.availability(r, SKILLS, parts=whole, **kw))


def test_part_handle_time_factors() -> None:
    """P talk times: x 10 s twice, y 40 s twice (mean 25). x half in (P, N), half in
    (P,): P_N mean 10 (0.4), P (x's two calls at weight 1/2 and y's) 90 / 3 = 30 (1.2).
    Whole agents: the same as handle_time_factors (P_N 0.4, P 1.6)."""
    r = log(
        (0.0, "P", 0, "answered", 10, "x"),
        (100.0, "P", 0, "answered", 10, "x"),
        (0.0, "P", 0, "answered", 40, "y"),
        (100.0, "P", 0, "answered", 40, "y"),
    )
    parts = {"x": [(("P", "N"), 0.5), (("P",), 0.5)], "y": [(("P",), 1.0)]}
    got = ag.part_handle_time_factors(r, parts, min_calls=1)
    assert got == {"skills_P": {"P": 1.2}, "skills_P_N": {"P": 0.4}}
    whole = {"x": [(("P", "N"), 1.0)], "y": [(("P",), 1.0)]}
    expect = ag.handle_time_factors(r, {"x": ("P", "N"), "y": ("P",)}, min_calls=1)
    assert ag.part_handle_time_factors(r, whole, min_calls=1) == expect


@pytest.mark.slow
@needs_raw
def test_january_readiness_and_replay_day() -> None:
    """January: NW, PE and IN are nobody's main queue; NAAMA and AVIDAN (6% of their
    calls NW) took NW at under a third of their PS rate, MICHAL at par. A replayed
    February day with readiness has part groups and loads; readiness needs skills."""
    from forecasting.calibrate import calibrate, read_anonymous_bank
    from sim.measure.replay import replay

    cal = calibrate(read_anonymous_bank(RAW / "anonymous_bank_1999_january.txt.gz"))
    ready = cal.readiness
    assert {q for d in ready.values() for q in d} <= {"NW", "PE", "IN"}
    assert ready["NAAMA"]["NW"] < 0.33 and ready["AVIDAN"]["NW"] < 0.33
    assert ready["MICHAL"]["NW"] == 1.0
    feb = read_anonymous_bank(RAW / "anonymous_bank_1999_february.txt.gz")
    rep = replay(cal, feb, days=1, replications=1, behaviours=(*BEHAVIOURS_ON, "readiness"))
    assert set(rep["queue"]) >= {"PS", "NW", "NE"}
    with pytest.raises(ValueError, match="readiness needs skills"):
        replay(cal, feb, days=1, replications=1, behaviours=("availability", "readiness"))


BEHAVIOURS_ON = ("skills", "availability", "wrap_up", "proficiency", "routing")


def test_cli_readiness_needs_skills() -> None:
    """``--with readiness --without skills``: exit 2 naming what it needs."""
    from .cli_helpers import ccsim

    r = ccsim("replay", "january", "february", "--with", "readiness", "--without", "skills")
    assert r.returncode == 2 and "--with readiness: needs skills" in r.stderr


def test_day_talk_factors_by_parts() -> None:
    """With readiness's parts, an agent's time on shift counts in each part's group at
    the part's weight: C (PS, NW) is (PS, NW) a quarter of the time and (PS,) the rest.
    skills_PS, PS: A 3600 s at 0.5 and C 0.75 x 600 = 450 s at 0.8: (3600 + 450) /
    (3600 / 0.5 + 450 / 0.8) = 4050 / 7762.5; skills_PS_NW: C's 150 s alone, its own
    factors. Whole parts (weight 1) give the factors without parts."""
    f = {"A": {"PS": 0.5}, "C": {"PS": 0.8, "NW": 1.2}}
    skills = {"A": ("PS",), "C": ("PS", "NW")}
    on = pd.DataFrame({"agent": ["A", "C"], "seconds": [3600.0, 600.0]})
    parts = {"A": [(("PS",), 1.0)], "C": [(("PS", "NW"), 0.25), (("PS",), 0.75)]}
    out = ag.day_talk_factors(f, on, skills, parts=parts)
    assert out == {
        "skills_PS": {"PS": pytest.approx(4050 / 7762.5)},
        "skills_PS_NW": {"NW": pytest.approx(1.2), "PS": pytest.approx(0.8)},
    }
    whole = {a: [(ss, 1.0)] for a, ss in skills.items()}
    assert ag.day_talk_factors(f, on, skills, parts=whole) == ag.day_talk_factors(f, on, skills)
