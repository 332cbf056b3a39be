"""The 5-layer MLP of the paper's CIFAR-10 experiments (registry name ``"mlp"``).

Architecture (You et al., 2020, §4.1; graph2nn ``pycls/models/mlp.py``)::

    stem   Flatten -> Linear(C*H*W, 512, bias=False) -> BN1d -> ReLU      (dense)
    b1     RelationalLinear(512, w) -> BN1d -> ReLU
    b2     RelationalLinear(w, w)   -> BN1d -> ReLU
    b3     RelationalLinear(w, w)   -> BN1d -> ReLU
    head   Linear(w, num_classes) with bias                               (dense)

The relational layers have no bias (a BatchNorm follows). With the complete
graph at ``w = 512`` the model is the paper's baseline: 2,364,416
multiply-adds on a 3x32x32 input. The stem width 512 is fixed, so the graph
may have at most 512 nodes.

Example
-------
>>> import torch
>>> from relsparse import graphs
>>> model = MLP(graphs.connected_ws_flex(64, 8, 0.1, seed=0), width=1024)
>>> model(torch.randn(2, 3, 32, 32)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Sequence

from torch import nn

from .base import RelationalModel

BASE_WIDTHS = (512,)
STEM_WIDTH = 512
NUM_LAYERS = 3


def relational_channels(width: int) -> tuple:
    """Channel counts of the relational layers' inputs and outputs at width ``width``."""
    return (STEM_WIDTH, int(width))


class MLP(RelationalModel):
    """5-layer CIFAR-10 MLP with relational hidden layers (module docstring).

    Parameters
    ----------
    graph:
        Relational graph (``relsparse.Graph`` or networkx); default the
        complete graph on 64 nodes.
    width:
        Width ``w`` of the relational layers (default 512).
    num_classes, input_shape:
        Output logits (default 10) and per-example input shape (default
        ``(3, 32, 32)``; any shape, it is flattened).
    permute, init:
        Channel partition convention and initialisation of the relational
        layers (:class:`~relsparse.nn.RelationalLinear`); ``init="graph2nn"``
        also initialises the dense layers as graph2nn did.
    device, dtype:
        Where the parameters live.
    """

    name = "mlp"

    def __init__(
        self,
        graph: Any = None,
        width: int = 512,
        *,
        num_classes: int = 10,
        input_shape: Sequence[int] = (3, 32, 32),
        permute: bool = False,
        init: str = "fan_in",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        f = self._prepare(
            graph=graph, width=width, base_widths=BASE_WIDTHS, default_nodes=64, channels=relational_channels,
            fixed=STEM_WIDTH, num_classes=num_classes, input_shape=input_shape, image=False, permute=permute,
            init=init, device=device, dtype=dtype,
        )
        in_features = 1
        for d in self.input_shape:
            in_features *= d
        w = self.width
        self.add_module("stem", nn.Sequential(OrderedDict(
            flatten=nn.Flatten(), fc=f.linear(in_features, STEM_WIDTH, bias=False), bn=f.bn1d(STEM_WIDTH),
            relu=nn.ReLU(),
        )))
        d_in = STEM_WIDTH
        for i in range(NUM_LAYERS):
            self.add_module(f"b{i + 1}", nn.Sequential(OrderedDict(
                fc=f.rlinear(d_in, w), bn=f.bn1d(w), relu=nn.ReLU(),
            )))
            d_in = w
        self.add_module("head", f.linear(w, self.num_classes, bias=True))
        self._finish(f)


__all__ = ["MLP", "relational_channels", "BASE_WIDTHS"]
