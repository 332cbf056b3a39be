"""Building blocks shared by the model zoo.

* :class:`LayerFactory` makes a model's layers: relational ones over its
  graph (with one channel partition convention and one initialisation),
  dense ones, norms — all on one device and dtype.
* :func:`scale_widths` turns a first-stage width into all stage widths,
  keeping the base ratios.
* :func:`init_graph2nn_` re-initialises the dense layers as graph2nn/pycls
  did (``init="graph2nn"``).
* :class:`Swish` (``x * sigmoid(x)``, EfficientNet's activation).

Example
-------
>>> from relsparse import graphs
>>> f = LayerFactory(graphs.complete_graph(4))
>>> conv = f.rconv(8, 16, 3, padding=1)
>>> conv.in_channels, conv.out_channels, conv.bias is None, conv.density
(8, 16, True, 1.0)
>>> scale_widths((64, 128, 256), 90)
(90, 180, 360)
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import torch
from torch import nn

from ..graph import Graph
from ..nn import RelationalConv2d, RelationalLinear


class Swish(nn.SiLU):
    """Swish / SiLU activation, ``x * sigmoid(x)`` (EfficientNet)."""


def scale_widths(base_widths: Sequence[int], width: int) -> tuple:
    """Stage widths for first-stage width ``width``: ``round(width * b / base_widths[0])``.

    Rounding is Python's ``round`` (half to even); the first stage is ``width`` itself.
    """
    b0 = int(base_widths[0])
    return (int(width),) + tuple(int(round(width * int(b) / b0)) for b in base_widths[1:])


class LayerFactory:
    """Makes the layers of one model (see the module docstring).

    Parameters
    ----------
    graph:
        The relational graph of every relational layer.
    permute:
        graph2nn's shuffled channel partition (``RandomState(1)`` permutation).
    init:
        Initialisation of the relational layers (``"fan_in"`` or ``"graph2nn"``).
    device, dtype:
        Where the parameters live; ``device="meta"`` builds a model without
        memory (for FLOPs counting).
    """

    def __init__(
        self, graph: Graph, *, permute: bool = False, init: str = "fan_in", device: Any = None, dtype: Any = None
    ) -> None:
        self.graph = graph
        self.permute = permute
        self.init = init
        self.factory = {"device": device, "dtype": dtype}

    # relational layers: no bias by default (a BatchNorm follows them)
    def rlinear(self, in_features: int, out_features: int, bias: bool = False) -> RelationalLinear:
        return RelationalLinear(in_features, out_features, self.graph, bias, permute=self.permute, init=self.init,
                                **self.factory)

    def rconv(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
              bias: bool = False) -> RelationalConv2d:
        return RelationalConv2d(in_channels, out_channels, kernel_size, self.graph, stride=stride, padding=padding,
                                bias=bias, permute=self.permute, init=self.init, **self.factory)

    # dense layers
    def conv(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
             groups: int = 1, bias: bool = False) -> nn.Conv2d:
        return nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, groups=groups,
                         bias=bias, **self.factory)

    def linear(self, in_features: int, out_features: int, bias: bool = True) -> nn.Linear:
        return nn.Linear(in_features, out_features, bias=bias, **self.factory)

    def bn2d(self, channels: int) -> nn.BatchNorm2d:
        return nn.BatchNorm2d(channels, **self.factory)

    def bn1d(self, channels: int) -> nn.BatchNorm1d:
        return nn.BatchNorm1d(channels, **self.factory)


@torch.no_grad()
def init_graph2nn_(model: nn.Module) -> nn.Module:
    """graph2nn/pycls ``init_weights`` for the dense layers of ``model``, in place.

    ``nn.Conv2d``: weight ``N(0, sqrt(2 / (kh kw out_channels)))`` (bias
    untouched); BatchNorm: weight 1, bias 0; ``nn.Linear``: weight
    ``N(0, 0.01)``, bias 0. Relational layers keep their own ``"graph2nn"``
    initialisation. Draws from torch's default generator, as ``nn`` layers do.
    """
    for m in model.modules():
        if type(m) is nn.Conv2d:
            fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            m.weight.normal_(0.0, math.sqrt(2.0 / fan_out))
        elif isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:
            m.weight.fill_(1.0)
            m.bias.zero_()
        elif type(m) is nn.Linear:
            m.weight.normal_(0.0, 0.01)
            if m.bias is not None:
                m.bias.zero_()
    return model


__all__ = ["LayerFactory", "Swish", "scale_widths", "init_graph2nn_"]
