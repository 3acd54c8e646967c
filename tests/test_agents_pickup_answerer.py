"""Availability with pick-up waits left out of absence for their answerer only
(``forecasting.agents.availability(answerer_only=True)``): a hand-built log."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting import agents as ag

from .test_agents import log


def test_a_late_pickup_is_absence_for_the_other_idle_agent() -> None:
    """A and B (PS) each serve 0-100 s and 400-500 s (on shift 0-500 s, 500 s each of
    the first 900-s interval; idle past 60 s of the gap: 160-400 s). Call 3 arrives at
    250 s and waits 150 s for A. Absence seen while it waits, 250-400 s: 150 s each,
    (350 + 350) / 900; leaving its wait out for everyone (``not_absence``): 1000 / 900;
    for its answerer A only: (500 + 350) / 900."""
    r = log(
        (0, "PS", 0, "answered", 100, "A"),
        (0, "PS", 0, "answered", 100, "B"),
        (250, "PS", 150, "answered", 100, "A"),
        (400, "PS", 0, "answered", 100, "B"),
    )
    skills = {"A": ("PS",), "B": ("PS",)}
    late = np.array([False, False, True, False])

    def agents(**kw: object) -> float:
        av = ag.availability(r, skills, interval_minutes=15, idle_gap=1800, **kw)  # type: ignore[arg-type]
        return float(av["agents"].iloc[0])

    assert agents() == pytest.approx(700 / 900)
    assert agents(not_absence=late) == pytest.approx(1000 / 900)
    assert agents(not_absence=late, answerer_only=True) == pytest.approx(850 / 900)
    assert agents(answerer_only=True) == pytest.approx(700 / 900)  # nothing left out
