"""Where sweep tasks run: in this process, in a local process pool, or on Dask.

Every backend is a context manager with ``run(tasks)``, an iterator of
:class:`~sim.sweeps.tasks.TaskResult` in completion order. Leaving the context
after an error or Ctrl-C cancels what has not started and stops the workers, so
an interrupted sweep loses only the tasks in flight.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Protocol

from sim.sweeps.tasks import Task, TaskResult, run_task

__all__ = [
    "Backend",
    "DaskBackend",
    "PoolBackend",
    "SchedulerError",
    "SerialBackend",
    "default_workers",
    "make_backend",
    "split",
]

TASKS_PER_WORKER = 16
"""Dask batches replications into tasks, but keeps at least this many per worker."""

CONNECT_TIMEOUT = "10s"
"""How long to wait for an existing Dask scheduler to answer."""


class SchedulerError(ConnectionError):
    """The Dask scheduler given could not be reached."""


class Backend(Protocol):
    """Runs tasks; ``workers`` is how many run at once."""

    workers: int

    def chunk_size(self, units: int, replications: int) -> int:
        """Replications of one variant per task, for ``units`` variant-replications."""
        ...

    def __enter__(self) -> Backend: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def run(self, tasks: Sequence[Task]) -> Iterator[TaskResult]: ...


def default_workers() -> int:
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def split(replications: int, chunk: int) -> list[tuple[int, ...]]:
    """``range(replications)`` in consecutive, nearly equal runs of at most ``chunk``."""
    pieces = -(-replications // max(chunk, 1))
    bounds = [round(i * replications / pieces) for i in range(pieces + 1)]
    return [tuple(range(a, b)) for a, b in zip(bounds, bounds[1:], strict=False)]


class SerialBackend:
    """Tasks one after another in this process (what ``workers=1`` means)."""

    workers = 1

    def chunk_size(self, units: int, replications: int) -> int:
        """Replications per task: one (there is no cost per task to amortise)."""
        return 1

    def __enter__(self) -> SerialBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, tasks: Sequence[Task]) -> Iterator[TaskResult]:
        for task in tasks:
            yield run_task(task)


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops them cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class PoolBackend:
    """A local pool of ``workers`` processes (``concurrent.futures``).

    Workers are forked from this process when that is safe (no other threads), so
    they start at once with ``sim`` already imported; otherwise a fork server that
    preloads ``sim`` starts them. A worker that dies (killed, out of memory) raises
    :class:`concurrent.futures.process.BrokenProcessPool` from :meth:`run`.
    """

    def __init__(self, workers: int):
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> PoolBackend:
        methods = multiprocessing.get_all_start_methods()
        ctx: multiprocessing.context.BaseContext
        if "fork" in methods and threading.active_count() == 1:
            ctx = multiprocessing.get_context("fork")
        elif "forkserver" in methods:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["sim.sweeps.tasks"])
        else:
            ctx = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=ctx, initializer=_ignore_sigint
        )
        self._pool.submit(int).result()  # start the workers now, before any other thread
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if exc_type is None:
            pool.shutdown(wait=True)
            return
        # Interrupted or failed: stop the workers now; the executor then fails what
        # is left with BrokenProcessPool. (No public way to stop busy workers before
        # Python 3.14; and no cancelling first: on 3.11 the executor's thread then
        # raises InvalidStateError for the cancelled futures.)
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            if proc.is_alive():
                proc.terminate()
        pool.shutdown(wait=True)

    def chunk_size(self, units: int, replications: int) -> int:
        """Replications per task: one (a pool's cost per task is about a millisecond)."""
        return 1

    def run(self, tasks: Sequence[Task]) -> Iterator[TaskResult]:
        if self._pool is None:
            raise RuntimeError("use PoolBackend as a context manager")
        pool = self._pool
        queue = iter(tasks)
        pending: set[Future[TaskResult]] = set()
        window = max(4 * self.workers, 16)  # submitted ahead, in order: few in flight
        while True:
            for task in itertools.islice(queue, window - len(pending)):
                pending.add(pool.submit(run_task, task))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while starting processes, so they inherit the ignoring."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class DaskBackend:
    """Tasks on a Dask cluster (``dask.distributed``).

    ``scheduler`` is an address (``tcp://host:8786``) of a running scheduler,
    ``"local"`` for a :class:`~dask.distributed.LocalCluster` of ``workers``
    single-threaded processes on 127.0.0.1 started (and stopped) here, or a
    ``Client`` already connected (left open). Dask re-runs the tasks of a worker
    that dies on another worker. Workers must have ``ccsim`` installed.
    """

    def __init__(self, scheduler: Any, workers: int | None = None):
        self.scheduler = scheduler
        self.workers = workers or default_workers()
        self._client: Any = None
        self._cluster: Any = None
        self._own_client = False

    def __enter__(self) -> DaskBackend:
        import dask
        from dask.distributed import Client, LocalCluster

        if isinstance(self.scheduler, Client):
            self._client = self.scheduler
        elif self.scheduler == "local":
            # Ctrl-C is for this process, which closes the cluster. The workers'
            # statistical profiler (for the dashboard, which is off) costs ~20% CPU.
            with _sigint_ignored(), dask.config.set({"distributed.worker.profile.enabled": False}):
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            self._client = Client(self._cluster)
            self._own_client = True
        else:
            try:
                self._client = Client(str(self.scheduler), timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as exc:
                raise SchedulerError(
                    f"scheduler: cannot connect to {self.scheduler}: {exc}"
                ) from None
            self._own_client = True
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))
        return self

    def chunk_size(self, units: int, replications: int) -> int:
        """Replications per task: enough to amortise Dask's cost per task (several
        ms of scheduler and serialisation), while leaving at least ``TASKS_PER_WORKER``
        tasks per worker to balance the load."""
        return max(1, min(replications, units // (TASKS_PER_WORKER * self.workers)))

    @property
    def client(self) -> Any:
        """The ``dask.distributed.Client`` in use (None outside the context)."""
        return self._client

    def __exit__(self, *exc: object) -> None:
        if self._own_client and self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def run(self, tasks: Sequence[Task]) -> Iterator[TaskResult]:
        from dask.distributed import as_completed as dask_as_completed

        if self._client is None:
            raise RuntimeError("use DaskBackend as a context manager")
        client = self._client
        queue = iter(tasks)
        window = max(8 * self.workers, 64)  # submitted ahead: bounded scheduler memory
        live = {client.submit(run_task, t, pure=False) for t in itertools.islice(queue, window)}
        running = dask_as_completed(list(live))
        try:
            for fut in running:
                live.discard(fut)
                result = fut.result()
                for task in itertools.islice(queue, 1):
                    nxt = client.submit(run_task, task, pure=False)
                    live.add(nxt)
                    running.add(nxt)
                yield result
        finally:
            running.clear()
            if live:
                client.cancel(list(live))


def make_backend(workers: int | None, scheduler: Any, tasks: int) -> Backend:
    """The backend for ``workers`` (default: CPU count) and ``scheduler``.

    No scheduler: a process pool, or this process when one worker (or one task)
    suffices. ``"local"``, an address or a Client: Dask.
    """
    if workers is not None and workers < 1:
        raise ValueError("workers must be >= 1")
    if scheduler is not None:
        return DaskBackend(scheduler, workers)
    n = min(workers or default_workers(), max(tasks, 1))
    return SerialBackend() if n == 1 else PoolBackend(n)
