"""EfficientNet blocks: :class:`MBConv` and :class:`SqueezeExcite` (pycls / graph2nn
``pycls/models/efficientnet.py``, MBTalkConv).

:class:`MBConv` (mobile inverted bottleneck with squeeze-excitation), input
width ``in_w``, expansion ratio ``e``, kernel ``k``, stride ``s``::

    expand    RelationalConv 1x1 (in_w -> int(in_w * e)) -> BN -> Swish   (only if e != 1)
    dwise     depthwise Conv kxk (stride s, padding k // 2) -> BN -> Swish (dense)
    se        x * Sigmoid(Conv1x1(Swish(Conv1x1(AvgPool(x)))))            (dense, with bias)
    lin_proj  RelationalConv 1x1 (exp_w -> out_w) -> BN                    (no activation)
    skip      x + F(x) when s == 1 and in_w == out_w

The squeeze width is ``int(in_w * se_ratio)`` (at least 1). graph2nn counts
the SE convolutions' FLOPs as ``in x out + bias``: they carry
``flops_bias = True`` (:mod:`relsparse.nn.flops`).

Example
-------
>>> import torch
>>> from relsparse import graphs
>>> from relsparse.models.layers import LayerFactory
>>> block = MBConv(LayerFactory(graphs.complete_graph(16)), 16, 6, 3, 1, 16)
>>> block(torch.randn(1, 16, 8, 8)).shape
torch.Size([1, 16, 8, 8])
"""

from __future__ import annotations

import torch
from torch import nn

from .layers import LayerFactory, Swish


def expanded_width(in_w: int, exp_ratio: float) -> int:
    """Width after the expansion: ``int(in_w * exp_ratio)`` (``in_w`` when the ratio is 1)."""
    return int(in_w) if exp_ratio == 1 else int(in_w * exp_ratio)


def squeeze_width(in_w: int, se_ratio: float) -> int:
    """Squeeze-excitation width: ``int(in_w * se_ratio)``, at least 1."""
    return max(1, int(in_w * se_ratio))


class SqueezeExcite(nn.Module):
    """``x * sigmoid(W2 swish(W1 avgpool(x)))`` with dense 1x1 convs with bias."""

    def __init__(self, f: LayerFactory, channels: int, se_channels: int) -> None:
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.f_ex = nn.Sequential(
            f.conv(channels, se_channels, 1, bias=True), Swish(),
            f.conv(se_channels, channels, 1, bias=True), nn.Sigmoid(),
        )
        for conv in (self.f_ex[0], self.f_ex[2]):
            conv.flops_bias = True  # graph2nn counts in*out + out for these

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.f_ex(self.avg_pool(x))


class MBConv(nn.Module):
    """Mobile inverted bottleneck block with SE and relational 1x1 convolutions (module docstring)."""

    def __init__(
        self, f: LayerFactory, in_w: int, exp_ratio: float, kernel: int, stride: int, out_w: int, se_ratio: float = 0.25
    ) -> None:
        super().__init__()
        exp_w = expanded_width(in_w, exp_ratio)
        self.expand = None
        if exp_ratio != 1:
            self.expand = f.rconv(in_w, exp_w, 1)
            self.expand_bn = f.bn2d(exp_w)
            self.expand_swish = Swish()
        self.dwise = f.conv(exp_w, exp_w, kernel, stride=stride, padding=kernel // 2, groups=exp_w)
        self.dwise_bn = f.bn2d(exp_w)
        self.dwise_swish = Swish()
        self.se = SqueezeExcite(f, exp_w, squeeze_width(in_w, se_ratio))
        self.lin_proj = f.rconv(exp_w, out_w, 1)
        self.lin_proj_bn = f.bn2d(out_w)
        self.has_skip = stride == 1 and in_w == out_w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if self.expand is not None:
            y = self.expand_swish(self.expand_bn(self.expand(y)))
        y = self.dwise_swish(self.dwise_bn(self.dwise(y)))
        y = self.se(y)
        y = self.lin_proj_bn(self.lin_proj(y))
        return x + y if self.has_skip else y


__all__ = ["MBConv", "SqueezeExcite", "expanded_width", "squeeze_width"]
