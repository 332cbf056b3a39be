"""Graph, DiGraph, GraphBatch and DiGraphBatch: construction, conversion, indexing.

Canonical edge order, self_loops/duplicates options, networkx and adjacency
round trips (nodes relabelled in list(G) order), batch indexing by int, slice,
mask and index array, equality, hashing, pickling and read-only arrays.
"""

from __future__ import annotations

import pickle
import random

import networkx as nx
import numpy as np
import pytest

import relsparse
from graph_helpers import edge_set, random_simple_graph
from relsparse import DiGraph, DiGraphBatch, Graph, GraphBatch, graphs, measures


def _random_graphs(seed: int, count: int) -> list[Graph]:
    rng = random.Random(seed)
    return [Graph.from_networkx(random_simple_graph(rng, rng.randint(0, 30), rng.random())) for _ in range(count)]


# ------------------------------------------------------------------ Graph
def test_graph_edges_are_canonical():
    rng = random.Random(0)
    for _ in range(200):
        n = rng.randint(2, 40)
        pairs = {tuple(sorted(rng.sample(range(n), 2))) for _ in range(rng.randint(0, 3 * n))}
        shuffled = [(v, u) if rng.random() < 0.5 else (u, v) for u, v in pairs]
        rng.shuffle(shuffled)
        g = Graph(n, shuffled)
        assert g.edges.dtype == np.int32 and g.edges.shape == (len(pairs), 2)
        assert [tuple(e) for e in g.edges.tolist()] == sorted(pairs)
        assert g.num_nodes == len(g) == g.number_of_nodes() == n
        assert g.num_edges == g.number_of_edges() == len(pairs)
        assert g == Graph(n, np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2))
        degree = np.zeros(n, dtype=np.int64)
        for u, v in pairs:
            degree[u] += 1
            degree[v] += 1
        assert np.array_equal(g.degree(), degree)
        u, v = rng.choice(sorted(pairs)) if pairs else (0, 1)
        assert g.has_edge(v, u) == g.has_edge(u, v) == bool(pairs)


def test_empty_and_edgeless_graphs():
    for g in (Graph(0), Graph(0, []), Graph(5), Graph(5, np.zeros((0, 2), dtype=np.int64))):
        assert g.num_edges == 0 and g.edges.shape == (0, 2) and g.edges.dtype == np.int32
    assert Graph(5) == Graph(5, []) and Graph(5) != Graph(4)


def test_self_loops_and_duplicates_options():
    with pytest.raises(ValueError, match="self_loops"):
        Graph(3, [(0, 1), (2, 2)])
    assert Graph(3, [(0, 1), (2, 2), (1, 1)], self_loops="drop").edges.tolist() == [[0, 1]]
    with pytest.raises(ValueError, match="duplicates"):
        Graph(3, [(0, 1), (1, 0)])
    with pytest.raises(ValueError, match="duplicates"):
        Graph(3, [(1, 2), (1, 2)])
    g = Graph(3, [(0, 1), (1, 0), (2, 1), (1, 2), (0, 1)], duplicates="merge")
    assert g.edges.tolist() == [[0, 1], [1, 2]]
    both = Graph(3, [(1, 1), (0, 2), (2, 0)], self_loops="drop", duplicates="merge")
    assert both.edges.tolist() == [[0, 2]]
    # Directed: (0, 1) and (1, 0) are different edges.
    d = DiGraph(3, [(1, 0), (0, 1), (2, 0)])
    assert d.edges.tolist() == [[0, 1], [1, 0], [2, 0]]
    with pytest.raises(ValueError, match="duplicates"):
        DiGraph(3, [(1, 0), (1, 0)])
    assert DiGraph(3, [(1, 0), (1, 0)], duplicates="merge").edges.tolist() == [[1, 0]]


def test_arrays_are_read_only():
    g = graphs.ws_flex(16, 4, 0.5, seed=1)
    b = graphs.ws_flex_batch(16, [4, 6], 0.5, seed=[1, 2])
    for arr in (g.edges, b.edges, b.edge_ptr, b.num_nodes, b[0].edges, b[[1, 0]].edges, Graph(3, [(0, 1)]).edges):
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0] = 0
    # The caller's array is not aliased.
    src = np.array([[0, 1], [1, 2]])
    g2 = Graph(3, src)
    src[0, 0] = 2
    assert g2.edges.tolist() == [[0, 1], [1, 2]]


def test_equality_and_hash():
    a = Graph(4, [(0, 1), (2, 3)])
    b = Graph(4, [(3, 2), (1, 0)])
    assert a == b and hash(a) == hash(b)
    assert a != Graph(4, [(0, 1)]) and a != Graph(5, [(0, 1), (2, 3)])
    assert a != DiGraph(4, [(0, 1), (2, 3)])
    assert len({a, b, Graph(4)}) == 2
    assert DiGraph(2, [(0, 1)]) != DiGraph(2, [(1, 0)])


