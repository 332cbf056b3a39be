"""The 8-layer ImageNet CNN of the paper (registry name ``"cnn"``).

Architecture (You et al., 2020, §4.1; graph2nn ``pycls/models/cnn.py``)::

    stem   Conv 3x3, C->64, stride 2, pad 1 -> BN -> ReLU -> MaxPool(3, 2, 1)   (dense)
    s1     2 x [RelationalConv 3x3 -> BN -> ReLU], 64 -> w1, first stride 2
    s2     2 x [RelationalConv 3x3 -> BN -> ReLU], w1 -> w2, first stride 2
    s3     2 x [RelationalConv 3x3 -> BN -> ReLU], w2 -> w3, first stride 2
    head   AdaptiveAvgPool -> Linear(w3, num_classes) with bias                (dense)

Stage widths ``(w1, w2, w3)`` are ``(64, 128, 256)`` in the baseline and
scale with ``w1`` keeping the 1:2:4 ratio. Complete graph at 224x224:
166,438,912 multiply-adds. The stem's 64 channels feed the first relational
layer, so the graph may have at most 64 nodes.

Example
-------
>>> import torch
>>> from relsparse import graphs
>>> model = CNN(graphs.connected_ws_flex(64, 8, 0.1, seed=0), width=96, num_classes=10)
>>> model.widths
(96, 192, 384)
>>> model(torch.randn(2, 3, 64, 64)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Sequence

from torch import nn

from .base import RelationalModel
from .layers import scale_widths

BASE_WIDTHS = (64, 128, 256)
STEM_WIDTH = 64
BLOCKS_PER_STAGE = 2


def relational_channels(width: int) -> tuple:
    """Channel counts of the relational layers' inputs and outputs at first-stage width ``width``."""
    return (STEM_WIDTH,) + scale_widths(BASE_WIDTHS, width)


class CNN(RelationalModel):
    """8-layer CNN with relational 3x3 convolutions (module docstring).

    Parameters as :class:`~relsparse.models.MLP`; ``width`` is the first
    stage's (default 64), ``input_shape`` ``(C, H, W)`` (default
    ``(3, 224, 224)``), ``num_classes`` default 1000.
    """

    name = "cnn"

    def __init__(
        self,
        graph: Any = None,
        width: int = 64,
        *,
        num_classes: int = 1000,
        input_shape: Sequence[int] = (3, 224, 224),
        permute: bool = False,
        init: str = "fan_in",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        f = self._prepare(
            graph=graph, width=width, base_widths=BASE_WIDTHS, default_nodes=64, channels=relational_channels,
            fixed=STEM_WIDTH, num_classes=num_classes, input_shape=input_shape, image=True, permute=permute,
            init=init, device=device, dtype=dtype,
        )
        self.add_module("stem", nn.Sequential(OrderedDict(
            conv=f.conv(self.input_shape[0], STEM_WIDTH, 3, stride=2, padding=1), bn=f.bn2d(STEM_WIDTH),
            relu=nn.ReLU(), pool=nn.MaxPool2d(3, stride=2, padding=1),
        )))
        d_in = STEM_WIDTH
        for s, w in enumerate(self.widths):
            stage = nn.Sequential()
            for b in range(BLOCKS_PER_STAGE):
                stage.add_module(f"b{b + 1}", nn.Sequential(OrderedDict(
                    conv=f.rconv(d_in, w, 3, stride=2 if b == 0 else 1, padding=1), bn=f.bn2d(w), relu=nn.ReLU(),
                )))
                d_in = w
            self.add_module(f"s{s + 1}", stage)
        self.add_module("head", nn.Sequential(OrderedDict(
            pool=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(), fc=f.linear(d_in, self.num_classes, bias=True),
        )))
        self._finish(f)


__all__ = ["CNN", "relational_channels", "BASE_WIDTHS"]
