"""relsparse.measures against networkx 3.6.1 (and numpy/scipy for large graphs).

Every measure, per graph and batched, to 1e-12 on hand-picked shapes (null,
single node, edgeless, complete, stars, paths, disconnected unions), hundreds
of random graphs of 0..130 nodes, hypothesis-drawn edge lists, and dense and
sparse graphs at n = 63, 64, 65, 200, 1000, 2048, 9000 (which between them
take the 64-node bitset kernels, the CSR bitset and marker triangle kernels
and the 64-source BFS blocks).
"""

from __future__ import annotations

import math
import random

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components, shortest_path

import relsparse
from graph_helpers import (
    assert_close,
    close,
    dense_and_sparse,
    random_graph_family,
    random_simple_graph,
    special_graphs,
    to_rel,
)
from relsparse import measures as M

SCALARS = ("average_clustering", "transitivity", "global_efficiency", "number_connected_components", "density")


def nx_reference(G: nx.Graph) -> dict:
    """Measures by networkx; NaN where networkx raises (null or disconnected graph)."""
    n = G.number_of_nodes()
    nodes = list(G)
    connected = n > 0 and nx.is_connected(G)
    deg = np.array([d for _, d in G.degree()], dtype=float)
    clust = nx.clustering(G)
    ecc = nx.eccentricity(G) if connected else {}
    ref = {
        "average_clustering": nx.average_clustering(G) if n else math.nan,
        "clustering": np.array([clust[v] for v in nodes], dtype=float),
        "transitivity": nx.transitivity(G),
        "global_efficiency": nx.global_efficiency(G),
        "number_connected_components": nx.number_connected_components(G),
        "density": nx.density(G),
        "average_shortest_path_length": nx.average_shortest_path_length(G) if connected else math.nan,
        "diameter": nx.diameter(G) if connected else math.nan,
        "eccentricity": np.array([ecc[v] for v in nodes] if connected else [math.nan] * n),
        "degree_mean": deg.mean() if n else math.nan,
        "degree_std": deg.std(ddof=0) if n else math.nan,
        "degree_min": deg.min() if n else 0,
        "degree_max": deg.max() if n else 0,
    }
    ref["connected"] = connected
    return ref


def matrix_reference(G: nx.Graph) -> dict:
    """The same measures from a scipy distance matrix and numpy triangle counts (large graphs)."""
    n = G.number_of_nodes()
    index = {v: i for i, v in enumerate(G)}
    e = np.array([(index[a], index[b]) for a, b in G.edges()], dtype=np.int64).reshape(-1, 2)
    A = sp.coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n)).tocsr()
    A = ((A + A.T) > 0).astype(np.float64)
    deg = np.asarray(A.sum(axis=1)).ravel()
    tri2 = np.asarray((A @ A).multiply(A).sum(axis=1)).ravel()  # 2 x triangles through v
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(tri2 > 0, tri2 / (deg * (deg - 1)), 0.0)
    D = shortest_path(A, method="D", unweighted=True)
    off = ~np.eye(n, dtype=bool)
    finite = np.isfinite(D) & off
    connected = bool(finite.sum() == n * (n - 1))
    triples = (deg * (deg - 1)).sum()
    return {
        "average_clustering": c.sum() / n,
        "clustering": c,
        "transitivity": tri2.sum() / triples if tri2.sum() else 0.0,
        "global_efficiency": (1.0 / D[finite]).sum() / (n * (n - 1)),
        "number_connected_components": connected_components(A, directed=False)[0],
        "density": 2 * G.number_of_edges() / (n * (n - 1)),
        "average_shortest_path_length": D[finite].sum() / (n * (n - 1)) if connected else math.nan,
        "diameter": D[finite].max() if connected else math.nan,
        "eccentricity": D.max(axis=1) if connected else np.full(n, math.nan),
        "degree_mean": deg.mean(),
        "degree_std": deg.std(),
        "degree_min": deg.min(),
        "degree_max": deg.max(),
        "connected": connected,
    }


