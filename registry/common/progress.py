"""Progress on standard error for long runs (a cold check of a big registry, a history walk).

Silent for the first two seconds, so a commit hook never shows it; then one line, rewritten in
place, naming the stage and how far it is. Only when standard error is a terminal, never in CI
(`CI` set) or with REGISTRY_PROGRESS=0, and never while a machine format goes to standard
output (the commands decide: `start(machine=...)`). The line is erased before anything else
is printed.

Stages come from the main process; worker processes (forked) inherit a stopped copy.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator

DELAY_S = 2.0  # REGISTRY_PROGRESS_DELAY_S overrides it (the tests show the line at once)
EVERY_S = 0.25
BAR = 20  # characters of the bar of a stage whose total is known
CLEAR = "\r\x1b[2K"


class _Ticker:
    def __init__(self) -> None:
        self.label = "loading the registry"
        self.done = 0
        self.total: int | None = None
        self.sub: tuple[str, int, int | None] | None = None  # a step inside the stage
        self.began = time.monotonic()
        self.shown = False
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.thread = self._thread()
        self.pid = os.getpid()

    def _thread(self) -> threading.Thread:
        return threading.Thread(target=self._run, name="progress", daemon=True)

    def _run(self) -> None:
        try:
            delay = float(os.environ.get("REGISTRY_PROGRESS_DELAY_S", DELAY_S))
        except ValueError:
            delay = DELAY_S
        left = delay - (time.monotonic() - self.began)
        if left > 0 and self.halt.wait(left):
            return
        while not self.halt.is_set():
            with self.lock:
                line = f"registry: {self.label}{_count(self.done, self.total)}"
                if self.sub is not None:
                    line += f"; {self.sub[0]}{_count(self.sub[1], self.sub[2])}"
                line += f" ({time.monotonic() - self.began:.0f} s)"
                try:
                    sys.stderr.write(CLEAR + line[:200])
                    sys.stderr.flush()
                    self.shown = True
                except (OSError, ValueError):
                    return
            self.halt.wait(EVERY_S)

    def stop(self) -> None:
        self.halt.set()
        if self.thread.is_alive():
            self.thread.join()
        with self.lock:
            if self.shown:
                try:
                    sys.stderr.write(CLEAR)
                    sys.stderr.flush()
                except (OSError, ValueError):
                    pass
                self.shown = False


def _count(done: int, total: int | None) -> str:
    if not total:
        return ""
    filled = min(BAR, BAR * done // total)
    return f" [{'#' * filled}{'.' * (BAR - filled)}] {done:,}/{total:,}"


_ticker: _Ticker | None = None


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No progress thread while this runs: around a fork (worker processes), which must not
    copy a thread that may hold stderr's lock. The line stays; it moves on afterwards."""
    t = _ticker
    if t is None or t.pid != os.getpid() or not t.thread.is_alive():
        yield
        return
    t.halt.set()
    t.thread.join()
    try:
        yield
    finally:
        t.halt.clear()
        t.thread = t._thread()
        t.thread.start()


def wanted(machine: bool) -> bool:
    if machine or os.environ.get("CI") or os.environ.get("REGISTRY_PROGRESS") == "0":
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def start(machine: bool) -> None:
    """Begin showing progress (after the delay) if this run should."""
    global _ticker
    stop()
    if wanted(machine):
        _ticker = _Ticker()
        _ticker.thread.start()


def stage(label: str, total: int | None = None, *, step: bool = False) -> None:
    """Name what the run is doing now (and how many steps it has, when known). `step`: a part
    of the current stage (reading the files of one commit in a history walk), shown after it
    and replaced by the next stage."""
    t = _ticker
    if t is not None and t.pid == os.getpid():
        with t.lock:
            if step:
                t.sub = (label, 0, total)
            else:
                t.label, t.done, t.total, t.sub = label, 0, total, None


def advance(n: int = 1, *, step: bool = False) -> None:
    t = _ticker
    if t is not None and t.pid == os.getpid():
        with t.lock:
            if step and t.sub is not None:
                t.sub = (t.sub[0], t.sub[1] + n, t.sub[2])
            elif not step:
                t.done += n


def stop() -> None:
    """Erase the line (if shown) and end; before any output, and at the end of a command."""
    global _ticker
    t, _ticker = _ticker, None
    if t is not None and t.pid == os.getpid():
        t.stop()
