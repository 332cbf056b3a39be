"""Sweeps: train every graph of a list with every seed, into a crash-safe results store.

A sweep is a :class:`SweepSpec` (graphs x seeds x one model/training
config). Its runs live in a :class:`ResultsStore` (one SQLite file: one
row per run with its config, graph parameters, C, L, final metrics, wall
time and status; one row per epoch). Workers claim runs from the store, so
any number of processes can work on one sweep, and a sweep killed at any
moment -- SIGKILL included -- resumes with no run lost or duplicated.

- :mod:`~relsparse.sweep.spec`      :class:`SweepSpec`, :func:`graphs_from_sample`
- :mod:`~relsparse.sweep.schema`    the store's tables
- :mod:`~relsparse.sweep.store`     :class:`ResultsStore` (claims, results, crash safety)
- :mod:`~relsparse.sweep.task`      the task interface, :func:`execute_run` for remote engines
- :mod:`~relsparse.sweep.worker`    :func:`worker_loop`, one worker's claim/run/record loop
- :mod:`~relsparse.sweep.executor`  :class:`Executor` interface, :class:`LocalExecutor`
- :mod:`~relsparse.sweep.runner`    :func:`run_sweep`

Example
-------
::

    from relsparse import design_space, sweep

    def task(run, reporter):                     # module level: workers import it
        for epoch in range(run.config["train"]["epochs"]):
            ...                                  # train on sweep.make_graph(run.graph), seed run.seed
            reporter.epoch(epoch, {"train_loss": loss, "val_error": err})
        return {"final_val_error": err}

    if __name__ == "__main__":
        graphs = sweep.graphs_from_sample(design_space.read_csv("sample52.csv"), complete_baseline=True)
        spec = sweep.SweepSpec(name="mlp-cifar10", model="mlp", dataset="cifar10",
                               graphs=graphs, seeds=[0, 1, 2, 3, 4], train={"epochs": 200})
        sweep.run_sweep("mlp.sqlite", task, sweep.LocalExecutor(workers=4), spec=spec)
        done = sweep.ResultsStore.open("mlp.sqlite").runs("done")   # fields C, L, seed, final_val_error, ...
"""

from __future__ import annotations

from .executor import Executor, LocalExecutor, WorkerError
from .identity import worker_name
from .runner import run_sweep
from .spec import GENERATORS, RunSpec, SweepSpec, complete_graph_entry, graphs_from_sample, make_graph, spread_graphs
from .store import LostClaimError, ResultsStore, ResultsStoreError, Run
from .task import BufferedReporter, Outcome, Reporter, StoreReporter, Task, execute_run, record_outcome
from .worker import run_one, worker_loop

__all__ = [
    "SweepSpec", "RunSpec", "GENERATORS", "graphs_from_sample", "complete_graph_entry", "make_graph", "spread_graphs",
    "ResultsStore", "ResultsStoreError", "LostClaimError", "Run",
    "Task", "Reporter", "StoreReporter", "BufferedReporter", "Outcome", "execute_run", "record_outcome",
    "worker_loop", "run_one", "worker_name",
    "Executor", "LocalExecutor", "WorkerError", "run_sweep",
]
