"""Analysis of sweeps over relational graphs (the paper's §5 and §7).

Everything works from plain numpy arrays -- one row per (graph, seed) run
with its graph's clustering C, path length L and final error -- or from the
sweep store's run table via :func:`from_runs`.

Modules (one job each)
----------------------
results      :class:`Results` (runs as aligned arrays), :func:`from_runs`, per-graph means
bins         :class:`Grid`, :func:`bin_results` (15 x 15 / 135 x 135 (C, L) bins), :func:`occupied_bins`
sweet_spot   :func:`sweet_spot`: bins not significantly worse than the best (one-sided t-test)
slices       :func:`slice_fit`: error vs one measure with the other held in a window, quadratic trend
correlation  :func:`bin_correlation`, :func:`early_vs_final`, :func:`subsample_correlation`
prior        :func:`graph_from_weights` / :func:`graph_from_mlp`: the graph learned by a dense MLP
plots        PNG figures (heat map, slices, correlations, learned graphs)
summary      :func:`save_summary` / :func:`load_summary` (JSON, CSV)
report       :func:`report.analyze` / :func:`report.plot`: a sweep's standard report (``relsparse analyze|plot``)

Every number is defined in its module's docstring.

Example
-------
>>> import numpy as np
>>> from relsparse import analysis
>>> rng = np.random.default_rng(0)
>>> C = rng.uniform(0.05, 0.95, 300).repeat(3); L = rng.uniform(1.3, 4.0, 300).repeat(3)
>>> err = 30 + 4 * ((C - 0.45) ** 2 + (L - 2.3) ** 2) + rng.normal(0, 0.2, 900)
>>> spot = analysis.sweet_spot(analysis.bin_results(C, L, err))
>>> spot.c_range[0] <= 0.45 <= spot.c_range[1] and spot.l_range[0] <= 2.3 <= spot.l_range[1]
True
"""

from __future__ import annotations

from .bins import PAPER_L_MAX, BinnedResults, Grid, bin_results, occupied_bins
from .correlation import (
    Correlation,
    EpochCorrelation,
    SubsampleCurve,
    bin_correlation,
    correlate,
    early_vs_final,
    subsample_correlation,
    subsample_curve,
    subsample_graphs,
)
from .plots import (
    plot_bin_correlation,
    plot_epoch_correlation,
    plot_heatmap,
    plot_slice,
    plot_subsample_curve,
    plot_weight_graphs,
)
from .prior import WeightGraphs, edge_weights, graph_from_mlp, graph_from_weights, hidden_weights
from .results import GraphMeans, Results, from_runs, graph_means
from .slices import SliceFit, slice_fit
from .summary import load_summary, save_summary
from . import report  # noqa: E402 - needs the names above
from .sweet_spot import SweetSpot, sweet_spot

__all__ = [
    "Results", "GraphMeans", "from_runs", "graph_means",
    "Grid", "BinnedResults", "bin_results", "occupied_bins", "PAPER_L_MAX",
    "SweetSpot", "sweet_spot",
    "SliceFit", "slice_fit",
    "Correlation", "EpochCorrelation", "SubsampleCurve", "correlate", "bin_correlation", "early_vs_final",
    "subsample_graphs", "subsample_correlation", "subsample_curve",
    "WeightGraphs", "edge_weights", "graph_from_weights", "graph_from_mlp", "hidden_weights",
    "plot_heatmap", "plot_slice", "plot_bin_correlation", "plot_epoch_correlation", "plot_subsample_curve",
    "plot_weight_graphs",
    "save_summary", "load_summary",
]
