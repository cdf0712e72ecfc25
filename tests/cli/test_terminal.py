"""On a terminal: a progress line on stderr for long runs (erased before output), colour on
stdout honouring NO_COLOR; neither in pipes, in CI, or with a machine format."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_registry

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


def run(root: Path, *args: str, tty_out: bool, **env: str) -> tuple[str, str]:
    """(stdout, stderr) of `registry check`, stderr on a pseudo-terminal; stdout too with
    `tty_out`. The progress line shows at once (REGISTRY_PROGRESS_DELAY_S=0)."""
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR", "FORCE_COLOR")}
    base.update({"REGISTRY_PROGRESS_DELAY_S": "0", "TERM": "xterm", "REGISTRY_CACHE": "0"})
    base.update(env)
    err_master, err_slave = pty.openpty()
    out_master, out_slave = pty.openpty() if tty_out else (None, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "registry", "check", "--root", str(root), *args],
        stdout=out_slave if tty_out else subprocess.PIPE,
        stderr=err_slave,
        env=base,
    )
    os.close(err_slave)
    if out_slave is not None:
        os.close(out_slave)
    captured: dict[int, bytes] = {}
    out = b""
    if proc.stdout is not None:
        with proc.stdout:
            out = proc.stdout.read()
    for fd in [err_master] + ([out_master] if out_master is not None else []):
        chunks = []
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the other side closed: all read
                break
            if not chunk:
                break
            chunks.append(chunk)
        captured[fd] = b"".join(chunks)
        os.close(fd)
    assert proc.wait(timeout=60) in (0, 1)
    if out_master is not None:
        out = captured[out_master]
    return out.decode(), captured[err_master].decode()


@pytest.fixture
def drifting(reg_root: Path) -> Path:
    write_registry(reg_root, {"environments/prod.yaml": "extends: base\nparams: {top_p: 0.5}\n"})
    return reg_root


def test_progress_on_a_terminal_is_erased_and_never_in_output(drifting: Path) -> None:
    out, err = run(drifting, tty_out=False)
    assert "registry: " in err and err.endswith("\r\x1b[2K")  # shown, then erased
    assert "\x1b" not in out and "registry: " not in out  # stdout a pipe: plain, no progress
    assert "DRIFT001" in out


def test_no_progress_with_a_machine_format_or_in_ci(drifting: Path) -> None:
    for args, env in ((("-f", "json"), {}), ((), {"CI": "true"}), ((), {"REGISTRY_PROGRESS": "0"})):
        out, err = run(drifting, *args, tty_out=False, **env)
        assert err == "", (args, env, err)
        assert out


def test_colour_on_a_terminal_unless_no_color(drifting: Path) -> None:
    out, _err = run(drifting, tty_out=True)
    assert "\x1b[1;31merror\x1b[0m \x1b[1mDRIFT001\x1b[0m" in out
    plain, _err = run(drifting, tty_out=True, NO_COLOR="1")
    assert "\x1b[" not in plain and "error DRIFT001" in plain
    machine, _err = run(drifting, "-f", "json", tty_out=True)
    assert "\x1b[" not in machine  # JSON is never coloured
