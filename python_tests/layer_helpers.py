"""Shared helpers for the relational-layer tests: graphs and the dense masked reference."""

from __future__ import annotations

import torch

import relsparse
from relsparse import graphs


def sample_graphs() -> dict:
    """Graphs covering the layout's corner cases."""
    return {
        "single_node": graphs.complete_graph(1),
        "self_loops_only": relsparse.Graph(4),
        "complete_5": graphs.complete_graph(5),
        "path_3": relsparse.Graph(3, [(0, 1), (1, 2)]),
        "ws_flex_16": graphs.connected_ws_flex(16, 4, 0.3, seed=1),
        "ws_flex_7_odd": graphs.connected_ws_flex(7, 2.5, 0.5, seed=3),
        "star_6": relsparse.Graph(6, [(0, i) for i in range(1, 6)]),
    }


def grads(output, inputs, grad_output):
    return torch.autograd.grad(output, inputs, grad_output, allow_unused=False)


def tolerance(dtype):
    return {torch.float64: 1e-10, torch.float32: 1e-4, torch.bfloat16: 5e-2, torch.float16: 1e-2}[dtype]
