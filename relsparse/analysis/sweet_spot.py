"""The sweet spot: bins not significantly worse than the best bin (paper §5.1).

Procedure (DESIGN.md, "Sweet spot"; graph2nn's ``align_results_bin``)
-------------------------------------------------------------------
1. Put every per-seed error -- all graphs plus the complete-graph baseline at
   C = L = 1 -- into 15 x 15 (C, L) bins (:func:`~relsparse.analysis.bin_results`,
   resolution 15; C bins right-closed, so the baseline lands in the last C bin
   and the first L bin).
2. **Best bin** = the non-empty bin with the lowest mean error. Ties go to
   the first in L-major order (graph2nn took ``argmin`` of an ``[L, C]`` array).
3. Every non-empty bin ``b`` is compared with the best bin by a two-sample
   t-test with pooled (equal) variance, ``scipy.stats.ttest_ind(best, b,
   equal_var=True)``. Its **statistic** ``t`` is negative when the best bin's
   mean is lower. The **one-sided p-value** for "the best bin is better"
   (alternative: mean(best) < mean(b)) is ``p/2`` when ``t < 0`` and
   ``1 - p/2`` otherwise, ``p`` being scipy's two-sided p-value.
4. ``b`` is **worse** when ``t < 0`` and ``p/2 < alpha`` (alpha = 0.05), the
   test graph2nn applied; every other non-empty bin **belongs to the sweet
   spot** (the best bin itself always does: t = 0, p = 1).
5. The sweet spot is reported as the bounding box of the kept bins'
   **centres** (``c_range``, ``l_range``; the paper's "C in [0.10, 0.50],
   L in [1.82, 2.75]"). ``c_extent``/``l_extent`` give the box of the kept
   bins' edges, which is what the heat map draws.

Bins with too few values. A bin (or a best bin) with fewer than
``min_count`` values (default 2) is not tested: its statistic and p-value
are NaN and it is kept, which is what graph2nn's code did with the scipy of
its day (the sample variance of one value is NaN, so the test gave NaN, and
"NaN < 0" is false). Note that a one-value best bin therefore keeps every
bin. Current scipy defines the pooled test when one bin has a single value
(that bin adds no variance); ``min_count=1`` uses that. A test that is still
undefined (e.g. both bins constant and equal) gives NaN and keeps the bin.

Differences from graph2nn's notebook, all at the grid's borders: values
outside the grid raise (or are dropped, ``outside="drop"``) instead of
forming extra bins below/above it; C = 0 lies in the first C bin; and a bin
in the last row or column is reported at its true centre (graph2nn reported
its upper edges, e.g. the baseline bin at C = 1).

Example
-------
>>> import numpy as np
>>> from relsparse.analysis import bin_results, sweet_spot
>>> rng = np.random.default_rng(0)
>>> C = np.repeat([0.3, 0.5, 0.9, 1.0], 5)   # 3 graphs and the baseline, 5 seeds each
>>> L = np.repeat([2.2, 2.2, 1.5, 1.0], 5)
>>> err = np.repeat([31.0, 31.1, 34.0, 34.0], 5) + rng.normal(0, 0.3, 20)
>>> s = sweet_spot(bin_results(C, L, err))
>>> s.best_bin, s.kept_bins(), s.worse_bins()
((4, 5), [(4, 5), (7, 5)], [(13, 2), (14, 0)])
>>> [round(v, 3) for v in s.c_range + s.l_range]
[0.3, 0.5, 2.283, 2.283]
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from . import _util
from .bins import BinnedResults

#: The paper's significance level.
ALPHA = 0.05


@dataclasses.dataclass(eq=False)
class SweetSpot:
    """Result of :func:`sweet_spot` (arrays indexed ``[c_index, l_index]``).

    Attributes
    ----------
    c_range, l_range:
        ``(min, max)`` of the kept bins' centres -- the reported sweet spot.
    c_extent, l_extent:
        ``(min lower edge, max upper edge)`` of the kept bins (drawn boxes).
    best_bin, best_centre, best_mean, best_count:
        The best bin, its centre, mean error and number of values.
    kept:
        Boolean mask: the sweet-spot bins (non-empty, not significantly worse).
    statistic:
        t statistic of ``ttest_ind(best, bin)``; NaN for empty or untested bins.
    p_value:
        One-sided p-value for mean(best) < mean(bin) (see the module doc).
    alpha, min_count:
        The settings used.
    binned:
        The binned values the test ran on.
    """

    c_range: tuple
    l_range: tuple
    c_extent: tuple
    l_extent: tuple
    best_bin: tuple
    best_centre: tuple
    best_mean: float
    best_count: int
    kept: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    alpha: float
    min_count: int
    binned: BinnedResults

    def kept_bins(self) -> list[tuple[int, int]]:
        """Sweet-spot bins as ``(c_index, l_index)``, C-major order."""
        return [(int(i), int(j)) for i, j in zip(*np.nonzero(self.kept))]

    def worse_bins(self) -> list[tuple[int, int]]:
        """Non-empty bins significantly worse than the best one."""
        worse = self.binned.occupied & ~self.kept
        return [(int(i), int(j)) for i, j in zip(*np.nonzero(worse))]

    def to_rows(self) -> list[dict]:
        """One row per non-empty bin: its statistics, t, one-sided p and membership."""
        rows = self.binned.to_rows()
        for r in rows:
            b = (r["c_index"], r["l_index"])
            r.update(t_statistic=float(self.statistic[b]), p_one_sided=float(self.p_value[b]),
                     in_sweet_spot=bool(self.kept[b]), best=b == tuple(self.best_bin))
        return rows

    def to_dict(self) -> dict:
        return _util.jsonable({
            "kind": "sweet_spot",
            "c_range": self.c_range,
            "l_range": self.l_range,
            "c_extent": self.c_extent,
            "l_extent": self.l_extent,
            "best_bin": self.best_bin,
            "best_centre": self.best_centre,
            "best_mean": self.best_mean,
            "best_count": self.best_count,
            "baseline_bin": self.binned.bin_of(1.0, 1.0),
            "alpha": self.alpha,
            "min_count": self.min_count,
            "grid": self.binned.grid.to_dict(),
            "n_outside": self.binned.n_outside,
            "n_excluded": self.binned.n_excluded,
            "bins": self.to_rows(),
            "definitions": {
                "best_bin": "non-empty bin with the lowest mean error",
                "t_statistic": "scipy.stats.ttest_ind(best, bin, equal_var=True).statistic",
                "p_one_sided": "p/2 if t < 0 else 1 - p/2, p = two-sided p-value (alternative: best is better)",
                "in_sweet_spot": "not (t < 0 and p/2 < alpha); bins with < min_count values are not tested and kept",
                "c_range, l_range": "bounding box of the sweet-spot bins' centres",
                "c_extent, l_extent": "bounding box of the sweet-spot bins' edges",
            },
        })


def one_sided_p(statistic: float, p_two_sided: float) -> float:
    """One-sided p for "first sample has the lower mean" from a two-sided t-test."""
    if not (np.isfinite(statistic) and np.isfinite(p_two_sided)):
        return float("nan")
    return p_two_sided / 2 if statistic < 0 else 1 - p_two_sided / 2


def is_worse(statistic: float, p_two_sided: float, alpha: float = ALPHA) -> bool:
    """graph2nn's decision: the second bin is worse iff ``t < 0`` and ``p/2 < alpha`` (NaN: not worse)."""
    return bool(statistic < 0 and p_two_sided / 2 < alpha)


