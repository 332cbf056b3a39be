"""Residual blocks of the relational ResNets (graph2nn ``pycls/models/resnet.py``).

A :class:`ResBlock` computes ``ReLU(shortcut(x) + F(x))``; the shortcut is
the identity, or, when the width or the resolution changes, a *relational*
1x1 projection (stride ``s``) + BN, as in graph2nn. ``F`` is one of:

``BasicTransform`` (ResNet-34)::

    a: RelationalConv 3x3 (in->out, stride s) -> BN -> ReLU
    b: RelationalConv 3x3 (out->out)          -> BN

``SepTransform`` (ResNet-34-sep, graph2nn's ChannelSepTransform)::

    a: depthwise Conv 3x3 (in, stride s) -> RelationalConv 1x1 (in->out)   -> BN -> ReLU
    b: depthwise Conv 3x3 (out)          -> RelationalConv 1x1 (out->out)  -> BN

``BottleneckTransform`` (ResNet-50; inner width ``round(out / 4)``, stride on the 3x3)::

    a: RelationalConv 1x1 (in->inner)         -> BN -> ReLU
    b: RelationalConv 3x3 (inner, stride s)   -> BN -> ReLU
    c: RelationalConv 1x1 (inner->out)        -> BN

Example
-------
>>> import torch
>>> from relsparse import graphs
>>> from relsparse.models.layers import LayerFactory
>>> block = ResBlock(LayerFactory(graphs.complete_graph(8)), 16, 32, 2, "basic")
>>> block(torch.randn(1, 16, 8, 8)).shape
torch.Size([1, 32, 4, 4])
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from .layers import LayerFactory


def bottleneck_width(out_width: int) -> int:
    """Inner width of a bottleneck block: ``round(out / 4)`` (Python rounding), at least 1."""
    return max(1, int(round(out_width / 4)))


class BasicTransform(nn.Sequential):
    """3x3, 3x3 (module docstring)."""

    def __init__(self, f: LayerFactory, dim_in: int, dim_out: int, stride: int) -> None:
        super().__init__(OrderedDict(
            a=f.rconv(dim_in, dim_out, 3, stride=stride, padding=1), a_bn=f.bn2d(dim_out), a_relu=nn.ReLU(),
            b=f.rconv(dim_out, dim_out, 3, padding=1), b_bn=f.bn2d(dim_out),
        ))


class SepTransform(nn.Sequential):
    """Depthwise 3x3 + relational 1x1, twice (module docstring)."""

    def __init__(self, f: LayerFactory, dim_in: int, dim_out: int, stride: int) -> None:
        super().__init__(OrderedDict(
            a_3x3=f.conv(dim_in, dim_in, 3, stride=stride, padding=1, groups=dim_in),
            a_1x1=f.rconv(dim_in, dim_out, 1), a_1x1_bn=f.bn2d(dim_out), a_relu=nn.ReLU(),
            b_3x3=f.conv(dim_out, dim_out, 3, padding=1, groups=dim_out),
            b_1x1=f.rconv(dim_out, dim_out, 1), b_1x1_bn=f.bn2d(dim_out),
        ))


class BottleneckTransform(nn.Sequential):
    """1x1, 3x3 (stride), 1x1 (module docstring)."""

    def __init__(self, f: LayerFactory, dim_in: int, dim_out: int, stride: int) -> None:
        inner = bottleneck_width(dim_out)
        super().__init__(OrderedDict(
            a=f.rconv(dim_in, inner, 1), a_bn=f.bn2d(inner), a_relu=nn.ReLU(),
            b=f.rconv(inner, inner, 3, stride=stride, padding=1), b_bn=f.bn2d(inner), b_relu=nn.ReLU(),
            c=f.rconv(inner, dim_out, 1), c_bn=f.bn2d(dim_out),
        ))


TRANSFORMS = {"basic": BasicTransform, "sep": SepTransform, "bottleneck": BottleneckTransform}


class ResBlock(nn.Module):
    """``ReLU(shortcut(x) + F(x))`` with ``F`` one of :data:`TRANSFORMS` (module docstring)."""

    def __init__(self, f: LayerFactory, dim_in: int, dim_out: int, stride: int, transform: str) -> None:
        super().__init__()
        if transform not in TRANSFORMS:
            raise ValueError(f"transform must be one of {sorted(TRANSFORMS)}, got {transform!r}")
        self.proj_block = dim_in != dim_out or stride != 1
        if self.proj_block:
            self.proj = f.rconv(dim_in, dim_out, 1, stride=stride)
            self.bn = f.bn2d(dim_out)
        self.f = TRANSFORMS[transform](f, dim_in, dim_out, stride)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = self.bn(self.proj(x)) if self.proj_block else x
        return self.act(shortcut + self.f(x))


__all__ = ["ResBlock", "BasicTransform", "SepTransform", "BottleneckTransform", "TRANSFORMS", "bottleneck_width"]
