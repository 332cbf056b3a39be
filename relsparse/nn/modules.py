"""Relational layers as ``torch.nn`` modules: RelationalLinear, RelationalConv2d.

A relational layer (You et al., 2020, §2) splits its input and output
channels over the nodes of a relational graph; output node ``i`` reads input
node ``j`` only if ``{i, j}`` is an edge or ``i == j``. Only those blocks are
stored (see :mod:`relsparse.nn.layout`), so ``parameters()`` — and with them
optimizers, weight decay and memory — see the real number of weights.

The graph and the channel partition are buffers of the module
(``graph_num_nodes``, ``graph_edges``, ``in_sizes``, ``out_sizes``): a
``state_dict`` is self-contained, and loading one into a layer built with
another graph of the same widths adopts the checkpoint's graph.

Initialisation (``init=``):

* ``"fan_in"`` (default): as ``nn.Linear`` / ``nn.Conv2d`` (uniform in
  ``±1/sqrt(fan_in)`` for weight and bias), with each output channel's
  *real* fan-in: ``K_i x kernel``, the inputs of its node's neighbourhood.
* ``"graph2nn"``: the original code's: linear weights ``N(0, 0.01)``; conv
  weights ``N(0, sqrt(2 / (kh kw out_channels density)))``; bias zero.

Example
-------
>>> import torch
>>> from relsparse import graphs
>>> from relsparse.nn import RelationalLinear
>>> layer = RelationalLinear(512, 512, graphs.connected_ws_flex(64, 8, 0.1, seed=0))
>>> layer(torch.randn(4, 512)).shape
torch.Size([4, 512])
>>> layer.weight.numel() < 512 * 512
True
"""

from __future__ import annotations

import math
from typing import Any, Literal, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from ..graph import Graph
from . import functional as RF
from .layout import BlockLayout, make_layout

Init = Literal["fan_in", "graph2nn"]


def _pair(value: Union[int, Sequence[int]], name: str) -> tuple:
    pair = (int(value), int(value)) if isinstance(value, int) else tuple(int(v) for v in value)
    if len(pair) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return pair


