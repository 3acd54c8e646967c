"""How a replayed day's groups get their pick-up entries (``sim.measure.replay.
_set_pickups``): no records needed."""

from __future__ import annotations

from typing import Any

from sim.measure.replay import _set_pickups

DELAY = {"distribution": "fixed", "value": 20.0}


def test_channels_and_daily_shares() -> None:
    """The group entry by skills; the queues' own entries as ``channels`` (only those
    of the group's skills); ``daily`` moves every share (here halves it) and leaves the
    month's entries as they were; a group without an entry gets none."""
    data: dict[str, Any] = {
        "groups": {
            "ps_nw": {"skills": ["PS", "NW"]},
            "ps": {"skills": ["PS"]},
            "tt": {"skills": ["TT"]},
        }
    }
    by_queue = {"NW": {"share": 0.3, "delay": DELAY}, "NE": {"share": 0.5, "delay": DELAY}}

    def pickup(skills: tuple[str, ...]) -> dict[str, Any] | None:
        return None if skills == ("TT",) else {"share": 0.2, "delay": DELAY}

    _set_pickups(data, "day", pickup, by_queue, lambda day, s: s / 2)
    g = data["groups"]
    assert g["ps_nw"]["pickup"] == {
        "share": 0.1,
        "delay": DELAY,
        "channels": {"NW": {"share": 0.15, "delay": DELAY}},
    }
    assert g["ps"]["pickup"] == {"share": 0.1, "delay": DELAY}
    assert "pickup" not in g["tt"]
    assert by_queue["NW"]["share"] == 0.3  # the month's entry is not changed
    _set_pickups(data, "day", pickup, {}, None)
    assert g["ps_nw"]["pickup"] == {"share": 0.2, "delay": DELAY}
