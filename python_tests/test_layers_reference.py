"""Relational layers against the dense masked PyTorch reference.

Outputs and all three gradients (input, packed weight, bias) of
RelationalLinear / RelationalConv2d — through the sparse kernels and through
the masked-dense path — must equal F.linear / F.conv2d on the masked dense
weight, for many graphs and shapes: widths not divisible by the node count,
one node, the complete graph, self-loops only (= grouped conv), strides,
padding, dilation, batch 1, non-contiguous inputs.
"""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

import relsparse
from relsparse import graphs
from relsparse.nn import RelationalConv2d, RelationalLinear

from layer_helpers import grads, sample_graphs, tolerance

GRAPHS = sample_graphs()


def _close(a, b, dtype, what):
    tol = tolerance(dtype)
    scale = max(1.0, float(b.detach().abs().max())) if b.numel() else 1.0
    err = float((a - b).detach().abs().max()) if a.numel() else 0.0
    assert err <= tol * scale, f"{what}: max error {err:.3g} > {tol * scale:.3g}"


def _check_against_dense(layer, x, dense_op):
    """Output and all gradients of ``layer`` equal ``dense_op(x, dense weight)`` (the masked dense reference)."""
    dtype = x.dtype
    x = x.detach().requires_grad_(True)
    y = layer(x)
    dense = layer.to_dense().detach().requires_grad_(True)
    y_ref = dense_op(x, dense)
    _close(y, y_ref, dtype, "output")
    gy = torch.randn_like(y)
    params = [x, layer.weight] + ([layer.bias] if layer.bias is not None else [])
    got = grads(y, params, gy)
    want = grads(y_ref, [x, dense] + ([layer.bias] if layer.bias is not None else []), gy)
    _close(got[0], want[0], dtype, "grad input")
    _close(got[1], layer.layout.from_dense(want[1]), dtype, "grad weight")
    if layer.bias is not None:
        _close(got[2], want[2], dtype, "grad bias")


def _check_linear(layer, x):
    _check_against_dense(layer, x, lambda v, w: torch.nn.functional.linear(v, w, layer.bias))


