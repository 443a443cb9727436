"""Thread pools that a forked process can use too (Ray's workers, a forking server): a child
inherits the parent's pool object but none of its threads, so a task sent to it never runs.
Each process makes its own pool, on first use."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_POOLS: dict[str, tuple[int, ThreadPoolExecutor]] = {}
_LOCK = threading.Lock()


def _reset_lock() -> None:  # a child forked while another thread held the lock gets it free
    global _LOCK
    _LOCK = threading.Lock()


os.register_at_fork(after_in_child=_reset_lock)


def cores() -> int:
    """The cores this process may use: Ray gives an actor its share in OMP_NUM_THREADS."""
    return int(os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1)


def pool(name: str, size: int) -> ThreadPoolExecutor:
    """This process's pool called `name` (made with `size` threads on first use)."""
    with _LOCK:
        pid, executor = _POOLS.get(name, (None, None))
        if pid != os.getpid() or executor is None:
            executor = ThreadPoolExecutor(size, thread_name_prefix=name)
            _POOLS[name] = (os.getpid(), executor)
        return executor
