"""DAGs from relational graphs, and input -> output path statistics.

:func:`to_dag` follows RandWire (Xie et al., 2019, §3.2): orient every edge
from the lower to the higher node id, then add a unique **input** node (id
``n``) feeding every source and a unique **output** node (id ``n + 1``) fed
by every sink; an isolated node is both.

:func:`path_statistics` gives the path features of "Understanding the
connectivity of neural networks under a resource trade-off" (Table 2), for
the paths from a source node to a target node of any DAG:

* ``num_paths``: number of distinct paths (exact while it fits in 64 bits);
* ``log_paths``: its natural logarithm, always (no overflow: counts are
  combined in log space);
* ``mean_path``: mean length, in edges, over all those paths;
* ``max_path``: length of the longest one.

Lengths count every edge of the DAG, so in a :func:`to_dag` graph the edges
from the input node and to the output node are included (a path through
``k`` original nodes has length ``k + 1``).

:func:`prune` removes the nodes that lie on no source -> target path (the
"dead paths" of thresholded networks).

Example
-------
>>> from relsparse import Graph, dag
>>> d, source, target = dag.to_dag(Graph(3, [(0, 1), (1, 2), (0, 2)]))
>>> stats = dag.path_statistics(d, source, target)
>>> stats["num_paths"], stats["max_path"]
(2, 4)
"""

from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np

from . import _args, _native, _threads
from .graph import DiGraph, DiGraphBatch, GraphBatch, as_batch


def to_dag(G: Any, *, threads: Optional[int] = None) -> Any:
    """Orients an undirected graph into a DAG with one input and one output node.

    Returns ``(dag, input, output)`` for one graph, where ``input == n`` and
    ``output == n + 1``; for a batch, ``(DiGraphBatch, inputs, outputs)`` with
    int64 arrays.
    """
    batch, single = as_batch(G)
    nn, ptr, edges = _native.graph.orient(batch.num_nodes, batch.edge_ptr, batch.edges, _threads.resolve(threads))
    dags = DiGraphBatch._trusted(nn, ptr, edges)
    inputs, outputs = batch.num_nodes.copy(), batch.num_nodes + 1
    if single:
        return dags[0], int(inputs[0]), int(outputs[0])
    return dags, inputs, outputs


def _endpoints(batch: GraphBatch, source: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    s = _args.integer_array(source, "source")
    t = _args.integer_array(target, "target")
    try:
        s = np.broadcast_to(s, (len(batch),)).copy()
        t = np.broadcast_to(t, (len(batch),)).copy()
    except ValueError as exc:
        raise ValueError(f"source and target need one entry per DAG ({len(batch)}) or a single value") from exc
    return s, t


def path_statistics(
    dag: Union[DiGraph, DiGraphBatch, Any], source: Any, target: Any, *, threads: Optional[int] = None
) -> dict:
    """Counts and lengths of the ``source -> target`` paths of a DAG.

    Returns a dict with ``num_paths`` (int, or ``None`` when the count needs
    more than 64 bits), ``log_paths`` (float, ``-inf`` if there is no path),
    ``mean_path`` (float, NaN if none) and ``max_path`` (int, -1 if none).
    For a batch, arrays: ``num_paths`` is uint64 with 0 where
    ``num_paths_exact`` is False.

    Raises :class:`~relsparse.errors.NotADagError` on a cycle or an
    out-of-range source/target.
    """
    batch, single = as_batch(dag, directed=True, name="dag")
    s, t = _endpoints(batch, source, target)
    out = dict(
        _native.graph.path_stats(batch.num_nodes, batch.edge_ptr, batch.edges, s, t, _threads.resolve(threads))
    )
    exact = out.pop("exact")
    if single:
        return {
            "num_paths": int(out["num_paths"][0]) if exact[0] else None,
            "log_paths": float(out["log_paths"][0]),
            "mean_path": float(out["mean_path"][0]),
            "max_path": int(out["max_path"][0]),
        }
    out["num_paths_exact"] = exact
    return out


def path_statistics_of_graphs(G: Any, *, threads: Optional[int] = None) -> dict:
    """:func:`path_statistics` of :func:`to_dag` (input -> output), for graphs or a batch."""
    dags, inputs, outputs = to_dag(G, threads=threads)
    return path_statistics(dags, inputs, outputs, threads=threads)


def prune(dag: Any, source: Any, target: Any, *, threads: Optional[int] = None) -> Any:
    """Removes the nodes that lie on no ``source -> target`` path.

    Kept nodes are renumbered ``0..`` in their old order. Returns
    ``(pruned, kept)`` where ``kept`` is a boolean mask over the old nodes
    (flat over the batch, aligned with ``batch.node_ptr``).
    """
    batch, single = as_batch(dag, directed=True, name="dag")
    s, t = _endpoints(batch, source, target)
    nn, ptr, edges, kept = _native.graph.prune(
        batch.num_nodes, batch.edge_ptr, batch.edges, s, t, _threads.resolve(threads)
    )
    pruned = DiGraphBatch._trusted(nn, ptr, edges)
    return (pruned[0], kept) if single else (pruned, kept)


__all__ = ["to_dag", "path_statistics", "path_statistics_of_graphs", "prune"]
