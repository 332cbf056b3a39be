"""Argument checks shared by the model builders, :func:`build` and :func:`relationalize`.

Every check raises ``ValueError`` / ``TypeError`` naming the argument, the
value and what is allowed (DESIGN.md, Conventions).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ..graph import Graph

INITS = ("fan_in", "graph2nn")


def positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` as an int ``>= minimum`` (bools are rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def init_name(value: Any) -> str:
    if value not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {value!r}")
    return value


def num_classes(value: Any) -> int:
    return positive_int(value, "num_classes", minimum=2)


def input_shape(value: Any, *, image: bool) -> tuple:
    """A per-example input shape: ``(C, H, W)`` for image models, any positive dims otherwise."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"input_shape must be a tuple of positive integers such as (3, 32, 32), got {value!r}")
    try:
        shape = tuple(positive_int(v, "input_shape entry") for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"input_shape must hold positive integers, got {tuple(value)!r}") from None
    if image and len(shape) != 3:
        raise ValueError(f"input_shape must be (channels, height, width) for this model, got {shape!r}")
    if not shape:
        raise ValueError("input_shape must not be empty")
    return shape


def check_fits(graph: Graph, channels: Sequence[int], fixed: Optional[int], model: str, width: int) -> None:
    """Raises ``ValueError`` if a relational layer has fewer channels than ``graph`` has nodes.

    ``channels``: the channel counts of all relational layers at ``width``;
    ``fixed``: the width-independent channel count among them (the stem's
    output feeding the first relational layer), if any.
    """
    n = graph.num_nodes
    narrowest = min(channels)
    if narrowest >= n:
        return
    if fixed is not None and fixed < n:
        raise ValueError(
            f"the graph has {n} nodes but {model}'s first relational layer reads the stem's {fixed} "
            f"channels, whatever the width: every node needs at least one channel, so use a graph "
            f"with at most {fixed} nodes"
        )
    raise ValueError(
        f"the graph has {n} nodes but {model} at width {width} has a relational layer with only "
        f"{narrowest} channels: every node needs at least one channel; use a larger width or a "
        f"graph with at most {narrowest} nodes"
    )


__all__ = ["positive_int", "flag", "init_name", "num_classes", "input_shape", "check_fits", "INITS"]
