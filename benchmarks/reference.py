"""The textbook SimPy model (one process per customer, ``request | timeout``).

Used only as a same-process yardstick: the engine's speed is reported as a ratio to
this, which cancels most of the noise of a shared machine.
"""

from __future__ import annotations

import numpy as np
import simpy


def run_reference(
    rate: float, aht: float, patience: float, agents: int, horizon: float, seed: int
) -> int:
    """Simulate M/M/n+M for ``horizon`` seconds; returns the number of customers."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    staff = simpy.Resource(env, capacity=agents)
    served = [0]

    def customer(handle: float, pat: float):
        with staff.request() as req:
            got = yield req | env.timeout(pat)
            if req in got:
                yield env.timeout(handle)
                served[0] += 1

    def source():
        n = 0
        while True:
            yield env.timeout(rng.exponential(1 / rate))
            if env.now >= horizon:
                return
            n += 1
            env.process(customer(rng.exponential(aht), rng.exponential(patience)))
            counts[0] = n

    counts = [0]
    env.process(source())
    env.run()
    return counts[0]
