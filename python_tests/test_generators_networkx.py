"""The networkx-named generators of relsparse.graphs against networkx 3.6.1.

Same parameters and seed must give the same node count and edge set, over
thousands of seeds and the edge cases of every generator (n = 0, 1, 2 where
allowed; k = 0, 1, odd, n; p = 0, 1; m = 0 and maximal; every valid Harary
(k, n) / (n, m) at small n). Graphs with n > 8192 exercise the hash-set
adjacency, 64 < n <= 8192 the bitset one, n <= 64 the single-word one.
"""

from __future__ import annotations

import random

import networkx as nx
import pytest

from graph_helpers import edge_set, same_graph
from relsparse.reference import ws_graph
from relsparse import graphs
from relsparse.errors import GenerationError


def _seeds(rng: random.Random) -> int:
    return rng.choice([rng.randrange(100), rng.randrange(2**32), rng.randrange(2**64), 2**64 - 1, 2**32])


def _assert_all_same(cases, ours, ref) -> None:
    bad = [c for c in cases if not same_graph(ours(*c), ref(*c))]
    assert not bad, f"{len(bad)} of {len(cases)} differ from networkx, e.g. {bad[:5]}"


# ------------------------------------------------------------ Watts-Strogatz
def _ws_cases(count: int, seed: str):
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        n = rng.choice([rng.randint(1, 10), rng.randint(11, 64), rng.randint(65, 140)])
        k = rng.choice([0, 1, 2, n, n - 1, rng.randint(0, n), rng.randint(0, min(n, 10)), rng.randint(0, n) | 1])
        k = min(max(k, 0), n)
        p = rng.choice([0.0, 1.0, rng.random(), rng.random() * 0.05])
        cases.append((n, k, p, _seeds(rng)))
    return cases


def test_watts_strogatz_graph():
    _assert_all_same(
        _ws_cases(2500, "ws"),
        graphs.watts_strogatz_graph,
        lambda n, k, p, s: nx.watts_strogatz_graph(n, k, p, seed=s),
    )


def test_connected_watts_strogatz_graph_including_failures():
    rng = random.Random("cws")
    cases = _ws_cases(500, "cws")
    # Sparse rewired rings: often several tries, sometimes no connected graph.
    cases += [(rng.randint(20, 100), rng.choice([2, 3]), rng.uniform(0.5, 1.0), _seeds(rng)) for _ in range(400)]
    fails = 0
    bad = []
    for n, k, p, seed in cases:
        tries = 3 if k in (2, 3) else 100
        try:
            ref = nx.connected_watts_strogatz_graph(n, k, p, tries=tries, seed=seed)
        except nx.NetworkXError:
            ref = None
        try:
            ours = graphs.connected_watts_strogatz_graph(n, k, p, seed, tries=tries)
        except GenerationError:
            ours = None
        if (ref is None) != (ours is None) or (ref is not None and not same_graph(ours, ref)):
            bad.append((n, k, p, seed, tries))
        fails += ref is None
    assert not bad, f"{len(bad)} differ, e.g. {bad[:5]}"
    assert fails > 30


# --------------------------------------------------------------- Erdős–Rényi
def test_gnp_random_graph():
    rng = random.Random("gnp")
    cases = [(n, p, s) for n in (0, 1, 2) for p in (0.0, 0.5, 1.0) for s in (0, 1)]
    for _ in range(2500):
        n = rng.choice([rng.randint(0, 10), rng.randint(0, 70), rng.randint(60, 130)])
        p = rng.choice([0.0, 1.0, rng.random(), rng.random() * 0.1, 1e-300])
        cases.append((n, p, _seeds(rng)))
    _assert_all_same(cases, graphs.gnp_random_graph, lambda n, p, s: nx.gnp_random_graph(n, p, seed=s))
    assert graphs.erdos_renyi_graph is graphs.gnp_random_graph


