"""Shared pytest configuration for relsparse's tests.

* Puts this folder on ``sys.path`` so the helper modules (``graph_helpers``,
  ``layer_helpers``) import by name.
* Registers a reproducible hypothesis profile: derandomized, no example
  database, no deadline (the C++ calls are fast, networkx is not).
"""

from __future__ import annotations

import os
import sys

from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

settings.register_profile(
    "relsparse",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "relsparse"))

import relsparse  # noqa: E402

if getattr(relsparse, "__file__", None) is None:  # pragma: no cover - broken installation
    raise ImportError(
        "relsparse was imported as a namespace package (no __init__.py ran): the editable install is "
        "stale. Reinstall with `pip install --no-build-isolation -e .`, or run `python -m pytest` from "
        "the repository root."
    )
