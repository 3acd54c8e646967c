"""The announced wait (what balking, offers, call-backs and ``expected_wait_over`` hear):
(live contacts waiting ahead + 1) x the mean time an agent spends on a contact in the
current period (handle_time_means' mean + the wrap-up's mean) / the eligible agents'
capacity, each group's agents weighted by their speed (1 / handle_time_factor).
Checked contact by contact from raw runs, with balking at probability 1."""

from __future__ import annotations

from typing import Any

import numpy as np

import sim
from sim.engine import ANSWERED, compile_scenario, run_replication
from sim.engine.streams import replication_seed

from .helpers import single_queue

THRESHOLD = 40.0  # s: balk (probability 1) when the announced wait is longer
WRAP = 30.0  # s of after-call work, fixed
MEANS = [150.0, 210.0, 150.0, 240.0]  # s: mean handle time per 30-min period
FAST, SLOW, SLOW_FACTOR = 12, 10, 1.25  # agents; the slow group's handle-time factor


def _data(*, wrap: bool, slow: bool, means: bool) -> dict[str, Any]:
    data = single_queue(per_interval=300, aht=180, agents=FAST, patience=300, periods=len(MEANS))
    data["warmup_minutes"] = 0
    voice = data["channels"]["voice"]
    voice["balking"] = {"threshold": THRESHOLD, "probability": 1.0}
    if means:
        voice["handle_time_means"] = MEANS
    if wrap:
        voice["wrap_up"] = {"distribution": "fixed", "value": WRAP}
    if slow:
        data["groups"]["new_hires"] = {
            "skills": ["voice"],
            "agents": SLOW,
            "handle_time_factor": {"voice": SLOW_FACTOR},
        }
    return data


def _check_by_hand(data: dict[str, Any], per_contact: list[float], capacity: float) -> int:
    """Every contact that found no agent free balked iff (ahead + 1) x the period's time
    per contact / capacity > THRESHOLD; returns how many balked over 3 replications."""
    sc = sim.parse_scenario(data)
    m = compile_scenario(sc)
    interval = data["interval_minutes"] * 60.0
    balked = 0
    for r in range(3):
        run = run_replication(m, replication_seed(sc.seed, r))
        arr, end = run.arrival, run.wait_end
        immediate = (run.outcome == ANSWERED) & (end == arr)
        live = ~run.balked
        for k in np.flatnonzero(~immediate):
            t = arr[k]
            if t >= len(MEANS) * interval:
                continue  # after the periods: the last period's time (not exercised here)
            ahead = int((live & (arr < t) & (end > t)).sum())
            told = (ahead + 1) * per_contact[int(t // interval)] / capacity
            assert run.balked[k] == (told > THRESHOLD), (k, told)
        balked += int(run.balked.sum())
    return balked


def test_announced_wait_counts_wrap_up_period_means_and_speed() -> None:
    per_contact = [h + WRAP for h in MEANS]
    capacity = FAST + SLOW / SLOW_FACTOR
    assert _check_by_hand(_data(wrap=True, slow=True, means=True), per_contact, capacity) > 0


def test_announced_wait_without_them_is_the_base_mean() -> None:
    """No wrap-up, factors or per-period means: position x mean handle / agents."""
    per_contact = [180.0] * len(MEANS)
    assert _check_by_hand(_data(wrap=False, slow=False, means=False), per_contact, FAST) > 0
