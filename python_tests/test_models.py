"""The model zoo (relsparse.models): FLOPs budgets of DESIGN.md, width matching,
forward passes, relationalize, and bad input."""

from __future__ import annotations

import networkx as nx
import pytest
import torch
from torch import nn

import relsparse
from relsparse import graphs, models
from relsparse.graph import DiGraph
from relsparse.nn import RelationalConv2d, RelationalLinear
from relsparse.nn.flops import count_flops

# DESIGN.md, "Reference facts": complete-graph baselines, graph2nn's counting.
DESIGN_FLOPS = {
    "mlp": 2_364_416,
    "cnn": 166_438_912,
    "resnet34": 3_663_761_408,
    "resnet34_sep": 553_614_592,
    "resnet50": 4_089_184_256,
    "efficientnet_b0": 385_824_092,
}
BUILDERS = {
    "mlp": models.MLP, "cnn": models.CNN, "resnet34": models.resnet34, "resnet34_sep": models.resnet34_sep,
    "resnet50": models.resnet50, "efficientnet_b0": models.efficientnet_b0,
}
SMALL_INPUT = {name: (3, 64, 64) for name in DESIGN_FLOPS}
SMALL_INPUT["mlp"] = (3, 32, 32)


def ws(n: int = 64, k: float = 8, p: float = 0.1, seed: int = 0):
    return graphs.connected_ws_flex(n, k, p, seed=seed)


def graph_for(name: str):
    return ws(16, 4, 0.2, 0) if name == "efficientnet_b0" else ws()


def meta_flops(name: str, graph, width: int, **kwargs) -> int:
    """FLOPs of the builder's model, built on the meta device (independent of models.build)."""
    shape = kwargs.get("input_shape", models.MODELS[name].input_shape)
    model = BUILDERS[name](graph, width, init="graph2nn", device="meta", **kwargs)
    return count_flops(model, shape)


def relational(model: nn.Module) -> list:
    return [m for m in model.modules() if isinstance(m, (RelationalLinear, RelationalConv2d))]


def dense(model: nn.Module, kind=nn.Conv2d, depthwise=None) -> list:
    out = [m for m in model.modules() if type(m) is kind]
    if depthwise is not None:
        out = [m for m in out if (m.groups > 1) == depthwise]
    return out


# ---------------------------------------------------------------- FLOPs budgets
@pytest.mark.parametrize("name", sorted(DESIGN_FLOPS))
def test_complete_graph_flops_equal_design(name):
    info = models.MODELS[name]
    assert info.baseline_flops == DESIGN_FLOPS[name]
    assert models.baseline_flops(name) == DESIGN_FLOPS[name]
    complete = graphs.complete_graph(info.num_nodes)
    assert meta_flops(name, complete, info.base_width) == DESIGN_FLOPS[name]


def test_registry_defaults():
    assert set(models.MODELS) == set(DESIGN_FLOPS)
    assert models.MODELS["efficientnet_b0"].num_nodes == 16
    assert all(models.MODELS[n].num_nodes == 64 for n in DESIGN_FLOPS if n != "efficientnet_b0")
    assert models.MODELS["mlp"].input_shape == (3, 32, 32) and models.MODELS["mlp"].num_classes == 10
    assert models.MODELS["resnet50"].base_widths == (256, 512, 1024, 2048)
    assert models.MODELS["efficientnet_b0"].base_widths == (16, 24, 40, 80, 112, 192, 320)


def test_paper_width_example_1539():
    g = graphs.connected_ws_flex(64, 8, 0.008154, seed=22)
    model = models.build("mlp", g)
    assert model.width == 1539 and model.widths == (1539,)
    assert model.budget == DESIGN_FLOPS["mlp"]
    assert model.flops == count_flops(model, (3, 32, 32)) >= DESIGN_FLOPS["mlp"]
    assert meta_flops("mlp", g, 1538) < DESIGN_FLOPS["mlp"]