@pytest.mark.parametrize("implementation", ["sparse", "dense"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_linear_matches_masked_dense(name, dtype, implementation):
    g = GRAPHS[name]
    torch.manual_seed(0)
    n = g.num_nodes
    for (w_in, w_out), batch, bias in itertools.product([(n, n), (3 * n + 1, 2 * n + 3), (37, 53)], [1, 7, 130], [True, False]):
        if w_in < n or w_out < n:
            continue
        layer = RelationalLinear(w_in, w_out, g, bias=bias, dtype=dtype, implementation=implementation)
        _check_linear(layer, torch.randn(batch, w_in, dtype=dtype))


@pytest.mark.parametrize("threads", [2, 3])
def test_linear_parallel_passes_with_work_sharing(threads):
    """Layers large enough to run on several workers, which share out the
    last tasks (balanced_for.hpp); 3 threads on a 2-core machine run at
    uneven speeds, so tasks are taken from other workers' shares. Every
    node and tile must still be computed, in all three passes: a task
    skipped or taken from the wrong place leaves uninitialised output."""
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(1)
        g = graphs.connected_ws_flex(64, 8, 0.1, seed=3)
        for batch in (128, 300):  # one batch tile; three, the last partial
            layer = RelationalLinear(640, 770, g, bias=True, dtype=torch.float64)
            for _ in range(3):
                _check_linear(layer, torch.randn(batch, 640, dtype=torch.float64))
    finally:
        torch.set_num_threads(old)


def test_linear_passes_same_bits_for_any_thread_count():
    """Which worker runs which node (or, for batches over 128 rows, which group of nodes reduced
    block by block) depends on timing and on the thread count; each weight's sum still runs over
    the same batch blocks in the same order, so every pass gives the same bits for 1, 2 or 3
    threads: batch 300 (three blocks, the last partial) and 100 (one), on a graph with runs read
    in place and one with scattered, packed neighbourhoods."""
    ops = torch.ops.relsparse
    torch.manual_seed(9)
    old = torch.get_num_threads()
    try:
        for graph, batch in itertools.product((graphs.connected_ws_flex(64, 8, 0.1, seed=2),
                                               graphs.connected_ws_flex(64, 8, 1.0, seed=2)), (300, 100)):
            layer = RelationalLinear(520, 390, graph, implementation="sparse")
            layout, w = layer.layout.tensor_on(torch.device("cpu")), layer.weight.detach()
            x, dy = torch.randn(batch, 520), torch.randn(batch, 390)
            results = []
            for threads in (1, 2, 3, 3, 2):
                torch.set_num_threads(threads)
                results.append((ops.linear(x, w, None, layout, 390), ops.linear_grad_input(dy, w, layout, 520),
                                ops.linear_grad_weight(dy, x, w, layout)))
            for got in results[1:]:
                for a, b in zip(results[0], got):
                    assert torch.equal(a, b), f"batch {batch}"
    finally:
        torch.set_num_threads(old)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_linear_weight_gradient_in_place_runs_and_packed_panels(dtype):
    """The weight gradient reads a node's input columns in place, one run of
    consecutive neighbours at a time (ring lattices: one run per node), or
    packs scattered neighbourhoods (a fully rewired graph over 8-channel
    blocks) into a panel first. In-place runs read whole vectors past a
    run's end, so widths below one vector and batches of 1-2 rows check
    that the last rows of x are read from the zero-padded copy."""
    torch.manual_seed(2)
    cases = [
        (graphs.ring_lattice(16, 4), 37, 41),
        (graphs.ring_lattice(5, 2), 5, 7),  # one channel per node: the tail copy spans several rows
        (graphs.complete_graph(6), 13, 9),
        (graphs.connected_ws_flex(64, 8, 1.0, seed=4), 512, 96),  # scattered: packed
        (graphs.connected_ws_flex(64, 8, 0.1, seed=4), 520, 130),  # mostly in place, some packed
    ]
    for graph, w_in, w_out in cases:
        layer = RelationalLinear(w_in, w_out, graph, bias=False, dtype=dtype, implementation="sparse")
        for batch in (1, 2, 17, 130):
            _check_linear(layer, torch.randn(batch, w_in, dtype=dtype))


def test_linear_accepts_leading_dims_and_noncontiguous_inputs():
    g = GRAPHS["ws_flex_16"]
    layer = RelationalLinear(40, 24, g, dtype=torch.float64, implementation="sparse")
    base = torch.randn(3, 40, 5, dtype=torch.float64)
    x = base.transpose(1, 2)  # (3, 5, 40), not contiguous
    assert not x.is_contiguous()
    _check_linear(layer, x)
    y = layer(x)
    assert y.shape == (3, 5, 24)
    torch.testing.assert_close(y, layer(x.contiguous()))


def test_complete_graph_linear_is_dense_linear():
    dense = nn.Linear(30, 20, dtype=torch.float64)
    layer = RelationalLinear.from_dense(dense.weight.detach(), graphs.complete_graph(10), bias=dense.bias.detach(),
                                        implementation="sparse")
    assert layer.density == 1.0 and layer.weight.numel() == 600
    x = torch.randn(4, 30, dtype=torch.float64)
    torch.testing.assert_close(layer(x), dense(x))


def test_complete_graph_dense_path_is_a_view_of_the_packed_weight():
    """Nothing masked: to_dense is the packed weight reshaped (no scatter per call), gradients included."""
    g = graphs.complete_graph(10)
    layer = RelationalLinear(30, 20, g, dtype=torch.float64, implementation="dense")
    assert layer.layout.packed_is_dense
    assert layer.layout.to_dense(layer.weight).data_ptr() == layer.weight.data_ptr()
    x = torch.randn(4, 30, dtype=torch.float64)
    dense = nn.Linear(30, 20, dtype=torch.float64)
    with torch.no_grad():
        dense.weight.copy_(layer.to_dense())
        dense.bias.copy_(layer.bias)
    layer(x).pow(2).sum().backward()
    dense(x).pow(2).sum().backward()
    torch.testing.assert_close(layer.weight.grad, dense.weight.grad.reshape(-1))
    assert layer.to_dense().data_ptr() != layer.weight.data_ptr()  # the module's copy is its own
    ring = RelationalLinear(30, 20, graphs.ring_lattice(10, 2), dtype=torch.float64)
    assert not ring.layout.packed_is_dense


def _check_conv(layer, x):
    _check_against_dense(
        layer, x, lambda v, w: torch.nn.functional.conv2d(v, w, layer.bias, layer.stride, layer.padding, layer.dilation)
    )


CONV_GEOMETRIES = [
    dict(kernel_size=3, stride=1, padding=1, dilation=1),
    dict(kernel_size=3, stride=2, padding=1, dilation=1),
    dict(kernel_size=(3, 1), stride=(1, 2), padding=(0, 1), dilation=1),
    dict(kernel_size=3, stride=1, padding=2, dilation=2),
    dict(kernel_size=1, stride=1, padding=0, dilation=1),
    dict(kernel_size=(2, 3), stride=(2, 3), padding=0, dilation=(2, 1)),
]


@pytest.mark.parametrize("implementation", ["sparse", "dense"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_conv_matches_masked_dense(name, dtype, implementation):
    g = GRAPHS[name]
    torch.manual_seed(1)
    n = g.num_nodes
    for geometry, (c_in, c_out), batch in itertools.product(CONV_GEOMETRIES, [(n, n), (2 * n + 1, n + 2)], [1, 3]):
        layer = RelationalConv2d(c_in, c_out, graph=g, dtype=dtype, implementation=implementation, **geometry)
        _check_conv(layer, torch.randn(batch, c_in, 9, 10, dtype=dtype))


def test_conv_passes_same_bits_for_any_thread_count_and_schedule():
    """The conv passes share their tasks out as the workers finish (balanced_for.hpp), so which
    worker runs which image or band depends on timing; with 3 threads on 2 cores, tasks are taken
    from other workers' shares. The weight gradient sums its tasks' parts in a fixed order
    (balanced_sum), so every pass must give the same bits on every call and for 1, 2 or 3 threads:
    batch-lane bands (batch 16, 48 x 48), whole-batch lanes (batch 16, 9 x 9) and per-image im2col
    (batch 5, stride 2)."""
    ops = torch.ops.relsparse
    g = graphs.connected_ws_flex(16, 4, 0.2, seed=2)
    torch.manual_seed(7)
    cases = [(16, 48, 1), (16, 9, 1), (5, 30, 2)]
    old = torch.get_num_threads()
    try:
        for batch, size, stride in cases:
            layer = RelationalConv2d(32, 32, 3, g, stride=stride, padding=1, implementation="sparse")
            layout, w = layer.layout.tensor_on(torch.device("cpu")), layer.weight.detach()
            geometry = ([3, 3], [stride, stride], [1, 1], [1, 1])
            x = torch.randn(batch, 32, size, size)
            dy = torch.randn_like(ops.conv2d(x, w, None, layout, 32, *geometry))
            results = []
            for threads in (1, 2, 3, 3, 3, 2):
                torch.set_num_threads(threads)
                results.append((
                    ops.conv2d(x, w, None, layout, 32, *geometry),
                    ops.conv2d_grad_input(dy, w, layout, list(x.shape), *geometry),
                    ops.conv2d_grad_weight(dy, x, w, layout, *geometry),
                ))
            for got in results[1:]:
                for a, b in zip(results[0], got):
                    assert torch.equal(a, b), f"batch {batch}, {size}x{size}, stride {stride}"
    finally:
        torch.set_num_threads(old)


def test_conv_large_image_spans_several_pixel_tiles():
    g = graphs.connected_ws_flex(8, 3, 0.2, seed=0)
    layer = RelationalConv2d(24, 16, 3, g, padding=1, dtype=torch.float64, implementation="sparse")
    _check_conv(layer, torch.randn(2, 24, 61, 57, dtype=torch.float64))


def test_conv_batch_smaller_and_larger_than_threads():
    g = graphs.connected_ws_flex(8, 3, 0.2, seed=0)
    layer = RelationalConv2d(16, 16, 3, g, padding=1, dtype=torch.float64, implementation="sparse")
    for batch in (1, torch.get_num_threads() + 3):
        _check_conv(layer, torch.randn(batch, 16, 12, 12, dtype=torch.float64))
        # Several forward tiles per image: one image's tiles split over workers, each padding it.
        _check_conv(layer, torch.randn(batch, 16, 30, 31, dtype=torch.float64))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_conv_batch_lane_layout(dtype):
    """Batches that fill the SIMD lanes take the batch-lane weight gradient (every geometry, full and part groups)."""
    lanes = 64 // torch.finfo(dtype).bits * 8
    g = graphs.connected_ws_flex(8, 3, 0.2, seed=0)
    torch.manual_seed(2)
    for geometry, batch in itertools.product(CONV_GEOMETRIES, (lanes, lanes * 3 // 4, lanes + 1, 2 * lanes)):
        layer = RelationalConv2d(17, 12, graph=g, dtype=dtype, implementation="sparse", **geometry)
        _check_conv(layer, torch.randn(batch, 17, 9, 10, dtype=dtype))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_conv_batch_lane_layout_in_bands(dtype):
    """Outputs of >= 448 pixels: the batch-lane weight gradient runs band by band (each worker its
    bands of one group, summed in a fixed order), including a last band shorter than the others."""
    lanes = 64 // torch.finfo(dtype).bits * 8
    g = graphs.connected_ws_flex(8, 3, 0.2, seed=1)
    torch.manual_seed(4)
    for geometry, batch in itertools.product(CONV_GEOMETRIES, (lanes, lanes + 3)):
        layer = RelationalConv2d(9, 10, graph=g, dtype=dtype, implementation="sparse", **geometry)
        # 40 x 45 gives 460 to 1800 output pixels in five geometries (bands of 9 to 19 rows, the last
        # one shorter) and 285 in the (2, 3)-strided one, which takes the whole-batch path.
        _check_conv(layer, torch.randn(batch, 9, 40, 45, dtype=dtype))


@pytest.mark.parametrize("channels", [(64, 64), (128, 64), (64, 130)])
def test_conv_narrow_nodes_multiplied_in_row_groups(channels):
    """One or two channels per node on a rewired ring: the CPU kernels multiply runs of such nodes
    together over the union of their neighbourhoods (row groups, zero weights off the graph)."""
    g = graphs.connected_ws_flex(64, 16, 0.1, seed=0)
    torch.manual_seed(3)
    for geometry in (dict(kernel_size=3, padding=1), dict(kernel_size=(3, 1), padding=(2, 0), dilation=(2, 1))):
        layer = RelationalConv2d(*channels, graph=g, dtype=torch.float64, implementation="sparse", **geometry)
        _check_conv(layer, torch.randn(2, channels[0], 7, 9, dtype=torch.float64))


def test_self_loops_only_is_grouped_conv():
    groups = 4
    conv = nn.Conv2d(16, 12, 3, padding=1, groups=groups, bias=False, dtype=torch.float64)
    layer = RelationalConv2d(16, 12, 3, relsparse.Graph(groups), padding=1, bias=False, dtype=torch.float64,
                             implementation="sparse")
    # Block i of the relational weight = group i of the grouped conv.
    dense = torch.zeros(12, 16, 3, 3, dtype=torch.float64)
    for i in range(groups):
        dense[3 * i : 3 * i + 3, 4 * i : 4 * i + 4] = conv.weight.detach()[3 * i : 3 * i + 3]
    layer.load_dense_(dense)
    assert layer.weight.numel() == conv.weight.numel()
    x = torch.randn(2, 16, 8, 8, dtype=torch.float64)
    torch.testing.assert_close(layer(x), conv(x))


def test_noncontiguous_conv_input():
    g = GRAPHS["ws_flex_16"]
    layer = RelationalConv2d(16, 16, 3, g, padding=1, dtype=torch.float64, implementation="sparse")
    x = torch.randn(2, 9, 9, 16, dtype=torch.float64).permute(0, 3, 1, 2)
    assert not x.is_contiguous()
    _check_conv(layer, x)


def _in_layout(shape, kind: str, dtype) -> torch.Tensor:
    """Random values of `shape` (N, C, H, W) stored in a non-contiguous layout of the given kind."""
    n, c, h, w = shape
    if kind == "channels_last":
        return torch.randn(shape, dtype=dtype).to(memory_format=torch.channels_last)
    if kind == "every_other_column":  # column stride 2
        return torch.randn(n, c, h, 2 * w, dtype=dtype)[..., ::2]
    if kind == "padded_rows":  # unit columns, rows not end to end
        return torch.randn(n, c, h, w + 3, dtype=dtype)[..., :w]
    if kind == "channels_major":  # whole planes, batch and channel strides swapped
        return torch.randn(c, n, h, w, dtype=dtype).transpose(0, 1)
    assert kind == "expanded"  # zero strides, as the gradient of y.sum()
    return torch.randn(1, c, 1, w, dtype=dtype).expand(shape)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16])
@pytest.mark.parametrize("kind", ["channels_last", "every_other_column", "padded_rows", "channels_major", "expanded"])
def test_conv_ops_read_any_layout_in_place(dtype, kind):
    """The CPU conv ops read x and dy through their strides (csrc/ops/cpu/planes.hpp), with no
    contiguous copy, in every path: stride 1 (padded planes) and 2 (im2col), per-image (batch 3) and
    batch-lane (batch 13) weight gradients, rows interleaved whole or one by one, channels_last
    pixels transposed a vector's worth at a time and one by one (widths 11 and 37). Each result must
    have the same bits as the same call on contiguous copies."""
    ops = torch.ops.relsparse
    g = graphs.connected_ws_flex(8, 4, 0.3, seed=1)
    torch.manual_seed(5)
    for batch, stride, (height, width) in itertools.product((3, 13), (1, 2), ((9, 11), (7, 37))):
        layer = RelationalConv2d(16, 12, 3, g, stride=stride, padding=1, dtype=dtype, implementation="sparse")
        layout, w = layer.layout.tensor_on(torch.device("cpu")), layer.weight.detach()
        geometry = ([3, 3], [stride, stride], [1, 1], [1, 1])
        x = _in_layout((batch, 16, height, width), kind, dtype)
        y = ops.conv2d(x, w, None, layout, 12, *geometry)
        dy = _in_layout(tuple(y.shape), kind, dtype)
        assert not x.is_contiguous() and not dy.is_contiguous()
        xc, dyc = x.contiguous(), dy.contiguous()
        assert torch.equal(y, ops.conv2d(xc, w, None, layout, 12, *geometry))
        gx = ops.conv2d_grad_input(dy, w, layout, list(x.shape), *geometry)
        assert torch.equal(gx, ops.conv2d_grad_input(dyc, w, layout, list(x.shape), *geometry))
        gw = ops.conv2d_grad_weight(dy, x, w, layout, *geometry)
        assert torch.equal(gw, ops.conv2d_grad_weight(dyc, xc, w, layout, *geometry))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16])
def test_conv_keeps_channels_last(dtype):
    """As nn.Conv2d does, a channels_last input gives a channels_last output and a channels_last
    gradient a channels_last input gradient (CPU kernels), with the same bits as through contiguous
    tensors (the bias gradient, a torch sum over the gradient, up to rounding: its order follows the
    layout). 20 and 36 channels leave a tail after the 16-channel (8 in fp64) transposes; stride 2
    takes the im2col path; batch 13 the batch-lane weight gradient."""
    g = graphs.connected_ws_flex(8, 4, 0.3, seed=1)
    torch.manual_seed(8)
    for (stride, c_out), batch in itertools.product(((1, 36), (2, 12)), (3, 13)):
        layer = RelationalConv2d(20, c_out, 3, g, stride=stride, padding=1, dtype=dtype, implementation="sparse")
        x = torch.randn(batch, 20, 9, 21, dtype=dtype)
        results = []
        for fmt in (torch.channels_last, torch.contiguous_format):
            xi = x.to(memory_format=fmt).requires_grad_(True)
            layer.zero_grad(set_to_none=True)
            y = layer(xi)
            gy = torch.linspace(-1, 1, y.numel(), dtype=dtype).reshape(y.shape).to(memory_format=fmt)
            y.backward(gy)
            assert y.is_contiguous(memory_format=fmt) and xi.grad.is_contiguous(memory_format=fmt)
            results.append((y, xi.grad, layer.weight.grad, layer.bias.grad))
        for a, b in zip(results[0][:3], results[1][:3]):
            assert torch.equal(a, b), f"stride {stride}, batch {batch}"
        _close(results[0][3], results[1][3], dtype, "bias gradient")


def test_conv_sum_backward_matches_masked_dense():
    """`layer(x).sum().backward()` hands the backward an expanded (zero-stride) gradient, which the
    CPU kernels read in place; the gradients must still be the masked dense reference's."""
    g = GRAPHS["ws_flex_16"]
    torch.manual_seed(6)
    for batch in (2, 13):
        layer = RelationalConv2d(16, 16, 3, g, padding=1, dtype=torch.float64, implementation="sparse")
        x = torch.randn(batch, 16, 9, 9, dtype=torch.float64, requires_grad=True)
        layer(x).sum().backward()
        dense = layer.to_dense().detach().requires_grad_(True)
        x_ref = x.detach().clone().requires_grad_(True)
        torch.nn.functional.conv2d(x_ref, dense, layer.bias, 1, 1).sum().backward()
        torch.testing.assert_close(x.grad, x_ref.grad)
        torch.testing.assert_close(layer.weight.grad, layer.layout.from_dense(dense.grad))


def _linear_in_layout(rows: int, features: int, kind: str, dtype) -> torch.Tensor:
    """Random (rows, features) values stored in a non-contiguous layout of the given kind."""
    if kind == "padded_rows":  # unit columns, rows not end to end
        return torch.randn(rows, features + 5, dtype=dtype)[:, :features]
    if kind == "every_other_column":  # column stride 2 (copied once by the op)
        return torch.randn(rows, 2 * features, dtype=dtype)[:, ::2]
    if kind == "transposed":
        return torch.randn(features, rows, dtype=dtype).t()
    assert kind == "expanded"  # zero row stride, as the gradient of y.sum()
    return torch.randn(1, features, dtype=dtype).expand(rows, features)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16])
