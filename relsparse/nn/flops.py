"""FLOPs (multiply-adds) and parameter counts, and width matching to a budget.

Counting follows graph2nn (the numbers of the paper's FLOPs budgets):

* ``nn.Linear``: ``in_features x out_features`` (bias not counted);
* ``nn.Conv2d``: ``weight.numel() x output pixels`` (so grouped and
  depthwise convolutions count their real weights);
* :class:`~relsparse.nn.RelationalLinear`: its trainable weights;
* :class:`~relsparse.nn.RelationalConv2d`: trainable weights x output pixels;
* a module with a ``flops_bias = True`` attribute also counts its bias
  (graph2nn's squeeze-excitation convolutions);
* everything else (norms, activations, pooling, additions) counts 0.

The count is for **one** example: :func:`count_flops` runs the model once on
meta tensors (no memory, no compute) with forward hooks.

Example
-------
>>> from torch import nn
>>> count_flops(nn.Sequential(nn.Flatten(), nn.Linear(3072, 512, bias=False)), (3, 32, 32))
1572864
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Optional, Sequence

import torch
from torch import nn

from .modules import RelationalConv2d, RelationalLinear


def layer_flops(module: nn.Module, output: Any) -> int:
    """Multiply-adds of one call of ``module`` producing ``output`` (per example)."""
    pixels = 1
    if isinstance(module, (nn.Conv2d, RelationalConv2d)):
        pixels = int(output.shape[-1] * output.shape[-2])
    if isinstance(module, (RelationalLinear, RelationalConv2d)):
        count = module.layout.num_weights * pixels
    elif isinstance(module, nn.Conv2d):
        count = module.weight.numel() * pixels
    elif isinstance(module, nn.Linear):
        count = module.in_features * module.out_features
    else:
        return 0
    if getattr(module, "flops_bias", False) and getattr(module, "bias", None) is not None:
        count += module.bias.numel()
    return int(count)


def count_flops(model: nn.Module, input_shape: Sequence[int], *, per_layer: bool = False) -> Any:
    """Multiply-adds of one forward pass of ``model`` on one example of ``input_shape``.

    ``input_shape`` excludes the batch dimension, e.g. ``(3, 32, 32)``. With
    ``per_layer=True`` returns ``(total, {module name: flops})``.
    """
    # Copy the module tree but not its data: every parameter and buffer is
    # pre-seeded in deepcopy's memo with a meta tensor of the same shape, so
    # counting a large model costs no memory.
    memo: dict = {}
    for p in model.parameters():
        memo[id(p)] = nn.Parameter(torch.empty_like(p, device="meta"), requires_grad=p.requires_grad)
    for b in model.buffers():
        memo[id(b)] = torch.empty_like(b, device="meta")
    meta = copy.deepcopy(model, memo)
    names = {m: name for name, m in meta.named_modules()}
    counts: dict = {}

    def hook(module: nn.Module, inputs: Any, output: Any) -> None:
        flops = layer_flops(module, output)
        if flops:
            name = names[module]
            counts[name] = counts.get(name, 0) + flops

    handles = [m.register_forward_hook(hook) for m in meta.modules()]
    try:
        meta.eval()
        with torch.no_grad():
            meta(torch.zeros((1, *input_shape), device="meta"))
    finally:
        for h in handles:
            h.remove()
    total = sum(counts.values())
    return (total, counts) if per_layer else total


def count_parameters(model: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters; relational layers count their packed weights."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def match_width(
    build: Callable[[int], nn.Module],
    budget: int,
    input_shape: Sequence[int],
    *,
    low: int = 1,
    high: Optional[int] = None,
    count: Callable[[nn.Module, Sequence[int]], int] = count_flops,
) -> int:
    """Smallest width ``w >= low`` whose model ``build(w)`` has FLOPs ``>= budget``.

    FLOPs grow with the width of the relational layers (each added channel
    adds its node's neighbourhood), so a doubling search followed by
    bisection finds the width with O(log w) model builds. Raises
    ``ValueError`` if no width up to ``high`` (default 2**20) reaches it.
    """
    if budget <= 0:
        raise ValueError(f"budget must be a positive number of multiply-adds, got {budget}")
    limit = high if high is not None else 1 << 20
    if low > limit:
        raise ValueError(f"low={low} exceeds high={limit}")

    def flops(width: int) -> int:
        return count(build(width), input_shape)

    if flops(low) >= budget:
        return low
    lo, hi = low, max(low + 1, 2 * low)  # flops(lo) < budget
    while flops(hi) < budget:
        if hi >= limit:
            raise ValueError(
                f"no width up to {limit} reaches the FLOPs budget {budget:,} "
                f"(width {limit} gives {flops(limit):,}); the budget is too large for this model"
            )
        lo, hi = hi, min(2 * hi, limit)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if flops(mid) >= budget:
            hi = mid
        else:
            lo = mid
    return hi


__all__ = ["count_flops", "count_parameters", "layer_flops", "match_width"]
