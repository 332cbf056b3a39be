"""relsparse.dag: RandWire orientation, source -> target path statistics, pruning.

to_dag is checked against a direct Python construction; path_statistics
against enumerating networkx.all_simple_paths on hundreds of small DAGs
(oriented random graphs, and random DAGs whose topological order is a random
permutation, with explicit source and target); prune against networkx
descendants/ancestors. Also the overflow past 64 bits, no-path results and
NotADagError on cycles.
"""

from __future__ import annotations

import math
import random

import networkx as nx
import numpy as np
import pytest

import relsparse
from graph_helpers import random_simple_graph
from relsparse import dag
from relsparse.errors import NotADagError


def expected_dag_edges(n: int, edges) -> set[tuple[int, int]]:
    """RandWire: u -> v for u < v, input n -> every source, every sink -> output n + 1."""
    out = {(min(u, v), max(u, v)) for u, v in edges}
    has_in = {v for _, v in out}
    has_out = {u for u, _ in out}
    out |= {(n, v) for v in range(n) if v not in has_in}
    out |= {(v, n + 1) for v in range(n) if v not in has_out}
    return out


def small_graphs(seed: int, count: int, max_n: int = 11) -> list[nx.Graph]:
    rng = random.Random(seed)
    return [random_simple_graph(rng, rng.randint(0, max_n), rng.choice([0.0, 0.2, 0.4, 0.7, 1.0])) for _ in range(count)]


def random_dag(rng: random.Random, n: int, p: float) -> tuple[nx.DiGraph, list[int]]:
    """A DAG on 0..n-1 whose topological order is a random permutation."""
    order = list(range(n))
    rng.shuffle(order)
    D = nx.DiGraph()
    D.add_nodes_from(range(n))
    D.add_edges_from((order[i], order[j]) for i in range(n) for j in range(i + 1, n) if rng.random() < p)
    return D, order


def enumerate_stats(D: nx.DiGraph, s: int, t: int) -> dict:
    lengths = [len(path) - 1 for path in nx.all_simple_paths(D, s, t)]
    if s == t:
        lengths = [0]
    if not lengths:
        return {"num_paths": 0, "log_paths": -math.inf, "mean_path": math.nan, "max_path": -1}
    return {
        "num_paths": len(lengths),
        "log_paths": math.log(len(lengths)),
        "mean_path": sum(lengths) / len(lengths),
        "max_path": max(lengths),
    }


def assert_stats(got: dict, want: dict, what) -> None:
    assert got["num_paths"] == want["num_paths"], what
    assert got["max_path"] == want["max_path"], what
    if want["num_paths"] == 0:
        assert got["log_paths"] == -math.inf and math.isnan(got["mean_path"]), what
    else:
        assert got["log_paths"] == pytest.approx(want["log_paths"], rel=1e-12, abs=1e-12), what
        assert got["mean_path"] == pytest.approx(want["mean_path"], rel=1e-12), what


# ---------------------------------------------------------------- to_dag
def test_to_dag_orientation():
    for G in small_graphs(1, 300, max_n=30) + [nx.empty_graph(0), nx.empty_graph(1), nx.complete_graph(70)]:
        n = G.number_of_nodes()
        d, source, target = dag.to_dag(relsparse.Graph.from_networkx(G))
        assert isinstance(d, relsparse.DiGraph)
        assert (source, target) == (n, n + 1) and d.num_nodes == n + 2
        got = [tuple(e) for e in d.edges.tolist()]
        assert got == sorted(got)
        assert set(got) == expected_dag_edges(n, G.edges())
        assert nx.is_directed_acyclic_graph(d.to_networkx())


def test_to_dag_isolated_node_is_source_and_sink():
    d, s, t = dag.to_dag(relsparse.Graph(3, [(0, 2)]))
    assert d.edges.tolist() == [[0, 2], [1, 4], [2, 4], [3, 0], [3, 1]]
    assert (s, t) == (3, 4)


