"""Graph generation speed: relsparse's batch generators vs networkx and graph2nn.

What is measured
    graphs/second for generating, on the same seeds (0..S-1 for each p):
    * connected WS-flex: ``relsparse.graphs.connected_ws_flex_batch`` vs graph2nn's
      pure-Python ``connected_ws_graph`` (networkx + ``random.Random``, relsparse.reference);
    * Watts-Strogatz: ``watts_strogatz_graph_batch`` vs ``networkx.watts_strogatz_graph``;
    * G(n, p): ``gnp_random_graph_batch`` vs ``networkx.gnp_random_graph`` (p = 8 / (n - 1),
      average degree 8),
    at n = 64 and 1024, WS k = 8, p in {0, 0.1, 0.5}.

How
    One process. The references build one networkx graph per call; relsparse builds the
    whole batch in one call, with 1 thread and with all cores. Each timing is the best
    pass, passes repeated for at least --min-time seconds. relsparse keeps the seeded
    Mersenne Twister states of recently used seeds (1024 per thread), so it is also timed
    with a fresh seed for every graph ("fresh"). Every relsparse graph must have exactly
    the reference's edge set (column "same edges").

Target (from the issue): >= 100x networkx.

Run (about 30 s; --quick about 10 s)::

    . .venv/bin/activate
    python bench/bench_generators.py [--quick] [--json generators.json]
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # this checkout's relsparse

import argparse
import itertools
import json
import time

import networkx as nx
import numpy as np

import relsparse
from relsparse import graphs

from relsparse import reference
from _common import best_time, environment

TARGET = 100.0
SEEDS = {64: 300, 1024: 20}  # seeds per parameter value
QUICK_SEEDS = {64: 60, 1024: 4}
WS_P = (0.0, 0.1, 0.5)


def cases(n):
    """(name, relsparse batch generator, reference for one graph, parameter values)."""
    k = 8
    return [
        ("connected WS-flex vs graph2nn",
         lambda p, s, threads: graphs.connected_ws_flex_batch(n, k, p, s, threads=threads),
         lambda p, s: reference.connected_ws_graph(n, k, p, s), WS_P),
        ("Watts-Strogatz vs networkx",
         lambda p, s, threads: graphs.watts_strogatz_graph_batch(n, k, p, s, threads=threads),
         lambda p, s: nx.watts_strogatz_graph(n, k, p, seed=s), WS_P),
        ("G(n,p) vs networkx",
         lambda p, s, threads: graphs.gnp_random_graph_batch(n, p, s, threads=threads),
         lambda p, s: nx.gnp_random_graph(n, p, seed=s), (8 / (n - 1),)),
    ]


def bench_case(name, n, batch_fn, ref_fn, ps, seeds, min_time):
    p_col = np.repeat(np.asarray(ps, float), seeds)
    seed_col = np.tile(np.arange(seeds), len(ps))
    count = len(p_col)
    pairs = list(zip(p_col.tolist(), seed_col.tolist()))

    out = {}
    def run_reference():  # not "reference": that is the relsparse.reference module used below
        out["graphs"] = [ref_fn(p, s) for p, s in pairs]

    t_ref = best_time(run_reference, min_time)

    batch_fn(p_col[:4], seed_col[:4], 1)  # warm-up
    cores = relsparse.get_num_threads()
    t = {threads: best_time(lambda: batch_fn(p_col, seed_col, threads), min_time) for threads in (1, cores)}
    # relsparse memoises seeded generator states (1024 per thread), which the shared seeds reuse;
    # "fresh" gives every graph of every pass a seed never used before.
    fresh = itertools.count(10**6, count)
    t["fresh"] = best_time(lambda: batch_fn(p_col, next(fresh) + np.arange(count), 1), min_time)
    batch = batch_fn(p_col, seed_col, None)
    same = all(g.edges.tolist() == [list(e) for e in reference.edge_list(G)]
               for g, G in zip(batch, out["graphs"]))
    rates = {"reference": count / t_ref, "relsparse_1": count / t[1], f"relsparse_{cores}": count / t[cores],
             "relsparse_1_fresh_seeds": count / t["fresh"]}
    return dict(case=name, n=n, p=list(ps), seeds=seeds, graphs=count, rates=rates, same_edges=same,
                speedup_1_thread=t_ref / t[1], speedup_all_cores=t_ref / t[cores],
                speedup_1_thread_fresh_seeds=t_ref / t["fresh"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, nargs="+", default=[64, 1024], help="graph sizes")
    ap.add_argument("--seeds", type=int, help="seeds per parameter value (default depends on n)")
    ap.add_argument("--min-time", type=float, help="seconds of repeated passes per timing (default 1, quick 0.3)")
    ap.add_argument("--quick", action="store_true", help="small workload, about 10 s")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = ap.parse_args()
    min_time = args.min_time if args.min_time is not None else (0.3 if args.quick else 1.0)

    env = environment("relsparse", "networkx", "numpy")
    cores = relsparse.get_num_threads()
    t0 = time.perf_counter()
    results = []
    for n in args.n:
        seeds = args.seeds or (QUICK_SEEDS if args.quick else SEEDS).get(n, 10)
        for name, batch_fn, ref_fn, ps in cases(n):
            results.append(bench_case(name, n, batch_fn, ref_fn, ps, seeds, min_time))

    print(f"\n{'case':<31}{'n':>6}{'graphs':>8}{'reference':>11}{'relsparse':>12}{'relsparse':>12}{'relsparse':>13}"
          f"{'speedup':>9}{'speedup':>9}{'speedup':>9}  same")
    print(f"{'':<31}{'':>6}{'':>8}{'graphs/s':>11}{'1 thr':>12}{f'{cores} thr':>12}{'1 thr fresh':>13}"
          f"{'1 thr':>9}{f'{cores} thr':>9}{'fresh':>9}  edges")
    for r in results:
        rates = list(r["rates"].values())
        print(f"{r['case']:<31}{r['n']:>6}{r['graphs']:>8}" + "".join(f"{x:>{w},.0f}" for x, w in zip(rates, (11, 12, 12, 13)))
              + f"{r['speedup_1_thread']:>8,.0f}x{r['speedup_all_cores']:>8,.0f}x"
              f"{r['speedup_1_thread_fresh_seeds']:>8,.0f}x  {'yes' if r['same_edges'] else 'NO (WARNING)'}")
    print("seeds: 0..S-1 shared by the p values (as in a sweep); 'fresh': a new seed for every graph"
          " (relsparse memoises seeded states, CPython does not)")
    for key, label in (("speedup_1_thread", "shared seeds"), ("speedup_1_thread_fresh_seeds", "fresh seeds")):
        worst = min(r[key] for r in results)
        print(f"target >= {TARGET:g}x networkx on one core, {label}: {'met' if worst >= TARGET else 'MISSED'}"
              f" (lowest {worst:,.0f}x)")
    print(f"total time {time.perf_counter() - t0:.0f} s")

    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(benchmark="generators", environment=env, min_time=min_time, target=TARGET,
                           results=results), f, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
