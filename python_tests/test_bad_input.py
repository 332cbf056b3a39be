"""Bad input gets a ValueError or TypeError whose message names the argument.

Generators (n, k, p, m, seed, tries, mismatched batch arrays, a connected
variant that fails), containers (node ids, self-loops, duplicates,
multigraphs, directedness), measures and scan (unknown names and policies),
DAG functions and thread counts. Never a crash, a hang or a silent result.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import relsparse
from relsparse import dag, graphs, measures
from relsparse.errors import GenerationError, NotADagError


# ------------------------------------------------------------- generators
@pytest.mark.parametrize(
    "k,match",
    [(1.999, r"k must satisfy 2 <= k <= n.*k=1\.999"), (0, "k="), (-3, "k="), (10.5, r"k=10\.5"), (11, "k=11"), (float("nan"), "k=nan")],
)
def test_ws_flex_k_out_of_range(k, match):
    with pytest.raises(ValueError, match=match):
        graphs.ws_flex(10, k, 0.1, 0)
    with pytest.raises(ValueError, match=match):
        graphs.connected_ws_flex(10, k, 0.1, 0)


@pytest.mark.parametrize("p", [-0.1, 1.0000001, 2.0, float("nan"), float("inf"), -float("inf")])
def test_probability_out_of_range(p):
    for call in (
        lambda: graphs.ws_flex(10, 4, p, 0),
        lambda: graphs.connected_ws_flex(10, 4, p, 0),
        lambda: graphs.watts_strogatz_graph(10, 4, p, 0),
        lambda: graphs.connected_watts_strogatz_graph(10, 4, p, 0),
        lambda: graphs.gnp_random_graph(10, p, 0),
        lambda: measures.scan("ws_flex", n=10, k=4, p=p, seed=0),
    ):
        with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\], got p="):
            call()


@pytest.mark.parametrize("n", [-1, 0, 1])
def test_ws_flex_needs_two_nodes(n):
    with pytest.raises(ValueError, match=f"n must satisfy 2 <= n.*got n={n}"):
        graphs.ws_flex(n, 2, 0.1, 0)


def test_n_of_the_wrong_type_or_range():
    with pytest.raises(TypeError, match="n must be an integer"):
        graphs.ws_flex(10.5, 4, 0.1, 0)
    with pytest.raises(TypeError, match="n must be an integer"):
        graphs.gnp_random_graph("10", 0.1, 0)
    with pytest.raises(TypeError, match="n must be an integer"):
        graphs.complete_graph(True)
    with pytest.raises(ValueError, match="n=-1"):
        graphs.gnp_random_graph(-1, 0.1, 0)
    with pytest.raises(ValueError, match="n must satisfy"):
        graphs.complete_graph(2**40)
    assert graphs.complete_graph(5.0) == graphs.complete_graph(5)  # integral floats are integers


@pytest.mark.parametrize(
    "seed,error,match",
    [
        (1.0, TypeError, "seed must"),
        (1.5, TypeError, "seed must"),
        ("1", TypeError, "seed must"),
        (b"1", TypeError, "seed must"),
        (True, TypeError, "seed must"),
        (None, TypeError, "seed must be an integer.*explicit seed"),
        (-1, ValueError, r"seed must satisfy 0 <= seed < 2\*\*64, got -1"),
        (2**64, ValueError, r"seed must satisfy 0 <= seed < 2\*\*64"),
        (2**70, ValueError, "seed must satisfy"),
        (np.int8(-3), ValueError, "seed"),
        (np.array([1, -1]), ValueError, "seed must be non-negative"),
        (np.array([1.0, 2.0]), TypeError, "seed must hold integers"),
        ([3, 2**64], (TypeError, ValueError), "seed"),
    ],
)
def test_bad_seeds(seed, error, match):
    with pytest.raises(error, match=match):
        graphs.ws_flex_batch(10, 4, 0.1, seed)
    with pytest.raises(error, match=match):
        measures.scan("gnp_random_graph", n=10, p=0.1, seed=seed)


@pytest.mark.parametrize(
    "fn",
    [
        lambda s: graphs.ws_flex(10, 4, 0.1, s),
        lambda s: graphs.watts_strogatz_graph(10, 4, 0.1, s),
        lambda s: graphs.gnp_random_graph(10, 0.1, s),
        lambda s: graphs.gnm_random_graph(10, 5, s),
        lambda s: graphs.dense_gnm_random_graph(10, 5, s),
        lambda s: graphs.barabasi_albert_graph(10, 2, s),
        lambda s: graphs.connected_ws_flex(10, 4, 0.1, s),
    ],
)
def test_every_random_generator_needs_an_explicit_seed(fn):
    with pytest.raises(TypeError, match="seed"):
        fn(None)
    with pytest.raises(TypeError, match="seed"):
        fn(2.0)


def test_valid_python_int_seed_lists_are_accepted():
    # Any non-negative Python ints below 2**64 are valid seeds, also in a list
    # that mixes small seeds with seeds >= 2**63 (numpy makes such a list float64).
    seeds = [0, 2**64 - 1]
    batch = graphs.ws_flex_batch(10, 4, 0.5, seeds)
    assert list(batch) == [graphs.ws_flex(10, 4, 0.5, s) for s in seeds]


def test_mismatched_batch_arrays_name_the_arguments():
    with pytest.raises(ValueError, match=r"k\(3,\).*seed\(2,\)"):
        graphs.ws_flex_batch(10, [4, 5, 6], 0.1, [1, 2])
    with pytest.raises(ValueError, match=r"p\(2,\)"):
        graphs.gnp_random_graph_batch([10, 11, 12], [0.1, 0.2], 0)
    with pytest.raises(ValueError, match=r"m\(4,\)"):
        measures.scan("gnm_random_graph", n=[10, 11], m=[1, 2, 3, 4], seed=0)


def test_single_graph_functions_reject_arrays():
    with pytest.raises(ValueError, match="_batch"):
        graphs.ws_flex(10, [4, 5], 0.1, 0)


@pytest.mark.parametrize("tries", [0, -1, 1.5, True, "3"])
def test_bad_tries(tries):
    with pytest.raises((ValueError, TypeError), match="tries"):
        graphs.connected_ws_flex(10, 4, 0.1, 0, tries=tries)
    with pytest.raises((ValueError, TypeError), match="tries"):
        graphs.connected_watts_strogatz_graph_batch(10, 4, 0.1, [0, 1], tries=tries)


def test_failed_connected_variant_names_its_parameters():
    with pytest.raises(GenerationError, match=r"n=100.*k=2.*p=1.*seed=3") as info:
        graphs.connected_ws_flex(100, 2, 1.0, 3, tries=1)
    assert isinstance(info.value, ValueError) and "tries" in str(info.value)
    with pytest.raises(nx.NetworkXError):  # networkx fails here too
        nx.connected_watts_strogatz_graph(30, 2, 1.0, tries=1, seed=0)
    with pytest.raises(GenerationError, match=r"n=30, k=2, p=1, seed=0"):
        graphs.connected_watts_strogatz_graph(30, 2, 1.0, 0, tries=1)
    with pytest.raises(GenerationError, match=r"seed=18446744073709551615"):
        graphs.connected_ws_flex_batch(100, 2, 1.0, [2**64 - 1] * 3, tries=1)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: graphs.watts_strogatz_graph(10, 11, 0.1, 0), "k=11"),
        (lambda: graphs.watts_strogatz_graph(10, 2.5, 0.1, 0), r"k must be an integer.*k=2\.5"),
        (lambda: graphs.watts_strogatz_graph(0, 0, 0.1, 0), "n=0"),
        (lambda: graphs.gnm_random_graph(5, 11, 0), "m=11"),
        (lambda: graphs.gnm_random_graph(5, -1, 0), "m=-1"),
        (lambda: graphs.dense_gnm_random_graph(5, 3.5, 0), r"m=3\.5"),
        (lambda: graphs.barabasi_albert_graph(5, 0, 0), "m=0"),
        (lambda: graphs.barabasi_albert_graph(5, 5, 0), "m=5"),
        (lambda: graphs.barabasi_albert_graph(1, 1, 0), "n=1"),
        (lambda: graphs.hkn_harary_graph(5, 5), "k=5"),
        (lambda: graphs.hkn_harary_graph(0, 5), "k=0"),
        (lambda: graphs.hnm_harary_graph(5, 3), "m=3"),
        (lambda: graphs.hnm_harary_graph(5, 11), "m=11"),
        (lambda: graphs.ring_lattice(5, 6), "k=6"),
        (lambda: graphs.complete_graph(-2), "n=-2"),
        (lambda: graphs.ws_flex_batch([10, 10, 10], [4, 4, 12], 0.1, 0), "k=12.*batch index 2"),
    ],
)
def test_other_generator_parameters(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_batch_too_large_for_memory(monkeypatch):
    monkeypatch.setenv("RELSPARSE_MAX_BATCH_BYTES", str(1 << 20))
    with pytest.raises(ValueError, match="MiB"):
        graphs.complete_graph(2000)
    with pytest.raises(ValueError, match="MiB"):
        graphs.ws_flex_batch(64, 8, 0.1, np.arange(100000))


# ------------------------------------------------------------- containers
@pytest.mark.parametrize(
    "edges,error,match",
    [
        ([(0, 3)], ValueError, r"\(0, 3\).*0\.\.2.*num_nodes=3"),
        ([(-1, 2)], ValueError, r"\(-1, 2\)"),
        ([(1, 1)], ValueError, "self-loop.*self_loops='drop'"),
        ([(0, 1), (1, 0)], ValueError, "duplicate edge.*duplicates='merge'"),
        ([(0, 1, 2)], ValueError, r"edges must be .*\(m, 2\)"),
        ([0, 1], ValueError, "edges must be"),
        ([(0, 1.5)], TypeError, r"edges \(node ids\) must be an integer"),
        ([("a", "b")], TypeError, "edges"),
    ],
)
def test_bad_edges(edges, error, match):
    with pytest.raises(error, match=match):
        relsparse.Graph(3, edges)


def test_bad_num_nodes_and_options():
    with pytest.raises(ValueError, match="num_nodes"):
        relsparse.Graph(-1)
    with pytest.raises(TypeError, match="num_nodes"):
        relsparse.Graph(2.0)
    with pytest.raises(ValueError, match="self_loops must be one of"):
        relsparse.Graph(2, [(0, 1)], self_loops="keep")
    with pytest.raises(ValueError, match="duplicates must be one of"):
        relsparse.Graph(2, [(0, 1)], duplicates="sum")
    with pytest.raises(ValueError, match="edge_ptr"):
        relsparse.GraphBatch([2], [0, 2], [(0, 1)])
    with pytest.raises(ValueError, match="edge_ptr"):
        relsparse.GraphBatch([2, 2], [0, 1], [(0, 1)])
    with pytest.raises(ValueError, match="edge 1 of graph 1"):
        relsparse.GraphBatch([2, 2], [0, 1, 2], [(0, 1), (0, 5)])


def test_networkx_graphs_of_the_wrong_kind():
    for call in (measures.density, measures.average_clustering, lambda G: measures.compute(G, ["L"]), dag.to_dag):
        with pytest.raises(TypeError, match="multigraph"):
            call(nx.MultiGraph([(0, 1), (0, 1)]))
        with pytest.raises(TypeError, match="undirected"):
            call(nx.DiGraph([(0, 1)]))
    with pytest.raises(TypeError, match="DiGraph"):
        dag.path_statistics(nx.Graph([(0, 1)]), 0, 1)
    with pytest.raises(TypeError, match="dag must be directed"):
        dag.path_statistics(relsparse.Graph(2, [(0, 1)]), 0, 1)
    with pytest.raises(TypeError, match="G must be"):
        measures.density(np.zeros((3, 3)))


# --------------------------------------------------------------- measures
def test_unknown_measure_policy_and_order():
    g = relsparse.Graph(3, [(0, 1), (1, 2)])
    with pytest.raises(ValueError, match="unknown measure 'foo'"):
        measures.compute(g, ["C", "foo"])
    with pytest.raises(ValueError, match="unknown measure"):
        measures.scan("complete_graph", n=4, measures=["bar"])
    with pytest.raises(ValueError, match="disconnected must be one of.*'ignore'"):
        measures.average_shortest_path_length(g, disconnected="ignore")
    with pytest.raises(ValueError, match="disconnected"):
        measures.compute(g, ["L"], disconnected=None)
    with pytest.raises(ValueError, match="disconnected"):
        measures.eccentricity(g, disconnected="skip")
    with pytest.raises(ValueError, match="order must be one of"):
        measures.average_clustering(g, order="descending")


def test_bad_clustering_order_names_the_argument():
    # compute() and scan() take clustering_order=, so the message must say so.
    g = relsparse.Graph(3, [(0, 1), (1, 2)])
    with pytest.raises(ValueError, match="clustering_order"):
        measures.compute(g, ["C"], clustering_order="random")
    with pytest.raises(ValueError, match="clustering_order"):
        measures.scan("complete_graph", n=4, clustering_order="random")


def test_scan_arguments():
    with pytest.raises(ValueError, match="unknown generator 'foo'"):
        measures.scan("foo", n=3)
    with pytest.raises(ValueError, match="needs the parameter 'k'"):
        measures.scan("ws_flex", n=10, p=0.1, seed=0)
    with pytest.raises(ValueError, match="takes no parameter 'm'"):
        measures.scan("ws_flex", n=10, k=4, p=0.1, m=3, seed=0)
    with pytest.raises(ValueError, match="takes no seed"):
        measures.scan("complete_graph", n=10, seed=0)
    with pytest.raises(ValueError, match="on_failure must be one of"):
        measures.scan("complete_graph", n=10, on_failure="skip")
    with pytest.raises(ValueError, match=r"k=12 \(at batch index 1\)"):
        measures.scan("ws_flex", n=[10, 10], k=[4, 12], p=0.1, seed=0, on_failure="record")
    with pytest.raises(ValueError, match="tries"):
        measures.scan("connected_ws_flex", n=10, k=4, p=0.1, seed=0, tries=0)


@pytest.mark.parametrize("threads,error", [(0, ValueError), (-1, ValueError), (1.5, TypeError), ("2", TypeError)])
def test_bad_thread_counts(threads, error):
    g = relsparse.Graph(2, [(0, 1)])
    for call in (
        lambda: measures.density(g, threads=threads),
        lambda: measures.clustering(g, threads=threads),
        lambda: graphs.ws_flex_batch(10, 4, 0.1, 0, threads=threads),
        lambda: measures.scan("complete_graph", n=4, threads=threads),
        lambda: dag.to_dag(g, threads=threads),
        lambda: relsparse.set_num_threads(threads),
    ):
        with pytest.raises(error, match="threads"):
            call()
    assert relsparse.get_num_threads() >= 1


def test_bad_thread_environment_variable(monkeypatch):
    monkeypatch.setenv("RELSPARSE_NUM_THREADS", "zero")
    with pytest.raises(ValueError, match="RELSPARSE_NUM_THREADS"):
        measures.density(relsparse.Graph(2, [(0, 1)]))
    monkeypatch.setenv("RELSPARSE_NUM_THREADS", "0")
    with pytest.raises(ValueError, match="RELSPARSE_NUM_THREADS"):
        relsparse.get_num_threads()


# -------------------------------------------------------------------- dag
def test_dag_endpoints():
    d = relsparse.DiGraph(3, [(0, 1)])
    with pytest.raises(NotADagError, match="target=3"):
        dag.path_statistics(d, 0, 3)
    with pytest.raises(NotADagError, match="source=-1"):
        dag.prune(d, -1, 2)
    with pytest.raises(TypeError, match="source must be an integer"):
        dag.path_statistics(d, 0.5, 2)
    with pytest.raises(TypeError, match="target must be an integer"):
        dag.path_statistics(d, 0, "2")
    batch = relsparse.DiGraphBatch.from_graphs([d, d])
    with pytest.raises(ValueError, match="source and target need one entry per DAG"):
        dag.path_statistics(batch, [0, 1, 2], 2)
    with pytest.raises(NotADagError, match="graph 1"):
        dag.path_statistics(batch, 0, [2, 7])
    with pytest.raises(TypeError, match="G must be undirected"):
        dag.to_dag(d)