def _gnm_cases(count: int, seed: str, lowest_m: int = 0):
    rng = random.Random(seed)
    cases = []
    for n in (0, 1, 2, 3):
        for m in range(lowest_m, n * (n - 1) // 2 + 1):
            cases.append((n, m, 0))
    for _ in range(count):
        n = rng.choice([rng.randint(2, 10), rng.randint(2, 70), rng.randint(60, 130)])
        mmax = n * (n - 1) // 2
        m = rng.choice([lowest_m, 1, mmax, mmax - 1, rng.randint(lowest_m, mmax), rng.randint(lowest_m, min(mmax, 3 * n))])
        cases.append((n, max(lowest_m, min(m, mmax)), _seeds(rng)))
    return cases


def test_gnm_random_graph():
    _assert_all_same(
        _gnm_cases(2500, "gnm"), graphs.gnm_random_graph, lambda n, m, s: nx.gnm_random_graph(n, m, seed=s)
    )


def test_dense_gnm_random_graph():
    # networkx raises for m = 0 (randrange of an empty range) unless the graph
    # is complete at m = 0; relsparse documents the empty graph instead.
    cases = [c for c in _gnm_cases(2000, "dense_gnm", lowest_m=1) if c[1] >= 1 or c[0] <= 1]
    _assert_all_same(cases, graphs.dense_gnm_random_graph, lambda n, m, s: nx.dense_gnm_random_graph(n, m, seed=s))
    for n in (0, 1, 2, 5, 64, 65, 100):
        g = graphs.dense_gnm_random_graph(n, 0, seed=3)
        assert g.num_nodes == n and g.num_edges == 0


# ------------------------------------------------------------ Barabási–Albert
def test_barabasi_albert_graph():
    rng = random.Random("ba")
    cases = [(n, m, s) for n in range(2, 12) for m in range(1, n) for s in range(3)]
    for _ in range(1200):
        n = rng.choice([rng.randint(2, 64), rng.randint(65, 300)])
        m = rng.choice([1, n - 1, rng.randint(1, n - 1), rng.randint(1, min(n - 1, 5)), max(1, n // 2)])
        cases.append((n, m, _seeds(rng)))
    # Large target sets: CPython's set resizes several times per new node.
    cases += [(400, m, s) for m in (40, 50, 100, 150, 250, 399) for s in range(2)]
    _assert_all_same(cases, graphs.barabasi_albert_graph, lambda n, m, s: nx.barabasi_albert_graph(n, m, seed=s))


# ------------------------------------------------------- deterministic graphs
def test_hkn_harary_graph_every_valid_pair():
    cases = [(k, n) for n in range(2, 41) for k in range(1, n)]
    cases += [(k, n) for n in (64, 65, 100, 129) for k in (1, 2, 3, 4, 5, n // 2, n // 2 + 1, n - 2, n - 1)]
    _assert_all_same(cases, graphs.hkn_harary_graph, nx.hkn_harary_graph)


def test_hnm_harary_graph_every_valid_pair():
    cases = [(n, m) for n in range(1, 25) for m in range(n - 1, n * (n - 1) // 2 + 1)]
    for n in (63, 64, 65, 100):
        mmax = n * (n - 1) // 2
        cases += [(n, m) for m in (n - 1, n, n + 1, n + n // 2, 2 * n - 1, 3 * n + 7, mmax // 2, mmax - 1, mmax)]
    _assert_all_same(cases, graphs.hnm_harary_graph, nx.hnm_harary_graph)


def test_ring_lattice_is_watts_strogatz_without_rewiring():
    cases = [(n, k) for n in range(1, 41) for k in range(0, n + 1)]
    cases += [(n, k) for n in (64, 65, 200) for k in (0, 1, 2, 3, 10, 11, n - 1, n)]
    _assert_all_same(cases, graphs.ring_lattice, lambda n, k: nx.watts_strogatz_graph(n, k, 0))


def test_complete_graph():
    _assert_all_same([(n,) for n in list(range(0, 70)) + [127, 128, 129, 300]], graphs.complete_graph, nx.complete_graph)


# ------------------------------------------------- n > 8192: hash adjacency
@pytest.mark.parametrize(
    "name,ours,ref",
    [
        (
            "dense watts_strogatz 300",
            lambda: graphs.watts_strogatz_graph(300, 296, 0.5, 5),
            lambda: nx.watts_strogatz_graph(300, 296, 0.5, seed=5),
        ),
        ("gnm 9000", lambda: graphs.gnm_random_graph(9000, 20000, 7), lambda: nx.gnm_random_graph(9000, 20000, seed=7)),
        ("gnm 8192", lambda: graphs.gnm_random_graph(8192, 9000, 8), lambda: nx.gnm_random_graph(8192, 9000, seed=8)),
        ("gnm 8193", lambda: graphs.gnm_random_graph(8193, 9000, 8), lambda: nx.gnm_random_graph(8193, 9000, seed=8)),
        (
            "watts_strogatz 9000",
            lambda: graphs.watts_strogatz_graph(9000, 4, 0.3, 2**64 - 1),
            lambda: nx.watts_strogatz_graph(9000, 4, 0.3, seed=2**64 - 1),
        ),
        (
            "connected_watts_strogatz 9000",
            lambda: graphs.connected_watts_strogatz_graph(9000, 6, 0.1, 5),
            lambda: nx.connected_watts_strogatz_graph(9000, 6, 0.1, seed=5),
        ),
        ("ws_flex 9000", lambda: graphs.ws_flex(9000, 4.3, 0.25, 11), lambda: ws_graph(9000, 4.3, 0.25, 11)),
        ("ba 9000", lambda: graphs.barabasi_albert_graph(9000, 3, 1), lambda: nx.barabasi_albert_graph(9000, 3, seed=1)),
        ("hkn 9001", lambda: graphs.hkn_harary_graph(5, 9001), lambda: nx.hkn_harary_graph(5, 9001)),
        ("hnm 9001", lambda: graphs.hnm_harary_graph(9001, 20000), lambda: nx.hnm_harary_graph(9001, 20000)),
        ("ring 9000", lambda: graphs.ring_lattice(9000, 7), lambda: nx.watts_strogatz_graph(9000, 7, 0)),
    ],
)
def test_large_graphs(name, ours, ref):
    g, h = ours(), ref()
    assert g.num_nodes == h.number_of_nodes()
    assert edge_set(g) == edge_set(h), name


def test_results_are_canonical():
    # Edges come out sorted with u < v, whatever adjacency built them.
    for g in (
        graphs.gnm_random_graph(9000, 5000, 1),
        graphs.barabasi_albert_graph(300, 7, 1),
        graphs.ws_flex(64, 10.5, 0.7, 3),
    ):
        e = g.edges
        assert (e[:, 0] < e[:, 1]).all()
        keys = e[:, 0].astype("int64") * g.num_nodes + e[:, 1]
        assert (keys[1:] > keys[:-1]).all()


@pytest.mark.parametrize(
    "ours,ref",
    [
        # SmallAdjacency (n <= 64), short bit rows (n <= 2048), long marked rows (n > 2048);
        # sparse rows (at most a few bits per word) and dense ones (words of 9 to 64 bits).
        (lambda: graphs.gnp_random_graph(64, 0.9, 4), lambda: nx.gnp_random_graph(64, 0.9, seed=4)),
        (lambda: graphs.complete_graph(130), lambda: nx.complete_graph(130)),
        (lambda: graphs.gnp_random_graph(200, 0.2, 5), lambda: nx.gnp_random_graph(200, 0.2, seed=5)),
        (lambda: graphs.watts_strogatz_graph(1024, 8, 0.5, 6), lambda: nx.watts_strogatz_graph(1024, 8, 0.5, seed=6)),
        (lambda: graphs.watts_strogatz_graph(2048, 40, 0.1, 7), lambda: nx.watts_strogatz_graph(2048, 40, 0.1, seed=7)),
        (lambda: graphs.gnm_random_graph(3000, 60000, 8), lambda: nx.gnm_random_graph(3000, 60000, seed=8)),
        (lambda: graphs.ring_lattice(2100, 30), lambda: nx.watts_strogatz_graph(2100, 30, 0)),
        # Edge lists built as lists (generators that add their edges in order), n > 64.
        (lambda: graphs.gnp_random_graph(65, 0.5, 9), lambda: nx.gnp_random_graph(65, 0.5, seed=9)),
        (lambda: graphs.gnp_random_graph(3000, 0.002, 10), lambda: nx.gnp_random_graph(3000, 0.002, seed=10)),
        (lambda: graphs.gnp_random_graph(300, 1.0, 11), lambda: nx.gnp_random_graph(300, 1.0, seed=11)),
        (lambda: graphs.dense_gnm_random_graph(300, 4000, 12), lambda: nx.dense_gnm_random_graph(300, 4000, seed=12)),
    ],
)
def test_edge_lists_are_the_reference_edges_in_ascending_order(ours, ref):
    g, h = ours(), ref()
    expected = sorted(edge_set(h))
    assert g.edges.tolist() == [list(e) for e in expected]


@pytest.mark.parametrize("count", [1, 15, 16, 17, 31, 32, 33, 70])
def test_batches_of_fresh_seeds_match_networkx(count):
    # Batches seed their streams 16 or 32 at a time, in vector lanes; seeds never
    # used before in this process (so no cached state), one- and two-word seeds mixed.
    rng = random.Random(f"fresh-{count}")
    seeds = [rng.choice([rng.randrange(2**32), rng.randrange(2**32, 2**64)]) for _ in range(count)]
    ours = graphs.gnp_random_graph_batch(20, 0.3, seeds, threads=1)
    assert [edge_set(g) for g in ours] == [edge_set(nx.gnp_random_graph(20, 0.3, seed=s)) for s in seeds]


@pytest.mark.parametrize("n", [20, 100])
def test_gnp_draws_that_tie_the_threshold_in_their_first_word(n):
    # random() = x / 2**53 with x = (a >> 5) * 2**26 + (b >> 6); draws are compared
    # with p on a >> 5 first, b deciding only a tie. p = x / 2**53 and (x + 1) / 2**53
    # tie the first draw (pair (0, 1)): absent, then present.
    for seed in range(30):
        x = int(random.Random(seed).random() * 2**53)
        for threshold, present in ((x, False), (x + 1, True)):
            p = threshold / 2**53
            ours = edge_set(graphs.gnp_random_graph(n, p, seed))
            assert ours == edge_set(nx.gnp_random_graph(n, p, seed=seed))
            assert ((0, 1) in ours) == present