@pytest.mark.parametrize("kind", ["padded_rows", "every_other_column", "transposed", "expanded"])
def test_linear_ops_read_any_layout(dtype, kind):
    """The CPU linear ops read x and dy rows through their stride (the expanded gradient of
    y.sum() with no copy). Batches 1, 17 (a part vector) and 128 (panel rows an odd number of cache
    lines apart); scattered and consecutive neighbours in the weight gradient. Each result must
    have the same bits as the same call on contiguous copies."""
    ops = torch.ops.relsparse
    torch.manual_seed(7)
    for graph, batch in itertools.product((graphs.connected_ws_flex(8, 4, 0.0, seed=1),
                                           graphs.connected_ws_flex(8, 4, 1.0, seed=1)), (1, 17, 128)):
        layer = RelationalLinear(40, 36, graph, dtype=dtype, implementation="sparse")
        layout, w = layer.layout.tensor_on(torch.device("cpu")), layer.weight.detach()
        x, dy = _linear_in_layout(batch, 40, kind, dtype), _linear_in_layout(batch, 36, kind, dtype)
        xc, dyc = x.contiguous(), dy.contiguous()
        assert torch.equal(ops.linear(x, w, None, layout, 36), ops.linear(xc, w, None, layout, 36))
        assert torch.equal(ops.linear_grad_input(dy, w, layout, 40), ops.linear_grad_input(dyc, w, layout, 40))
        assert torch.equal(ops.linear_grad_weight(dy, x, w, layout), ops.linear_grad_weight(dyc, xc, w, layout))


