"""Sweep results as plain arrays: one row per (graph, seed) training run.

Every analysis function takes plain numpy arrays; :class:`Results` only
bundles them and checks that they fit together, and :func:`from_runs` builds
one from the sweep store's tables.

Run table (a numpy structured array, or any mapping of column name to array)
---------------------------------------------------------------------------
==================  ============================================================
``graph_index``     integer id of the run's relational graph
``C``, ``L``        the graph's average clustering and average path length
``seed``            training seed (optional)
``status``          run status (optional; see ``status=`` of :func:`from_runs`)
``final_val_error`` validation error at the end of training (NaN if none)
``run_id``          run id, needed only to join the epoch table
==================  ============================================================

Epoch table: fields ``run_id``, ``epoch``, ``val_error`` (one row per run and
epoch).

Example
-------
>>> import numpy as np
>>> from relsparse.analysis import Results
>>> r = Results(C=[0.5, 0.5], L=[2.0, 2.0], error=[31.0, 33.0], graph=[7, 7])
>>> g = r.graph_means()
>>> g.graph.tolist(), g.error.tolist(), g.count.tolist()
([7], [32.0], [2])
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

import numpy as np

from . import _util


@dataclasses.dataclass(frozen=True, eq=False)
class GraphMeans:
    """Per-graph summary: each graph's C, L, mean error over its runs and run count."""

    graph: np.ndarray
    C: np.ndarray
    L: np.ndarray
    error: np.ndarray
    count: np.ndarray


@dataclasses.dataclass(eq=False)
class Results:
    """Runs of a sweep as aligned 1-d arrays (one entry per run).

    Attributes
    ----------
    C, L:
        The run's graph measures (float64).
    error:
        The run's final error (float64, finite).
    graph:
        Graph id of each run (int64); ``None`` gives every run its own id
        ``0..n-1``.
    seed:
        Training seed of each run, or None.
    epoch_errors:
        ``(n_runs, n_epochs)`` per-epoch errors (NaN where a run has no value
        for that epoch), or None.
    epochs:
        The epoch label of each column of ``epoch_errors``.
    n_left_out:
        Runs of the source table left out by :func:`from_runs`.
    """

    C: Any
    L: Any
    error: Any
    graph: Any = None
    seed: Any = None
    epoch_errors: Any = None
    epochs: Any = None
    n_left_out: int = 0

    def __post_init__(self) -> None:
        self.C = _util.float_vector(self.C, "C", allow_nan=True)
        self.L = _util.float_vector(self.L, "L", allow_nan=True)
        self.error = _util.float_vector(self.error, "error")
        n = _util.same_length(C=self.C, L=self.L, error=self.error)
        if self.graph is None:
            self.graph = np.arange(n, dtype=np.int64)
        else:
            from .. import _args

            self.graph = _args.integer_array(self.graph, "graph")
            if self.graph.ndim != 1:
                raise ValueError(f"graph must be a 1-d array, got shape {self.graph.shape}")
        if self.seed is not None:
            self.seed = np.asarray(self.seed)
        _util.same_length(C=self.C, graph=self.graph, seed=self.seed)
        if self.epoch_errors is not None:
            ee = np.asarray(self.epoch_errors, dtype=np.float64)
            if ee.ndim != 2 or ee.shape[0] != n:
                raise ValueError(f"epoch_errors must have shape (n_runs={n}, n_epochs), got {ee.shape}")
            self.epoch_errors = ee
            self.epochs = np.arange(ee.shape[1]) if self.epochs is None else np.asarray(self.epochs)
            if self.epochs.shape != (ee.shape[1],):
                raise ValueError(f"epochs must have one label per column of epoch_errors ({ee.shape[1]})")

    def __len__(self) -> int:
        return len(self.error)

    def graph_means(self) -> GraphMeans:
        """Mean error per graph (over its runs), with the graph's C and L.

        Graphs are in ascending id order. Raises ``ValueError`` if the runs of
        one graph disagree on C or L (a sign of a bad join).
        """
        return graph_means(self.graph, self.C, self.L, self.error)

    def subset(self, mask: Any) -> "Results":
        """The runs selected by a boolean mask or an index array."""
        idx = np.arange(len(self))[np.asarray(mask)]
        return Results(
            C=self.C[idx], L=self.L[idx], error=self.error[idx], graph=self.graph[idx],
            seed=None if self.seed is None else self.seed[idx],
            epoch_errors=None if self.epoch_errors is None else self.epoch_errors[idx],
            epochs=self.epochs,
        )


