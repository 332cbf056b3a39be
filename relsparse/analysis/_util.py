"""Small helpers shared by the analysis modules (argument checks, JSON-safe values)."""

from __future__ import annotations

import math
from typing import Any, Optional, Union

import numpy as np

from .. import _args

SeedLike = Union[int, np.integer, np.random.Generator]


def float_vector(value: Any, name: str, *, allow_nan: bool = False) -> np.ndarray:
    """A 1-d float64 array; rejects booleans, strings, other shapes and (unless allowed) NaN/inf."""
    arr = _args.float_array(value, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array, got shape {arr.shape}")
    if not allow_nan and arr.size and not np.all(np.isfinite(arr)):
        i = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(f"{name} must be finite; entry {i} is {arr[i]!r}")
    return arr


def same_length(**arrays: Optional[np.ndarray]) -> int:
    """Checks that the given 1-d arrays have one length and returns it."""
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k}: {n}" for k, n in lengths.items())
        raise ValueError(f"arrays must have the same length, got {shown}")
    return next(iter(lengths.values())) if lengths else 0


def generator(seed: SeedLike, name: str = "seed") -> np.random.Generator:
    """A private numpy Generator from an explicit seed (never global state)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(
            f"{name} must be an integer or a numpy Generator (relsparse never draws from global "
            f"random state), got {type(seed).__name__}"
        )
    if int(seed) < 0:
        raise ValueError(f"{name} must be non-negative, got {int(seed)}")
    return np.random.default_rng(int(seed))


def jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars/arrays to Python, NaN/inf to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


def choice(name: str, value: Any, allowed: tuple) -> Any:
    return _args.choice(name, value, allowed)