def test_linear_sum_backward_matches_masked_dense():
    """`layer(x).sum().backward()` hands the backward an expanded (zero-stride) gradient, which the
    CPU kernels read in place; the gradients must still be the masked dense reference's."""
    g = GRAPHS["ws_flex_16"]
    torch.manual_seed(6)
    for batch in (1, 19, 64):
        layer = RelationalLinear(48, 40, g, dtype=torch.float64, implementation="sparse")
        x = torch.randn(batch, 48, dtype=torch.float64, requires_grad=True)
        layer(x).sum().backward()
        dense = layer.to_dense().detach().requires_grad_(True)
        x_ref = x.detach().clone().requires_grad_(True)
        torch.nn.functional.linear(x_ref, dense, layer.bias).sum().backward()
        torch.testing.assert_close(x.grad, x_ref.grad)
        torch.testing.assert_close(layer.weight.grad, layer.layout.from_dense(dense.grad))


def test_sparse_and_dense_implementations_agree():
    g = graphs.connected_ws_flex(64, 8, 0.1, seed=0)
    torch.manual_seed(0)
    lin = RelationalLinear(200, 150, g, dtype=torch.float64, implementation="sparse")
    x = torch.randn(9, 200, dtype=torch.float64)
    y_sparse = lin(x)
    lin.implementation = "dense"
    torch.testing.assert_close(lin(x), y_sparse)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_low_precision_inputs_compute_in_float(dtype):
    g = GRAPHS["ws_flex_16"]
    torch.manual_seed(0)
    lin = RelationalLinear(48, 32, g, implementation="sparse")
    conv = RelationalConv2d(32, 16, 3, g, padding=1, implementation="sparse")
    x = torch.randn(5, 48)
    ref = lin(x)
    lin_low = RelationalLinear(48, 32, g, implementation="sparse", dtype=dtype)
    lin_low.load_state_dict(lin.state_dict())
    got = lin_low(x.to(dtype))
    assert got.dtype == dtype
    torch.testing.assert_close(got.float(), ref, atol=0.1, rtol=0.05)
    xc = torch.randn(16, 32, 6, 6)  # a whole group of lanes: the batch-lane weight gradient
    conv_low = RelationalConv2d(32, 16, 3, g, padding=1, implementation="sparse", dtype=dtype)
    conv_low.load_state_dict(conv.state_dict())
    out = conv_low(xc.to(dtype))
    assert out.dtype == dtype
    ref = conv(xc)
    torch.testing.assert_close(out.float(), ref, atol=0.15, rtol=0.05)
    gy = torch.randn_like(ref)
    out.backward(gy.to(dtype))
    ref.backward(gy)
    assert conv_low.weight.grad.dtype == dtype
    scale = float(conv.weight.grad.abs().max())
    torch.testing.assert_close(conv_low.weight.grad.float(), conv.weight.grad, atol=0.02 * scale, rtol=0.02)
