"""Figures of the analysis as PNG files (matplotlib's Agg canvas; no pyplot state).

* :func:`plot_heatmap` -- binned mean error over (C, L) (Figure 4(a)/(f)),
  with the best bin (red x), the sweet spot (dashed red box around the kept
  bins) and the complete-graph baseline (star at C = L = 1).
* :func:`plot_slice` -- one-measure slice: grey points, fitted curve
  (Figure 4(b)(d)).
* :func:`plot_bin_correlation` -- bin values of two result sets, with
  Pearson r (Figure 4(e); also sub-sample vs all).
* :func:`plot_epoch_correlation` -- r of early vs final errors per epoch
  (Figure 5 right).
* :func:`plot_subsample_curve` -- r of sub-sampled vs all bin values per
  sample size (Figure 5 left).
* :func:`plot_weight_graphs` -- C and L of graphs extracted from weights,
  over the sweet spot (Figure 7).

Every function writes ``path`` (PNG), creating no other files, and returns
the path. Axis names: "Clustering coefficient C", "Average path length L".
"""

from __future__ import annotations

import os
from typing import Any, Optional

import numpy as np

from .bins import BinnedResults
from .correlation import Correlation, EpochCorrelation, SubsampleCurve
from .prior import WeightGraphs
from .slices import SliceFit
from .sweet_spot import SweetSpot

C_LABEL = "Clustering coefficient C"
L_LABEL = "Average path length L"
_LABELS = {"C": C_LABEL, "L": L_LABEL}
DPI = 150


