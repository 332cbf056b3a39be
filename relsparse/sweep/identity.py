"""Worker names, and telling whether a local worker process has died.

A worker name is ``"<label>@<host>:<pid>"`` (``label@`` optional; the pid
is the worker's process id). The store records it in ``runs.worker`` for
the run a worker holds, so a restarted sweep can tell runs held by a dead
process on this host (requeue them at once) from runs held by a live
process or another host (leave them to their worker, or to the heartbeat
timeout).
"""

from __future__ import annotations

import os
import re
import socket
from typing import Optional

_NAME = re.compile(r"^(?:(?P<label>.*)@)?(?P<host>[^@]+):(?P<pid>\d+)$")


def worker_name(label: Optional[str] = None, *, pid: Optional[int] = None) -> str:
    """This process's worker name (``label@host:pid``)."""
    base = f"{socket.gethostname()}:{os.getpid() if pid is None else int(pid)}"
    return base if not label else f"{label}@{base}"


def is_dead_local_worker(name: Optional[str]) -> bool:
    """True iff ``name`` is a worker of this host whose process no longer exists.

    Unknown name formats, other hosts and live pids give False (the caller
    then falls back to heartbeat timeouts). A reused pid also reads as
    alive, which is the safe direction.
    """
    m = _NAME.match(name or "")
    if m is None or m["host"] != socket.gethostname():
        return False
    pid = int(m["pid"])
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    except OSError:  # pragma: no cover - other platforms
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed process not yet reaped by its parent (Linux /proc; False elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


__all__ = ["worker_name", "is_dead_local_worker"]
