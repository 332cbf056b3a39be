"""Relational layers vs the original masked-dense approach and plain dense layers.

Times one training step (forward + backward, all gradients) of:

* ``relsparse``   RelationalLinear / RelationalConv2d (implementation="auto",
                  plus the forced sparse kernels where auto picks dense);
* ``masked``      graph2nn's approach: ``weight * mask`` then F.linear / F.conv2d;
* ``dense``       nn.Linear / nn.Conv2d without a mask (the complete graph);

on the same shapes, in one process, and prints ratios to ``masked``. Shapes:
linear layers at batch 128 and 1024, widths 512 and 1536; 3x3 convolutions
at the ResNet-34 stage shapes (64x56x56, 128x28x28, 256x14x14, 512x7x7),
batch 32; graphs WS-flex(64, k, p=0.1) with k = 8, 16, 32 (density ~0.14,
~0.27, ~0.5). Last, the 5-layer CIFAR MLP: the FLOPs-matched relational
model (k = 8, width ~1540) against the complete-graph model at width 512,
their training steps timed in alternation (see ``paired_times``).

Targets (issue 3, CPU): linear width 1536 density 0.14 <= 0.35x masked;
conv density ~0.3 <= 0.6x masked; matched MLP step <= 1.0x complete MLP.
Runs unchanged on a GPU (``--device cuda``), timing with synchronisation.

    python bench/bench_layers.py            # full run (~3-5 min on 2 cores)
    python bench/bench_layers.py --quick    # fewer repetitions and shapes
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import nn

from relsparse import graphs
from relsparse.nn import RelationalConv2d, RelationalLinear
from relsparse.nn.flops import count_flops, match_width
from relsparse.nn.functional import dense_threshold

GRAPH_K = (8, 16, 32)


def timer(fn: Callable[[], None], device: torch.device, min_time: float, reps: int) -> float:
    """Median seconds per call over `reps` timed blocks of >= min_time / reps."""
    fn()  # warm up (allocations, lazy init)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    sync()
    start = time.perf_counter()
    fn()
    sync()
    once = max(time.perf_counter() - start, 1e-6)
    inner = max(1, int(min_time / reps / once))
    samples = []
    for _ in range(reps):
        sync()
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        samples.append((time.perf_counter() - t) / inner)
    samples.sort()
    return samples[len(samples) // 2]


def step(module_fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, params: list) -> Callable[[], None]:
    def run() -> None:
        for p in params:
            p.grad = None
        x.grad = None
        module_fn(x).sum().backward()

    return run


def forced_sparse_time(layer, x, device, min_time, reps) -> Optional[float]:
    """The sparse kernels' step time where ``implementation="auto"`` picks masked dense math, else None.

    These are the figures the dense thresholds (DENSE_THRESHOLD) are read from.
    """
    kind = "conv2d" if isinstance(layer, RelationalConv2d) else "linear"
    if layer.density < dense_threshold(device, kind, x.shape[0] if kind == "conv2d" else None):
        return None
    layer.implementation = "sparse"
    try:
        return timer(step(layer, x, [layer.weight]), device, min_time, reps)
    finally:
        layer.implementation = "auto"


def linear_cases(device, dtype, batches, widths, min_time, reps):
    rows = []
    for width in widths:
        for k in GRAPH_K:
            graph = graphs.connected_ws_flex(64, k, 0.1, seed=0)
            rel = RelationalLinear(width, width, graph, bias=False, device=device, dtype=dtype)
            mask = rel.mask().to(dtype)
            masked_w = nn.Parameter(rel.to_dense().detach().clone())
            dense = nn.Linear(width, width, bias=False, device=device, dtype=dtype)
            for batch in batches:
                x = torch.randn(batch, width, device=device, dtype=dtype, requires_grad=True)
                t_rel = timer(step(rel, x, [rel.weight]), device, min_time, reps)
                t_masked = timer(step(lambda v: F.linear(v, masked_w * mask), x, [masked_w]), device, min_time, reps)
                t_dense = timer(step(dense, x, [dense.weight]), device, min_time, reps)
                rows.append(dict(kind="linear", width=width, batch=batch, k=k, density=rel.density,
                                 relsparse=t_rel, masked=t_masked, dense=t_dense,
                                 sparse_forced=forced_sparse_time(rel, x, device, min_time, reps)))
                print_row(rows[-1])
    return rows


STAGES = ((64, 56), (128, 28), (256, 14), (512, 7))


def conv_cases(device, dtype, batch, stages, min_time, reps):
    rows = []
    for channels, size in stages:
        for k in GRAPH_K:
            graph = graphs.connected_ws_flex(64, k, 0.1, seed=0)
            rel = RelationalConv2d(channels, channels, 3, graph, padding=1, bias=False, device=device, dtype=dtype)
            mask = rel.mask().to(dtype)
            masked_w = nn.Parameter(rel.to_dense().detach().clone())
            dense = nn.Conv2d(channels, channels, 3, padding=1, bias=False, device=device, dtype=dtype)
            x = torch.randn(batch, channels, size, size, device=device, dtype=dtype, requires_grad=True)
            t_rel = timer(step(rel, x, [rel.weight]), device, min_time, reps)
            t_masked = timer(step(lambda v: F.conv2d(v, masked_w * mask, None, 1, 1), x, [masked_w]), device, min_time, reps)
            t_dense = timer(step(dense, x, [dense.weight]), device, min_time, reps)
            rows.append(dict(kind="conv3x3", width=channels, batch=batch, size=size, k=k, density=rel.density,
                             relsparse=t_rel, masked=t_masked, dense=t_dense,
                             sparse_forced=forced_sparse_time(rel, x, device, min_time, reps)))
            print_row(rows[-1])
    return rows


def mlp(width: int, graph) -> nn.Module:
    """The paper's 5-layer CIFAR-10 MLP: stem 3072->512, three relational layers, head."""
    layers = [nn.Flatten(), nn.Linear(3072, 512, bias=False), nn.BatchNorm1d(512), nn.ReLU()]
    d_in = 512
    for _ in range(3):
        layers += [RelationalLinear(d_in, width, graph, bias=False), nn.BatchNorm1d(width), nn.ReLU()]
        d_in = width
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def paired_times(steps: dict, device: torch.device, rounds: int, block: int) -> tuple:
    """Per-step seconds of each of two step functions, timed in alternation.

    Round r times `block` steps of one model, then `block` of the other
    (the order flips every round), so both see the same machine: on a
    shared VM the speed drifts by 10-30% over seconds, and timing one model
    after the other had moved the MLP ratio between 1.04 and 1.19 from run
    to run. Returns (median per-step time of each model, median over rounds
    of the per-round ratio second / first).
    """
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    names = list(steps)
    for _ in range(3):  # warm up both (allocations, lazy init, thread pool)
        for fn in steps.values():
            fn()
    times = {name: [] for name in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            sync()
            t = time.perf_counter()
            for _ in range(block):
                steps[name]()
            sync()
            times[name].append((time.perf_counter() - t) / block)
    ratios = sorted(b / a for a, b in zip(times[names[0]], times[names[1]]))
    medians = {name: sorted(v)[len(v) // 2] for name, v in times.items()}
    return medians, ratios[len(ratios) // 2]


def mlp_case(device, dtype, batch, min_time, reps):
    complete = graphs.complete_graph(64)
    budget = count_flops(mlp(512, complete), (3, 32, 32))
    graph = graphs.connected_ws_flex(64, 8, 0.1, seed=0)
    width = match_width(lambda w: mlp(w, graph), budget, (3, 32, 32), low=64)
    steps = {}
    for name, model in (("complete_512", mlp(512, complete)), (f"ws_flex_k8_{width}", mlp(width, graph))):
        model = model.to(device=device, dtype=dtype)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = torch.randn(batch, 3, 32, 32, device=device, dtype=dtype)
        y = torch.randint(0, 10, (batch,), device=device)

        def train_step(model=model, opt=opt, x=x, y=y) -> None:
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            opt.step()

        steps[name] = train_step
    results, ratio = paired_times(steps, device, rounds=8 * reps, block=max(1, int(min_time * 10)))
    names = list(results)
    print(f"\n5-layer MLP train step, batch {batch}: {names[0]} {results[names[0]] * 1e3:.2f} ms, "
          f"{names[1]} (FLOPs-matched, width {width}) {results[names[1]] * 1e3:.2f} ms, "
          f"ratio {ratio:.3f} (median of {8 * reps} paired rounds; target <= 1.00)")
    return dict(kind="mlp", batch=batch, width=width, budget=budget, times=results, ratio=ratio)


def print_row(r: dict) -> None:
    shape = f"{r['width']}x{r['size']}^2" if "size" in r else f"{r['width']}"
    print(f"{r['kind']:8s} {shape:>10s} batch {r['batch']:5d} k={r['k']:2d} density {r['density']:.3f} | "
          f"relsparse {r['relsparse'] * 1e3:8.2f} ms  masked {r['masked'] * 1e3:8.2f} ms  dense {r['dense'] * 1e3:8.2f} ms | "
          f"relsparse/masked {r['relsparse'] / r['masked']:.2f}  relsparse/dense {r['relsparse'] / r['dense']:.2f}",
          flush=True)
    if r.get("sparse_forced") is not None:  # auto picked masked dense math; the sparse kernels' figure
        print(f"{'':>55s}  auto = masked dense here; sparse kernels forced {r['sparse_forced'] * 1e3:8.2f} ms, "
              f"/masked {r['sparse_forced'] / r['masked']:.2f}", flush=True)


def layer_bench_parser(description: str, quick_help: str, min_time: float, quick_min_time: float):
    """The options of the layer benchmarks (this script and bench_dispatch.py): --device, --dtype,
    --quick, --min-time (default `min_time`, or `quick_min_time` with --quick), --threads, --json."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", default="float32", choices=("float32", "bfloat16", "float16", "float64"))
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--min-time", type=float, default=None,
                        help=f"seconds spent timing each measurement (default {min_time}; --quick {quick_min_time})")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (CPU)")
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.set_defaults(min_time_default=(min_time, quick_min_time))
    return parser


def layer_bench_setup(args) -> tuple:
    """(device, dtype, seconds per measurement) from layer_bench_parser's arguments; sets the threads."""
    if args.threads:
        torch.set_num_threads(args.threads)
    min_time = args.min_time_default[1 if args.quick else 0] if args.min_time is None else args.min_time
    return torch.device(args.device), getattr(torch, args.dtype), min_time


def main() -> None:
    args = layer_bench_parser(__doc__, "fewer shapes and shorter timings", 1.0, 0.3).parse_args()
    device, dtype, min_time = layer_bench_setup(args)
    reps = 3 if args.quick else 5
    print(f"device {device}, dtype {args.dtype}, torch {torch.__version__}, threads {torch.get_num_threads()}\n")
    rows = linear_cases(device, dtype, (128, 1024), (1536,) if args.quick else (512, 1536), min_time, reps)
    print()
    stages = STAGES[1:3] if args.quick else STAGES
    rows += conv_cases(device, dtype, 32 if device.type == "cuda" or not args.quick else 8, stages, min_time, reps)
    rows.append(mlp_case(device, dtype, 128, min_time, reps))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=str(device), dtype=args.dtype, rows=rows), f, indent=2)


if __name__ == "__main__":
    main()