def check_single(G: nx.Graph, ref: dict, name: str) -> None:
    """Every public measure function on one graph against ``ref``."""
    g = to_rel(G)
    for key in SCALARS:
        assert_close(getattr(M, key)(g), ref[key], f"{name} {key}")
    got_c = M.clustering(g)
    assert got_c.shape == ref["clustering"].shape
    assert np.allclose(got_c, ref["clustering"], rtol=1e-12, atol=1e-12), name
    for key, value in M.degree_statistics(g).items():
        assert_close(value, ref[f"degree_{key}"], f"{name} degree {key}")
    if ref["connected"]:
        assert_close(M.average_shortest_path_length(g), ref["average_shortest_path_length"], f"{name} L")
        d = M.diameter(g)
        assert isinstance(d, int) and d == ref["diameter"], name
        ecc = M.eccentricity(g)
        assert ecc.dtype == np.int64 and np.array_equal(ecc, ref["eccentricity"]), name
    else:
        with pytest.raises(relsparse.DisconnectedGraphError):
            M.average_shortest_path_length(g)
        with pytest.raises(relsparse.DisconnectedGraphError):
            M.diameter(g)
        if G.number_of_nodes():
            with pytest.raises(relsparse.DisconnectedGraphError):
                M.eccentricity(g)
        assert math.isnan(M.average_shortest_path_length(g, disconnected="nan"))
        assert math.isnan(M.diameter(g, disconnected="nan"))
        assert np.isnan(M.eccentricity(g, disconnected="nan")).all()


COLUMNS = SCALARS + ("average_shortest_path_length", "diameter") + tuple(
    f"degree_{s}" for s in ("mean", "std", "min", "max")
)


def check_batch(named: list[tuple[str, nx.Graph]], refs: list[dict]) -> None:
    """measures.compute on one GraphBatch (all measures at once) and the per-node functions."""
    batch = relsparse.GraphBatch.from_graphs([G for _, G in named])
    cols = M.compute(batch, list(M.MEASURES), disconnected="nan")
    assert set(cols) == set(COLUMNS)
    for key in COLUMNS:
        assert len(cols[key]) == len(named)
        bad = [named[i][0] for i, ref in enumerate(refs) if not close(cols[key][i], ref[key])]
        assert not bad, f"{key} differs on {bad[:5]}"
    clust = M.clustering(batch)
    ecc = M.eccentricity(batch, disconnected="nan")
    ptr = batch.node_ptr
    for i, ref in enumerate(refs):
        assert np.allclose(clust[ptr[i] : ptr[i + 1]], ref["clustering"], rtol=1e-12, atol=1e-12), named[i][0]
        assert np.array_equal(ecc[ptr[i] : ptr[i + 1]], ref["eccentricity"], equal_nan=True), named[i][0]


def test_special_graphs():
    named = list(special_graphs())
    refs = [nx_reference(G) for _, G in named]
    for (name, G), ref in zip(named, refs):
        check_single(G, ref, name)
    check_batch(named, refs)


@pytest.mark.parametrize("seed", range(4))
def test_random_graphs(seed):
    named = random_graph_family(seed, 250)
    refs = [nx_reference(G) for _, G in named]
    assert sum(ref["connected"] for ref in refs) > 20 and sum(not ref["connected"] for ref in refs) > 20
    for (name, G), ref in zip(named, refs):
        check_single(G, ref, name)
    check_batch(named, refs)


def test_dense_and_sparse_around_64_and_200():
    named = dense_and_sparse(1, sizes=(63, 64, 65, 128, 129, 200))
    named += [(f"{name}+isolated", nx.disjoint_union(G, nx.empty_graph(2))) for name, G in named[:6]]
    refs = [nx_reference(G) for _, G in named]
    for (name, G), ref in zip(named, refs):
        check_single(G, ref, name)
    check_batch(named, refs)


def test_matrix_reference_agrees_with_networkx():
    # The numpy/scipy reference used for the large graphs is itself checked here.
    for name, G in dense_and_sparse(5, sizes=(65, 150)) + [("karate", nx.karate_club_graph())]:
        a, b = nx_reference(G), matrix_reference(G)
        for key in COLUMNS:
            assert close(a[key], b[key]), (name, key)


@pytest.mark.parametrize(
    "n,mean_degree",
    [(1000, 8), (1000, 60), (1000, 300), (2048, 5), (2048, 80)],
)
def test_large_graphs(n, mean_degree):
    rng = np.random.default_rng(n * 7 + mean_degree)
    m = n * mean_degree // 2
    pairs = rng.integers(0, n, size=(int(m * 1.1) + 10, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    G = nx.empty_graph(n)
    G.add_edges_from(map(tuple, pairs[:m].tolist()))
    if mean_degree <= 8:
        G.add_edges_from((i, i + 1) for i in range(n - 1))  # keep it connected
    ref = matrix_reference(G)
    assert ref["connected"]
    check_batch([(f"n{n}d{mean_degree}", G)], [ref])
    g = to_rel(G)
    assert_close(M.average_clustering(g), ref["average_clustering"])
    assert_close(M.average_shortest_path_length(g), ref["average_shortest_path_length"])


@st.composite
def graphs_with_edges(draw, max_n: int = 70):
    n = draw(st.integers(0, max_n))
    if n < 2:
        return nx.empty_graph(n)
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] != e[1])
    edges = draw(st.lists(pair, max_size=min(4 * n, 300)))
    G = nx.empty_graph(n)
    G.add_edges_from(edges)
    return G


