"""The paper's whole WS-flex design space at n = 64: relsparse wall time vs networkx (estimated).

What is measured
    Wall time to generate and measure every graph of the grid k = (linspace(sqrt 8, sqrt 62, 300))^2,
    p = (linspace(0, 1, 300))^2, seeds 0..29 (2.7 million connected WS-flex graphs, rows ordered by
    k, then p, then seed) with ``relsparse.measures.scan("connected_ws_flex", ...)``: C (summed in
    ascending order, ``clustering_order="ascending"``, as graph2nn did) and L, all cores.

How
    One call of ``scan`` on the grid (or on an evenly spaced --fraction of its rows, the full-grid
    time then extrapolated), after a small warm-up. networkx is too slow to run on the whole grid:
    graph2nn's pure-Python generator and ``compute_stats`` (networkx clustering + average shortest
    path length, relsparse.reference) are timed on a uniform random sample of grid rows
    (--nx-sample, default 200) and the mean time per graph is multiplied by the grid size; its
    values must equal relsparse's for the same rows.

Target (from the issue): the whole grid in < 20 s on 2 cores.

Run (about 25 s on 2 idle cores)::

    . .venv/bin/activate
    python bench/bench_design_space.py [--fraction 0.1] [--json design_space.json]
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # this checkout's relsparse

import argparse
import json
import time

import numpy as np

import relsparse
from relsparse import measures

from relsparse import reference
from _common import environment

N = 64
TARGET_S = 20.0  # full grid on 2 cores


def grid():
    """(k, p, seed) columns of the full grid, ordered by k, then p, then seed."""
    k = np.linspace(np.sqrt(8), np.sqrt(62), 300) ** 2
    p = np.linspace(0, 1, 300) ** 2
    kk, pp, ss = np.meshgrid(k, p, np.arange(30), indexing="ij")
    return kk.ravel(), pp.ravel(), ss.ravel()


def scan(k, p, seed, threads):
    return measures.scan("connected_ws_flex", n=N, k=k, p=p, seed=seed, measures=("C", "L"),
                         clustering_order="ascending", threads=threads)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fraction", type=float, default=1.0,
                    help="share of the grid's rows to run, evenly spaced (default 1: all 2.7 M)")
    ap.add_argument("--nx-sample", type=int, default=200, help="grid rows timed with networkx (0: skip)")
    ap.add_argument("--threads", type=int, help="relsparse threads (default: all cores)")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = ap.parse_args()
    if not 0 < args.fraction <= 1:
        ap.error(f"--fraction must be in (0, 1], got {args.fraction}")

    env = environment("relsparse", "networkx", "numpy")
    threads = args.threads or relsparse.get_num_threads()
    k, p, seed = grid()
    total = len(k)
    rows = np.unique(np.linspace(0, total - 1, max(1, round(total * args.fraction))).round().astype(np.int64))

    scan(k[:: total // 500], p[:: total // 500], seed[:: total // 500], threads)  # warm-up
    t0, cpu0 = time.perf_counter(), time.process_time()
    table = scan(k[rows], p[rows], seed[rows], threads)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    full = wall * total / len(rows)
    rate = len(rows) / wall
    print(f"\nrelsparse scan, {len(rows):,} of {total:,} grid graphs (n={N}), {threads} thread(s):"
          f" {wall:.2f} s wall, {rate:,.0f} graphs/s")
    print(f"  CPU time {cpu:.2f} s = {cpu / wall:.2f} cores busy on average; below {threads} means the"
          f" threads waited (for each other, or for other work on the machine)")
    print(f"  CPU time / threads = {cpu / threads * total / len(rows):.1f} s for the full grid:"
          f" the wall time with {threads} idle cores and perfect scaling")
    if len(rows) < total:
        print(f"  extrapolated to the full grid: {full:.1f} s")
    print(f"  target: full grid < {TARGET_S:g} s on 2 cores -> {'met' if full < TARGET_S else 'MISSED'}"
          f" ({full:.1f} s on {threads} thread(s))")
    print(f"  rows with ok = False: {int((~table['ok']).sum())}")
    result = dict(benchmark="design_space", environment=env, n=N, grid_graphs=total, graphs=len(rows),
                  threads=threads, wall_s=wall, cpu_s=cpu, graphs_per_s=rate, full_grid_s=full, target_s=TARGET_S)

    if args.nx_sample:
        sample = np.sort(np.random.default_rng(0).choice(total, args.nx_sample, replace=False))
        times, values = [], []
        for i in sample:
            t = time.perf_counter()
            G = reference.connected_ws_graph(N, float(k[i]), float(p[i]), int(seed[i]))
            values.append(reference.compute_stats(G))
            times.append(time.perf_counter() - t)
        times = np.asarray(times)
        est = times.mean() * total
        half = 1.96 * times.std(ddof=1) / np.sqrt(len(times)) * total  # 95% interval of the estimate
        ref = scan(k[sample], p[sample], seed[sample], threads)
        values = np.asarray(values)
        c_equal = int((values[:, 0] == ref["average_clustering"]).sum())
        l_equal = int((values[:, 1] == ref["average_shortest_path_length"]).sum())
        dmax = float(np.max(np.abs(values - np.column_stack(
            [ref["average_clustering"], ref["average_shortest_path_length"]]))))
        print(f"\nnetworkx (graph2nn generator + compute_stats, 1 thread), {len(sample)} random grid rows:"
              f" {times.mean() * 1e3:.2f} ms/graph, {1 / times.mean():,.0f} graphs/s")
        print(f"  estimated full grid: {est:,.0f} s = {est / 3600:.2f} h (95% interval +-{half:,.0f} s)")
        print(f"  values vs relsparse on these rows: C bit-identical {c_equal}/{len(sample)},"
              f" L bit-identical {l_equal}/{len(sample)}, max |diff| {dmax:.1e}"
              f"{'' if dmax <= 1e-9 else '  WARNING: disagreement'}")
        print(f"ratio networkx (1 thread) / relsparse ({threads} threads): {est / full:,.0f}x wall;"
              f" per core {est / (full * threads):,.0f}x")
        result.update(networkx=dict(sample=len(sample), ms_per_graph=times.mean() * 1e3, full_grid_s=est,
                                    full_grid_s_95=half, c_bit_identical=c_equal, l_bit_identical=l_equal,
                                    max_abs_diff=dmax),
                      ratio_wall=est / full, ratio_per_core=est / (full * threads))

    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
