"""Relational layers inside ordinary PyTorch workflows: training step by step
against the masked-dense reference, torch.compile, autocast, DDP."""

from __future__ import annotations

import gc
import os
import socket

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from relsparse import graphs
from relsparse.nn import RelationalConv2d, RelationalLinear


class MaskedLinear(nn.Module):
    """graph2nn's TalkLinear: a dense weight multiplied by the mask in every forward."""

    def __init__(self, relational: RelationalLinear) -> None:
        super().__init__()
        self.weight = nn.Parameter(relational.to_dense().detach().clone())
        self.register_buffer("mask", relational.mask().to(self.weight.dtype))
        self.bias = nn.Parameter(relational.bias.detach().clone())

    def forward(self, x):
        return F.linear(x, self.weight * self.mask, self.bias)


def _mlp(layer_a, layer_b, width):
    return nn.Sequential(layer_a, nn.BatchNorm1d(width), nn.ReLU(), layer_b)


def test_training_matches_masked_dense_step_by_step():
    torch.manual_seed(0)
    g = graphs.connected_ws_flex(8, 3, 0.2, seed=5)
    rel_a = RelationalLinear(24, 32, g, dtype=torch.float64, implementation="sparse")
    rel_b = RelationalLinear(32, 16, g, dtype=torch.float64, implementation="sparse")
    ours = _mlp(rel_a, rel_b, 32).double()
    ref = _mlp(MaskedLinear(rel_a), MaskedLinear(rel_b), 32).double()
    opt_ours = torch.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.0)
    opt_ref = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.0)
    data = torch.randn(20, 64, 24, dtype=torch.float64)
    labels = torch.randint(0, 16, (20, 64))
    for x, y in zip(data, labels):
        losses = []
        for model, opt in ((ours, opt_ours), (ref, opt_ref)):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert abs(losses[0] - losses[1]) < 1e-10, losses
    # The masked reference's weights never leave the mask (mask * grad); ours never had them.
    torch.testing.assert_close(rel_a.to_dense(), ref[0].weight * ref[0].mask)


def test_torch_compile_matches_eager():
    torch.manual_seed(0)
    g = graphs.connected_ws_flex(8, 3, 0.2, seed=1)
    model = nn.Sequential(
        RelationalConv2d(8, 16, 3, g, padding=1, implementation="sparse"), nn.ReLU(),
        nn.Flatten(), RelationalLinear(16 * 6 * 6, 10, g, implementation="sparse"),
    )
    x = torch.randn(4, 8, 6, 6, requires_grad=True)
    compiled = torch.compile(model, backend="aot_eager", fullgraph=True)
    y_eager, y_compiled = model(x), compiled(x)
    torch.testing.assert_close(y_compiled, y_eager)
    g_eager = torch.autograd.grad(y_eager.sum(), [x, model[0].weight])
    g_comp = torch.autograd.grad(compiled(x).sum(), [x, model[0].weight])
    for a, b in zip(g_comp, g_eager):
        torch.testing.assert_close(a, b)


def test_torch_compile_inductor():
    """Inductor, forward and backward: the backward graph is traced through
    the ops' C++ autograd into their gradient ops' fake kernels."""
    torch.manual_seed(0)
    g = graphs.ring_lattice(4, 2)
    model = nn.Sequential(
        RelationalConv2d(4, 8, 3, g, padding=1, implementation="sparse"), nn.ReLU(),
        nn.Flatten(), RelationalLinear(8 * 5 * 5, 8, g, implementation="sparse"),
    )
    x = torch.randn(3, 4, 5, 5, requires_grad=True)
    compiled = torch.compile(model)
    torch.testing.assert_close(compiled(x), model(x))
    params = [x] + list(model.parameters())
    g_eager = torch.autograd.grad(model(x).square().sum(), params)
    g_comp = torch.autograd.grad(compiled(x).square().sum(), params)
    for a, b in zip(g_comp, g_eager):
        torch.testing.assert_close(a, b)


def test_torch_compile_inductor_channels_last():
    """A channels_last model compiled by inductor gives eager's values, gradients and output
    strides (channels_last). That the fake kernels report the real strides is checked by opcheck
    (test_layers_autograd.py)."""
    torch.manual_seed(1)
    g = graphs.ring_lattice(4, 2)
    model = nn.Sequential(
        RelationalConv2d(4, 8, 3, g, padding=1, implementation="sparse"), nn.ReLU(),
        RelationalConv2d(8, 8, 3, g, padding=1, implementation="sparse"),
    ).to(memory_format=torch.channels_last)
    x = torch.randn(3, 4, 5, 5).to(memory_format=torch.channels_last).requires_grad_(True)
    compiled = torch.compile(model)
    y_comp, y_eager = compiled(x), model(x)
    assert y_eager.is_contiguous(memory_format=torch.channels_last)
    assert y_comp.stride() == y_eager.stride()
    torch.testing.assert_close(y_comp, y_eager)
    g_eager = torch.autograd.grad((y_eager * y_eager).sum(), [x, model[0].weight])
    g_comp = torch.autograd.grad((y_comp * y_comp).sum(), [x, model[0].weight])
    for a, b in zip(g_comp, g_eager):
        torch.testing.assert_close(a, b)


def test_cpu_autocast_runs_in_bfloat16():
    torch.manual_seed(0)
    g = graphs.connected_ws_flex(8, 3, 0.2, seed=1)
    lin = RelationalLinear(32, 16, g, implementation="sparse")
    conv = RelationalConv2d(8, 8, 3, g, padding=1, implementation="sparse")
    x = torch.randn(4, 32)
    xc = torch.randn(2, 8, 5, 5)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = lin(x)
        yc = conv(xc)
        assert y.dtype == torch.bfloat16 and yc.dtype == torch.bfloat16
        y.float().sum().backward()
    assert lin.weight.grad.dtype == torch.float32
    torch.testing.assert_close(y.float(), lin(x), atol=0.1, rtol=0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank: int, world: int, port: int, result_path: str) -> None:
    import torch.distributed as dist

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.manual_seed(0)
    g = graphs.connected_ws_flex(8, 3, 0.2, seed=2)
    model = nn.parallel.DistributedDataParallel(RelationalLinear(16, 8, g, implementation="sparse"))
    x = torch.randn(2 * world, 16)[rank * 2 : rank * 2 + 2]
    model(x).pow(2).sum().backward()
    if rank == 0:
        torch.save(model.module.weight.grad, result_path)
    # Tear down in lockstep: without the barrier one rank may close its gloo
    # pairs while the other still writes, and DDP holds the process group
    # alive until the model goes, so gloo's threads would otherwise be
    # destroyed at interpreter exit (an intermittent SIGABRT,
    # "terminate called without an active exception").
    dist.barrier()
    del model
    gc.collect()
    dist.destroy_process_group()


def test_ddp_averages_gradients(tmp_path):
    import torch.multiprocessing as mp

    world, port, path = 2, _free_port(), str(tmp_path / "grad.pt")
    mp.spawn(_ddp_worker, args=(world, port, path), nprocs=world, join=True)
    torch.manual_seed(0)
    g = graphs.connected_ws_flex(8, 3, 0.2, seed=2)
    single = RelationalLinear(16, 8, g, implementation="sparse")
    x = torch.randn(2 * world, 16)
    single(x).pow(2).sum().backward()
    torch.testing.assert_close(torch.load(path), single.weight.grad / world)
