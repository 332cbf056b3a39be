"""Throughput of average clustering C and average shortest path length L: relsparse vs anchors.

What is measured
    graphs/second for computing C (networkx ``average_clustering``: mean local
    clustering over all nodes, degree < 2 counts 0) and L (mean shortest-path
    length over the n(n-1) ordered pairs) on connected WS-flex graphs
    (``relsparse.graphs.connected_ws_flex_batch``, k=8, p in {0, 0.1, 0.5},
    seeds 0..S-1) at n = 64, 256, 1024.

How
    One process, the same graphs for every library. Graphs are converted to each
    library's own format before timing (conversion cost is printed separately).
    relsparse: ``measures.compute(batch, ["C", "L"], threads=...)`` on the whole
    batch, with 1 thread and with all cores. Anchors, one thread each, one call per
    graph: networkx (average_clustering, average_shortest_path_length), igraph
    (transitivity_avglocal_undirected(mode="zero"), average_path_length),
    rustworkx (no average clustering; unweighted_average_shortest_path_length with
    RAYON_NUM_THREADS=1 and a parallel_threshold above n), NetworKit
    (LocalClusteringCoefficient averaged over all nodes, APSP distances summed,
    setNumberOfThreads(1)). Each timing is the best pass over the whole graph set,
    passes repeated for at least --min-time seconds. An anchor's C+L rate is
    1 / (1/rate_C + 1/rate_L), the time to do both; the best anchor pairs the
    fastest C library with the fastest L library. Every library's values must
    equal relsparse's to 1e-9 (column "agree").

Targets (from the issue): relsparse with 1 thread >= 10x the best anchor per core
at n = 64, >= 5x at n = 1024.

Run (about 3 minutes; --quick about 30 s)::

    . .venv/bin/activate
    python bench/bench_measures.py [--quick] [--json measures.json]
"""

from __future__ import annotations

import os
import sys

os.environ["RAYON_NUM_THREADS"] = "1"  # rustworkx: read when its thread pool starts, so set before import
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # this checkout's relsparse

import argparse
import json
import time

import igraph as ig
import networkit as nk
import networkx as nx
import numpy as np
import rustworkx as rx

import relsparse
from relsparse import graphs, measures

from _common import best_time, environment

nk.setNumberOfThreads(1)

TOL = 1e-9
TARGETS = {64: 10.0, 1024: 5.0}  # relsparse (1 thread) / best anchor (1 thread)
SEEDS = {64: 300, 256: 100, 1024: 60}  # seeds per p value
QUICK_SEEDS = {64: 100, 256: 20, 1024: 6}


# ------------------------------------------------------------------ anchors
def to_networkx(g):
    G = nx.Graph()
    G.add_nodes_from(range(g.num_nodes))
    G.add_edges_from(g.edges.tolist())
    return G


def to_igraph(g):
    return ig.Graph(n=g.num_nodes, edges=g.edges.tolist())


def to_rustworkx(g):
    G = rx.PyGraph()
    G.add_nodes_from(range(g.num_nodes))
    G.add_edges_from_no_data([tuple(e) for e in g.edges.tolist()])
    return G


def to_networkit(g):
    G = nk.Graph(g.num_nodes)
    for u, v in g.edges.tolist():
        G.addEdge(u, v)
    return G


def networkit_C(G):
    lcc = nk.centrality.LocalClusteringCoefficient(G)  # gives 0 for degree < 2, like networkx
    lcc.run()
    return sum(lcc.scores()) / G.numberOfNodes()


def networkit_L(G):
    apsp = nk.distance.APSP(G)
    apsp.run()
    n = G.numberOfNodes()
    return float(np.sum(apsp.getDistances())) / (n * (n - 1))


