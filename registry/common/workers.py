"""Worker processes that die with their parent.

A cold run of a large registry splits its work between processes (`concurrent.futures` over
fork). If the parent is killed (`kill -9`, an OOM kill, a CI job cancelled), a worker blocked
on writing its result to the parent would wait forever, holding its memory. So every worker
watches a pipe whose only writer is the parent: when the parent is gone, the pipe reaches end
of file and the worker leaves at once.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor


@contextlib.contextmanager
def pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A process pool (fork where there is fork) whose workers exit when this process dies."""
    import multiprocessing

    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    if os.name != "posix":  # pragma: no cover - no fork: the OS's job objects are the watch
        with ProcessPoolExecutor(workers, mp_context=context) as executor:
            yield executor
        return
    from registry.common import progress

    read_end, write_end = os.pipe()
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_watch, initargs=(read_end, write_end)
        ) as executor:
            with progress.paused():  # fork every worker now, with no other thread running
                executor.submit(os.getpid).result()
            yield executor
    finally:
        os.close(read_end)
        os.close(write_end)


def _watch(read_end: int, write_end: int) -> None:
    """In each worker: drop its copy of the write end, then wait for end of file (the parent's
    copy closing, that is, the parent ending) and leave."""
    os.close(write_end)

    def wait() -> None:
        with contextlib.suppress(OSError):
            while os.read(read_end, 1):
                pass
        os._exit(1)

    threading.Thread(target=wait, name="parent-watch", daemon=True).start()
