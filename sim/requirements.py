"""Analytic staffing requirement per channel and interval (Erlang C / Erlang A).

A fast first answer while the simulation-based optimiser is being built: each
channel is treated as its own queue (no switching, no blending), with the
channel's mean handle time, mean patience (Erlang A; Erlang C when infinitely
patient) and service-level target. No streamlit here.
"""

from __future__ import annotations

import pandas as pd

import sim

__all__ = ["required", "requirement_table"]


def required(
    arrival_rate: float,
    mean_handle: float,
    target: float | None,
    threshold: float,
    mean_patience: float | None,
) -> int:
    """Fewest agents meeting the service-level target (Erlang A, or C if patient).

    Same answer as :func:`sim.required_agents`, found faster: the Erlang C answer
    (cheap) is the starting point, and Erlang A is evaluated only near it.

    Parameters
    ----------
    arrival_rate : contacts per second.
    mean_handle, threshold, mean_patience : seconds (patience None = Erlang C).
    target : share answered within ``threshold`` (None = just enough to be stable).
    """
    if arrival_rate <= 0:
        return 0
    n = sim.required_agents(arrival_rate, mean_handle, service_level=target, threshold=threshold)
    if mean_patience is None or target is None:
        return n

    def meets(k: int) -> bool:
        q = sim.erlang_a(arrival_rate, mean_handle, mean_patience, k, threshold)
        return k > 0 and q.service_level >= target

    if meets(n):
        while n > 1 and meets(n - 1):
            n -= 1
        return n
    while not meets(n):
        n += 1
    return n


def requirement_table(sc: sim.Scenario, offered: pd.DataFrame | None = None) -> pd.DataFrame:
    """Agents each channel needs per interval to meet its service-level target.

    Parameters
    ----------
    sc : the scenario (arrivals, handle times, patience, targets).
    offered : optional per-interval contacts to staff for instead of the
        scenario's new journeys, columns ``period, channel, mean`` (e.g. the
        simulated offered load, which includes redials and switches).

    Returns
    -------
    pandas.DataFrame
        One row per period and channel: ``period, time, channel, contacts,
        required``; plus ``scheduled`` (agents in every group, which may serve
        several channels) repeated on each row of a period.
    """
    labels = sc.period_labels()
    width = sc.interval_seconds
    load = None
    if offered is not None:
        load = offered.set_index(["period", "channel"])["mean"]
    scheduled = [sum(sc.scheduled(g)[i] for g in sc.groups) for i in range(sc.periods)]
    rows = []
    memo: dict[tuple[str, float], int] = {}
    for name, ch in sc.channels.items():
        arrivals = ch.arrivals_per_period(sc.periods)
        sl = ch.service_level
        patience = ch.patience.mean if ch.patience is not None else None
        for i in range(sc.periods):
            contacts = float(load.get((i, name), 0.0)) if load is not None else arrivals[i]
            need = memo.get((name, contacts))
            if need is None:
                need = memo[(name, contacts)] = required(
                    contacts / width,
                    float(ch.handle_time.mean),
                    sl.target if sl else None,
                    sl.threshold if sl else 0.0,
                    patience,
                )
            rows.append(
                {
                    "period": i,
                    "time": labels[i],
                    "channel": name,
                    "contacts": contacts,
                    "required": need,
                    "scheduled": scheduled[i],
                }
            )
    return pd.DataFrame(rows)
