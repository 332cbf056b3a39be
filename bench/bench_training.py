"""Training throughput of FLOPs-matched relational models against their complete-graph baselines.

For each case, one process times full training steps (forward, cross-entropy
or mean loss, backward, SGD + Nesterov step) and prints samples per second
of the relational model, of its complete-graph baseline, and their ratio:

* ``mlp``        the 5-layer CIFAR-10 MLP (input 3x32x32), batch 128: the
                 complete graph at width 512 vs WS-flex(64, k, 0.5) graphs
                 widened to the same FLOPs (models.build(..., budget="match")).
* ``resnet34-sN`` one stage of ResNet-34 (default s2: 128 channels at 28x28 on
                 224x224 input, batch 32): the stage module of the complete
                 ResNet-34 vs that of the FLOPs-matched relational ResNet-34,
                 fed the stage's real input shape.

A ratio >= 1 means the relational model trains at least as fast as the dense
baseline it is matched to (the issue's target for the MLP). Runs unchanged on
a GPU (``--device cuda``; timing synchronises).

    python bench/bench_training.py            # ~1-2 min on 2 cores
    python bench/bench_training.py --quick
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import environment  # noqa: E402

from relsparse import graphs, models  # noqa: E402
from relsparse.nn.flops import count_flops  # noqa: E402


def samples_per_second(step, batch: int, device: torch.device, min_time: float) -> float:
    """Median samples/s over 5 timed blocks of repeated training steps (after a warm-up)."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for _ in range(2):
        step()
    sync()
    t = time.perf_counter()
    step()
    sync()
    inner = max(1, int(min_time / 5 / max(time.perf_counter() - t, 1e-6)))
    rates = []
    for _ in range(5):
        sync()
        t = time.perf_counter()
        for _ in range(inner):
            step()
        sync()
        rates.append(batch * inner / (time.perf_counter() - t))
    return sorted(rates)[2]


def block_density(g) -> float:
    """Fraction of weight blocks a relational layer keeps: (self-loops + both directions of each edge) / n^2."""
    return (g.num_nodes + 2 * g.num_edges) / g.num_nodes ** 2


def make_step(module: torch.nn.Module, x: torch.Tensor, target) -> callable:
    opt = torch.optim.SGD(module.parameters(), lr=1e-3, momentum=0.9, nesterov=True, weight_decay=5e-4)
    module.train()

    def step() -> None:
        out = module(x)
        loss = F.cross_entropy(out, target) if target is not None else out.float().square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def best_rates(steps: list, batch: int, device: torch.device, min_time: float, rounds: int = 2) -> list:
    """Samples/s of each step function: the best of `rounds` timings, taken in turn (all models once,
    then again). The first timings in a process can run slow for seconds (allocator and page warm-up),
    so timing each model once, in order, favoured whichever came later."""
    rates = [0.0] * len(steps)
    for _ in range(rounds):
        for i, step in enumerate(steps):
            rates[i] = max(rates[i], samples_per_second(step, batch, device, min_time))
    return rates


def mlp_rows(device, batch, ks, min_time):
    shape = (3, 32, 32)
    x = torch.randn(batch, *shape, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    base = models.build("mlp", graphs.complete_graph(64)).to(device)
    rels = [(k, graphs.connected_ws_flex(64, k, 0.5, seed=0)) for k in ks]
    rels = [(k, g, models.build("mlp", g).to(device)) for k, g in rels]
    base_rate, *rates = best_rates([make_step(m, x, y) for m in [base] + [r for _, _, r in rels]], batch, device,
                                   min_time)
    return [{"case": "mlp", "graph": f"ws_flex(64,{k},0.5)", "density": block_density(g), "width": rel.width,
             "base_width": base.width, "flops": rel.flops, "base_flops": base.flops, "batch": batch,
             "samples_per_s": rate, "base_samples_per_s": base_rate, "ratio": rate / base_rate}
            for (k, g, rel), rate in zip(rels, rates)]


def stage_input(model: models.ResNet, stage: int, batch: int, device) -> torch.Tensor:
    """A batch shaped like the input of stage ``stage`` (1-based): the output of the stage before.

    The stem (stride-2 conv, stride-2 pool) gives 64 channels at 1/4 of the input size; every stage but the
    first halves the size in its first block.
    """
    size = model.input_shape[1] // 4 // 2 ** max(0, stage - 2)
    channels = 64 if stage == 1 else model.widths[stage - 2]
    return torch.randn(batch, channels, size, size, device=device)


def resnet_rows(device, batch, stage, ks, min_time):
    base_model = models.build("resnet34", graphs.complete_graph(64))
    base = getattr(base_model, f"s{stage}").to(device)
    xb = stage_input(base_model, stage, batch, device)
    base_flops = count_flops(base, xb.shape[1:])
    rels = []
    for k in ks:
        g = graphs.connected_ws_flex(64, k, 0.5, seed=0)
        rel_model = models.build("resnet34", g)
        rels.append((k, g, rel_model, getattr(rel_model, f"s{stage}").to(device),
                     stage_input(rel_model, stage, batch, device)))
    steps = [make_step(base, xb, None)] + [make_step(rel, x, None) for _, _, _, rel, x in rels]
    base_rate, *rates = best_rates(steps, batch, device, min_time)
    return [{"case": f"resnet34-s{stage}", "graph": f"ws_flex(64,{k},0.5)", "density": block_density(g),
             "width": rel_model.widths[stage - 1], "base_width": base_model.widths[stage - 1],
             "flops": count_flops(rel, x.shape[1:]), "base_flops": base_flops, "batch": batch,
             "samples_per_s": rate, "base_samples_per_s": base_rate, "ratio": rate / base_rate}
            for (k, g, rel_model, rel, x), rate in zip(rels, rates)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--quick", action="store_true", help="shorter timings, fewer graphs")
    parser.add_argument("--stage", type=int, default=2, choices=(1, 2, 3, 4), help="ResNet-34 stage to time")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args()
    device = torch.device(args.device)
    env = environment("torch", "relsparse")
    min_time = 0.5 if args.quick else 2.0
    ks = (8,) if args.quick else (8, 16)
    rows = mlp_rows(device, 128, ks, min_time)
    rows += resnet_rows(device, 32 if not args.quick else 8, args.stage, ks, min_time)
    print(f"{'case':14s} {'graph':18s} {'dens':>5s} {'width':>11s} {'MFLOPs rel/base':>17s} "
          f"{'samples/s rel':>14s} {'base':>10s} {'ratio':>6s}")
    for r in rows:
        print(f"{r['case']:14s} {r['graph']:18s} {r['density']:5.2f} {r['width']:5d}/{r['base_width']:<5d} "
              f"{r['flops'] / 1e6:8.1f}/{r['base_flops'] / 1e6:<8.1f} {r['samples_per_s']:14.0f} "
              f"{r['base_samples_per_s']:10.0f} {r['ratio']:6.2f}")
    print("ratio = relational samples/s / complete-graph samples/s at the same FLOPs (>= 1: no slower)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": env, "device": str(device), "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
