"""Binning of results over the (C, L) plane, as in the paper's heat maps.

Definitions
-----------
A :class:`Grid` has ``R_C`` clustering bins and ``R_L`` path-length bins.
The paper's grid at resolution ``R`` (:meth:`Grid.paper`) has

* C edges ``linspace(0, 1, R + 1)``; C bins are **right-closed**,
  ``(e[i-1], e[i]]``, i.e. ``numpy.digitize(C, edges, right=True)`` as
  graph2nn binned them, so the complete graph (C = 1) falls into the last C
  bin. The first C bin also holds C = 0 exactly (graph2nn's digitize put
  C = 0 in a bin of its own below the grid).
* L edges ``linspace(1, 4.5, R + 1)``; L bins are left-closed,
  ``[e[i-1], e[i])`` (``numpy.digitize`` default side), so L = 1 falls into
  the first L bin and L = 4.5 lies outside.

Resolutions in use: 15 (15 x 15, the sweet spot and Figure 4(f)); 135
(135 x 135, the 3942-graph plots, Figure 4(a)); the paper's "52 bins" are the
15 x 15 grid restricted to the bins holding the 52-graph sample
(:func:`occupied_bins` gives that mask; pass it as ``restrict_to``).

Bin indices are 0-based and every 2-d array is indexed ``[c_index, l_index]``.
A bin's **centre** is the midpoint of its two edges on each axis. The bin
statistics are over the values put into it (one value per input row: in a
sweep, one per (graph, seed) run):

* ``count``: number of values;
* ``mean``: arithmetic mean (NaN for an empty bin) -- the paper's "bin value";
* ``std``: population standard deviation (ddof 0, as graph2nn's ``np.std``;
  0 for one value, NaN for an empty bin).

Example
-------
>>> import numpy as np
>>> from relsparse.analysis import bin_results
>>> b = bin_results([0.5, 0.5, 1.0], [2.0, 2.0, 1.0], [30.0, 32.0, 33.0], resolution=15)
>>> int(b.count[7, 4]), float(b.mean[7, 4]), float(b.mean[14, 0])  # C = 1 is in the last C bin
(2, 31.0, 33.0)
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional, Union

import numpy as np

from . import _util

#: Upper edge of the paper's L axis at n = 64.
PAPER_L_MAX = 4.5


class Grid:
    """Bin edges of the (C, L) plane (see the module doc for the bin sides).

    Parameters
    ----------
    c_edges, l_edges:
        Strictly increasing edges, at least two each.
    """

    __slots__ = ("_c", "_l")

    def __init__(self, c_edges: Any, l_edges: Any) -> None:
        c = _util.float_vector(c_edges, "c_edges")
        l = _util.float_vector(l_edges, "l_edges")
        for name, e in (("c_edges", c), ("l_edges", l)):
            if len(e) < 2 or np.any(np.diff(e) <= 0):
                raise ValueError(f"{name} must hold at least two strictly increasing values, got {e.tolist()[:6]}")
        c.flags.writeable = False
        l.flags.writeable = False
        self._c, self._l = c, l

    @classmethod
    def paper(cls, resolution: int = 15, *, l_max: float = PAPER_L_MAX) -> "Grid":
        """C edges ``linspace(0, 1, R + 1)``, L edges ``linspace(1, l_max, R + 1)``."""
        if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)):
            raise TypeError(f"resolution must be an integer or a Grid, got {type(resolution).__name__}")
        if resolution < 1:
            raise ValueError(f"resolution must be >= 1 bins per axis, got {resolution}")
        if not (np.isfinite(l_max) and l_max > 1):
            raise ValueError(f"l_max must be a finite number > 1 (L >= 1 for any connected graph), got {l_max}")
        r = int(resolution)
        return cls(np.linspace(0, 1, r + 1), np.linspace(1, float(l_max), r + 1))

    # ------------------------------------------------------------ geometry
    @property
    def c_edges(self) -> np.ndarray:
        return self._c

    @property
    def l_edges(self) -> np.ndarray:
        return self._l

    @property
    def shape(self) -> tuple[int, int]:
        """``(R_C, R_L)``: number of C bins and of L bins."""
        return len(self._c) - 1, len(self._l) - 1

    @property
    def c_centres(self) -> np.ndarray:
        return (self._c[:-1] + self._c[1:]) / 2

    @property
    def l_centres(self) -> np.ndarray:
        return (self._l[:-1] + self._l[1:]) / 2

    def locate(self, C: Any, L: Any) -> tuple[np.ndarray, np.ndarray]:
        """0-based ``(c_index, l_index)`` of each point; -1 where it lies outside the grid (or is NaN)."""
        c = np.asarray(C, dtype=np.float64)
        l = np.asarray(L, dtype=np.float64)
        ci = np.digitize(c, self._c, right=True) - 1
        ci = np.where(c == self._c[0], 0, ci)  # the first C bin is closed on the left too
        li = np.digitize(l, self._l) - 1
        rc, rl = self.shape
        inside = (ci >= 0) & (ci < rc) & (li >= 0) & (li < rl) & np.isfinite(c) & np.isfinite(l)
        return np.where(inside, ci, -1).astype(np.int64), np.where(inside, li, -1).astype(np.int64)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Grid):
            return NotImplemented
        return np.array_equal(self._c, other._c) and np.array_equal(self._l, other._l)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Grid(C: {self.shape[0]} bins over [{self._c[0]:g}, {self._c[-1]:g}], "
            f"L: {self.shape[1]} bins over [{self._l[0]:g}, {self._l[-1]:g}])"
        )

    def to_dict(self) -> dict:
        return {"c_edges": self._c.tolist(), "l_edges": self._l.tolist(),
                "c_bins": "right-closed (e[i-1], e[i]]; the first also holds C = e[0]",
                "l_bins": "left-closed [e[i-1], e[i])"}


def as_grid(resolution: Union[int, Grid], *, l_max: float = PAPER_L_MAX) -> Grid:
    """A :class:`Grid` as given, or the paper's grid at that resolution."""
    return resolution if isinstance(resolution, Grid) else Grid.paper(resolution, l_max=l_max)


