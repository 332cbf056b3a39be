"""Where masked dense math overtakes the sparse kernels: the data behind DENSE_THRESHOLD.

For every case (layer kind, width, batch) and a ladder of graph densities,
times one training step (forward + grad-input + grad-weight) of the same
layer with ``implementation="sparse"`` (the block-sparse kernels) and with
``implementation="dense"`` (what ``"auto"`` falls back to: the packed weight
scattered into a dense one, then ``F.linear`` / ``F.conv2d``), in one
process, and prints the ratio sparse / dense. A ratio below 1 means the
sparse kernels win at that density.

For each case it prints the *crossover*: the density at which the ratio
reaches 1, interpolated linearly between the two ladder steps around it
(">" the last step if the sparse kernels win everywhere, "<" the first if
they lose everywhere). Last, per (layer kind, batch class) it prints the
lowest and the median crossover next to the threshold now in
``relsparse.nn.functional`` — the thresholds are set from these figures
(docs/layers.md says which value was taken and why).

Graphs: WS-flex(64, k, 0.1), k = 8, 16, ..., 56 (density ~0.14 to ~0.89),
as in bench_layers.py. Cases: linear layers of width 512 and 1536 at batch
128 and 1024; 3x3 convolutions at the ResNet-34 stage shapes at batch 32
and at batch 8 (the small-batch threshold, below SMALL_BATCH images).

    python bench/bench_dispatch.py                   # CPU: ~6-8 min on 2 cores
    python bench/bench_dispatch.py --device cuda     # the same on a GPU
    python bench/bench_dispatch.py --quick           # fewer cases and densities
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from typing import Optional

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_layers import STAGES, layer_bench_parser, layer_bench_setup, step, timer  # noqa: E402

from relsparse import graphs  # noqa: E402
from relsparse.nn import RelationalConv2d, RelationalLinear  # noqa: E402
from relsparse.nn.functional import SMALL_BATCH, dense_threshold  # noqa: E402

LADDER_K = (8, 16, 24, 32, 40, 48, 56)
QUICK_K = (8, 24, 40, 56)


def step_time(layer, x: torch.Tensor, implementation: str, device, min_time: float, reps: int) -> float:
    layer.implementation = implementation
    try:
        return timer(step(layer, x, [layer.weight]), device, min_time, reps)
    finally:
        layer.implementation = "auto"


def crossover(densities: list, ratios: list) -> tuple:
    """(density, relation): the density where the ratio first reaches 1.

    relation is "=" for a value interpolated between two measured densities,
    ">" when the sparse kernels win at every density (the value is the last
    one measured), "<" when they lose at every density (the first).
    """
    for i, r in enumerate(ratios):
        if r >= 1.0:
            if i == 0:
                return densities[0], "<"
            d0, d1, r0 = densities[i - 1], densities[i], ratios[i - 1]
            return d0 + (d1 - d0) * (1.0 - r0) / (r - r0), "="
    return densities[-1], ">"


def run_case(name: str, make_layer, make_input, ks, device, dtype, min_time, reps) -> dict:
    densities, ratios, rows = [], [], []
    for k in ks:
        layer = make_layer(graphs.connected_ws_flex(64, k, 0.1, seed=0)).to(device=device, dtype=dtype)
        x = make_input()
        t_sparse = step_time(layer, x, "sparse", device, min_time, reps)
        t_dense = step_time(layer, x, "dense", device, min_time, reps)
        densities.append(layer.density)
        ratios.append(t_sparse / t_dense)
        rows.append(dict(k=k, density=layer.density, sparse=t_sparse, dense=t_dense))
        print(f"  {name:28s} k={k:2d} density {layer.density:.3f} | sparse {t_sparse * 1e3:8.2f} ms  "
              f"dense {t_dense * 1e3:8.2f} ms | sparse/dense {ratios[-1]:.2f}", flush=True)
    at, relation = crossover(densities, ratios)
    print(f"  {name:28s} crossover density {relation} {at:.2f}\n", flush=True)
    return dict(case=name, rows=rows, crossover=at, relation=relation)


def linear_cases(device, dtype, widths, batches, ks, min_time, reps) -> list:
    results = []
    for width in widths:
        for batch in batches:
            results.append(dict(kind="linear", batch=batch, **run_case(
                f"linear {width} batch {batch}",
                lambda g, width=width: RelationalLinear(width, width, g, bias=False),
                lambda width=width, batch=batch: torch.randn(batch, width, device=device, dtype=dtype,
                                                             requires_grad=True),
                ks, device, dtype, min_time, reps)))
    return results


def conv_cases(device, dtype, stages, batches, ks, min_time, reps) -> list:
    results = []
    for batch in batches:
        for channels, size in stages:
            results.append(dict(kind="conv2d", batch=batch, **run_case(
                f"conv3x3 {channels}x{size}^2 batch {batch}",
                lambda g, c=channels: RelationalConv2d(c, c, 3, g, padding=1, bias=False),
                lambda c=channels, s=size, b=batch: torch.randn(b, c, s, s, device=device, dtype=dtype,
                                                                requires_grad=True),
                ks, device, dtype, min_time, reps)))
    return results


def summarize(results: list, device: torch.device) -> list:
    """Per (kind, batch class): lowest and median crossover against the current threshold."""
    summary = []
    groups: dict = {}
    for r in results:
        small = r["kind"] == "conv2d" and r["batch"] < SMALL_BATCH
        groups.setdefault((r["kind"], small), []).append(r)
    print("crossover densities (sparse/dense = 1) against the thresholds in relsparse.nn.functional:")
    for (kind, small), rs in groups.items():
        values = [r["crossover"] for r in rs]
        batch: Optional[int] = rs[0]["batch"] if small else None
        current = dense_threshold(device, kind, batch)
        label = f"{kind}, batch < {SMALL_BATCH}" if small else kind
        marks = ", ".join(f"{r['relation']}{r['crossover']:.2f}" for r in rs)
        print(f"  {label:22s} lowest {min(values):.2f}  median {statistics.median(values):.2f}  "
              f"(cases: {marks})  threshold now {current:.2f}")
        summary.append(dict(kind=kind, small_batch=small, lowest=min(values),
                            median=statistics.median(values), threshold=current))
    return summary


def main() -> None:
    parser = layer_bench_parser(__doc__, "fewer cases and densities, shorter timings", 0.5, 0.2)
    parser.add_argument("--kinds", default="linear,conv2d", help="comma-separated: linear, conv2d")
    args = parser.parse_args()
    kinds = set(args.kinds.split(","))
    if not kinds <= {"linear", "conv2d"}:
        parser.error(f"--kinds takes linear and/or conv2d, got {args.kinds!r}")
    device, dtype, min_time = layer_bench_setup(args)
    ks = QUICK_K if args.quick else LADDER_K
    print(f"device {device}, dtype {args.dtype}, torch {torch.__version__}, threads {torch.get_num_threads()}\n")
    results = []
    if "linear" in kinds:
        results += linear_cases(device, dtype, (1536,) if args.quick else (512, 1536), (128, 1024), ks, min_time, 3)
    if "conv2d" in kinds:
        results += conv_cases(device, dtype, STAGES[1:3] if args.quick else STAGES, (32, 8), ks, min_time, 3)
    summary = summarize(results, device)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=str(device), dtype=args.dtype, torch=torch.__version__,
                           results=results, summary=summary), f, indent=2)


if __name__ == "__main__":
    main()
