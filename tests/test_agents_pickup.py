"""Pick-up delays from call records (``forecasting.agents.idle_arrivals``,
``pickup_waits``, ``pickup_of``) on a hand-built log: answers worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import agents as ag

from .test_agents import DAY, gap_log, log

SKILLS = {"A": ("PS",)}


def pickup_log() -> pd.DataFrame:
    """Agent A (PS), idle gap 1800 s, after-call work 60 s:

    1. 0 s, answered at once, 0-100 s (nothing before: not an idle arrival);
    2. 300 s: A idle since 100 (past 160 s), nothing waiting: an idle arrival; waits
       20 s (delayed), served 320-420 s;
    3. 500 s: A idle since 420 (past 480 s): an idle arrival, answered at once, 500-550 s;
    4. 560 s: A's gap began at 550, still in its first 60 s: not idle; waits 100 s,
       660-690 s;
    5. 800 s: A idle past 750 s, nothing waiting: an idle arrival; abandons after 30 s;
    6. 820 s: call 5 waits (800-830 s): A idle while a call waits is away, not an idle
       arrival; waits 5 s, served 825-835 s.
    """
    return log(
        (0, "PS", 0, "answered", 100, "A"),
        (300, "PS", 20, "answered", 100, "A"),
        (500, "PS", 0, "answered", 50, "A"),
        (560, "PS", 100, "answered", 30, "A"),
        (800, "PS", 30, "abandoned", 0, ""),
        (820, "PS", 5, "answered", 10, "A"),
    )


def test_idle_arrivals_by_hand() -> None:
    r = pickup_log()
    got = ag.idle_arrivals(r, SKILLS, idle_gap=1800)
    assert got.tolist() == [False, True, True, False, True, False]


def test_pickup_waits_and_entry() -> None:
    """Three idle arrivals (calls 2, 3, 5), one answered after more than 2 s (call 2,
    20 s; call 5 abandoned: counted, its delay unknown): share 1/3, delay 20 s."""
    w = ag.pickup_waits(pickup_log(), SKILLS, idle_gap=1800)
    assert set(w) == {"PS"} and w["PS"][0] == 3
    assert w["PS"][1].tolist() == [20.0]
    entry = ag.pickup_of(w, ("PS",), min_calls=3)
    assert entry is not None
    assert entry["share"] == pytest.approx(1 / 3, abs=1e-4)
    assert set(entry["delay"]["samples"]) == {20.0}
    assert ag.pickup_of(w, ("PS",)) is None  # fewer than PICKUP_MIN_CALLS calls
    assert ag.pickup_of(w, ("NW",), min_calls=1) is None  # no calls of its queues


def test_availability_leaves_pickup_waits_out_of_absence() -> None:
    """First 15 min: A on shift 0-835 s. Absence seen (idle past 60 s of a gap while a
    call waits): 300-320 s (call 2), 610-660 s (call 4), 800-825 s (calls 5, 6): 95 s,
    so 740 / 900 agents; leaving call 2's wait out: 75 s, 760 / 900."""
    r = pickup_log()
    av = ag.availability(r, SKILLS, interval_minutes=15, idle_gap=1800)
    assert av["agents"].iloc[0] == pytest.approx(740 / 900)
    out = np.array([False, True, False, False, False, False])
    av2 = ag.availability(r, SKILLS, interval_minutes=15, idle_gap=1800, not_absence=out)
    assert av2["agents"].iloc[0] == pytest.approx(760 / 900)


def test_pickup_days_count_idle_arrivals_and_late_answers() -> None:
    """One day: three idle arrivals (calls 2, 3, 5), one answered late (call 2; call 5
    abandoned after 30 s is late for absence, not a late answer)."""
    r = pickup_log()
    d = ag.pickup_days(r, SKILLS, idle_gap=1800)
    assert d.index.tolist() == [DAY.date()]
    assert d["calls"].tolist() == [3] and d["late"].tolist() == [1]
    late = ag.late_idle_arrivals(r, SKILLS, idle_gap=1800)
    assert late.tolist() == [False, True, False, False, True, False]


def test_day_absence_by_hand() -> None:
    """gap_log: A on shift 0-1030 s (1030 s); extrapolated absence 540 s in the first
    interval (``test_availability_extrapolated_absence``), none in the second: 540 /
    1030 of the day. Leaving the waiting call out of absence: nothing seen, 0."""
    r = gap_log()
    a = ag.day_absence(r, {"A": ("PS",)}, interval_minutes=15, idle_gap=1800)
    assert a.index.tolist() == [DAY.date()]
    assert a.iloc[0] == pytest.approx(540 / 1030)
    out = np.array([False, True, False])
    a2 = ag.day_absence(r, {"A": ("PS",)}, interval_minutes=15, idle_gap=1800, not_absence=out)
    assert a2.iloc[0] == pytest.approx(0.0)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
def test_pickup_absence_fit_exact_on_a_line() -> None:
    """Late shares 1/5, 1/3, 1/2 (log-odds -ln 4, -ln 2, 0) at absence 0.1, 0.2, 0.3 lie
    on a line of slope ln 2 / 0.1; the reference is the calls-weighted mean absence
    (300 calls each: 0.2); a day under min_calls does not count; one day, or one
    absence for all, gives no fit. (An exact fit makes statsmodels warn of perfect
    prediction.)"""
    days = pd.DataFrame(
        {
            "calls": [300, 300, 300, 10],
            "late": [60, 100, 150, 10],
            "absence": [0.1, 0.2, 0.3, 0.9],
        }
    )
    fit = ag.pickup_absence_fit(days, min_calls=30)
    assert fit is not None
    assert fit[0] == pytest.approx(np.log(2) / 0.1, rel=1e-6)
    assert fit[1] == pytest.approx(0.2)
    assert ag.pickup_absence_fit(days.iloc[:1], min_calls=30) is None
    assert ag.pickup_absence_fit(days.assign(absence=0.2), min_calls=30) is None


def test_shifted_share_on_the_log_odds_scale() -> None:
    """Share 0.2 (odds 1/4), slope 10, absence 0.1 above the reference: odds e / 4,
    share e / (4 + e); at the reference the share itself; 0 and 1 stay."""
    e = np.exp(1.0)
    assert ag.shifted_share(0.2, 10.0, 0.1, 0.2) == pytest.approx(e / (4 + e))
    assert ag.shifted_share(0.2, 10.0, 0.1, 0.1) == pytest.approx(0.2)
    assert ag.shifted_share(0.0, 10.0, 0.1, 0.5) == 0.0
    assert ag.shifted_share(1.0, 10.0, 0.1, 0.0) == 1.0
