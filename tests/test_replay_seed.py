"""The replay's per-day seeds (:func:`sim.measure.replay.day_seed`): no records needed."""

from __future__ import annotations

import datetime as dt

from sim.measure.replay import day_seed


def test_day_seeds_are_reproducible_distinct_and_valid() -> None:
    """The same (seed, day) always gives the same seed; a year of days at three seeds
    gives 3 x 365 different ones, each a valid scenario seed (0 <= s < 2**32)."""
    days = [dt.date(1999, 1, 1) + dt.timedelta(days=k) for k in range(365)]
    seeds = [day_seed(s, d) for s in (1, 2, 3) for d in days]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= s < 2**32 for s in seeds)
    assert day_seed(1, days[40]) == day_seed(1, dt.date(1999, 2, 10))