# ------------------------------------------------------- networkx round trip
def test_networkx_round_trip():
    for g in _random_graphs(1, 100) + [graphs.complete_graph(70), graphs.gnm_random_graph(9000, 100, 1)]:
        G = g.to_networkx()
        assert list(G) == list(range(g.num_nodes)) and not G.is_directed()
        assert Graph.from_networkx(G) == g


def test_from_networkx_relabels_in_node_order():
    G = nx.Graph()
    G.add_nodes_from(["c", "a", ("t", 1), 7])
    G.add_edges_from([("a", 7), (("t", 1), "c"), ("c", "a")])
    g = Graph.from_networkx(G)
    index = {v: i for i, v in enumerate(G)}  # c:0 a:1 (t,1):2 7:3
    assert g.num_nodes == 4
    assert edge_set(g) == {tuple(sorted((index[u], index[v]))) for u, v in G.edges()}
    assert edge_set(g) == {(1, 3), (0, 2), (0, 1)}
    H = nx.relabel_nodes(nx.karate_club_graph(), {v: 100 - v for v in range(34)})
    assert edge_set(Graph.from_networkx(H)) == edge_set(nx.convert_node_labels_to_integers(H))
    # Measures see the same relabelling.
    assert np.allclose(measures.clustering(H), [nx.clustering(H)[v] for v in H], rtol=1e-12)


def test_digraph_networkx_round_trip():
    rng = random.Random(3)
    for _ in range(50):
        n = rng.randint(0, 20)
        D = nx.gnp_random_graph(n, rng.random(), seed=rng.randrange(1000), directed=True)
        d = DiGraph.from_networkx(D)
        assert {tuple(e) for e in d.edges.tolist()} == set(D.edges())
        assert DiGraph.from_networkx(d.to_networkx()) == d
        assert d.to_networkx().is_directed()


def test_from_networkx_rejects_the_wrong_kind():
    with pytest.raises(TypeError, match="multigraph"):
        Graph.from_networkx(nx.MultiGraph([(0, 1), (0, 1)]))
    with pytest.raises(TypeError, match="multigraph"):
        DiGraph.from_networkx(nx.MultiDiGraph([(0, 1)]))
    with pytest.raises(TypeError, match="undirected"):
        Graph.from_networkx(nx.DiGraph([(0, 1)]))
    with pytest.raises(TypeError, match="DiGraph"):
        DiGraph.from_networkx(nx.Graph([(0, 1)]))
    with pytest.raises(TypeError, match="networkx graph"):
        Graph.from_networkx([(0, 1)])
    with pytest.raises(ValueError, match="self_loops"):
        Graph.from_networkx(nx.Graph([(0, 0), (0, 1)]))
    assert Graph.from_networkx(nx.Graph([(0, 0), (0, 1)]), self_loops="drop").edges.tolist() == [[0, 1]]


# ------------------------------------------------------------ adjacency
def test_adjacency_round_trip():
    rng = np.random.default_rng(4)
    for n in (0, 1, 2, 5, 64, 65, 100):
        upper = np.triu(rng.random((n, n)) < 0.3, k=1)
        A = upper | upper.T
        g = Graph.from_adjacency(A)
        assert np.array_equal(g.to_adjacency(), A)
        assert np.array_equal(g.to_adjacency(dtype=np.float32), A.astype(np.float32))
        assert np.array_equal(nx.to_numpy_array(g.to_networkx(), nodelist=range(n), dtype=bool), A)
        assert Graph.from_adjacency(A.astype(np.int64)) == g
        M = rng.random((n, n)) < 0.3
        np.fill_diagonal(M, False)
        d = DiGraph.from_adjacency(M)
        assert np.array_equal(d.to_adjacency(), M)
        assert {tuple(e) for e in d.edges.tolist()} == set(zip(*np.nonzero(M)))


def test_adjacency_errors():
    with pytest.raises(ValueError, match="symmetric"):
        Graph.from_adjacency([[0, 1], [0, 0]])
    with pytest.raises(ValueError, match="square"):
        Graph.from_adjacency(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="self_loops"):
        Graph.from_adjacency(np.eye(3))
    assert Graph.from_adjacency(np.ones((3, 3)), self_loops="drop") == graphs.complete_graph(3)


