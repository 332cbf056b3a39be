"""Prior vs learning: the relational graph hidden in a trained dense MLP (paper §7, Figure 7).

Procedure (:func:`edge_weights`, then :func:`graph_from_weights`)
----------------------------------------------------------------
1. **Group** each weight matrix ``W`` (``out x in``, as ``nn.Linear.weight``)
   into ``nodes x nodes`` blocks: rows and columns are split into contiguous
   channel groups by the layer partition rule,
   :func:`relsparse.nn.partition.split_channels` (``out mod n`` groups get
   one channel more; ``permute=True`` is graph2nn's shuffled variant).
2. **Block norms**: ``N_l[i, j] = ||W_l[rows_i, cols_j]||_F`` per layer.
3. **Stack** the layers: ``reduce="mean"`` (default) averages ``N_l`` over
   layers, ``"sum"`` sums them, ``"stack"`` takes ``sqrt(sum_l N_l**2)``
   (the Frobenius norm of the block of all layers' weights stacked).
4. **Symmetrise** ``S = (N + N^T) / 2`` (a relational graph is undirected)
   and ignore the diagonal (a node's self-connection is implicit).
5. **Normalise** the off-diagonal values to ``[0, 1]`` by min-max:
   ``w = (S - min) / (max - min)`` over pairs ``i != j`` (all 1 if every
   pair has the same value). The diagonal of the returned matrix is 0.
6. **Binarise**, for each level:
   * ``thresholds``: keep the pairs with ``w >= threshold``;
   * ``densities``: keep the ``round(density * n (n - 1) / 2)`` pairs with
     the largest ``w`` (ties: lower ``(i, j)`` first, row-major over i < j);
     the equivalent threshold is the smallest kept weight (NaN if none kept).
   Then report each graph's **density** ``2m / (n (n - 1))``, **C**
   (``average_clustering``, nodes of degree < 2 count 0), **L**
   (``average_shortest_path_length``) and number of connected components.

Disconnected graphs (a high threshold isolates nodes): ``disconnected="nan"``
(default) reports L as NaN; ``"reachable"`` averages over reachable ordered
pairs only (see :mod:`relsparse.measures`).

The paper words step 2/4 as "weights summed by their transposes, then the
Frobenius norm"; on a non-square layer that order is undefined, so the norm
is taken first here, as the layer partition defines blocks for any shape.

Example
-------
>>> import numpy as np
>>> from relsparse.analysis import graph_from_weights
>>> rng = np.random.default_rng(0)
>>> res = graph_from_weights([rng.normal(size=(128, 128))], nodes=16, densities=[0.5])
>>> float(res.density[0])
0.5
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional, Sequence

import numpy as np

from . import _util

#: Thresholds used when neither ``thresholds`` nor ``densities`` is given.
DEFAULT_THRESHOLDS = tuple(np.round(np.linspace(0.1, 0.9, 9), 2).tolist())


def _to_numpy(w: Any, i: int) -> np.ndarray:
    if hasattr(w, "detach"):  # a torch tensor, without importing torch here
        w = w.detach().to("cpu").double().numpy()
    a = np.asarray(w, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"weights[{i}] must be a 2-d matrix (out x in), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"weights[{i}] holds NaN or inf")
    return a


def block_norms(weight: Any, nodes: int = 64, *, permute: bool = False) -> np.ndarray:
    """``(nodes, nodes)`` Frobenius norms of a weight matrix's node blocks (steps 1-2)."""
    from ..nn.partition import offsets, split_channels

    w = _to_numpy(weight, 0)
    rows = offsets(split_channels(w.shape[0], nodes, permute=permute))
    cols = offsets(split_channels(w.shape[1], nodes, permute=permute))
    sq = np.add.reduceat(np.add.reduceat(w * w, rows[:-1], axis=0), cols[:-1], axis=1)
    return np.sqrt(sq)


def edge_weights(
    weights: Sequence[Any], nodes: int = 64, *, reduce: str = "mean", permute: bool = False
) -> np.ndarray:
    """Normalised symmetric node-to-node weights ``w`` (steps 1-5; zero diagonal, off-diagonal in [0, 1])."""
    _util.choice("reduce", reduce, ("mean", "sum", "stack"))
    if isinstance(nodes, bool) or not isinstance(nodes, (int, np.integer)) or nodes < 2:
        raise ValueError(f"nodes must be an integer >= 2, got {nodes!r}")
    if hasattr(weights, "detach") or (isinstance(weights, np.ndarray) and weights.ndim == 2):
        raise TypeError("weights must be a list of 2-d matrices (one per layer), not a single matrix")
    mats = [_to_numpy(w, i) for i, w in enumerate(weights)]
    if not mats:
        raise ValueError("weights is empty: give at least one layer's weight matrix")
    for i, m in enumerate(mats):
        if min(m.shape) < nodes:
            raise ValueError(
                f"weights[{i}] has shape {m.shape}: both sides need at least nodes={nodes} channels"
            )
    norms = np.stack([block_norms(m, nodes, permute=permute) for m in mats])
    if reduce == "mean":
        n = norms.mean(axis=0)
    elif reduce == "sum":
        n = norms.sum(axis=0)
    else:
        n = np.sqrt((norms ** 2).sum(axis=0))
    s = (n + n.T) / 2
    off = ~np.eye(nodes, dtype=bool)
    lo, hi = s[off].min(), s[off].max()
    w = np.ones_like(s) if hi == lo else (s - lo) / (hi - lo)
    w[~off] = 0.0
    return w