@dataclasses.dataclass(eq=False)
class BinnedResults:
    """Values binned over a :class:`Grid` (arrays indexed ``[c_index, l_index]``).

    Attributes
    ----------
    grid:
        The bins.
    count, mean, std:
        Per-bin number of values, mean and population std (see the module doc).
    values:
        ``{(c_index, l_index): 1-d array}`` for every non-empty bin, values in input order.
    c_index, l_index:
        Bin of each input row; -1 for rows left out (outside the grid or
        outside ``restrict_to``).
    n_outside:
        Rows outside the grid (dropped under ``outside="drop"``).
    n_excluded:
        Rows inside the grid but in bins outside ``restrict_to``.
    restrict_to:
        The boolean mask of allowed bins, or None for all bins.
    """

    grid: Grid
    count: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    values: dict
    c_index: np.ndarray
    l_index: np.ndarray
    n_outside: int = 0
    n_excluded: int = 0
    restrict_to: Optional[np.ndarray] = None

    @property
    def occupied(self) -> np.ndarray:
        """Boolean mask of bins holding at least one value."""
        return self.count > 0

    def bins(self) -> list[tuple[int, int]]:
        """Non-empty bins as ``(c_index, l_index)``, in C-major order."""
        return [(int(i), int(j)) for i, j in zip(*np.nonzero(self.count))]

    def centre(self, b: tuple[int, int]) -> tuple[float, float]:
        """``(C, L)`` centre of bin ``b``."""
        return float(self.grid.c_centres[b[0]]), float(self.grid.l_centres[b[1]])

    def bin_of(self, C: float, L: float) -> tuple[int, int]:
        """The bin holding the point ``(C, L)``; ``(-1, -1)`` outside the grid."""
        ci, li = self.grid.locate([C], [L])
        return int(ci[0]), int(li[0])

    def to_rows(self) -> list[dict]:
        """One row per non-empty bin: indices, centre, count, mean, std."""
        rows = []
        for b in self.bins():
            c, l = self.centre(b)
            rows.append({"c_index": b[0], "l_index": b[1], "c_centre": c, "l_centre": l,
                         "count": int(self.count[b]), "mean": float(self.mean[b]), "std": float(self.std[b])})
        return rows

    def to_dict(self) -> dict:
        return _util.jsonable({
            "kind": "binned_results",
            "grid": self.grid.to_dict(),
            "n_outside": self.n_outside,
            "n_excluded": self.n_excluded,
            "bins": self.to_rows(),
            "definitions": {
                "count": "number of values (per-seed errors) in the bin",
                "mean": "arithmetic mean of the bin's values (the paper's bin value)",
                "std": "population standard deviation (ddof 0) of the bin's values",
                "c_centre, l_centre": "midpoint of the bin's edges",
            },
        })


def _mask(restrict_to: Any, grid: Grid) -> Optional[np.ndarray]:
    if restrict_to is None:
        return None
    arr = np.asarray(restrict_to)
    if arr.dtype == bool:
        if arr.shape != grid.shape:
            raise ValueError(f"restrict_to mask must have the grid's shape {grid.shape}, got {arr.shape}")
        return arr.copy()
    pairs = np.asarray(list(restrict_to) if not isinstance(restrict_to, np.ndarray) else restrict_to)
    if pairs.size == 0:
        return np.zeros(grid.shape, dtype=bool)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.dtype.kind not in "iu":
        raise ValueError(
            "restrict_to must be a boolean mask of the grid's shape or a sequence of (c_index, l_index) "
            f"integer pairs; got an array of shape {pairs.shape} and dtype {pairs.dtype}"
        )
    rc, rl = grid.shape
    bad = (pairs[:, 0] < 0) | (pairs[:, 0] >= rc) | (pairs[:, 1] < 0) | (pairs[:, 1] >= rl)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"restrict_to pair {tuple(pairs[i].tolist())} lies outside the {rc} x {rl} grid")
    mask = np.zeros(grid.shape, dtype=bool)
    mask[pairs[:, 0], pairs[:, 1]] = True
    return mask