# ------------------------------------------------------------ GraphBatch
def test_batch_construction_canonicalises_each_graph():
    b = GraphBatch([3, 2, 0, 4], [0, 2, 3, 3, 5], [(2, 1), (1, 0), (1, 0), (3, 0), (2, 1)])
    assert b.num_nodes.tolist() == [3, 2, 0, 4]
    assert b.edge_ptr.tolist() == [0, 2, 3, 3, 5]
    assert b.edges.tolist() == [[0, 1], [1, 2], [0, 1], [0, 3], [1, 2]]
    assert b.num_edges.tolist() == [2, 1, 0, 2] and b.node_ptr.tolist() == [0, 3, 5, 5, 9]
    assert list(b) == [Graph(3, [(0, 1), (1, 2)]), Graph(2, [(0, 1)]), Graph(0), Graph(4, [(0, 3), (1, 2)])]
    # Options apply per graph: the same pair in two graphs is no duplicate.
    b2 = GraphBatch([2, 2], [0, 3, 4], [(0, 1), (1, 0), (1, 1), (0, 1)], self_loops="drop", duplicates="merge")
    assert b2.edge_ptr.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="duplicate"):
        GraphBatch([2, 2], [0, 2, 2], [(0, 1), (1, 0)])
    assert GraphBatch([2, 2], [0, 1, 2], [(0, 1), (1, 0)]).edges.tolist() == [[0, 1], [0, 1]]
    with pytest.raises(ValueError, match="graph 1"):
        GraphBatch([2, 2], [0, 1, 2], [(0, 1), (0, 2)])
    empty = GraphBatch([], [0], [])
    assert len(empty) == 0 and list(empty) == [] and GraphBatch.from_graphs([]) == empty


def test_batch_from_graphs_and_networkx():
    gs = _random_graphs(5, 60)
    b = GraphBatch.from_graphs(gs)
    assert list(b) == gs and len(b) == 60
    assert GraphBatch.from_graphs([g.to_networkx() for g in gs]) == b
    nxs = b.to_networkx()
    assert all(Graph.from_networkx(G) == g for G, g in zip(nxs, gs))
    with pytest.raises(TypeError):
        GraphBatch.from_graphs([DiGraph(2, [(0, 1)])])
    db = DiGraphBatch.from_graphs([DiGraph(2, [(1, 0)]), nx.DiGraph([(0, 1), (1, 2)])])
    assert db[0] == DiGraph(2, [(1, 0)]) and isinstance(db[1], DiGraph)


def test_batch_indexing():
    gs = _random_graphs(6, 40)
    b = GraphBatch.from_graphs(gs)
    assert b[0] == gs[0] and b[-1] == gs[-1] and b[np.int64(7)] == gs[7]
    with pytest.raises(IndexError):
        b[40]
    with pytest.raises(IndexError):
        b[-41]
    assert list(b[5:17:3]) == gs[5:17:3] and len(b[5:5]) == 0
    assert list(b[::-1]) == gs[::-1]
    mask = np.array([i % 3 == 0 for i in range(40)])
    assert list(b[mask]) == [g for g, m in zip(gs, mask) if m]
    idx = np.array([3, 3, 0, 39, 12])
    assert list(b[idx]) == [gs[i] for i in idx] and list(b[[3, 3, 0, 39, 12]]) == [gs[i] for i in idx]
    assert list(b[np.array([], dtype=np.int64)]) == []
    sub = b[idx]
    assert isinstance(sub, GraphBatch) and sub.edge_ptr[0] == 0 and sub.edge_ptr[-1] == len(sub.edges)
    # Sub-batches measure like the graphs they hold.
    assert np.array_equal(measures.density(sub), measures.density([gs[i] for i in idx]))


def test_batch_equality():
    gs = _random_graphs(7, 10)
    assert GraphBatch.from_graphs(gs) == GraphBatch.from_graphs(list(gs))
    assert GraphBatch.from_graphs(gs) != GraphBatch.from_graphs(gs[:-1])
    assert GraphBatch.from_graphs(gs) != DiGraphBatch.from_graphs([DiGraph(g.num_nodes, g.edges) for g in gs])


def test_pickling():
    objects = [
        Graph(5, [(0, 4), (1, 2)]),
        DiGraph(3, [(2, 0), (0, 1)]),
        Graph(0),
        graphs.ws_flex_batch(64, [8, 16, 2.5], 0.3, seed=[1, 2, 3]),
        DiGraphBatch.from_graphs([DiGraph(2, [(1, 0)]), DiGraph(0)]),
        GraphBatch([], [0], []),
    ]
    for obj in objects:
        for protocol in (2, pickle.HIGHEST_PROTOCOL):
            back = pickle.loads(pickle.dumps(obj, protocol=protocol))
            assert type(back) is type(obj) and back == obj
            assert not back.edges.flags.writeable


def test_measures_accept_lists_of_networkx_graphs():
    gs = [nx.path_graph(4), nx.complete_graph(5), nx.star_graph(6)]
    assert np.allclose(measures.average_clustering(gs), [nx.average_clustering(G) for G in gs], rtol=1e-12)
    assert isinstance(measures.average_clustering(gs[1]), float)
    batch, single = relsparse.graph.as_batch(gs)
    assert not single and len(batch) == 3
    with pytest.raises(TypeError, match="G must be"):
        measures.density("not a graph")
    with pytest.raises(TypeError, match="undirected"):
        measures.density(DiGraph(2, [(0, 1)]))
