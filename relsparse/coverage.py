"""Which (C, L) each graph generator reaches: the paper's Figure 3.

The paper compares WS-flex with classic generators at n = 64, enumerating
discrete parameters and grid-searching continuous ones, 30 seeds per
setting. Its appendix (not published with the paper text) gives the exact
grids; these reconstruct its counts where a natural grid does:

================  =============================================  ==========  ======
generator         grid (n = 64)                                  relsparse   paper
================  =============================================  ==========  ======
WS-flex           the design-space grid (design_space.paper_grid)  2,700,000  (2.7 M)
WS                k = 8..61, p = linspace(0, 1, 300)**2, 30 seeds  486,000     486,000
ER                G(n, m), m = 256..2015, 30 seeds                 52,800      53,000
BA                m = 4..63, 30 seeds                              1,800       8,000
Harary            H(n, m), m = 256..2016                           1,761       1,800
ring              ring lattices, k = 8..61                         54          54
complete          K_64                                             1           1
================  =============================================  ==========  ======

Lower bounds k >= 8 (m >= 256 edges) follow the design space's k/n >= 0.125.
ER graphs that come out disconnected have no L and are left out.

Example
-------
>>> from relsparse import coverage
>>> tables = coverage.scan_classic(n=64, seeds=2)            # doctest: +SKIP
>>> coverage.plot_coverage(tables, "figure3.png")            # doctest: +SKIP
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from . import measures

C_FIELD = "average_clustering"
L_FIELD = "average_shortest_path_length"

# name -> function(n, seeds, p_grid) returning scan() keyword arguments.
_GRIDS: dict[str, Callable[[int, np.ndarray, np.ndarray], dict]] = {}


def _grid(name: str):
    def register(fn):
        _GRIDS[name] = fn
        return fn

    return register


def _mesh(*arrays: np.ndarray) -> list[np.ndarray]:
    return [a.ravel() for a in np.meshgrid(*arrays, indexing="ij")]


@_grid("WS")
def _ws(n: int, seeds: np.ndarray, p: np.ndarray) -> dict:
    k, pp, s = _mesh(np.arange(n // 8, n - 2, dtype=np.float64), p, seeds)
    return dict(generator="connected_watts_strogatz_graph", k=k, p=pp, seed=s.astype(np.uint64))


@_grid("ER")
def _er(n: int, seeds: np.ndarray, p: np.ndarray) -> dict:
    m, s = _mesh(np.arange(n * n // 16, n * (n - 1) // 2, dtype=np.float64), seeds)
    return dict(generator="gnm_random_graph", m=m, seed=s.astype(np.uint64))


@_grid("BA")
def _ba(n: int, seeds: np.ndarray, p: np.ndarray) -> dict:
    m, s = _mesh(np.arange(n // 16, n, dtype=np.float64), seeds)
    return dict(generator="barabasi_albert_graph", m=m, seed=s.astype(np.uint64))


@_grid("Harary")
def _harary(n: int, seeds: np.ndarray, p: np.ndarray) -> dict:
    return dict(generator="hnm_harary_graph", m=np.arange(n * n // 16, n * (n - 1) // 2 + 1, dtype=np.float64))


@_grid("ring")
def _ring(n: int, seeds: np.ndarray, p: np.ndarray) -> dict:
    return dict(generator="ring_lattice", k=np.arange(n // 8, n - 2, dtype=np.float64))


@_grid("complete")
def _complete(n: int, seeds: np.ndarray, p: np.ndarray) -> dict:
    return dict(generator="complete_graph", n=np.array([n]))


CLASSIC = tuple(_GRIDS)


def scan_classic(
    n: int = 64,
    *,
    seeds: int = 30,
    p_points: int = 300,
    generators: tuple = CLASSIC,
    progress: bool = False,
    threads: Optional[int] = None,
) -> dict:
    """Scans the classic generators' grids; returns ``{name: scan table}``.

    Tables hold only connected graphs (rows with a defined L).
    """
    seed_values = np.arange(seeds)
    p = np.linspace(0, 1, p_points) ** 2
    out = {}
    for name in generators:
        if name not in _GRIDS:
            raise ValueError(f"unknown generator {name!r}; choose from {', '.join(CLASSIC)}")
        kwargs = _GRIDS[name](n, seed_values, p)
        kwargs.setdefault("n", n)
        table = measures.scan(
            measures=("C", "L"), disconnected="nan", on_failure="record", progress=progress, threads=threads, **kwargs
        )
        out[name] = table[table["ok"] & ~np.isnan(table[L_FIELD])]
    return out


STYLE = {
    "WS-flex": dict(color="#bdbdbd", marker="s", size=2, alpha=1.0, zorder=1),
    "WS": dict(color="#1f77b4", marker="o", size=1.5, alpha=0.35, zorder=3),
    "ER": dict(color="#2ca02c", marker="o", size=3, alpha=0.8, zorder=3),
    "BA": dict(color="#d62728", marker="^", size=12, alpha=0.9, zorder=4),
    "Harary": dict(color="#9467bd", marker="D", size=8, alpha=0.9, zorder=4),
    "ring": dict(color="#ff7f0e", marker="*", size=40, alpha=1.0, zorder=5),
    "complete": dict(color="black", marker="X", size=80, alpha=1.0, zorder=6),
}


def plot_coverage(
    tables: dict, path: str, *, title: Optional[str] = None, max_points: int = 200_000, seed: int = 0
) -> None:
    """Scatter of (C, L) per generator, WS-flex underneath, written as a PNG.

    Each generator is subsampled to ``max_points`` points (seeded), which
    keeps the figure light without changing the covered region visibly.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(seed)
    fig, ax = plt.subplots(figsize=(7.5, 6), dpi=130)
    for name, table in tables.items():
        if len(table) == 0:
            continue
        rows = table if len(table) <= max_points else table[rng.choice(len(table), max_points, replace=False)]
        style = STYLE.get(name, dict(color=None, marker="o", size=4, alpha=0.9, zorder=2))
        ax.scatter(
            rows[C_FIELD], rows[L_FIELD], s=style["size"], c=style["color"], marker=style["marker"],
            linewidths=0, alpha=style["alpha"], zorder=style["zorder"], rasterized=True,
            label=f"{name} ({len(table):,} graphs)",
        )
    ax.set_xlabel("Clustering coefficient C")
    ax.set_ylabel("Average path length L")
    ax.set_xlim(-0.02, 1.02)
    ax.set_title(title or "Graphs generated by different graph generators")
    ax.grid(alpha=0.3)
    legend = ax.legend(loc="upper right", markerscale=2, fontsize=8, framealpha=0.9)
    for handle in legend.legend_handles:
        handle.set_alpha(1)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


__all__ = ["CLASSIC", "scan_classic", "plot_coverage", "STYLE"]
