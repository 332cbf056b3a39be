"""What a sweep is: a list of graphs x a list of seeds x one model/training config.

A :class:`SweepSpec` is plain data (JSON round-trip exact) and is stored in
the results store's ``meta`` table, so a store always knows the sweep it
holds. Its runs (:meth:`SweepSpec.runs`) are every (graph, seed) pair, in a
fixed order: **seed-major** (all graphs with the first seed, then all
graphs with the second, ...), so a sweep stopped half way has covered the
whole (C, L) plane at least once instead of a few graphs many times.

Run keys
--------
Each run has a **key**: the first 32 hex digits of the SHA-256 of the
canonical JSON (sorted keys, no whitespace) of ::

    {"sweep": name, "model": model, "dataset": dataset, "train": train,
     "budget": budget, "graph": {generator, n, k, p, seed}, "seed": seed}

The graph enters through its generating parameters only (C, L and any
extra fields are derived from them), and ``data_dir`` not at all (moving
the data does not change the experiment). The same sweep therefore always
has the same keys; the store's ``UNIQUE(key)`` makes adding it twice add
nothing. Two (graph, seed) pairs with the same key are rejected.

Graph entries
-------------
``graphs`` is a list of dicts with at least

==========  =============================================================
generator   ``"connected_ws_flex"`` (relsparse.graphs.connected_ws_flex)
            or ``"complete"`` (the dense baseline)
n           number of nodes (int >= 2)
k, p, seed  WS-flex parameters: real 2 <= k <= n, p in [0, 1], int seed
            >= 0 (for ``complete``: k = n - 1, p = 0, seed = 0, filled in)
C, L        its average clustering and average shortest path length, as
            :mod:`relsparse.design_space` measures them (complete: 1, 1)
==========  =============================================================

Other JSON-serialisable fields (e.g. ``c_bin``) are kept as they are.
:func:`graphs_from_sample` builds the list from a design-space sample.

Example
-------
>>> from relsparse.sweep import SweepSpec
>>> spec = SweepSpec(name="demo", model="mlp", dataset="digits",
...                  graphs=[{"generator": "complete", "n": 16}], seeds=[0, 1],
...                  train={"epochs": 2})
>>> [(r.graph_index, r.seed) for r in spec.runs()]
[(0, 0), (0, 1)]
>>> SweepSpec.from_json(spec.to_json()) == spec
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import numbers
import os
from typing import Any, Iterator, Mapping, Optional, Sequence, Union

import numpy as np

#: Graph generators a sweep knows how to build (see :func:`make_graph`).
GENERATORS = ("connected_ws_flex", "complete")

#: Fields of a graph entry that identify the graph (they enter the run key).
GRAPH_PARAMS = ("generator", "n", "k", "p", "seed")

_SPEC_FIELDS = ("name", "model", "dataset", "graphs", "seeds", "train", "budget", "data_dir")


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _is_int(v: Any) -> bool:
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_real(v: Any) -> bool:
    return isinstance(v, (numbers.Real, np.floating, np.integer)) and not isinstance(v, (bool, np.bool_))


def _json_value(value: Any, name: str) -> Any:
    """A JSON round-tripped copy of ``value`` (numpy scalars become Python numbers)."""
    def default(o: Any) -> Any:
        if isinstance(o, np.generic):
            return o.item()
        raise TypeError(f"{type(o).__name__} is not JSON-serialisable")
    try:
        return json.loads(json.dumps(value, sort_keys=True, allow_nan=False, default=default))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be JSON-serialisable (finite numbers, strings, lists, dicts): {exc}") from None


def _graph_entry(g: Any, index: int) -> dict:
    where = f"graphs[{index}]"
    if not isinstance(g, Mapping):
        raise TypeError(f"{where} must be a dict, got {type(g).__name__}")
    generator = g.get("generator")
    if generator not in GENERATORS:
        raise ValueError(f"{where}['generator'] must be one of {GENERATORS}, got {generator!r}")
    n = g.get("n")
    if not _is_int(n) or n < 2:
        raise ValueError(f"{where}['n'] must be an integer >= 2, got {n!r}")
    out = _json_value({key: value for key, value in g.items()}, where)
    out["n"] = n = int(n)
    if generator == "complete":
        fixed = {"k": float(n - 1), "p": 0.0, "seed": 0, "C": 1.0, "L": 1.0}
        for key, value in fixed.items():
            if key in g and not (_is_real(g[key]) and float(g[key]) == value):
                raise ValueError(f"{where}[{key!r}] of a complete graph must be {value!r}, got {g[key]!r}")
            out[key] = value
        out["seed"] = 0
        return out
    for key in ("k", "p", "seed", "C", "L"):
        if key not in g:
            raise ValueError(f"{where} is missing {key!r} (a connected_ws_flex entry needs n, k, p, seed, C, L)")
    k, p, seed = g["k"], g["p"], g["seed"]
    if not _is_real(k) or not 2 <= float(k) <= n:
        raise ValueError(f"{where}['k'] must be a real number in [2, n={n}], got {k!r}")
    if not _is_real(p) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{where}['p'] must be a real number in [0, 1], got {p!r}")
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"{where}['seed'] must be an integer >= 0, got {seed!r}")
    for key in ("C", "L"):
        v = g[key]
        if not _is_real(v) or not math.isfinite(float(v)):
            raise ValueError(f"{where}[{key!r}] must be a finite real number, got {v!r}")
    out.update(k=float(k), p=float(p), seed=int(seed), C=float(g["C"]), L=float(g["L"]))
    return out


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: graph ``graphs[graph_index]`` trained with ``seed``."""

    graph_index: int
    graph: dict
    seed: int
    key: str


