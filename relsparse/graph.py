"""Graph containers: one graph, or a batch of graphs in one flat buffer.

A :class:`Graph` is simple and undirected: nodes ``0 .. n-1`` and an
``(m, 2)`` int32 array of edges ``(u, v)`` with ``u < v``, sorted, without
duplicates or self-loops. A :class:`GraphBatch` stores many graphs back to
back, like a CSR matrix whose rows are graphs::

    edges of graph i = batch.edges[batch.edge_ptr[i] : batch.edge_ptr[i + 1]]

so a million 64-node graphs are three numpy arrays, not a million objects.
:class:`DiGraph` / :class:`DiGraphBatch` are the directed counterparts
(edges ``u -> v`` in any order of ``u`` and ``v``), used for DAG path counting.

Every container is immutable: its arrays are read-only views, so a graph
handed to a measure cannot change under it.

Example
-------
>>> import relsparse
>>> g = relsparse.Graph(4, [(0, 1), (2, 1), (3, 2)])
>>> g.edges.tolist()
[[0, 1], [1, 2], [2, 3]]
>>> batch = relsparse.GraphBatch.from_graphs([g, relsparse.Graph(2, [(0, 1)])])
>>> len(batch), batch.num_nodes.tolist()
(2, [4, 2])
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Literal, Optional, Sequence, Union, overload

import numpy as np

from ._args import integer_array

_INT32_MAX = np.iinfo(np.int32).max

SelfLoops = Literal["raise", "drop"]
Duplicates = Literal["raise", "merge"]


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def _choice(name: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def _as_edge_array(edges: Any, name: str = "edges") -> np.ndarray:
    """(m, 2) int64 array from an array-like of pairs, with a clear error otherwise."""
    if isinstance(edges, np.ndarray):
        arr = edges
    else:
        edges = list(edges) if not isinstance(edges, (list, tuple)) else edges
        arr = np.asarray(edges) if len(edges) else np.zeros((0, 2), dtype=np.int64)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must be a sequence of (u, v) pairs, shape (m, 2); got shape {arr.shape}")
    return integer_array(arr, f"{name} (node ids)")


def _check_num_nodes(num_nodes: Any, name: str = "num_nodes") -> int:
    if isinstance(num_nodes, bool) or not hasattr(num_nodes, "__index__"):
        raise TypeError(f"{name} must be an integer, got {type(num_nodes).__name__}")
    n = int(num_nodes)
    if n < 0 or n > _INT32_MAX:
        raise ValueError(f"{name} must satisfy 0 <= {name} <= {_INT32_MAX}, got {n}")
    return n


def _canonical_edges(
    graph_of_edge: np.ndarray,
    edges: np.ndarray,
    num_nodes: np.ndarray,
    *,
    directed: bool,
    self_loops: SelfLoops,
    duplicates: Duplicates,
) -> tuple[np.ndarray, np.ndarray]:
    """Validates edges of a batch and sorts them by (graph, u, v).

    Returns (graph_of_edge, edges) after dropping/merging what the options allow.
    """
    _choice("self_loops", self_loops, ("raise", "drop"))
    _choice("duplicates", duplicates, ("raise", "merge"))
    if len(edges) == 0:
        return graph_of_edge, edges.astype(np.int32).reshape(0, 2)
    u, v = edges[:, 0], edges[:, 1]
    n_of_edge = num_nodes[graph_of_edge]
    bad = (u < 0) | (v < 0) | (u >= n_of_edge) | (v >= n_of_edge)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = f" of graph {int(graph_of_edge[i])}" if len(num_nodes) > 1 else ""
        raise ValueError(
            f"edge {i}{where} is ({int(u[i])}, {int(v[i])}) but node ids must lie in "
            f"0..{int(n_of_edge[i]) - 1} (num_nodes={int(n_of_edge[i])})"
        )
    loops = u == v
    if loops.any():
        if self_loops == "raise":
            i = int(np.flatnonzero(loops)[0])
            raise ValueError(
                f"{int(loops.sum())} self-loop(s), the first at node {int(u[i])}: relsparse graphs are "
                "simple (a relational layer's self-connection is implicit); pass self_loops='drop' "
                "to remove them"
            )
        keep = ~loops
        graph_of_edge, u, v = graph_of_edge[keep], u[keep], v[keep]
    if not directed:
        u, v = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((v, u, graph_of_edge))
    graph_of_edge, u, v = graph_of_edge[order], u[order], v[order]
    if len(u) > 1:
        dup = (graph_of_edge[1:] == graph_of_edge[:-1]) & (u[1:] == u[:-1]) & (v[1:] == v[:-1])
        if dup.any():
            if duplicates == "raise":
                i = int(np.flatnonzero(dup)[0]) + 1
                raise ValueError(
                    f"duplicate edge ({int(u[i])}, {int(v[i])}): relsparse graphs are simple; pass "
                    "duplicates='merge' to keep one copy"
                )
            keep = np.concatenate(([True], ~dup))
            graph_of_edge, u, v = graph_of_edge[keep], u[keep], v[keep]
    return graph_of_edge, np.stack([u, v], axis=1).astype(np.int32)


class Graph:
    """A simple undirected graph on nodes ``0 .. num_nodes-1``.

    Parameters
    ----------
    num_nodes:
        Number of nodes ``n >= 0``.
    edges:
        Pairs ``(u, v)`` of node ids in any orientation and order.
    self_loops:
        ``"raise"`` (default) rejects ``(v, v)``; ``"drop"`` removes it.
    duplicates:
        ``"raise"`` (default) rejects a repeated edge; ``"merge"`` keeps one.

    Attributes
    ----------
    num_nodes: int
    edges: numpy.ndarray
        ``(m, 2)`` int32, each row ``(u, v)`` with ``u < v``, sorted, read-only.
    """

    directed = False
    __slots__ = ("_num_nodes", "_edges")

    def __init__(
        self,
        num_nodes: int,
        edges: Any = (),
        *,
        self_loops: SelfLoops = "raise",
        duplicates: Duplicates = "raise",
    ) -> None:
        n = _check_num_nodes(num_nodes)
        arr = _as_edge_array(edges)
        _, canonical = _canonical_edges(
            np.zeros(len(arr), dtype=np.int64),
            arr,
            np.array([n], dtype=np.int64),
            directed=self.directed,
            self_loops=self_loops,
            duplicates=duplicates,
        )
        self._num_nodes = n
        self._edges = _readonly(canonical)

    @classmethod
    def _trusted(cls, num_nodes: int, edges: np.ndarray) -> "Graph":
        """Wraps arrays already in canonical form (from the C++ engine)."""
        g = cls.__new__(cls)
        g._num_nodes = int(num_nodes)
        g._edges = _readonly(edges)
        return g

    # ------------------------------------------------------------ properties
    @property
    def num_nodes(self) -> int:
        return self._num_nodes

    @property
    def num_edges(self) -> int:
        return int(self._edges.shape[0])

    @property
    def edges(self) -> np.ndarray:
        return self._edges

    def number_of_nodes(self) -> int:
        """Alias of :attr:`num_nodes`, as in networkx."""
        return self._num_nodes

    def number_of_edges(self) -> int:
        """Alias of :attr:`num_edges`, as in networkx."""
        return self.num_edges

    def __len__(self) -> int:
        return self._num_nodes

    def degree(self) -> np.ndarray:
        """Degree of every node (out-degree for a :class:`DiGraph`), int64 array of length n."""
        if self.directed:
            return np.bincount(self._edges[:, 0], minlength=self._num_nodes).astype(np.int64)
        return np.bincount(self._edges.ravel(), minlength=self._num_nodes).astype(np.int64)

    def has_edge(self, u: int, v: int) -> bool:
        if not self.directed and u > v:
            u, v = v, u
        key = np.array([u, v], dtype=np.int32)
        i = np.searchsorted(self._edges[:, 0], u, side="left")
        j = np.searchsorted(self._edges[:, 0], u, side="right")
        return bool(np.any(np.all(self._edges[i:j] == key, axis=1)))

    # ----------------------------------------------------------- conversions
    def to_networkx(self) -> Any:
        """A ``networkx.Graph`` (``DiGraph`` if directed) with nodes ``0..n-1``."""
        import networkx as nx

        g = nx.DiGraph() if self.directed else nx.Graph()
        g.add_nodes_from(range(self._num_nodes))
        g.add_edges_from(self._edges.tolist())
        return g

    @classmethod
    def from_networkx(cls, graph: Any, *, self_loops: SelfLoops = "raise") -> "Graph":
        """Converts a networkx graph; node ``i`` is the i-th node of ``list(graph)``.

        Raises ``TypeError`` for multigraphs and for the wrong directedness.
        """
        import networkx as nx

        if not isinstance(graph, nx.Graph):
            raise TypeError(f"expected a networkx graph, got {type(graph).__name__}")
        if graph.is_multigraph():
            raise TypeError(
                "multigraphs are not supported (relsparse graphs are simple); convert with "
                "networkx.Graph(G) or networkx.DiGraph(G) first"
            )
        if graph.is_directed() != cls.directed:
            want = "an undirected networkx.Graph" if not cls.directed else "a networkx.DiGraph"
            raise TypeError(f"{cls.__name__}.from_networkx expects {want}, got {type(graph).__name__}")
        index = {node: i for i, node in enumerate(graph)}
        edges = np.array([(index[a], index[b]) for a, b in graph.edges()], dtype=np.int64).reshape(-1, 2)
        return cls(len(index), edges, self_loops=self_loops)

    def to_adjacency(self, dtype: Any = bool) -> np.ndarray:
        """Dense ``n x n`` adjacency matrix (symmetric unless directed)."""
        a = np.zeros((self._num_nodes, self._num_nodes), dtype=dtype)
        if self.num_edges:
            a[self._edges[:, 0], self._edges[:, 1]] = 1
            if not self.directed:
                a[self._edges[:, 1], self._edges[:, 0]] = 1
        return a

    @classmethod
    def from_adjacency(cls, matrix: Any, *, self_loops: SelfLoops = "raise") -> "Graph":
        """From a square 0/1 (or boolean) matrix; must be symmetric unless directed."""
        a = np.asarray(matrix)
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise ValueError(f"adjacency matrix must be square, got shape {a.shape}")
        nz = a != 0
        if not cls.directed and not np.array_equal(nz, nz.T):
            raise ValueError("adjacency matrix of an undirected graph must be symmetric")
        u, v = np.nonzero(np.triu(nz) if not cls.directed else nz)
        return cls(a.shape[0], np.stack([u, v], axis=1), self_loops=self_loops)

    # ------------------------------------------------------------- dunders
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Graph) or other.directed != self.directed:
            return NotImplemented
        return self._num_nodes == other._num_nodes and np.array_equal(self._edges, other._edges)

    def __hash__(self) -> int:
        return hash((self.directed, self._num_nodes, self._edges.tobytes()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_nodes={self._num_nodes}, num_edges={self.num_edges})"

    def __reduce__(self) -> tuple:
        return (type(self)._trusted, (self._num_nodes, np.array(self._edges)))


class DiGraph(Graph):
    """A simple directed graph: edges ``u -> v``, no self-loops or repeats.

    Used for DAG path statistics (:mod:`relsparse.dag`). Same API as
    :class:`Graph`; edges are sorted by ``(u, v)`` but not reoriented.
    """

    directed = True
    __slots__ = ()


GraphLike = Union[Graph, Any]


class GraphBatch(Sequence[Graph]):
    """Many simple undirected graphs in three flat arrays.

    Parameters
    ----------
    num_nodes:
        ``(B,)`` node counts.
    edge_ptr:
        ``(B + 1,)`` offsets: graph i owns edges ``edge_ptr[i]:edge_ptr[i+1]``.
    edges:
        ``(M, 2)`` node-id pairs, local to their graph.
    self_loops, duplicates:
        As for :class:`Graph`.

    Indexing with an int gives a :class:`Graph`; with a slice, a boolean mask
    or an integer array, a new batch.
    """

    directed = False
    graph_type = Graph

    def __init__(
        self,
        num_nodes: Any,
        edge_ptr: Any,
        edges: Any,
        *,
        self_loops: SelfLoops = "raise",
        duplicates: Duplicates = "raise",
    ) -> None:
        nn = np.asarray(num_nodes)
        if nn.ndim != 1 or (nn.size and nn.dtype.kind not in "iu"):
            raise TypeError("num_nodes must be a 1-d integer array")
        nn = nn.astype(np.int64)
        if nn.size and (nn.min() < 0 or nn.max() > _INT32_MAX):
            raise ValueError(f"num_nodes must lie in 0..{_INT32_MAX}")
        ptr = np.asarray(edge_ptr)
        if ptr.ndim != 1 or len(ptr) != len(nn) + 1 or (ptr.size and ptr.dtype.kind not in "iu"):
            raise ValueError(f"edge_ptr must be an integer array of length len(num_nodes) + 1 = {len(nn) + 1}")
        ptr = ptr.astype(np.int64)
        arr = _as_edge_array(edges)
        if ptr[0] != 0 or ptr[-1] != len(arr) or np.any(np.diff(ptr) < 0):
            raise ValueError(
                f"edge_ptr must start at 0, never decrease and end at len(edges) = {len(arr)}"
            )
        graph_of_edge = np.repeat(np.arange(len(nn), dtype=np.int64), np.diff(ptr))
        graph_of_edge, canonical = _canonical_edges(
            graph_of_edge, arr, nn, directed=self.directed, self_loops=self_loops, duplicates=duplicates
        )
        counts = np.bincount(graph_of_edge, minlength=len(nn))
        new_ptr = np.zeros(len(nn) + 1, dtype=np.int64)
        np.cumsum(counts, out=new_ptr[1:])
        self._set(nn, new_ptr, canonical)

    def _set(self, num_nodes: np.ndarray, edge_ptr: np.ndarray, edges: np.ndarray) -> None:
        self._num_nodes = _readonly(num_nodes.astype(np.int64, copy=False))
        self._edge_ptr = _readonly(edge_ptr.astype(np.int64, copy=False))
        self._edges = _readonly(edges.astype(np.int32, copy=False).reshape(-1, 2))

    @classmethod
    def _trusted(cls, num_nodes: np.ndarray, edge_ptr: np.ndarray, edges: np.ndarray) -> "GraphBatch":
        b = cls.__new__(cls)
        b._set(num_nodes, edge_ptr, edges)
        return b

    @classmethod
    def from_graphs(cls, graphs: Iterable[Any]) -> "GraphBatch":
        """Batch of relsparse graphs or networkx graphs (converted with ``from_networkx``)."""
        items = [g if isinstance(g, cls.graph_type) else cls.graph_type.from_networkx(g) for g in graphs]
        for g in items:
            if g.directed != cls.directed:
                raise TypeError(f"{cls.__name__} cannot hold a {type(g).__name__}")
        nn = np.array([g.num_nodes for g in items], dtype=np.int64)
        ptr = np.zeros(len(items) + 1, dtype=np.int64)
        np.cumsum([g.num_edges for g in items], out=ptr[1:])
        edges = np.concatenate([g.edges for g in items]) if items else np.zeros((0, 2), np.int32)
        return cls._trusted(nn, ptr, edges)

    # ------------------------------------------------------------ properties
    @property
    def num_nodes(self) -> np.ndarray:
        return self._num_nodes

    @property
    def edge_ptr(self) -> np.ndarray:
        return self._edge_ptr

    @property
    def edges(self) -> np.ndarray:
        return self._edges

    @property
    def num_edges(self) -> np.ndarray:
        """Edges per graph, int64 array of length B."""
        return np.diff(self._edge_ptr)

    @property
    def node_ptr(self) -> np.ndarray:
        """Offsets of each graph's nodes in per-node outputs (length B + 1)."""
        ptr = np.zeros(len(self) + 1, dtype=np.int64)
        np.cumsum(self._num_nodes, out=ptr[1:])
        return ptr

    def __len__(self) -> int:
        return int(self._num_nodes.shape[0])

    @overload
    def __getitem__(self, index: int) -> Graph: ...

    @overload
    def __getitem__(self, index: Union[slice, np.ndarray, Sequence[int]]) -> "GraphBatch": ...

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (int, np.integer)):
            i = int(index)
            if i < -len(self) or i >= len(self):
                raise IndexError(f"graph index {i} out of range for a batch of {len(self)}")
            i %= len(self)
            return self.graph_type._trusted(
                int(self._num_nodes[i]), self._edges[self._edge_ptr[i] : self._edge_ptr[i + 1]]
            )
        rows = np.arange(len(self))[index]
        counts = self.num_edges[rows]
        ptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        if len(rows):
            starts = self._edge_ptr[rows]
            take = np.repeat(starts - ptr[:-1], counts) + np.arange(ptr[-1])
            edges = self._edges[take]
        else:
            edges = np.zeros((0, 2), np.int32)
        return type(self)._trusted(self._num_nodes[rows], ptr, edges)

    def __iter__(self) -> Iterator[Graph]:
        for i in range(len(self)):
            yield self[i]

    def to_networkx(self) -> list:
        """A list of networkx graphs."""
        return [g.to_networkx() for g in self]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GraphBatch) or other.directed != self.directed:
            return NotImplemented
        return (
            np.array_equal(self._num_nodes, other._num_nodes)
            and np.array_equal(self._edge_ptr, other._edge_ptr)
            and np.array_equal(self._edges, other._edges)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(graphs={len(self)}, total_edges={len(self._edges)})"

    def __reduce__(self) -> tuple:
        return (type(self)._trusted, (np.array(self._num_nodes), np.array(self._edge_ptr), np.array(self._edges)))


class DiGraphBatch(GraphBatch):
    """Many simple directed graphs; see :class:`GraphBatch` and :class:`DiGraph`."""

    directed = True
    graph_type = DiGraph


def as_batch(graphs: Any, *, directed: bool = False, name: str = "G") -> tuple[GraphBatch, bool]:
    """Coerces a graph, a batch, a networkx graph or a sequence of them to a batch.

    Returns ``(batch, single)``: ``single`` says whether the input was one graph,
    so that callers return a scalar for one graph and an array for a batch.
    """
    batch_type = DiGraphBatch if directed else GraphBatch
    graph_type = DiGraph if directed else Graph
    if isinstance(graphs, GraphBatch):
        if graphs.directed != directed:
            raise TypeError(f"{name} must be {'directed' if directed else 'undirected'}, got {type(graphs).__name__}")
        return graphs, False
    if isinstance(graphs, Graph):
        if graphs.directed != directed:
            raise TypeError(f"{name} must be {'directed' if directed else 'undirected'}, got {type(graphs).__name__}")
        return batch_type.from_graphs([graphs]), True
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover
        nx = None
    if nx is not None and isinstance(graphs, nx.Graph):
        return batch_type.from_graphs([graph_type.from_networkx(graphs)]), True
    if isinstance(graphs, (list, tuple)):
        return batch_type.from_graphs(graphs), False
    raise TypeError(
        f"{name} must be a relsparse {graph_type.__name__}, {batch_type.__name__}, a networkx graph "
        f"or a list of graphs; got {type(graphs).__name__}"
    )


def as_relational_graph(graph: Any, name: str = "graph") -> Graph:
    """``graph`` as the undirected :class:`Graph` of a relational layer or model.

    Accepts a :class:`Graph` or an undirected networkx graph (its self-loops
    are dropped: every node always talks to itself in a relational layer).
    Raises ``TypeError`` for directed graphs and other types, ``ValueError``
    for a graph without nodes.

    >>> import networkx as nx
    >>> as_relational_graph(nx.cycle_graph(4))
    Graph(num_nodes=4, num_edges=4)
    """
    if isinstance(graph, Graph):
        if graph.directed:
            raise TypeError(f"{name} must be undirected: relational graphs are undirected, got a DiGraph")
        g = graph
    else:
        try:
            import networkx as nx
        except ImportError:  # pragma: no cover - networkx is a dependency
            nx = None
        if nx is None or not isinstance(graph, nx.Graph):
            raise TypeError(f"{name} must be a relsparse.Graph or a networkx.Graph, got {type(graph).__name__}")
        if graph.is_directed():
            raise TypeError(f"{name} must be undirected: relational graphs are undirected, got a networkx DiGraph")
        g = Graph.from_networkx(graph, self_loops="drop")
    if g.num_nodes < 1:
        raise ValueError(f"{name} has no nodes: a relational graph needs at least one node")
    return g


__all__ = ["Graph", "DiGraph", "GraphBatch", "DiGraphBatch", "as_batch", "as_relational_graph"]