@dataclasses.dataclass(eq=False)
class WeightGraphs:
    """Graphs extracted from weights at several levels (arrays: one entry per level).

    ``by`` is ``"threshold"`` or ``"density"`` and ``levels`` the requested
    values; ``thresholds`` are the weight cut-offs actually applied.
    """

    weights: np.ndarray
    by: str
    levels: np.ndarray
    thresholds: np.ndarray
    density: np.ndarray
    C: np.ndarray
    L: np.ndarray
    components: np.ndarray
    graphs: list
    disconnected: str

    def to_rows(self) -> list[dict]:
        return [{self.by: float(v), "threshold": float(t), "density": float(d), "C": float(c), "L": float(l),
                 "components": int(k), "edges": g.num_edges}
                for v, t, d, c, l, k, g in zip(self.levels, self.thresholds, self.density, self.C, self.L,
                                               self.components, self.graphs)]

    def to_dict(self) -> dict:
        return _util.jsonable({
            "kind": "weight_graphs",
            "nodes": int(self.weights.shape[0]),
            "by": self.by,
            "disconnected": self.disconnected,
            "graphs": self.to_rows(),
            "definitions": {
                "threshold": "keep pairs with min-max normalised symmetric block-norm weight >= threshold",
                "density": "2m / (n (n - 1))",
                "C": "average clustering (mean local clustering, degree < 2 counts 0)",
                "L": f"average shortest path length over ordered pairs; disconnected={self.disconnected!r}",
                "components": "number of connected components",
            },
        })


def graph_from_weights(
    weights: Sequence[Any],
    nodes: int = 64,
    *,
    thresholds: Optional[Sequence[float]] = None,
    densities: Optional[Sequence[float]] = None,
    reduce: str = "mean",
    permute: bool = False,
    disconnected: str = "nan",
) -> WeightGraphs:
    """Relational graphs of a dense network's weights at several thresholds or densities.

    ``weights``: the hidden square layers' weight matrices (numpy arrays or
    torch tensors, ``out x in``). Give ``thresholds`` (in [0, 1]) or
    ``densities`` (in [0, 1]), not both; by default the thresholds
    0.1, 0.2, ..., 0.9. See the module doc for every step.
    """
    from .. import measures
    from ..graph import Graph

    _util.choice("disconnected", disconnected, ("nan", "reachable"))
    if thresholds is not None and densities is not None:
        raise ValueError("give thresholds or densities, not both")
    by = "density" if densities is not None else "threshold"
    levels = np.asarray(DEFAULT_THRESHOLDS if thresholds is None and densities is None
                        else (densities if densities is not None else thresholds), dtype=np.float64).reshape(-1)
    if levels.size == 0 or not np.all((levels >= 0) & (levels <= 1)):
        raise ValueError(f"{by} values must lie in [0, 1], got {levels.tolist()}")
    w = edge_weights(weights, nodes, reduce=reduce, permute=permute)
    iu, ju = np.triu_indices(nodes, k=1)
    pair_w = w[iu, ju]
    order = np.argsort(-pair_w, kind="stable")
    graphs, cut = [], np.empty(len(levels))
    for t, level in enumerate(levels):
        if by == "threshold":
            keep = pair_w >= level
            cut[t] = level
        else:
            m = int(round(level * len(pair_w)))
            keep = np.zeros(len(pair_w), dtype=bool)
            keep[order[:m]] = True
            cut[t] = pair_w[order[m - 1]] if m else np.nan
        graphs.append(Graph(nodes, np.stack([iu[keep], ju[keep]], axis=1)))
    cols = measures.compute(graphs, ["C", "L", "number_connected_components", "density"], disconnected=disconnected)
    return WeightGraphs(
        weights=w, by=by, levels=levels, thresholds=cut, density=cols["density"],
        C=cols["average_clustering"], L=cols["average_shortest_path_length"],
        components=cols["number_connected_components"].astype(np.int64), graphs=graphs, disconnected=disconnected,
    )


def hidden_weights(model: Any, *, layers: Any = "square") -> list:
    """Weight matrices of a model's ``torch.nn.Linear`` layers, in module order.

    ``layers="square"`` (default) keeps the square ones (the hidden
    ``width x width`` layers of the paper's MLP; the stem 3072 -> 512 and the
    head 512 -> 10 are left out); ``"all"`` keeps every Linear; a sequence of
    ints picks Linear layers by position (0 = the first Linear).
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    if isinstance(layers, str):
        _util.choice("layers", layers, ("square", "all"))
        chosen = [m for m in linears if layers == "all" or m.weight.shape[0] == m.weight.shape[1]]
    else:
        idx = list(layers)
        bad = [i for i in idx if not isinstance(i, (int, np.integer)) or not -len(linears) <= i < len(linears)]
        if bad:
            raise ValueError(f"layers {bad} out of range: the model has {len(linears)} Linear layers")
        chosen = [linears[i] for i in idx]
    if not chosen:
        raise ValueError(f"the model has no Linear layers matching layers={layers!r}")
    return [m.weight.detach() for m in chosen]


def graph_from_mlp(model: Any, nodes: int = 64, *, layers: Any = "square", **options: Any) -> WeightGraphs:
    """:func:`graph_from_weights` of :func:`hidden_weights` of a torch MLP (e.g. an ``nn.Sequential``)."""
    return graph_from_weights(hidden_weights(model, layers=layers), nodes, **options)


__all__ = [
    "block_norms", "edge_weights", "WeightGraphs", "graph_from_weights", "hidden_weights", "graph_from_mlp",
    "DEFAULT_THRESHOLDS",
]
