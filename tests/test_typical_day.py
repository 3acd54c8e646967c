"""The typical day with the replay's behaviours (``sim.measure.typical_day``,
``ccsim calibrate --behaviours``): a hand-built log whose availability is worked out by
hand, and January 1999's records against the one-group fragment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from forecasting.calibrate import Calibration, calibrate, read_anonymous_bank, read_records
from sim import parse_scenario
from sim.measure.runner import simulate
from sim.measure.typical_day import (
    TYPICAL_DAY_BEHAVIOURS,
    carried_round,
    typical_day,
    typical_staffing,
)

from .cli_helpers import ccsim
from .forecast_helpers import RAW, needs_raw
from .test_agents import log

EIGHT = 8 * 3600
"""8:00 (s after midnight): slot 32 of the 15-min intervals."""


def chain(start: float, seconds: int, queue: str, agent: str) -> list[tuple[Any, ...]]:
    """``agent`` serving ``queue`` back to back from ``start`` for ``seconds`` (a multiple
    of 600): calls of 200 and 400 s, each arriving as the one before ends (wait 0: the
    agent is never idle while on shift); and one call per 600 s arriving 50 s into it
    that waits 20 s while the agent is busy and abandons (no absence is seen)."""
    calls: list[tuple[Any, ...]] = []
    t = start
    for k in range(seconds // 600):
        calls.append((t, queue, 0, "answered", 200, agent))
        calls.append((t + 200, queue, 0, "answered", 400, agent))
        calls.append((t + 50, queue, 20 + k, "abandoned", 0, ""))
        t += 600
    return calls


def two_day_log() -> pd.DataFrame:
    """Sunday 3 and Monday 4 January 1999. A (PS) serves 8:00-9:00 on Sunday, 8:00-8:30
    on Monday; B (NW) 8:00-8:30 on Sunday, 8:00-9:00 on Monday. Mean available agents
    over the two days: PS and NW each 1, 1, 0.5, 0.5 in the slots of 8:00-9:00."""
    day = 86400
    calls = chain(EIGHT, 3600, "PS", "A") + chain(day + EIGHT, 1800, "PS", "A")
    calls += chain(EIGHT, 1800, "NW", "B") + chain(day + EIGHT, 3600, "NW", "B")
    return log(*sorted(calls, key=lambda c: c[0]))


def test_typical_staffing_is_the_two_days_mean_availability_per_group() -> None:
    cal = calibrate(two_day_log())
    assert sorted(cal.queues) == ["NW", "PS"]
    mean, groups, _ = typical_staffing(cal)
    assert groups is not None and sorted(groups.values()) == [("NW",), ("PS",)]
    name = {skills: g for g, skills in groups.items()}
    got = mean.pivot(index="slot", columns="group", values="agents").fillna(0.0)
    for skills in (("PS",), ("NW",)):
        col = got[name[skills]]
        assert col.loc[32:35].tolist() == pytest.approx([1.0, 1.0, 0.5, 0.5])
        assert col.drop(range(32, 36)).abs().max() == pytest.approx(0.0)


def test_typical_day_loads_with_groups_adding_up_and_fragment_arrivals() -> None:
    """Per slot the groups' whole agents add up to the rounded total (2, 2, 1, 1); the
    half agents of 8:30 and 8:45 go to one group and then the other (each group's day:
    3 agent-intervals, its mean); arrivals and transitions are the fragment's."""
    cal = calibrate(two_day_log())
    data = typical_day(cal)
    sc = parse_scenario(data, source="typical day")
    assert sc.periods == 96
    agents = np.array([g["agents"] for g in data["groups"].values()])
    assert agents.sum(axis=0)[32:36].tolist() == [2, 2, 1, 1]
    assert agents[:, 32:36].tolist() == [[1, 1, 1, 0], [1, 1, 0, 1]]
    assert agents.sum(axis=1).tolist() == [3, 3]
    frag = cal.fragment()
    for q in cal.queues:
        assert data["channels"][q]["arrivals"] == frag["channels"][q]["arrivals"]
    assert data["journeys"] == frag["journeys"]


def test_carried_round_by_hand() -> None:
    """Three groups of 0.4 agents for five intervals (total 1.2: one agent each): the
    agent goes to the group furthest below its mean so far (ties: the first), A, B, C,
    A, B; each group's day (2 agent-intervals) gets 2, 2, 1. Rounding each interval on
    its own (largest remainder) would give A all five. A group without agents in an
    interval gets none there, whatever it is owed."""
    x = np.full((5, 3), 0.4)
    got = carried_round(x)
    assert got.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]]
    y = np.array([[0.5, 0.5], [0.0, 1.0], [0.6, 0.0]])
    assert carried_round(y).tolist() == [[1, 0], [0, 1], [1, 0]]


