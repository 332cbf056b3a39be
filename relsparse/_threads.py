"""How many threads the C++ engine uses.

Resolution order: an explicit ``threads=`` argument, then
:func:`relsparse.set_num_threads`, then the ``RELSPARSE_NUM_THREADS``
environment variable, then every CPU this process may run on. Results never
depend on the thread count.
"""

from __future__ import annotations

import os
from typing import Optional

_default: Optional[int] = None


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def set_num_threads(threads: Optional[int]) -> None:
    """Set the default thread count of relsparse's C++ engine (``None``: automatic)."""
    global _default
    if threads is not None:
        threads = _check(threads)
    _default = threads


def get_num_threads() -> int:
    """The thread count used when a call passes ``threads=None``."""
    if _default is not None:
        return _default
    env = os.environ.get("RELSPARSE_NUM_THREADS")
    if env:
        try:
            return _check(int(env))
        except ValueError as exc:
            raise ValueError(
                f"RELSPARSE_NUM_THREADS must be a positive integer, got {env!r}"
            ) from exc
    return _available_cpus()


def resolve(threads: Optional[int]) -> int:
    return get_num_threads() if threads is None else _check(threads)


def _check(threads: int) -> int:
    if isinstance(threads, bool) or not isinstance(threads, (int,)) and not hasattr(threads, "__index__"):
        raise TypeError(f"threads must be an integer, got {type(threads).__name__}")
    threads = int(threads)
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got threads={threads}")
    return threads
