"""Erlang C (M/M/n) and Erlang A (M/M/n+M) queue metrics and staffing.

Pure functions, the analytic first answer for staffing and the simulator's test
oracle. Rates are per **second**, durations in **seconds**. Everything is computed
in log space or by stable recursions, so it holds for thousands of agents.

Erlang A is solved exactly from its birth-death chain (number in system, service
rate ``min(i, n) / aht``, abandonment rate ``(i - n)+ / patience``), truncated where
the stationary probabilities fall below 1e-17 of their peak. A waiting customer
with ``j`` others ahead moves forward at rate ``n/aht + j/patience`` and abandons at
rate ``1/patience``; the service level comes from that absorbing chain in closed
form: the time to clear ``j`` ahead and be answered, weighted by not abandoning
meanwhile, is a sum of exponentials whose rates step by ``1/patience``, and its
distribution is a regularised incomplete beta function (see :func:`_served_within`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import betainc, gammaln, logsumexp

__all__ = [
    "QueueMetrics",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "required_agents",
]


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state metrics of one queue; shares of all arriving contacts.

    ``service_level`` = P(answered within the threshold), ``asa`` = mean wait of
    answered contacts (s), ``p_wait`` = P(no agent free on arrival), ``occupancy``
    = mean busy agents / agents.
    """

    agents: int
    offered_load: float  # Erlangs: arrival rate x mean handle time
    p_wait: float
    service_level: float
    asa: float
    p_abandon: float
    mean_queue: float
    occupancy: float


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of M/M/n/n with ``load`` Erlangs (stable recursion)."""
    if agents < 0 or load < 0:
        raise ValueError("agents and load must be >= 0")
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(
    arrival_rate: float, mean_handle: float, agents: int, threshold: float = 0.0
) -> QueueMetrics:
    """M/M/n with infinitely patient customers.

    Parameters
    ----------
    arrival_rate : contacts per second.
    mean_handle : mean handle time (s).
    agents : agents answering.
    threshold : service-level threshold (s).
    """
    _check(arrival_rate, mean_handle, agents, threshold)
    a = arrival_rate * mean_handle
    n = agents
    if n <= a:  # unstable: the queue grows without bound
        return QueueMetrics(n, a, 1.0, 0.0, math.inf, 0.0, math.inf, 1.0 if n else 0.0)
    b = erlang_b(n, a)
    pw = n * b / (n - a * (1.0 - b))
    drain = (n - a) / mean_handle  # rate at which the queue empties
    return QueueMetrics(
        agents=n,
        offered_load=a,
        p_wait=pw,
        service_level=1.0 - pw * math.exp(-drain * threshold),
        asa=pw / drain,
        p_abandon=0.0,
        mean_queue=pw * a / (n - a),
        occupancy=a / n,
    )


def erlang_a(
    arrival_rate: float,
    mean_handle: float,
    mean_patience: float,
    agents: int,
    threshold: float = 0.0,
) -> QueueMetrics:
    """M/M/n+M (Palm / Erlang A): exponential patience of mean ``mean_patience`` (s).

    ``asa`` is the mean wait of answered contacts; ``service_level`` counts contacts
    answered within ``threshold`` over all arrivals (abandoners count as missed).
    """
    _check(arrival_rate, mean_handle, agents, threshold)
    if not mean_patience > 0:
        raise ValueError("mean_patience must be > 0 (use erlang_c for no abandonment)")
    if math.isinf(mean_patience):
        return erlang_c(arrival_rate, mean_handle, agents, threshold)
    lam, mu, theta, n = arrival_rate, 1.0 / mean_handle, 1.0 / mean_patience, agents
    if lam == 0:
        return QueueMetrics(n, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    # log stationary probabilities: states 0..n, then j = 1..K waiting
    i = np.arange(n + 1)
    log_low = i * math.log(lam / mu) - gammaln(i + 1)
    K = 256
    while True:
        j = np.arange(1, K + 1)
        log_high = log_low[-1] + np.cumsum(np.log(lam / (n * mu + j * theta)))
        if log_high[-1] < max(log_low.max(), log_high.max()) - 40 and (n * mu + K * theta > lam):
            break
        K *= 2
    log_pi = np.concatenate([log_low, log_high])
    pi = np.exp(log_pi - logsumexp(log_pi))
    waiting = pi[n:]  # j = 0..K customers ahead on arrival (PASTA)
    ahead = np.arange(K + 1)
    p_wait = float(waiting.sum())
    # served from "j ahead": the product telescopes to n mu / (n mu + (j + 1) theta)
    served = n * mu / (n * mu + (ahead + 1) * theta)
    p_abandon = float(np.sum(waiting * (1.0 - served)))
    # mean wait of the served, by first-step recursion m_j = p_j (h_{j-1}/r_j + m_{j-1})
    r = n * mu + (ahead + 1) * theta
    p_move = (n * mu + ahead * theta) / r
    m = np.empty(K + 1)
    h_prev, m_prev = 1.0, 0.0
    for jj in range(K + 1):
        m[jj] = p_move[jj] * (h_prev / r[jj] + m_prev)
        h_prev, m_prev = served[jj], m[jj]
    p_answered = 1.0 - p_abandon
    asa = float(np.sum(waiting * m) / p_answered) if p_answered > 0 else math.inf
    sl = float(pi[:n].sum()) + _served_within(waiting, n * mu, theta, threshold)
    mean_queue = float(np.sum(waiting * ahead))
    busy = float(np.sum(pi[:n] * i[:n]) + n * p_wait)
    return QueueMetrics(
        agents=n,
        offered_load=lam / mu,
        p_wait=p_wait,
        service_level=sl,
        asa=asa,
        p_abandon=p_abandon,
        mean_queue=mean_queue,
        occupancy=busy / n if n else 0.0,
    )


def _served_within(waiting: np.ndarray, service_rate: float, theta: float, t: float) -> float:
    """P(a waiting customer is answered within t), weighted by the arrival states.

    ``waiting[j]``: probability of arriving with ``j`` customers ahead; ``service_rate``
    (1/s): all agents' service rate ``n / aht``; ``theta`` (1/s): ``1 / patience``.

    With ``j`` ahead the customer is answered after ``T = E_0 + ... + E_j`` with
    ``E_k ~ Exp(s + k theta)`` (the queue ahead moving forward), if its own patience
    ``Exp(theta)`` outlasts ``T``: ``P = E[exp(-theta T); T <= t]``. Tilting each
    ``E_k`` by ``exp(-theta E_k)`` gives the factor ``(s + k theta) / (s + (k + 1)
    theta)`` (the product telescopes to ``s / (s + (j + 1) theta)``, the chance to be
    answered at all) times ``P(E'_1 + ... + E'_{j+1} <= t)`` with ``E'_k ~ Exp(theta
    (b + k))``, ``b = s / theta``. For such rates ``exp(-theta sum)`` is a product of
    ``Beta(b + k, 1)`` variables, i.e. ``Beta(b + 1, j + 1)``, so that probability is
    ``I_{1 - exp(-theta t)}(j + 1, b + 1)`` (regularised incomplete beta).
    """
    if t <= 0 or waiting.sum() == 0:
        return 0.0
    to_clear = np.arange(1, len(waiting) + 1)  # j ahead plus the customer itself
    answered = service_rate / (service_rate + to_clear * theta)
    within = betainc(to_clear, service_rate / theta + 1.0, -math.expm1(-theta * t))
    return float(np.sum(waiting * answered * within))


def required_agents(
    arrival_rate: float,
    mean_handle: float,
    *,
    service_level: float | None = None,
    threshold: float = 0.0,
    mean_patience: float | None = None,
    max_asa: float | None = None,
    max_abandon: float | None = None,
    max_occupancy: float | None = None,
    limit: int = 100_000,
) -> int:
    """Fewest agents meeting every given target (Erlang C, or Erlang A with patience).

    ``service_level`` is the share to answer within ``threshold`` seconds,
    ``max_asa`` seconds, ``max_abandon`` and ``max_occupancy`` shares.
    """
    a = arrival_rate * mean_handle
    if a == 0:
        return 0
    patient = mean_patience is None or math.isinf(mean_patience)
    n = max(1, math.floor(a) + 1 if patient else math.floor(a * 0.5))
    while n <= limit:
        q = (
            erlang_c(arrival_rate, mean_handle, n, threshold)
            if patient
            else erlang_a(arrival_rate, mean_handle, mean_patience, n, threshold)  # type: ignore[arg-type]
        )
        if (
            (service_level is None or q.service_level >= service_level)
            and (max_asa is None or q.asa <= max_asa)
            and (max_abandon is None or q.p_abandon <= max_abandon)
            and (max_occupancy is None or q.occupancy <= max_occupancy)
        ):
            return n
        n += 1
    raise ValueError(f"no staffing up to {limit} agents meets the targets")


def _check(arrival_rate: float, mean_handle: float, agents: int, threshold: float) -> None:
    if arrival_rate < 0:
        raise ValueError("arrival_rate must be >= 0")
    if not mean_handle > 0:
        raise ValueError("mean_handle must be > 0")
    if agents < 0 or int(agents) != agents:
        raise ValueError("agents must be a whole number >= 0")
    if threshold < 0:
        raise ValueError("threshold must be >= 0")
