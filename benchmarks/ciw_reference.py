"""The same M/M/c+M queue in ciw (https://ciw.readthedocs.io), a dedicated queueing DES.

A second same-process yardstick beside :mod:`benchmarks.reference` (textbook SimPy):
exponential inter-arrival, handle and patience times, ``agents`` servers, customers
renege when their patience runs out while waiting. Like the textbook model it stops
at the horizon (no drain) and counts the customers that arrived.
"""

from __future__ import annotations

import ciw


def run_ciw(
    rate: float, aht: float, patience: float, agents: int, horizon: float, seed: int
) -> int:
    """Simulate M/M/``agents``+M for ``horizon`` seconds; returns the customers arrived.

    ``rate`` is arrivals per second, ``aht`` and ``patience`` are means in seconds.
    """
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate)],
        service_distributions=[ciw.dists.Exponential(1 / aht)],
        number_of_servers=[agents],
        reneging_time_distributions=[ciw.dists.Exponential(1 / patience)],
    )
    ciw.seed(seed)
    q = ciw.Simulation(network)
    q.simulate_until_max_time(horizon)
    return int(q.nodes[0].number_of_individuals)  # node 0 is the arrival node
