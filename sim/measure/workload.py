"""Up-front estimates of the work a run asks for, and refusal of what cannot fit.

A scenario file of a few lines can ask for more than any machine holds (``arrivals:
1e9``, ``replications: 10000000``): the engine keeps every contact of a replication
in memory, and :func:`sim.simulate` keeps every replication's KPI tables until it
summarises them. :func:`estimate` predicts both from the scenario alone, before
anything is drawn, and :func:`check` raises :class:`WorkloadError` naming the limit
(the memory available to this process) and the inputs that drive the estimate. The
time estimate is rough; the command line uses it to announce long work.

The byte and time figures are measured on CPython 3.11 (64-bit) with this engine and
rounded up; see :data:`BYTES_PER_CONTACT` and its neighbours. The contact count
is an upper estimate: every contact is assumed to end in its channel's most likely
follow-up event (e.g. every caller abandons and redials as often as the journey
allows), so it can overstate busy-but-served scenarios by a factor of two or so,
never understate them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.config.scenario import Scenario, ScenarioError, problem_lines

try:
    import resource
except ImportError:  # not on POSIX: no address-space limit to read
    resource = None  # type: ignore[assignment]

__all__ = [
    "BYTES_PER_AGENT",
    "BYTES_PER_CONTACT",
    "BYTES_PER_KEPT_CONTACT",
    "BYTES_PER_REPLICATION",
    "BYTES_PER_TABLE_ROW",
    "FALLBACK_MEMORY_BYTES",
    "LONG_WORK_SECONDS",
    "Workload",
    "WorkloadError",
    "available_memory",
    "check",
    "check_plan",
    "check_sweep",
    "contacts_per_journey",
    "estimate",
    "format_bytes",
    "format_seconds",
    "long_work_notice",
]

BYTES_PER_CONTACT = 600
"""Peak memory per contact of one replication: the engine's per-contact lists, the
arrays drawn up front and the contact records it returns (measured ~480 bytes)."""

BYTES_PER_AGENT = 400
"""Memory per agent the engine creates in one replication (measured ~300 bytes)."""

BYTES_PER_KEPT_CONTACT = 100
"""Memory per contact record kept after the run (``keep_runs=True``; ~90 bytes)."""

BYTES_PER_REPLICATION = 80_000
"""Memory one replication's KPI tables keep until the end, besides their rows: six
small DataFrames (measured ~66 kB)."""

BYTES_PER_TABLE_ROW = 300
"""Memory per row of the per-interval KPI tables (one per channel and group and
period) kept per replication, including the final concatenation (~250 bytes)."""

SECONDS_PER_CONTACT = 10e-6
"""Wall-clock time per simulated contact on a shared core (measured 4-7 us)."""

SECONDS_PER_REPLICATION = 0.006
"""Wall-clock time per replication besides its contacts (KPI tables; measured 4-8 ms)."""

PLAN_BYTES_PER_VARIANT = 2_000
"""Memory of one planned sweep variant besides its scenario (changes, key, Variant)."""

PLAN_BYTES_PER_SCENARIO_CHAR = 10
"""Memory of a variant's validated scenario per character of the scenario's JSON
(measured 4.6 kB for a 440-character scenario, 49 kB for retail_bank's 5,900)."""

SWEEP_BYTES_PER_VARIANT = 50_000
"""Memory per variant of a sweep's results until the table is written: its rows as
one DataFrame, read back from its part file (measured ~43 kB)."""

SWEEP_BYTES_PER_CELL = 24
"""Memory per value of a sweep's results table (its parts, the table, the copy
written out)."""

SWEEP_SECONDS_PER_VARIANT = 0.01
"""Wall-clock time per variant in the sweep's own process (its part file written and
read back; measured ~8 ms)."""

SWEEP_FIXED_COLUMNS = 40
"""Columns of a sweep's table besides the swept parameters and 3 per group: ids,
channel KPIs and journey KPIs."""

SWEEP_SEGMENT_COLUMNS = 21
"""Columns a sweep's table adds per customer segment name (``segment.<name>.<kpi>``:
the channel KPIs)."""

LONG_WORK_SECONDS = 30.0
"""Work estimated to take longer than this is announced on stderr before it starts
(by the command line; a bar with its ETA follows on a terminal)."""

FALLBACK_MEMORY_BYTES = 4 * 1024**3
"""Memory assumed available where the operating system does not say."""

_MAX_HOP_STEPS = 10_000
"""Attempts of a journey summed one by one in :func:`contacts_per_journey`; beyond
this the last step's count is assumed to repeat."""


class WorkloadError(ScenarioError):
    """A run or sweep would need more memory than is available. ``problems`` holds
    one line saying what was asked, the estimate, and the limit."""

    def __init__(self, problems: Sequence[str], source: str | None = None):
        super().__init__(problems, source)
        head = f"{source}: " if source else ""
        self.args = (f"{head}too big to run on this machine\n{problem_lines(self.problems)}",)

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Workload:
    """What one scenario asks for, per replication and in total (estimates)."""

    replications: int
    contacts: float
    """Contacts per replication (new journeys and their follow-up contacts)."""
    journeys: float
    """New journeys per replication."""
    agents: int
    """Agent records the engine creates per replication."""
    table_rows: int
    """Rows of the per-interval KPI tables per replication."""
    channels: int = 1
    keep_runs: bool = False

    @property
    def peak_bytes(self) -> int:
        """Memory one replication needs while it runs."""
        return int(
            self.contacts * BYTES_PER_CONTACT
            + self.agents * BYTES_PER_AGENT
            + self.table_rows * BYTES_PER_TABLE_ROW
        )

    @property
    def kept_bytes(self) -> int:
        """Memory each replication's results hold until the run ends."""
        runs = self.contacts * BYTES_PER_KEPT_CONTACT if self.keep_runs else 0.0
        return int(BYTES_PER_REPLICATION + self.table_rows * BYTES_PER_TABLE_ROW + runs)

    @property
    def total_bytes(self) -> int:
        """Memory of the whole run at its end: the kept results and one replication."""
        return self.peak_bytes + self.replications * self.kept_bytes

    @property
    def seconds(self) -> float:
        """Wall-clock time of the whole run on one core (rough)."""
        per = SECONDS_PER_REPLICATION + self.contacts * SECONDS_PER_CONTACT
        return self.replications * per

    def describe(self) -> str:
        """``"about 1,234,567 contacts in 10 replications"``."""
        total = self.contacts * self.replications
        reps = f"{self.replications:,} replication" + ("s" if self.replications != 1 else "")
        return f"about {total:,.0f} contacts in {reps}"


def contacts_per_journey(sc: Scenario) -> np.ndarray:
    """Contacts a journey starting on each channel makes, at most on average.

    Each contact is assumed to end in the follow-up event with the largest total
    transition probability out of its channel (abandon, balk, or unresolved at the
    channel's unresolved rate), plus any chase, until ``max_attempts``.
    """
    names = list(sc.channels)
    index = {c: i for i, c in enumerate(names)}
    step = np.zeros((len(names), len(names)))
    for c, i in index.items():
        unresolved = 1.0 - sc.journeys.resolution.get(c, 1.0)
        rows: dict[str, np.ndarray] = {}
        for t in sc.journeys.transitions:
            if t.source != c:
                continue
            row = rows.setdefault(t.on, np.zeros(len(names)))
            row[index[t.to]] += t.probability * (unresolved if t.on == "unresolved" else 1.0)
        chase = rows.pop("chase", np.zeros(len(names)))
        worst = max(rows.values(), key=lambda r: float(r.sum()), default=np.zeros(len(names)))
        step[i] = worst + chase
    attempts = sc.journeys.max_attempts
    total = np.ones(len(names))
    term = np.ones(len(names))
    for _ in range(min(attempts, _MAX_HOP_STEPS) - 1):
        term = step @ term
        total += term
        if term.max() < 1e-12:
            return total
    if attempts > _MAX_HOP_STEPS:
        total += term * (attempts - _MAX_HOP_STEPS)
    return total


def _agents_created(sc: Scenario) -> int:
    """Agents the engine creates over the periods: the first period's, then one per
    rise in a group's headcount (agents who leave are not reused)."""
    total = 0
    for g in sc.groups:
        heads = np.asarray(sc.productive(g), dtype=np.int64)
        total += int(heads[0]) + int(np.clip(np.diff(heads), 0, None).sum())
    return total


def estimate(sc: Scenario, replications: int | None = None, *, keep_runs: bool = False) -> Workload:
    """The work of simulating ``sc`` (its own replications unless given)."""
    reps = sc.replications if replications is None else int(replications)
    per_journey = contacts_per_journey(sc)
    journeys = np.array([math.fsum(sc.arrivals(name)) for name in sc.channels])
    return Workload(
        replications=reps,
        contacts=float(journeys @ per_journey),
        journeys=float(journeys.sum()),
        agents=_agents_created(sc),
        table_rows=(len(sc.channels) + len(sc.groups)) * sc.periods,
        channels=len(sc.channels),
        keep_runs=keep_runs,
    )


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().split()[0]
    except (OSError, IndexError):
        return None
    return int(text) if text.isdigit() else None


def _meminfo_available() -> int | None:
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return None


def _cgroup_room() -> int | None:
    """Memory left under this process's cgroup (v2) limit, if it has one."""
    try:
        entries = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for entry in entries:
        if entry.startswith("0::"):
            group = Path("/sys/fs/cgroup") / entry[3:].lstrip("/")
            limit = _read_int(group / "memory.max")
            used = _read_int(group / "memory.current")
            if limit is not None and used is not None:
                return max(limit - used, 0)
    return None


def _address_space_room() -> int | None:
    """Address space left under ``RLIMIT_AS`` (``ulimit -v``), if one is set."""
    if resource is None:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        status = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return soft
    for line in status:
        if line.startswith("VmSize:"):
            return max(soft - int(line.split()[1]) * 1024, 0)
    return soft


def available_memory() -> int:
    """Bytes this process may still allocate: the least of the memory the operating
    system has available, the cgroup's room and the address-space limit; when none
    is known, :data:`FALLBACK_MEMORY_BYTES`."""
    known = [
        m for m in (_meminfo_available(), _cgroup_room(), _address_space_room()) if m is not None
    ]
    if not known:
        try:
            known.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            known.append(FALLBACK_MEMORY_BYTES)
    return min(known)


def long_work_notice(what: str, seconds: float) -> str | None:
    """``"<what>, estimated ~12 min"`` for work longer than :data:`LONG_WORK_SECONDS`;
    None for shorter work (the command line prints the notice on stderr)."""
    if seconds <= LONG_WORK_SECONDS:
        return None
    return f"{what}, estimated ~{format_seconds(seconds)}"


def format_bytes(n: float) -> str:
    """``1536`` -> ``"1.5 KiB"``."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def format_seconds(s: float) -> str:
    """``90`` -> ``"2 min"``, ``7200`` -> ``"2.0 h"``, ``3e5`` -> ``"3.5 days"``."""
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{s / 60:.0f} min"
    if s < 86400 * 2:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:,.1f} days"


def check(
    work: Workload,
    *,
    source: str | None = None,
    available: int | None = None,
    replications_from: str = "replications",
) -> None:
    """Raise :class:`WorkloadError` if ``work`` needs more memory than is available.

    The message names what drives the estimate: contacts (arrivals, periods, journeys),
    agents, or the replications' kept results; ``replications_from`` is what set the
    number of replications (e.g. ``"--replications"``).
    """
    room = available_memory() if available is None else available
    need = work.total_bytes
    if need <= room:
        return
    limit = f"{format_bytes(room)} is available (the memory this process may still use)"
    if work.peak_bytes > room:
        if work.agents * BYTES_PER_AGENT >= work.contacts * BYTES_PER_CONTACT:
            what = f"groups: {work.agents:,} agents per replication"
            advice = "fewer agents"
        else:
            what = (
                f"channels: ~{work.contacts:,.0f} contacts per replication "
                f"({work.journeys:,.0f} new journeys and their follow-ups)"
            )
            advice = "lower arrivals or fewer periods"
        problem = (
            f"{what} need about {format_bytes(work.peak_bytes)} of memory at once; "
            f"{limit}. Use {advice}"
        )
    else:
        fit = max((room - work.peak_bytes) // max(work.kept_bytes, 1), 0)
        problem = (
            f"{replications_from}: {work.replications:,} replication"
            f"{'s keep' if work.replications != 1 else ' keeps'} about "
            f"{format_bytes(work.replications * work.kept_bytes)} of results in memory "
            f"until they are summarised; {limit}. At most about {fit:,} fit"
        )
    raise WorkloadError([problem], source)


def _table_bytes(variants: int, replications: int, channels: int, columns: int) -> int:
    cells = variants * replications * channels * columns
    return variants * SWEEP_BYTES_PER_VARIANT + cells * SWEEP_BYTES_PER_CELL


def check_plan(
    variants: int,
    base: Scenario,
    replications: int,
    columns: int,
    *,
    source: str | None = None,
    available: int | None = None,
) -> None:
    """Refuse a sweep of ``variants`` variants of ``base`` whose validated scenarios
    and results table (``replications`` x channels rows of ``columns`` values per
    variant) cannot fit in memory, before any variant is built."""
    import json

    per = PLAN_BYTES_PER_VARIANT + PLAN_BYTES_PER_SCENARIO_CHAR * len(json.dumps(base.to_dict()))
    plan = variants * per
    table = _table_bytes(variants, replications, len(base.channels), columns)
    room = available_memory() if available is None else available
    if plan + table <= room:
        return
    fit = room // (per + _table_bytes(1, replications, len(base.channels), columns))
    raise WorkloadError(
        [
            f"grid/zip/variants: {variants:,} variants x {replications:,} replications need "
            f"about {format_bytes(plan + table)} of memory ({format_bytes(plan)} to plan "
            f"them, {format_bytes(table)} for the results table); {format_bytes(room)} is "
            f"available (the memory this process may still use). At most about {fit:,} "
            "variants fit"
        ],
        source,
    )


def check_sweep(
    *,
    variants: int,
    replications: int,
    channels: int,
    columns: int,
    replication_peak: int,
    workers: int,
    source: str | None = None,
    available: int | None = None,
) -> None:
    """Refuse a sweep whose results table (``variants`` x ``replications`` x
    ``channels`` rows of ``columns`` values) or whose ``workers`` replications at
    once (``replication_peak`` bytes each) cannot fit in memory."""
    room = available_memory() if available is None else available
    table = _table_bytes(variants, replications, channels, columns)
    at_once = max(min(workers, variants * replications), 1)
    peak = replication_peak * at_once
    if table + peak <= room:
        return
    limit = f"{format_bytes(room)} is available (the memory this process may still use)"
    if peak > table:
        problem = (
            f"--workers: {at_once} replications at once need about {format_bytes(peak)} "
            f"({format_bytes(replication_peak)} each); {limit}. Use fewer workers"
        )
    else:
        problem = (
            f"grid/zip/variants: {variants:,} variants x {replications:,} replications "
            f"make a results table of about {format_bytes(table)} in memory; {limit}. "
            "Sweep fewer variants or replications at a time"
        )
    raise WorkloadError([problem], source)
