"""How a layer's channels are split over the nodes of a relational graph.

A width-``m`` layer over an ``n``-node graph gives ``m mod n`` nodes
``floor(m / n) + 1`` channels and the others ``floor(m / n)`` (paper §2.3).
Node ``i`` owns a contiguous channel range, nodes in order. By default the
first ``m mod n`` nodes get the extra channel; ``permute=True`` reproduces
graph2nn, which shuffles the sizes with ``numpy.random.RandomState(1)``.

Example
-------
>>> split_channels(9, 4).tolist()
[3, 2, 2, 2]
"""

from __future__ import annotations

import numpy as np


def split_channels(width: int, num_nodes: int, *, permute: bool = False) -> np.ndarray:
    """Channels per node (int64 array of length ``num_nodes``, summing to ``width``).

    Raises ``ValueError`` if ``width < num_nodes``: every node needs a channel.
    """
    width, num_nodes = int(width), int(num_nodes)
    if num_nodes < 1:
        raise ValueError(f"a relational graph needs at least one node, got {num_nodes}")
    if width < num_nodes:
        raise ValueError(
            f"width {width} is smaller than the graph's {num_nodes} nodes: every node needs at "
            f"least one channel (use a graph with at most {width} nodes or a wider layer)"
        )
    sizes = np.full(num_nodes, width // num_nodes, dtype=np.int64)
    sizes[: width % num_nodes] += 1
    if permute:
        # graph2nn's compute_size: np.random.seed(1); np.random.permutation(sizes),
        # drawn here from a private RandomState so global state is untouched.
        sizes = sizes[np.random.RandomState(1).permutation(num_nodes)]
    return sizes


def offsets(sizes: np.ndarray) -> np.ndarray:
    """Start of each node's channel range, plus the total (length n + 1)."""
    out = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=out[1:])
    return out


__all__ = ["split_channels", "offsets"]
