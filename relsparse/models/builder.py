"""Build a zoo model by name, matched to a FLOPs budget: :func:`build`.

Budget matching (You et al., 2020, §3.3): the baseline is the model with the
complete relational graph at its base width; a model over another graph is
widened (or narrowed) to the **smallest first-stage width whose FLOPs are
>= the budget**, the other relational stages scaled with it keeping the base
ratios (Python ``round``); stems and heads keep their architecture. The
search is :func:`relsparse.nn.flops.match_width` over models built on the
``meta`` device (no memory), starting from the narrowest width at which
every node of the graph gets a channel.

Example
-------
>>> from relsparse import graphs
>>> g = graphs.connected_ws_flex(64, 8, 0.008154, seed=22)
>>> model = build("mlp", g)
>>> model.width, model.flops >= model.budget == 2_364_416
(1539, True)
"""

from __future__ import annotations

import functools
from typing import Any, Optional, Sequence, Union

import numpy as np
from torch import nn

from .. import graphs
from ..graph import Graph, as_relational_graph
from ..nn.flops import count_flops, match_width
from . import _validate as check
from .registry import MODELS, ModelInfo, get_info

MAX_WIDTH = 1 << 20


def _meta_flops(info: ModelInfo, graph: Graph, width: int, input_shape: tuple, num_classes: int, permute: bool) -> int:
    """FLOPs of ``info``'s model over ``graph`` at ``width``, built on the meta device."""
    model = info.builder(graph, width, num_classes=num_classes, input_shape=input_shape, permute=permute,
                         init="graph2nn", device="meta")
    return count_flops(model, input_shape)


@functools.lru_cache(maxsize=None)
def _baseline(name: str, input_shape: tuple, num_classes: int) -> int:
    info = MODELS[name]
    return _meta_flops(info, graphs.complete_graph(info.num_nodes), info.base_width, input_shape, num_classes, False)


def _defaults(info: ModelInfo, input_shape: Any, num_classes: Any) -> tuple:
    shape = info.input_shape if input_shape is None else check.input_shape(input_shape, image=info.image)
    classes = info.num_classes if num_classes is None else check.num_classes(num_classes)
    return shape, classes


def baseline_flops(name: str, *, input_shape: Optional[Sequence[int]] = None, num_classes: Optional[int] = None) -> int:
    """Multiply-adds of the complete-graph model ``name`` at its base width (cached).

    With the defaults this is ``MODELS[name].baseline_flops`` (DESIGN.md).
    """
    info = get_info(name)
    shape, classes = _defaults(info, input_shape, num_classes)
    return _baseline(info.name, shape, classes)


def min_width(name: str, graph: Any) -> int:
    """Narrowest first-stage width at which every relational layer of ``name`` has
    at least one channel per node of ``graph`` (``ValueError`` if none does)."""
    info = get_info(name)
    g = as_relational_graph(graph)
    return _min_width(info, g)


def _min_width(info: ModelInfo, g: Graph) -> int:
    n = g.num_nodes
    check.check_fits(g, info.relational_channels(MAX_WIDTH), info.fixed_channels, info.name, MAX_WIDTH)
    lo, hi = 0, MAX_WIDTH  # channels(hi) fit; channel counts grow with the width
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if min(info.relational_channels(mid)) >= n:
            hi = mid
        else:
            lo = mid
    return hi


def matched_width(
    name: str,
    graph: Any,
    budget: Union[str, int] = "match",
    *,
    input_shape: Optional[Sequence[int]] = None,
    num_classes: Optional[int] = None,
    partition_permute: bool = False,
) -> int:
    """The first-stage width :func:`build` would choose (module docstring)."""
    if budget is None:
        raise ValueError("matched_width needs a budget ('match' or a positive number of multiply-adds), got None")
    info = get_info(name)
    g = as_relational_graph(graph)
    shape, classes = _defaults(info, input_shape, num_classes)
    target = _budget(info, budget, shape, classes)
    return _match(info, g, target, shape, classes, check.flag(partition_permute, "partition_permute"))


def _budget(info: ModelInfo, budget: Any, shape: tuple, classes: int) -> int:
    if isinstance(budget, str):
        if budget != "match":
            raise ValueError(f"budget must be 'match', a positive number of multiply-adds or None, got {budget!r}")
        return _baseline(info.name, shape, classes)
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise ValueError(f"budget must be 'match', a positive number of multiply-adds or None, got {budget!r}")
    return int(budget)


def _match(info: ModelInfo, g: Graph, target: int, shape: tuple, classes: int, permute: bool) -> int:
    low = _min_width(info, g)
    return match_width(
        lambda w: info.builder(g, w, num_classes=classes, input_shape=shape, permute=permute, init="graph2nn",
                               device="meta"),
        target, shape, low=low, high=MAX_WIDTH,
    )


def build(
    name: str,
    graph: Any = None,
    *,
    budget: Union[str, int, None] = "match",
    width: Optional[int] = None,
    num_classes: Optional[int] = None,
    input_shape: Optional[Sequence[int]] = None,
    partition_permute: bool = False,
    init: str = "fan_in",
) -> nn.Module:
    """A zoo model over ``graph``, matched to a FLOPs budget.

    Parameters
    ----------
    name:
        A key of :data:`~relsparse.models.MODELS`.
    graph:
        Relational graph (``relsparse.Graph`` or networkx); default the
        complete graph on the model's default node count (64; 16 for
        ``efficientnet_b0``). It may have at most as many nodes as the
        narrowest relational layer has channels.
    budget:
        ``"match"`` (default): the complete-graph baseline's FLOPs for this
        input shape and class count (:func:`baseline_flops`); an int: that
        many multiply-adds; ``None``: no matching, build at ``width``.
    width:
        First-stage width when ``budget=None`` (default: the base width).
    num_classes, input_shape:
        Default: the model's (:data:`MODELS`).
    partition_permute:
        graph2nn's shuffled channel partition (changes the FLOPs slightly).
    init:
        ``"fan_in"`` (torch-style) or ``"graph2nn"`` (the original code's).

    Returns
    -------
    The model, with attributes ``name``, ``graph``, ``width``, ``widths``,
    ``input_shape``, ``num_classes``, ``flops`` (multiply-adds per example)
    and ``budget`` (the target, ``None`` without matching). The chosen width
    is the smallest whose FLOPs are ``>= budget``; a budget below the
    narrowest possible model gives that narrowest model.

    Raises ``ValueError`` for an unknown name, a budget no width up to
    2**20 reaches, a graph with more nodes than the narrowest relational
    layer has channels, ``num_classes < 2``, and other bad arguments.
    """
    info = get_info(name)
    g = graphs.complete_graph(info.num_nodes) if graph is None else as_relational_graph(graph)
    shape, classes = _defaults(info, input_shape, num_classes)
    permute = check.flag(partition_permute, "partition_permute")
    init = check.init_name(init)
    if budget is None:
        w = info.base_width if width is None else check.positive_int(width, "width")
        target = None
    else:
        if width is not None:
            raise ValueError(
                f"width={width!r} and budget={budget!r} are exclusive: pass budget=None to build at a given width"
            )
        target = _budget(info, budget, shape, classes)
        w = _match(info, g, target, shape, classes, permute)
    model = info.builder(g, w, num_classes=classes, input_shape=shape, permute=permute, init=init)
    model.flops = _meta_flops(info, g, w, shape, classes, permute)
    model.budget = target
    return model


__all__ = ["build", "baseline_flops", "matched_width", "min_width", "MAX_WIDTH"]