@settings(max_examples=400)
@given(graphs_with_edges())
def test_hypothesis_edge_lists(G):
    check_single(G, nx_reference(G), "hypothesis graph")


@settings(max_examples=60)
@given(st.lists(graphs_with_edges(max_n=40), min_size=1, max_size=6))
def test_hypothesis_batches(gs):
    named = [(f"g{i}", G) for i, G in enumerate(gs)]
    check_batch(named, [nx_reference(G) for G in gs])


def test_average_clustering_ascending_order():
    rng = random.Random(9)
    graphs_ = [G for _, G in random_graph_family(3, 200)] + [G for _, G in dense_and_sparse(2, sizes=(63, 64, 65, 300))]
    graphs_ += [random_simple_graph(rng, 64, rng.random()) for _ in range(200)]
    differ = 0
    for G in graphs_:
        n = G.number_of_nodes()
        if n == 0:
            assert math.isnan(M.average_clustering(to_rel(G), order="ascending"))
            continue
        expected = 0.0
        for c in sorted(nx.clustering(G).values()):
            expected += c
        expected /= n
        got = M.average_clustering(to_rel(G), order="ascending")
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)
        differ += got != M.average_clustering(to_rel(G))
    batch = relsparse.GraphBatch.from_graphs(graphs_)
    cols = M.compute(batch, ["C"], clustering_order="ascending")["average_clustering"]
    single = [M.average_clustering(g, order="ascending") for g in batch]
    assert np.array_equal(cols, np.array(single), equal_nan=True)


def test_compute_several_measures_on_a_batch_matches_the_functions():
    batch = relsparse.graphs.connected_ws_flex_batch(64, [4, 8, 16, 30.5], [0.0, 0.1, 0.5, 1.0], [0, 1, 2, 3])
    big = relsparse.graphs.gnm_random_graph_batch(300, [1500, 3000, 20000], [1, 2, 3])
    for b in (batch, big):
        cols = M.compute(b, ["C", "L", "transitivity", "diameter", "global_efficiency", "density", "degree_stats"])
        assert np.array_equal(cols["average_clustering"], M.average_clustering(b))
        assert np.array_equal(cols["average_shortest_path_length"], M.average_shortest_path_length(b))
        assert np.array_equal(cols["transitivity"], M.transitivity(b))
        assert np.array_equal(cols["diameter"], M.diameter(b)) and cols["diameter"].dtype == np.int64
        assert np.array_equal(cols["global_efficiency"], M.global_efficiency(b))
        assert np.array_equal(cols["density"], M.density(b))
        stats = M.degree_statistics(b)
        for key in ("mean", "std", "min", "max"):
            assert np.array_equal(cols[f"degree_{key}"], stats[key])
        for i, g in enumerate(b):
            ref = nx_reference(g.to_networkx())
            for key in ("average_clustering", "average_shortest_path_length", "transitivity", "diameter"):
                assert_close(cols[key][i], ref[key], key)
    # The default measures are C and L.
    assert set(M.compute(batch)) == {"average_clustering", "average_shortest_path_length"}


def test_measures_accept_networkx_graphs_and_lists():
    G = nx.karate_club_graph()
    assert_close(M.average_clustering(G), nx.average_clustering(G))
    assert_close(M.transitivity([G, G])[1], nx.transitivity(G))
    relabeled = nx.relabel_nodes(G, {v: f"v{v}" for v in G})
    assert np.allclose(M.clustering(relabeled), [nx.clustering(relabeled)[v] for v in relabeled], rtol=1e-12)
    assert isinstance(M.diameter(G), int) and M.diameter(G) == nx.diameter(G)
    assert isinstance(M.number_connected_components(G), int)


def test_compute_on_one_graph_gives_arrays_of_length_one():
    cols = M.compute(relsparse.Graph(3, [(0, 1), (1, 2)]), ["C", "L", "diameter", "degree_stats"])
    assert all(isinstance(v, np.ndarray) and v.shape == (1,) for v in cols.values())
    assert cols["average_shortest_path_length"][0] == nx.average_shortest_path_length(nx.path_graph(3))
