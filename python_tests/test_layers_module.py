"""RelationalLinear / RelationalConv2d as modules: parameters, state_dict,
initialisation, repr, dense conversions and bad input."""

from __future__ import annotations

import io
import math

import networkx as nx
import numpy as np
import pytest
import torch

import relsparse
from relsparse import graphs
from relsparse.nn import RelationalConv2d, RelationalLinear, split_channels
from relsparse.nn.layout import make_layout


def test_partition_rule_and_graph2nn_permutation():
    assert split_channels(9, 4).tolist() == [3, 2, 2, 2]
    assert split_channels(1539, 64).sum() == 1539
    sizes = split_channels(70, 64, permute=True)
    # graph2nn: np.random.seed(1); np.random.permutation(sizes)
    state = np.random.get_state()
    np.random.seed(1)
    expected = np.random.permutation(split_channels(70, 64))
    np.random.set_state(state)
    assert sizes.tolist() == expected.tolist()
    with pytest.raises(ValueError, match="smaller than the graph's 64 nodes"):
        split_channels(63, 64)


def test_only_trainable_blocks_are_parameters():
    g = graphs.connected_ws_flex(64, 8, 0.1, seed=0)
    layer = RelationalLinear(512, 512, g, bias=False)
    layout = layer.layout
    expected = sum(
        layout.out_sizes[i] * layout.in_sizes[j]
        for i in range(64)
        for j in set(np.nonzero(g.to_adjacency()[i])[0].tolist()) | {i}
    )
    assert layer.weight.numel() == expected == sum(p.numel() for p in layer.parameters())
    assert abs(layer.density - expected / 512**2) < 1e-12
    assert int(layer.mask().sum()) == expected


def test_dense_round_trip_and_mask():
    g = graphs.connected_ws_flex(8, 3, 0.3, seed=4)
    dense = torch.randn(21, 19, 3, 3, dtype=torch.float64)
    layer = RelationalConv2d.from_dense(dense, g, implementation="sparse")
    back = layer.to_dense().detach()
    mask = layer.mask()
    torch.testing.assert_close(back[mask], dense[mask])
    assert torch.all(back[~mask] == 0)


def test_state_dict_round_trip_without_the_graph_object():
    g = graphs.connected_ws_flex(16, 4, 0.5, seed=7)
    layer = RelationalLinear(40, 33, g, permute=True)
    buffer = io.BytesIO()
    torch.save(layer.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer)
    # A layer built with another graph (of the same widths) adopts the checkpoint's.
    other = RelationalLinear(40, 33, graphs.complete_graph(5))
    other.load_state_dict(state)
    assert other.graph == g
    assert other.layout.in_sizes.tolist() == layer.layout.in_sizes.tolist()
    x = torch.randn(3, 40)
    torch.testing.assert_close(other(x), layer(x))
    # and a plain round trip is exact
    same = RelationalLinear(40, 33, g, permute=True)
    same.load_state_dict(layer.state_dict())
    torch.testing.assert_close(same.weight, layer.weight)


def test_state_dict_with_other_widths_is_a_clear_error():
    a = RelationalLinear(40, 32, graphs.complete_graph(4))
    b = RelationalLinear(48, 32, graphs.complete_graph(4))
    with pytest.raises(RuntimeError, match="checkpoint maps 40 -> 32 features, this layer 48 -> 32"):
        b.load_state_dict(a.state_dict())
    state = a.state_dict()
    state["weight"] = state["weight"][:-1]
    with pytest.raises(RuntimeError, match="size mismatch"):
        RelationalLinear(40, 32, graphs.complete_graph(4)).load_state_dict(state)


def test_conv_state_dict_keeps_geometry_and_graph():
    g = graphs.connected_ws_flex(8, 2, 0.5, seed=1)
    conv = RelationalConv2d(16, 24, 3, g, stride=2, padding=1)
    twin = RelationalConv2d(16, 24, 3, graphs.complete_graph(8), stride=2, padding=1)
    twin.load_state_dict(conv.state_dict())
    x = torch.randn(2, 16, 9, 9)
    torch.testing.assert_close(twin(x), conv(x))