def sweet_spot(binned: BinnedResults, *, alpha: float = ALPHA, min_count: int = 2) -> SweetSpot:
    """The sweet spot of binned per-seed errors (procedure in the module doc).

    ``binned`` is normally ``bin_results(C, L, errors, 15)`` over all runs,
    the complete-graph baseline's runs included at C = L = 1.
    """
    from scipy import stats

    if not isinstance(binned, BinnedResults):
        raise TypeError(f"binned must be a BinnedResults (from bin_results), got {type(binned).__name__}")
    if not (0 < float(alpha) < 1):
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
    if not binned.values:
        raise ValueError("no values in any bin: nothing to find a sweet spot in")
    grid = binned.grid
    masked = np.where(binned.occupied, binned.mean, np.inf)
    li, ci = np.unravel_index(int(np.argmin(masked.T)), masked.T.shape)
    best = (int(ci), int(li))
    best_values = binned.values[best]
    statistic = np.full(grid.shape, np.nan)
    p_value = np.full(grid.shape, np.nan)
    kept = np.zeros(grid.shape, dtype=bool)
    for b, v in binned.values.items():
        if len(best_values) >= min_count and len(v) >= min_count:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # constant samples, precision loss
                res = stats.ttest_ind(best_values, v, equal_var=True)
            t, p = float(res.statistic), float(res.pvalue)
            statistic[b] = t
            p_value[b] = one_sided_p(t, p)
            kept[b] = not is_worse(t, p, alpha)
        else:
            kept[b] = True
    kept[best] = True
    ks, ls = np.nonzero(kept)
    cc, lc = grid.c_centres, grid.l_centres
    return SweetSpot(
        c_range=(float(cc[ks].min()), float(cc[ks].max())),
        l_range=(float(lc[ls].min()), float(lc[ls].max())),
        c_extent=(float(grid.c_edges[ks.min()]), float(grid.c_edges[ks.max() + 1])),
        l_extent=(float(grid.l_edges[ls.min()]), float(grid.l_edges[ls.max() + 1])),
        best_bin=best,
        best_centre=binned.centre(best),
        best_mean=float(binned.mean[best]),
        best_count=int(binned.count[best]),
        kept=kept,
        statistic=statistic,
        p_value=p_value,
        alpha=float(alpha),
        min_count=int(min_count),
        binned=binned,
    )


__all__ = ["SweetSpot", "sweet_spot", "one_sided_p", "is_worse", "ALPHA"]
