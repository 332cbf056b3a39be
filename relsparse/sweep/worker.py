"""The worker loop: claim a run, run the task on it, record the outcome, repeat.

:func:`worker_loop` is the unit any executor starts, once per worker: it
needs only the store path and the (picklable) task, so it runs the same in
a local process, a job-array job or a remote function of some engine whose
workers can reach the store file. While a task runs, a background thread
heart-beats its run every ``heartbeat_interval`` seconds, so a run whose
worker died can be told from a run with long epochs.
"""

from __future__ import annotations

import contextlib
import threading
import traceback
from typing import Callable, Optional

from .identity import worker_name
from .store import LostClaimError, ResultsStore, Run
from .task import StoreReporter, Task

DEFAULT_HEARTBEAT_INTERVAL = 30.0


class _Heartbeat:
    """Heart-beats one run from a thread with its own connection until stopped."""

    def __init__(self, store: ResultsStore, run: Run, interval: float) -> None:
        self._path, self._run, self._interval = store.path, run, interval
        self._stop = threading.Event()
        self._lost = False
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{run.run_id}", daemon=True)
        self._thread.start()

    def lost(self) -> bool:
        return self._lost

    def _loop(self) -> None:
        store = None
        try:
            while not self._stop.wait(self._interval):
                try:
                    if store is None:
                        store = ResultsStore.open(self._path)
                    store.heartbeat(self._run.run_id, self._run.worker)
                except LostClaimError:
                    self._lost = True
                    return
                except Exception:  # noqa: BLE001 - a busy or briefly unreadable store: try again next beat
                    continue
        finally:
            if store is not None:
                store.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)


def _fail(store: ResultsStore, run: Run, message: str) -> str:
    try:
        return store.fail(run.run_id, run.worker, message)
    except LostClaimError:
        return "lost"


def run_one(store: ResultsStore, task: Task, run: Run, *,
            heartbeat_interval: Optional[float] = DEFAULT_HEARTBEAT_INTERVAL) -> str:
    """Runs ``task`` on a claimed ``run`` and records the outcome.

    Returns the run's new status: ``"done"``, ``"pending"`` (failed, will be
    retried), ``"failed"`` (failed for the last time) or ``"lost"`` (the run
    was taken away from this worker; nothing recorded). An exception of the
    task is recorded with its traceback, never raised; ``KeyboardInterrupt``
    and ``SystemExit`` propagate and leave the run ``running`` (to be
    requeued).
    """
    beat = _Heartbeat(store, run, heartbeat_interval) if heartbeat_interval else None
    reporter = StoreReporter(store, run, lost=beat.lost if beat else None)
    try:
        try:
            result = task(run, reporter)
        except LostClaimError:
            return "lost"
        except Exception:  # noqa: BLE001 - the task's failure is recorded, the worker goes on
            return _fail(store, run, traceback.format_exc())
        try:
            store.finish(run.run_id, run.worker, result)
            return "done"
        except LostClaimError:
            return "lost"
        except (TypeError, ValueError) as exc:
            return _fail(store, run, f"task returned an invalid result: {exc}")
    finally:
        if beat is not None:
            beat.stop()


def worker_loop(store_path: str, task: Task, worker: Optional[str] = None, *,
                stale_after: Optional[float] = None,
                heartbeat_interval: Optional[float] = DEFAULT_HEARTBEAT_INTERVAL,
                max_runs: Optional[int] = None,
                should_stop: Optional[Callable[[], bool]] = None) -> int:
    """Claims and runs runs of the store at ``store_path`` until none is left.

    worker:      this worker's name (default ``host:pid``; keep the pid in
                 it so a restarted sweep can tell that the process died).
    stale_after: also take over runs whose heartbeat is older than this
                 many seconds (their worker is presumed dead).
    max_runs:    stop after this many runs.
    should_stop: checked before each claim; True stops the loop.

    Returns the number of runs this worker processed. If the loop is
    interrupted (``KeyboardInterrupt``, ``SystemExit``) during a run, the
    run is put back to pending before the exception propagates.
    """
    worker = worker or worker_name()
    done = 0
    with ResultsStore.open(store_path) as store:
        while max_runs is None or done < max_runs:
            if should_stop is not None and should_stop():
                break
            run = store.claim(worker, stale_after=stale_after)
            if run is None:
                break
            try:
                run_one(store, task, run, heartbeat_interval=heartbeat_interval)
            except BaseException:  # Ctrl-C, SystemExit: not the run's fault, put it back
                with contextlib.suppress(Exception):
                    store.requeue_running([worker])
                raise
            done += 1
    return done


__all__ = ["worker_loop", "run_one", "DEFAULT_HEARTBEAT_INTERVAL"]
