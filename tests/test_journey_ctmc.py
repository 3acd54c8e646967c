"""Switching and redials against an exact continuous-time Markov chain.

Two channels with dedicated agents, Poisson arrivals, exponential handle times and
patience. After abandoning voice a customer immediately redials (q) or switches to
chat (p); after abandoning chat they immediately call (r). With exponential times and
first-come-first-served queues the pair (number in voice, number in chat) is a Markov
chain, solved here with scipy; its flows give offered volumes, abandonment, waiting
probabilities and occupancy exactly, hops included.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import spsolve

import sim

from .helpers import agrees

LAM1, AHT1, N1, PAT1 = 2.0 / 60, 240.0, 8, 120.0  # voice: 8 Erlangs on 8 agents
LAM2, AHT2, N2, PAT2 = 1.0 / 60, 300.0, 6, 300.0  # chat: 5 Erlangs + switchers on 6
P_SWITCH, Q_REDIAL, R_BACK = 0.4, 0.3, 0.2


def exact() -> dict[str, float]:
    K1, K2 = N1 + 70, N2 + 70
    mu1, mu2, th1, th2 = 1 / AHT1, 1 / AHT2, 1 / PAT1, 1 / PAT2
    idx = lambda x1, x2: x1 * (K2 + 1) + x2  # noqa: E731
    rows, cols, vals = [], [], []

    def add(a, b, rate):
        if rate > 0 and a != b:
            rows.append(a)
            cols.append(b)
            vals.append(rate)

    for x1 in range(K1 + 1):
        for x2 in range(K2 + 1):
            s = idx(x1, x2)
            q1, q2 = max(x1 - N1, 0), max(x2 - N2, 0)
            if x1 < K1:
                add(s, idx(x1 + 1, x2), LAM1)
            if x2 < K2:
                add(s, idx(x1, x2 + 1), LAM2)
            if x1 > 0:
                add(s, idx(x1 - 1, x2), min(x1, N1) * mu1 + q1 * th1 * (1 - P_SWITCH - Q_REDIAL))
                if x2 < K2:
                    add(s, idx(x1 - 1, x2 + 1), q1 * th1 * P_SWITCH)
                else:  # truncation edge, never reached in practice
                    add(s, idx(x1 - 1, x2), q1 * th1 * P_SWITCH)
            if x2 > 0:
                add(s, idx(x1, x2 - 1), min(x2, N2) * mu2 + q2 * th2 * (1 - R_BACK))
                add(s, idx(min(x1 + 1, K1), x2 - 1), q2 * th2 * R_BACK)
    n = (K1 + 1) * (K2 + 1)
    Q = coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    Q = Q - coo_matrix((np.asarray(Q.sum(axis=1)).ravel(), (range(n), range(n))), shape=(n, n))
    A = Q.T.tolil()
    A[0, :] = 1.0  # replace one balance equation by normalisation
    b = np.zeros(n)
    b[0] = 1.0
    pi = spsolve(A.tocsr(), b).reshape(K1 + 1, K2 + 1)
    assert pi[-1, :].sum() < 1e-12 and pi[:, -1].sum() < 1e-12  # truncation is harmless
    x1 = np.arange(K1 + 1)[:, None]
    x2 = np.arange(K2 + 1)[None, :]
    Q1, Q2 = np.maximum(x1 - N1, 0), np.maximum(x2 - N2, 0)
    eq1, eq2 = (pi * Q1).sum(), (pi * Q2).sum()
    ab1, ab2 = th1 * eq1, th2 * eq2  # abandonment flows per second
    off1 = LAM1 + Q_REDIAL * ab1 + R_BACK * ab2
    off2 = LAM2 + P_SWITCH * ab1
    # who waits: Poisson arrivals see pi; hops see the state at the abandonment moment
    busy1, busy2 = x1 >= N1, x2 >= N2
    wait1 = (
        LAM1 * (pi * busy1).sum()
        + Q_REDIAL * ab1  # a redialler always queues again
        + R_BACK * th2 * (pi * Q2 * busy1).sum()
    ) / off1
    wait2 = (LAM2 * (pi * busy2).sum() + P_SWITCH * th1 * (pi * Q1 * busy2).sum()) / off2
    return {
        "voice.offered_per_hour": off1 * 3600,
        "chat.offered_per_hour": off2 * 3600,
        "chat.hops_in_per_hour": P_SWITCH * ab1 * 3600,
        "voice.abandon_rate": ab1 / off1,
        "chat.abandon_rate": ab2 / off2,
        "voice.p_wait": wait1,
        "chat.p_wait": wait2,
        "phones.occupancy": (pi * np.minimum(x1, N1)).sum() / N1,
        "digital.occupancy": (pi * np.minimum(x2, N2)).sum() / N2,
    }


def scenario(hours: int, reps: int) -> sim.Scenario:
    exp = lambda m: {"distribution": "exponential", "mean": m}  # noqa: E731
    now = {"distribution": "fixed", "value": 0}
    return sim.parse_scenario(
        {
            "name": "two channels, immediate hops",
            "interval_minutes": 60,
            "periods": hours,
            "warmup_minutes": 120,
            "seed": 3,
            "replications": reps,
            "channels": {
                "voice": {"arrivals": LAM1 * 3600, "handle_time": exp(AHT1), "patience": exp(PAT1)},
                "chat": {"arrivals": LAM2 * 3600, "handle_time": exp(AHT2), "patience": exp(PAT2)},
            },
            "groups": {
                "phones": {"skills": ["voice"], "agents": N1},
                "digital": {"skills": ["chat"], "agents": N2},
            },
            "journeys": {
                "max_attempts": 40,  # never binding in practice: the chain has no attempt count
                "transitions": [
                    {
                        "from": "voice",
                        "on": "abandon",
                        "to": "chat",
                        "probability": P_SWITCH,
                        "delay": now,
                    },
                    {
                        "from": "voice",
                        "on": "abandon",
                        "to": "voice",
                        "probability": Q_REDIAL,
                        "delay": now,
                    },
                    {
                        "from": "chat",
                        "on": "abandon",
                        "to": "voice",
                        "probability": R_BACK,
                        "delay": now,
                    },
                ],
            },
        }
    )


def test_switching_and_redials_match_markov_chain():
    hours, reps = 48, 20
    res = sim.simulate(scenario(hours, reps))
    counted_hours = hours - 2
    want = exact()
    per_rep = res.channel_reps.set_index(["replication", "channel"])
    got: dict[str, tuple[float, float]] = {}
    for ch in ("voice", "chat"):
        for kpi in ("abandon_rate", "p_wait"):
            got[f"{ch}.{kpi}"] = res.kpi(ch, kpi)
        m, c = res.kpi(ch, "offered")
        got[f"{ch}.offered_per_hour"] = (m / counted_hours, c / counted_hours)
    m, c = res.kpi("chat", "hops_in")
    got["chat.hops_in_per_hour"] = (m / counted_hours, c / counted_hours)
    occ = res.groups.query("kpi == 'occupancy'").set_index("group")
    for g in ("phones", "digital"):
        got[f"{g}.occupancy"] = (occ.loc[g, "mean"], occ.loc[g, "ci95"])
    for key, expected in want.items():
        mean, ci = got[key]
        assert agrees(mean, ci, reps, expected), (
            f"{key}: simulated {mean:.5f} ± {ci:.5f}, exact {expected:.5f}"
        )
    # the hops are real: about a quarter of voice abandoners' contacts land on chat
    assert want["chat.hops_in_per_hour"] > 5
    assert per_rep.loc[(0, "voice"), "redialled"] > 0
    assert res.journeys.set_index("kpi").loc["max_attempts", "mean"] == pytest.approx(0, abs=0.5)
