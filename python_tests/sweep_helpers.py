"""Fake sweep tasks and worker bodies for test_sweep.py.

They live in an importable module (not the test file) because the sweep's
worker processes are started with ``spawn`` and import their task by name.
"""

from __future__ import annotations

import os
import signal
import time

from relsparse.sweep import ResultsStore, SweepSpec


def make_spec(n_graphs: int = 6, seeds=(0, 1), name: str = "test-sweep", epochs: int = 3, **kw) -> SweepSpec:
    graphs = [
        {"generator": "connected_ws_flex", "n": 16, "k": 2.0 + 12.0 * i / max(1, n_graphs), "p": (i % 5) / 4,
         "seed": i, "C": 0.1 + 0.8 * i / max(1, n_graphs), "L": 1.5 + i / max(1, n_graphs)}
        for i in range(n_graphs)
    ]
    graphs.append({"generator": "complete", "n": 16})
    return SweepSpec(name=name, model="mlp", dataset="synthetic", graphs=graphs, seeds=list(seeds),
                     train={"epochs": epochs, "lr": 0.1}, **kw)


def _log(path, line: str) -> None:
    if path:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode())  # one short write: atomic under O_APPEND
        finally:
            os.close(fd)


def fake_task(run, reporter, *, epochs=None, sleep=0.005, log=None):
    """Writes a few epochs, sleeping between them; logs 'start key' and 'end key'."""
    epochs = run.config["train"]["epochs"] if epochs is None else epochs
    _log(log, f"start {run.key} {os.getpid()}")
    for e in range(epochs):
        time.sleep(sleep)
        reporter.epoch(e, {"epoch": e, "train_loss": 1.0 / (e + 1), "train_error": 40.0 - e, "val_loss": 1.5 / (e + 1),
                           "val_error": 50.0 - e, "lr": 0.1, "seconds": sleep, "grad_norm": 2.0})
    _log(log, f"end {run.key} {os.getpid()}")
    return {"final_val_error": 50.0 - (epochs - 1), "best_val_error": 50.0 - (epochs - 1), "final_train_loss": 1.0 / epochs,
            "epochs": epochs, "params": 1000 + run.graph_index, "flops": 2000, "width": 64, "graph_C": run.graph["C"]}


def flaky_task(run, reporter, *, succeed_on=2):
    """Fails until attempt ``succeed_on`` (never, if None)."""
    reporter.epoch(0, {"train_loss": 1.0})
    if succeed_on is None or run.attempt < succeed_on:
        raise RuntimeError(f"flaky failure of run {run.run_id} on attempt {run.attempt}")
    return {"final_val_error": 10.0}


def interrupt_task(run, reporter):
    """Reports an epoch, then is interrupted as by Ctrl-C."""
    reporter.epoch(0, {"train_loss": 1.0})
    raise KeyboardInterrupt


def suicide_task(run, reporter):
    """The worker process of graph 0 / first seed SIGKILLs itself on its first attempt."""
    if run.graph_index == 0 and run.seed == 0 and run.attempt == 1:
        reporter.epoch(0, {"train_loss": 9.0})
        os.kill(os.getpid(), signal.SIGKILL)
    return fake_task(run, reporter, epochs=2, sleep=0.001)


def heartbeat_probe_task(run, reporter, *, sleep=0.4):
    """Sleeps without reporting, then reads its own heartbeat from the store."""
    time.sleep(sleep)
    with ResultsStore.open(reporter._store.path) as store:
        row = store.runs("running")
    row = row[row["run_id"] == run.run_id][0]
    return {"hb_age": float(row["heartbeat"] - row["started"])}


def hammer(store_path: str, log: str, label: str, barrier=None) -> None:
    """Claims and finishes runs with the raw store API until none is left (all start together)."""
    worker = f"{label}@hammer:{os.getpid()}"
    with ResultsStore.open(store_path) as store:
        if barrier is not None:
            barrier.wait()
        while True:
            run = store.claim(worker)
            if run is None:
                return
            _log(log, f"{run.key} {worker}")
            for e in range(2):
                store.record_epoch(run.run_id, worker, e, {"train_loss": float(e)})
            store.finish(run.run_id, worker, {"final_val_error": 1.0, "epochs": 2})
            time.sleep(0.002)  # a little work between runs, as real workers have
