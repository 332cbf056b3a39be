"""The CUDA kernels of the relational layers against their CPU twin.

Every test needs a CUDA GPU (and a CUDA build of torch, which makes the
extension build its CUDA kernels); without one the module is skipped.

* forward output and the three gradients (input, packed weight, bias) of
  RelationalLinear / RelationalConv2d with ``implementation="sparse"`` equal
  the CPU implementation's, for float64 (tight), float32 (1e-4 relative),
  float16 and bfloat16 (looser), over graphs with one node, self-loops only,
  complete graphs (also with more than 32 neighbours per node), rings and
  random graphs, widths not divisible by the node count, batch 1, strides,
  padding and dilation;
* grids larger than one launch dimension and split weight-gradient
  reductions (the atomicAdd path) on larger inputs;
* ``torch.autograd.gradcheck`` in float64 on the GPU;
* autocast on CUDA producing float16 / bfloat16 outputs;
* argument errors, and the documented NaN result for a layout that does not
  describe the arguments (the layout is never read on the host).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason="no CUDA GPU: the relsparse CUDA kernels are only compared with the CPU ones on a GPU",
)

from relsparse import graphs  # noqa: E402
from relsparse.graph import Graph  # noqa: E402
from relsparse.nn import RelationalConv2d, RelationalLinear, _ops  # noqa: E402
from relsparse.nn.layout import make_layout  # noqa: E402

CUDA = torch.device("cuda")

GRAPHS = {
    "one_node": lambda: Graph(1),
    "self_loops_only": lambda: Graph(4, np.zeros((0, 2), dtype=np.int64)),
    "complete5": lambda: graphs.complete_graph(5),
    "ring6": lambda: graphs.ring_lattice(6, 2),
    "gnp7": lambda: graphs.gnp_random_graph(7, 0.4, 3),
    "complete40": lambda: graphs.complete_graph(40),  # more than 32 blocks per node
}

DTYPES = [torch.float64, torch.float32, torch.float16, torch.bfloat16]

# (rtol, atol relative to the largest reference magnitude)
TOLERANCE = {
    torch.float64: (1e-10, 1e-12),
    torch.float32: (1e-4, 1e-5),
    torch.float16: (1e-2, 5e-3),
    torch.bfloat16: (4e-2, 2e-2),
}


def assert_close(actual: torch.Tensor, expected: torch.Tensor, dtype: torch.dtype, what: str) -> None:
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {tuple(actual.shape)} != {tuple(expected.shape)}"
    rtol, atol = TOLERANCE[dtype]
    a, e = actual.detach().cpu().double(), expected.detach().cpu().double()
    scale = e.abs().max().item() if e.numel() else 1.0
    torch.testing.assert_close(a, e, rtol=rtol, atol=atol * max(scale, 1e-30), msg=lambda m: f"{what}: {m}")


def forward_backward(layer: torch.nn.Module, x: torch.Tensor, grad: torch.Tensor):
    """Output and gradients (input, weight, bias) of one forward/backward."""
    layer.zero_grad(set_to_none=True)
    x = x.detach().clone().requires_grad_(True)
    y = layer(x)
    y.backward(grad)
    grads = {"input": x.grad, "weight": layer.weight.grad}
    if layer.bias is not None:
        grads["bias"] = layer.bias.grad
    return y.detach(), grads


def compare_with_cpu(layer: torch.nn.Module, x64: torch.Tensor, dtype: torch.dtype, what: str) -> None:
    """`layer` (float64, CPU) run on the CPU and on the GPU in `dtype`, same values."""
    cpu = copy.deepcopy(layer).to(dtype=dtype)
    gpu = copy.deepcopy(layer).to(device=CUDA, dtype=dtype)
    x = x64.to(dtype)
    with torch.no_grad():
        y_probe = cpu(x)
    grad = torch.randn(y_probe.shape, dtype=torch.float64).to(dtype)
    y_cpu, g_cpu = forward_backward(cpu, x, grad)
    y_gpu, g_gpu = forward_backward(gpu, x.to(CUDA), grad.to(CUDA))
    assert y_gpu.device.type == CUDA.type
    assert_close(y_gpu, y_cpu, dtype, f"{what}: output")
    assert g_gpu.keys() == g_cpu.keys()
    for name in g_cpu:
        assert_close(g_gpu[name], g_cpu[name], dtype, f"{what}: grad {name}")


def random_parameters_(layer: torch.nn.Module, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.randn(p.shape, generator=generator, dtype=p.dtype))


# ------------------------------------------------------------------ linear


@pytest.mark.parametrize("graph_name", list(GRAPHS))
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
def test_linear_matches_cpu(graph_name, dtype, bias):
    graph = GRAPHS[graph_name]()
    n = graph.num_nodes
    in_features, out_features = 3 * n + 2, 2 * n + 3  # not multiples of n
    layer = RelationalLinear(in_features, out_features, graph, bias=bias, implementation="sparse",
                             dtype=torch.float64)
    random_parameters_(layer, seed=n)
    torch.manual_seed(1)
    for shape in [(1, in_features), (5, in_features), (2, 3, in_features), (in_features,)]:
        x = torch.randn(shape, dtype=torch.float64)
        compare_with_cpu(layer, x, dtype, f"linear {graph_name} {dtype} x{tuple(shape)}")


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
def test_linear_large_batch_and_wide_nodes(dtype):
    # One node of 70 outputs (several row tiles per node); 5000 rows split the
    # weight-gradient reduction over blocks (atomicAdd path).
    for graph, in_f, out_f, rows in [(Graph(1), 45, 70, 5000), (graphs.ring_lattice(9, 4), 100, 83, 3001)]:
        layer = RelationalLinear(in_f, out_f, graph, implementation="sparse", dtype=torch.float64)
        random_parameters_(layer, seed=rows)
        torch.manual_seed(2)
        compare_with_cpu(layer, torch.randn(rows, in_f, dtype=torch.float64), dtype, f"linear {in_f}->{out_f} M={rows}")


def test_linear_noncontiguous_and_empty_input():
    layer = RelationalLinear(14, 9, graphs.ring_lattice(5, 2), implementation="sparse", dtype=torch.float64)
    random_parameters_(layer, seed=3)
    x = torch.randn(14, 6, dtype=torch.float64).t()  # a transposed (non-contiguous) input
    assert not x.is_contiguous()
    compare_with_cpu(layer, x, torch.float64, "linear non-contiguous")
    gpu = copy.deepcopy(layer).to(CUDA)
    empty = torch.zeros(0, 14, dtype=torch.float64, device=CUDA, requires_grad=True)
    y = gpu(empty)
    assert y.shape == (0, 9)
    y.sum().backward()
    assert empty.grad.shape == (0, 14)
    assert torch.count_nonzero(gpu.weight.grad) == 0


# ------------------------------------------------------------- convolution

# kernel, stride, padding, dilation, batch, (height, width)
CONV_GEOMETRIES = [
    ((3, 3), 1, 1, 1, 2, (7, 6)),
    ((3, 3), 2, 1, 1, 1, (9, 8)),
    ((2, 3), (2, 1), (0, 2), (1, 2), 3, (7, 9)),
    ((1, 1), 1, 0, 1, 2, (5, 5)),
    ((3, 1), (1, 3), (2, 0), (2, 1), 1, (6, 10)),
]


@pytest.mark.parametrize("graph_name", list(GRAPHS))
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("geometry", range(len(CONV_GEOMETRIES)))
def test_conv2d_matches_cpu(graph_name, dtype, geometry):
    kernel, stride, padding, dilation, batch, (h, w) = CONV_GEOMETRIES[geometry]
    graph = GRAPHS[graph_name]()
    n = graph.num_nodes
    in_channels, out_channels = 2 * n + 1, n + 2  # not multiples of n
    layer = RelationalConv2d(in_channels, out_channels, kernel, graph, stride=stride, padding=padding,
                             dilation=dilation, bias=geometry % 2 == 0, implementation="sparse",
                             dtype=torch.float64)
    random_parameters_(layer, seed=geometry)
    torch.manual_seed(geometry)
    x = torch.randn(batch, in_channels, h, w, dtype=torch.float64)
    compare_with_cpu(layer, x, dtype, f"conv2d {graph_name} {dtype} geometry {CONV_GEOMETRIES[geometry]}")


def test_conv2d_more_column_tiles_than_one_grid_dimension():
    # 2100 x 2100 output pixels = 68,907 tiles of 64 columns > 65,535 (the
    # grid's y limit), so blocks loop over column tiles; the weight gradient
    # splits its 4.4M-long reduction over blocks.
    layer = RelationalConv2d(3, 2, 3, Graph(2), padding=1, implementation="sparse")
    random_parameters_(layer, seed=5)
    torch.manual_seed(5)
    x = torch.randn(1, 3, 2100, 2100, dtype=torch.float64)
    compare_with_cpu(layer.double(), x, torch.float32, "conv2d large image")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16], ids=str)
def test_conv2d_batch_and_many_tiles(dtype):
    # Many small nodes (one output channel each) and a batch of 16: row tiles
    # outnumber the blocks along x and the weight gradient uses atomics.
    layer = RelationalConv2d(24, 20, 3, graphs.ring_lattice(20, 4), stride=2, padding=1, implementation="sparse",
                             dtype=torch.float64)
    random_parameters_(layer, seed=6)
    torch.manual_seed(6)
    compare_with_cpu(layer, torch.randn(16, 24, 17, 15, dtype=torch.float64), dtype, "conv2d batch 16")


# --------------------------------------------------------------- gradcheck


def test_gradcheck_linear_cuda():
    layout = make_layout(graphs.gnp_random_graph(4, 0.5, 1), 7, 6)
    lt = layout.tensor_on(CUDA)
    opts = dict(dtype=torch.float64, device=CUDA, requires_grad=True)
    x = torch.randn(2, 3, 7, **opts)
    w = torch.randn(layout.num_weights, **opts)
    b = torch.randn(6, **opts)
    # nondet_tol: a long weight-gradient reduction may be split over blocks
    # that add with atomics (not the case at this size, but allowed).
    assert torch.autograd.gradcheck(lambda x, w, b: _ops.ops.linear(x, w, b, lt, 6), (x, w, b), nondet_tol=1e-12)


def test_gradcheck_conv2d_cuda():
    layout = make_layout(graphs.ring_lattice(3, 2), 5, 4, (2, 3))
    lt = layout.tensor_on(CUDA)
    opts = dict(dtype=torch.float64, device=CUDA, requires_grad=True)
    x = torch.randn(2, 5, 6, 7, **opts)
    w = torch.randn(layout.num_weights, **opts)
    b = torch.randn(4, **opts)

    def conv(x, w, b):
        return _ops.ops.conv2d(x, w, b, lt, 4, [2, 3], [2, 1], [1, 0], [1, 2])

    assert torch.autograd.gradcheck(conv, (x, w, b), nondet_tol=1e-12)


# ---------------------------------------------------------------- autocast


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_autocast_linear_cuda(dtype):
    layer = RelationalLinear(20, 18, graphs.ring_lattice(6, 2), implementation="sparse").to(CUDA)
    x = torch.randn(4, 20, device=CUDA)
    with torch.autocast("cuda", dtype=dtype):
        y = layer(x)
    assert y.dtype == dtype
    reference = layer(x)
    assert reference.dtype == torch.float32
    assert_close(y.float(), reference, dtype, "autocast linear")
    y.float().sum().backward()
    assert layer.weight.grad.dtype == torch.float32 and torch.isfinite(layer.weight.grad).all()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_autocast_conv2d_cuda(dtype):
    layer = RelationalConv2d(9, 8, 3, graphs.ring_lattice(4, 2), padding=1, implementation="sparse").to(CUDA)
    x = torch.randn(2, 9, 6, 5, device=CUDA)
    with torch.autocast("cuda", dtype=dtype):
        y = layer(x)
    assert y.dtype == dtype
    reference = layer(x)
    assert_close(y.float(), reference, dtype, "autocast conv2d")
    y.float().sum().backward()
    assert layer.weight.grad.dtype == torch.float32 and torch.isfinite(layer.weight.grad).all()


# ------------------------------------------------------------------ errors


def test_cuda_kernels_are_registered():
    for name in ("linear", "linear_grad_input", "linear_grad_weight", "conv2d", "conv2d_grad_input",
                 "conv2d_grad_weight"):
        assert torch._C._dispatch_has_kernel_for_dispatch_key(f"relsparse::{name}", "CUDA"), name


def test_layout_on_another_device_is_rejected():
    layout = make_layout(graphs.ring_lattice(4, 2), 8, 8)
    x = torch.randn(3, 8, device=CUDA)
    w = torch.randn(layout.num_weights, device=CUDA)
    with pytest.raises(ValueError, match="layout is on"):
        _ops.ops.linear(x, w, None, layout.tensor, 8)


def test_layout_not_matching_the_arguments_gives_nan():
    # The host never reads the device layout; the kernels check its header
    # (here: out_ptr[n] == out_features fails) and fill the output with NaN.
    layout = make_layout(graphs.ring_lattice(4, 2), 8, 8)
    lt = layout.tensor_on(CUDA)
    x = torch.randn(3, 8, device=CUDA)
    w = torch.randn(layout.num_weights, device=CUDA)
    y = _ops.ops.linear(x, w, None, lt, 9)
    assert y.shape == (3, 9) and torch.isnan(y).all()
    conv_layout = make_layout(graphs.ring_lattice(4, 2), 8, 8, (3, 3))
    y = _ops.ops.conv2d(torch.randn(1, 8, 5, 5, device=CUDA), torch.randn(conv_layout.num_weights, device=CUDA),
                        None, conv_layout.tensor_on(CUDA), 8, [1, 1], [1, 1], [0, 0], [1, 1])  # kernel 1x1 != 3x3
    assert torch.isnan(y).all()
