"""Argument checks and conversions shared by the public functions.

Each helper raises ``TypeError`` for the wrong kind of value and
``ValueError`` for a value out of range, naming the argument.
"""

from __future__ import annotations

import os
from typing import Any, Optional

import numpy as np

_UINT64_MAX = 2**64 - 1


def integer_array(value: Any, name: str) -> np.ndarray:
    """An int64 array from ints or integral floats; rejects bools, NaN and fractions."""
    arr = np.asarray(value)
    if arr.dtype == bool:
        raise TypeError(f"{name} must be an integer, got a boolean")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.floor(arr)):
            raise TypeError(f"{name} must be an integer, got {_show(arr)}")
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} of dtype {arr.dtype}")
    return arr.astype(np.int64)


def float_array(value: Any, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return arr.astype(np.float64)


def seed_array(value: Any, name: str = "seed") -> np.ndarray:
    """Seeds as uint64: explicit non-negative integers below 2**64."""
    if value is None:
        raise TypeError(
            f"{name} must be an integer: relsparse never draws from global random state, "
            "so every random graph needs an explicit seed"
        )
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return np.array(_check_seed(int(value), name), dtype=np.uint64)
    if isinstance(value, (list, tuple)):
        # Python ints of any size: numpy would turn a mix of values below and
        # above 2**63 into floats, so check and convert them one by one.
        items = np.asarray(value, dtype=object)
        flat = items.reshape(-1)
        for v in flat:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"{name} must hold integers, got {type(v).__name__} {v!r}")
        return np.array([_check_seed(int(v), name) for v in flat], dtype=np.uint64).reshape(items.shape)
    arr = np.asarray(value)
    if arr.dtype == bool or arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.floor(arr)):
            raise TypeError(f"{name} must hold integers, got floats (pass an integer dtype)")
        raise TypeError(f"{name} must be an integer or an integer array, got {type(value).__name__}")
    if arr.dtype.kind == "i" and arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be non-negative, got {int(arr.min())}")
    return arr.astype(np.uint64)


def _check_seed(v: int, name: str) -> int:
    if v < 0 or v > _UINT64_MAX:
        raise ValueError(f"{name} must satisfy 0 <= {name} < 2**64, got {v}")
    return v


def broadcast_1d(**arrays: Optional[np.ndarray]) -> dict[str, Optional[np.ndarray]]:
    """Broadcasts the given arrays together and flattens them to 1-d."""
    present = {k: v for k, v in arrays.items() if v is not None}
    try:
        shaped = np.broadcast_arrays(*present.values())
    except ValueError as exc:
        shapes = ", ".join(f"{k}{np.shape(v)}" for k, v in present.items())
        raise ValueError(f"parameter arrays have mismatched shapes: {shapes}") from exc
    out: dict[str, Optional[np.ndarray]] = {k: None for k in arrays}
    for (k, _), a in zip(present.items(), shaped):
        out[k] = np.ascontiguousarray(a.reshape(-1))
    return out


def choice(name: str, value: Any, allowed: tuple) -> Any:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def available_memory_bytes() -> int:
    """Memory the process may still allocate (MemAvailable, else 4 GiB)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return 4 << 30


def batch_memory_limit() -> int:
    """Largest batch output allowed: ``RELSPARSE_MAX_BATCH_BYTES`` or 70% of free memory."""
    env = os.environ.get("RELSPARSE_MAX_BATCH_BYTES")
    if env:
        return int(env)
    return int(available_memory_bytes() * 0.7)


def _show(arr: np.ndarray) -> str:
    flat = arr.reshape(-1)
    bad = flat[~(np.isfinite(flat) & (flat == np.floor(flat)))] if flat.dtype.kind == "f" else flat
    return repr(bad[0].item()) if bad.size else repr(flat[:3].tolist())
