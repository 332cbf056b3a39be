"""Turn the dense layers of any model into relational ones: :func:`relationalize`.

The paper's recipe (You et al., 2020, §4.2): replace the dense linear and
convolution layers by their relational-graph counterparts, leave the input
and output layers unchanged, keep everything else (down-sampling, skip
connections, depthwise convolutions) intact.

Which layers are converted
--------------------------
*Candidates* are modules of type exactly ``nn.Linear``, or exactly
``nn.Conv2d`` with ``groups == 1``, in ``named_modules()`` order
(registration order, which is forward order for ordinary models; a module
used at several places counts once). Subclasses are left alone: they may
change what ``forward`` does (e.g. the ``out_proj`` of
``nn.MultiheadAttention``, which reads its weight directly).

* the first and last candidates stay dense (``keep_first`` / ``keep_last``);
* candidates with fewer input or output channels than the graph has nodes
  (or than ``min_channels``) stay dense;
* convolutions with a padding mode other than ``"zeros"``, or
  ``padding="same"`` that is not symmetric, stay dense;
* grouped and depthwise convolutions are never candidates.

A converted layer keeps the shapes, stride, padding, dilation, bias
presence, device, dtype, ``requires_grad`` and training mode. Its weights are
initialised fresh (``init``), or with ``keep_weights=True`` hold the dense
weight's entries inside the graph's blocks (and the bias), so that with the
complete graph the model computes what it computed before. Forward hooks
registered on a replaced layer are not carried over.

Example
-------
>>> import torch
>>> from torch import nn
>>> from relsparse import graphs
>>> dense = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(),
...                       nn.Flatten(), nn.Linear(32 * 4 * 4, 10))
>>> sparse = relationalize(dense, graphs.ring_lattice(8, 2))
>>> [type(m).__name__ for m in sparse if not isinstance(m, (nn.ReLU, nn.Flatten))]
['Conv2d', 'RelationalConv2d', 'Linear']
>>> sparse(torch.randn(1, 3, 8, 8)).shape
torch.Size([1, 10])
"""

from __future__ import annotations

import copy as copy_module
import warnings
from typing import Any, Optional

import torch
from torch import nn

from ..graph import as_relational_graph
from ..nn import RelationalConv2d, RelationalLinear
from . import _validate as check


def _is_candidate(m: nn.Module) -> bool:
    return type(m) is nn.Linear or (type(m) is nn.Conv2d and m.groups == 1)


def _conv_padding(conv: nn.Conv2d) -> Optional[tuple]:
    """Integer padding of ``conv``, or None if a relational conv cannot reproduce it."""
    if conv.padding_mode != "zeros":
        return None
    pad = conv.padding
    if isinstance(pad, str):
        if pad == "valid":
            return (0, 0)
        total = [d * (k - 1) for d, k in zip(conv.dilation, conv.kernel_size)]
        if any(t % 2 for t in total) or any(s != 1 for s in conv.stride):
            return None
        return tuple(t // 2 for t in total)
    return tuple(int(p) for p in pad)


def _channels(m: nn.Module) -> tuple:
    return (m.in_features, m.out_features) if isinstance(m, nn.Linear) else (m.in_channels, m.out_channels)


def _convert(m: nn.Module, graph: Any, keep_weights: bool, permute: bool, init: str) -> nn.Module:
    factory = {"device": m.weight.device, "dtype": m.weight.dtype}
    has_bias = m.bias is not None
    if isinstance(m, nn.Linear):
        new = RelationalLinear(m.in_features, m.out_features, graph, has_bias, permute=permute, init=init, **factory)
    else:
        new = RelationalConv2d(m.in_channels, m.out_channels, m.kernel_size, graph, stride=m.stride,
                               padding=_conv_padding(m), dilation=m.dilation, bias=has_bias, permute=permute,
                               init=init, **factory)
    if keep_weights:
        new.load_dense_(m.weight.detach())
        if has_bias:
            with torch.no_grad():
                new.bias.copy_(m.bias.detach())
    new.weight.requires_grad_(m.weight.requires_grad)
    if has_bias:
        new.bias.requires_grad_(m.bias.requires_grad)
    new.train(m.training)
    return new


def relationalize(
    module: nn.Module,
    graph: Any,
    *,
    keep_first: bool = True,
    keep_last: bool = True,
    min_channels: Optional[int] = None,
    copy: bool = True,
    keep_weights: bool = False,
    permute: bool = False,
    init: str = "fan_in",
) -> nn.Module:
    """Replaces the dense linear / convolution layers of ``module`` by relational ones.

    Parameters
    ----------
    module:
        Any ``nn.Module``.
    graph:
        Relational graph (``relsparse.Graph`` or networkx) of every converted layer.
    keep_first, keep_last:
        Leave the first / last candidate layer dense (stem and head; default True).
    min_channels:
        Also leave dense the layers with fewer input or output channels than
        this (layers with fewer channels than the graph has nodes always are).
    copy:
        Convert a deep copy (default) or ``module`` itself, in place.
    keep_weights:
        Initialise each relational layer from the dense layer's weights in
        the graph's blocks (and its bias) instead of drawing fresh ones.
    permute, init:
        Channel partition convention and initialisation
        (:class:`~relsparse.nn.RelationalLinear`).

    Returns
    -------
    The converted module (the module docstring says which layers change). If
    ``module`` is itself a convertible layer and neither end is kept, the
    new relational layer is returned. A ``UserWarning`` says when nothing
    was converted.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    g = as_relational_graph(graph)
    keep_first = check.flag(keep_first, "keep_first")
    keep_last = check.flag(keep_last, "keep_last")
    copy = check.flag(copy, "copy")
    keep_weights = check.flag(keep_weights, "keep_weights")
    permute = check.flag(permute, "permute")
    init = check.init_name(init)
    threshold = g.num_nodes
    if min_channels is not None:
        threshold = max(threshold, check.positive_int(min_channels, "min_channels"))

    model = copy_module.deepcopy(module) if copy else module
    candidates = [m for m in model.modules() if _is_candidate(m)]
    chosen = list(candidates)
    if keep_first and chosen:
        chosen = [m for m in chosen if m is not candidates[0]]
    if keep_last and chosen:
        chosen = [m for m in chosen if m is not candidates[-1]]
    chosen = [m for m in chosen if min(_channels(m)) >= threshold]
    chosen = [m for m in chosen if not isinstance(m, nn.Conv2d) or _conv_padding(m) is not None]
    if not chosen:
        warnings.warn(
            f"relationalize converted no layer: {len(candidates)} dense linear/conv layers found, none "
            f"eligible with a {g.num_nodes}-node graph (keep_first={keep_first}, keep_last={keep_last}, "
            f"min_channels={min_channels})",
            UserWarning,
            stacklevel=2,
        )
        return model

    replacement = {id(m): _convert(m, g, keep_weights, permute, init) for m in chosen}
    if id(model) in replacement:
        return replacement[id(model)]
    for parent in list(model.modules()):
        for key, child in list(parent._modules.items()):
            if child is not None and id(child) in replacement:
                parent._modules[key] = replacement[id(child)]
    return model


__all__ = ["relationalize"]