@pytest.mark.parametrize("name", ["mlp", "cnn", "resnet34_sep"])
def test_matched_width_is_smallest_reaching_budget(name):
    g = ws(64, 6, 0.3, seed=3)
    budget = models.baseline_flops(name)
    w = models.matched_width(name, g)
    assert meta_flops(name, g, w) >= budget > meta_flops(name, g, w - 1)
    assert w > models.MODELS[name].base_width  # a sparse graph is widened


def test_integer_budget_and_permuted_partition():
    g = ws(64, 12, 0.5, seed=1)
    model = models.build("mlp", g, budget=3_000_000, partition_permute=True)
    assert model.flops >= 3_000_000 > meta_flops("mlp", g, model.width - 1, permute=True)
    assert all(layer.permute for layer in relational(model))


def test_match_for_other_input_shape_and_classes():
    g = ws()
    model = models.build("cnn", g, num_classes=10, input_shape=(3, 64, 64))
    budget = models.baseline_flops("cnn", num_classes=10, input_shape=(3, 64, 64))
    assert model.budget == budget < DESIGN_FLOPS["cnn"]
    assert model.flops >= budget > meta_flops("cnn", g, model.width - 1, num_classes=10, input_shape=(3, 64, 64))


def test_complete_graph_matches_at_base_width():
    for name in ("mlp", "resnet50"):
        assert models.matched_width(name, graphs.complete_graph(64)) == models.MODELS[name].base_width


def test_resnet34_matched_width_gets_first_block_projection():
    model = models.resnet34(ws(), width=70, device="meta", init="graph2nn")
    assert model.widths == (70, 140, 280, 560)
    assert model.s1.b1.proj_block and isinstance(model.s1.b1.proj, RelationalConv2d)
    assert not models.resnet34(ws(), width=64, device="meta", init="graph2nn").s1.b1.proj_block


# ---------------------------------------------------------------- architecture
def test_layer_inventory():
    g = ws()
    meta = {"device": "meta", "init": "graph2nn"}
    r34 = models.resnet34(g, **meta)
    assert len(relational(r34)) == 32 + 3 and len(dense(r34)) == 1  # 3x3 convs + projections; stem
    assert all(m.kernel_size == (3, 3) for m in relational(r34)[:2])
    sep = models.resnet34_sep(g, **meta)
    assert len(relational(sep)) == 32 + 3 and len(dense(sep, depthwise=True)) == 32
    assert {m.kernel_size for m in relational(sep)} == {(1, 1)}
    r50 = models.resnet50(g, **meta)
    assert len(relational(r50)) == 16 * 3 + 4
    assert r50.s1.b1.f.a.out_channels == 64 and r50.s4.b1.f.b.stride == (2, 2)
    eff = models.efficientnet_b0(ws(16, 4, 0.2), **meta)
    assert len(relational(eff)) == 15 + 16  # expansions (not in stage 1) + projections
    se_convs = [m for m in eff.modules() if getattr(m, "flops_bias", False)]
    assert len(se_convs) == 32 and all(type(m) is nn.Conv2d and m.bias is not None for m in se_convs)
    assert eff.s2.b1.expand.out_channels == 96 and eff.s2.b1.se.f_ex[0].out_channels == 4
    assert len(relational(models.CNN(g, **meta))) == 6
    mlp = models.MLP(g, **meta)
    assert len(relational(mlp)) == 3 and all(m.bias is None for m in relational(mlp))
    assert type(mlp.head) is nn.Linear and mlp.head.bias is not None


@pytest.mark.parametrize("name", sorted(DESIGN_FLOPS))
def test_forward_small_input(name):
    torch.manual_seed(0)
    g = graph_for(name)
    model = models.build(name, g, budget=None, num_classes=10, input_shape=SMALL_INPUT[name])
    assert (model.name, model.graph, model.width, model.num_classes) == (name, g, models.MODELS[name].base_width, 10)
    assert model.flops == count_flops(model, SMALL_INPUT[name]) and model.budget is None
    x = torch.randn(2, *SMALL_INPUT[name])
    y = model(x)
    assert y.shape == (2, 10) and torch.isfinite(y).all()
    if name in ("mlp", "cnn"):
        y.square().mean().backward()
        assert all(m.weight.grad is not None and torch.isfinite(m.weight.grad).all() for m in relational(model))


