"""The paper's design space of relational graphs: the WS-flex grid and its samples.

"Graph Structure of Neural Networks" (You et al., 2020, §3) scans a grid of
connected WS-flex graphs, measures clustering C and path length L, and keeps
one graph per cell of a fine (C, L) grid. This module reproduces that
procedure exactly; at n = 64 it yields the paper's 3942 graphs and its
52-graph coarse list.

Procedure (docs/design_space.md has the full text):

1. Grid (:func:`paper_grid`). n = 64: ``k = linspace(sqrt 8, sqrt 62, 300)**2``,
   ``p = linspace(0, 1, 300)**2``, seeds 0..29, rows ordered by k, then p,
   then seed (2.7 M graphs). n = 16: ``k = linspace(2, sqrt 14, 200)**2``.
2. Scan (:func:`scan_grid`): ``connected_ws_flex`` graphs; C summed over nodes
   in ascending order of node clustering, as graph2nn did; L over ordered pairs.
3. Fine sample (:func:`sample`): keep rows with ``k / n >= 0.125``; shuffle
   them with ``numpy.random.RandomState(1).permutation``; bin C with edges
   ``linspace(0, 1, bins + 1)`` and L with ``linspace(1, L_max, bins + 1)``
   (``numpy.digitize``, default side); keep the first row landing in each
   cell. n = 64: 135 bins, L_max 4.5 -> 3942 graphs.
4. Coarse sample (:func:`coarse_sample`): the kept cells whose two bin
   indices are both 5 mod 9 (the centre of each 9 x 9 block). A target cell
   with C > 0.75 that is empty is filled from the kept cell of its 9 x 9 block
   nearest to it, except the block of the complete-graph baseline (C = L = 1),
   which the baseline represents in every analysis. n = 64 -> 52 graphs.

Example
-------
>>> from relsparse import design_space
>>> spec = design_space.paper_grid(64)
>>> len(spec)
2700000
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np

from . import measures

C_FIELD = "average_clustering"
L_FIELD = "average_shortest_path_length"


@dataclasses.dataclass(frozen=True)
class GridSpec:
    """A WS-flex parameter grid: every (k, p, seed) combination at ``n`` nodes."""

    n: int
    k: np.ndarray
    p: np.ndarray
    seeds: np.ndarray

    def __len__(self) -> int:
        return len(self.k) * len(self.p) * len(self.seeds)

    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(k, p, seed)`` per row, ordered by k, then p, then seed."""
        k, p, s = np.meshgrid(self.k, self.p, self.seeds, indexing="ij")
        return k.ravel(), p.ravel(), s.ravel().astype(np.uint64)


@dataclasses.dataclass(frozen=True)
class SampleSpec:
    """Binning of the (C, L) plane used to pick one graph per cell."""

    bins: int = 135
    l_max: float = 4.5
    min_k_over_n: float = 0.125
    permutation_seed: int = 1
    block: int = 9          # coarse cells are block x block fine cells
    block_centre: int = 5   # fine index (1-based) of a block's centre, mod block
    fill_min_c: float = 0.75

    def c_edges(self) -> np.ndarray:
        return np.linspace(0, 1, self.bins + 1)

    def l_edges(self) -> np.ndarray:
        return np.linspace(1, self.l_max, self.bins + 1)


def paper_grid(n: int = 64, *, k_points: Optional[int] = None, p_points: int = 300, seeds: int = 30) -> GridSpec:
    """The paper's grid at n = 64 or n = 16 (fewer points for quick runs)."""
    if n == 64:
        k = np.linspace(np.sqrt(8), np.sqrt(62), 300 if k_points is None else k_points) ** 2
    elif n == 16:
        k = np.linspace(2, np.sqrt(14), 200 if k_points is None else k_points) ** 2
    else:
        raise ValueError(f"n must be 64 or 16 (the paper's grids), got n={n}; build a GridSpec for others")
    if p_points < 1 or seeds < 1 or len(k) < 1:
        raise ValueError("k_points, p_points and seeds must be >= 1")
    return GridSpec(n=n, k=k, p=np.linspace(0, 1, p_points) ** 2, seeds=np.arange(seeds))


def paper_sample_spec(n: int = 64) -> SampleSpec:
    """Binning of the paper's samples: 135 bins, L in [1, 4.5] at n = 64; 108 bins, L in [1, 2.5] at n = 16."""
    if n == 64:
        return SampleSpec()
    if n == 16:
        return SampleSpec(bins=108, l_max=2.5)
    raise ValueError(f"n must be 64 or 16, got n={n}")