class _RelationalLayer(nn.Module):
    """Shared state of relational layers: graph, partition, packed weight."""

    _kind = ""

    def _build(
        self,
        in_features: int,
        out_features: int,
        graph: Any,
        kernel_size: tuple,
        bias: bool,
        permute: bool,
        init: Init,
        implementation: str,
        device: Any,
        dtype: Any,
    ) -> None:
        for name, value in (("in_" + self._width_name, in_features), ("out_" + self._width_name, out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if init not in ("fan_in", "graph2nn"):
            raise ValueError(f"init must be 'fan_in' or 'graph2nn', got {init!r}")
        if implementation not in ("auto", "sparse", "dense"):
            raise ValueError(f"implementation must be 'auto', 'sparse' or 'dense', got {implementation!r}")
        try:
            layout = make_layout(graph, int(in_features), int(out_features), kernel_size, permute=permute)
        except ValueError as exc:
            raise ValueError(f"{type(self).__name__}: {exc}") from None
        self.init = init
        self.implementation = implementation
        self.permute = permute
        factory = {"device": device, "dtype": dtype}
        self.weight = nn.Parameter(torch.empty(layout.num_weights, **factory))
        self.bias = nn.Parameter(torch.empty(int(out_features), **factory)) if bias else None
        self._adopt(layout)
        self.reset_parameters()

    _width_name = "features"

    def _adopt(self, layout: BlockLayout) -> None:
        """Makes `layout` the layer's structure (buffers included)."""
        self.layout = layout
        device = self.weight.device
        edges = torch.from_numpy(layout.graph.edges.astype(np.int64))
        self.register_buffer("graph_num_nodes", torch.tensor(layout.num_nodes, dtype=torch.int64, device=device))
        self.register_buffer("graph_edges", edges.to(device))
        self.register_buffer("in_sizes", torch.from_numpy(np.asarray(layout.in_sizes)).to(device))
        self.register_buffer("out_sizes", torch.from_numpy(np.asarray(layout.out_sizes)).to(device))
        self.register_buffer("layout_tensor", layout.tensor.to(device), persistent=False)

    # ------------------------------------------------------------ weights
    def reset_parameters(self, generator: Optional[torch.Generator] = None) -> None:
        """Re-draws weight and bias (see the module docstring), optionally from ``generator``."""
        layout = self.layout
        if self.weight.is_meta:
            return  # shape-only layers (FLOPs counting, width search) hold no values to draw
        with torch.no_grad():
            if self.init == "graph2nn":
                if layout.kernel_size:
                    kh, kw = layout.kernel_size
                    std = math.sqrt(2.0 / (kh * kw * layout.out_features * layout.density))
                else:
                    std = 0.01
                self.weight.normal_(0.0, std, generator=generator)
                if self.bias is not None:
                    self.bias.zero_()
                return
            fan_in = torch.from_numpy(layout.fan_in().astype(np.float64))
            row_len = np.repeat(layout._structure["row_k"] * layout.kernel_elems, np.asarray(layout.out_sizes))
            bound = (1.0 / fan_in.sqrt()).repeat_interleave(torch.from_numpy(row_len))
            self.weight.uniform_(-1.0, 1.0, generator=generator)
            self.weight.mul_(bound.to(self.weight))
            if self.bias is not None:
                b = (1.0 / fan_in.sqrt()).to(self.bias)
                self.bias.uniform_(-1.0, 1.0, generator=generator).mul_(b)

    def to_dense(self) -> torch.Tensor:
        """The dense weight (zeros outside the graph's blocks), differentiable;
        a new tensor, never a view of ``weight``."""
        dense = self.layout.to_dense(self.weight)
        return dense.clone() if self.layout.packed_is_dense else dense

    def mask(self) -> torch.Tensor:
        """Boolean mask of the dense weight's trainable entries."""
        return self.layout.mask().to(self.weight.device)

    def load_dense_(self, dense: torch.Tensor) -> "_RelationalLayer":
        """Copies the trainable entries of a dense weight in place (the rest is ignored)."""
        with torch.no_grad():
            self.weight.copy_(self.layout.from_dense(dense.to(self.weight)))
        return self

    # --------------------------------------------------------- state dict
    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        keys = [prefix + k for k in ("graph_num_nodes", "graph_edges", "in_sizes", "out_sizes")]
        if all(k in state_dict for k in keys):
            try:
                layout = self._layout_from_state(*(state_dict[k] for k in keys))
            except (ValueError, TypeError) as exc:
                error_msgs.append(f"{type(self).__name__} ({prefix or 'root'}): {exc}")
                return
            if layout is not None:
                with torch.no_grad():
                    self.weight = nn.Parameter(self.weight.new_empty(layout.num_weights))
                self._adopt(layout)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)

    def _layout_from_state(self, num_nodes, edges, in_sizes, out_sizes) -> Optional[BlockLayout]:
        """The checkpoint's layout if it differs from ours (None if equal)."""
        n = int(num_nodes)
        edges = np.asarray(edges.cpu(), dtype=np.int64).reshape(-1, 2)
        in_sizes = np.asarray(in_sizes.cpu(), dtype=np.int64)
        out_sizes = np.asarray(out_sizes.cpu(), dtype=np.int64)
        ours = self.layout
        if int(in_sizes.sum()) != ours.in_features or int(out_sizes.sum()) != ours.out_features:
            raise ValueError(
                f"checkpoint maps {int(in_sizes.sum())} -> {int(out_sizes.sum())} {self._width_name}, "
                f"this layer {ours.in_features} -> {ours.out_features}"
            )
        if (
            n == ours.num_nodes
            and np.array_equal(edges, ours.graph.edges)
            and np.array_equal(in_sizes, ours.in_sizes)
            and np.array_equal(out_sizes, ours.out_sizes)
        ):
            return None
        graph = Graph(n, edges)
        return BlockLayout(graph, in_sizes, out_sizes, ours.kernel_size)

    # ------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        layout = self.layout
        return (
            f"in_{self._width_name}={layout.in_features}, out_{self._width_name}={layout.out_features}"
            f"{self._geometry_repr()}, nodes={layout.num_nodes}, edges={layout.graph.num_edges}, "
            f"density={layout.density:.3f}, bias={self.bias is not None}"
            + ("" if self.implementation == "auto" else f", implementation={self.implementation!r}")
        )

    def _geometry_repr(self) -> str:
        return ""

    @property
    def graph(self) -> Graph:
        return self.layout.graph

    @property
    def density(self) -> float:
        """Fraction of the dense weight that is trainable."""
        return self.layout.density


class RelationalLinear(_RelationalLayer):
    """A linear layer whose weight blocks follow a relational graph.

    Parameters
    ----------
    in_features, out_features:
        Widths; each must be at least the graph's node count.
    graph:
        relsparse :class:`~relsparse.Graph` or networkx graph (self-loops are implicit).
    bias:
        Learn an additive bias (default True).
    permute:
        Give the extra channels to nodes in graph2nn's shuffled order.
    init:
        ``"fan_in"`` or ``"graph2nn"`` (module docstring).
    implementation:
        ``"auto"`` (sparse kernels or masked dense math by density), ``"sparse"``, ``"dense"``.
    """

    _kind = "linear"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        graph: Any,
        bias: bool = True,
        *,
        permute: bool = False,
        init: Init = "fan_in",
        implementation: str = "auto",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self._build(in_features, out_features, graph, (), bias, permute, init, implementation, device, dtype)

    @property
    def in_features(self) -> int:
        return self.layout.in_features

    @property
    def out_features(self) -> int:
        return self.layout.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return RF.relational_linear(
            x, self.weight, self.bias, self.layout, implementation=self.implementation, layout_tensor=self.layout_tensor
        )

    @classmethod
    def from_dense(cls, dense: torch.Tensor, graph: Any, bias: Optional[torch.Tensor] = None, **kwargs: Any) -> "RelationalLinear":
        """A layer holding the graph's blocks of a dense ``(out, in)`` weight."""
        if dense.dim() != 2:
            raise ValueError(f"dense weight must be 2-d (out_features, in_features), got shape {tuple(dense.shape)}")
        layer = cls(dense.shape[1], dense.shape[0], graph, bias is not None, device=dense.device, dtype=dense.dtype, **kwargs)
        layer.load_dense_(dense)
        if bias is not None:
            with torch.no_grad():
                layer.bias.copy_(bias)
        return layer


class RelationalConv2d(_RelationalLayer):
    """A 2-d convolution whose channel blocks follow a relational graph.

    With a graph of self-loops only it is ``nn.Conv2d(groups=n)`` (equal
    groups), with the complete graph a dense ``nn.Conv2d``. Parameters as
    :class:`RelationalLinear`, plus ``kernel_size``, ``stride``, ``padding``,
    ``dilation`` as in ``nn.Conv2d`` (zero padding).
    """

    _kind = "conv2d"
    _width_name = "channels"

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Union[int, Sequence[int]],
        graph: Any,
        stride: Union[int, Sequence[int]] = 1,
        padding: Union[int, Sequence[int]] = 0,
        dilation: Union[int, Sequence[int]] = 1,
        bias: bool = True,
        *,
        permute: bool = False,
        init: Init = "fan_in",
        implementation: str = "auto",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(stride, "stride")
        self.padding = _pair(padding, "padding")
        self.dilation = _pair(dilation, "dilation")
        if min(self.kernel_size) < 1 or min(self.stride) < 1 or min(self.dilation) < 1 or min(self.padding) < 0:
            raise ValueError(
                f"kernel_size, stride and dilation must be >= 1 and padding >= 0; got kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}"
            )
        self._build(in_channels, out_channels, graph, self.kernel_size, bias, permute, init, implementation, device, dtype)

    @property
    def in_channels(self) -> int:
        return self.layout.in_features

    @property
    def out_channels(self) -> int:
        return self.layout.out_features

    def _geometry_repr(self) -> str:
        return f", kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, dilation={self.dilation}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return RF.relational_conv2d(
            x, self.weight, self.bias, self.layout, self.stride, self.padding, self.dilation,
            implementation=self.implementation, layout_tensor=self.layout_tensor,
        )

    @classmethod
    def from_dense(
        cls, dense: torch.Tensor, graph: Any, bias: Optional[torch.Tensor] = None, **kwargs: Any
    ) -> "RelationalConv2d":
        """A layer holding the graph's blocks of a dense ``(out, in, kh, kw)`` weight."""
        if dense.dim() != 4:
            raise ValueError(f"dense weight must be 4-d (out, in, kh, kw), got shape {tuple(dense.shape)}")
        layer = cls(dense.shape[1], dense.shape[0], tuple(dense.shape[2:]), graph, bias=bias is not None,
                    device=dense.device, dtype=dense.dtype, **kwargs)
        layer.load_dense_(dense)
        if bias is not None:
            with torch.no_grad():
                layer.bias.copy_(bias)
        return layer


__all__ = ["RelationalLinear", "RelationalConv2d"]
