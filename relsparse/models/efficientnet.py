"""Relational EfficientNet-B0 (registry name ``"efficientnet_b0"``).

Architecture (Tan & Le, 2019, as implemented in pycls and graph2nn
``pycls/models/efficientnet.py``; blocks in
:mod:`relsparse.models.efficientnet_blocks`)::

    stem   Conv 3x3, C->32, stride 2, pad 1 -> BN -> Swish                       (dense)
    s1..s7 stages of MBConv blocks (depth, width, expansion, stride, kernel):
             (1, 16, 1, 1, 3)  (2, 24, 6, 2, 3)  (2, 40, 6, 2, 5)  (3, 80, 6, 2, 3)
             (3, 112, 6, 1, 5) (4, 192, 6, 2, 5) (1, 320, 6, 1, 3)
           stride and input width apply to a stage's first block
    head   Conv 1x1 (w7 -> 1280) -> BN -> Swish -> AvgPool -> Linear(1280, classes)   (dense)

The expansion and projection 1x1 convolutions are relational; stem,
depthwise, squeeze-excitation and head stay dense. Stage widths scale with
the first one (16 in the baseline) keeping the base ratios; expansion
widths follow as ``int(in_w * 6)``. The default graph has 16 nodes (the
narrowest relational layer has 16 channels; the paper re-sampled 16-node
graphs for this model). Complete graph at 224x224: 385,824,092
multiply-adds (SE convolutions counted with their bias, as graph2nn does).

Not included: dropout before the classifier and drop-connect (training
regularisers of pycls' configurations; they change no shape or FLOPs).

Example
-------
>>> import torch
>>> from relsparse import graphs
>>> model = efficientnet_b0(graphs.connected_ws_flex(16, 4, 0.2, seed=0), width=20, num_classes=10)
>>> model.widths
(20, 30, 50, 100, 140, 240, 400)
>>> model(torch.randn(1, 3, 64, 64)).shape
torch.Size([1, 10])
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Sequence

from torch import nn

from .base import RelationalModel
from .efficientnet_blocks import MBConv, expanded_width
from .layers import Swish, scale_widths

# (depth, width, expansion ratio, stride, kernel) per stage
B0_STAGES = ((1, 16, 1, 1, 3), (2, 24, 6, 2, 3), (2, 40, 6, 2, 5), (3, 80, 6, 2, 3),
             (3, 112, 6, 1, 5), (4, 192, 6, 2, 5), (1, 320, 6, 1, 3))
BASE_WIDTHS = tuple(s[1] for s in B0_STAGES)
STEM_WIDTH = 32
HEAD_WIDTH = 1280
SE_RATIO = 0.25
DEFAULT_NODES = 16


def relational_channels(width: int, stages: Sequence[tuple] = B0_STAGES, stem_width: int = STEM_WIDTH) -> tuple:
    """Channel counts of the relational layers' inputs and outputs at first-stage width ``width``."""
    widths = scale_widths([s[1] for s in stages], width)
    channels, in_w = [stem_width], stem_width
    for (depth, _, exp, _, _), w in zip(stages, widths):
        for b in range(depth):
            channels += [expanded_width(in_w if b == 0 else w, exp), w]
        in_w = w
    return tuple(channels)


class EfficientNet(RelationalModel):
    """EfficientNet with relational 1x1 convolutions (module docstring).

    Parameters
    ----------
    graph:
        Relational graph; default the complete graph on 16 nodes.
    width:
        First stage width (default 16); the other stages scale with it.
    stages:
        ``(depth, width, expansion, stride, kernel)`` per stage (default B0).
    stem_width, head_width, se_ratio:
        32, 1280 and 0.25 for B0.
    num_classes, input_shape, permute, init, device, dtype:
        As :class:`~relsparse.models.MLP` (defaults 1000 and ``(3, 224, 224)``).
    """

    name = "efficientnet"

    def __init__(
        self,
        graph: Any = None,
        width: Any = None,
        *,
        stages: Sequence[tuple] = B0_STAGES,
        stem_width: int = STEM_WIDTH,
        head_width: int = HEAD_WIDTH,
        se_ratio: float = SE_RATIO,
        num_classes: int = 1000,
        input_shape: Sequence[int] = (3, 224, 224),
        permute: bool = False,
        init: str = "fan_in",
        device: Any = None,
        dtype: Any = None,
        name: Any = None,
    ) -> None:
        super().__init__()
        stages = tuple(tuple(s) for s in stages)
        if not stages or any(len(s) != 5 or s[0] < 1 or s[1] < 1 or s[2] <= 0 or s[3] < 1 or s[4] < 1 for s in stages):
            raise ValueError(
                f"stages must be (depth, width, expansion, stride, kernel) tuples of positive numbers, got {stages!r}"
            )
        if name is not None:
            self.name = str(name)
        self.stages = stages
        f = self._prepare(
            graph=graph, width=width, base_widths=[s[1] for s in stages], default_nodes=DEFAULT_NODES,
            channels=lambda w: relational_channels(w, stages, stem_width), fixed=stem_width,
            num_classes=num_classes, input_shape=input_shape, image=True, permute=permute, init=init,
            device=device, dtype=dtype,
        )
        self.add_module("stem", nn.Sequential(OrderedDict(
            conv=f.conv(self.input_shape[0], stem_width, 3, stride=2, padding=1), bn=f.bn2d(stem_width), swish=Swish(),
        )))
        in_w = stem_width
        for i, ((depth, _, exp, stride, kernel), w) in enumerate(zip(stages, self.widths)):
            stage = nn.Sequential()
            for b in range(depth):
                stage.add_module(f"b{b + 1}", MBConv(f, in_w, exp, kernel, stride if b == 0 else 1, w, se_ratio))
                in_w = w
            self.add_module(f"s{i + 1}", stage)
        self.add_module("head", nn.Sequential(OrderedDict(
            conv=f.conv(in_w, head_width, 1), bn=f.bn2d(head_width), swish=Swish(),
            pool=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(), fc=f.linear(head_width, self.num_classes, bias=True),
        )))
        self._finish(f)


def efficientnet_b0(graph: Any = None, width: int = 16, **kwargs: Any) -> EfficientNet:
    """Relational EfficientNet-B0 (module docstring); keyword arguments as :class:`EfficientNet`."""
    return EfficientNet(graph, width, name="efficientnet_b0", **kwargs)


__all__ = ["EfficientNet", "efficientnet_b0", "relational_channels", "B0_STAGES", "BASE_WIDTHS"]
