"""A sweep's standard report: numbers (:func:`analyze`) and figures (:func:`plot`).

What ``relsparse analyze`` and ``relsparse plot`` write, from a results
store or from :class:`~relsparse.analysis.Results`:

=============================  ==================================================
file                           content
=============================  ==================================================
``summary.json``               runs used/left out, graphs, seeds, epochs, the
                               complete-graph baseline's mean error, the best
                               graph, the sweet spot (15 x 15 bins, one-sided
                               t-test) and the quadratic slice fits
``sweet_spot.json`` / ``.csv`` every tested bin: mean, count, t, p, kept
``bins_<R>.csv``               mean error per occupied (C, L) bin, R x R grid
``graphs.csv``                 per graph: C, L, mean error, runs
``slice_C.json``, ``slice_L``  error vs L with C in [0.4, 0.6], vs C with L in
                               [2, 2.5] (where >= 3 graphs fall in the window)
``epochs.json``                correlation of each epoch's error with the final
                               one, over graphs (with >= 2 epochs, >= 3 graphs)
``heatmap.png``                Figure 4(a): mean error per bin, sweet spot boxed,
                               best bin x, baseline star
``slice_C.png``, ``slice_L``   Figure 4(b)(d)
``epochs.png``                 Figure 5 (right)
=============================  ==================================================

Example
-------
>>> import numpy as np, tempfile
>>> from relsparse.analysis import Results, report
>>> rng = np.random.default_rng(0)
>>> C = rng.uniform(0.05, 0.95, 100).repeat(3); L = rng.uniform(1.3, 4.0, 100).repeat(3)
>>> err = 30 + 4 * ((C - 0.45) ** 2 + (L - 2.3) ** 2) + rng.normal(0, 0.2, 300)
>>> results = Results(C=C, L=L, error=err, graph=np.arange(100).repeat(3))
>>> summary = report.analyze(results, tempfile.mkdtemp())
>>> summary["sweet_spot"]["c_range"][0] <= 0.45 <= summary["sweet_spot"]["c_range"][1]
True
"""

from __future__ import annotations

import csv
import json
import math
import os
from typing import Any, Optional

import numpy as np

from . import _util
from .bins import PAPER_L_MAX, bin_results
from .correlation import early_vs_final
from .plots import plot_epoch_correlation, plot_heatmap, plot_slice
from .results import Results, from_runs
from .slices import slice_fit
from .summary import save_summary
from .sweet_spot import ALPHA, sweet_spot

#: L range of the paper's grid by graph size (DESIGN.md; relsparse.design_space.paper_sample_spec).
L_MAX_BY_N = {64: PAPER_L_MAX, 16: 2.5}


def load_store(path: Any) -> tuple[Results, dict]:
    """The done runs of a results store as :class:`Results`, and facts about the sweep.

    Opens the store read-only: analysing never changes it. Raises the
    store's clear error (``ResultsStoreError``) for a missing, foreign or
    corrupt file.
    """
    from ..sweep import ResultsStore

    with ResultsStore.open(path, readonly=True) as store:
        runs, epochs, spec, progress = store.runs(), store.epochs(), store.spec, store.progress()
    results = from_runs(runs, epochs, status="done")
    info = {
        "store": os.fspath(path), "sweep": spec.name, "model": spec.model, "dataset": spec.dataset,
        "budget": spec.budget, "train": spec.train, "graphs_in_sweep": len(spec.graphs), "seeds": spec.seeds,
        "nodes": sorted({int(g["n"]) for g in spec.graphs}), "progress": progress,
        "baseline_graphs": [i for i, g in enumerate(spec.graphs) if g["generator"] == "complete"],
    }
    return results, info


def l_max_for(nodes: list, L: np.ndarray) -> float:
    """Upper L edge of the grid: the paper's for n = 64 / 16, else max(L) rounded up to 0.5."""
    if len(nodes) == 1 and nodes[0] in L_MAX_BY_N:
        return L_MAX_BY_N[nodes[0]]
    top = float(np.nanmax(L)) if len(L) else PAPER_L_MAX
    return max(1.5, math.ceil(top * 2 + 1e-9) / 2)


def _write_graphs_csv(results: Results, path: str) -> None:
    g = results.graph_means()
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["graph", "C", "L", "mean_error", "runs"])
        for row in zip(g.graph, g.C, g.L, g.error, g.count):
            writer.writerow([int(row[0]), float(row[1]), float(row[2]), float(row[3]), int(row[4])])