def test_bad_behaviours_are_refused() -> None:
    cal = calibrate(two_day_log())
    with pytest.raises(ValueError, match="behaviours: pickup_daily need a test day"):
        typical_day(cal, (*TYPICAL_DAY_BEHAVIOURS, "pickup_daily"))
    with pytest.raises(ValueError, match="behaviours: unknown nope"):
        typical_day(cal, ("skills", "nope"))
    with pytest.raises(ValueError, match="proficiency needs skills"):
        typical_day(cal, ("proficiency",))


def test_no_behaviours_is_one_group_on_shift() -> None:
    """``()``: one group skilled for every queue with the on-shift agents (here the
    same as available: nobody is idle on shift), 2, 2, 1, 1 from 8:00."""
    cal = calibrate(two_day_log())
    data = typical_day(cal, ())
    parse_scenario(data, source="typical day, no behaviours")
    assert list(data["groups"]) == ["agents"]
    assert sorted(data["groups"]["agents"]["skills"]) == ["NW", "PS"]
    assert data["groups"]["agents"]["agents"][32:36] == [2, 2, 1, 1]
    assert sum(data["groups"]["agents"]["agents"]) == 6
    assert all("wrap_up" not in ch for ch in data["channels"].values())


def test_cli_behaviours_option(tmp_path: Path) -> None:
    """Without ``--behaviours`` the file is the fragment, as before; with it the typical
    day; bad values exit 2 naming the option."""
    rec = tmp_path / "rec.csv"
    r = two_day_log()
    cols = ["arrival", "queue", "wait", "outcome", "handle_time", "agent"]
    r.assign(outcome=np.where(r["answered"], "answered", "abandoned"))[cols].to_csv(
        rec, index=False
    )
    cal = calibrate(read_records(rec))
    plain, typ = tmp_path / "plain.yaml", tmp_path / "typ.yaml"
    assert ccsim("calibrate", str(rec), "--out", str(plain)).returncode == 0
    assert plain.read_text(encoding="utf-8") == cal.fragment_yaml()
    res = ccsim("calibrate", str(rec), "--out", str(typ), "--behaviours", "default")
    assert res.returncode == 0, res.stderr
    assert yaml.safe_load(typ.read_text(encoding="utf-8")) == typical_day(cal)
    for bad in ("nope", "pickup_daily,pickup", "skills,,wrap_up", "proficiency"):
        res = ccsim("calibrate", str(rec), "--behaviours", bad)
        assert res.returncode == 2 and "--behaviours:" in res.stderr, (bad, res.stderr)


def _pooled(data: dict[str, Any]) -> tuple[float, float]:
    """Simulated abandonment and share within the threshold, pooled over the queues
    (50 replications, seed 1)."""
    res = simulate(parse_scenario({**data, "replications": 50, "seed": 1}, source="test"))
    ch = res.channels.pivot(index="channel", columns="kpi", values="mean")
    o = ch["offered"]
    return (
        float((ch["abandon_rate"] * o).sum() / o.sum()),
        float((ch["service_level"] * o).sum() / o.sum()),
    )


def _actual(cal: Calibration) -> tuple[float, float]:
    r = cal.records[cal.records["queue"].isin(cal.queues)]
    return float((~r["answered"]).mean()), float((r["answered"] & (r["wait"] <= 60)).mean())


@needs_raw
def test_january_typical_day_closer_than_the_fragment() -> None:
    """January 1999 (10.3% abandoned, 71.1% within 60 s over the month), 50
    replications, seeds 1-3: the fragment -3.1 to -2.5 / +10.3 to +11.5 points, the
    typical day 0.0 to +0.4 / +4.8 to +5.4 (README, calibrate). Bands with margin
    around those; the groups add up to the rounded pooled mean availability and each
    group's day is its mean agent-intervals within one."""
    cal = calibrate(read_anonymous_bank(RAW / "anonymous_bank_1999_january.txt.gz"))
    ab, sl = _actual(cal)
    typ, frag = typical_day(cal), cal.fragment()
    mean, _, _ = typical_staffing(cal)
    total = np.rint(mean.groupby("slot")["agents"].sum().reindex(range(96), fill_value=0))
    agents = np.array([g["agents"] for g in typ["groups"].values()])
    assert agents.sum(axis=0).tolist() == total.astype(int).tolist()
    per_group = mean.groupby("group")["agents"].sum()
    for name, g in typ["groups"].items():
        assert abs(sum(g["agents"]) - per_group[name]) <= 1, name
    t, f = _pooled(typ), _pooled(frag)
    assert abs(t[0] - ab) < 0.01 and -0.045 < f[0] - ab < -0.015
    assert 0.0 < t[1] - sl < 0.07 and 0.08 < f[1] - sl < 0.14
    assert abs(t[0] - ab) < abs(f[0] - ab) and abs(t[1] - sl) < abs(f[1] - sl)
