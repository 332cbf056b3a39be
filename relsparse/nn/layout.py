"""The packed weight layout of a relational layer.

A relational layer maps ``in_features`` (split over the graph's ``n`` nodes
as ``a_0..a_{n-1}`` channels) to ``out_features`` (``b_0..b_{n-1}``). Block
``(i, j)`` of the dense weight (``b_i x a_j``, times the kernel for a conv)
is trainable iff ``j`` is in the closed neighbourhood ``N[i]`` (the edges of
the graph plus a self-loop at every node); all other blocks are zero and are
**not stored**.

Packed layout: for every output node ``i`` in order, the dense row block
``W_i`` of shape ``(b_i, K_i, *kernel)`` with ``K_i = sum of a_j over j in
N[i]`` (neighbours in ascending order), flattened row-major and
concatenated. So the parameter is one flat tensor of exactly the trainable
weights, and ``W_i`` is what a dense layer restricted to ``N[i]``'s input
channels would hold. ``BlockLayout.to_dense`` / ``from_dense`` convert.

The C++/CUDA kernels read the layout from one int64 tensor
(``BlockLayout.tensor``)::

    [magic, n, kernel_elems, num_blocks,
     in_ptr (n+1), out_ptr (n+1), nbr_ptr (n+1), nbr_idx (B), col_off (B),
     row_k (n), w_ptr (n+1), t_ptr (n+1), t_block (B)]

``nbr_ptr/nbr_idx``: closed neighbourhoods in CSR; ``col_off[b]``: first
input channel of block ``b`` inside its row block; ``w_ptr``: start of each
row block in the packed weight; ``t_ptr/t_block``: for each *input* node
``j``, the blocks ``(i, j)`` that read it (for the input gradient).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Optional, Sequence

import numpy as np
import torch

from ..graph import Graph, as_relational_graph
from .partition import offsets

LAYOUT_MAGIC = 0x52534C31  # "RSL1"


@dataclasses.dataclass(frozen=True, eq=False)
class BlockLayout:
    """Block structure of one relational layer (see the module docstring)."""

    graph: Graph
    in_sizes: np.ndarray
    out_sizes: np.ndarray
    kernel_size: tuple = ()

    def __post_init__(self) -> None:
        n = self.graph.num_nodes
        for name, sizes in (("in_sizes", self.in_sizes), ("out_sizes", self.out_sizes)):
            if len(sizes) != n:
                raise ValueError(f"{name} has {len(sizes)} entries but the graph has {n} nodes")
            if np.any(np.asarray(sizes) < 1):
                raise ValueError(f"{name} must give every node at least one channel")
        # Sizes as plain Python numbers, computed once: forward passes read
        # them, and torch.compile must see constants, not numpy calls.
        object.__setattr__(self, "in_features", int(np.sum(self.in_sizes)))
        object.__setattr__(self, "out_features", int(np.sum(self.out_sizes)))
        object.__setattr__(self, "kernel_elems", int(np.prod(self.kernel_size)) if self.kernel_size else 1)
        object.__setattr__(self, "num_weights", int(self._structure["w_ptr"][-1]))
        object.__setattr__(
            self, "density", self.num_weights / (self.in_features * self.out_features * self.kernel_elems)
        )

    # ------------------------------------------------------------- sizes
    @property
    def num_nodes(self) -> int:
        return self.graph.num_nodes

    # Set in __post_init__ (plain Python numbers):
    #   in_features, out_features   total channels
    #   kernel_elems                product of kernel_size (1 for linear)
    #   num_weights                 trainable weights = packed parameter length
    #   density                     fraction of the dense weight that is trainable

    @functools.cached_property
    def _structure(self) -> dict:
        n = self.num_nodes
        edges = self.graph.edges.astype(np.int64)
        src = np.concatenate([edges[:, 0], edges[:, 1], np.arange(n)])
        dst = np.concatenate([edges[:, 1], edges[:, 0], np.arange(n)])
        order = np.lexsort((dst, src))
        rows, cols = src[order], dst[order]  # block b = (rows[b], cols[b]), sorted
        nbr_ptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int64)
        in_sizes = np.asarray(self.in_sizes, dtype=np.int64)
        out_sizes = np.asarray(self.out_sizes, dtype=np.int64)
        widths = in_sizes[cols]
        csum = np.concatenate([[0], np.cumsum(widths)])
        col_off = csum[:-1] - csum[nbr_ptr[rows]]
        row_k = csum[nbr_ptr[1:]] - csum[nbr_ptr[:-1]]
        kk = int(np.prod(self.kernel_size)) if self.kernel_size else 1
        w_ptr = offsets(out_sizes * row_k * kk)
        t_order = np.lexsort((rows, cols))  # blocks grouped by input node j
        t_ptr = np.searchsorted(cols[t_order], np.arange(n + 1)).astype(np.int64)
        return dict(
            in_ptr=offsets(in_sizes), out_ptr=offsets(out_sizes), nbr_ptr=nbr_ptr, nbr_idx=cols,
            block_row=rows, col_off=col_off, row_k=row_k, w_ptr=w_ptr, t_ptr=t_ptr, t_block=t_order.astype(np.int64),
        )

    @property
    def num_blocks(self) -> int:
        return len(self._structure["nbr_idx"])


    @functools.cached_property
    def tensor(self) -> torch.Tensor:
        """The int64 description the kernels read (on CPU; see :meth:`tensor_on`)."""
        s = self._structure
        n, kk, nb = self.num_nodes, self.kernel_elems, self.num_blocks
        parts = [
            np.array([LAYOUT_MAGIC, n, kk, nb], dtype=np.int64),
            s["in_ptr"], s["out_ptr"], s["nbr_ptr"], s["nbr_idx"], s["col_off"],
            s["row_k"], s["w_ptr"], s["t_ptr"], s["t_block"],
        ]
        return torch.from_numpy(np.concatenate(parts).astype(np.int64))

    def tensor_on(self, device: torch.device) -> torch.Tensor:
        """:attr:`tensor` on ``device``, copied once per device and cached."""
        if device.type == "cpu":
            return self.tensor
        cache = self.__dict__.setdefault("_device_tensors", {})
        key = str(device)
        if key not in cache:
            cache[key] = self.tensor.to(device)
        return cache[key]

    # ------------------------------------------------------ dense views
    @functools.cached_property
    def dense_index(self) -> torch.Tensor:
        """For every dense weight entry (out, in, *kernel), its packed index, or
        ``num_weights`` where the entry is masked (int64, dense shape)."""
        s = self._structure
        kk = self.kernel_elems
        out_f, in_f = self.out_features, self.in_features
        index = np.full((out_f, in_f * kk), self.num_weights, dtype=np.int64)
        for b in range(self.num_blocks):
            i, j = s["block_row"][b], s["nbr_idx"][b]
            o0, o1 = s["out_ptr"][i], s["out_ptr"][i + 1]
            c0, c1 = s["in_ptr"][j] * kk, s["in_ptr"][j + 1] * kk
            width = s["row_k"][i] * kk
            first = s["w_ptr"][i] + s["col_off"][b] * kk
            rows = np.arange(o1 - o0)[:, None] * width
            index[o0:o1, c0:c1] = first + rows + np.arange(c1 - c0)[None, :]
        return torch.from_numpy(index.reshape((out_f, in_f) + tuple(self.kernel_size)))

    def dense_shape(self) -> tuple:
        return (self.out_features, self.in_features) + tuple(self.kernel_size)

    def mask(self) -> torch.Tensor:
        """Boolean dense mask: True where the weight is trainable."""
        return self.dense_index != self.num_weights

    @functools.cached_property
    def packed_positions(self) -> torch.Tensor:
        """Flat dense position of every packed weight (int64, length num_weights)."""
        flat = self.dense_index.reshape(-1)
        positions = torch.empty(self.num_weights, dtype=torch.int64)
        keep = flat != self.num_weights
        positions[flat[keep]] = torch.nonzero(keep).reshape(-1)
        return positions

    @functools.cached_property
    def packed_is_dense(self) -> bool:
        """Whether the packed weight is the dense one, flattened in order (no
        masked block: the complete graph, or one node)."""
        dense_size = self.out_features * self.in_features * self.kernel_elems
        return self.num_weights == dense_size and torch.equal(self.packed_positions, torch.arange(dense_size))

    def to_dense(self, weight: torch.Tensor) -> torch.Tensor:
        """Dense weight with zeros in masked blocks (differentiable: the
        gradient flows back to the packed weight by an index_select). Where
        nothing is masked, a view of the packed weight (not a copy): the
        complete graph then costs what a plain dense layer does."""
        if self.packed_is_dense:
            return weight.view(self.dense_shape())
        cache = self.__dict__.setdefault("_positions_on", {})
        key = str(weight.device)
        if key not in cache:
            cache[key] = self.packed_positions.to(weight.device)
        dense = weight.new_zeros(self.out_features * self.in_features * self.kernel_elems)
        return dense.index_copy(0, cache[key], weight).view(self.dense_shape())

    def from_dense(self, dense: torch.Tensor) -> torch.Tensor:
        """Packed weight from a dense one (masked entries are ignored)."""
        if tuple(dense.shape) != self.dense_shape():
            raise ValueError(f"dense weight must have shape {self.dense_shape()}, got {tuple(dense.shape)}")
        flat_index = self.dense_index.reshape(-1)
        keep = flat_index != self.num_weights
        packed = dense.new_empty(self.num_weights)
        packed[flat_index[keep].to(dense.device)] = dense.reshape(-1)[keep.to(dense.device)]
        return packed

    def fan_in(self) -> np.ndarray:
        """Inputs feeding each output channel: ``K_i * kernel`` for the channels of node i."""
        s = self._structure
        return np.repeat(s["row_k"] * self.kernel_elems, np.asarray(self.out_sizes, dtype=np.int64))


def make_layout(
    graph: Any,
    in_features: int,
    out_features: int,
    kernel_size: Sequence[int] = (),
    *,
    in_sizes: Optional[np.ndarray] = None,
    out_sizes: Optional[np.ndarray] = None,
    permute: bool = False,
) -> BlockLayout:
    """Layout of a relational layer from its graph and widths (channels split by :func:`split_channels`)."""
    from .partition import split_channels

    g = as_relational_graph(graph)
    if g.num_nodes < 1:
        raise ValueError("the relational graph has no nodes")
    if in_sizes is None:
        in_sizes = split_channels(in_features, g.num_nodes, permute=permute)
    if out_sizes is None:
        out_sizes = split_channels(out_features, g.num_nodes, permute=permute)
    return BlockLayout(g, np.asarray(in_sizes, np.int64), np.asarray(out_sizes, np.int64), tuple(int(k) for k in kernel_size))


__all__ = ["BlockLayout", "make_layout", "LAYOUT_MAGIC"]