def analyze(results: Results, out_dir: Any, *, info: Optional[dict] = None, resolution: int = 15,
            l_max: Optional[float] = None, alpha: float = ALPHA, min_count: int = 2) -> dict:
    """Writes the report's numbers into ``out_dir`` (module doc); returns the summary dict.

    ``resolution`` is the heat map's bins per axis (the sweet spot is always
    found on the paper's 15 x 15 grid); runs outside the grid are dropped
    and counted.
    """
    out_dir, info, l_max = _prepare(results, out_dir, info, l_max)
    binned15 = bin_results(results.C, results.L, results.error, 15, l_max=l_max, outside="drop")
    spot = sweet_spot(binned15, alpha=alpha, min_count=min_count)
    save_summary(spot, os.path.join(out_dir, "sweet_spot.json"))
    save_summary(spot, os.path.join(out_dir, "sweet_spot.csv"))
    binned = binned15 if resolution == 15 else bin_results(results.C, results.L, results.error, resolution,
                                                           l_max=l_max, outside="drop")
    save_summary(binned, os.path.join(out_dir, f"bins_{resolution}.csv"))
    _write_graphs_csv(results, os.path.join(out_dir, "graphs.csv"))

    means = results.graph_means()
    best = int(np.argmin(means.error))
    baseline = [g for g in info.get("baseline_graphs", []) if g in set(means.graph.tolist())]
    base_rows = np.isin(results.graph, baseline)
    summary: dict = {
        **info,
        "runs_used": int(len(results.error)), "runs_left_out": int(results.n_left_out),
        "runs_outside_grid": int(binned15.n_outside), "graphs_with_results": int(len(means.graph)),
        "grid": {"l_max": l_max, "heatmap_resolution": int(resolution)},
        "mean_error": float(np.mean(results.error)),
        "baseline_error": float(np.mean(results.error[base_rows])) if base_rows.any() else None,
        "best_graph": {"graph": int(means.graph[best]), "C": float(means.C[best]), "L": float(means.L[best]),
                       "mean_error": float(means.error[best]), "runs": int(means.count[best])},
        "sweet_spot": {k: v for k, v in spot.to_dict().items() if k not in ("bins", "grid", "definitions")},
        "slices": {}, "files": {},
    }
    for fixed, fit in _slices(results).items():
        if isinstance(fit, str):  # too few graphs in the paper's window: say so, do not fail the report
            summary["slices"][fixed] = {"skipped": fit}
            continue
        save_summary(fit, os.path.join(out_dir, f"slice_{fixed}.json"))
        d = fit.to_dict()
        summary["slices"][fixed] = {k: d[k] for k in ("window", "measure", "coefficients", "r2", "minimum",
                                                      "n_points")}
    summary["epochs"] = _epoch_correlation(results, out_dir)
    summary["files"] = sorted(f for f in os.listdir(out_dir) if not f.endswith(".png"))
    with open(os.path.join(out_dir, "summary.json"), "w") as f:
        json.dump(_util.jsonable(summary), f, indent=1, allow_nan=False, default=str)
        f.write("\n")
    return summary


def _prepare(results: Results, out_dir: Any, info: Optional[dict], l_max: Optional[float]) -> tuple:
    """Checks the input, creates ``out_dir``; returns (out_dir, info, l_max)."""
    if not isinstance(results, Results):
        raise TypeError(f"results must be a relsparse.analysis.Results, got {type(results).__name__}")
    if len(results.error) == 0:
        raise ValueError("no finished runs to analyse (is the sweep done? see `relsparse sweep STORE --status`)")
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    info = dict(info or {})
    l_max = l_max_for(info.get("nodes", []), results.L) if l_max is None else float(l_max)
    return out_dir, info, l_max


def _slices(results: Results) -> dict:
    """The paper's two slices: 'C' / 'L' -> SliceFit, or the reason it could not be fitted."""
    fits: dict = {}
    for fixed in ("C", "L"):
        try:
            fits[fixed] = slice_fit(results.C, results.L, results.error, fixed=fixed, graph=results.graph)
        except ValueError as exc:
            fits[fixed] = str(exc)
    return fits


def _early_vs_final(results: Results) -> Optional[Any]:
    """Epoch correlation where it is defined (>= 2 epochs recorded, >= 3 graphs)."""
    if results.epoch_errors is None or results.epoch_errors.shape[1] < 2 or len(np.unique(results.graph)) < 3:
        return None
    return early_vs_final(results.epoch_errors, results.graph, epochs=results.epochs, final=results.error)


def _epoch_correlation(results: Results, out_dir: str) -> Optional[dict]:
    ec = _early_vs_final(results)
    if ec is None:
        return None
    save_summary(ec, os.path.join(out_dir, "epochs.json"))
    return {"epochs": [int(e) for e in ec.epochs], "pearson_r": [float(r) for r in ec.pearson_r]}


def plot(results: Results, out_dir: Any, *, info: Optional[dict] = None, resolution: int = 15,
         l_max: Optional[float] = None, alpha: float = ALPHA, min_count: int = 2) -> list:
    """Draws the report's figures into ``out_dir`` (module doc); returns their paths."""
    out_dir, info, l_max = _prepare(results, out_dir, info, l_max)
    spot = sweet_spot(bin_results(results.C, results.L, results.error, 15, l_max=l_max, outside="drop"),
                      alpha=alpha, min_count=min_count)
    binned = bin_results(results.C, results.L, results.error, resolution, l_max=l_max, outside="drop")
    what = " ".join(str(info[k]) for k in ("model", "dataset") if info.get(k))
    runs = f"{len(results.error)} runs, {len(np.unique(results.graph))} graphs"
    paths = [plot_heatmap(binned, os.path.join(out_dir, "heatmap.png"), sweet_spot=spot,
                          title=f"{what} top-1 error per (C, L) bin\n({runs})".strip(),
                          value_label="Mean validation error (%)")]
    for fixed, fit in _slices(results).items():
        if not isinstance(fit, str):
            paths.append(plot_slice(fit, os.path.join(out_dir, f"slice_{fixed}.png")))
    ec = _early_vs_final(results)
    if ec is not None:
        paths.append(plot_epoch_correlation(ec, os.path.join(out_dir, "epochs.png")))
    return paths


__all__ = ["load_store", "analyze", "plot", "l_max_for", "L_MAX_BY_N"]
