"""Graph generators: WS-flex and the classic random graph models.

Every random generator takes an explicit integer ``seed`` and reproduces its
reference bit for bit, because the C++ engine replays CPython's
``random.Random(seed)`` stream:

============================== =================================================
relsparse                      reference (same seed -> same edge set)
============================== =================================================
``ws_flex``                    graph2nn ``ws_graph`` (You et al., 2020)
``connected_ws_flex``          graph2nn ``connected_ws_graph``
``watts_strogatz_graph``       ``networkx.watts_strogatz_graph``
``connected_watts_strogatz_graph`` ``networkx.connected_watts_strogatz_graph``
``gnp_random_graph``           ``networkx.gnp_random_graph`` (``erdos_renyi_graph``)
``gnm_random_graph``           ``networkx.gnm_random_graph``
``dense_gnm_random_graph``     ``networkx.dense_gnm_random_graph``
``barabasi_albert_graph``      ``networkx.barabasi_albert_graph``
``hkn_harary_graph``           ``networkx.hkn_harary_graph``
``hnm_harary_graph``           ``networkx.hnm_harary_graph``
``ring_lattice``               ``networkx.watts_strogatz_graph(n, k, 0)``
``complete_graph``             ``networkx.complete_graph``
============================== =================================================

Each has a ``*_batch`` twin taking arrays (broadcast together) and returning a
:class:`~relsparse.GraphBatch` built by all cores; the result does not depend
on the thread count. Definitions are in docs/graphs.md.

Example
-------
>>> from relsparse import graphs
>>> g = graphs.connected_ws_flex(64, 8, 0.1, seed=0)
>>> g.num_nodes, g.num_edges
(64, 256)
>>> batch = graphs.ws_flex_batch(64, k=[8, 16, 32], p=0.5, seed=[0, 1, 2])
>>> batch.num_edges.tolist()
[256, 512, 1024]
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _args, _native, _threads
from .graph import Graph, GraphBatch

_G = _native.graph.Generator

#: Tries of the connected variants, as in graph2nn and networkx.
DEFAULT_TRIES = 100


def _generate(
    kind: Any,
    *,
    n: Any,
    a: Any = None,
    b: Any = None,
    seed: Any = None,
    a_name: str = "a",
    b_name: str = "b",
    needs_seed: bool = True,
    tries: int = DEFAULT_TRIES,
    threads: Optional[int] = None,
) -> GraphBatch:
    named = _args.broadcast_1d(
        n=_args.integer_array(n, "n"),
        **{a_name: None if a is None else _args.float_array(a, a_name)},
        **{b_name: None if b is None else _args.float_array(b, b_name)},
        seed=_args.seed_array(seed) if needs_seed else None,
    )
    arrays = {"n": named["n"], "a": named[a_name], "b": named[b_name], "seed": named["seed"]}
    if isinstance(tries, bool) or not isinstance(tries, (int, np.integer)) or tries < 1:
        raise ValueError(f"tries must be a positive integer, got {tries!r}")
    num_nodes, edge_ptr, edges = _native.graph.generate(
        kind,
        arrays["n"],
        arrays["a"],
        arrays["b"],
        arrays["seed"],
        int(tries),
        _threads.resolve(threads),
        _args.batch_memory_limit(),
    )
    return GraphBatch._trusted(num_nodes, edge_ptr, edges)


def _single(batch: GraphBatch) -> Graph:
    if len(batch) != 1:
        raise ValueError(
            "this function makes one graph; pass scalars, or use the *_batch variant for arrays"
        )
    return batch[0]


# ------------------------------------------------------------------ WS-flex
def ws_flex_batch(n: Any, k: Any, p: Any, seed: Any, *, threads: Optional[int] = None) -> GraphBatch:
    """Batch of WS-flex graphs; ``n``, ``k``, ``p``, ``seed`` broadcast together. See :func:`ws_flex`."""
    return _generate(_G.ws_flex, n=n, a=k, b=p, seed=seed, a_name="k", b_name="p", threads=threads)


def ws_flex(n: int, k: float, p: float, seed: int) -> Graph:
    """WS-flex graph (You et al., 2020), exactly as graph2nn's ``ws_graph``.

    With ``e = round(k * n / 2)`` edges (Python rounding, half to even), node
    ``i`` is joined to its next ``e // n`` nodes on the ring, plus one more
    if ``i < e % n``; then each of these edges, in order of ``i`` then ring
    distance, is rewired with probability ``p`` to a uniformly random node
    that is not ``i`` and not already a neighbour (skipped if ``i`` is joined
    to every node). The edge count stays ``e`` (capped at ``n(n-1)/2``).

    Parameters
    ----------
    n: number of nodes, ``n >= 2``.
    k: average degree, real, ``2 <= k <= n``.
    p: rewiring probability in ``[0, 1]``.
    seed: integer seed of ``random.Random(seed)``.

    Example
    -------
    >>> ws_flex(64, 8, 0.0, seed=0).num_edges
    256
    """
    return _single(ws_flex_batch(n, k, p, seed, threads=1))


def connected_ws_flex_batch(
    n: Any, k: Any, p: Any, seed: Any, *, tries: int = DEFAULT_TRIES, threads: Optional[int] = None
) -> GraphBatch:
    """Batch of connected WS-flex graphs. See :func:`connected_ws_flex`."""
    return _generate(
        _G.connected_ws_flex, n=n, a=k, b=p, seed=seed, a_name="k", b_name="p", tries=tries, threads=threads
    )


def connected_ws_flex(n: int, k: float, p: float, seed: int, *, tries: int = DEFAULT_TRIES) -> Graph:
    """Connected WS-flex graph, as graph2nn's ``connected_ws_graph``.

    Draws :func:`ws_flex` graphs from one continuing random stream until one
    is connected, at most ``tries`` times; raises
    :class:`~relsparse.errors.GenerationError` (naming n, k, p, seed)
    otherwise. This is the generator of the paper's design space.
    """
    return _single(connected_ws_flex_batch(n, k, p, seed, tries=tries, threads=1))


# ------------------------------------------------------------ Watts-Strogatz
def watts_strogatz_graph_batch(n: Any, k: Any, p: Any, seed: Any, *, threads: Optional[int] = None) -> GraphBatch:
    """Batch of Watts–Strogatz graphs. See :func:`watts_strogatz_graph`."""
    return _generate(_G.watts_strogatz_graph, n=n, a=k, b=p, seed=seed, a_name="k", b_name="p", threads=threads)


def watts_strogatz_graph(n: int, k: int, p: float, seed: int) -> Graph:
    """Watts–Strogatz small-world graph, as ``networkx.watts_strogatz_graph``.

    A ring where each node joins its ``k // 2`` nearest neighbours on each
    side; then, for each ring offset ``j`` and node ``u``, edge
    ``(u, u + j)`` is rewired with probability ``p``. ``k == n`` gives the
    complete graph. Requires integer ``0 <= k <= n``.
    """
    return _single(watts_strogatz_graph_batch(n, k, p, seed, threads=1))


def connected_watts_strogatz_graph_batch(
    n: Any, k: Any, p: Any, seed: Any, *, tries: int = DEFAULT_TRIES, threads: Optional[int] = None
) -> GraphBatch:
    """Batch of connected Watts–Strogatz graphs."""
    return _generate(
        _G.connected_watts_strogatz_graph,
        n=n, a=k, b=p, seed=seed, a_name="k", b_name="p", tries=tries, threads=threads,
    )


def connected_watts_strogatz_graph(n: int, k: int, p: float, seed: int, *, tries: int = DEFAULT_TRIES) -> Graph:
    """Connected Watts–Strogatz graph, as ``networkx.connected_watts_strogatz_graph``."""
    return _single(connected_watts_strogatz_graph_batch(n, k, p, seed, tries=tries, threads=1))


# --------------------------------------------------------------- Erdős–Rényi
def gnp_random_graph_batch(n: Any, p: Any, seed: Any, *, threads: Optional[int] = None) -> GraphBatch:
    """Batch of G(n, p) graphs. See :func:`gnp_random_graph`."""
    return _generate(_G.gnp_random_graph, n=n, a=p, seed=seed, a_name="p", threads=threads)


def gnp_random_graph(n: int, p: float, seed: int) -> Graph:
    """Erdős–Rényi G(n, p), as ``networkx.gnp_random_graph``: each of the
    ``n(n-1)/2`` pairs, in lexicographic order, is an edge with probability ``p``."""
    return _single(gnp_random_graph_batch(n, p, seed, threads=1))


erdos_renyi_graph = gnp_random_graph
erdos_renyi_graph_batch = gnp_random_graph_batch


def gnm_random_graph_batch(n: Any, m: Any, seed: Any, *, threads: Optional[int] = None) -> GraphBatch:
    """Batch of G(n, m) graphs. See :func:`gnm_random_graph`."""
    return _generate(_G.gnm_random_graph, n=n, a=m, seed=seed, a_name="m", threads=threads)


def gnm_random_graph(n: int, m: int, seed: int) -> Graph:
    """Erdős–Rényi G(n, m), as ``networkx.gnm_random_graph``: uniformly random
    node pairs are added until there are ``m`` distinct edges."""
    return _single(gnm_random_graph_batch(n, m, seed, threads=1))


def dense_gnm_random_graph_batch(n: Any, m: Any, seed: Any, *, threads: Optional[int] = None) -> GraphBatch:
    """Batch of G(n, m) graphs by selection sampling. See :func:`dense_gnm_random_graph`."""
    return _generate(_G.dense_gnm_random_graph, n=n, a=m, seed=seed, a_name="m", threads=threads)


def dense_gnm_random_graph(n: int, m: int, seed: int) -> Graph:
    """G(n, m) by Knuth's selection sampling over the pairs, as
    ``networkx.dense_gnm_random_graph`` (``m = 0`` gives the empty graph,
    where networkx raises)."""
    return _single(dense_gnm_random_graph_batch(n, m, seed, threads=1))


# ------------------------------------------------------------ Barabási–Albert
def barabasi_albert_graph_batch(n: Any, m: Any, seed: Any, *, threads: Optional[int] = None) -> GraphBatch:
    """Batch of Barabási–Albert graphs. See :func:`barabasi_albert_graph`."""
    return _generate(_G.barabasi_albert_graph, n=n, a=m, seed=seed, a_name="m", threads=threads)


def barabasi_albert_graph(n: int, m: int, seed: int) -> Graph:
    """Barabási–Albert preferential attachment, as ``networkx.barabasi_albert_graph``:
    start from a star on ``m + 1`` nodes; each new node joins ``m`` distinct
    existing nodes drawn with probability proportional to degree. ``1 <= m < n``."""
    return _single(barabasi_albert_graph_batch(n, m, seed, threads=1))


# ------------------------------------------------------ deterministic graphs
def hkn_harary_graph_batch(k: Any, n: Any, *, threads: Optional[int] = None) -> GraphBatch:
    """Batch of Harary graphs H(k, n)."""
    return _generate(_G.hkn_harary_graph, n=n, a=k, a_name="k", needs_seed=False, threads=threads)


def hkn_harary_graph(k: int, n: int) -> Graph:
    """Harary graph with node connectivity ``k`` on ``n`` nodes and the fewest
    edges, as ``networkx.hkn_harary_graph``. ``1 <= k < n``."""
    return _single(hkn_harary_graph_batch(k, n, threads=1))


def hnm_harary_graph_batch(n: Any, m: Any, *, threads: Optional[int] = None) -> GraphBatch:
    """Batch of Harary graphs H(n, m)."""
    return _generate(_G.hnm_harary_graph, n=n, a=m, a_name="m", needs_seed=False, threads=threads)


def hnm_harary_graph(n: int, m: int) -> Graph:
    """Harary graph with ``m`` edges on ``n`` nodes and the largest node
    connectivity, as ``networkx.hnm_harary_graph``. ``n - 1 <= m <= n(n-1)/2``."""
    return _single(hnm_harary_graph_batch(n, m, threads=1))


def ring_lattice_batch(n: Any, k: Any, *, threads: Optional[int] = None) -> GraphBatch:
    """Batch of ring lattices."""
    return _generate(_G.ring_lattice, n=n, a=k, a_name="k", needs_seed=False, threads=threads)


def ring_lattice(n: int, k: int) -> Graph:
    """Regular ring lattice: each node joined to its ``k // 2`` nearest
    neighbours on each side (``networkx.watts_strogatz_graph(n, k, 0)``);
    ``k == n`` gives the complete graph. ``0 <= k <= n``."""
    return _single(ring_lattice_batch(n, k, threads=1))


def complete_graph_batch(n: Any, *, threads: Optional[int] = None) -> GraphBatch:
    """Batch of complete graphs."""
    return _generate(_G.complete_graph, n=n, needs_seed=False, threads=threads)


def complete_graph(n: int) -> Graph:
    """The complete graph on ``n`` nodes (every relational layer's dense baseline)."""
    return _single(complete_graph_batch(n, threads=1))


__all__ = [
    "DEFAULT_TRIES",
    "ws_flex", "ws_flex_batch", "connected_ws_flex", "connected_ws_flex_batch",
    "watts_strogatz_graph", "watts_strogatz_graph_batch",
    "connected_watts_strogatz_graph", "connected_watts_strogatz_graph_batch",
    "gnp_random_graph", "gnp_random_graph_batch", "erdos_renyi_graph", "erdos_renyi_graph_batch",
    "gnm_random_graph", "gnm_random_graph_batch", "dense_gnm_random_graph", "dense_gnm_random_graph_batch",
    "barabasi_albert_graph", "barabasi_albert_graph_batch",
    "hkn_harary_graph", "hkn_harary_graph_batch", "hnm_harary_graph", "hnm_harary_graph_batch",
    "ring_lattice", "ring_lattice_batch", "complete_graph", "complete_graph_batch",
]
