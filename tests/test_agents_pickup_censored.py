"""Per-queue pick-up delays with abandoned calls as censored delays
(:func:`forecasting.agents.censored_pickup`): a Kaplan-Meier answer by hand."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.agents import censored_pickup


def test_censored_pickup_by_hand() -> None:
    """Ten calls arriving to an idle agent: six answered at once, two answered after
    10 s and 30 s, two abandoned after 20 s and 40 s. Kaplan-Meier: S = 4/10 after the
    six quick answers, 0.4 x 3/4 = 0.3 after 10 s, then the 20 s abandonment leaves two
    at risk and 30 s halves it to 0.15; 0.15 is never seen answered. So the delayed
    share is S(2 s) = 0.4 (not 2/10, leaving the abandoned out), and given a delay: 10 s
    with probability 0.25, 30 s up to 0.625, the rest at the longest wait, 40 s: of 101
    quantiles 26 at 10 s, 37 at 30 s and 38 at 40 s."""
    wait = np.array([0, 0, 0, 0, 0, 0, 10, 20, 30, 40], float)
    answered = np.array([True] * 7 + [False, True, False])
    e = censored_pickup(wait, answered)
    assert e is not None and e["share"] == pytest.approx(0.4)
    d = np.array(e["delay"]["samples"])
    assert e["delay"]["distribution"] == "empirical" and len(d) == 101
    assert [(d == v).sum() for v in (10.0, 30.0, 40.0)] == [26, 37, 38]
    assert np.all(np.diff(d) >= 0)


def test_without_abandonment_it_is_the_plain_share_and_waits() -> None:
    """No call abandoned: the share is the late calls' and the delays their waits'
    quantiles (here 4 of 8 late, waits 5, 15, 25, 35 s: each a quarter)."""
    wait = np.array([0, 0, 1, 2, 5, 15, 25, 35], float)
    e = censored_pickup(wait, np.ones(8, bool))
    assert e is not None and e["share"] == pytest.approx(0.5)
    d = np.array(e["delay"]["samples"])
    assert [(d == v).sum() for v in (5.0, 15.0, 25.0, 35.0)] == [26, 25, 25, 25]


def test_no_late_answer_gives_none() -> None:
    assert censored_pickup(np.array([0.0, 1.0, 30.0]), np.array([True, True, False])) is None
