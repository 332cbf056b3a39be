"""measures.scan (generate and measure without materialising) against the batch path.

For every generator, each measure column of the scan table must equal
exactly ``measures.compute`` on the graphs from the matching ``*_batch``
generator, and the parameter columns must be the broadcast inputs.
Also: on_failure="record" rows (ok False, NaN measures), chunking and
progress=True.
"""

from __future__ import annotations

import numpy as np
import pytest

from networkx import NetworkXError as ReferenceGenerationError
from relsparse.reference import connected_ws_graph
from graph_helpers import edge_set
from relsparse import graphs, measures
from relsparse.errors import DisconnectedGraphError, GenerationError

ALL = list(measures.MEASURES)


def _params(generator: str) -> dict:
    """Broadcastable parameter arrays for ``generator`` (deterministic per generator)."""
    rng = np.random.default_rng(sorted(BATCH_ARGS).index(generator))
    n = rng.integers(2, 140, size=800)
    size = len(n)
    k_real = np.round(rng.uniform(2.0, np.minimum(n, 16.0)), 3)
    pairs = n * (n - 1) // 2
    return {
        "ws_flex": lambda: dict(n=n, k=k_real, p=rng.random(size), seed=rng.integers(0, 2**63, size)),
        "connected_ws_flex": lambda: dict(
            n=n, k=np.maximum(k_real, np.minimum(n, 6)), p=rng.random(size) * 0.3, seed=np.arange(size)
        ),
        "watts_strogatz_graph": lambda: dict(n=n, k=rng.integers(0, 12, size) % (n + 1), p=rng.random(size), seed=np.arange(size)),
        "connected_watts_strogatz_graph": lambda: dict(n=n, k=np.minimum(n, 6), p=0.2, seed=np.arange(size)),
        "gnp_random_graph": lambda: dict(n=np.concatenate([[0, 1], n]), p=rng.random(size + 2) * 0.2, seed=7),
        "gnm_random_graph": lambda: dict(n=n, m=np.minimum(2 * n, pairs), seed=np.arange(size, dtype=np.uint64) * 2**40),
        "dense_gnm_random_graph": lambda: dict(n=n, m=np.minimum(n + 3, pairs), seed=np.arange(size)),
        "barabasi_albert_graph": lambda: dict(n=n, m=np.maximum(1, n // 7), seed=3),
        "hkn_harary_graph": lambda: dict(n=n, k=np.maximum(1, n // 9)),
        "hnm_harary_graph": lambda: dict(n=n, m=np.minimum(n + n // 3, pairs)),
        "ring_lattice": lambda: dict(n=n, k=n // 5),
        "complete_graph": lambda: dict(n=np.arange(0, 90)),
    }[generator]()


BATCH_ARGS = {
    "ws_flex": ("n", "k", "p", "seed"),
    "connected_ws_flex": ("n", "k", "p", "seed"),
    "watts_strogatz_graph": ("n", "k", "p", "seed"),
    "connected_watts_strogatz_graph": ("n", "k", "p", "seed"),
    "gnp_random_graph": ("n", "p", "seed"),
    "gnm_random_graph": ("n", "m", "seed"),
    "dense_gnm_random_graph": ("n", "m", "seed"),
    "barabasi_albert_graph": ("n", "m", "seed"),
    "hkn_harary_graph": ("k", "n"),
    "hnm_harary_graph": ("n", "m"),
    "ring_lattice": ("n", "k"),
    "complete_graph": ("n",),
}


def _batch(generator: str, params: dict):
    fn = getattr(graphs, f"{generator}_batch")
    return fn(*(params[a] for a in BATCH_ARGS[generator]))


def _assert_columns_equal(table, cols, names):
    for name in names:
        a = np.asarray(table[name], dtype=np.float64)
        b = np.asarray(cols[name], dtype=np.float64)
        assert np.array_equal(a, b, equal_nan=True), name


@pytest.mark.parametrize("generator", sorted(BATCH_ARGS))
def test_scan_equals_compute_on_the_batch(generator):
    params = _params(generator)
    batch = _batch(generator, params)
    for disconnected, order in (("nan", "node"), ("reachable", "ascending")):
        table = measures.scan(generator, measures=ALL, disconnected=disconnected, clustering_order=order, **params)
        cols = measures.compute(batch, ALL, disconnected=disconnected, clustering_order=order)
        assert len(table) == len(batch)
        assert table["ok"].all()
        _assert_columns_equal(table, cols, cols.keys())
        size = len(batch)
        for name, value in params.items():
            expected = np.broadcast_to(np.asarray(value), (size,))
            assert np.array_equal(table[name], expected.astype(table[name].dtype)), name


def test_scan_of_large_graphs_uses_the_same_kernels():
    params = dict(n=[8192, 8193, 9000], m=[20000, 20000, 30000], seed=[1, 2, 3])
    table = measures.scan("gnm_random_graph", measures=["C", "transitivity", "degree_stats", "density"], **params)
    cols = measures.compute(graphs.gnm_random_graph_batch(**params), ["C", "transitivity", "degree_stats", "density"])
    _assert_columns_equal(table, cols, cols.keys())


def test_record_failures_of_a_connected_variant():
    n, k, p = 100, 2.0, 1.0
    seeds = np.arange(60)
    table = measures.scan(
        "connected_ws_flex", n=n, k=k, p=p, seed=seeds, tries=1, measures=["C", "L", "diameter"], on_failure="record"
    )
    expected_ok = []
    for s in seeds:
        try:
            connected_ws_graph(n, k, p, int(s), tries=1)
            expected_ok.append(True)
        except ReferenceGenerationError:
            expected_ok.append(False)
    assert table["ok"].tolist() == expected_ok
    assert 5 < sum(expected_ok) < 55
    bad = ~table["ok"]
    for name in ("average_clustering", "average_shortest_path_length", "diameter"):
        assert np.isnan(table[name][bad]).all()
        assert not np.isnan(table[name][~bad]).any()
    good_seeds = seeds[table["ok"]]
    batch = graphs.connected_ws_flex_batch(n, k, p, good_seeds, tries=1)
    cols = measures.compute(batch, ["C", "L", "diameter"])
    _assert_columns_equal(table[table["ok"]], cols, cols.keys())
    for s, g in zip(good_seeds[:10], batch):
        assert edge_set(g) == edge_set(connected_ws_graph(n, k, p, int(s), tries=1))
    with pytest.raises(GenerationError, match="seed="):
        measures.scan("connected_ws_flex", n=n, k=k, p=p, seed=seeds, tries=1)


def test_record_disconnected_graphs_under_raise():
    params = dict(n=[10, 10, 10], p=[1.0, 0.0, 1.0], seed=0)
    table = measures.scan("gnp_random_graph", measures=["C", "L"], on_failure="record", **params)
    assert table["ok"].tolist() == [True, False, True]
    assert np.isnan(table["average_shortest_path_length"][1]) and np.isnan(table["average_clustering"][1])
    assert table["average_shortest_path_length"][0] == 1.0
    with pytest.raises(DisconnectedGraphError):
        measures.scan("gnp_random_graph", measures=["C", "L"], **params)


def test_chunks_and_progress_bar(monkeypatch, capsys):
    params = dict(n=64, k=np.linspace(2, 40, 50), p=0.3, seed=np.arange(50))
    whole = measures.scan("ws_flex", measures=["C", "L", "diameter"], disconnected="nan", **params)
    monkeypatch.setattr(measures, "SCAN_CHUNK", 7)
    chunked = measures.scan("ws_flex", measures=["C", "L", "diameter"], disconnected="nan", progress=True, **params)
    assert whole.dtype == chunked.dtype
    assert np.array_equal(
        whole.view(np.uint8), chunked.view(np.uint8)
    )  # byte-identical, NaNs included
    err = capsys.readouterr().err
    assert "50" in err  # tqdm printed its total


def test_empty_scan():
    table = measures.scan("gnp_random_graph", n=np.array([], dtype=np.int64), p=0.5, seed=0)
    assert len(table) == 0
    assert table.dtype.names == ("n", "p", "seed", "ok", "average_clustering", "average_shortest_path_length")