def scan_grid(spec: GridSpec, *, progress: bool = False, threads: Optional[int] = None) -> np.ndarray:
    """Generates and measures every graph of ``spec`` (C in ascending order, L).

    Returns a structured array with fields n, k, p, seed, ok,
    average_clustering, average_shortest_path_length, in grid order. Rows
    whose connected WS-flex generation fails have ``ok = False`` and NaN
    measures (none do on the paper's grids).
    """
    k, p, seed = spec.rows()
    return measures.scan(
        "connected_ws_flex",
        n=spec.n,
        k=k,
        p=p,
        seed=seed,
        measures=("C", "L"),
        clustering_order="ascending",
        on_failure="record",
        progress=progress,
        threads=threads,
    )


def _cells(table: np.ndarray, spec: SampleSpec) -> tuple[np.ndarray, np.ndarray]:
    return np.digitize(table[C_FIELD], spec.c_edges()), np.digitize(table[L_FIELD], spec.l_edges())


def sample(table: np.ndarray, spec: SampleSpec = SampleSpec()) -> np.ndarray:
    """One graph per occupied (C, L) cell, picked in a seeded random order.

    Returns the kept rows of ``table`` in the order they were picked, with
    fields ``k_over_n``, ``c_bin`` and ``l_bin`` added.
    """
    rows = table[table["ok"] & (table["k"] / table["n"] >= spec.min_k_over_n)]
    rows = rows[np.random.RandomState(spec.permutation_seed).permutation(len(rows))]
    c_bin, l_bin = _cells(rows, spec)
    key = c_bin.astype(np.int64) * (spec.bins + 2) + l_bin
    _, first = np.unique(key, return_index=True)
    first.sort()  # picking order = shuffled order
    return _with_bins(rows[first], c_bin[first], l_bin[first])


def coarse_sample(fine: np.ndarray, spec: SampleSpec = SampleSpec()) -> np.ndarray:
    """The coarse list: block-centre cells of the fine sample, plus fill-ins (see module doc)."""
    c_bin, l_bin = fine["c_bin"], fine["l_bin"]
    on_centre = (c_bin % spec.block == spec.block_centre) & (l_bin % spec.block == spec.block_centre)
    chosen = list(np.flatnonzero(on_centre))
    occupied = set(zip(c_bin.tolist(), l_bin.tolist()))
    half = spec.block // 2
    c_edges = spec.c_edges()
    # The complete graph (C = L = 1) sits in the block holding C's last bin
    # when C bins are right-closed, as the analysis bins them.
    baseline_block = ((spec.bins - 1) // spec.block, 0)
    for tc in range(spec.block_centre, spec.bins + 1, spec.block):
        if c_edges[tc - 1] <= spec.fill_min_c:
            continue
        for tl in range(spec.block_centre, spec.bins + 1, spec.block):
            if (tc, tl) in occupied or ((tc - 1) // spec.block, (tl - 1) // spec.block) == baseline_block:
                continue
            near = np.flatnonzero((np.abs(c_bin - tc) <= half) & (np.abs(l_bin - tl) <= half))
            if len(near):
                dist = (c_bin[near] - tc) ** 2 + (l_bin[near] - tl) ** 2
                chosen.append(int(near[np.argmin(dist)]))  # ties: earliest picked
    return fine[np.sort(np.array(chosen, dtype=np.int64))]


def _with_bins(rows: np.ndarray, c_bin: np.ndarray, l_bin: np.ndarray) -> np.ndarray:
    extra = [("k_over_n", np.float64), ("c_bin", np.int64), ("l_bin", np.int64)]
    out = np.empty(len(rows), dtype=rows.dtype.descr + extra)
    for name in rows.dtype.names:
        out[name] = rows[name]
    out["k_over_n"] = rows["k"] / rows["n"]
    out["c_bin"], out["l_bin"] = c_bin, l_bin
    return out


SAMPLE_COLUMNS = ("n", "k", "k_over_n", "p", "seed", C_FIELD, L_FIELD, "c_bin", "l_bin")


def write_csv(rows: np.ndarray, path: str) -> None:
    """Writes a sample as CSV (full float precision, so graphs can be regenerated exactly)."""
    header = ",".join(["index", *SAMPLE_COLUMNS])
    with open(path, "w") as f:
        f.write(header + "\n")
        for i, r in enumerate(rows):
            f.write(
                f"{i},{int(r['n'])},{float(r['k'])!r},{float(r['k_over_n'])!r},{float(r['p'])!r},"
                f"{int(r['seed'])},{float(r[C_FIELD])!r},{float(r[L_FIELD])!r},{int(r['c_bin'])},{int(r['l_bin'])}\n"
            )


def read_csv(path: str) -> np.ndarray:
    """Reads a sample written by :func:`write_csv`."""
    data = np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="utf-8")
    return np.atleast_1d(data)


__all__ = [
    "GridSpec", "SampleSpec", "paper_grid", "paper_sample_spec", "scan_grid",
    "sample", "coarse_sample", "write_csv", "read_csv", "SAMPLE_COLUMNS",
]
