"""Running a sweep: create or resume its store, requeue what a crash left, execute."""

from __future__ import annotations

import os
from typing import Any, Optional

from .executor import Executor, LocalExecutor
from .spec import SweepSpec
from .store import ResultsStore
from .task import Task


def run_sweep(store_path: Any, task: Task, executor: Optional[Executor] = None, *,
              spec: Optional[SweepSpec] = None, progress: bool = True) -> dict:
    """Runs (or resumes) the sweep in the results store at ``store_path``.

    1. With ``spec``, creates the store first (:meth:`ResultsStore.create`:
       a no-op if the store already holds this sweep, an error if another).
    2. Requeues the runs left ``running`` by workers of this host that no
       longer exist (a previous run of the sweep was killed).
    3. Runs every pending run with ``executor`` (default:
       ``LocalExecutor(workers=1)``).

    Returns the final :meth:`ResultsStore.progress` counts. Running it again
    after it was killed at any moment continues where it stopped; runs
    already done are not run again.
    """
    store_path = os.fspath(store_path)
    if spec is not None:
        ResultsStore.create(store_path, spec).close()
    with ResultsStore.open(store_path) as store:
        store.requeue_orphans()
    (executor if executor is not None else LocalExecutor()).run(store_path, task, progress=progress)
    with ResultsStore.open(store_path) as store:
        return store.progress()


__all__ = ["run_sweep"]
