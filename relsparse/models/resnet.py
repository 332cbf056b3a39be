"""Relational ResNets: ResNet-34, ResNet-34-sep and ResNet-50 (registry names
``"resnet34"``, ``"resnet34_sep"``, ``"resnet50"``).

Architecture (He et al., 2016, torchvision layout; graph2nn
``pycls/models/resnet.py``; blocks in :mod:`relsparse.models.resnet_blocks`)::

    stem   Conv 7x7, C->64, stride 2, pad 3 -> BN -> ReLU -> MaxPool(3, 2, 1)   (dense)
    s1..s4 stages of residual blocks, depths (3, 4, 6, 3); stride 2 on the first
           block of s2..s4; relational projection shortcut (1x1 + BN) when the
           width or resolution changes
    head   AdaptiveAvgPool -> Linear(w4, num_classes) with bias                 (dense)

=================  ======================  ================================  ======================
model              block                   base stage widths                 complete-graph FLOPs
=================  ======================  ================================  ======================
``resnet34``       basic (3x3, 3x3)        64, 128, 256, 512                 3,663,761,408
``resnet34_sep``   depthwise 3x3 + 1x1     64, 128, 256, 512                 553,614,592
``resnet50``       bottleneck (1x1 3x3 1x1) 256, 512, 1024, 2048             4,089,184,256
=================  ======================  ================================  ======================

FLOPs at 224x224, counted as graph2nn does. Every 3x3 and 1x1 convolution
of the stages is relational (including the projections, as in graph2nn);
depthwise convolutions, stem and head stay dense. Stage widths scale with
the first one keeping the base ratios; the stem stays at 64 channels, so a
matched ResNet-34 whose first stage is not 64 wide gets a projection in its
first block (graph2nn does the same), and graphs may have at most 64 nodes.

Example
-------
>>> import torch
>>> from relsparse import graphs
>>> model = resnet34(graphs.connected_ws_flex(64, 8, 0.1, seed=0), width=64, num_classes=10)
>>> model(torch.randn(1, 3, 64, 64)).shape
torch.Size([1, 10])
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Sequence

from torch import nn

from .base import RelationalModel
from .layers import scale_widths
from .resnet_blocks import TRANSFORMS, ResBlock, bottleneck_width

STEM_WIDTH = 64
DEPTHS_34_50 = (3, 4, 6, 3)
BASIC_WIDTHS = (64, 128, 256, 512)
BOTTLENECK_WIDTHS = (256, 512, 1024, 2048)


def relational_channels(width: int, transform: str = "basic", base_widths: Any = None) -> tuple:
    """Channel counts of the relational layers' inputs and outputs at first-stage width ``width``."""
    if base_widths is None:
        base_widths = BOTTLENECK_WIDTHS if transform == "bottleneck" else BASIC_WIDTHS
    widths = scale_widths(base_widths, width)
    inner = tuple(bottleneck_width(w) for w in widths) if transform == "bottleneck" else ()
    return (STEM_WIDTH,) + widths + inner


class ResNet(RelationalModel):
    """A relational ResNet (module docstring).

    Parameters
    ----------
    graph:
        Relational graph; default the complete graph on 64 nodes.
    width:
        First stage width (default: ``base_widths[0]``).
    transform:
        ``"basic"``, ``"sep"`` or ``"bottleneck"``.
    depths:
        Blocks per stage (default ``(3, 4, 6, 3)``).
    base_widths:
        Stage widths of the baseline (default 64..512, or 256..2048 for
        bottleneck blocks); ``width`` scales them.
    num_classes, input_shape, permute, init, device, dtype:
        As :class:`~relsparse.models.MLP` (defaults 1000 and ``(3, 224, 224)``).
    name:
        The ``name`` attribute (default ``"resnet"``).
    """

    name = "resnet"

    def __init__(
        self,
        graph: Any = None,
        width: Any = None,
        *,
        transform: str = "basic",
        depths: Sequence[int] = DEPTHS_34_50,
        base_widths: Any = None,
        num_classes: int = 1000,
        input_shape: Sequence[int] = (3, 224, 224),
        permute: bool = False,
        init: str = "fan_in",
        device: Any = None,
        dtype: Any = None,
        name: Any = None,
    ) -> None:
        super().__init__()
        if transform not in TRANSFORMS:
            raise ValueError(f"transform must be one of {sorted(TRANSFORMS)}, got {transform!r}")
        if base_widths is None:
            base_widths = BOTTLENECK_WIDTHS if transform == "bottleneck" else BASIC_WIDTHS
        base_widths = tuple(int(b) for b in base_widths)
        if not base_widths or min(base_widths) < 1:
            raise ValueError(f"base_widths must be positive stage widths, got {base_widths!r}")
        depths = tuple(int(d) for d in depths)
        if len(depths) != len(base_widths) or min(depths) < 1:
            raise ValueError(
                f"depths must give a positive block count for each of the {len(base_widths)} stages, got {depths!r}"
            )
        self.transform = transform
        self.depths = depths
        if name is not None:
            self.name = str(name)
        f = self._prepare(
            graph=graph, width=width, base_widths=base_widths, default_nodes=64,
            channels=lambda w: relational_channels(w, transform, base_widths),
            fixed=STEM_WIDTH, num_classes=num_classes, input_shape=input_shape, image=True, permute=permute,
            init=init, device=device, dtype=dtype,
        )
        self.add_module("stem", nn.Sequential(OrderedDict(
            conv=f.conv(self.input_shape[0], STEM_WIDTH, 7, stride=2, padding=3), bn=f.bn2d(STEM_WIDTH),
            relu=nn.ReLU(), pool=nn.MaxPool2d(3, stride=2, padding=1),
        )))
        d_in = STEM_WIDTH
        for s, (w, depth) in enumerate(zip(self.widths, depths)):
            stage = nn.Sequential()
            for b in range(depth):
                stride = 2 if (s > 0 and b == 0) else 1
                stage.add_module(f"b{b + 1}", ResBlock(f, d_in, w, stride, transform))
                d_in = w
            self.add_module(f"s{s + 1}", stage)
        self.add_module("head", nn.Sequential(OrderedDict(
            pool=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(), fc=f.linear(d_in, self.num_classes, bias=True),
        )))
        self._finish(f)


def resnet34(graph: Any = None, width: int = 64, **kwargs: Any) -> ResNet:
    """Relational ResNet-34: basic blocks (3, 4, 6, 3), widths 64..512 scaled by ``width``.

    Keyword arguments as :class:`ResNet` (``num_classes``, ``input_shape``, ``permute``, ``init``, ...).
    """
    return ResNet(graph, width, transform="basic", name="resnet34", **kwargs)


def resnet34_sep(graph: Any = None, width: int = 64, **kwargs: Any) -> ResNet:
    """Relational ResNet-34-sep: each 3x3 conv becomes depthwise 3x3 + relational 1x1."""
    return ResNet(graph, width, transform="sep", name="resnet34_sep", **kwargs)


def resnet50(graph: Any = None, width: int = 256, **kwargs: Any) -> ResNet:
    """Relational ResNet-50: bottleneck blocks (3, 4, 6, 3), widths 256..2048 scaled by ``width``."""
    return ResNet(graph, width, transform="bottleneck", name="resnet50", **kwargs)


__all__ = ["ResNet", "resnet34", "resnet34_sep", "resnet50", "relational_channels", "BASIC_WIDTHS", "BOTTLENECK_WIDTHS"]