def test_graph2nn_init_and_networkx_graph():
    model = models.build("mlp", nx.complete_graph(64), budget=None, width=128, init="graph2nn")
    assert model.graph.num_nodes == 64 and model.width == 128
    assert model.stem.bn.weight.eq(1).all() and model.head.bias.eq(0).all()
    assert abs(model.head.weight.std().item() - 0.01) < 0.002
    assert model(torch.randn(4, 3, 32, 32)).shape == (4, 10)


def test_default_graph_is_complete():
    model = models.build("efficientnet_b0", budget=None, input_shape=(3, 32, 32), num_classes=5)
    assert model.graph == graphs.complete_graph(16)
    assert all(m.density == 1.0 for m in relational(model))


# ---------------------------------------------------------------- relationalize
def conv_net() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.ReLU(),  # depthwise: kept
        nn.Conv2d(16, 32, 1, stride=2), nn.ReLU(),
        nn.Conv2d(32, 4, 1), nn.ReLU(),  # 4 < 8 nodes: kept
        nn.Flatten(), nn.Linear(4 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def kinds(model: nn.Module) -> list:
    return [type(m).__name__ for m in model if not isinstance(m, (nn.ReLU, nn.Flatten, nn.BatchNorm2d))]


def test_relationalize_converts_expected_layers():
    dense_net = conv_net()
    sparse = relsparse.relationalize(dense_net, ws(8, 4, 0.2))
    assert kinds(sparse) == ["Conv2d", "RelationalConv2d", "Conv2d", "RelationalConv2d", "Conv2d",
                             "RelationalLinear", "Linear"]
    assert kinds(dense_net)[1] == "Conv2d"  # copy=True leaves the original alone
    assert sparse[2].bias is None and sparse[7].bias is not None and sparse[7].stride == (2, 2)
    assert sparse[2].padding == (1, 1) and sparse[2].layout.num_nodes == 8
    assert sparse(torch.randn(2, 3, 8, 8)).shape == (2, 10)

    only_wide = models.relationalize(conv_net(), ws(8, 4, 0.2), min_channels=32)
    assert kinds(only_wide) == ["Conv2d", "Conv2d", "Conv2d", "Conv2d", "Conv2d", "RelationalLinear", "Linear"]

    ends = models.relationalize(conv_net(), graphs.complete_graph(2), keep_first=False, keep_last=False)
    assert kinds(ends) == ["RelationalConv2d", "RelationalConv2d", "Conv2d", "RelationalConv2d",
                           "RelationalConv2d", "RelationalLinear", "RelationalLinear"]


def test_relationalize_keep_weights_reproduces_dense_output():
    torch.manual_seed(1)
    dense_net = conv_net().eval()
    x = torch.randn(3, 3, 8, 8)
    sparse = models.relationalize(dense_net, graphs.complete_graph(8), keep_weights=True).eval()
    assert len(relational(sparse)) == 3
    torch.testing.assert_close(sparse(x), dense_net(x), rtol=1e-5, atol=1e-5)
    # a sparse graph keeps exactly the graph's blocks of the dense weight
    ring = models.relationalize(dense_net, graphs.ring_lattice(8, 2), keep_weights=True)
    layer = ring[2]
    torch.testing.assert_close(layer.to_dense(), dense_net[2].weight * layer.mask())


def test_relationalize_mobile_block_in_place_and_shared_modules():
    shared = nn.Conv2d(32, 32, 1, bias=False)
    net = nn.Sequential(
        nn.Conv2d(3, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        shared, nn.ReLU(), shared, nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10),
    )
    out = models.relationalize(net, ws(16, 4, 0.2), copy=False)
    assert out is net
    assert type(net[3]) is nn.Conv2d and type(net[0]) is nn.Conv2d and type(net[12]) is nn.Linear
    assert isinstance(net[6], RelationalConv2d) and net[6] is net[8]
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 10)