def test_fan_in_initialisation_uses_each_nodes_real_neighbourhood():
    g = relsparse.Graph(4, [(0, 1)])  # node 0, 1 see 2 nodes; 2, 3 only themselves
    torch.manual_seed(0)
    layer = RelationalLinear(400, 400, g)
    dense = layer.to_dense().detach()
    bound_01 = 1 / math.sqrt(200)  # 2 nodes x 100 channels
    bound_23 = 1 / math.sqrt(100)
    assert dense[:200].abs().max() <= bound_01 and dense[:200].abs().max() > 0.9 * bound_01
    assert dense[200:].abs().max() <= bound_23 and dense[200:].abs().max() > 0.9 * bound_23
    assert layer.bias[:200].abs().max() <= bound_01


def test_graph2nn_initialisation():
    g = graphs.connected_ws_flex(16, 4, 0.2, seed=0)
    torch.manual_seed(0)
    lin = RelationalLinear(512, 512, g, init="graph2nn")
    assert abs(float(lin.weight.detach().std()) - 0.01) < 0.001
    assert torch.all(lin.bias == 0)
    conv = RelationalConv2d(64, 64, 3, g, init="graph2nn")
    expected = math.sqrt(2 / (9 * 64 * conv.density))
    assert abs(float(conv.weight.detach().std()) / expected - 1) < 0.05


def test_reset_parameters_with_generator_is_reproducible():
    g = graphs.complete_graph(4)
    layer = RelationalLinear(8, 8, g)
    layer.reset_parameters(torch.Generator().manual_seed(3))
    first = layer.weight.detach().clone()
    layer.reset_parameters(torch.Generator().manual_seed(3))
    torch.testing.assert_close(layer.weight, first)


def test_extra_repr_shows_nodes_edges_density():
    layer = RelationalLinear(64, 64, graphs.ring_lattice(8, 2), bias=False)
    text = repr(layer)
    assert "nodes=8" in text and "edges=8" in text and "density=0.375" in text and "bias=False" in text


def test_networkx_graphs_are_accepted():
    layer = RelationalLinear(10, 10, nx.cycle_graph(5))
    assert layer.graph.num_edges == 5


def test_modules_move_with_to_and_train_with_optimizers():
    layer = RelationalConv2d(8, 8, 3, graphs.ring_lattice(4, 2), padding=1).double()
    assert layer.weight.dtype == torch.float64 and layer.layout_tensor.dtype == torch.int64
    opt = torch.optim.SGD(layer.parameters(), lr=0.1, weight_decay=1e-4)
    loss = layer(torch.randn(2, 8, 5, 5, dtype=torch.float64)).pow(2).mean()
    loss.backward()
    opt.step()


# ----------------------------------------------------------- bad input
def test_bad_constructor_arguments():
    g = graphs.complete_graph(8)
    with pytest.raises(ValueError, match="in_features"):
        RelationalLinear(0, 8, g)
    with pytest.raises(ValueError, match="smaller than the graph's 8 nodes"):
        RelationalLinear(4, 16, g)
    with pytest.raises(ValueError, match="smaller than the graph's 8 nodes"):
        RelationalConv2d(16, 4, 3, g)
    with pytest.raises(ValueError, match="kernel_size"):
        RelationalConv2d(16, 16, 0, g)
    with pytest.raises(ValueError, match="init"):
        RelationalLinear(8, 8, g, init="xavier")
    with pytest.raises(ValueError, match="implementation"):
        RelationalLinear(8, 8, g, implementation="fast")
    with pytest.raises(TypeError, match="DiGraph"):
        RelationalLinear(8, 8, relsparse.DiGraph(2, [(0, 1)]))
    with pytest.raises(TypeError, match="graph must be"):
        RelationalLinear(8, 8, "ring")
    with pytest.raises(ValueError, match="no nodes"):
        RelationalLinear(8, 8, relsparse.Graph(0))


