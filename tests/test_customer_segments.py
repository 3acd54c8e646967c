"""Customer segments from records (forecasting.segments) on a synthetic record set with
known classes: hand-checkable shares, service order, patience and handle times."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from forecasting.calibrate import fit_handle_time, fit_patience
from forecasting.segments import class_priorities, customer_segments, overtakes
from sim.config.scenario import parse_scenario

from .cli_helpers import ccsim

T0 = pd.Timestamp("1999-01-03")
PAIRS = 200
"""Class-1 calls, each overtaken by a class-2 call arriving 10 s after it."""
LONE = 400
"""Class-2 calls arriving alone (nobody waiting)."""
UNQUEUED = 1000
"""Calls answered at once, recorded with class 0 (the Anonymous Bank's habit)."""
STRAY = 10
"""Class-0 calls that queued: 10 / 810 = 1.2% of the queued calls, below the 5% kept."""


def _call(t: float, wait: float, answered: bool, ht: float, prio: str) -> dict[str, object]:
    return {
        "arrival": T0 + pd.Timedelta(seconds=t),
        "queue": "PS",
        "wait": float(wait),
        "answered": answered,
        "handle_time": float(ht) if answered else 0.0,
        "priority": prio,
    }


def records(class1_ht: float = 300.0) -> pd.DataFrame:
    """Pairs 1000 s apart: a class-1 call at T (40 of them abandon after 40..235 s, the
    rest are answered after 100..149 s), a class-2 call at T + 10 answered after 20 s
    (so it overtakes); lone class-2 calls at T + 500 (20 abandon after 30..220 s, the
    rest answered after 15..54 s); class-0 calls at T + 700 (queued, 25 s) and answered
    at once. Handle times alternate mean x (1 -+ 0.5): class 1 ``class1_ht``, class 2
    100 s, class 0 150 s."""
    rows = []
    for i in range(PAIRS):
        t = 1000.0 * i
        ab = i < 40
        rows.append(
            _call(t, 40 + 5 * i if ab else 100 + i % 50, not ab, class1_ht * (0.5 + i % 2), "1")
        )
        rows.append(_call(t + 10, 20, True, 100 * (0.5 + i % 2), "2"))
    for i in range(LONE):
        t = 1000.0 * (i % PAIRS) + 500 + (i // PAIRS) * 100
        ab = i < 20
        rows.append(_call(t, 30 + 10 * i if ab else 15 + i % 40, not ab, 100 * (0.5 + i % 2), "2"))
    for i in range(STRAY):
        rows.append(_call(1000.0 * i + 700, 25, True, 150, "0"))
    for i in range(UNQUEUED):
        rows.append(_call(200.0 * i + 750, 0, True, 150 * (0.5 + i % 2), "0"))
    return pd.DataFrame(rows).sort_values("arrival", ignore_index=True)


def test_shares_order_patience_and_handle_times() -> None:
    r = records()
    seg = customer_segments(r)
    assert list(seg) == ["priority_2", "priority_1"]  # class 0 (1.2% of queued) left out
    # shares of the queued calls of the kept classes: 600 / 800 and 200 / 800
    assert seg["priority_2"]["share"] == 0.75 and seg["priority_1"]["share"] == 0.25
    # every class-2 call of a pair overtook its class-1 call; no class-1 call overtook
    n = overtakes(r, ["1", "2"])
    assert n.loc["2", "1"] == PAIRS and n.loc["1", "2"] == 0
    assert seg["priority_2"]["priority"] == 1 and seg["priority_1"]["priority"] == 2
    one = r[r["priority"] == "1"]
    p = fit_patience(one["wait"].to_numpy(), (~one["answered"]).to_numpy())
    assert seg["priority_1"]["patience"] == p["distribution"]
    # exponential MLE by hand: total time at risk / abandonments (every wait >= 10 s)
    hand = (sum(40 + 5 * i for i in range(40)) + sum(100 + i % 50 for i in range(40, 200))) / 40
    assert p["exponential_mean"] == pytest.approx(hand, rel=1e-3)
    # handle times: class 1 (mean 300) and class 2 (mean 100) differ from the queue's
    # ((1010 x 150 + 160 x 300 + 580 x 100) / 1750 = 147.1 s)
    for label in ("1", "2"):
        mine = r[(r["priority"] == label) & r["answered"]]
        want = fit_handle_time(mine["handle_time"].to_numpy())["distribution"]
        assert seg[f"priority_{label}"]["handle_time"] == want
    assert seg["priority_1"]["handle_time"]["mean"] == pytest.approx(300, rel=0.05)


def test_no_handle_time_where_it_does_not_differ() -> None:
    """Class 1 at 135 s against the queue's (1010 x 150 + 160 x 135 + 580 x 100) / 1750
    = 132.1 s (2% apart, within 5%): no override; class 2 (100 s) keeps its own."""
    r = records(class1_ht=135.0)
    seg = customer_segments(r)
    assert "handle_time" not in seg["priority_1"]
    assert "handle_time" in seg["priority_2"]


def test_equal_order_without_evidence() -> None:
    """No overtaking either way (the pairs' class-2 calls arrive after the class-1 call
    left): one first-come-first-served queue, equal priorities."""
    r = records()
    late = (r["priority"] == "2") & (r["wait"] == 20)
    r.loc[late, "arrival"] += pd.Timedelta(seconds=300)
    n = overtakes(r, ["1", "2"])
    assert n.to_numpy().sum() == 0
    assert class_priorities(n) == {"1": 1, "2": 1}
    seg = customer_segments(r)
    assert {s["priority"] for s in seg.values()} == {1}


def test_no_segments_without_classes() -> None:
    r = records()
    assert customer_segments(r.drop(columns="priority")) == {}
    assert customer_segments(r.assign(priority="0")) == {}
    assert customer_segments(r.assign(priority=np.nan)) == {}


def test_segments_load_as_a_scenario() -> None:
    seg = customer_segments(records())
    data = {
        "name": "segments",
        "interval_minutes": 60,
        "periods": 1,
        "channels": {
            "PS": {
                "arrivals": 10,
                "handle_time": {"distribution": "exponential", "mean": 150},
                "patience": {"distribution": "exponential", "mean": 300},
                "segments": seg,
            }
        },
        "groups": {"a": {"skills": ["PS"], "agents": 3}},
    }
    sc = parse_scenario(data)
    loaded = sc.channels["PS"].segments
    assert loaded is not None and set(loaded) == {"priority_1", "priority_2"}
    assert loaded["priority_2"].priority == 1 and loaded["priority_2"].share == 0.75


def test_calibrate_command_writes_segments(tmp_path: Path) -> None:
    """``ccsim calibrate --segments``: a generic CSV with a ``priority`` column gives a
    fragment whose PS channel carries the two classes (and loads); without the flag the
    fragment has none."""
    r = records()
    csv = tmp_path / "calls.csv"
    r.assign(
        arrival=r["arrival"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        outcome=np.where(r["answered"], "answered", "abandoned"),
    ).drop(columns="answered").to_csv(csv, index=False)
    out = tmp_path / "fragment.yaml"
    res = ccsim("calibrate", str(csv), "--segments", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "priority_2   share 0.750 priority 1" in res.stdout
    data = yaml.safe_load(out.read_text("utf-8"))
    seg = data["channels"]["PS"]["segments"]
    assert seg["priority_2"]["share"] == 0.75 and seg["priority_1"]["priority"] == 2
    parse_scenario(data)
    res = ccsim("calibrate", str(csv), "--out", str(out))
    assert (
        res.returncode == 0
        and "segments" not in yaml.safe_load(out.read_text("utf-8"))["channels"]["PS"]
    )
