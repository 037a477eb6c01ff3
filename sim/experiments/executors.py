"""Where runs execute: this process, local worker processes, or a Dask cluster.

Every executor maps a function over tasks and yields results as they finish, with a
bounded number of tasks in flight (memory stays flat, Ctrl-C stays responsive). The
results do not depend on the executor: each task carries its own seed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice
from typing import Any

from sim.errors import InputError


def available_cores() -> int:
    """Cores this process may use (respects CPU affinity, e.g. under SLURM or taskset)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class InlineExecutor:
    """Runs tasks one after the other in this process (workers=0: debugging, profiling)."""

    description = "this process"

    def __enter__(self) -> InlineExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator[Any]:
        for task in tasks:
            yield fn(task)


# Parallelism comes from processes: a worker using one BLAS thread per core each would
# oversubscribe the cores (runs were 2-4x slower with 2 workers on 2 cores). Dask's nanny
# sets the same variables for its workers (distributed.nanny.pre-spawn-environ).
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class LocalProcesses:
    """A pool of local worker processes (spawn: `import mesa` forces it anyway)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.description = f"local processes: {workers}"
        self.pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )
        self._saved_env: dict[str, str | None] = {}

    def __enter__(self) -> LocalProcesses:
        # workers are spawned on the first submits and inherit os.environ as it is then;
        # a value the user set is kept
        for key, value in ONE_THREAD_ENV.items():
            self._saved_env[key] = os.environ.get(key)
            os.environ.setdefault(key, value)
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        # on an error or Ctrl-C, drop the queued tasks instead of finishing them
        self.pool.shutdown(wait=exc_type is None, cancel_futures=exc_type is not None)
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator[Any]:
        tasks = iter(tasks)
        window = 4 * self.workers
        pending: set[Future] = {self.pool.submit(fn, t) for t in islice(tasks, window)}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                for task in islice(tasks, 1):
                    pending.add(self.pool.submit(fn, task))
                yield future.result()


class DaskExecutor:
    """A Dask cluster: an address (tcp://host:port), 'local' (start a LocalCluster) or a Client.

    Workers need rongtong installed; results travel back to this process, which writes
    them, so the workers need no shared file system. Workers of a cluster started
    elsewhere run faster with their profiler off (DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False).
    """

    def __init__(self, address: Any, workers: int | None):
        import dask
        from distributed import Client, LocalCluster

        self.cluster = None
        self.own_client = True
        if isinstance(address, Client):
            self.client = address
            self.own_client = False
            self.description = f"dask: {address.scheduler.address}"
        elif address == "local":
            n = workers or available_cores()
            # the workers' statistical profiler samples the task's stack every 10 ms: it made
            # runs about 10 % slower (benchmarks/bench_experiments.py); the dashboard is off too
            with dask.config.set({"distributed.worker.profile.enabled": False}):
                self.cluster = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            self.client = Client(self.cluster)
            self.description = f"dask local cluster: {n} workers"
        else:
            try:
                self.client = Client(address, timeout="20s")
            except (OSError, ValueError, TypeError) as exc:
                raise InputError(
                    f"--dask {address}: cannot connect to a Dask scheduler ({exc}); expected tcp://host:port or 'local'"
                ) from None
            self.description = f"dask: {address}"

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.own_client:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator[Any]:
        from distributed import as_completed

        tasks = iter(tasks)
        window = max(8, 4 * sum(self.client.nthreads().values()))
        running = as_completed(
            [self.client.submit(fn, t, pure=False) for t in islice(tasks, window)]
        )
        for future in running:
            result = future.result()
            future.release()
            for task in islice(tasks, 1):
                running.add(self.client.submit(fn, task, pure=False))
            yield result


def make_executor(workers: int | None, dask: Any, n_tasks: int):
    """Dask if an address is given; else local processes (default: one per core); 0 = this process."""
    if dask is not None:
        return DaskExecutor(dask, workers)
    if workers is None:
        workers = available_cores()
    if workers == 0:
        return InlineExecutor()
    return LocalProcesses(max(1, min(workers, n_tasks, _worker_cap(workers))))


def _worker_cap(asked: int) -> int:
    """At most one local process per core (each holds a model: more only cost memory), unless
    RONGTONG_MAX_WORKERS allows more; a capped request is said on stderr."""
    raw = os.environ.get("RONGTONG_MAX_WORKERS", "")
    cap = int(raw) if raw.isdigit() and int(raw) > 0 else available_cores()
    if asked > cap:
        sys.stderr.write(
            f"warning: --workers {asked} capped at {cap} (the cores here; set "
            "RONGTONG_MAX_WORKERS to allow more)\n"
        )
    return cap