def test_to_dag_batch_matches_single():
    gs = [relsparse.Graph.from_networkx(G) for G in small_graphs(2, 200, max_n=20)]
    batch = relsparse.GraphBatch.from_graphs(gs)
    dags, inputs, outputs = dag.to_dag(batch)
    assert isinstance(dags, relsparse.DiGraphBatch) and len(dags) == len(gs)
    assert inputs.tolist() == batch.num_nodes.tolist() and outputs.tolist() == (batch.num_nodes + 1).tolist()
    for g, d in zip(gs, dags):
        assert d == dag.to_dag(g)[0]
    assert dag.to_dag(batch, threads=1)[0] == dag.to_dag(batch, threads=2)[0] == dags


# ------------------------------------------------------- path statistics
def test_path_statistics_of_oriented_graphs():
    graphs_ = small_graphs(3, 400)
    for G in graphs_:
        d, s, t = dag.to_dag(relsparse.Graph.from_networkx(G))
        D = d.to_networkx()
        want = enumerate_stats(D, s, t)
        got = dag.path_statistics(d, s, t)
        assert_stats(got, want, sorted(G.edges()))
        again = dag.path_statistics_of_graphs(relsparse.Graph.from_networkx(G))
        assert_stats(again, got, "path_statistics_of_graphs")
        if G.number_of_nodes():  # then every node lies on an input -> output path
            assert got["max_path"] == nx.dag_longest_path_length(D)
    batch = relsparse.GraphBatch.from_graphs(graphs_)
    stats = dag.path_statistics_of_graphs(batch)
    for i, G in enumerate(graphs_):
        single = dag.path_statistics_of_graphs(G)
        assert stats["num_paths"][i] == single["num_paths"] and stats["num_paths_exact"][i]
        assert stats["max_path"][i] == single["max_path"]
        assert stats["log_paths"][i] == single["log_paths"]
        assert np.array_equal(stats["mean_path"][i], single["mean_path"], equal_nan=True)


def test_path_statistics_of_random_dags_with_arbitrary_order():
    rng = random.Random(5)
    seen_none = seen_some = 0
    dags, sources, targets, wants = [], [], [], []
    for _ in range(1000):
        n = rng.randint(1, 13)
        D, order = random_dag(rng, n, rng.choice([0.15, 0.35, 0.6, 0.8, 0.95]))
        if rng.random() < 0.7:  # usually from early in the order to late in it
            i, j = sorted((rng.randrange(n), rng.randrange(n)))
            s, t = order[i], order[j]
        else:
            s, t = rng.randrange(n), rng.randrange(n)
        want = enumerate_stats(D, s, t)
        d = relsparse.DiGraph.from_networkx(D)
        assert_stats(dag.path_statistics(d, s, t), want, (sorted(D.edges()), s, t))
        seen_none += want["num_paths"] == 0
        seen_some += want["num_paths"] > 1
        dags.append(d), sources.append(s), targets.append(t), wants.append(want)
    assert seen_none > 60 and seen_some > 160
    stats = dag.path_statistics(relsparse.DiGraphBatch.from_graphs(dags), sources, targets)
    assert stats["num_paths"].dtype == np.uint64
    for i, want in enumerate(wants):
        assert stats["num_paths"][i] == want["num_paths"] and stats["max_path"][i] == want["max_path"]


def test_no_path():
    d = relsparse.DiGraph(4, [(0, 1), (2, 3)])
    assert_stats(dag.path_statistics(d, 0, 3), {"num_paths": 0, "log_paths": -math.inf, "mean_path": math.nan, "max_path": -1}, "")
    got = dag.path_statistics(d, 3, 0)  # against the edges
    assert got["num_paths"] == 0 and got["max_path"] == -1 and math.isnan(got["mean_path"])


