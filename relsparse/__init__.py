"""relsparse: relational-graph sparse neural networks.

Subpackages and modules
-----------------------
graphs        WS-flex and classic random graph generators (networkx-exact)
measures      clustering, path length and other measures, batched in C++
dag           RandWire DAG conversion and input->output path statistics
design_space  the paper's WS-flex grid, its 3942/52-graph samples, Figure 3
models        the paper's architectures over relational graphs (needs torch;
              imported on first use), and relationalize() for any model

Quick tour
----------
>>> import relsparse
>>> from relsparse import graphs, measures
>>> g = graphs.connected_ws_flex(64, 8, 0.1, seed=0)
>>> c, l = measures.average_clustering(g), measures.average_shortest_path_length(g)
"""

from __future__ import annotations

from . import dag, errors, graphs, measures
from ._threads import get_num_threads, set_num_threads
from .errors import DisconnectedGraphError, GenerationError, NotADagError
from .graph import DiGraph, DiGraphBatch, Graph, GraphBatch

__version__ = "0.1.0"


def __getattr__(name: str):
    # Lazy: the model zoo needs torch, graph work must not import it.
    if name in ("models", "relationalize"):
        import importlib

        models = importlib.import_module(".models", __name__)
        return models if name == "models" else models.relationalize
    raise AttributeError(f"module 'relsparse' has no attribute {name!r}")


__all__ = [
    "Graph", "DiGraph", "GraphBatch", "DiGraphBatch",
    "graphs", "measures", "dag", "errors",
    "GenerationError", "DisconnectedGraphError", "NotADagError",
    "get_num_threads", "set_num_threads",
]
