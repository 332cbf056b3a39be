"""Helpers shared by the benchmark scripts: timing and a note of the machine's state."""

from __future__ import annotations

import gc
import math
import os
import platform
import time
from importlib import metadata


def best_time(fn, min_time: float) -> float:
    """Seconds of the fastest call of ``fn``, calling it again until ``min_time`` seconds are spent (once at least).

    Python's garbage collector is off while ``fn`` runs, as in :mod:`timeit`: otherwise the
    Python anchors, which build many objects, would also pay for collections of earlier garbage.
    """
    best, total, calls = math.inf, 0.0, 0
    gc.collect()
    gc.disable()
    try:
        while calls == 0 or total < min_time:
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            best, total, calls = min(best, dt), total + dt, calls + 1
    finally:
        gc.enable()
    return best


def environment(*packages: str) -> dict:
    """Versions, core count and load average, printed and returned (for the JSON file)."""
    import relsparse

    versions = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "?"
    env = {
        "versions": versions,
        "cores": relsparse.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print(f"relsparse threads (all cores): {env['cores']}; load average at start:"
          f" {' '.join(map(str, env['load_average_at_start']))} (other work on the machine skews timings)")
    return env
