"""Loads the relsparse operator library and registers its Python-side rules.

The C++ library defines the ops (``torch.ops.relsparse.*``), their CPU
(and, in CUDA builds, CUDA) kernels and their autograd (csrc/ops/autograd.cpp:
the backward of ``linear`` / ``conv2d`` calls the ``*_grad_input`` /
``*_grad_weight`` ops, only for the inputs that need a gradient; the bias
gradient is a sum). Registered here:

* **fake kernels** (``torch.library.register_fake``), so ``torch.compile``,
  meta tensors and FLOP counting can trace the ops without running them;
* **autocast**: under ``torch.autocast`` the floating inputs are cast to the
  autocast dtype of their device (``torch.get_autocast_dtype``), as
  ``nn.Linear`` / ``nn.Conv2d`` are.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

import torch
from torch._prims_common import suggest_memory_format  # ATen's rule, in Python

_LIBRARY = Path(__file__).resolve().parent.parent / f"_ops{sysconfig.get_config_var('EXT_SUFFIX') or '.so'}"


def _load() -> None:
    if not _LIBRARY.exists():
        raise ImportError(
            f"relsparse's operator library is missing ({_LIBRARY.name}); it is built when torch is "
            "installed: run `pip install --no-build-isolation -e .` with torch in the environment"
        )
    torch.ops.load_library(str(_LIBRARY))


_load()
ops = torch.ops.relsparse


# ----------------------------------------------------------------- fake
@torch.library.register_fake("relsparse::linear")
def _linear_fake(x, weight, bias, layout, out_features):
    return x.new_empty((*x.shape[:-1], out_features))


@torch.library.register_fake("relsparse::linear_grad_input")
def _linear_grad_input_fake(grad_out, weight, layout, in_features):
    return grad_out.new_empty((*grad_out.shape[:-1], in_features))


@torch.library.register_fake("relsparse::linear_grad_weight")
def _linear_grad_weight_fake(grad_out, x, weight, layout):
    return weight.new_empty(weight.shape)


def _conv_out(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _empty_like_layout(t: torch.Tensor, shape) -> torch.Tensor:
    """An empty 4-d tensor laid out as the conv ops lay out their result for input ``t``.

    The CPU kernels return channels_last results for channels_last inputs
    (as nn.Conv2d does, by ATen's ``suggest_memory_format``); the CUDA
    kernels return contiguous ones. torch.compile relies on the strides
    given here matching the real ones.
    """
    channels_last = t.device.type == "cpu" and suggest_memory_format(t) == torch.channels_last
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    return torch.empty(tuple(shape), dtype=t.dtype, device=t.device, memory_format=fmt)


@torch.library.register_fake("relsparse::conv2d")
def _conv2d_fake(x, weight, bias, layout, out_channels, kernel_size, stride, padding, dilation):
    h = _conv_out(x.shape[2], kernel_size[0], stride[0], padding[0], dilation[0])
    w = _conv_out(x.shape[3], kernel_size[1], stride[1], padding[1], dilation[1])
    return _empty_like_layout(x, (x.shape[0], out_channels, h, w))


@torch.library.register_fake("relsparse::conv2d_grad_input")
def _conv2d_grad_input_fake(grad_out, weight, layout, input_size, kernel_size, stride, padding, dilation):
    return _empty_like_layout(grad_out, input_size)


@torch.library.register_fake("relsparse::conv2d_grad_weight")
def _conv2d_grad_weight_fake(grad_out, x, weight, layout, kernel_size, stride, padding, dilation):
    return weight.new_empty(weight.shape)


# -------------------------------------------------------------- autocast
_impl = torch.library.Library("relsparse", "IMPL")


def _autocast(op_name: str):
    op = getattr(ops, op_name)

    def kernel(*args):
        device = next(a.device.type for a in args if isinstance(a, torch.Tensor))
        dtype = torch.get_autocast_dtype(device)
        cast = [
            a.to(dtype) if isinstance(a, torch.Tensor) and a.is_floating_point() else a for a in args
        ]
        with torch.autocast(device, enabled=False):
            return op(*cast)

    return kernel


for _name in ("linear", "conv2d"):
    for _key in ("AutocastCPU", "AutocastCUDA"):
        _impl.impl(_name, _autocast(_name), _key)
