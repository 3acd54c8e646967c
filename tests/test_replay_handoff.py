"""The ``pickup_handoff`` and ``pickup_by_idle`` replay behaviours (issue 12): ``pickup``'s
entries handed off, and its share split by the idle agents at the arrival."""

from __future__ import annotations

from pathlib import Path

import pytest

from forecasting.calibrate import Calibration, calibrate, read_anonymous_bank
from sim.config.scenario import parse_scenario
from sim.engine import compile_scenario
from sim.measure.replay import _daily_entry, _pickup, _pickup_by_idle, _pickup_handoff, replay

from .cli_helpers import ccsim
from .forecast_helpers import RAW, SHARED, needs_raw
from .helpers import single_queue

pytestmark = needs_raw


@pytest.fixture(scope="module")
def january() -> Calibration:
    return calibrate(read_anonymous_bank(RAW / "anonymous_bank_1999_january.txt.gz"))


def test_january_pickup_handoff(january: Calibration) -> None:
    """The hand-off entry is pickup's (January PS: 2732 of 11961 calls late, median
    27 s) with ``handoff: true``, and compiles to a handing-off group."""
    held, handed = _pickup(january), _pickup_handoff(january)
    ps = handed(("PS",))
    assert ps == {**(held(("PS",)) or {}), "handoff": True}
    assert ps["share"] == pytest.approx(2732 / 11961, abs=1e-4)
    data = single_queue(per_interval=1, aht=60, agents=1, patience=None, periods=4)
    data["groups"]["agents"]["pickup"] = ps
    assert compile_scenario(parse_scenario(data)).pickup_handoff == (True,)


def test_pickup_handoff_needs_pickup(
    january: Calibration, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="pickup_handoff needs pickup"):
        replay(january, january.records, days=1, behaviours=("pickup_handoff",))
    monkeypatch.setenv("CCSIM_SHARED_DATA", str(SHARED))
    r = ccsim("replay", "january", "february", "--with", "pickup_handoff", "--without", "pickup")
    assert r.returncode == 2 and "--with pickup_handoff: needs pickup" in r.stderr
    assert "leave out --without pickup" in r.stderr
    with pytest.raises(ValueError, match="pickup_by_idle needs pickup"):
        replay(january, january.records, days=1, behaviours=("pickup_by_idle",))
    r = ccsim("replay", "january", "february", "--with", "pickup_by_idle", "--without", "pickup")
    assert r.returncode == 2 and "--with pickup_by_idle: needs pickup" in r.stderr


def test_january_share_by_idle(january: Calibration) -> None:
    """January's PS calls to idle, available agents by how many were idle (1, 2, 3, 4+):
    3182, 3275, 2464, 3040 calls (11961, pickup's), 1281, 835, 410, 206 late (2732):
    40.3%, 25.5%, 16.6%, 6.8%. TT's third and fourth counts (30, 10 calls) are too few
    and take the second's share (24 / 122)."""
    from forecasting import agents as ag

    counts = ag.pickup_idle_counts(january.records, january.agent_skills, idle_gap=1800)
    calls, late = counts["PS"]
    assert calls.tolist() == [3182, 3275, 2464, 3040] and late.tolist() == [1281, 835, 410, 206]
    by = _pickup_by_idle(january, _pickup(january))
    ps = by(("PS",))
    assert ps is not None and ps["share_by_idle"] == [0.4026, 0.255, 0.1664, 0.0678]
    assert ps["share"] == pytest.approx(2732 / 11961, abs=1e-4)
    assert ag.pickup_by_idle_of(counts, ("TT",)) == [0.1938, 0.1967, 0.1967, 0.1967]
    moved = _daily_entry(ps, None, lambda day, share: share / 2)
    assert moved["share_by_idle"] == [v / 2 for v in ps["share_by_idle"]]
    assert moved["share"] == ps["share"] / 2
    data = single_queue(per_interval=1, aht=60, agents=1, patience=None, periods=4)
    data["groups"]["agents"]["pickup"] = ps
    assert compile_scenario(parse_scenario(data)).pickup_by_idle == (tuple(ps["share_by_idle"]),)