@dataclasses.dataclass
class SweepSpec:
    """A sweep: every graph of ``graphs`` trained with every seed of ``seeds``.

    name:     sweep name (part of every run key).
    model:    model name, as the trainer understands it (e.g. ``"mlp"``).
    dataset:  dataset name (e.g. ``"cifar10"``).
    graphs:   graph entries (module doc; :func:`graphs_from_sample`).
    seeds:    training seeds, distinct integers >= 0.
    train:    training options for the task, a JSON-serialisable dict that
              the sweep machinery does not interpret.
    budget:   ``"match"`` (widen each model to the complete-graph FLOPs),
              a FLOPs budget (int >= 1) or None (no matching).
    data_dir: where the task finds the dataset (not part of the run keys).

    Arguments are checked and normalised (numpy scalars to Python numbers,
    ``train`` JSON round-tripped) on construction.
    """

    name: str
    model: str
    dataset: str
    graphs: list
    seeds: list
    train: dict = dataclasses.field(default_factory=dict)
    budget: Union[str, int, None] = "match"
    data_dir: Optional[str] = None

    def __post_init__(self) -> None:
        for field in ("name", "model", "dataset"):
            v = getattr(self, field)
            if not isinstance(v, str) or not v:
                raise TypeError(f"{field} must be a non-empty string, got {v!r}")
        if isinstance(self.graphs, (str, bytes, Mapping)) or not isinstance(self.graphs, Sequence):
            raise TypeError(f"graphs must be a list of dicts, got {type(self.graphs).__name__}")
        if len(self.graphs) == 0:
            raise ValueError("graphs must hold at least one graph, got an empty list")
        self.graphs = [_graph_entry(g, i) for i, g in enumerate(self.graphs)]
        seeds = list(self.seeds) if isinstance(self.seeds, (Sequence, np.ndarray)) else None
        if seeds is None or isinstance(self.seeds, (str, bytes)):
            raise TypeError(f"seeds must be a list of integers, got {type(self.seeds).__name__}")
        if not seeds:
            raise ValueError("seeds must hold at least one seed, got an empty list")
        for s in seeds:
            if not _is_int(s) or s < 0:
                raise ValueError(f"seeds must be integers >= 0, got {s!r}")
        seeds = [int(s) for s in seeds]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct, got {seeds}")
        self.seeds = seeds
        if not isinstance(self.train, Mapping):
            raise TypeError(f"train must be a dict of training options, got {type(self.train).__name__}")
        self.train = _json_value(dict(self.train), "train")
        if not all(isinstance(k, str) for k in self.train):
            raise TypeError("train keys must be strings")
        b = self.budget
        if not (b is None or b == "match" or (_is_int(b) and b >= 1)):
            raise ValueError(f"budget must be 'match', an integer FLOPs budget >= 1 or None, got {b!r}")
        self.budget = int(b) if _is_int(b) else b
        if self.data_dir is not None:
            if not isinstance(self.data_dir, (str, os.PathLike)):
                raise TypeError(f"data_dir must be a path or None, got {type(self.data_dir).__name__}")
            self.data_dir = os.fspath(self.data_dir)
        seen: dict = {}
        for i, g in enumerate(self.graphs):  # keys differ across seeds, so one seed finds every clash
            key = self.run_key(g, self.seeds[0])
            if key in seen:
                raise ValueError(
                    f"graphs[{seen[key]}] and graphs[{i}] are the same graph "
                    f"({_canonical({p: g[p] for p in GRAPH_PARAMS})}); list each graph once"
                )
            seen[key] = i

    # ------------------------------------------------------------------ runs
    def config(self) -> dict:
        """Everything a task needs besides its graph and seed (all fields but graphs and seeds)."""
        return {"name": self.name, "model": self.model, "dataset": self.dataset, "train": self.train,
                "budget": self.budget, "data_dir": self.data_dir}

    def run_key(self, graph: Mapping, seed: int) -> str:
        """The stable key of one (graph, seed) run (module doc)."""
        ident = {"sweep": self.name, "model": self.model, "dataset": self.dataset, "train": self.train,
                 "budget": self.budget, "graph": {p: graph[p] for p in GRAPH_PARAMS}, "seed": int(seed)}
        return hashlib.sha256(_canonical(ident).encode()).hexdigest()[:32]

    def runs(self) -> Iterator[RunSpec]:
        """Every (graph, seed) run, seed-major: all graphs with seeds[0], then seeds[1], ..."""
        for seed in self.seeds:
            for i, g in enumerate(self.graphs):
                yield RunSpec(i, g, seed, self.run_key(g, seed))

    def __len__(self) -> int:
        return len(self.graphs) * len(self.seeds)

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> str:
        """Canonical JSON (sorted keys): equal specs give equal strings."""
        return _canonical({f: getattr(self, f) for f in _SPEC_FIELDS})

    @classmethod
    def from_json(cls, text: str) -> "SweepSpec":
        """The spec written by :meth:`to_json`."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"sweep spec is not valid JSON: {exc}") from None
        if not isinstance(data, dict) or set(data) != set(_SPEC_FIELDS):
            got = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"sweep spec JSON must be an object with fields {list(_SPEC_FIELDS)}, got {got}")
        return cls(**data)

    def differences(self, other: "SweepSpec") -> list:
        """Names of the fields in which two specs differ."""
        return [f for f in _SPEC_FIELDS if _canonical(getattr(self, f)) != _canonical(getattr(other, f))]


# ---------------------------------------------------------------- helpers
def complete_graph_entry(n: int) -> dict:
    """The dense baseline's graph entry: the complete graph on n nodes, C = L = 1."""
    return _graph_entry({"generator": "complete", "n": n}, 0)