# name: (convert, C, L); None where the library has no such measure
ANCHORS = {
    "networkx": (to_networkx, nx.average_clustering, nx.average_shortest_path_length),
    "igraph": (
        to_igraph,
        lambda G: G.transitivity_avglocal_undirected(mode="zero"),
        lambda G: G.average_path_length(),
    ),
    # rustworkx has transitivity (global) but no average local clustering.
    "rustworkx": (
        to_rustworkx,
        None,
        lambda G: rx.unweighted_average_shortest_path_length(G, parallel_threshold=1 << 30),
    ),
    "networkit": (to_networkit, networkit_C, networkit_L),
}


# ------------------------------------------------------------------ helpers
def both(rate_c, rate_l):
    """graphs/s doing C and then L."""
    return 1.0 / (1.0 / rate_c + 1.0 / rate_l)


def convention_check():
    """C on a graph with degree-1 nodes: every library must count them as 0, like networkx."""
    g = relsparse.Graph(5, [(0, 1), (1, 2), (0, 2), (0, 3), (3, 4)])
    values = {"relsparse": measures.average_clustering(g)}
    for name, (convert, fn_c, _) in ANCHORS.items():
        if fn_c is not None:
            values[name] = fn_c(convert(g))
    ok = all(abs(v - values["networkx"]) <= TOL for v in values.values())
    text = ", ".join(f"{k} {v:.6f}" for k, v in values.items())
    print(f"degree<2 convention check (C of a triangle with a 2-node tail, networkx 7/15): {text}"
          f" -> {'ok' if ok else 'DISAGREE'}")
    return {"values": values, "ok": ok}