def _figure(size: tuple = (6.0, 5.0)) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: Any) -> str:
    path = os.fspath(path)
    if not path.lower().endswith(".png"):
        raise ValueError(f"path must name a .png file, got {path!r}")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ValueError(f"the folder of path does not exist: {directory!r}")
    tmp = f"{path}.tmp-{os.getpid()}.png"
    try:
        fig.savefig(tmp, format="png", bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def _sweet_box(ax: Any, spot: SweetSpot, label: bool = True) -> None:
    from matplotlib.patches import Rectangle

    (c0, c1), (l0, l1) = spot.c_extent, spot.l_extent
    ax.add_patch(Rectangle((c0, l0), c1 - c0, l1 - l0, fill=False, edgecolor="red", linestyle="--",
                           linewidth=2, label=(
                               f"sweet spot: C {spot.c_range[0]:.2f}-{spot.c_range[1]:.2f}, "
                               f"L {spot.l_range[0]:.2f}-{spot.l_range[1]:.2f}") if label else None))


def plot_heatmap(
    binned: BinnedResults,
    path: Any,
    *,
    sweet_spot: Optional[SweetSpot] = None,
    title: Optional[str] = None,
    value_label: str = "Mean error (%)",
    cmap: str = "viridis",
) -> str:
    """Heat map of the binned mean error (empty bins blank).

    With ``sweet_spot`` (normally found on the 15 x 15 grid, whatever the
    grid drawn here), its best bin is marked with a red x and its kept bins
    are boxed by a dashed red rectangle (the kept bins' outer edges; the
    legend gives the centre ranges the paper reports). Without one, the x
    marks the lowest-mean bin of ``binned``. The star is the complete-graph
    baseline at C = L = 1, with the mean of the bin holding it.
    """
    if not isinstance(binned, BinnedResults):
        raise TypeError(f"binned must be a BinnedResults, got {type(binned).__name__}")
    if sweet_spot is not None and not isinstance(sweet_spot, SweetSpot):
        raise TypeError(f"sweet_spot must be a SweetSpot (from sweet_spot), got {type(sweet_spot).__name__}")
    grid = binned.grid
    fig = _figure((6.4, 5.2))
    ax = fig.add_subplot(1, 1, 1)
    mesh = ax.pcolormesh(grid.c_edges, grid.l_edges, np.ma.masked_invalid(binned.mean.T), cmap=cmap,
                         shading="flat")
    bar = fig.colorbar(mesh, ax=ax)
    bar.set_label(value_label)
    best = None
    if sweet_spot is not None:
        _sweet_box(ax, sweet_spot)
        rc, rl = sweet_spot.binned.grid.shape
        best = (sweet_spot.best_centre, sweet_spot.best_mean, f"best bin ({rc} x {rl})")
    elif binned.values:
        masked = np.where(binned.occupied, binned.mean, np.inf)
        li, ci = np.unravel_index(int(np.argmin(masked.T)), masked.T.shape)
        best = (binned.centre((int(ci), int(li))), float(binned.mean[ci, li]), "best bin")
    if best is not None:
        (bc, bl), value, name = best
        ax.plot([bc], [bl], marker="x", color="red", markersize=11, markeredgewidth=3, linestyle="none",
                label=f"{name}: {value:.2f}", clip_on=False)
    base = binned.bin_of(1.0, 1.0)
    base_label = "complete graph (C = L = 1)"
    if base != (-1, -1) and binned.count[base] > 0:
        base_label += f", bin {binned.mean[base]:.2f}"
    ax.plot([1.0], [1.0], marker="*", color="white", markeredgecolor="black", markersize=15,
            linestyle="none", label=base_label, clip_on=False, zorder=5)
    ax.set_xlim(grid.c_edges[0], grid.c_edges[-1])
    ax.set_ylim(grid.l_edges[0], grid.l_edges[-1])
    ax.set_xlabel(C_LABEL)
    ax.set_ylabel(L_LABEL)
    rc, rl = grid.shape
    ax.set_title(title or f"Mean error per (C, L) bin ({rc} x {rl} bins)")
    ax.legend(loc="upper left", fontsize=8, framealpha=0.85)
    return _save(fig, path)


def _polynomial_text(coefficients: np.ndarray, var: str) -> str:
    """``a L^2 + b L + c`` with 3 significant digits."""
    degree = len(coefficients) - 1
    parts = []
    for i, c in enumerate(coefficients):
        power = degree - i
        mono = f"{var}^{power}" if power > 1 else var if power == 1 else ""
        sign = "-" if c < 0 else "+"
        parts.append((sign if parts else ("-" if c < 0 else "")) + (" " if parts else "") + f"{abs(c):.3g}"
                     + (f" {mono}" if mono else ""))
    return " ".join(parts)


def plot_slice(fit: SliceFit, path: Any, *, title: Optional[str] = None,
               value_label: str = "Mean error (%)") -> str:
    """Grey points of a slice and its fitted polynomial (blue)."""
    if not isinstance(fit, SliceFit):
        raise TypeError(f"fit must be a SliceFit (from slice_fit), got {type(fit).__name__}")
    fig = _figure((5.6, 4.4))
    ax = fig.add_subplot(1, 1, 1)
    ax.scatter(fit.x, fit.y, color="0.6", s=14, label=f"graphs ({len(fit.x)})")
    xs = np.linspace(fit.x.min(), fit.x.max(), 200)
    terms = _polynomial_text(fit.coefficients, fit.measure)
    ax.plot(xs, fit.predict(xs), color="tab:blue", linewidth=2.5, label=f"fit: {terms} (R² {fit.r2:.2f})")
    ax.set_xlabel(_LABELS[fit.measure])
    ax.set_ylabel(value_label)
    lo, hi = fit.window
    ax.set_title(title or f"{fit.fixed} in [{lo:g}, {hi:g}]")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_bin_correlation(corr: Correlation, path: Any, *, xlabel: str = "Bin value, sweep A",
                         ylabel: str = "Bin value, sweep B", title: Optional[str] = None) -> str:
    """Scatter of paired bin values with Pearson r, its p-value and a least-squares line."""
    if not isinstance(corr, Correlation):
        raise TypeError(f"corr must be a Correlation, got {type(corr).__name__}")
    fig = _figure((5.0, 4.6))
    ax = fig.add_subplot(1, 1, 1)
    ax.scatter(corr.x, corr.y, color="tab:blue", s=18)
    if np.ptp(corr.x) > 0:
        a, b = np.polyfit(corr.x, corr.y, 1)
        xs = np.array([corr.x.min(), corr.x.max()])
        ax.plot(xs, a * xs + b, color="0.3", linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or f"Pearson r = {corr.pearson_r:.3f} (p = {corr.pearson_p:.2g}, n = {corr.n})")
    return _save(fig, path)


def plot_epoch_correlation(ec: EpochCorrelation, path: Any, *, title: Optional[str] = None) -> str:
    """Pearson r of (error at epoch e, final error) over graphs, against e."""
    if not isinstance(ec, EpochCorrelation):
        raise TypeError(f"ec must be an EpochCorrelation (from early_vs_final), got {type(ec).__name__}")
    fig = _figure((5.6, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(ec.epochs, ec.pearson_r, marker="o", markersize=3, color="tab:blue", label="Pearson r")
    ax.plot(ec.epochs, ec.spearman_rho, marker=".", markersize=3, color="tab:orange", alpha=0.7,
            label="Spearman ρ")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Correlation with final error")
    ax.set_ylim(min(0.0, float(np.nanmin(ec.pearson_r)) if np.isfinite(ec.pearson_r).any() else 0.0), 1.02)
    ax.grid(alpha=0.3)
    ax.set_title(title or "Early vs final error, per graph")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_subsample_curve(curve: SubsampleCurve, path: Any, *, title: Optional[str] = None) -> str:
    """Pearson r (mean, and min-max over repeats) of sub-sampled vs all bin values against k."""
    if not isinstance(curve, SubsampleCurve):
        raise TypeError(f"curve must be a SubsampleCurve (from subsample_curve), got {type(curve).__name__}")
    fig = _figure((5.6, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(curve.k, curve.mean_pearson_r, marker="o", color="tab:blue", label="Pearson r (mean)")
    if curve.pearson_r.shape[1] > 1:
        ax.fill_between(curve.k, np.nanmin(curve.pearson_r, axis=1), np.nanmax(curve.pearson_r, axis=1),
                        color="tab:blue", alpha=0.2, label="min-max over draws")
    ax.set_xscale("log")
    from matplotlib.ticker import NullFormatter

    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(curve.k)
    ax.set_xticklabels([str(int(k)) for k in curve.k])
    ax.set_xlabel("Number of graphs sampled")
    ax.set_ylabel("Correlation with all-graph bin values")
    ax.grid(alpha=0.3)
    ax.set_title(title or "Sub-sampled vs all graphs")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_weight_graphs(wg: WeightGraphs, path: Any, *, sweet_spot: Optional[SweetSpot] = None,
                       title: Optional[str] = None) -> str:
    """C and L of the graphs extracted from weights (one point per level), over the sweet spot."""
    if not isinstance(wg, WeightGraphs):
        raise TypeError(f"wg must be a WeightGraphs (from graph_from_weights), got {type(wg).__name__}")
    fig = _figure((5.6, 4.6))
    ax = fig.add_subplot(1, 1, 1)
    if sweet_spot is not None:
        _sweet_box(ax, sweet_spot)
    ok = np.isfinite(wg.C) & np.isfinite(wg.L)
    pts = ax.scatter(wg.C[ok], wg.L[ok], c=wg.levels[ok], cmap="plasma", s=30, zorder=3,
                     label="learned graphs")
    bar = fig.colorbar(pts, ax=ax)
    bar.set_label(wg.by.capitalize())
    ax.plot([1.0], [1.0], marker="*", color="white", markeredgecolor="black", markersize=15,
            linestyle="none", label="complete graph (C = L = 1)", clip_on=False)
    ax.set_xlim(0, 1)
    top = max([float(wg.L[ok].max()) if ok.any() else 2.0]
              + ([sweet_spot.l_extent[1]] if sweet_spot is not None else []))
    ax.set_ylim(1.0, 1.0 + (top - 1.0) * 1.08)
    ax.set_xlabel(C_LABEL)
    ax.set_ylabel(L_LABEL)
    dropped = int((~ok).sum())
    ax.set_title(title or "Graphs extracted from weights" + (f" ({dropped} disconnected not shown)" if dropped else ""))
    ax.legend(loc="upper right", fontsize=8)
    return _save(fig, path)


__all__ = [
    "plot_heatmap", "plot_slice", "plot_bin_correlation", "plot_epoch_correlation", "plot_subsample_curve",
    "plot_weight_graphs", "C_LABEL", "L_LABEL",
]