def test_relationalize_edge_cases():
    g = graphs.complete_graph(4)
    layer = models.relationalize(nn.Linear(8, 8), g, keep_first=False, keep_last=False, keep_weights=True)
    assert isinstance(layer, RelationalLinear)
    with pytest.warns(UserWarning, match="converted no layer"):
        same = models.relationalize(nn.Linear(8, 8), g)
    assert type(same) is nn.Linear
    # attention's out_proj (a Linear subclass read directly) and non-zero padding modes stay dense
    mha = nn.Sequential(nn.Linear(8, 8), nn.MultiheadAttention(8, 2), nn.Linear(8, 8))
    with pytest.warns(UserWarning):
        models.relationalize(mha, g)
    pads = nn.Sequential(nn.Conv2d(3, 8, 1), nn.Conv2d(8, 8, 3, padding="same"),
                         nn.Conv2d(8, 8, 3, padding=1, padding_mode="reflect"), nn.Conv2d(8, 8, 1))
    conv = models.relationalize(pads, g)
    assert isinstance(conv[1], RelationalConv2d) and conv[1].padding == (1, 1) and type(conv[2]) is nn.Conv2d
    assert conv(torch.randn(1, 3, 5, 5)).shape == (1, 8, 5, 5)
    frozen = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 8).requires_grad_(False), nn.Linear(8, 8))
    assert not models.relationalize(frozen, g)[1].weight.requires_grad


# ---------------------------------------------------------------- bad input
def test_bad_input_errors():
    with pytest.raises(ValueError, match="unknown model 'vgg16'.*efficientnet_b0.*resnet50"):
        models.build("vgg16")
    with pytest.raises(ValueError, match="num_classes"):
        models.build("mlp", num_classes=1)
    with pytest.raises(ValueError, match="at most 32 nodes"):
        models.build("efficientnet_b0", ws())
    with pytest.raises(ValueError, match="at most 64 nodes"):
        models.build("resnet34", graphs.complete_graph(65))
    with pytest.raises(ValueError, match="larger width"):
        models.build("mlp", ws(), budget=None, width=32)
    with pytest.raises(ValueError, match="exclusive"):
        models.build("mlp", width=600)
    with pytest.raises(ValueError, match="budget"):
        models.build("mlp", budget="half")
    for bad in (0, -5, True, 1.5):
        with pytest.raises(ValueError, match="budget"):
            models.build("mlp", budget=bad)
    with pytest.raises(ValueError, match="width"):
        models.build("mlp", budget=None, width=0)
    with pytest.raises(TypeError, match="width"):
        models.build("mlp", budget=None, width=1.5)
    with pytest.raises(ValueError, match="input_shape"):
        models.build("cnn", input_shape=(3, 32))
    with pytest.raises(ValueError, match="init"):
        models.build("mlp", init="xavier")
    with pytest.raises(TypeError, match="graph"):
        models.build("mlp", "complete")
    with pytest.raises(TypeError, match="undirected"):
        models.build("mlp", DiGraph(64, [(0, 1)]))
    with pytest.raises(TypeError, match="module"):
        models.relationalize("model", graphs.complete_graph(4))
    with pytest.raises(ValueError, match="min_channels"):
        models.relationalize(conv_net(), graphs.complete_graph(4), min_channels=0)
    with pytest.raises(ValueError, match="transform"):
        models.ResNet(transform="dense")


def test_unreachable_budget_is_match_widths_error():
    with pytest.raises(ValueError, match="too large"):
        models.build("mlp", graphs.ring_lattice(64, 2), budget=10**15)
