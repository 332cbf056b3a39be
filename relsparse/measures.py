"""Graph measures, computed in C++ for one graph or a whole batch.

Every function accepts a :class:`~relsparse.Graph`, a networkx graph, a
:class:`~relsparse.GraphBatch` or a list of graphs; one graph gives a
Python number, a batch gives a numpy array with one entry per graph.

Definitions (networkx's, compared with networkx 3.6.1 to 1e-12 in the tests;
docs/measures.md has the details):

* ``average_clustering``: mean over **all** nodes of the local clustering
  ``c_v = 2 T_v / (d_v (d_v - 1))`` (``T_v`` triangles through ``v``,
  ``c_v = 0`` when ``d_v < 2``), as ``networkx.average_clustering``.
* ``transitivity``: ``3 x triangles / connected triples`` (0 without triangles).
* ``average_shortest_path_length``: mean of ``d(s, t)`` over the ``n(n-1)``
  ordered pairs ``s != t`` (0 for one node).
* ``global_efficiency``: mean of ``1 / d(s, t)`` over ordered pairs, 0 for
  unreachable pairs and for ``n <= 1``.
* ``diameter``: the largest eccentricity.
* ``number_connected_components``, ``density = 2m / (n(n-1))`` (0 for n <= 1),
  degree mean / std (population, ddof 0) / min / max.

Disconnected graphs. ``average_shortest_path_length``, ``diameter`` and
``eccentricity`` take ``disconnected=``:

* ``"raise"`` (default, like networkx): :class:`~relsparse.errors.DisconnectedGraphError`;
* ``"nan"``: NaN for that graph;
* ``"reachable"``: the average over reachable ordered pairs only (NaN if
  there is none); the diameter and eccentricities use the farthest reachable
  node (0 for an isolated node).

The graph with no nodes counts as disconnected for the path length and the
diameter (its eccentricity array is empty); its average clustering and
degree mean/std are NaN (networkx raises), its degree min/max 0.

Example
-------
>>> from relsparse import graphs, measures
>>> g = graphs.ws_flex(64, 8, 0.0, seed=0)
>>> round(measures.average_clustering(g), 6), round(measures.average_shortest_path_length(g), 6)
(0.642857, 4.444444)
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Sequence, Union

import numpy as np

from . import _args, _native, _threads
from .graph import GraphBatch, as_batch

Disconnected = Literal["raise", "nan", "reachable"]
ClusteringOrder = Literal["node", "ascending"]

_DISCONNECTED = {"raise": 0, "nan": 1, "reachable": 2}
_ORDER = {"node": 0, "ascending": 1}
_FLAGS: dict = dict(_native.graph.MEASURE_FLAGS)

#: Measures :func:`compute` and :func:`scan` can return, in column order.
#: ``degree_stats`` expands to degree_mean, degree_std, degree_min, degree_max.
MEASURES = (
    "average_clustering",
    "transitivity",
    "average_shortest_path_length",
    "global_efficiency",
    "diameter",
    "number_connected_components",
    "density",
    "degree_stats",
)

#: Short names accepted wherever a measure is named (the paper's C and L).
ALIASES = {"C": "average_clustering", "L": "average_shortest_path_length"}

Number = Union[float, int]


def _flags(measures: Sequence[str]) -> int:
    if isinstance(measures, str):
        measures = [measures]
    flags = 0
    for m in measures:
        name = ALIASES.get(m, m)
        if name not in _FLAGS:
            raise ValueError(
                f"unknown measure {m!r}; choose from {', '.join(MEASURES)} (or the aliases C, L)"
            )
        flags |= _FLAGS[name]
    return flags


def _options(disconnected: str, order: str, order_name: str = "clustering_order") -> tuple[int, int]:
    _args.choice("disconnected", disconnected, tuple(_DISCONNECTED))
    _args.choice(order_name, order, tuple(_ORDER))
    return _DISCONNECTED[disconnected], _ORDER[order]


def _columns(columns: dict, disconnected: str) -> dict:
    """Integer columns stay integers unless NaN is possible (disconnected='nan')."""
    if "diameter" in columns and disconnected != "nan":
        d = columns["diameter"]
        if not np.isnan(d).any():
            columns["diameter"] = d.astype(np.int64)
    return columns


def compute(
    G: Any,
    measures: Sequence[str] = ("average_clustering", "average_shortest_path_length"),
    *,
    disconnected: Disconnected = "raise",
    clustering_order: ClusteringOrder = "node",
    threads: Optional[int] = None,
) -> dict:
    """Several measures in one pass (one BFS serves every path measure).

    Returns a dict of numpy arrays (one entry per graph, even for a single
    graph), keyed by measure name; ``degree_stats`` gives four columns.

    ``clustering_order="ascending"`` sums the local clustering values in
    ascending order instead of node order, as graph2nn did when it built the
    paper's design-space sample (the mean differs in the last bits only, which
    decides bin membership at bin edges).
    """
    batch, _ = as_batch(G)
    flags = _flags(measures)
    d, o = _options(disconnected, clustering_order)
    cols = _native.graph.measure(
        batch.num_nodes, batch.edge_ptr, batch.edges, flags, d, o, _threads.resolve(threads)
    )
    return _columns(dict(cols), disconnected)


def _one(G: Any, name: str, threads: Optional[int], **options: Any) -> Any:
    batch, single = as_batch(G)
    column = compute(batch, [name], threads=threads, **options)[name]
    if single:
        value = column[0]
        return value.item()
    return column


def average_clustering(G: Any, *, order: ClusteringOrder = "node", threads: Optional[int] = None) -> Any:
    """Mean local clustering over all nodes (networkx ``average_clustering``).

    ``order="ascending"`` reproduces graph2nn's summation order (see :func:`compute`).
    """
    _options("raise", order, "order")
    return _one(G, "average_clustering", threads, clustering_order=order)


def transitivity(G: Any, *, threads: Optional[int] = None) -> Any:
    """Fraction of connected triples that close into triangles (networkx ``transitivity``)."""
    return _one(G, "transitivity", threads)


def average_shortest_path_length(
    G: Any, *, disconnected: Disconnected = "raise", threads: Optional[int] = None
) -> Any:
    """Mean shortest-path distance over ordered node pairs (networkx ``average_shortest_path_length``)."""
    return _one(G, "average_shortest_path_length", threads, disconnected=disconnected)


def global_efficiency(G: Any, *, threads: Optional[int] = None) -> Any:
    """Mean inverse distance over ordered pairs (networkx ``global_efficiency``)."""
    return _one(G, "global_efficiency", threads)


def diameter(G: Any, *, disconnected: Disconnected = "raise", threads: Optional[int] = None) -> Any:
    """Largest eccentricity (networkx ``diameter``): an int, or NaN under
    ``disconnected='nan'``; under ``"reachable"`` the largest finite distance
    (0 when no two nodes are joined)."""
    return _one(G, "diameter", threads, disconnected=disconnected)


def number_connected_components(G: Any, *, threads: Optional[int] = None) -> Any:
    """Number of connected components (0 for the graph with no nodes)."""
    return _one(G, "number_connected_components", threads)


def density(G: Any, *, threads: Optional[int] = None) -> Any:
    """``2m / (n (n - 1))``, 0 when ``n <= 1`` (networkx ``density``)."""
    return _one(G, "density", threads)


def degree_statistics(G: Any, *, threads: Optional[int] = None) -> dict:
    """Degree mean, population standard deviation, min and max.

    Returns a dict with keys ``mean``, ``std``, ``min``, ``max`` (numbers for
    one graph, arrays for a batch).
    """
    batch, single = as_batch(G)
    cols = compute(batch, ["degree_stats"], threads=threads)
    out = {k.replace("degree_", ""): v for k, v in cols.items()}
    return {k: v[0].item() for k, v in out.items()} if single else out


def _per_node(G: Any, fn: Any, *extra: Any, threads: Optional[int]) -> Any:
    batch, single = as_batch(G)
    values = fn(batch.num_nodes, batch.edge_ptr, batch.edges, *extra, _threads.resolve(threads))
    return values


def clustering(G: Any, *, threads: Optional[int] = None) -> np.ndarray:
    """Local clustering of every node (networkx ``clustering``), float64.

    For a batch, one flat array: graph ``i``'s nodes are
    ``values[batch.node_ptr[i]:batch.node_ptr[i + 1]]``.
    """
    return _per_node(G, _native.graph.node_clustering, threads=threads)


def eccentricity(G: Any, *, disconnected: Disconnected = "raise", threads: Optional[int] = None) -> np.ndarray:
    """Eccentricity of every node (networkx ``eccentricity``), flat like :func:`clustering`.

    int64, or float64 with NaN under ``disconnected='nan'``; under
    ``"reachable"`` the distance to the farthest reachable node.
    """
    d, _ = _options(disconnected, "node")
    values = _per_node(G, _native.graph.eccentricity, d, threads=threads)
    if disconnected != "nan":
        values = values.astype(np.int64)
    return values


# ------------------------------------------------------------- scanning
_SCAN_PARAMS = {
    # generator: (name of a, name of b, needs seed)
    "ws_flex": ("k", "p", True),
    "connected_ws_flex": ("k", "p", True),
    "watts_strogatz_graph": ("k", "p", True),
    "connected_watts_strogatz_graph": ("k", "p", True),
    "gnp_random_graph": ("p", None, True),
    "gnm_random_graph": ("m", None, True),
    "dense_gnm_random_graph": ("m", None, True),
    "barabasi_albert_graph": ("m", None, True),
    "hkn_harary_graph": ("k", None, False),
    "hnm_harary_graph": ("m", None, False),
    "ring_lattice": ("k", None, False),
    "complete_graph": (None, None, False),
}

#: Rows per C++ call of :func:`scan` (one progress-bar step).
SCAN_CHUNK = 1 << 16


def scan(
    generator: str,
    *,
    n: Any,
    measures: Sequence[str] = ("average_clustering", "average_shortest_path_length"),
    seed: Any = None,
    k: Any = None,
    p: Any = None,
    m: Any = None,
    tries: int = 100,
    disconnected: Disconnected = "raise",
    clustering_order: ClusteringOrder = "node",
    on_failure: Literal["raise", "record"] = "raise",
    progress: bool = False,
    threads: Optional[int] = None,
) -> np.ndarray:
    """Generate and measure many graphs without materialising them.

    The C++ engine builds each graph in a reusable buffer and measures it in
    place, so memory stays flat for millions of graphs. Parameters broadcast
    together like the ``*_batch`` generators.

    Parameters
    ----------
    generator: a name from :mod:`relsparse.graphs` (e.g. ``"connected_ws_flex"``).
    n, k, p, m, seed: the generator's parameters (those it does not take must be None).
    measures: names from :data:`MEASURES` (or ``"C"``, ``"L"``).
    on_failure: ``"record"`` turns a connected variant running out of tries, or
        a disconnected graph under ``disconnected="raise"``, into a row with
        ``ok = False`` and NaN measures instead of an exception.
    progress: show a progress bar.

    Returns
    -------
    numpy structured array with one row per graph: the parameters, ``ok``
    and the measure columns.

    Example
    -------
    >>> t = scan("connected_ws_flex", n=64, k=[8, 16], p=0.1, seed=0)
    >>> t.dtype.names
    ('n', 'k', 'p', 'seed', 'ok', 'average_clustering', 'average_shortest_path_length')
    """
    if generator not in _SCAN_PARAMS:
        raise ValueError(f"unknown generator {generator!r}; choose from {', '.join(_SCAN_PARAMS)}")
    _args.choice("on_failure", on_failure, ("raise", "record"))
    a_name, b_name, needs_seed = _SCAN_PARAMS[generator]
    given = {"k": k, "p": p, "m": m}
    for name, value in given.items():
        if value is not None and name not in (a_name, b_name):
            raise ValueError(f"{generator} takes no parameter {name!r}")
    for name in (a_name, b_name):
        if name is not None and given[name] is None:
            raise ValueError(f"{generator} needs the parameter {name!r}")
    if not needs_seed and seed is not None:
        raise ValueError(f"{generator} is deterministic and takes no seed")
    params = {"n": _args.integer_array(n, "n")}
    for name in (a_name, b_name):
        if name is not None:
            params[name] = _args.float_array(given[name], name)
    params["seed"] = _args.seed_array(seed) if needs_seed else None
    named = _args.broadcast_1d(**params)
    arrays = {"n": named["n"], "a": named.get(a_name), "b": named.get(b_name), "seed": named["seed"]}
    flags = _flags(measures)
    d, o = _options(disconnected, clustering_order)
    size = len(arrays["n"])
    kind = getattr(_native.graph.Generator, generator)
    nthreads = _threads.resolve(threads)

    pieces = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=size, desc=f"scan {generator}", unit="graph", unit_scale=True)
    try:
        for start in range(0, max(size, 1), SCAN_CHUNK):
            sl = slice(start, min(size, start + SCAN_CHUNK))
            part = _native.graph.scan(
                kind,
                arrays["n"][sl],
                None if arrays["a"] is None else arrays["a"][sl],
                None if arrays["b"] is None else arrays["b"][sl],
                None if arrays["seed"] is None else arrays["seed"][sl],
                int(tries), flags, d, o, on_failure == "record", nthreads,
            )
            pieces.append(dict(part))
            if bar is not None:
                bar.update(sl.stop - sl.start)
    finally:
        if bar is not None:
            bar.close()

    columns: dict = {"n": arrays["n"]}
    if a_name:
        columns[a_name] = arrays["a"] if a_name != "m" else arrays["a"].astype(np.int64)
    if b_name:
        columns[b_name] = arrays["b"]
    if needs_seed:
        columns["seed"] = arrays["seed"]
    keys = list(pieces[0]) if pieces else []
    merged = {key: np.concatenate([piece[key] for piece in pieces]) for key in keys}
    columns["ok"] = merged.pop("ok", np.ones(size, dtype=bool))
    columns.update(_columns(merged, disconnected if on_failure == "raise" else "nan"))
    table = np.empty(size, dtype=[(name, col.dtype) for name, col in columns.items()])
    for name, col in columns.items():
        table[name] = col
    return table


__all__ = [
    "MEASURES", "ALIASES", "compute", "scan",
    "average_clustering", "transitivity", "average_shortest_path_length", "global_efficiency",
    "diameter", "number_connected_components", "density", "degree_statistics",
    "clustering", "eccentricity",
]
