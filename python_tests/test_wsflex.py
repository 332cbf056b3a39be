"""WS-flex (graphs.ws_flex / connected_ws_flex) against the pure-Python graph2nn reference.

Edge sets must be identical to ``relsparse.reference`` (random.Random + networkx)
for thousands of (n, k, p, seed): n on both sides of the 64-node bitset path,
real k in [2, n] with the boundary values, p in {0, 1} and random, seeds small
and up to 2**64 - 1. Also checks the DESIGN.md reference values of C and L.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_helpers import edge_set
from networkx import NetworkXError as ReferenceGenerationError
from relsparse.reference import connected_ws_graph, forward_counts, ws_graph
from relsparse import graphs, measures
from relsparse.errors import GenerationError

BIG_SEEDS = [2**32 - 1, 2**32, 2**32 + 1, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 2, 2**64 - 1]


def _k_values(rng: random.Random, n: int) -> float:
    r = rng.random()
    if r < 0.12:
        return 2.0
    if r < 0.24:
        return float(n)
    if r < 0.36:
        return max(2.0, n - 0.5)
    if r < 0.48:
        return float(rng.randint(2, n))  # integer k: k * n / 2 may end in .5
    if r < 0.75:
        return rng.uniform(2.0, min(float(n), 12.0))  # sparse: most graph2nn graphs
    return rng.uniform(2.0, float(n))


def _p_value(rng: random.Random) -> float:
    r = rng.random()
    if r < 0.15:
        return 0.0
    if r < 0.3:
        return 1.0
    if r < 0.45:
        return rng.random() * 0.05
    return rng.random()


def _seed(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.5:
        return rng.randrange(64)
    if r < 0.6:
        return rng.choice(BIG_SEEDS)
    return rng.randrange(2**64)


def _cases(group: str, count: int) -> list[tuple[int, float, float, int]]:
    rng = random.Random(f"ws_flex-{group}")
    lo, hi = {"tiny": (2, 8), "small": (9, 64), "large": (65, 150)}[group]
    return [(n, _k_values(rng, n), _p_value(rng), _seed(rng)) for n in (rng.randint(lo, hi) for _ in range(count))]


def _check(cases, fn, ref) -> None:
    bad = []
    for n, k, p, seed in cases:
        expected = edge_set(ref(n, k, p, seed))
        got = fn(n, k, p, seed)
        if got.num_nodes != n or edge_set(got) != expected:
            bad.append((n, k, p, seed))
        e = round(k * n / 2)
        assert got.num_edges == min(e, n * (n - 1) // 2), (n, k, p, seed)
    assert not bad, f"{len(bad)} of {len(cases)} differ from the reference, e.g. {bad[:5]}"


@pytest.mark.parametrize("group,count", [("tiny", 1000), ("small", 3000), ("large", 1200)])
def test_ws_flex_matches_graph2nn_reference(group, count):
    _check(_cases(group, count), graphs.ws_flex, ws_graph)


def test_ws_flex_boundary_parameters():
    cases = []
    for n in (2, 3, 4, 5, 7, 8, 63, 64, 65, 66, 127, 128, 129):
        for k in {2.0, float(n), max(2.0, n - 0.5), max(2.0, n - 1.0), max(2.0, n / 2 + 0.25), 2.5 if n >= 3 else 2.0}:
            for p in (0.0, 1.0, 0.5, 1e-3, math.nextafter(1.0, 0.0), 2**-53, 5e-324):
                for seed in (0, 1, 2**64 - 1):
                    cases.append((n, k, p, seed))
    # Dense rewiring far past 64 nodes (many rejected draws per edge).
    cases += [(300, 299.5, 0.3, 5), (300, 150.3, 0.5, 6), (500, 20.7, 1.0, 2**64 - 1), (257, 256.0, 1.0, 1)]
    _check(cases, graphs.ws_flex, ws_graph)


@pytest.mark.parametrize(
    "n,k,e",
    [(3, 3, 4), (5, 3, 8), (7, 3, 10), (9, 3, 14), (4, 2.5, 5), (3, 2.5, 4), (6, 3.5, 10), (10, 2.1, 10), (10, 2.3, 12)],
)
def test_edge_count_rounds_half_to_even(n, k, e):
    assert round(k * n / 2) == e  # the rule itself
    g = graphs.ws_flex(n, k, 0.0, seed=0)
    assert g.num_edges == min(e, n * (n - 1) // 2)
    counts = forward_counts(n, k)
    ring = {(min(i, (i + t) % n), max(i, (i + t) % n)) for i in range(n) for t in range(1, counts[i] + 1)}
    assert edge_set(g) == ring


def _connected_cases(count: int) -> list[tuple[int, float, float, int, int]]:
    rng = random.Random("connected_ws_flex")
    out = []
    for _ in range(count):
        n = rng.choice([rng.randint(2, 20), rng.randint(21, 64), rng.randint(65, 120)])
        # Sparse graphs with much rewiring often need several tries or fail.
        if rng.random() < 0.4:  # likely to fail within a few tries
            n = rng.randint(60, 150)
            k, p, tries = rng.choice([2.0, 2.01]), rng.uniform(0.9, 1.0), rng.choice([1, 1, 2, 3])
        else:
            k = rng.choice([2.0, rng.uniform(2.0, min(n, 4.0)), rng.uniform(2.0, min(n, 10.0)), float(n)])
            p = rng.choice([1.0, rng.random(), rng.uniform(0.5, 1.0), 0.0])
            tries = rng.choice([1, 2, 3, 5, 100])
        out.append((n, k, p, _seed(rng), tries))
    return out


def test_connected_ws_flex_matches_reference_including_failures():
    failures = successes = 0
    bad = []
    for n, k, p, seed, tries in _connected_cases(900):
        try:
            expected = edge_set(connected_ws_graph(n, k, p, seed, tries=tries))
        except ReferenceGenerationError:
            expected = None
        try:
            got = edge_set(graphs.connected_ws_flex(n, k, p, seed, tries=tries))
        except GenerationError as exc:
            got = None
            assert f"n={n}" in str(exc) and f"seed={seed}" in str(exc)
        if got != expected:
            bad.append((n, k, p, seed, tries, expected is None, got is None))
        failures += expected is None
        successes += expected is not None
    assert not bad, f"{len(bad)} cases differ, e.g. {bad[:5]}"
    assert failures > 50 and successes > 300  # both paths were exercised


def test_connected_ws_flex_continues_the_stream():
    # A case whose first draw is disconnected: the result is the first connected
    # draw of one continuing stream, not a re-seeded draw.
    rng_cases = [(n, 2.0, 1.0, s) for n in (10, 30, 80) for s in range(40)]
    checked = 0
    for n, k, p, seed in rng_cases:
        first = ws_graph(n, k, p, seed)
        if first.number_of_edges() and not __import__("networkx").is_connected(first):
            try:
                expected = edge_set(connected_ws_graph(n, k, p, seed))
            except ReferenceGenerationError:
                continue
            assert edge_set(graphs.connected_ws_flex(n, k, p, seed)) == expected
            assert expected != edge_set(first)
            checked += 1
    assert checked >= 20


@pytest.mark.parametrize(
    "n,k,p,seed,C,L",
    [
        (64, 8, 0.0, 0, 0.642857, 4.444444),
        (64, 8, 1.0, 0, 0.117994, 2.179563),
        (64, 62, 0.0, 0, 0.983607, 1.015873),
        (16, 4, 0.0, 0, 0.5, 2.4),
    ],
)
def test_design_reference_values(n, k, p, seed, C, L):
    for g in (graphs.ws_flex(n, k, p, seed), graphs.connected_ws_flex(n, k, p, seed)):
        assert abs(measures.average_clustering(g) - C) < 1e-6
        assert abs(measures.average_shortest_path_length(g) - L) < 1e-6
    assert edge_set(graphs.ws_flex(n, k, p, seed)) == edge_set(ws_graph(n, k, p, seed))


def test_p_zero_does_not_depend_on_seed():
    for n, k in ((64, 8.3), (100, 5.5), (12, 12.0)):
        ref = edge_set(graphs.ws_flex(n, k, 0.0, seed=0))
        assert all(edge_set(graphs.ws_flex(n, k, 0.0, seed=s)) == ref for s in (1, 7, 2**64 - 1))


def test_different_seeds_give_different_graphs():
    seen = {frozenset(edge_set(graphs.ws_flex(64, 8, 0.5, seed=s))) for s in range(50)}
    assert len(seen) == 50


@st.composite
def ws_params(draw):
    n = draw(st.integers(2, 130))
    k = draw(st.one_of(st.just(2.0), st.just(float(n)), st.floats(2.0, float(n)), st.integers(2, n).map(float)))
    p = draw(st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0)))
    seed = draw(st.one_of(st.integers(0, 100), st.integers(0, 2**64 - 1)))
    return n, k, p, seed


@settings(max_examples=400)
@given(ws_params())
def test_hypothesis_ws_flex(params):
    n, k, p, seed = params
    assert edge_set(graphs.ws_flex(n, k, p, seed)) == edge_set(ws_graph(n, k, p, seed))


@pytest.mark.parametrize("k,p,tries", [(6.0, 0.1, 100), (2.0, 1.0, 3), (4.5, 0.5, 5)])
def test_connected_ws_flex_beyond_8192_nodes(k, p, tries):
    n, seed = 9000, 12
    try:
        expected = edge_set(connected_ws_graph(n, k, p, seed, tries=tries))
    except ReferenceGenerationError:
        expected = None
    try:
        got = edge_set(graphs.connected_ws_flex(n, k, p, seed, tries=tries))
    except GenerationError:
        got = None
    assert got == expected