def test_bad_forward_inputs():
    g = graphs.ring_lattice(4, 2)
    lin = RelationalLinear(8, 8, g, implementation="sparse")
    with pytest.raises(ValueError, match="in_features=8"):
        lin(torch.randn(3, 7))
    with pytest.raises(TypeError, match="dtype"):
        lin(torch.randn(3, 8, dtype=torch.float64))
    with pytest.raises(TypeError, match="dtype"):
        lin(torch.ones(3, 8, dtype=torch.int64))
    conv = RelationalConv2d(8, 8, 3, g, implementation="sparse")
    with pytest.raises(ValueError, match=r"\(N, 8, H, W\)"):
        conv(torch.randn(2, 7, 5, 5))
    with pytest.raises(ValueError, match="too small for the kernel"):
        conv(torch.randn(2, 8, 2, 2))
    layout = make_layout(g, 8, 8)
    with pytest.raises(ValueError, match="packed 1-d tensor of"):
        relsparse.nn.functional.relational_linear(torch.randn(2, 8), torch.randn(8, 8), None, layout)
    with pytest.raises(ValueError, match="malformed relational layout"):
        torch.ops.relsparse.linear(torch.randn(2, 8), torch.randn(layout.num_weights), None,
                                   torch.zeros(50, dtype=torch.int64), 8)
    with pytest.raises(ValueError, match="bias must have shape"):
        torch.ops.relsparse.linear(torch.randn(2, 8), torch.randn(layout.num_weights), torch.randn(3),
                                   layout.tensor, 8)


def test_dispatch_thresholds_follow_density_and_batch(monkeypatch):
    from relsparse.nn import functional as RF
    from relsparse.nn.layout import make_layout

    cpu = torch.device("cpu")
    small = RF.SMALL_BATCH - 1
    assert RF.dense_threshold(cpu, "conv2d") == RF.DENSE_THRESHOLD[("cpu", "conv2d")]
    assert RF.dense_threshold(cpu, "conv2d", RF.SMALL_BATCH) == RF.DENSE_THRESHOLD[("cpu", "conv2d")]
    assert RF.dense_threshold(cpu, "conv2d", small) == RF.SMALL_BATCH_THRESHOLD[("cpu", "conv2d")]
    assert RF.dense_threshold(cpu, "linear", 1) == RF.DENSE_THRESHOLD[("cpu", "linear")]
    # density 0.58: between the small-batch threshold and the other one
    k36 = make_layout(graphs.connected_ws_flex(64, 36, 0.1, seed=0), 128, 128, kernel_size=(3, 3))
    assert RF.SMALL_BATCH_THRESHOLD[("cpu", "conv2d")] <= k36.density < RF.DENSE_THRESHOLD[("cpu", "conv2d")]
    assert RF._choose(k36, cpu, "conv2d", "auto", batch=32) and not RF._choose(k36, cpu, "conv2d", "auto", batch=8)
    assert RF._choose(k36, cpu, "conv2d", "sparse", batch=8)  # forcing still reaches the kernels
    # The module passes its batch: a small batch of this layer runs dense, a large one sparse (same numbers).
    sparse_calls = []

    class Spy:
        def __getattr__(self, name):
            sparse_calls.append(name)
            return getattr(torch.ops.relsparse, name)

    monkeypatch.setattr(RF._ops, "ops", Spy())
    layer = RelationalConv2d(128, 128, 3, k36.graph, padding=1, dtype=torch.float64)
    x = torch.randn(RF.SMALL_BATCH, 128, 5, 5, dtype=torch.float64)
    y_sparse = layer(x)
    assert sparse_calls == ["conv2d"]
    y_dense = layer(x[:2])
    assert sparse_calls == ["conv2d"]
    torch.testing.assert_close(y_sparse[:2], y_dense)
    dense_graph = graphs.complete_graph(8)
    assert not RF._choose(make_layout(dense_graph, 64, 64), cpu, "linear", "auto")
