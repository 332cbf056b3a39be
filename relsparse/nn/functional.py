"""Functional relational layers: ``relational_linear`` and ``relational_conv2d``.

Both take the packed weight and its :class:`~relsparse.nn.layout.BlockLayout`
and pick an implementation per call:

* the **block-sparse kernels** (``torch.ops.relsparse.*``): cost proportional
  to the trainable weights, for sparse graphs;
* **masked dense math**: scatter the packed weight into a dense one and call
  ``F.linear`` / ``F.conv2d`` — faster once the graph is dense enough that
  vendor GEMM efficiency beats the saved work.

The switch is ``density >= dense_threshold(device, kind, batch)``; the thresholds
were measured with ``bench/bench_layers.py`` and are documented in
docs/layers.md. ``implementation="sparse"`` / ``"dense"`` forces one.

Example
-------
>>> import torch
>>> from relsparse import graphs
>>> from relsparse.nn import functional as RF
>>> from relsparse.nn.layout import make_layout
>>> layout = make_layout(graphs.ring_lattice(4, 2), 8, 8)
>>> w = torch.randn(layout.num_weights)
>>> RF.relational_linear(torch.randn(3, 8), w, None, layout).shape
torch.Size([3, 8])
"""

from __future__ import annotations

from typing import Literal, Optional, Sequence, Union

import torch
import torch.nn.functional as F

from . import _ops
from .layout import BlockLayout

Implementation = Literal["auto", "sparse", "dense"]

# Density at and above which masked dense math is used, per device type and
# layer kind. Measured on this project's reference machines (docs/layers.md).
DENSE_THRESHOLD = {
    ("cpu", "linear"): 0.55,
    ("cpu", "conv2d"): 0.6,
    ("cuda", "linear"): 0.35,
    ("cuda", "conv2d"): 0.35,
}


# Convolutions on CPU with a batch of fewer than SMALL_BATCH images: their
# weight gradient cannot use the batch-lane kernel (one image per SIMD lane),
# and the per-image kernels win over dense math only at lower density
# (forced sparse kernels / masked at batch 8, WS-flex(64, k, 0.1), the four
# ResNet stage shapes: 0.20-0.94 at density 0.39, 0.56-0.96 at 0.52,
# 0.73-1.27 at 0.64; at batch 32: 0.38-0.78 at 0.52, 0.55-1.02 at 0.64;
# docs/layers.md).
SMALL_BATCH = 16
SMALL_BATCH_THRESHOLD = {("cpu", "conv2d"): 0.5}


def dense_threshold(device: torch.device, kind: str, batch: Optional[int] = None) -> float:
    """Density from which ``implementation="auto"`` uses masked dense math.

    With ``batch`` (the images per call), batches smaller than
    :data:`SMALL_BATCH` use :data:`SMALL_BATCH_THRESHOLD` where one is measured.
    """
    key = (device.type, kind)
    if batch is not None and batch < SMALL_BATCH and key in SMALL_BATCH_THRESHOLD:
        return SMALL_BATCH_THRESHOLD[key]
    return DENSE_THRESHOLD.get(key, 1.01)


def _choose(layout: BlockLayout, device: torch.device, kind: str, implementation: str,
            batch: Optional[int] = None) -> bool:
    """True for the sparse kernels."""
    if implementation == "sparse":
        return True
    if implementation == "dense":
        return False
    if implementation != "auto":
        raise ValueError(f"implementation must be 'auto', 'sparse' or 'dense', got {implementation!r}")
    return layout.density < dense_threshold(device, kind, batch)


def _check_weight(weight: torch.Tensor, layout: BlockLayout, what: str) -> None:
    if weight.dim() != 1 or weight.numel() != layout.num_weights:
        raise ValueError(
            f"{what}: weight must be the packed 1-d tensor of {layout.num_weights} trainable weights, "
            f"got shape {tuple(weight.shape)}"
        )


def relational_linear(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: Optional[torch.Tensor],
    layout: BlockLayout,
    *,
    implementation: Implementation = "auto",
    layout_tensor: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """``y = x W^T + b`` with W block-sparse along the relational graph.

    ``x`` has shape ``(..., in_features)``; any strides are accepted.
    ``layout_tensor`` (the layout on x's device) saves a lookup; modules pass
    their buffer.
    """
    if layout.kernel_size:
        raise ValueError("relational_linear needs a layout built without a kernel (a linear layout)")
    _check_weight(weight, layout, "relational_linear")
    if x.dim() == 0 or x.shape[-1] != layout.in_features:
        raise ValueError(
            f"relational_linear: input must end in in_features={layout.in_features}, got shape {tuple(x.shape)}"
        )
    if _choose(layout, x.device, "linear", implementation):
        tensor = layout.tensor_on(x.device) if layout_tensor is None else layout_tensor
        return _ops.ops.linear(x, weight, bias, tensor, layout.out_features)
    return F.linear(x, layout.to_dense(weight), bias)


def _pair(value: Union[int, Sequence[int]], name: str) -> list:
    pair = [int(value), int(value)] if isinstance(value, int) else [int(v) for v in value]
    if len(pair) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return pair


def relational_conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: Optional[torch.Tensor],
    layout: BlockLayout,
    stride: Union[int, Sequence[int]] = 1,
    padding: Union[int, Sequence[int]] = 0,
    dilation: Union[int, Sequence[int]] = 1,
    *,
    implementation: Implementation = "auto",
    layout_tensor: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """2-d convolution whose channel blocks follow the relational graph.

    ``x`` has shape ``(N, in_channels, H, W)`` with any strides: the CPU
    kernels read channels_last inputs, slices and expanded gradients in
    place; a channels_last input gives a channels_last output, as
    ``F.conv2d`` does. The kernel size is the layout's.
    """
    if len(layout.kernel_size) != 2:
        raise ValueError("relational_conv2d needs a layout built with a 2-d kernel_size")
    _check_weight(weight, layout, "relational_conv2d")
    stride, padding, dilation = _pair(stride, "stride"), _pair(padding, "padding"), _pair(dilation, "dilation")
    if x.dim() != 4 or x.shape[1] != layout.in_features:
        raise ValueError(
            f"relational_conv2d: input must be (N, {layout.in_features}, H, W), got shape {tuple(x.shape)}"
        )
    if _choose(layout, x.device, "conv2d", implementation, batch=x.shape[0]):
        tensor = layout.tensor_on(x.device) if layout_tensor is None else layout_tensor
        return _ops.ops.conv2d(
            x, weight, bias, tensor, layout.out_features, list(layout.kernel_size), stride, padding, dilation,
        )
    return F.conv2d(x, layout.to_dense(weight), bias, stride, padding, dilation)


__all__ = ["relational_linear", "relational_conv2d", "dense_threshold", "DENSE_THRESHOLD", "SMALL_BATCH_THRESHOLD"]
