"""Child processes (signing pool, server workers) that do not outlive their parent: when the
parent dies without stopping them (kill -9, a crash), each would otherwise live on, orphaned,
holding its memory (and a server worker its port)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from multiprocessing.connection import wait


def cores() -> int:
    """The CPU cores this process may run on (a container's cpuset, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def exit_with_parent(graceful: bool) -> None:
    """In a spawned child: end this process when the parent's sentinel closes. ``graceful``
    sends SIGTERM to itself (a server finishes its requests); otherwise exit at once."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        if graceful:
            os.kill(os.getpid(), signal.SIGTERM)
        else:
            os._exit(0)

    threading.Thread(target=watch, name="mcred-parent-watch", daemon=True).start()
