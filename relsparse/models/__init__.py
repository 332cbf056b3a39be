"""The model zoo: the paper's architectures over relational graphs, matched to FLOPs budgets.

Every model has a dense stem, stages built from relational layers
(:class:`~relsparse.nn.RelationalLinear`, :class:`~relsparse.nn.RelationalConv2d`)
over one graph, and a dense head; BatchNorm + ReLU (Swish for EfficientNet)
as in graph2nn, no bias in layers a BatchNorm follows. Sources: You et al.,
"Graph Structure of Neural Networks" (ICML 2020), §2-4, and its code
(facebookresearch/graph2nn, built on pycls).

===================  ===============================================  ==============
name                 architecture (module)                            baseline FLOPs
===================  ===============================================  ==============
``mlp``              5-layer CIFAR-10 MLP (:mod:`.mlp`)               2,364,416
``cnn``              8-layer ImageNet CNN (:mod:`.cnn`)               166,438,912
``resnet34``         ResNet-34 (:mod:`.resnet`)                       3,663,761,408
``resnet34_sep``     ResNet-34, separable convolutions (:mod:`.resnet`) 553,614,592
``resnet50``         ResNet-50, bottlenecks (:mod:`.resnet`)          4,089,184,256
``efficientnet_b0``  EfficientNet-B0 (:mod:`.efficientnet`)           385,824,092
===================  ===============================================  ==============

Baseline FLOPs: multiply-adds of the complete-graph model at its base width
on its default input (DESIGN.md, "Reference facts").

API
---
* :data:`MODELS` — name -> :class:`ModelInfo` (default dataset, input shape,
  classes, graph size, baseline FLOPs, base widths).
* :func:`build` — a model by name over a graph, width-matched to a budget.
* :class:`MLP`, :class:`CNN`, :class:`ResNet` (:func:`resnet34`,
  :func:`resnet34_sep`, :func:`resnet50`), :class:`EfficientNet`
  (:func:`efficientnet_b0`) — the architectures at a given width.
* :func:`relationalize` — convert the dense layers of any model.
* :func:`baseline_flops`, :func:`matched_width`, :func:`min_width`.

Example
-------
>>> import torch
>>> from relsparse import graphs, models
>>> g = graphs.connected_ws_flex(64, 8, 0.1, seed=0)
>>> model = models.build("cnn", g, num_classes=10, input_shape=(3, 64, 64))
>>> model.flops >= models.baseline_flops("cnn", num_classes=10, input_shape=(3, 64, 64))
True
>>> model(torch.randn(2, 3, 64, 64)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

from .base import RelationalModel
from .builder import baseline_flops, build, matched_width, min_width
from .cnn import CNN
from .convert import relationalize
from .efficientnet import EfficientNet, efficientnet_b0
from .mlp import MLP
from .registry import MODELS, ModelInfo, get_info
from .resnet import ResNet, resnet34, resnet34_sep, resnet50

__all__ = [
    "MODELS", "ModelInfo", "get_info", "build", "baseline_flops", "matched_width", "min_width",
    "relationalize", "RelationalModel", "MLP", "CNN", "ResNet", "resnet34", "resnet34_sep", "resnet50",
    "EfficientNet", "efficientnet_b0",
]
