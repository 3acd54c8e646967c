"""Erlang C / Erlang A formulas against published values and exact identities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import linalg

from sim.plan.erlang import _served_within, erlang_a, erlang_b, erlang_c, required_agents

LAM = 100 / 1800  # 100 calls per 30 min, per second


def test_erlang_c_published_14_agents():
    """100 calls / 30 min, AHT 180 s, 14 agents, 20 s: P(wait) 0.17413, SL 0.88835."""
    q = erlang_c(LAM, 180, 14, 20)
    assert q.p_wait == pytest.approx(0.17413, abs=5e-6)
    assert q.service_level == pytest.approx(0.88835, abs=5e-6)
    assert q.asa == pytest.approx(0.17413 * 180 / 4, rel=1e-4)
    assert q.occupancy == pytest.approx(10 / 14)


def test_erlang_a_published_14_agents():
    """Same queue with exponential patience of mean 300 s (Erlang A)."""
    q = erlang_a(LAM, 180, 300, 14, 20)
    assert q.p_wait == pytest.approx(0.14526, abs=5e-6)
    assert q.p_abandon == pytest.approx(0.013984, abs=5e-7)
    assert q.service_level == pytest.approx(0.91679, abs=5e-6)


@pytest.mark.parametrize(
    "n,lam,aht,pat",
    [(14, LAM, 180, 300), (55, 10 / 60, 300, 120), (3, 1 / 60, 240, 30), (410, 100 / 60, 240, 180)],
)
def test_erlang_a_matches_brute_force_chain(n, lam, aht, pat):
    """Stationary metrics equal a dense birth-death chain solved by linear algebra."""
    mu, th = 1 / aht, 1 / pat
    N = n + 400
    Q = np.zeros((N + 1, N + 1))
    for i in range(N + 1):
        if i < N:
            Q[i, i + 1] = lam
        if i > 0:
            Q[i, i - 1] = min(i, n) * mu + max(i - n, 0) * th
        Q[i, i] = -Q[i].sum()
    A = np.vstack([Q.T, np.ones(N + 1)])
    b = np.zeros(N + 2)
    b[-1] = 1
    pi = linalg.lstsq(A, b)[0]
    queue = np.clip(np.arange(N + 1) - n, 0, None)
    q = erlang_a(lam, aht, pat, n, 20)
    assert q.p_wait == pytest.approx(pi[n:].sum(), rel=1e-6)
    # abandonment flow = theta x mean queue (Little), per arrival
    assert q.p_abandon == pytest.approx(th * (pi * queue).sum() / lam, rel=1e-6)
    assert q.mean_queue == pytest.approx((pi * queue).sum(), rel=1e-6)


@pytest.mark.parametrize(
    ("ahead", "service_rate", "patience", "threshold"),
    [(40, 14 / 180, 300, 20), (120, 40 / 300, 150, 20), (60, 3 / 420, 240, 60), (15, 0.5, 50, 300)],
)
def test_served_within_closed_form_equals_the_absorbing_chain(
    ahead: int, service_rate: float, patience: float, threshold: float
):
    """The incomplete-beta service level equals the matrix exponential of the waiting
    customer's absorbing chain (j ahead -> j - 1 at s + j theta, abandon at theta,
    answered from 0 at s), for an arbitrary distribution over customers ahead."""
    theta = 1 / patience
    waiting = np.random.default_rng(ahead).random(ahead + 1) ** 2
    waiting *= 0.6 / waiting.sum()
    K = ahead
    G = np.zeros((K + 3, K + 3))  # states 0..K ahead, K+1 answered, K+2 abandoned
    for j in range(K + 1):
        G[j, j - 1 if j else K + 1] = service_rate + j * theta
        G[j, K + 2] = theta
        G[j, j] = -G[j].sum()
    start = np.concatenate([waiting, [0.0, 0.0]])
    exact = (start @ linalg.expm(G * threshold))[K + 1]
    assert _served_within(waiting, service_rate, theta, threshold) == pytest.approx(
        exact, rel=1e-9, abs=1e-13
    )
    assert _served_within(waiting, service_rate, theta, 0.0) == 0.0


def test_erlang_a_tends_to_erlang_c_without_abandonment():
    a = erlang_a(LAM, 180, 1e9, 14, 20)
    c = erlang_c(LAM, 180, 14, 20)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-5)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-5)
    assert a.asa == pytest.approx(c.asa, rel=1e-4)


def test_erlang_a_sl_threshold_zero_is_no_wait():
    q = erlang_a(LAM, 180, 300, 14, 0)
    assert q.service_level == pytest.approx(1 - q.p_wait, abs=1e-12)


def test_stable_at_2000_agents():
    """No overflow or NaN for large centres, overloaded or not."""
    for lam_per_min in (400, 490, 600):
        c = erlang_c(lam_per_min / 60, 240, 2000, 20)
        a = erlang_a(lam_per_min / 60, 240, 180, 2000, 20)
        for q in (c, a):
            assert all(math.isfinite(x) for x in (q.p_wait, q.service_level, q.occupancy))
            assert 0 <= q.p_wait <= 1 and 0 <= q.service_level <= 1
    # overloaded Erlang A: about (load - agents) / load of callers abandon
    a = erlang_a(600 / 60, 240, 180, 2000, 20)
    assert a.p_abandon == pytest.approx(400 / 2400, rel=0.02)
    assert erlang_c(600 / 60, 240, 2000).p_wait == 1.0


def test_erlang_b_recursion():
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)


def test_required_agents():
    assert required_agents(LAM, 180, service_level=0.8, threshold=20) == 14
    assert required_agents(LAM, 180, service_level=0.8, threshold=20, max_occupancy=0.7) == 15
    # abandonment relieves the queue: Erlang A never needs more than Erlang C
    assert required_agents(LAM, 180, service_level=0.8, threshold=20, mean_patience=300) <= 14
    assert required_agents(0, 180, service_level=0.8, threshold=20) == 0


def test_bad_arguments():
    with pytest.raises(ValueError, match="mean_handle"):
        erlang_c(LAM, 0, 14)
    with pytest.raises(ValueError, match="agents"):
        erlang_a(LAM, 180, 300, -1)
