"""Worker processes die with their parent (registry.common.workers): a cold check killed with -9
while its workers send their results must not leave them blocked on the pipe forever."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "registry"

PARENT = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from registry.common.workers import pool

    folder = Path(sys.argv[1])

    def task(i):
        while not (folder / "go").exists():
            time.sleep(0.01)
        (folder / f"sending-{os.getpid()}").write_text("")
        return b"x" * (8 * 1024 * 1024)  # far more than a pipe holds: the send blocks

    with pool(2) as executor:
        futures = [executor.submit(task, i) for i in range(2)]
        (folder / "ready").write_text("")
        [f.result() for f in futures]
    """
)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir() or os.name != "posix", reason="needs /proc")
def test_workers_blocked_on_a_send_die_when_the_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path)])
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "ready").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(parent.pid, signal.SIGSTOP)  # the parent stops reading results
        (tmp_path / "go").write_text("")
        while len(list(tmp_path.glob("sending-*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        workers = [int(p.name.split("-")[1]) for p in tmp_path.glob("sending-*")]
        assert len(workers) == 2
        time.sleep(0.5)  # both are now blocked writing 8 MB into a 64 KB pipe
        assert all(alive(pid) for pid in workers)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        gone_by = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < gone_by:
            time.sleep(0.05)
        left = [pid for pid in workers if alive(pid)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, "workers outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()


def test_every_process_pool_is_made_by_registry_workers() -> None:
    """The watch works only where the pool comes from `registry.common.workers.pool`."""
    for path in PACKAGE.rglob("*.py"):
        if path.name != "workers.py":
            assert not re.search(r"ProcessPoolExecutor|multiprocessing", path.read_text()), path
