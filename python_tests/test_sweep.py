"""Sweeps: spec, results store (claims, crash safety, foreign files), executors.

The crash tests run a real sweep in a subprocess and SIGKILL it in the
middle, then resume it and check the store holds exactly the full set of
runs, each once, with complete epochs.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import numpy as np
import pytest

import sweep_helpers
from relsparse import design_space
from relsparse.sweep import (LocalExecutor, LostClaimError, ResultsStore, ResultsStoreError, SweepSpec, WorkerError,
                             execute_run, graphs_from_sample, make_graph, record_outcome, run_sweep, worker_loop)
from relsparse.sweep.identity import is_dead_local_worker, worker_name

HERE = os.path.dirname(os.path.abspath(__file__))


def digest(path) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def epochs_by_run(store):
    ep = store.epochs()
    out: dict = {}
    for r, e in zip(ep["run_id"].tolist(), ep["epoch"].tolist()):
        out.setdefault(r, []).append(e)
    return out


def assert_complete(store, spec, epochs):
    """Every run of ``spec`` is done, once, with epochs 0..epochs-1 exactly."""
    runs = store.runs()
    assert len(runs) == len(spec)
    assert sorted(runs["key"].tolist()) == sorted(r.key for r in spec.runs())
    assert set(runs["status"].tolist()) == {"done"}, Counter(runs["status"].tolist())
    by_run = epochs_by_run(store)
    assert sorted(by_run) == sorted(runs["run_id"].tolist())
    assert all(v == list(range(epochs)) for v in by_run.values())
    assert len(store.epochs()) == epochs * len(spec)
    assert np.all(runs["final_val_error"] == 50.0 - (epochs - 1))
    assert np.all(runs["wall_time"] > 0)


# ------------------------------------------------------------------ spec
def test_spec_runs_keys_and_json():
    spec = sweep_helpers.make_spec(n_graphs=3, seeds=[5, 1])
    runs = list(spec.runs())
    assert len(runs) == len(spec) == 8
    assert [(r.seed, r.graph_index) for r in runs[:4]] == [(5, 0), (5, 1), (5, 2), (5, 3)]  # seed-major
    assert len({r.key for r in runs}) == 8
    again = SweepSpec.from_json(spec.to_json())
    assert again == spec and again.to_json() == spec.to_json()
    assert [r.key for r in again.runs()] == [r.key for r in runs]
    # the key ignores data_dir, C/L and extra fields, but not the training config or the graph
    moved = SweepSpec(**{**json.loads(spec.to_json()), "data_dir": "/elsewhere"})
    assert [r.key for r in moved.runs()] == [r.key for r in runs]
    remeasured = SweepSpec(**{**json.loads(spec.to_json()),
                              "graphs": [{**g, "C": 0.5, "c_bin": 3} for g in spec.graphs[:-1]] + spec.graphs[-1:]})
    assert [r.key for r in remeasured.runs()] == [r.key for r in runs]
    assert remeasured.graphs[0]["c_bin"] == 3
    regraphed = SweepSpec(**{**json.loads(spec.to_json()), "graphs": [{**spec.graphs[0], "p": 0.3}]})
    assert next(regraphed.runs()).key != runs[0].key
    other = SweepSpec(**{**json.loads(spec.to_json()), "train": {"epochs": 4, "lr": 0.1}})
    assert not {r.key for r in other.runs()} & {r.key for r in runs}
    # pinned: run keys must not change between releases (stores would stop resuming)
    one = SweepSpec(name="pin", model="mlp", dataset="cifar10", graphs=[{"generator": "complete", "n": 64}], seeds=[0])
    assert next(one.runs()).key == one.run_key({"generator": "complete", "n": 64, "k": 63.0, "p": 0.0, "seed": 0}, 0)
    assert next(one.runs()).key == "392e3eda938440ff27cb04ad18099f8b"
    assert one.graphs[0] == {"generator": "complete", "n": 64, "k": 63.0, "p": 0.0, "seed": 0, "C": 1.0, "L": 1.0}


@pytest.mark.parametrize("change, match", [
    ({"name": ""}, "name"),
    ({"graphs": []}, "graphs"),
    ({"graphs": [{"generator": "er", "n": 8}]}, "generator"),
    ({"graphs": [{"generator": "connected_ws_flex", "n": 16, "k": 40.0, "p": 0.1, "seed": 0, "C": 0.5, "L": 2}]}, "k"),
    ({"graphs": [{"generator": "connected_ws_flex", "n": 16, "k": 4.0, "p": 1.5, "seed": 0, "C": 0.5, "L": 2}]}, "p"),
    ({"graphs": [{"generator": "connected_ws_flex", "n": 16, "k": 4.0, "p": 0.5, "seed": 0}]}, "missing 'C'"),
    ({"graphs": [{"generator": "complete", "n": 16}, {"generator": "complete", "n": 16, "C": 1}]}, "same graph"),
    ({"seeds": []}, "seeds"),
    ({"seeds": [1, 1]}, "distinct"),
    ({"seeds": [-1]}, "seeds"),
    ({"train": {"x": object()}}, "train"),
    ({"train": {"lr": float("nan")}}, "train"),
    ({"budget": "auto"}, "budget"),
    ({"budget": 0}, "budget"),
    ({"budget": True}, "budget"),
])
def test_spec_bad_input(change, match):
    base = dict(name="s", model="mlp", dataset="digits", graphs=[{"generator": "complete", "n": 16}], seeds=[0])
    with pytest.raises((ValueError, TypeError), match=match):
        SweepSpec(**{**base, **change})


def test_graphs_from_sample(tmp_path):
    dtype = [(c, np.float64) for c in design_space.SAMPLE_COLUMNS]
    rows = np.zeros(3, dtype=dtype)
    rows["n"], rows["k"], rows["p"], rows["seed"] = 64, [8.0, 10.123456789012345, 30.5], [0.0, 0.1, 0.987654321], [0, 7, 29]
    rows["k_over_n"] = rows["k"] / 64
    rows[design_space.C_FIELD], rows[design_space.L_FIELD] = [0.64, 0.3, 0.7], [4.4, 2.0, 1.6]
    design_space.write_csv(rows, str(tmp_path / "s.csv"))
    for source in (rows, str(tmp_path / "s.csv")):
        graphs = graphs_from_sample(source, complete_baseline=True)
        assert len(graphs) == 4
        assert graphs[1] == {"generator": "connected_ws_flex", "n": 64, "k": 10.123456789012345, "p": 0.1,
                             "seed": 7, "C": 0.3, "L": 2.0}
        assert graphs[-1]["generator"] == "complete" and graphs[-1]["C"] == graphs[-1]["L"] == 1.0
    spec = SweepSpec(name="s", model="mlp", dataset="cifar10", graphs=graphs, seeds=[0])
    assert spec.graphs == graphs
    g = make_graph({"generator": "connected_ws_flex", "n": 16, "k": 4.0, "p": 0.0, "seed": 0, "C": 0.5, "L": 2.4})
    assert g.number_of_nodes() == 16 and g.number_of_edges() == 32
    with pytest.raises(ValueError, match="fields"):
        graphs_from_sample(np.zeros(2, dtype=[("n", int)]))


# ------------------------------------------------------------------ store basics
def test_create_open_idempotent(tmp_path):
    path = str(tmp_path / "r.sqlite")
    spec = sweep_helpers.make_spec()
    with ResultsStore.create(path, spec) as s:
        assert s.progress() == {"pending": 14, "running": 0, "done": 0, "failed": 0, "total": 14}
        assert s.meta["format"] == "relsparse-results" and s.meta["schema_version"] == "1"
        run = s.claim("w")
        s.finish(run.run_id, "w", {"final_val_error": 3.0})
    before = digest(path)
    with ResultsStore.create(path, sweep_helpers.make_spec()) as s:  # same sweep: opens, adds nothing
        assert s.spec == spec and s.progress()["done"] == 1 and s.progress()["total"] == 14
    with ResultsStore.open(path) as s:
        assert s.runs()["key"].tolist() == [r.key for r in spec.runs()]
        assert s.check() == "ok"
    other = sweep_helpers.make_spec(seeds=[0, 1, 2])
    with pytest.raises(ResultsStoreError, match=r"differs from the given spec in \['seeds'\]"):
        ResultsStore.create(path, other)
    assert digest(path) == before
    assert not [f for f in os.listdir(tmp_path) if "creating" in f]
    with pytest.raises(ResultsStoreError, match="does not exist"):
        ResultsStore.open(str(tmp_path / "missing.sqlite"))
    with pytest.raises(ResultsStoreError, match="folder"):
        ResultsStore.create(str(tmp_path / "no" / "r.sqlite"), spec)
    with pytest.raises(TypeError, match="spec"):
        ResultsStore.create(str(tmp_path / "x.sqlite"), {"name": "x"})


def _foreign_files(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("this is not a database\n" * 20)
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    con.close()
    othermeta = tmp_path / "othermeta.sqlite"
    con = sqlite3.connect(othermeta)
    con.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    con.execute("INSERT INTO meta VALUES ('format', 'something-else')")
    con.commit()
    con.close()
    newer = tmp_path / "newer.sqlite"
    ResultsStore.create(str(newer), sweep_helpers.make_spec()).close()
    con = sqlite3.connect(newer)
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    truncated = tmp_path / "truncated.sqlite"
    ResultsStore.create(str(truncated), sweep_helpers.make_spec(n_graphs=200)).close()
    truncated.write_bytes(truncated.read_bytes()[:6000])
    return [(text, "not an SQLite database"), (empty, "empty file"), (other, "not a relsparse results store"),
            (othermeta, "not a relsparse results store"), (newer, "schema version '2'.*newer relsparse"),
            (truncated, "not a readable SQLite database|damaged")]


def test_foreign_and_corrupt_files_left_intact(tmp_path):
    spec = sweep_helpers.make_spec()
    for path, message in _foreign_files(tmp_path):
        before = digest(path)
        for call in (lambda: ResultsStore.open(str(path)), lambda: ResultsStore.create(str(path), spec),
                     lambda: run_sweep(str(path), sweep_helpers.fake_task, LocalExecutor(1), progress=False)):
            with pytest.raises(ResultsStoreError, match=message) as info:
                call()
            assert str(path) in str(info.value)
        assert digest(path) == before, path
    with pytest.raises(ResultsStoreError, match="not a file"):
        ResultsStore.open(str(tmp_path))


# ------------------------------------------------------------------ store API
def test_claim_record_finish_and_tables(tmp_path):
    path = str(tmp_path / "r.sqlite")
    spec = sweep_helpers.make_spec(n_graphs=2, seeds=[0])
    with ResultsStore.create(path, spec) as s:
        run = s.claim("a")
        assert (run.run_id, run.graph_index, run.seed, run.attempt, run.worker) == (1, 0, 0, 1, "a")
        assert run.graph == spec.graphs[0] and run.config["train"] == {"epochs": 3, "lr": 0.1}
        s.record_epoch(run.run_id, "a", 0, {"train_loss": 2.0, "val_error": 60.0, "grad_norm": np.float32(1.5)})
        s.record_epoch(run.run_id, "a", 0, {"train_loss": 1.0, "val_error": 55.0})  # replaces, no duplicate
        s.record_epoch(run.run_id, "a", 1, {"epoch": 1, "train_loss": float("nan")})
        with pytest.raises(LostClaimError, match="no longer held by worker 'b'"):
            s.record_epoch(run.run_id, "b", 2, {"train_loss": 1.0})
        with pytest.raises(LostClaimError):
            s.finish(run.run_id, "b", {})
        with pytest.raises(ValueError, match="metrics\\['epoch'\\]"):
            s.record_epoch(run.run_id, "a", 2, {"epoch": 3})
        with pytest.raises(TypeError, match="val_error"):
            s.record_epoch(run.run_id, "a", 2, {"val_error": "bad"})
        with pytest.raises(TypeError, match="params"):
            s.finish(run.run_id, "a", {"params": 1.5})
        with pytest.raises(ValueError, match="run_id 99"):
            s.heartbeat(99, "a")
        s.finish(run.run_id, "a", {"final_val_error": 55.0, "epochs": 2, "params": np.int64(7), "note": "x"})
        with pytest.raises(LostClaimError, match="now done"):
            s.record_epoch(run.run_id, "a", 5, {})
        runs = s.runs()
        assert runs.dtype.names[:4] == ("run_id", "key", "graph_index", "generator")
        r = runs[0]
        assert (r["status"], r["attempts"], r["params"], r["epochs"], r["final_val_error"]) == ("done", 1, 7, 2, 55.0)
        assert r["C"] == spec.graphs[0]["C"] and r["graph_seed"] == 0 and r["seed"] == 0
        assert json.loads(r["result"])["note"] == "x" and r["wall_time"] >= 0
        assert runs[1]["status"] == "pending" and runs[1]["params"] == -1 and np.isnan(runs[1]["wall_time"])
        ep = s.epochs(run.run_id)
        assert ep["epoch"].tolist() == [0, 1] and ep["train_loss"][0] == 1.0 and np.isnan(ep["train_loss"][1])
        assert json.loads(s.epochs()["extra"][0] or "{}") == {}
        assert len(s.runs("done")) == 1 and len(s.runs("pending")) == len(spec) - 1
        s.to_csv(tmp_path / "runs.csv")
        s.to_csv(tmp_path / "epochs.csv", table="epochs")
        with pytest.raises(ValueError, match="status"):
            s.runs("finished")
    with open(tmp_path / "runs.csv", newline="") as f:
        csv_runs = list(csv.DictReader(f))
    assert len(csv_runs) == len(spec) and float(csv_runs[0]["final_val_error"]) == 55.0
    assert json.loads(csv_runs[0]["result"])["note"] == "x" and csv_runs[1]["params"] == ""
    assert (tmp_path / "epochs.csv").read_text().count("\n") == 3


def test_fail_retry_stale_and_requeue(tmp_path):
    path = str(tmp_path / "r.sqlite")
    with ResultsStore.create(path, sweep_helpers.make_spec(n_graphs=4, seeds=[0]), max_attempts=2) as s:
        run = s.claim("a")
        assert s.fail(run.run_id, "a", "boom 1") == "pending"
        run = s.claim("a")
        assert run.run_id == 1 and run.attempt == 2
        assert s.fail(run.run_id, "a", "boom 2") == "failed"
        r = s.runs()[0]
        assert (r["status"], r["attempts"], r["failures"], r["error"]) == ("failed", 2, 2, "boom 2")
        # stale heartbeat: the run is taken over and its old worker fenced off
        run = s.claim("old")
        time.sleep(0.02)
        assert s.claim("new", stale_after=3600).run_id != run.run_id
        taken = s.claim("new2", stale_after=0.01)
        assert taken.run_id == run.run_id and taken.attempt == 2
        with pytest.raises(LostClaimError):
            s.record_epoch(run.run_id, "old", 0, {"train_loss": 1.0})
        assert "heartbeats" in s.runs()[run.run_id - 1]["error"]
        # a dead local worker's run is requeued without counting a failure; a live one's is not
        dead = mp.get_context("spawn").Process(target=time.sleep, args=(0,))
        dead.start()
        dead.join()
        ghost = worker_name("w1", pid=dead.pid)
        assert is_dead_local_worker(ghost) and not is_dead_local_worker(worker_name())
        assert not is_dead_local_worker("w@some-other-host:1") and not is_dead_local_worker("not a name")
        held = s.claim(ghost)
        alive = s.claim(worker_name("w2"))
        assert s.requeue_orphans() == 1
        states = {r["run_id"]: (r["status"], r["failures"]) for r in s.runs()}
        assert states[held.run_id] == ("pending", 0) and states[alive.run_id][0] == "running"
        assert s.retry_failed() == 1 and s.progress()["failed"] == 0
        assert s.requeue_running() >= 1 and s.progress()["running"] == 0
        assert s.reset_stale(3600) == 0


def test_claims_are_exclusive_across_processes(tmp_path):
    path, log = str(tmp_path / "r.sqlite"), str(tmp_path / "log")
    spec = sweep_helpers.make_spec(n_graphs=49, seeds=[0, 1, 2])  # 150 runs
    ResultsStore.create(path, spec).close()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=sweep_helpers.hammer, args=(path, log, f"h{i}", barrier)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    lines = open(log).read().split()
    keys, workers = lines[0::2], lines[1::2]
    assert len(keys) == len(spec) and set(keys) == {r.key for r in spec.runs()}  # each run claimed exactly once
    # They really ran concurrently (on a busy 2-core machine one of the four may be starved).
    assert len(set(workers)) >= 2
    with ResultsStore.open(path) as s:
        runs = s.runs()
        assert set(runs["status"]) == {"done"} and set(runs["attempts"]) == {1}
        assert len(s.epochs()) == 2 * len(spec) and s.check() == "ok"


# ------------------------------------------------------------------ task / worker / executor
def test_worker_loop_heartbeat_and_bad_results(tmp_path):
    path = str(tmp_path / "r.sqlite")
    ResultsStore.create(path, sweep_helpers.make_spec(n_graphs=1, seeds=[0])).close()
    n = worker_loop(path, sweep_helpers.heartbeat_probe_task, "probe", heartbeat_interval=0.05, max_runs=1)
    assert n == 1
    with ResultsStore.open(path) as s:
        assert json.loads(s.runs()[0]["result"])["hb_age"] > 0.1  # the thread beat while the task slept
    n = worker_loop(path, functools.partial(sweep_helpers.flaky_task, succeed_on=None), "w", heartbeat_interval=None)
    with ResultsStore.open(path) as s:
        r = s.runs()[1]
        assert n == 3 and r["status"] == "failed" and r["attempts"] == 3
        assert "Traceback" in r["error"] and "flaky failure of run 2 on attempt 3" in r["error"]


def test_readonly_and_interrupted_worker_loop(tmp_path):
    path = str(tmp_path / "r.sqlite")
    ResultsStore.create(path, sweep_helpers.make_spec(n_graphs=1, seeds=[0])).close()
    with pytest.raises(KeyboardInterrupt):
        worker_loop(path, sweep_helpers.interrupt_task, "me")
    with ResultsStore.open(path, readonly=True) as s:
        r = s.runs()[0]
        assert (r["status"], r["attempts"], r["failures"]) == ("pending", 1, 0)  # put back, not failed
        assert len(s.epochs()) == 1 and s.readonly
        with pytest.raises(ValueError, match="readonly"):
            s.claim("w")
    before = digest(path)
    os.chmod(path, 0o444)
    try:
        with ResultsStore.open(path, readonly=True) as s:
            assert s.progress()["pending"] == 2
    finally:
        os.chmod(path, 0o644)
    assert digest(path) == before


def test_execute_run_and_record_outcome(tmp_path):
    path = str(tmp_path / "r.sqlite")
    with ResultsStore.create(path, sweep_helpers.make_spec(n_graphs=1, seeds=[0]), max_attempts=1) as s:
        run = s.claim("driver")
        outcome = execute_run(functools.partial(sweep_helpers.fake_task, sleep=0), run)
        assert outcome.ok and len(outcome.epochs) == 3
        assert record_outcome(s, outcome) == "done"
        run = s.claim("driver")
        outcome = execute_run(functools.partial(sweep_helpers.flaky_task, succeed_on=None), run)
        assert not outcome.ok and "flaky failure" in outcome.error
        assert record_outcome(s, outcome) == "failed"
        assert [len(s.epochs(i)) for i in (1, 2)] == [3, 1]


def test_local_executor_completes(tmp_path):
    path, log = str(tmp_path / "r.sqlite"), str(tmp_path / "log")
    spec = sweep_helpers.make_spec(n_graphs=9, seeds=[0, 1])
    counts = run_sweep(path, functools.partial(sweep_helpers.fake_task, log=log), LocalExecutor(workers=2),
                       spec=spec, progress=True)
    assert counts == {"pending": 0, "running": 0, "done": 20, "failed": 0, "total": 20}
    with ResultsStore.open(path) as s:
        assert_complete(s, spec, 3)
        assert len(set(s.runs()["worker"])) == 2
    ends = [line.split()[1] for line in open(log) if line.startswith("end")]
    assert sorted(ends) == sorted(r.key for r in spec.runs())  # each run executed once
    # running a finished sweep again does nothing
    assert run_sweep(path, sweep_helpers.fake_task, LocalExecutor(2), spec=spec, progress=False)["done"] == 20
    assert len(open(log).readlines()) == 40


def test_local_executor_failures_and_dead_workers(tmp_path):
    path = str(tmp_path / "r.sqlite")
    spec = sweep_helpers.make_spec(n_graphs=3, seeds=[0])
    ResultsStore.create(path, spec, max_attempts=2).close()
    run_sweep(path, functools.partial(sweep_helpers.flaky_task, succeed_on=None), LocalExecutor(2), progress=False)
    with ResultsStore.open(path) as s:
        runs = s.runs()
        assert set(runs["status"]) == {"failed"} and set(runs["attempts"]) == {2} and set(runs["failures"]) == {2}
        assert all("RuntimeError: flaky failure" in e for e in runs["error"])
        assert s.retry_failed() == len(spec)
    run_sweep(path, sweep_helpers.flaky_task, LocalExecutor(2), progress=False)  # succeeds on attempt 2
    with ResultsStore.open(path) as s:
        assert set(s.runs()["status"]) == {"done"}
    # a worker killed by a signal in a run: that attempt fails, a new worker carries on
    path2 = str(tmp_path / "r2.sqlite")
    counts = run_sweep(path2, sweep_helpers.suicide_task, LocalExecutor(2), spec=spec, progress=False)
    assert counts["done"] == len(spec)
    with ResultsStore.open(path2) as s:
        r = s.runs()[0]
        assert (r["attempts"], r["failures"]) == (2, 1) and "killed by signal 9" in r["error"]
        assert s.epochs(r["run_id"])["epoch"].tolist() == [0, 1]
    with pytest.raises(TypeError, match="picklable"):
        run_sweep(path2, lambda run, rep: {}, LocalExecutor(1), progress=False)
    with pytest.raises(ValueError, match="workers"):
        LocalExecutor(0)


def test_task_errors_fail_runs_but_worker_errors_raise(tmp_path):
    path = str(tmp_path / "r.sqlite")
    ResultsStore.create(path, sweep_helpers.make_spec(n_graphs=1, seeds=[0])).close()
    bad = functools.partial(sweep_helpers.fake_task, log=str(tmp_path / "missing-dir" / "log"))
    # the task raises inside the run: recorded as a failure, not a worker error
    run_sweep(path, bad, LocalExecutor(1), progress=False)
    with ResultsStore.open(path) as s:
        assert set(s.runs()["status"]) == {"failed"} and "FileNotFoundError" in s.runs()[0]["error"]
    with ResultsStore.open(path) as s, pytest.raises(WorkerError, match="outside any run"):
        LocalExecutor._worker_died(s, "w@nowhere:1", 1)


# ------------------------------------------------------------------ crash safety
# The sweep runs as if started from a terminal: SIGINT raises KeyboardInterrupt. Started
# from a shell without job control as a background job (`(cmd &)`, nohup in a script, some
# CI runners), Python inherits SIGINT ignored and, rightly, keeps ignoring it: the Ctrl-C
# test would then see the sweep finish with 0.
SWEEP_SCRIPT = """
import functools, signal, sys, sweep_helpers
signal.signal(signal.SIGINT, signal.default_int_handler)
from relsparse.sweep import LocalExecutor, run_sweep
run_sweep(sys.argv[1], functools.partial(sweep_helpers.fake_task, sleep=0.02, log=sys.argv[2]),
          LocalExecutor(workers=3), spec=sweep_helpers.make_spec(n_graphs={n_graphs}, seeds=[0, 1]), progress=False)
