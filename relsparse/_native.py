"""Loads the compiled modules with a message that says how to fix a failed import."""

from __future__ import annotations

try:
    from . import _graph as graph
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "relsparse's compiled graph engine (relsparse._graph) is missing or was built for "
        "another Python. Rebuild it from the repository root with "
        "`pip install --no-build-isolation -e .` (see README.md, 'Install')."
    ) from exc

__all__ = ["graph"]
