"""What a sweep runs: a *task* called once per run, and the reporter it talks to.

A task is any picklable callable (a module-level function, or a
``functools.partial`` of one) ::

    def task(run: Run, reporter: Reporter) -> dict | None

It trains ``run.config["model"]`` on ``run.graph`` with ``run.seed``,
calls ``reporter.epoch(epoch, metrics)`` after each epoch (this stores the
epoch's metrics and is the run's heartbeat) and returns the result dict
(``final_val_error``, ``best_val_error``, ``final_train_loss``, ``epochs``,
``flops``, ``params``, ``width``, ... see :meth:`ResultsStore.finish`). If
it raises, the attempt is recorded as failed with the traceback and the
run is retried (up to the store's ``max_attempts``). The sweep machinery
never looks inside ``run.config["train"]``.

Two ways to execute tasks, so that any engine can drive a sweep:

* **Workers that reach the store** (:func:`relsparse.sweep.worker.worker_loop`):
  each worker claims runs and writes their results itself
  (:class:`StoreReporter`). :class:`~relsparse.sweep.LocalExecutor` runs N
  such workers as processes; a job array on one machine can run
  ``worker_loop`` in each job.
* **Only a driver reaches the store** (Ray, Dask, a cluster across
  machines): the driver claims runs, ships ``(task, run)`` to the engine,
  where :func:`execute_run` runs the task with a :class:`BufferedReporter`,
  and records each returned :class:`Outcome` with :func:`record_outcome`
  (heart-beating its outstanding runs meanwhile).
"""

from __future__ import annotations

import dataclasses
import time
import traceback
from typing import Any, Callable, Mapping, Optional, Protocol

from .store import LostClaimError, ResultsStore, Run


class Reporter(Protocol):
    """What a task may call while it runs."""

    run: Run

    def epoch(self, epoch: int, metrics: Mapping[str, Any]) -> None:
        """Reports one epoch's metrics (train_loss, train_error, val_loss, val_error, lr, seconds, ...)."""

    def heartbeat(self) -> None:
        """Says the run is alive (for long stretches without epochs)."""


Task = Callable[[Run, Reporter], Optional[Mapping[str, Any]]]


class StoreReporter:
    """Writes epochs and heartbeats straight into the store (the worker's connection).

    Raises :class:`LostClaimError` from :meth:`epoch` / :meth:`heartbeat` if
    the run was taken away from this worker; the task should let it
    propagate (the worker then abandons the run).
    """

    def __init__(self, store: ResultsStore, run: Run, lost: Optional[Callable[[], bool]] = None) -> None:
        self.run, self._store, self._lost = run, store, lost

    def _check(self) -> None:
        if self._lost is not None and self._lost():
            raise LostClaimError(f"run {self.run.run_id} is no longer held by worker {self.run.worker!r}")

    def epoch(self, epoch: int, metrics: Mapping[str, Any]) -> None:
        self._check()
        self._store.record_epoch(self.run.run_id, self.run.worker, epoch, metrics)

    def heartbeat(self) -> None:
        self._check()
        self._store.heartbeat(self.run.run_id, self.run.worker)


class BufferedReporter:
    """Keeps epochs in memory (for :func:`execute_run`, away from the store)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.epochs: list = []

    def epoch(self, epoch: int, metrics: Mapping[str, Any]) -> None:
        self.epochs.append((int(epoch), dict(metrics)))

    def heartbeat(self) -> None:
        pass


@dataclasses.dataclass
class Outcome:
    """What :func:`execute_run` returns: the run, its epochs, and a result or an error."""

    run: Run
    epochs: list
    result: Optional[dict]
    error: Optional[str]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


def execute_run(task: Task, run: Run) -> Outcome:
    """Runs ``task`` on ``run`` without touching the store (for remote engines).

    Never raises for an exception of the task: it comes back as the
    outcome's ``error`` (the traceback text).
    """
    reporter = BufferedReporter(run)
    start = time.time()
    try:
        result = task(run, reporter)
        result = {} if result is None else dict(result)
        error = None
    except Exception:  # noqa: BLE001 - the task's failure is data
        result, error = None, traceback.format_exc()
    return Outcome(run, reporter.epochs, result, error, time.time() - start)


def record_outcome(store: ResultsStore, outcome: Outcome) -> str:
    """Writes an :class:`Outcome` into the store (the driver's side); returns the run's new status.

    Raises :class:`LostClaimError` if the run is no longer held by
    ``outcome.run.worker``.
    """
    run = outcome.run
    if outcome.error is None:
        try:
            for epoch, metrics in outcome.epochs:
                store.record_epoch(run.run_id, run.worker, epoch, metrics)
            result = dict(outcome.result or {})
            result.setdefault("wall_time", outcome.seconds)
            store.finish(run.run_id, run.worker, result)
            return "done"
        except (TypeError, ValueError) as exc:
            return store.fail(run.run_id, run.worker, f"task reported invalid metrics or result: {exc}")
    try:  # keep the failed attempt's epochs when they are valid
        for epoch, metrics in outcome.epochs:
            store.record_epoch(run.run_id, run.worker, epoch, metrics)
    except (TypeError, ValueError):
        pass
    return store.fail(run.run_id, run.worker, outcome.error)


__all__ = ["Task", "Reporter", "StoreReporter", "BufferedReporter", "Outcome", "execute_run", "record_outcome"]