"""


def _start_sweep(path, log, n_graphs):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([HERE, os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", SWEEP_SCRIPT.format(n_graphs=n_graphs), path, log], env=env,
                            start_new_session=True)


def _wait_until(path, proc, condition, timeout=45.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, "the sweep ended before it could be interrupted"
        if os.path.exists(path):
            try:
                with ResultsStore.open(path) as s:
                    counts = s.progress()
                    running = s.runs("running")
                    partial = any(0 < len(s.epochs(i)) < 3 for i in running["run_id"])
                if condition(counts, partial):
                    return
            except (ResultsStoreError, sqlite3.Error):
                pass  # being created
        time.sleep(0.01)
    raise AssertionError("the sweep made no progress")


def _pids(workers):
    return [int(w.rsplit(":", 1)[1]) for w in workers if w]


@pytest.mark.parametrize("kill", ["group", "parent"])
def test_sigkill_mid_sweep_resumes_to_exactly_the_full_set(tmp_path, kill):
    path, log = str(tmp_path / "r.sqlite"), str(tmp_path / "log")
    n_graphs = 14  # 15 graphs x 2 seeds = 30 runs of ~60 ms
    spec = sweep_helpers.make_spec(n_graphs=n_graphs, seeds=[0, 1])
    proc = _start_sweep(path, log, n_graphs)
    try:
        _wait_until(path, proc, lambda c, partial: c["done"] >= 6 and c["running"] >= 1 and partial)
        if kill == "group":
            os.killpg(proc.pid, signal.SIGKILL)  # sweep and workers at once, e.g. mid-transaction
        else:
            os.kill(proc.pid, signal.SIGKILL)  # the sweep only: its workers must die with it
        proc.wait(10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    with ResultsStore.open(path) as s:
        worker_pids = _pids(s.runs("running")["worker"])
    deadline = time.time() + 10
    while any(not is_dead_local_worker(worker_name(pid=p)) for p in worker_pids) and time.time() < deadline:
        time.sleep(0.02)
    assert all(is_dead_local_worker(worker_name(pid=p)) for p in worker_pids), "workers outlived the sweep"

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with ResultsStore.open(path) as s:
        counts = s.progress()
        assert counts["total"] == len(spec) and 6 <= counts["done"] < len(spec) and counts["running"] >= 1
        interrupted = set(s.runs("running")["key"])
        done_before = set(s.runs("done")["key"])

    counts = run_sweep(path, functools.partial(sweep_helpers.fake_task, sleep=0.001, log=log), LocalExecutor(2),
                       progress=False)
    assert counts == {"pending": 0, "running": 0, "done": len(spec), "failed": 0, "total": len(spec)}
    with ResultsStore.open(path) as s:
        assert s.check() == "ok"
        assert_complete(s, spec, 3)
        runs = {r["key"]: r for r in s.runs()}
        assert all(runs[k]["attempts"] == 2 and runs[k]["failures"] == 0 for k in interrupted)
        assert all(runs[k]["attempts"] == 1 for k in done_before)
    ends = Counter(line.split()[1] for line in open(log) if line.startswith("end"))
    assert all(ends[k] == 1 for k in done_before)  # finished runs were not run again


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_ctrl_c_and_sigterm_requeue_and_resume(tmp_path, sig):
    path, log = str(tmp_path / "r.sqlite"), str(tmp_path / "log")
    spec = sweep_helpers.make_spec(n_graphs=14, seeds=[0, 1])
    proc = _start_sweep(path, log, 14)
    try:
        _wait_until(path, proc, lambda c, partial: c["done"] >= 3 and c["running"] >= 1)
        if sig == "SIGINT":
            os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the whole foreground group
        else:
            os.kill(proc.pid, signal.SIGTERM)  # what a job scheduler sends to the sweep
        assert proc.wait(20) != 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    with ResultsStore.open(path) as s:
        assert s.progress()["running"] == 0  # requeued at once by the stopping sweep
    run_sweep(path, functools.partial(sweep_helpers.fake_task, sleep=0.001), LocalExecutor(2), progress=False)
    with ResultsStore.open(path) as s:
        assert_complete(s, spec, 3)