def bench_n(n, k, ps, seeds, min_time):
    p_col = np.repeat(np.asarray(ps, float), seeds)
    seed_col = np.tile(np.arange(seeds), len(ps))
    batch = graphs.connected_ws_flex_batch(n, k, p_col, seed_col)
    count = len(batch)
    print(f"\n== n = {n}: {count} connected WS-flex graphs (k={k}, p in {', '.join(map(str, ps))};"
          f" seeds 0..{seeds - 1}), {batch.num_edges.mean():.0f} edges on average")

    measures.compute(batch[:8], ["C", "L"], threads=1)  # warm-up
    ref = measures.compute(batch, ["C", "L"], threads=1)
    ref_c, ref_l = ref["average_clustering"], ref["average_shortest_path_length"]

    rows = []
    for threads in (1, None):
        def run(names, threads=threads):
            return lambda: measures.compute(batch, names, threads=threads)
        rows.append(dict(
            library="relsparse", threads=threads or relsparse.get_num_threads(),
            C=count / best_time(run(["C"]), min_time),
            L=count / best_time(run(["L"]), min_time),
            CL=count / best_time(run(["C", "L"]), min_time),  # measured together
            convert_us=None, dC=0.0, dL=0.0, agree=True,
        ))

    for name, (convert, fn_c, fn_l) in ANCHORS.items():
        t0 = time.perf_counter()
        converted = [convert(g) for g in batch]
        row = dict(library=name, threads=1, C=None, L=None, CL=None, dC=None, dL=None,
                   convert_us=(time.perf_counter() - t0) / count * 1e6)
        for key, fn, want in (("C", fn_c, ref_c), ("L", fn_l, ref_l)):
            if fn is None:
                continue
            out = {}
            def run(fn=fn, out=out):
                out["v"] = [fn(G) for G in converted]
            row[key] = count / best_time(run, min_time)
            row["d" + key] = float(np.max(np.abs(np.asarray(out["v"], float) - want)))
        if row["C"] and row["L"]:
            row["CL"] = both(row["C"], row["L"])
        row["agree"] = all(row[d] is None or row[d] <= TOL for d in ("dC", "dL"))
        rows.append(row)

    anchors = [r for r in rows if r["library"] != "relsparse"]
    best_c = max((r for r in anchors if r["C"]), key=lambda r: r["C"])
    best_l = max((r for r in anchors if r["L"]), key=lambda r: r["L"])
    best = dict(C_library=best_c["library"], L_library=best_l["library"],
                CL=both(best_c["C"], best_l["L"]))
    ratio_1 = rows[0]["CL"] / best["CL"]
    ratio_all = rows[1]["CL"] / best["CL"]

    def fmt(x, spec):
        return "n/a" if x is None else format(x, spec)

    print(f"{'library':<11}{'threads':>8}{'C graphs/s':>13}{'L graphs/s':>13}{'C+L graphs/s':>14}"
          f"{'convert us/graph':>18}{'max|dC|':>10}{'max|dL|':>10}  agree")
    for r in rows:
        print(f"{r['library']:<11}{r['threads']:>8}{fmt(r['C'], ',.0f'):>13}{fmt(r['L'], ',.0f'):>13}"
              f"{fmt(r['CL'], ',.0f'):>14}{fmt(r['convert_us'], ',.1f'):>18}{fmt(r['dC'], '.1e'):>10}"
              f"{fmt(r['dL'], '.1e'):>10}  {'yes' if r['agree'] else 'NO (WARNING)'}")
    print(f"best anchor per core: C {best['C_library']} + L {best['L_library']}"
          f" -> {best['CL']:,.0f} graphs/s (C+L)")
    target = TARGETS.get(n)
    verdict = "" if target is None else f"   target >= {target:g}x: {'met' if ratio_1 >= target else 'MISSED'}"
    print(f"relsparse 1 thread / best anchor (per core):  {ratio_1:6.1f}x{verdict}")
    print(f"relsparse {rows[1]['threads']} threads / best anchor (1 thread):  {ratio_all:6.1f}x")
    return dict(n=n, k=k, p=list(ps), seeds=seeds, graphs=count, rows=rows, best_anchor=best,
                ratio_1_thread=ratio_1, ratio_all_cores=ratio_all, target=target)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, nargs="+", default=[64, 256, 1024], help="graph sizes")
    ap.add_argument("--k", type=float, default=8.0, help="WS-flex average degree")
    ap.add_argument("--p", type=float, nargs="+", default=[0.0, 0.1, 0.5], help="rewiring probabilities")
    ap.add_argument("--seeds", type=int, help="seeds per p value (default depends on n)")
    ap.add_argument("--min-time", type=float, help="seconds of repeated passes per timing (default 1, quick 0.3)")
    ap.add_argument("--quick", action="store_true", help="small workload, about 30 s")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = ap.parse_args()
    min_time = args.min_time if args.min_time is not None else (0.3 if args.quick else 1.0)

    env = environment("relsparse", "networkx", "igraph", "rustworkx", "networkit", "numpy")
    print(f"anchors single-threaded; each timing is the best pass over the graphs (>= {min_time:g} s of passes)")
    check = convention_check()
    t0 = time.perf_counter()
    results = []
    for n in args.n:
        seeds = args.seeds or (QUICK_SEEDS if args.quick else SEEDS).get(n, 10)
        results.append(bench_n(n, args.k, args.p, seeds, min_time))

    print("\n== summary (graphs/s for C and L together)")
    print(f"{'n':>6}{'relsparse 1 thr':>17}{'relsparse all':>15}{'best anchor':>13}  {'(C + L)':<22}"
          f"{'ratio 1 thr':>12}{'ratio all':>11}{'target':>8}")
    for r in results:
        rs1, rsall = r["rows"][0]["CL"], r["rows"][1]["CL"]
        b = r["best_anchor"]
        tgt = "-" if r["target"] is None else f">={r['target']:g}x"
        print(f"{r['n']:>6}{rs1:>17,.0f}{rsall:>15,.0f}{b['CL']:>13,.0f}  {b['C_library'] + ' + ' + b['L_library']:<22}"
              f"{r['ratio_1_thread']:>11.1f}x{r['ratio_all_cores']:>10.1f}x{tgt:>8}")
    disagree = [(r["n"], row["library"]) for r in results for row in r["rows"] if not row["agree"]]
    print("values: all libraries agree with relsparse to 1e-9" if not disagree
          else f"WARNING: values disagree for {disagree}")
    print(f"total time {time.perf_counter() - t0:.0f} s")

    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(benchmark="measures", environment=env, min_time=min_time,
                           convention_check=check, results=results), f, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