def bin_results(
    C: Any,
    L: Any,
    errors: Any,
    resolution: Union[int, Grid] = 15,
    *,
    l_max: float = PAPER_L_MAX,
    restrict_to: Any = None,
    outside: str = "raise",
) -> BinnedResults:
    """Bins ``errors`` by their ``(C, L)`` (one value per row, e.g. one per (graph, seed) run).

    Parameters
    ----------
    C, L, errors:
        1-d arrays of one length. ``errors`` must be finite.
    resolution:
        Bins per axis of the paper's grid (15, 135, ...) or a :class:`Grid`.
    l_max:
        Upper L edge of the paper's grid (4.5 at n = 64; 2.5 for the paper's
        16-node graphs). Ignored when ``resolution`` is a Grid.
    restrict_to:
        Only these bins: a boolean mask of the grid's shape or ``(c_index,
        l_index)`` pairs (e.g. :func:`occupied_bins` of the 52-graph sample).
        Rows in other bins are left out and counted in ``n_excluded``.
    outside:
        ``"raise"`` (default): a ``ValueError`` if a row lies outside the grid
        (or has NaN C or L); ``"drop"``: leave such rows out, counted in
        ``n_outside``.
    """
    grid = as_grid(resolution, l_max=l_max)
    _util.choice("outside", outside, ("raise", "drop"))
    c = _util.float_vector(C, "C", allow_nan=True)
    l = _util.float_vector(L, "L", allow_nan=True)
    e = _util.float_vector(errors, "errors")
    _util.same_length(C=c, L=l, errors=e)
    ci, li = grid.locate(c, l)
    out = ci < 0
    if out.any() and outside == "raise":
        i = int(np.flatnonzero(out)[0])
        raise ValueError(
            f"{int(out.sum())} row(s) lie outside the grid (C in [{grid.c_edges[0]:g}, {grid.c_edges[-1]:g}], "
            f"L in [{grid.l_edges[0]:g}, {grid.l_edges[-1]:g})), the first is row {i} with C={c[i]!r}, "
            f"L={l[i]!r}; pass outside='drop' to leave them out"
        )
    mask = _mask(restrict_to, grid)
    excluded = np.zeros(len(c), dtype=bool)
    if mask is not None:
        excluded = ~out & ~mask[np.maximum(ci, 0), np.maximum(li, 0)]
        ci = np.where(excluded, -1, ci)
        li = np.where(excluded, -1, li)
    keep = ci >= 0
    shape = grid.shape
    flat = ci[keep] * shape[1] + li[keep]
    vals = e[keep]
    count = np.bincount(flat, minlength=shape[0] * shape[1]).reshape(shape)
    values: dict = {}
    if len(flat):
        order = np.argsort(flat, kind="stable")
        keys, starts = np.unique(flat[order], return_index=True)
        for key, chunk in zip(keys, np.split(vals[order], starts[1:])):
            values[divmod(int(key), shape[1])] = chunk
    mean = np.full(shape, np.nan)
    std = np.full(shape, np.nan)
    for b, v in values.items():
        mean[b] = v.mean()
        std[b] = v.std()
    return BinnedResults(
        grid=grid, count=count.astype(np.int64), mean=mean, std=std, values=values,
        c_index=ci, l_index=li, n_outside=int(out.sum()), n_excluded=int(excluded.sum()), restrict_to=mask,
    )


def occupied_bins(
    C: Any,
    L: Any,
    resolution: Union[int, Grid] = 15,
    *,
    l_max: float = PAPER_L_MAX,
    include_baseline: bool = True,
) -> np.ndarray:
    """Boolean mask of the bins holding the points ``(C, L)``.

    With the 52-graph coarse sample's C and L this is the paper's "52-bin
    resolution"; ``include_baseline`` adds the bin of the complete graph
    (C = L = 1), which graph2nn appended to the 52 graphs. Points outside
    the grid are ignored.
    """
    grid = as_grid(resolution, l_max=l_max)
    c = np.atleast_1d(_util.float_vector(C, "C", allow_nan=True))
    l = np.atleast_1d(_util.float_vector(L, "L", allow_nan=True))
    _util.same_length(C=c, L=l)
    if include_baseline:
        c, l = np.append(c, 1.0), np.append(l, 1.0)
    ci, li = grid.locate(c, l)
    mask = np.zeros(grid.shape, dtype=bool)
    ok = ci >= 0
    mask[ci[ok], li[ok]] = True
    return mask


__all__ = ["Grid", "BinnedResults", "bin_results", "occupied_bins", "as_grid", "PAPER_L_MAX"]
