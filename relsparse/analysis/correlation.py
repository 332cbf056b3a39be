"""Correlations of results (paper §5.3-5.4, Figures 4(e) and 5).

Definitions
-----------
* **Pearson r**: ``scipy.stats.pearsonr(x, y)``, two-sided p-value (t-test,
  n - 2 degrees of freedom). **Spearman rho**: ``scipy.stats.spearmanr``
  (Pearson r of the ranks, average ranks for ties), two-sided p-value.
  Both are NaN if either input is constant; at least 3 pairs are needed.
* **Bin values** of a result set: the mean error of each (C, L) bin
  (:func:`~relsparse.analysis.bin_results`). Two result sets are compared
  over their **shared bins**: bins non-empty in both (same grid required).
  Figure 4(e) does this for two architectures on the 52 bins.
* **Early vs final** (Figure 5 right): for each graph, the mean over its runs
  of the error at epoch e, against its mean final error; one correlation per
  epoch, over the graphs with a value at that epoch.
* **Sub-sample vs all** (Figure 5 left): draw ``k`` graphs so that every
  occupied bin keeps at least one graph -- one graph drawn uniformly per
  occupied bin, then ``k - n_bins`` more drawn uniformly without
  replacement from the rest -- and correlate the bin values of the drawn
  graphs' runs with those of all runs, over the occupied bins. Draws use a
  private ``numpy.random.Generator`` made from ``seed``.

Example
-------
>>> import numpy as np
>>> from relsparse.analysis import correlate
>>> r = correlate([1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 2.0, 4.0])
>>> round(r.pearson_r, 3), round(r.spearman_rho, 3)
(0.8, 0.8)
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Optional, Sequence, Union

import numpy as np

from . import _util
from .bins import PAPER_L_MAX, BinnedResults, Grid, bin_results
from .results import graph_means


@dataclasses.dataclass(eq=False)
class Correlation:
    """Pearson and Spearman correlation of paired values (see the module doc).

    ``bins`` lists the ``(c_index, l_index)`` of each pair when the pairs are
    bin values, else None.
    """

    x: np.ndarray
    y: np.ndarray
    pearson_r: float
    pearson_p: float
    spearman_rho: float
    spearman_p: float
    bins: Optional[list] = None

    @property
    def n(self) -> int:
        return len(self.x)

    def to_rows(self) -> list[dict]:
        rows = [{"x": float(a), "y": float(b)} for a, b in zip(self.x, self.y)]
        if self.bins is not None:
            for r, b in zip(rows, self.bins):
                r.update(c_index=int(b[0]), l_index=int(b[1]))
        return rows

    def to_dict(self) -> dict:
        return _util.jsonable({
            "kind": "correlation",
            "n": self.n,
            "pearson_r": self.pearson_r,
            "pearson_p": self.pearson_p,
            "spearman_rho": self.spearman_rho,
            "spearman_p": self.spearman_p,
            "pairs": self.to_rows(),
            "definitions": {
                "pearson_r, pearson_p": "scipy.stats.pearsonr, two-sided p",
                "spearman_rho, spearman_p": "scipy.stats.spearmanr, two-sided p",
            },
        })


def correlate(x: Any, y: Any, *, bins: Optional[list] = None) -> Correlation:
    """Pearson r and Spearman rho, with p-values, of paired finite values (n >= 3)."""
    from scipy import stats

    a = _util.float_vector(x, "x")
    b = _util.float_vector(y, "y")
    n = _util.same_length(x=a, y=b)
    if n < 3:
        raise ValueError(f"a correlation needs at least 3 pairs, got {n}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant input: NaN, documented
        pr = stats.pearsonr(a, b)
        sr = stats.spearmanr(a, b)
    return Correlation(x=a, y=b, pearson_r=float(pr[0]), pearson_p=float(pr[1]),
                       spearman_rho=float(sr[0]), spearman_p=float(sr[1]), bins=bins)


def bin_correlation(a: BinnedResults, b: BinnedResults, *, min_count: int = 1) -> Correlation:
    """Correlation of the bin values of two result sets over their shared bins.

    Shared bins: bins with at least ``min_count`` values in both. ``x`` holds
    ``a``'s bin means, ``y`` ``b``'s, in C-major bin order.
    """
    for name, v in (("a", a), ("b", b)):
        if not isinstance(v, BinnedResults):
            raise TypeError(f"{name} must be a BinnedResults (from bin_results), got {type(v).__name__}")
    if a.grid != b.grid:
        raise ValueError(f"the two results are binned on different grids: {a.grid!r} vs {b.grid!r}")
    shared = (a.count >= min_count) & (b.count >= min_count)
    idx = list(zip(*np.nonzero(shared)))
    if len(idx) < 3:
        raise ValueError(f"only {len(idx)} bin(s) are non-empty in both result sets; a correlation needs 3")
    ci, li = np.nonzero(shared)
    return correlate(a.mean[ci, li], b.mean[ci, li], bins=[(int(i), int(j)) for i, j in idx])


@dataclasses.dataclass(eq=False)
class EpochCorrelation:
    """Per-epoch correlation of early errors with final errors, per graph."""

    epochs: np.ndarray
    pearson_r: np.ndarray
    pearson_p: np.ndarray
    spearman_rho: np.ndarray
    spearman_p: np.ndarray
    n_graphs: np.ndarray

    def to_rows(self) -> list[dict]:
        return [{"epoch": e.item() if hasattr(e, "item") else e, "pearson_r": float(r), "pearson_p": float(p),
                 "spearman_rho": float(s), "spearman_p": float(sp), "n_graphs": int(n)}
                for e, r, p, s, sp, n in zip(self.epochs, self.pearson_r, self.pearson_p,
                                             self.spearman_rho, self.spearman_p, self.n_graphs)]

    def to_dict(self) -> dict:
        return _util.jsonable({
            "kind": "epoch_correlation",
            "epochs": self.to_rows(),
            "definitions": {
                "pearson_r": "Pearson r over graphs of (mean error at the epoch, mean final error); "
                             "means over each graph's runs",
                "n_graphs": "graphs with a value at the epoch (NaN r when fewer than 3)",
            },
        })


def early_vs_final(
    epoch_errors: Any,
    graph: Any = None,
    *,
    epochs: Any = None,
    final: Any = None,
) -> EpochCorrelation:
    """Correlation, over graphs, of each epoch's error with the final error (Figure 5 right).

    Parameters
    ----------
    epoch_errors:
        ``(n_runs, n_epochs)`` errors, NaN where a run has no value.
    graph:
        Graph id of each run (default: each run its own graph).
    epochs:
        Label of each column (default ``0..n_epochs-1``).
    final:
        Per-run final errors; default: the last column of ``epoch_errors``.

    Per graph and epoch, the mean over the graph's runs that have a value
    (``nanmean``); graphs without any value at an epoch are left out of that
    epoch's correlation.
    """
    ee = np.asarray(epoch_errors, dtype=np.float64)
    if ee.ndim != 2 or ee.shape[1] < 1:
        raise ValueError(f"epoch_errors must have shape (n_runs, n_epochs), got {ee.shape}")
    n_runs, n_epochs = ee.shape
    labels = np.arange(n_epochs) if epochs is None else np.asarray(epochs)
    if labels.shape != (n_epochs,):
        raise ValueError(f"epochs must have one label per column ({n_epochs}), got shape {labels.shape}")
    fin = ee[:, -1] if final is None else _util.float_vector(final, "final", allow_nan=True)
    from .. import _args

    g = np.arange(n_runs) if graph is None else _args.integer_array(graph, "graph")
    _util.same_length(epoch_errors=ee[:, 0], graph=g, final=fin)
    ids, inverse = np.unique(g, return_inverse=True)
    inverse = inverse.reshape(-1)

    def per_graph(col: np.ndarray) -> np.ndarray:
        ok = np.isfinite(col)
        s = np.bincount(inverse[ok], weights=col[ok], minlength=len(ids))
        k = np.bincount(inverse[ok], minlength=len(ids))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(k > 0, s / np.maximum(k, 1), np.nan)

    y = per_graph(fin)
    out = {k: np.full(n_epochs, np.nan) for k in ("pr", "pp", "sr", "sp")}
    counts = np.zeros(n_epochs, dtype=np.int64)
    for j in range(n_epochs):
        x = per_graph(ee[:, j])
        ok = np.isfinite(x) & np.isfinite(y)
        counts[j] = int(ok.sum())
        if counts[j] >= 3:
            c = correlate(x[ok], y[ok])
            out["pr"][j], out["pp"][j] = c.pearson_r, c.pearson_p
            out["sr"][j], out["sp"][j] = c.spearman_rho, c.spearman_p
    return EpochCorrelation(epochs=labels, pearson_r=out["pr"], pearson_p=out["pp"],
                            spearman_rho=out["sr"], spearman_p=out["sp"], n_graphs=counts)


def subsample_graphs(
    graph: Any, c_index: Any, l_index: Any, k: int, *, seed: _util.SeedLike, cover_bins: bool = True
) -> np.ndarray:
    """Ids of ``k`` graphs drawn as in the module doc (one per occupied bin first).

    ``c_index``/``l_index`` give each row's bin (-1: left out); rows of one
    graph must share a bin. With ``cover_bins=False`` the ``k`` graphs are
    drawn uniformly without the one-per-bin step.
    """
    rng = _util.generator(seed)
    from .. import _args

    g = _args.integer_array(graph, "graph")
    ci = np.asarray(c_index)
    li = np.asarray(l_index)
    inside = ci >= 0
    ids, first = np.unique(g[inside], return_index=True)
    bin_of = (ci[inside][first], li[inside][first])
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(ids):
        raise ValueError(f"k must be an integer in 1..{len(ids)} (the number of graphs), got {k!r}")
    if not cover_bins:
        return np.sort(rng.choice(ids, size=int(k), replace=False))
    keys = bin_of[0].astype(np.int64) * (int(li.max()) + 1) + bin_of[1]
    occupied, group = np.unique(keys, return_inverse=True)
    if k < len(occupied):
        raise ValueError(
            f"k={k} is less than the {len(occupied)} occupied bins; each bin needs a graph "
            "(pass cover_bins=False to draw without that rule)"
        )
    chosen = np.zeros(len(ids), dtype=bool)
    for j in range(len(occupied)):
        members = np.flatnonzero(group == j)
        chosen[members[rng.integers(len(members))]] = True
    rest = np.flatnonzero(~chosen)
    extra = int(k) - len(occupied)
    if extra:
        chosen[rng.choice(rest, size=extra, replace=False)] = True
    return ids[chosen]


def subsample_correlation(
    C: Any,
    L: Any,
    errors: Any,
    graph: Any,
    k: int,
    *,
    seed: _util.SeedLike,
    resolution: Union[int, Grid] = 15,
    l_max: float = PAPER_L_MAX,
    restrict_to: Any = None,
    outside: str = "raise",
    cover_bins: bool = True,
) -> Correlation:
    """Bin values of ``k`` drawn graphs vs of all graphs (Figure 5 left; module doc).

    ``x`` holds the sub-sample's bin means, ``y`` the full set's, over the
    bins the sub-sample occupies (all occupied bins when ``cover_bins``).
    """
    full = bin_results(C, L, errors, resolution, l_max=l_max, restrict_to=restrict_to, outside=outside)
    from .. import _args

    g = _args.integer_array(graph, "graph")
    _util.same_length(graph=g, errors=full.c_index)
    graph_means(g, C, L, errors)  # checks that each graph's runs agree on C and L
    picked = subsample_graphs(g, full.c_index, full.l_index, k, seed=seed, cover_bins=cover_bins)
    rows = np.isin(g, picked) & (full.c_index >= 0)
    e = np.asarray(errors, dtype=np.float64)
    sub = bin_results(np.asarray(C, dtype=np.float64)[rows], np.asarray(L, dtype=np.float64)[rows],
                      e[rows], full.grid)
    return bin_correlation(sub, full)


@dataclasses.dataclass(eq=False)
class SubsampleCurve:
    """Correlation of sub-sample bin values with the full ones, for several sample sizes."""

    k: np.ndarray
    pearson_r: np.ndarray  # (len(k), repeats)
    spearman_rho: np.ndarray

    @property
    def mean_pearson_r(self) -> np.ndarray:
        return np.nanmean(self.pearson_r, axis=1)

    def to_rows(self) -> list[dict]:
        return [{"k": int(k), "pearson_r_mean": float(np.nanmean(r)), "pearson_r_min": float(np.nanmin(r)),
                 "pearson_r_max": float(np.nanmax(r)), "spearman_rho_mean": float(np.nanmean(s)),
                 "repeats": int(len(r))}
                for k, r, s in zip(self.k, self.pearson_r, self.spearman_rho)]

    def to_dict(self) -> dict:
        return _util.jsonable({
            "kind": "subsample_curve",
            "sizes": self.to_rows(),
            "definitions": {
                "pearson_r_mean": "mean over repeats of Pearson r between the bin values of k drawn graphs "
                                  "and of all graphs, over the occupied bins",
            },
        })


def subsample_curve(
    C: Any,
    L: Any,
    errors: Any,
    graph: Any,
    ks: Sequence[int],
    *,
    seed: _util.SeedLike,
    repeats: int = 1,
    **options: Any,
) -> SubsampleCurve:
    """:func:`subsample_correlation` for each ``k`` in ``ks``, ``repeats`` draws each, one Generator."""
    rng = _util.generator(seed)
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ValueError(f"repeats must be an integer >= 1, got {repeats!r}")
    ks = np.asarray(list(ks), dtype=np.int64)
    pr = np.full((len(ks), repeats), np.nan)
    sr = np.full((len(ks), repeats), np.nan)
    for i, k in enumerate(ks):
        for j in range(repeats):
            c = subsample_correlation(C, L, errors, graph, int(k), seed=rng, **options)
            pr[i, j], sr[i, j] = c.pearson_r, c.spearman_rho
    return SubsampleCurve(k=ks, pearson_r=pr, spearman_rho=sr)


__all__ = [
    "Correlation", "correlate", "bin_correlation", "EpochCorrelation", "early_vs_final",
    "subsample_graphs", "subsample_correlation", "SubsampleCurve", "subsample_curve",
]
