"""The engine on its own calendar vs on SimPy's public API (why the engine has its own).

Run from the project root: ``python -m benchmarks.calendar``. Runs the engine's
callbacks unchanged on two calendars, alternately in this process, and prints the
median contacts per CPU-second of each and their paired ratio:

* own: :class:`sim.engine.calendar.Calendar`, a heap of ``(time, key, callback,
  argument)`` tuples; new journeys are handed over directly between entries;
* SimPy: one :class:`simpy.Timeout` per happening (``env.schedule`` at URGENT priority
  for staffing entries), fired through its callback list by ``env.run()``, and a
  SimPy process feeding the new journeys, so no private attribute of SimPy is used.
  SimPy schedules by delay from ``env.now`` where the own calendar keeps absolute
  times, which could differ in the last bit; on the golden cases both calendars give
  the same records bit for bit.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import simpy
from simpy.core import URGENT

import sim
from sim.engine import compile_scenario
from sim.engine.calendar import Entry
from sim.engine.core import replicate
from sim.engine.streams import replication_seed

from .__main__ import Queue

ROOT = Path(__file__).resolve().parents[1]


class _Pending(dict[int, Entry]):
    """Entries not fired yet by key; iterates over the entries (as the heap does)."""

    def __iter__(self) -> Iterator[Entry]:  # type: ignore[override]
        return iter(list(self.values()))


class _Urgent(simpy.Event):
    """A timeout at URGENT priority (SimPy's Timeout is always NORMAL)."""

    def __init__(self, env: simpy.Environment, delay: float, value: Any) -> None:
        super().__init__(env)
        self._ok = True  # as simpy.Timeout sets them: already triggered, with a value
        self._value = value
        env.schedule(self, URGENT, delay)


class SimPyCalendar:
    """The engine's calendar interface on a :class:`simpy.Environment`."""

    def __init__(self) -> None:
        self.env = simpy.Environment()
        self.entries = _Pending()
        self.keys = itertools.count()
        self.now = 0.0

    def push_entry(self, entries: _Pending, entry: Entry) -> None:
        at, key, _, _ = entry
        delay = max(at - self.env.now, 0.0)
        ev = simpy.Timeout(self.env, delay, entry) if key >= 0 else _Urgent(self.env, delay, entry)
        ev.callbacks.append(self._fire)  # type: ignore[union-attr]
        entries[key] = entry

    def _fire(self, ev: simpy.Event) -> None:
        _, key, callback, argument = ev.value
        del self.entries[key]
        callback(argument, self.env.now)

    def run(self, arrivals: list[float], n: int, arrive: Callable[[int, float], None]) -> None:
        env = self.env

        def feed() -> Iterator[simpy.Event]:
            for k in range(n):
                yield env.timeout(max(arrivals[k] - env.now, 0.0))
                arrive(k, env.now)

        env.process(feed())
        env.run()
        self.now = env.now


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.calendar")
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    cases = {
        "Erlang A 10/min, 24 h": Queue(10, 300, 55, 120, 24).scenario(),
        "Erlang A 100/min, 8 h": Queue(100, 240, 410, 180, 8).scenario(),
        "retail_bank.yaml": sim.load_scenario(ROOT / "scenarios" / "retail_bank.yaml"),
    }
    print(f"engine contacts per CPU-second, median of {args.repeats}; own / SimPy paired")
    for name, sc in cases.items():
        m = compile_scenario(sc)
        own: list[float] = []
        spy: list[float] = []
        for i in range(args.repeats):
            rep = replication_seed(1, i)
            t = time.process_time()
            n = len(replicate(m, rep).arrival)
            own.append(n / (time.process_time() - t))
            t = time.process_time()
            n_simpy = len(replicate(m, rep, SimPyCalendar()).arrival)  # type: ignore[arg-type]
            spy.append(n_simpy / (time.process_time() - t))
        ratio = statistics.median(a / b for a, b in zip(own, spy, strict=True))
        print(
            f"{name:24s} own {statistics.median(own):>10,.0f}  SimPy public API "
            f"{statistics.median(spy):>10,.0f}  own/SimPy {ratio:.2f}x"
        )


if __name__ == "__main__":
    main()
