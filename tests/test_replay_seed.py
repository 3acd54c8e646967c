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


def test_behaviours_docstring_says_off_by_default_for_exactly_the_others() -> None:
    """Each behaviour's entry in BEHAVIOURS' docstring says "off by default" exactly
    when it is not in DEFAULT_BEHAVIOURS (the docstring is the behaviours' reference)."""
    import re

    from sim.measure import replay

    source = open(replay.__file__, encoding="utf-8").read()
    start = source.index('"""What a replay can take from the records')
    doc = source[start : source.index('"""', start + 3)]
    entries = dict(re.findall(r"\* ``(\w+)``([^*]*)", doc))
    assert set(entries) == set(replay.BEHAVIOURS)
    for name, text in entries.items():
        off = "off by default" in text.split(":")[0]
        assert off == (name not in replay.DEFAULT_BEHAVIOURS), (name, text[:60])
