"""Pure-Python references of the published algorithms relsparse reproduces.

graph2nn's WS-flex generator (``ws_graph``, ``connected_ws_graph``) and its
statistics (``compute_stats``), restated with ``random.Random`` and networkx
from the algorithm text (docs/graphs.md). They are slow — that is the point:
the tests compare relsparse's C++ generator with them edge for edge, the
benchmarks time against them, and users can check a published graph without
trusting relsparse.

Example
-------
>>> from relsparse import graphs, reference
>>> G = reference.connected_ws_graph(64, 8, 0.1, seed=3)
>>> graphs.connected_ws_flex(64, 8, 0.1, seed=3).edges.tolist() == [list(e) for e in reference.edge_list(G)]
True
"""

from __future__ import annotations

import random
from typing import Union

import networkx as nx


def forward_counts(n: int, k: float) -> list:
    """Forward edges per node: ``e // n`` each, one more for ``i < e % n``, ``e = round(k n / 2)``."""
    e = round(k * n / 2)  # Python round: half to even
    return [e // n + (1 if i < e % n else 0) for i in range(n)]


def ws_graph(n: int, k: float, p: float, seed: Union[int, random.Random]) -> nx.Graph:
    """graph2nn ``ws_graph``: one WS-flex draw from ``random.Random(seed)`` (or from a given Random)."""
    if not (n >= 2 and 2 <= k <= n and 0 <= p <= 1):
        raise ValueError(f"need n >= 2, 2 <= k <= n, 0 <= p <= 1; got n={n}, k={k}, p={p}")
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    count = forward_counts(n, k)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for i in range(n):
        G.add_edges_from((i, (i + t) % n) for t in range(1, count[i] + 1))
    nodes = list(G.nodes())
    for u in range(n):
        for t in range(1, count[u] + 1):
            v = (u + t) % n
            if rng.random() < p:
                w = rng.choice(nodes)
                while w == u or G.has_edge(u, w):  # no self-loops, no multi-edges
                    w = rng.choice(nodes)
                    if G.degree(u) >= n - 1:
                        break  # u is joined to everyone: skip this rewiring
                else:
                    G.remove_edge(u, v)
                    G.add_edge(u, w)
    return G


def connected_ws_graph(n: int, k: float, p: float, seed: int, tries: int = 100) -> nx.Graph:
    """graph2nn ``connected_ws_graph``: redraw from one continuing stream until connected.

    Raises ``networkx.NetworkXError`` after ``tries`` disconnected draws, as graph2nn does.
    """
    rng = random.Random(seed)
    for _ in range(tries):
        G = ws_graph(n, k, p, rng)
        if nx.is_connected(G):
            return G
    raise nx.NetworkXError("Maximum number of tries exceeded")


def compute_stats(G: nx.Graph) -> tuple:
    """graph2nn ``compute_stats``: (C summed in ascending order of node clustering, L)."""
    cluster = sorted(nx.clustering(G).values())
    return sum(cluster) / len(cluster), nx.average_shortest_path_length(G)


def edge_list(G: nx.Graph) -> list:
    """Sorted ``(u, v)`` pairs with ``u < v``, comparable with ``relsparse.Graph.edges``."""
    return sorted((min(u, v), max(u, v)) for u, v in G.edges())


__all__ = ["forward_counts", "ws_graph", "connected_ws_graph", "compute_stats", "edge_list"]
