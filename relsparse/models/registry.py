"""The model registry: :data:`MODELS`, name -> :class:`ModelInfo`.

==================  =========  ===========  =====  ======================  ==============
name                dataset    input        nodes  base relational widths  baseline FLOPs
==================  =========  ===========  =====  ======================  ==============
``mlp``             cifar10    3x32x32      64     512                     2,364,416
``cnn``             imagenet   3x224x224    64     64, 128, 256            166,438,912
``resnet34``        imagenet   3x224x224    64     64, 128, 256, 512       3,663,761,408
``resnet34_sep``    imagenet   3x224x224    64     64, 128, 256, 512       553,614,592
``resnet50``        imagenet   3x224x224    64     256, 512, 1024, 2048    4,089,184,256
``efficientnet_b0`` imagenet   3x224x224    16     16, 24, ..., 320        385,824,092
==================  =========  ===========  =====  ======================  ==============

Baseline FLOPs are the multiply-adds of the complete-graph model at its base
width on its default input, as graph2nn counts them (DESIGN.md, "Reference
facts"); :func:`relsparse.models.baseline_flops` recomputes them for other
input shapes and class counts.

Example
-------
>>> MODELS["resnet50"].baseline_flops
4089184256
>>> MODELS["efficientnet_b0"].num_nodes
16
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from . import cnn, efficientnet, mlp, resnet


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """What :func:`relsparse.models.build` needs to know about a model."""

    name: str
    dataset: str                  # default dataset
    input_shape: tuple            # default per-example input (C, H, W)
    num_classes: int              # default number of classes
    num_nodes: int                # default relational graph size
    baseline_flops: int           # complete graph, base width, default input
    base_widths: tuple            # widths of the relational stages in the baseline
    builder: Callable[..., Any]   # builder(graph, width, **kwargs) -> nn.Module
    relational_channels: Callable[[int], tuple]  # channel counts of the relational layers at a width
    fixed_channels: int           # width-independent channels feeding the first relational layer
    image: bool                   # input must be (C, H, W); False: any shape, flattened
    description: str = ""

    @property
    def base_width(self) -> int:
        """Width of the first relational stage in the baseline."""
        return self.base_widths[0]


def _info(name, dataset, shape, classes, nodes, flops, widths, builder, channels, fixed, description) -> ModelInfo:
    return ModelInfo(name, dataset, shape, classes, nodes, flops, tuple(widths), builder, channels, fixed,
                     name != "mlp", description)


_IMAGENET = (3, 224, 224)

MODELS = {
    "mlp": _info("mlp", "cifar10", (3, 32, 32), 10, 64, 2_364_416, mlp.BASE_WIDTHS, mlp.MLP,
                 mlp.relational_channels, mlp.STEM_WIDTH, "5-layer MLP (3 relational linear layers)"),
    "cnn": _info("cnn", "imagenet", _IMAGENET, 1000, 64, 166_438_912, cnn.BASE_WIDTHS, cnn.CNN,
                 cnn.relational_channels, cnn.STEM_WIDTH, "8-layer CNN (6 relational 3x3 convolutions)"),
    "resnet34": _info("resnet34", "imagenet", _IMAGENET, 1000, 64, 3_663_761_408, resnet.BASIC_WIDTHS,
                      resnet.resnet34, lambda w: resnet.relational_channels(w, "basic"), resnet.STEM_WIDTH,
                      "ResNet-34, basic blocks"),
    "resnet34_sep": _info("resnet34_sep", "imagenet", _IMAGENET, 1000, 64, 553_614_592, resnet.BASIC_WIDTHS,
                          resnet.resnet34_sep, lambda w: resnet.relational_channels(w, "sep"), resnet.STEM_WIDTH,
                          "ResNet-34 with separable (depthwise 3x3 + relational 1x1) convolutions"),
    "resnet50": _info("resnet50", "imagenet", _IMAGENET, 1000, 64, 4_089_184_256, resnet.BOTTLENECK_WIDTHS,
                      resnet.resnet50, lambda w: resnet.relational_channels(w, "bottleneck"), resnet.STEM_WIDTH,
                      "ResNet-50, bottleneck blocks"),
    "efficientnet_b0": _info("efficientnet_b0", "imagenet", _IMAGENET, 1000, efficientnet.DEFAULT_NODES,
                             385_824_092, efficientnet.BASE_WIDTHS, efficientnet.efficientnet_b0,
                             efficientnet.relational_channels, efficientnet.STEM_WIDTH,
                             "EfficientNet-B0, relational expansion and projection 1x1 convolutions"),
}


def get_info(name: Any) -> ModelInfo:
    """The :class:`ModelInfo` of ``name``; ``ValueError`` listing the valid names otherwise."""
    if not isinstance(name, str) or name not in MODELS:
        raise ValueError(f"unknown model {name!r}; valid names: {', '.join(sorted(MODELS))}")
    return MODELS[name]


__all__ = ["MODELS", "ModelInfo", "get_info"]
