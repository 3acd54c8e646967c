"""The replay's by-regime diagnostic: what a call found on arrival (no call waiting,
or a queue), on hand-made calls, on an Erlang C queue (exact state probabilities) and
from ``ccsim replay --regimes``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import sim
from sim.measure.replay_regimes import REGIMES, compare_regimes, regime_counts, run_regimes

from .cli_helpers import ccsim
from .forecast_helpers import SHARED, needs_raw
from .helpers import agrees, single_queue

NONE, QUEUE = REGIMES

# (queue, arrival s, wait s, answered): waiting spans are [arrival, arrival + wait)
CALLS = [
    ("X", 0.0, 10.0, True),  # A: finds nothing; waits past the 5 s threshold
    ("Y", 5.0, 0.0, True),  # B: finds A waiting
    ("X", 10.0, 3.0, False),  # C: A stopped waiting at 10 (half-open): finds nothing
    ("X", 12.0, 0.0, True),  # D: finds C waiting
    ("Y", 20.0, 0.0, True),  # E: finds nothing
    ("X", 30.0, 5.0, True),  # F and G arrive together: each finds the other
    ("X", 30.0, 5.0, True),
]


def _counts(since: float = 0.0) -> pd.DataFrame:
    q, t, w, a = (np.array(c) for c in zip(*CALLS, strict=True))
    out = regime_counts(
        t.astype(float), w.astype(float), a.astype(bool), q, threshold=5.0, since=since
    )
    return out.set_index(["queue", "regime"])


def test_regime_counts_by_hand() -> None:
    """Per queue and regime: calls, waited, answered within 5 s, abandoned."""
    c = _counts()
    assert c.loc[("X", NONE)].tolist() == [2, 2, 0, 1]  # A, C
    assert c.loc[("X", QUEUE)].tolist() == [3, 2, 3, 0]  # D, F, G
    assert c.loc[("Y", QUEUE)].tolist() == [1, 0, 1, 0]  # B
    assert c.loc[("Y", NONE)].tolist() == [1, 0, 1, 0]  # E
    assert len(c) == 4


def test_regime_counts_since_keeps_earlier_calls_as_context() -> None:
    """Calls before ``since`` are not counted but still make a later call's regime:
    from 11 s, D still finds C waiting."""
    c = _counts(since=11.0)
    assert c.loc[("X", QUEUE)].tolist() == [3, 2, 3, 0]  # D, F, G
    assert ("X", NONE) not in c.index and c.loc[("Y", NONE)].tolist() == [1, 0, 1, 0]


def test_compare_regimes_shares() -> None:
    """Two identical replications simulated: the simulated shares equal the actual;
    X's calls are 2/5 in the no-call-waiting regime, C abandoned 1 of its 2."""
    actual = _counts().reset_index()
    out = compare_regimes(actual, pd.concat([actual, actual])).set_index(["queue", "regime"])
    x = out.loc[("X", NONE)]
    assert x["calls"] == 2 and x["share"] == pytest.approx(0.4)
    assert x["abandoned"] == pytest.approx(0.5) and x["waited"] == pytest.approx(1.0)
    for k in ("share", "waited", "within", "abandoned"):
        assert np.allclose(out[k], out[f"sim_{k}"])


def test_erlang_c_regimes() -> None:
    """M/M/14 with 10 Erlangs (PASTA): an arrival finds calls waiting with probability
    P(n > 14) = C * rho (C the Erlang C waiting probability), and of those finding no
    call waiting, the share that waits is P(n = 14) / P(n <= 14) = C (1 - rho) / (1 - C rho)."""
    agents, aht, per_min = 14, 180.0, 100 / 30
    data = single_queue(
        per_interval=per_min * 30,
        aht=aht,
        agents=agents,
        patience=None,
        periods=48,
        replications=20,
    )
    res = sim.simulate(sim.parse_scenario(data), keep_runs=True)
    c = sim.erlang_c(per_min / 60, aht, agents).p_wait
    rho = per_min / 60 * aht / agents
    found, waited_empty = [], []
    for run in res.runs:
        r = run_regimes(run, ["voice"], threshold=20.0, since=3600.0).set_index("regime")
        found.append(r.loc[QUEUE, "calls"] / r["calls"].sum())
        waited_empty.append(r.loc[NONE, "waited"] / r.loc[NONE, "calls"])
    for x, exact in ((found, c * rho), (waited_empty, c * (1 - rho) / (1 - c * rho))):
        from scipy import stats

        n = len(x)
        ci95 = float(stats.t.ppf(0.975, n - 1) * np.std(x, ddof=1) / np.sqrt(n))
        assert agrees(float(np.mean(x)), ci95, n, exact), (np.mean(x), exact)


@needs_raw
@pytest.mark.slow
def test_cli_replay_regimes(monkeypatch: pytest.MonkeyPatch) -> None:
    """One day: the actual calls by regime add up to the day's offered calls per queue,
    and the printed table names both regimes."""
    monkeypatch.setenv("CCSIM_SHARED_DATA", str(SHARED))
    r = ccsim("replay", "january", "february", "--days", "1", "-r", "1", "--regimes", "--json", "-")
    assert r.returncode == 0, r.stderr
    payload = json.loads(r.stdout)
    regimes = pd.DataFrame(payload["regimes"])
    offered = pd.DataFrame(payload["days"]).set_index("queue")["offered"]
    calls = regimes.groupby("queue")["calls"].sum()
    assert (calls.reindex(offered.index) == offered).all()
    assert set(regimes["regime"]) == set(REGIMES)
    r = ccsim("replay", "january", "february", "--days", "1", "-r", "1", "--regimes")
    assert r.returncode == 0 and "no call waiting" in r.stdout and "calls waiting" in r.stdout
