"""Disconnected and degenerate graphs in relsparse.measures.

The three path measures (average_shortest_path_length, diameter,
eccentricity) under ``disconnected="raise" | "nan" | "reachable"``, checked
against networkx (which raises) and a brute-force average / maximum over the
reachable ordered pairs; and the documented values for the graph with no
nodes and the graph with one node.
"""

from __future__ import annotations

import math
import random

import networkx as nx
import numpy as np
import pytest

import relsparse
from graph_helpers import assert_close, bfs_distances, random_graph_family, random_simple_graph, to_rel
from relsparse import measures as M
from relsparse.errors import DisconnectedGraphError


def _disconnected_graphs() -> list[tuple[str, nx.Graph]]:
    out = [(name, G) for name, G in random_graph_family(11, 300) if G.number_of_nodes() >= 2 and not nx.is_connected(G)]
    rng = random.Random(4)
    for n in (63, 64, 65, 130, 300):
        out.append((f"two_parts{n}", nx.disjoint_union(random_simple_graph(rng, n // 2, 0.3), nx.path_graph(n - n // 2))))
        out.append((f"isolated_node{n}", nx.disjoint_union(nx.cycle_graph(n - 1), nx.empty_graph(1))))
    return out


DISCONNECTED = _disconnected_graphs()


def test_enough_disconnected_graphs():
    assert len(DISCONNECTED) > 100
    assert sum(G.number_of_edges() > 0 for _, G in DISCONNECTED) > 80


@pytest.mark.parametrize("fn", [M.average_shortest_path_length, M.diameter, M.eccentricity])
def test_raise_policy_raises_like_networkx(fn):
    nx_fn = {
        M.average_shortest_path_length: nx.average_shortest_path_length,
        M.diameter: nx.diameter,
        M.eccentricity: nx.eccentricity,
    }[fn]
    for name, G in DISCONNECTED[:60]:
        with pytest.raises(nx.NetworkXError):
            nx_fn(G)
        with pytest.raises(DisconnectedGraphError, match="not connected"):
            fn(to_rel(G))
        with pytest.raises(ValueError, match="disconnected="):  # a ValueError that names the option
            fn(to_rel(G), disconnected="raise")
    assert issubclass(DisconnectedGraphError, ValueError)


def test_raise_policy_in_a_batch_names_the_graph():
    batch = relsparse.GraphBatch.from_graphs([nx.path_graph(5), nx.path_graph(4), nx.empty_graph(3), nx.path_graph(2)])
    for measures in (["L"], ["diameter"], ["C", "L", "diameter"]):
        with pytest.raises(DisconnectedGraphError, match="graph 2"):
            M.compute(batch, measures)
    with pytest.raises(DisconnectedGraphError):
        M.eccentricity(batch)
    # Measures without paths never raise.
    cols = M.compute(batch, ["C", "transitivity", "global_efficiency", "density", "number_connected_components"])
    assert cols["number_connected_components"].tolist() == [1, 1, 3, 1]


def _brute_force(G: nx.Graph) -> tuple[float, float, np.ndarray]:
    """Mean over reachable ordered pairs s != t (NaN if none), the largest finite
    distance (0 if none) and the farthest reachable node per node."""
    dist = bfs_distances(G)
    pairs = [d for s, row in dist.items() for t, d in row.items() if s != t]
    mean = sum(pairs) / len(pairs) if pairs else math.nan
    top = max(pairs) if pairs else 0
    ecc = np.array([max(dist[v].values()) for v in G], dtype=np.int64)
    return mean, top, ecc


def test_nan_and_reachable_policies_on_disconnected_graphs():
    with_pairs = [(name, G) for name, G in DISCONNECTED if G.number_of_edges() > 0]
    batch = relsparse.GraphBatch.from_graphs([G for _, G in with_pairs])
    nan_cols = M.compute(batch, ["L", "diameter"], disconnected="nan")
    assert np.isnan(nan_cols["average_shortest_path_length"]).all() and np.isnan(nan_cols["diameter"]).all()
    assert np.isnan(M.eccentricity(batch, disconnected="nan")).all()
    cols = M.compute(batch, ["L", "diameter"], disconnected="reachable")
    ecc_all = M.eccentricity(batch, disconnected="reachable")
    ptr = batch.node_ptr
    for i, (name, G) in enumerate(with_pairs):
        mean, top, ecc = _brute_force(G)
        g = to_rel(G)
        assert_close(cols["average_shortest_path_length"][i], mean, name)
        assert_close(M.average_shortest_path_length(g, disconnected="reachable"), mean, name)
        assert cols["diameter"][i] == top == M.diameter(g, disconnected="reachable"), name
        assert np.array_equal(ecc_all[ptr[i] : ptr[i + 1]], ecc), name
        assert np.array_equal(M.eccentricity(g, disconnected="reachable"), ecc), name


def test_policies_agree_on_connected_graphs():
    graphs_ = [G for _, G in random_graph_family(12, 200) if G.number_of_nodes() and nx.is_connected(G)]
    assert len(graphs_) > 40
    batch = relsparse.GraphBatch.from_graphs(graphs_)
    ref = M.compute(batch, ["L", "diameter"])
    for policy in ("nan", "reachable"):
        cols = M.compute(batch, ["L", "diameter"], disconnected=policy)
        assert np.array_equal(cols["average_shortest_path_length"], ref["average_shortest_path_length"])
        assert np.array_equal(cols["diameter"], ref["diameter"])
        assert np.array_equal(M.eccentricity(batch, disconnected=policy), M.eccentricity(batch))


@pytest.mark.parametrize("n", [3, 65])
def test_reachable_policy_without_any_reachable_pair(n):
    # measures.py: under "reachable" the average over reachable ordered pairs
    # is NaN if there is none; diameter and eccentricity use the farthest
    # reachable node, 0 for an isolated node.
    g = relsparse.Graph(n)
    assert math.isnan(M.average_shortest_path_length(g, disconnected="reachable"))
    assert M.diameter(g, disconnected="reachable") == 0
    assert np.array_equal(M.eccentricity(g, disconnected="reachable"), np.zeros(n))  # each node reaches itself


def test_null_graph_as_documented():
    g = relsparse.Graph(0)
    # Counts as disconnected for the three path measures.
    with pytest.raises(DisconnectedGraphError, match="no nodes"):
        M.average_shortest_path_length(g)
    with pytest.raises(DisconnectedGraphError, match="no nodes"):
        M.diameter(g)
    for policy in ("nan", "reachable"):
        assert math.isnan(M.average_shortest_path_length(g, disconnected=policy))
        assert math.isnan(M.diameter(g, disconnected=policy))
        assert M.eccentricity(g, disconnected=policy).shape == (0,)
    # networkx raises here; relsparse documents NaN.
    assert math.isnan(M.average_clustering(g))
    assert math.isnan(M.average_clustering(g, order="ascending"))
    stats = M.degree_statistics(g)
    assert math.isnan(stats["mean"]) and math.isnan(stats["std"]) and stats["min"] == 0 and stats["max"] == 0
    # Same as networkx.
    assert M.transitivity(g) == nx.transitivity(nx.Graph()) == 0
    assert M.global_efficiency(g) == nx.global_efficiency(nx.Graph()) == 0
    assert M.density(g) == nx.density(nx.Graph()) == 0
    assert M.number_connected_components(g) == 0
    assert M.clustering(g).shape == (0,)


def test_null_graph_eccentricity_is_empty_like_networkx():
    # measures.py: the null graph's eccentricity array is empty (as networkx's dict).
    assert M.eccentricity(relsparse.Graph(0)).shape == (0,)
    assert nx.eccentricity(nx.Graph()) == {}


def test_null_graph_inside_a_batch():
    batch = relsparse.GraphBatch.from_graphs([relsparse.Graph(0), relsparse.Graph(2, [(0, 1)]), relsparse.Graph(0)])
    cols = M.compute(batch, list(M.MEASURES), disconnected="nan")
    assert np.isnan(cols["average_clustering"][[0, 2]]).all() and cols["average_clustering"][1] == 0
    assert np.isnan(cols["average_shortest_path_length"][[0, 2]]).all()
    assert cols["average_shortest_path_length"][1] == 1.0
    assert cols["number_connected_components"].tolist() == [0, 1, 0]
    assert M.clustering(batch).tolist() == [0.0, 0.0]
    assert M.eccentricity(batch, disconnected="nan").tolist() == [1.0, 1.0]
    assert M.eccentricity(batch, disconnected="reachable").tolist() == [1, 1]
    with pytest.raises(DisconnectedGraphError, match="graph 0"):
        M.compute(batch, ["L"])


def test_single_node_graph():
    g = relsparse.Graph(1)
    G = nx.empty_graph(1)
    assert M.average_shortest_path_length(g) == nx.average_shortest_path_length(G) == 0
    assert M.diameter(g) == nx.diameter(G) == 0
    assert M.eccentricity(g).tolist() == [0]
    assert M.average_clustering(g) == nx.average_clustering(G) == 0
    assert M.global_efficiency(g) == 0 and M.density(g) == 0 and M.number_connected_components(g) == 1
    assert M.degree_statistics(g) == {"mean": 0.0, "std": 0.0, "min": 0, "max": 0}
