"""FLOPs counting as graph2nn counts it, and width matching (DESIGN.md: 1539)."""

from __future__ import annotations

import pytest
from torch import nn

from relsparse import graphs
from relsparse.nn import RelationalConv2d, RelationalLinear
from relsparse.nn.flops import count_flops, count_parameters, match_width


def mlp(width, graph):
    layers = [nn.Flatten(), nn.Linear(3072, 512, bias=False), nn.BatchNorm1d(512), nn.ReLU()]
    d_in = 512
    for _ in range(3):
        layers += [RelationalLinear(d_in, width, graph, bias=False), nn.BatchNorm1d(width), nn.ReLU()]
        d_in = width
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def test_complete_graph_mlp_budget():
    assert count_flops(mlp(512, graphs.complete_graph(64)), (3, 32, 32)) == 2_364_416


def test_width_matching_reproduces_the_paper_example():
    g = graphs.connected_ws_flex(64, 8, 0.008154, seed=22)
    budget = count_flops(mlp(512, graphs.complete_graph(64)), (3, 32, 32))
    width = match_width(lambda w: mlp(w, g), budget, (3, 32, 32), low=64)
    assert width == 1539
    assert count_flops(mlp(1539, g), (3, 32, 32)) >= budget > count_flops(mlp(1538, g), (3, 32, 32))


def test_conv_counts_weights_times_output_pixels():
    g = graphs.ring_lattice(8, 2)
    rel = RelationalConv2d(16, 16, 3, g, stride=2, padding=1, bias=False)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), rel,
                          nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False))
    total, per_layer = count_flops(model, (3, 8, 8), per_layer=True)
    assert per_layer["0"] == 3 * 16 * 9 * 64
    assert per_layer["1"] == rel.weight.numel() * 16
    assert per_layer["2"] == 16 * 9 * 16
    assert total == sum(per_layer.values())
    assert count_parameters(model) == 3 * 16 * 9 + rel.weight.numel() + 16 * 9


def test_flops_bias_flag_counts_the_bias():
    conv = nn.Conv2d(8, 4, 1)
    conv.flops_bias = True
    assert count_flops(conv, (8, 1, 1)) == 8 * 4 + 4


def test_unreachable_budget_is_a_clear_error():
    g = graphs.ring_lattice(4, 2)
    with pytest.raises(ValueError, match="too large"):
        match_width(lambda w: mlp(w, g), 10**12, (3, 32, 32), low=4, high=256)
    with pytest.raises(ValueError, match="budget must be positive|positive number"):
        match_width(lambda w: mlp(w, g), 0, (3, 32, 32))