@pytest.mark.parametrize("n,exact", [(64, True), (65, True), (66, False), (70, False)])
def test_counts_beyond_64_bits(n, exact):
    # Complete graph -> input, 0 -> {any subset of 1..n-2} -> n-1, output: 2**(n-2) paths.
    stats = dag.path_statistics_of_graphs(relsparse.graphs.complete_graph(n))
    assert stats["num_paths"] == (2 ** (n - 2) if exact else None)
    assert stats["log_paths"] == pytest.approx((n - 2) * math.log(2), rel=1e-12)
    # Mean: 2 edges to/from the terminals, 1 + (n - 2) / 2 inside.
    assert stats["mean_path"] == pytest.approx(2 + 1 + (n - 2) / 2, rel=1e-9)
    assert stats["max_path"] == n + 1
    batch = dag.path_statistics_of_graphs(relsparse.GraphBatch.from_graphs([relsparse.graphs.complete_graph(n)]))
    assert bool(batch["num_paths_exact"][0]) == exact
    assert batch["num_paths"][0] == (2 ** (n - 2) if exact else 0)


def test_complete_graph_on_70_nodes():
    stats = dag.path_statistics_of_graphs(relsparse.graphs.complete_graph(70))
    assert stats["num_paths"] is None
    assert stats["log_paths"] == pytest.approx(68 * math.log(2), rel=1e-12)
    assert stats["mean_path"] == pytest.approx(37, rel=1e-9)


def test_cycles_raise():
    for edges in ([(0, 1), (1, 0)], [(0, 1), (1, 2), (2, 0)], [(0, 1), (1, 2), (2, 3), (3, 1)]):
        d = relsparse.DiGraph(4, edges)
        with pytest.raises(NotADagError, match="cycle"):
            dag.path_statistics(d, 0, 3)
        with pytest.raises(NotADagError, match="cycle"):
            dag.prune(d, 0, 3)
    batch = relsparse.DiGraphBatch.from_graphs([relsparse.DiGraph(2, [(0, 1)]), relsparse.DiGraph(2, [(0, 1), (1, 0)])])
    with pytest.raises(NotADagError, match="graph 1"):
        dag.path_statistics(batch, 0, 1)
    assert issubclass(NotADagError, ValueError)


# ------------------------------------------------------------------ prune
def test_prune_keeps_exactly_the_nodes_on_source_target_paths():
    rng = random.Random(8)
    for _ in range(300):
        n = rng.randint(1, 14)
        D, order = random_dag(rng, n, rng.choice([0.1, 0.25, 0.5]))
        s, t = rng.randrange(n), rng.randrange(n)
        on_path = (nx.descendants(D, s) | {s}) & (nx.ancestors(D, t) | {t})
        pruned, kept = dag.prune(relsparse.DiGraph.from_networkx(D), s, t)
        assert kept.dtype == bool and kept.tolist() == [v in on_path for v in range(n)]
        new_id = {v: i for i, v in enumerate(sorted(on_path))}
        assert pruned.num_nodes == len(on_path)
        want = sorted((new_id[u], new_id[v]) for u, v in D.edges() if u in on_path and v in on_path)
        assert [tuple(e) for e in pruned.edges.tolist()] == want
        if on_path:  # the paths survive pruning unchanged
            before = dag.path_statistics(relsparse.DiGraph.from_networkx(D), s, t)
            after = dag.path_statistics(pruned, new_id[s], new_id[t])
            assert before == after


def test_prune_batch_masks_are_flat():
    d1 = relsparse.DiGraph(4, [(0, 1), (1, 3), (2, 3)])
    d2 = relsparse.DiGraph(3, [(0, 1)])
    pruned, kept = dag.prune(relsparse.DiGraphBatch.from_graphs([d1, d2]), [0, 0], [3, 1])
    assert kept.tolist() == [True, True, False, True, True, True, False]
    assert pruned.num_nodes.tolist() == [3, 2]
    assert pruned[0].edges.tolist() == [[0, 1], [1, 2]] and pruned[1].edges.tolist() == [[0, 1]]
