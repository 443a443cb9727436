"""Per-process thread pools (recognition_engine.threads)."""

import os

from recognition_engine import threads


def test_a_forked_child_gets_a_pool_of_its_own():
    """The child inherits the parent's pool object but not its threads: a task sent to that
    pool would never run (the child would wait for ever); it makes its own."""
    parent = threads.pool("test-fork", 1)
    assert parent.submit(os.getpid).result(timeout=10) == os.getpid()
    child = os.fork()
    if child == 0:
        code = 1
        try:
            pool = threads.pool("test-fork", 1)
            code = 0 if pool is not parent and pool.submit(os.getpid).result(timeout=10) == os.getpid() else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert threads.pool("test-fork", 1) is parent  # the parent keeps its own