def graph_means(graph: Any, C: Any, L: Any, errors: Any) -> GraphMeans:
    """Per-graph mean of ``errors`` (see :meth:`Results.graph_means`)."""
    from .. import _args

    g = _args.integer_array(graph, "graph")
    c = _util.float_vector(C, "C", allow_nan=True)
    l = _util.float_vector(L, "L", allow_nan=True)
    e = _util.float_vector(errors, "errors")
    _util.same_length(graph=g, C=c, L=l, errors=e)
    ids, first, inverse, count = np.unique(g, return_index=True, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    mean = np.bincount(inverse, weights=e, minlength=len(ids)) / np.maximum(count, 1)
    gc, gl = c[first], l[first]
    bad = ~(np.isclose(c, gc[inverse], rtol=0, atol=1e-12, equal_nan=True)
            & np.isclose(l, gl[inverse], rtol=0, atol=1e-12, equal_nan=True))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"runs of graph {int(g[i])} disagree on its measures: row {i} has C={c[i]!r}, L={l[i]!r}, "
            f"row {int(first[inverse[i]])} has C={gc[inverse[i]]!r}, L={gl[inverse[i]]!r}"
        )
    return GraphMeans(graph=ids, C=gc, L=gl, error=mean, count=count.astype(np.int64))


def _column(table: Any, name: str, required: bool = True) -> Optional[np.ndarray]:
    names = table.dtype.names if isinstance(table, np.ndarray) else tuple(table.keys())
    if names is None or name not in names:
        if required:
            raise ValueError(f"the run table has no field {name!r}; its fields are {list(names or ())}")
        return None
    return np.asarray(table[name])


def _as_text(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "S":
        return np.char.decode(a, "utf-8")
    return a


def from_runs(runs: Any, epochs: Any = None, *, status: Any = None) -> Results:
    """:class:`Results` from the sweep store's run table (and, optionally, its epoch table).

    Parameters
    ----------
    runs:
        Structured array (or mapping of columns) with fields ``graph_index``,
        ``C``, ``L``, ``final_val_error`` and optionally ``seed``, ``status``,
        ``run_id`` (see the module doc).
    epochs:
        Structured array with fields ``run_id``, ``epoch``, ``val_error``; it
        fills :attr:`Results.epoch_errors` (columns = the sorted distinct
        epochs; NaN where a run has no row). Needs ``run_id`` in ``runs``.
        Rows of runs that were left out are ignored.
    status:
        If given (one value or a collection), only runs whose ``status`` is
        one of these are kept (bytes are decoded as UTF-8 before comparing).

    Runs whose ``final_val_error`` is not finite (failed or unfinished runs)
    are always left out. :attr:`Results.n_left_out` counts every run left out.
    """
    graph = _column(runs, "graph_index")
    c = _column(runs, "C").astype(np.float64)
    l = _column(runs, "L").astype(np.float64)
    err = _column(runs, "final_val_error").astype(np.float64)
    seed = _column(runs, "seed", required=False)
    keep = np.isfinite(err)
    if status is not None:
        st = _column(runs, "status")
        wanted = [status] if isinstance(status, (str, bytes, int, np.integer)) else list(status)
        wanted = [w.decode("utf-8") if isinstance(w, bytes) else w for w in wanted]
        keep &= np.isin(_as_text(st), wanted)
    idx = np.flatnonzero(keep)
    epoch_errors = epoch_labels = None
    if epochs is not None:
        run_id = _column(runs, "run_id")
        if run_id is None:  # pragma: no cover - _column raises
            raise ValueError("joining the epoch table needs a run_id field in runs")
        epoch_errors, epoch_labels = epoch_matrix(run_id[idx], epochs)
    return Results(
        C=c[idx], L=l[idx], error=err[idx], graph=graph[idx],
        seed=None if seed is None else seed[idx],
        epoch_errors=epoch_errors, epochs=epoch_labels, n_left_out=int(len(err) - len(idx)),
    )


def epoch_matrix(run_id: Any, epochs: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(n_runs, n_epochs)`` errors of the given runs from an epoch table.

    Columns are the distinct epochs of the table's rows for these runs, in
    ascending order (returned as the second value). Missing (run, epoch)
    pairs are NaN; a repeated pair raises ``ValueError``.
    """
    rid = np.asarray(run_id)
    t_run = _column(epochs, "run_id")
    t_epoch = _column(epochs, "epoch")
    t_err = _column(epochs, "val_error").astype(np.float64)
    if len(np.unique(rid)) != len(rid):
        raise ValueError("run_id must be unique in the run table")
    order = np.argsort(rid, kind="stable")
    if len(rid):
        pos = np.minimum(np.searchsorted(rid[order], t_run), len(rid) - 1)
        known = rid[order][pos] == t_run
    else:
        pos = np.zeros(len(t_run), dtype=np.int64)
        known = np.zeros(len(t_run), dtype=bool)
    row = order[pos[known]]
    labels, col = np.unique(t_epoch[known], return_inverse=True)
    out = np.full((len(rid), len(labels)), np.nan)
    flat = row * len(labels) + col
    if len(np.unique(flat)) != len(flat):
        dup = np.flatnonzero(np.bincount(flat) > 1)[0]
        r, e = divmod(int(dup), len(labels))
        raise ValueError(f"the epoch table has several rows for run_id={rid[r].item()!r}, epoch={labels[e].item()!r}")
    out[row, col] = t_err[known]
    return out, labels


__all__ = ["Results", "GraphMeans", "graph_means", "from_runs", "epoch_matrix"]
