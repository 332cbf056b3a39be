"""Executors: where the workers of a sweep run.

An :class:`Executor` has one method, ``run(store_path, task, progress=...)``:
execute every pending run of the store with ``task``, recording through the
store API, and return when none is left. How many workers, and where, is
the executor's own configuration. The store does all the coordination
(exclusive claims, retries, heartbeats), so an executor only starts
workers -- :func:`~relsparse.sweep.worker.worker_loop` where workers can
reach the store file, or :func:`~relsparse.sweep.task.execute_run` behind a
driver that owns the store -- and watches them. An executor for Ray, Dask
or a job array implements the same method on that engine; relsparse owns
no cluster.

:class:`LocalExecutor` runs N worker processes on this machine.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing as mp
import multiprocessing.connection
import os
import pickle
import signal
import sys
import threading
from typing import Optional, Protocol

from .identity import worker_name
from .spec import _is_int, _is_real
from .store import ResultsStore
from .task import Task
from .worker import DEFAULT_HEARTBEAT_INTERVAL, worker_loop


class Executor(Protocol):
    """Runs the pending runs of a results store with a task."""

    def run(self, store_path: str, task: Task, *, progress: bool = True) -> None:
        """Returns when no run is pending (runs may be done or failed)."""


class WorkerError(RuntimeError):
    """A worker process stopped with an error outside any task (e.g. the task could not be imported)."""


def _check_task(task: Task) -> None:
    if not callable(task):
        raise TypeError(f"task must be callable as task(run, reporter), got {type(task).__name__}")
    try:
        pickle.dumps(task)
    except Exception as exc:  # noqa: BLE001 - any pickling failure means the same thing
        raise TypeError(
            f"task must be picklable to run in worker processes (a module-level function or a "
            f"functools.partial of one; not a lambda or a local function), got {task!r}: {exc}"
        ) from None


def _die_with_parent(parent_pid: int) -> None:
    """Linux: SIGKILL this process when its parent dies (a killed sweep leaves no workers behind)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)


def _local_worker(store_path: str, task: Task, label: str, parent_pid: int,
                  stale_after: Optional[float], heartbeat_interval: Optional[float]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent(parent_pid)
    worker_loop(store_path, task, worker_name(label), stale_after=stale_after,
                heartbeat_interval=heartbeat_interval, should_stop=lambda: os.getppid() != parent_pid)


@contextlib.contextmanager
def _sigterm_as_exit():
    """In the main thread, SIGTERM raises SystemExit, so the workers are stopped and their runs requeued."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


class _Bar:
    def __init__(self, store: ResultsStore, enabled: bool) -> None:
        self._bar = None
        if enabled:
            from tqdm.auto import tqdm

            counts = store.progress()
            self._bar = tqdm(total=counts["total"], initial=counts["done"] + counts["failed"], unit="run",
                             desc=f"sweep {store.spec.name}", dynamic_ncols=True, smoothing=0.05)

    def update(self, counts: dict) -> None:
        if self._bar is not None:
            self._bar.set_postfix(running=counts["running"], failed=counts["failed"], refresh=False)
            self._bar.update(counts["done"] + counts["failed"] - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class LocalExecutor:
    """N worker processes on this machine, with a progress bar.

    workers:            number of worker processes (each runs one run at a time).
    stale_after:        workers also take over runs whose heartbeat is older
                        than this (seconds); None: only pending runs (local
                        dead workers are detected directly).
    heartbeat_interval: seconds between heartbeats of a running run.
    poll_interval:      seconds between progress updates.

    Workers are started with the ``spawn`` method, so the task must be
    picklable and importable (a module-level function; in a script, under
    ``if __name__ == "__main__":``). A worker that dies (killed, out of
    memory, a crash in native code) fails its run's attempt, and a new
    worker takes its place while runs are pending. Ctrl-C or SIGTERM stop
    the workers and put their runs back to pending; a SIGKILL of this
    process kills the workers too (Linux), and :func:`run_sweep` requeues
    their runs on the next start.
    """

    def __init__(self, workers: int = 1, *, stale_after: Optional[float] = None,
                 heartbeat_interval: Optional[float] = DEFAULT_HEARTBEAT_INTERVAL,
                 poll_interval: float = 0.2) -> None:
        if not _is_int(workers) or workers < 1:
            raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
        for name, v in (("stale_after", stale_after), ("heartbeat_interval", heartbeat_interval)):
            if v is not None and (not _is_real(v) or not v > 0):
                raise ValueError(f"{name} must be a number of seconds > 0 or None, got {v!r}")
        if not _is_real(poll_interval) or not poll_interval > 0:
            raise ValueError(f"poll_interval must be a number of seconds > 0, got {poll_interval!r}")
        self.workers = int(workers)
        self.stale_after, self.heartbeat_interval, self.poll_interval = stale_after, heartbeat_interval, poll_interval

    def __repr__(self) -> str:
        return f"LocalExecutor(workers={self.workers})"

    def run(self, store_path: str, task: Task, *, progress: bool = True) -> None:
        store_path = os.fspath(store_path)
        _check_task(task)
        ctx = mp.get_context("spawn")
        procs: dict = {}
        serial = 0
        with ResultsStore.open(store_path) as store, _sigterm_as_exit():
            bar = _Bar(store, progress)
            try:
                while True:
                    counts = store.progress()
                    bar.update(counts)
                    for _ in range(min(self.workers - len(procs), counts["pending"])):
                        serial += 1
                        label = f"w{serial}"
                        p = ctx.Process(target=_local_worker, name=f"relsparse-sweep-{label}", args=(
                            store_path, task, label, os.getpid(), self.stale_after, self.heartbeat_interval))
                        p.start()
                        procs[worker_name(label, pid=p.pid)] = p
                    if not procs:
                        return
                    mp.connection.wait([p.sentinel for p in procs.values()], timeout=self.poll_interval)
                    for name, p in list(procs.items()):
                        if p.exitcode is None:
                            continue
                        p.join()
                        del procs[name]
                        if p.exitcode != 0:
                            self._worker_died(store, name, p.exitcode)
            finally:
                self._stop(store, procs)
                bar.close()

    @staticmethod
    def _worker_died(store: ResultsStore, name: str, code: int) -> None:
        how = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
        held = store.fail_worker(name, f"worker process {name} {how} during this run")
        if not held and code > 0:
            raise WorkerError(
                f"sweep worker {name} {how} outside any run (its traceback is above); "
                "check that the task can be imported in a fresh process"
            )

    @staticmethod
    def _stop(store: ResultsStore, procs: dict) -> None:
        if not procs:
            return
        for p in procs.values():
            p.terminate()
        for p in procs.values():
            p.join(timeout=10)
            if p.exitcode is None:
                p.kill()
                p.join()
        store.requeue_running(list(procs))
        procs.clear()


__all__ = ["Executor", "LocalExecutor", "WorkerError"]
