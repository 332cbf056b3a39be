"""Batches equal their single-graph counterparts, and nothing depends on threads.

Every ``*_batch`` generator must return, element by element, the graph of its
single-graph function; generators, measures, scan and the DAG functions must
give identical results for threads=1, 2, 3 and the default (also when set with
set_num_threads or RELSPARSE_NUM_THREADS); repeated and colliding seeds must
not leak state between graphs; global random state must stay untouched.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import relsparse
from relsparse import dag, graphs, measures

RNG = np.random.default_rng(99)
SIZE = 600
N = RNG.integers(2, 150, SIZE)
N_SMALL = RNG.integers(2, 64, SIZE)
SEEDS = RNG.integers(0, 2**64, SIZE, dtype=np.uint64)
PAIRS = N * (N - 1) // 2

# name -> (batch keyword arrays, single-graph positional argument names)
BATCHES = {
    "ws_flex": (dict(n=N, k=np.round(RNG.uniform(2, np.minimum(N, 20)), 2), p=RNG.random(SIZE), seed=SEEDS), ("n", "k", "p", "seed")),
    "connected_ws_flex": (dict(n=N_SMALL, k=np.minimum(N_SMALL, 6.5), p=RNG.random(SIZE) * 0.3, seed=SEEDS), ("n", "k", "p", "seed")),
    "watts_strogatz_graph": (dict(n=N, k=RNG.integers(0, 12, SIZE) % (N + 1), p=RNG.random(SIZE), seed=SEEDS), ("n", "k", "p", "seed")),
    "connected_watts_strogatz_graph": (dict(n=N_SMALL, k=np.minimum(N_SMALL, 6), p=0.2, seed=SEEDS), ("n", "k", "p", "seed")),
    "gnp_random_graph": (dict(n=N, p=RNG.random(SIZE) * 0.3, seed=SEEDS), ("n", "p", "seed")),
    "gnm_random_graph": (dict(n=N, m=np.minimum(PAIRS, 3 * N), seed=SEEDS), ("n", "m", "seed")),
    "dense_gnm_random_graph": (dict(n=N, m=np.minimum(PAIRS, 2 * N), seed=SEEDS), ("n", "m", "seed")),
    "barabasi_albert_graph": (dict(n=N, m=np.maximum(1, N // 5), seed=SEEDS), ("n", "m", "seed")),
    "hkn_harary_graph": (dict(k=np.maximum(1, N // 4), n=N), ("k", "n")),
    "hnm_harary_graph": (dict(n=N, m=np.minimum(PAIRS, 2 * N)), ("n", "m")),
    "ring_lattice": (dict(n=N, k=N // 3), ("n", "k")),
    "complete_graph": (dict(n=np.arange(0, 120)), ("n",)),
}


def _single_args(kwargs: dict, names: tuple, i: int) -> list:
    out = []
    for name in names:
        v = np.broadcast_to(np.asarray(kwargs[name]), (len(np.atleast_1d(kwargs["n"])),))[i]
        out.append(v.item())
    return out


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_batch_equals_single_graphs_for_any_thread_count(name):
    kwargs, names = BATCHES[name]
    batch_fn = getattr(graphs, f"{name}_batch")
    single_fn = getattr(graphs, name)
    reference = batch_fn(**kwargs, threads=1)
    size = len(np.atleast_1d(kwargs["n"]))
    assert len(reference) == size
    for i in range(size):
        assert reference[i] == single_fn(*_single_args(kwargs, names, i)), (name, i)
    for threads in (2, 3, None):
        assert batch_fn(**kwargs, threads=threads) == reference, (name, threads)


def test_broadcasting_and_scalar_batches():
    b = graphs.ws_flex_batch(64, [4, 8, 16], 0.5, 7)
    assert list(b) == [graphs.ws_flex(64, k, 0.5, 7) for k in (4, 8, 16)]
    b = graphs.ws_flex_batch([[16, 32], [64, 128]], 4, 0.1, [[1, 2], [3, 4]])
    assert len(b) == 4 and list(b.num_nodes) == [16, 32, 64, 128]
    assert b[3] == graphs.ws_flex(128, 4, 0.1, 4)
    assert len(graphs.ws_flex_batch(64, 8, 0.5, 1)) == 1
    assert len(graphs.gnp_random_graph_batch(np.array([], dtype=np.int64), 0.5, 0)) == 0


def test_repeated_and_colliding_seeds_do_not_share_state():
    # Seeds equal modulo 256 (and repeated seeds) in one batch, in any order.
    seeds = np.array([0, 256, 0, 512, 256, 2**64 - 256, 2**64 - 1, 255, 511, 0] * 30, dtype=np.uint64)
    ks = np.tile(np.linspace(2, 30, 10), 30)
    for threads in (1, 2):
        b = graphs.ws_flex_batch(64, ks, 0.7, seeds, threads=threads)
        for i in range(0, len(seeds), 7):
            assert b[i] == graphs.ws_flex(64, float(ks[i]), 0.7, int(seeds[i]))
        s = measures.scan("ws_flex", n=64, k=ks, p=0.7, seed=seeds, threads=threads, measures=["C", "L"], disconnected="nan")
        c = measures.compute(b, ["C", "L"], disconnected="nan")
        assert np.array_equal(s["average_clustering"], c["average_clustering"])


def _measure_graphs() -> relsparse.GraphBatch:
    parts = [
        graphs.ws_flex_batch(64, np.linspace(2, 60, 800), RNG.random(800), np.arange(800)),
        graphs.gnp_random_graph_batch(RNG.integers(0, 300, 600), RNG.random(600) * 0.2, np.arange(600)),
        graphs.gnm_random_graph_batch([1000, 2000], [8000, 5000], [1, 2]),
    ]
    return relsparse.GraphBatch.from_graphs([g for b in parts for g in b])


def test_measures_do_not_depend_on_threads():
    batch = _measure_graphs()
    ref = measures.compute(batch, list(measures.MEASURES), disconnected="nan", threads=1)
    ref_asc = measures.compute(batch, ["C"], clustering_order="ascending", threads=1)
    ref_clust = measures.clustering(batch, threads=1)
    ref_ecc = measures.eccentricity(batch, disconnected="reachable", threads=1)
    for threads in (2, 3, None):
        cols = measures.compute(batch, list(measures.MEASURES), disconnected="nan", threads=threads)
        for key, value in ref.items():
            assert np.array_equal(cols[key], value, equal_nan=True), (key, threads)
        asc = measures.compute(batch, ["C"], clustering_order="ascending", threads=threads)
        assert np.array_equal(asc["average_clustering"], ref_asc["average_clustering"], equal_nan=True)
        assert np.array_equal(measures.clustering(batch, threads=threads), ref_clust)
        assert np.array_equal(measures.eccentricity(batch, disconnected="reachable", threads=threads), ref_ecc)
    # Batched values are the single-graph values.
    for i in range(0, len(batch), 97):
        g = batch[i]
        assert np.array_equal(ref["average_clustering"][i], measures.average_clustering(g), equal_nan=True)
        assert np.array_equal(ref["global_efficiency"][i], measures.global_efficiency(g))


def test_scan_does_not_depend_on_threads():
    params = dict(n=np.r_[np.full(500, 64), np.full(100, 100)], k=np.tile(np.linspace(2, 6, 100), 6), p=0.9, seed=np.arange(600))
    ref = measures.scan("connected_ws_flex", measures=list(measures.MEASURES), on_failure="record", threads=1, tries=2, **params)
    assert 0 < ref["ok"].sum() < 600  # some rows fail with two tries
    for threads in (2, 3, None):
        out = measures.scan("connected_ws_flex", measures=list(measures.MEASURES), on_failure="record", threads=threads, tries=2, **params)
        assert out.tobytes() == ref.tobytes()


def test_dag_functions_do_not_depend_on_threads():
    batch = graphs.gnp_random_graph_batch(RNG.integers(0, 40, 800), RNG.random(800) * 0.5, np.arange(800))
    dags, inputs, outputs = dag.to_dag(batch, threads=1)
    stats = dag.path_statistics(dags, inputs, outputs, threads=1)
    pruned, kept = dag.prune(dags, inputs, outputs // 2, threads=1)
    for threads in (2, 3, None):
        assert dag.to_dag(batch, threads=threads)[0] == dags
        other = dag.path_statistics(dags, inputs, outputs, threads=threads)
        for key, value in stats.items():
            assert np.array_equal(other[key], value, equal_nan=True), key
        p2, k2 = dag.prune(dags, inputs, outputs // 2, threads=threads)
        assert p2 == pruned and np.array_equal(k2, kept)


def test_default_thread_count_sources(monkeypatch):
    batch = graphs.ws_flex_batch(64, np.linspace(2, 60, 300), 0.3, np.arange(300))
    ref = measures.compute(batch, ["C", "L"], disconnected="nan", threads=1)
    try:
        for n in (1, 2, 5):
            relsparse.set_num_threads(n)
            assert relsparse.get_num_threads() == n
            assert graphs.ws_flex_batch(64, np.linspace(2, 60, 300), 0.3, np.arange(300)) == batch
            cols = measures.compute(batch, ["C", "L"], disconnected="nan")
            assert np.array_equal(cols["average_clustering"], ref["average_clustering"])
        relsparse.set_num_threads(None)
        monkeypatch.setenv("RELSPARSE_NUM_THREADS", "3")
        assert relsparse.get_num_threads() == 3
        assert graphs.ws_flex_batch(64, np.linspace(2, 60, 300), 0.3, np.arange(300)) == batch
    finally:
        relsparse.set_num_threads(None)


def test_global_random_state_is_untouched():
    random.seed(1234)
    np.random.seed(1234)
    py_state, np_state = random.getstate(), np.random.get_state()
    graphs.ws_flex_batch(64, 8, 0.5, np.arange(50))
    graphs.connected_ws_flex(64, 4, 0.9, 3)
    graphs.barabasi_albert_graph(100, 3, 1)
    measures.scan("gnp_random_graph", n=30, p=0.2, seed=np.arange(20), disconnected="nan")
    assert random.getstate() == py_state
    after = np.random.get_state()
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1]) and after[2:] == np_state[2:]
