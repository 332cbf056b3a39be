"""Exceptions raised by relsparse.

All are subclasses of ``ValueError``: each one means an input (a parameter,
a graph) cannot give the requested result, and the message names the
argument, its value and what would have been accepted.
"""

from __future__ import annotations

from . import _native

#: A generator cannot produce a graph for these parameters, e.g. the connected
#: WS-flex variant found no connected graph within its tries.
GenerationError = _native.graph.GenerationError

#: A path-length measure was asked of a disconnected (or empty) graph under
#: ``disconnected="raise"``.
DisconnectedGraphError = _native.graph.DisconnectedGraphError

#: A directed graph has a cycle, or a source/target node is out of range.
NotADagError = _native.graph.NotADagError

__all__ = ["GenerationError", "DisconnectedGraphError", "NotADagError"]
