"""The agent estimators of ``forecasting.agents`` on hand-built call logs (answers worked
out by hand in each test's docstring)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import agents as ag
from forecasting.calibrate import _round_groups, read_records

DAY = pd.Timestamp("1999-01-03")


def log(*calls: tuple[float, str, float, str, float, str]) -> pd.DataFrame:
    """Records from (arrival s after midnight, queue, wait s, outcome, handle s, agent)."""
    rows = [
        {
            "arrival": str(DAY + pd.Timedelta(seconds=t)),
            "queue": q,
            "wait": w,
            "outcome": o,
            "handle_time": h,
            "agent": a,
        }
        for t, q, w, o, h, a in calls
    ]
    return read_records(pd.DataFrame(rows))


def test_skills_share_and_fallback() -> None:
    """A: 10 PS; B: 9 PS + 1 NW (10% of B's calls). With min_share 0.05 B has NW; with
    0.2 nobody reaches the share on NW, so it goes to whoever answered it (B)."""
    calls = [(60.0 * i, "PS", 0, "answered", 30, "A") for i in range(10)]
    calls += [(60.0 * i + 1000, "PS", 0, "answered", 30, "B") for i in range(9)]
    calls += [(5000.0, "NW", 0, "answered", 30, "B"), (6000.0, "NE", 5, "abandoned", 0, "")]
    r = log(*calls)
    assert ag.agent_skills(r, queues=["NW", "PS"], min_share=0.05) == {
        "A": ("PS",),
        "B": ("NW", "PS"),
    }
    assert ag.agent_skills(r, queues=["PS", "NW"], min_share=0.2) == {
        "A": ("PS",),
        "B": ("PS", "NW"),
    }
    sk = ag.agent_skills(r, queues=["PS", "NW"], min_share=0.2)
    assert ag.skill_groups(sk) == {"skills_PS": ("PS",), "skills_PS_NW": ("PS", "NW")}


def gap_log() -> pd.DataFrame:
    """Agent A: a PS call 0-100 s; a PS call waits 200-700 s and A takes it at 700 (ends
    900); the next PS call arrives at 1000 when nothing waits, A takes it at once
    (ends 1030). Gaps: 100->700 (600 s, a call waiting from 200 s: not at 101 s) and
    900->1000 (100 s, nothing waiting)."""
    return log(
        (0, "PS", 0, "answered", 100, "A"),
        (200, "PS", 500, "answered", 200, "A"),
        (1000, "PS", 0, "answered", 30, "A"),
    )


def test_after_call_gaps_keep_only_gaps_with_a_call_waiting() -> None:
    """Add a PS call waiting 101-110 s (it abandons): now the 100->700 gap starts with a
    call waiting and is kept (600 s); the 900->1000 one is not."""
    r = gap_log()
    assert ag.after_call_gaps(r, {"A": ("PS",)}, idle_gap=1800).empty
    r2 = pd.concat([r, log((100.5, "PS", 9.5, "abandoned", 0, ""))]).sort_values("arrival")
    g = ag.after_call_gaps(r2, {"A": ("PS",)}, idle_gap=1800)
    assert g["gap"].tolist() == [600.0]
    assert ag.after_call_gaps(r2, {"A": ("PS",)}, idle_gap=500).empty  # too long: off shift


def test_wrap_up_samples_are_the_short_gaps_quantiles() -> None:
    """Gaps 2, 4, 6, 8 s and 300 s: up to the 60 s cutoff the quantiles at 0, 0.5 and 1
    are 2, 5 and 8 s; fewer than min_gaps gaps: nothing."""
    gaps = pd.DataFrame({"queue": ["PS"] * 5, "gap": [2.0, 4.0, 6.0, 8.0, 300.0]})
    assert ag.wrap_up_samples(gaps, points=3, min_gaps=4) == {"PS": [2.0, 5.0, 8.0]}
    assert ag.wrap_up_samples(gaps, points=3, min_gaps=5) == {}


def test_availability_removes_idle_time_while_a_call_waits() -> None:
    """First 15 min (0-900 s): A on shift throughout (the 600 s gap is under idle_gap).
    Idle 100-700 s; a PS call waits 200-700 s; after the 60 s of after-call work
    (100-160 s) the overlap is 200-700 s = 500 s away: 400 / 900 agents available. With
    no cutoff (the idle-gap heuristic): 1 agent. Second interval (900-1800 s): the gap
    900-1000 s (nothing waiting) and the call 1000-1030 s: on shift 130 s."""
    r = gap_log()
    av = ag.availability(r, {"A": ("PS",)}, interval_minutes=15, idle_gap=1800)
    assert av["agents"].iloc[0] == pytest.approx(400 / 900)
    assert av["agents"].iloc[1] == pytest.approx(130 / 900)
    assert av["agents"].iloc[2:].sum() == 0
    old = ag.availability(r, {"A": ("PS",)}, interval_minutes=15, idle_gap=1800, wrap_cutoff=None)
    assert old["agents"].iloc[0] == pytest.approx(1.0)
    assert len(av) == 96 and set(av["group"]) == {"skills_PS"}


def test_availability_extrapolated_absence() -> None:
    """Same log, absence taken as independent of the queue: in the first interval a
    call waited 500 of 900 s and A was seen away all 500 s, so A is taken as away
    500 / (500 / 900) = 900 s, capped at A's idle time beyond the cutoff (160-700 s =
    540 s): 360 / 900 available. Without any waiting call nothing changes (130 s)."""
    av = ag.availability(
        gap_log(), {"A": ("PS",)}, interval_minutes=15, idle_gap=1800, extrapolate=True
    )
    assert av["agents"].iloc[0] == pytest.approx(360 / 900)
    assert av["agents"].iloc[1] == pytest.approx(130 / 900)


def test_availability_ignores_waiting_calls_of_other_skills() -> None:
    """The call waiting 200-700 s is NW, which A (PS only) does not serve: A stays
    available; B (an NW agent) answers it."""
    r = log(
        (0, "PS", 0, "answered", 100, "A"),
        (200, "NW", 500, "answered", 200, "B"),
        (750, "PS", 0, "answered", 100, "A"),
    )
    av = ag.availability(r, {"A": ("PS",), "B": ("NW",)}, interval_minutes=15, idle_gap=1800)
    first = av[av["interval"] == DAY].set_index("group")["agents"]
    assert first["skills_PS"] == pytest.approx(850 / 900)
    assert first["skills_NW"] == pytest.approx(200 / 900)


def test_pick_counts_and_routing_priority() -> None:
    """A (PS and NW) takes a PS call at 200 s while an NW call waits (0-500 s): PS chosen
    over NW once, never the reverse."""
    r = log(
        (0, "NW", 500, "abandoned", 0, ""),
        (100, "PS", 100, "answered", 60, "A"),
        (1000, "NW", 0, "answered", 60, "A"),
    )
    wins = ag.pick_counts(r, {"A": ("PS", "NW")}, ["NW", "PS"])
    assert wins.loc["PS", "NW"] == 1 and wins.loc["NW", "PS"] == 0


def test_routing_priority_copeland() -> None:
    """a over b 50 to 20 and over c 30 to 10, c over b 40 to 0 (all clear at the 1%
    level): a, c, b. Chosen 6 to 4 is no clear preference: the given order stands."""
    w = pd.DataFrame([[0, 50, 30], [20, 0, 0], [10, 40, 0]], index=list("abc"), columns=list("abc"))
    assert ag.routing_priority(w) == ["a", "c", "b"]
    weak = pd.DataFrame([[0, 4], [6, 0]], index=["x", "y"], columns=["x", "y"])
    assert ag.routing_priority(weak) == ["x", "y"]
    assert ag.routing_priority(weak * 10) == ["x", "y"]  # 60 to 40: p = 0.057
    assert ag.routing_priority(weak * 20) == ["y", "x"]  # 120 to 80: p = 0.0057


def test_handle_time_factors() -> None:
    """Group X's PS calls take 100 s, group Y's 300 s: the queue mean is 200 s, so the
    factors are 0.5 and 1.5 (with at least min_calls calls each)."""
    calls = [(400.0 * i, "PS", 0, "answered", 100, "X") for i in range(3)]
    calls += [(400.0 * i + 5000, "PS", 0, "answered", 300, "Y") for i in range(3)]
    r = log(*calls)
    sk = {"X": ("PS",), "Y": ("PS", "NW")}
    assert ag.handle_time_factors(r, sk, min_calls=3) == {
        "skills_PS": {"PS": 0.5},
        "skills_PS_NW": {"PS": 1.5},
    }
    assert ag.handle_time_factors(r, sk, min_calls=4) == {}


def test_round_groups_keeps_the_total() -> None:
    """0.4 + 0.4 + 0.4 = 1.2 -> 1 agent, to the first of the tied remainders (rounding
    each alone: 0); 0.6 + 0.7 + 0.7 = 2 -> the two largest remainders (each alone: 3)."""
    grid = pd.DatetimeIndex([DAY, DAY + pd.Timedelta(minutes=15)])
    st = pd.DataFrame(
        {
            "interval": np.repeat(grid, 3),
            "group": ["a", "b", "c"] * 2,
            "agents": [0.4, 0.4, 0.4, 0.6, 0.7, 0.7],
        }
    )
    assert _round_groups(st, grid, ["a", "b", "c"]) == {"a": [1, 0], "b": [0, 1], "c": [0, 1]}


def talk_log() -> pd.DataFrame:
    """Group X (agents A, B; PS only): A's two PS calls take 100 s, B's one 550 s;
    agent C (group Y: PS and NW) one PS call of 50 s and one NW call of 50 s. PS queue
    mean (A, B, C) = 800 / 4 = 200 s; X's mean 750 / 3 = 250 s (factor 1.25), Y's on PS
    50 s (0.25), on NW 50 s (1.0, the whole queue)."""
    return log(
        (0, "PS", 0, "answered", 100, "A"),
        (1000, "PS", 0, "answered", 100, "A"),
        (2000, "PS", 0, "answered", 550, "B"),
        (3000, "PS", 0, "answered", 50, "C"),
        (4000, "NW", 0, "answered", 50, "C"),
    )


TALK_SKILLS = {"A": ("PS",), "B": ("PS",), "C": ("PS", "NW")}


def test_agent_talk_factors_shrink_to_the_group() -> None:
    """With shrink k = 2 pseudo-calls at the group mean (X: 1.25 * 200 = 250 s):
    A = (200 + 2 * 250) / (4 * 200) = 0.875, B = (550 + 500) / (3 * 200) = 1.75; C on
    PS (Y: 0.25 * 200 = 50 s): (50 + 100) / 600 = 0.25, on NW (50 + 100) / 150 = 1.0.
    D (no calls) gets X's factor 1.25; without shrinking the agents' own means: A 0.5,
    B 2.75."""
    r = talk_log()
    sk = {**TALK_SKILLS, "D": ("PS",)}
    f = ag.agent_talk_factors(r, sk, shrink=2, min_calls=1)
    assert f["A"] == {"PS": pytest.approx(0.875)}
    assert f["B"] == {"PS": pytest.approx(1.75)}
    assert f["C"] == {"PS": pytest.approx(0.25), "NW": pytest.approx(1.0)}
    assert f["D"] == {"PS": pytest.approx(1.25)}
    raw = ag.agent_talk_factors(r, TALK_SKILLS, shrink=0, min_calls=1)
    assert raw["A"]["PS"] == pytest.approx(0.5) and raw["B"]["PS"] == pytest.approx(2.75)
    # a group under min_calls on a queue shrinks to the queue mean (factor 1): Y has 1
    # PS call, so C = (50 + 2 * 200) / (3 * 200)
    f2 = ag.agent_talk_factors(r, TALK_SKILLS, shrink=2, min_calls=2)
    assert f2["C"]["PS"] == pytest.approx(0.75)


def test_on_shift_seconds_per_agent_and_day() -> None:
    """A: calls 0-100 and 1000-1100 (gap 900 s <= idle gap 1000: bridged) -> 1100 s; with
    idle gap 500 the gap is off shift -> 200 s. B: 2000-2550 -> 550 s. E: two
    overlapping calls 0-100 and 50-150 -> 150 s (once), and a call on the next day
    (86400 + 10, 20 s) -> 20 s on that day."""
    r = pd.concat(
        [
            talk_log(),
            log(
                (0, "PS", 0, "answered", 100, "E"),
                (50, "PS", 0, "answered", 100, "E"),
                (86410, "PS", 0, "answered", 20, "E"),
            ),
        ],
        ignore_index=True,
    )
    on = ag.on_shift_seconds(r, idle_gap=1000).set_index(["agent", "date"])["seconds"]
    d0, d1 = DAY.date(), (DAY + pd.Timedelta(days=1)).date()
    assert on[("A", d0)] == pytest.approx(1100)
    assert on[("B", d0)] == pytest.approx(550)
    assert on[("E", d0)] == pytest.approx(150)
    assert on[("E", d1)] == pytest.approx(20)
    short = ag.on_shift_seconds(r, idle_gap=500).set_index(["agent", "date"])["seconds"]
    assert short[("A", d0)] == pytest.approx(200)


def test_day_talk_factors_harmonic_by_time_on_shift() -> None:
    """X: A (factor 0.5) on shift 3600 s, B (2.0) 1800 s: (3600 + 1800) / (3600 / 0.5 +
    1800 / 2) = 5400 / 8100 = 2/3 (calls per busy hour: A 2 per 0.5-call-time, B
    0.5); C alone in Y: its own factors; an agent without skills is left out; a group
    with nobody on shift has none."""
    f = {"A": {"PS": 0.5}, "B": {"PS": 2.0}, "C": {"PS": 0.8, "NW": 1.2}}
    on = pd.DataFrame({"agent": ["A", "B", "C", "Z"], "seconds": [3600.0, 1800.0, 600.0, 900.0]})
    out = ag.day_talk_factors(f, on, TALK_SKILLS)
    assert out == {
        "skills_PS": {"PS": pytest.approx(2 / 3)},
        "skills_PS_NW": {"NW": pytest.approx(1.2), "PS": pytest.approx(0.8)},
    }
    assert ag.day_talk_factors(f, on[on["agent"] == "C"], TALK_SKILLS).keys() == {"skills_PS_NW"}
