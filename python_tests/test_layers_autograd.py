"""torch.autograd.gradcheck of the relational ops (float64), and autograd plumbing."""

from __future__ import annotations

import pytest
import torch

import relsparse
from relsparse import graphs
from relsparse.nn import functional as RF
from relsparse.nn.layout import make_layout


@pytest.mark.parametrize("graph", [graphs.connected_ws_flex(5, 2, 0.4, seed=2), relsparse.Graph(3), graphs.complete_graph(2)])
def test_gradcheck_linear(graph):
    torch.manual_seed(0)
    layout = make_layout(graph, 7, 6)
    x = torch.randn(4, 7, dtype=torch.float64, requires_grad=True)
    w = torch.randn(layout.num_weights, dtype=torch.float64, requires_grad=True)
    b = torch.randn(6, dtype=torch.float64, requires_grad=True)
    fn = lambda x, w, b: RF.relational_linear(x, w, b, layout, implementation="sparse")  # noqa: E731
    assert torch.autograd.gradcheck(fn, (x, w, b))


@pytest.mark.parametrize("geometry", [dict(stride=1, padding=1, dilation=1), dict(stride=2, padding=0, dilation=2)])
def test_gradcheck_conv(geometry):
    torch.manual_seed(0)
    layout = make_layout(graphs.connected_ws_flex(4, 2, 0.5, seed=1), 5, 6, (3, 2))
    x = torch.randn(2, 5, 7, 6, dtype=torch.float64, requires_grad=True)
    w = torch.randn(layout.num_weights, dtype=torch.float64, requires_grad=True)
    b = torch.randn(6, dtype=torch.float64, requires_grad=True)
    fn = lambda x, w, b: RF.relational_conv2d(x, w, b, layout, implementation="sparse", **geometry)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (x, w, b))


def _layer_and_input(kind: str, bias: bool):
    g = graphs.ring_lattice(5, 2)
    if kind == "linear":
        return relsparse.nn.RelationalLinear(20, 10, g, bias=bias, implementation="sparse"), torch.randn(3, 20)
    layer = relsparse.nn.RelationalConv2d(10, 5, 3, g, padding=1, bias=bias, implementation="sparse")
    return layer, torch.randn(2, 10, 6, 6)


# (bias, x, weight, bias asks for a gradient), at least one input asking.
_REQUESTS = [
    (bias, x, w, b)
    for bias in (True, False)
    for x, w, b in [(False, False, True), (True, True, False), (True, False, True), (False, True, False)]
    if x or w or (bias and b)
]


@pytest.mark.parametrize("kind", ["linear", "conv"])
@pytest.mark.parametrize("bias, x_grad, w_grad, b_grad", _REQUESTS)
def test_only_requested_gradients_are_computed(kind, bias, x_grad, w_grad, b_grad):
    """The autograd node has one edge per defined tensor input (x, weight,
    bias when there is one): each gradient is computed only when its input
    asks for it, and equals the one computed with every input asking."""
    torch.manual_seed(0)
    layer, x = _layer_and_input(kind, bias)
    x_all = x.clone().requires_grad_(True)
    want = torch.autograd.grad(layer(x_all).square().sum(), [x_all] + list(layer.parameters()))
    x.requires_grad_(x_grad)
    layer.weight.requires_grad_(w_grad)
    if bias:
        layer.bias.requires_grad_(b_grad)
    layer(x).square().sum().backward()
    got = [x.grad, layer.weight.grad] + ([layer.bias.grad] if bias else [])
    asked = [x_grad, w_grad] + ([b_grad] if bias else [])
    for g, w, a in zip(got, want, asked):
        if a:
            torch.testing.assert_close(g, w)
        else:
            assert g is None


def test_opcheck_linear_and_conv():
    # PyTorch's own consistency checks of a custom op: schema, fake kernel,
    # autograd registration, faithful dispatch.
    torch.manual_seed(0)
    layout = make_layout(graphs.connected_ws_flex(6, 2, 0.2, seed=0), 12, 9)
    x = torch.randn(5, 12, requires_grad=True)
    w = torch.randn(layout.num_weights, requires_grad=True)
    torch.library.opcheck(torch.ops.relsparse.linear, (x, w, None, layout.tensor, 9))
    clayout = make_layout(graphs.connected_ws_flex(6, 2, 0.2, seed=0), 6, 6, (3, 3))
    xc = torch.randn(2, 6, 5, 5, requires_grad=True)
    wc = torch.randn(clayout.num_weights, requires_grad=True)
    torch.library.opcheck(torch.ops.relsparse.conv2d, (xc, wc, None, clayout.tensor, 6, [3, 3], [1, 1], [1, 1], [1, 1]))
    # channels_last in, channels_last out: the fake kernels must give the real outputs' strides.
    xl = xc.detach().to(memory_format=torch.channels_last).requires_grad_(True)
    torch.library.opcheck(torch.ops.relsparse.conv2d, (xl, wc, None, clayout.tensor, 6, [3, 3], [1, 1], [1, 1], [1, 1]))
    dyl = torch.randn(2, 6, 5, 5).to(memory_format=torch.channels_last)
    torch.library.opcheck(torch.ops.relsparse.conv2d_grad_input,
                          (dyl, wc.detach(), clayout.tensor, [2, 6, 5, 5], [3, 3], [1, 1], [1, 1], [1, 1]))