def graphs_from_sample(rows: Any, *, complete_baseline: bool = False) -> list:
    """Graph entries for the rows of a design-space sample.

    ``rows`` is a structured array with fields n, k, p, seed,
    average_clustering and average_shortest_path_length (as
    :func:`relsparse.design_space.sample` returns and
    :func:`relsparse.design_space.read_csv` reads), or the path of such a
    CSV. Entries keep the rows' order; with ``complete_baseline=True`` the
    complete graph on the sample's n nodes (C = L = 1) is appended last.
    """
    from .. import design_space

    if isinstance(rows, (str, os.PathLike)):
        rows = design_space.read_csv(os.fspath(rows))
    rows = np.atleast_1d(np.asarray(rows))
    need = ("n", "k", "p", "seed", design_space.C_FIELD, design_space.L_FIELD)
    names = rows.dtype.names or ()
    missing = [f for f in need if f not in names]
    if missing:
        raise ValueError(f"rows must be a design-space sample with fields {list(need)}; missing {missing}")
    graphs = [
        {"generator": "connected_ws_flex", "n": int(r["n"]), "k": float(r["k"]), "p": float(r["p"]),
         "seed": int(r["seed"]), "C": float(r[design_space.C_FIELD]), "L": float(r[design_space.L_FIELD])}
        for r in rows
    ]
    if complete_baseline:
        ns = sorted({g["n"] for g in graphs})
        if len(ns) != 1:
            raise ValueError(f"complete_baseline needs a sample with one node count n, got n in {ns or 'an empty sample'}")
        graphs.append(complete_graph_entry(ns[0]))
    return graphs


def spread_graphs(graphs: Sequence[Mapping], count: int) -> list:
    """``count`` graph entries spread over the (C, L) plane (farthest-point order).

    Starts from the graph nearest the centre of the sample's (C, L) box, then
    repeatedly adds the graph farthest (Euclidean, C and L each scaled to
    [0, 1] over the sample) from those chosen; ties go to the earlier entry.
    Complete-graph entries are always kept and do not count. Deterministic.
    A handful of graphs chosen this way covers the plane like the whole
    sample, for quick sweeps.
    """
    if not _is_int(count) or count < 1:
        raise ValueError(f"count must be an integer >= 1, got {count!r}")
    complete = [g for g in graphs if g["generator"] == "complete"]
    rest = [g for g in graphs if g["generator"] != "complete"]
    if count >= len(rest):
        return list(graphs)
    xy = np.array([[g["C"], g["L"]] for g in rest], dtype=np.float64)
    span = np.ptp(xy, axis=0)
    xy = (xy - xy.min(axis=0)) / np.where(span > 0, span, 1.0)
    chosen = [int(np.argmin(((xy - 0.5) ** 2).sum(axis=1)))]
    dist = ((xy - xy[chosen[0]]) ** 2).sum(axis=1)
    while len(chosen) < count:
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, ((xy - xy[nxt]) ** 2).sum(axis=1))
    return [rest[i] for i in sorted(chosen)] + complete


def make_graph(graph: Mapping):
    """Builds the :class:`relsparse.Graph` of a graph entry."""
    from .. import graphs as gen

    g = _graph_entry(graph, 0)
    if g["generator"] == "complete":
        return gen.complete_graph(g["n"])
    return gen.connected_ws_flex(g["n"], g["k"], g["p"], g["seed"])


__all__ = ["SweepSpec", "RunSpec", "GENERATORS", "GRAPH_PARAMS", "graphs_from_sample", "complete_graph_entry",
           "make_graph", "spread_graphs"]
