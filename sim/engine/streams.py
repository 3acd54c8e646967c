"""Random streams: one named, independent generator per random source.

Replication ``r`` of a scenario with seed ``s`` uses ``SeedSequence(s).spawn(r + 1)[r]``;
inside it every source (arrivals of channel voice, handle times of chat hops, delays
of transition voice/abandon->chat, ...) gets its own child sequence keyed by *names*,
not positions. So two scenarios that differ only in staffing draw identical customers
(common random numbers), and adding a channel does not disturb the others' draws.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["replication_seed", "replication_seeds", "stream"]


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """One seed sequence per replication; replication i is the same whatever the count."""
    return np.random.SeedSequence(seed).spawn(replications)


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of one replication: ``replication_seeds(seed, n)[replication]``."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def stream(rep: np.random.SeedSequence, *names: str) -> np.random.Generator:
    """The generator for the random source called ``names`` in replication ``rep``."""
    key = tuple(zlib.crc32(n.encode("utf-8")) for n in names)
    seq = np.random.SeedSequence(rep.entropy, spawn_key=tuple(rep.spawn_key) + key)
    return np.random.Generator(np.random.PCG64(seq))
