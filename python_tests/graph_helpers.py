"""Helpers shared by the test files (not a test file).

Deterministic families of test graphs as networkx graphs, conversions, and
tolerant comparisons of measure values (NaN equals NaN).
"""

from __future__ import annotations

import math
import random
from typing import Iterator

import networkx as nx

import relsparse

REL_TOL = 1e-12
ABS_TOL = 1e-12


def close(a: float, b: float, rel: float = REL_TOL, abs_: float = ABS_TOL) -> bool:
    """math.isclose that treats NaN == NaN and inf == inf."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def assert_close(a: float, b: float, what: str = "", rel: float = REL_TOL) -> None:
    assert close(a, b, rel=rel), f"{what}: {a!r} != {b!r}"


def edge_set(graph) -> set[tuple[int, int]]:
    """Edges of a relsparse or networkx graph as a set of sorted tuples."""
    if isinstance(graph, nx.Graph):
        return {(min(a, b), max(a, b)) for a, b in graph.edges()}
    return {(int(a), int(b)) for a, b in graph.edges.tolist()}


def same_graph(ours: relsparse.Graph, ref: nx.Graph) -> bool:
    return ours.num_nodes == ref.number_of_nodes() and edge_set(ours) == edge_set(ref)




def random_simple_graph(rng: random.Random, n: int, p: float) -> nx.Graph:
    """G(n, p) drawn from ``rng`` with nodes added in order 0..n-1."""
    G = nx.empty_graph(n)
    G.add_edges_from((u, v) for u in range(n) for v in range(u + 1, n) if rng.random() < p)
    return G


def special_graphs() -> Iterator[tuple[str, nx.Graph]]:
    """Hand-picked shapes: null, single node, edgeless, complete, star, path, cycle, unions."""
    yield "null", nx.Graph()
    yield "single", nx.empty_graph(1)
    for n in (2, 3, 5, 64, 65):
        yield f"edgeless{n}", nx.empty_graph(n)
    for n in (2, 3, 4, 10, 63, 64, 65, 100):
        yield f"complete{n}", nx.complete_graph(n)
    for n in (1, 2, 5, 63, 64, 70):
        yield f"star{n}", nx.star_graph(n)  # n + 1 nodes
    for n in (2, 3, 10, 64, 65, 130):
        yield f"path{n}", nx.path_graph(n)
    for n in (3, 7, 64, 65, 129):
        yield f"cycle{n}", nx.cycle_graph(n)
    yield "two_triangles", nx.disjoint_union(nx.complete_graph(3), nx.complete_graph(3))
    yield "k5_plus_isolated", nx.disjoint_union(nx.complete_graph(5), nx.empty_graph(4))
    yield "path_plus_star", nx.disjoint_union(nx.path_graph(30), nx.star_graph(40))
    yield "k64_plus_isolated", nx.disjoint_union(nx.complete_graph(64), nx.empty_graph(1))
    yield "barbell", nx.barbell_graph(10, 5)
    yield "lollipop", nx.lollipop_graph(20, 30)
    yield "karate", nx.karate_club_graph()
    yield "petersen", nx.petersen_graph()
    yield "grid", nx.convert_node_labels_to_integers(nx.grid_2d_graph(9, 8))


def random_graph_family(seed: int, count: int, max_n: int = 130) -> list[tuple[str, nx.Graph]]:
    """``count`` random graphs of mixed size and density (often disconnected)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        n = rng.choice([rng.randint(0, 12), rng.randint(0, 70), rng.randint(60, 70), rng.randint(2, max_n)])
        p = rng.choice([0.0, 1.0, rng.random(), rng.random() * 0.1, 3.0 / max(n, 1), 1.0 / max(n, 1)])
        G = random_simple_graph(rng, n, min(p, 1.0))
        out.append((f"rand{i}(n={n},p={p:.3g})", G))
    return out


def dense_and_sparse(seed: int, sizes=(63, 64, 65, 200, 1000)) -> list[tuple[str, nx.Graph]]:
    """A dense and a sparse connected-ish graph at each size (hits every kernel path)."""
    out = []
    for n in sizes:
        for label, p in (("dense", 0.6), ("mid", 20.0 / n), ("sparse", 2.5 / n)):
            out.append((f"{label}{n}", nx.gnp_random_graph(n, p, seed=seed + n)))
    return out


def bfs_distances(G: nx.Graph) -> dict:
    """All-pairs hop distances (dict of dicts), for brute-force references."""
    return dict(nx.all_pairs_shortest_path_length(G))


def to_rel(G: nx.Graph) -> relsparse.Graph:
    return relsparse.Graph.from_networkx(G)
