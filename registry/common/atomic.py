"""The one way files are written: temp file in the same directory, fsync, os.replace.

A failed write leaves any previous file untouched and no temp file behind. A process killed
mid-write (`kill -9`) cannot clean up: its temp file is named for this host and its process
id (`.<name>.<host>-<pid>.<random>.tmp`), and the next write of the same file removes the temp
files of processes of this host that are gone (and any of this pattern a day old).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from registry.common.errors import RegistryError

_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
STALE_SECONDS = 24 * 3600  # a temp file this old is stale whoever made it


def _clean_stale(folder: Path, name: str) -> None:
    """Remove temp files a killed writer of `name` left in `folder` (never a live one's)."""
    pattern = re.compile(
        rf"\.{re.escape(name)}\.(?:(?P<host>[0-9a-f]{{8}})-(?P<pid>[0-9]+)\.)?[^/]*\.tmp\Z"
    )
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(f".{name}.")]
    except OSError:
        return
    now = time.time()
    for entry in entries:
        found = pattern.match(entry.name)
        if found is None:
            continue
        with contextlib.suppress(OSError):
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                continue
            gone = found.group("host") == _HOST and not _alive(int(found.group("pid")))
            if gone or now - st.st_mtime > STALE_SECONDS:
                os.unlink(entry.path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def write_text(path: str | os.PathLike[str], text: str, *, durable: bool = True) -> None:
    write_bytes(path, text.encode("utf-8"), durable=durable)


def write_bytes(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> None:
    """Replace `path` with `data` in one step. `durable=False` skips the fsync: for caches,
    where a file torn by a power cut reads as corrupt and is rebuilt."""
    write_chunks(path, (data,), durable=durable)


def write_chunks(
    path: str | os.PathLike[str], chunks: Iterable[bytes | str], *, durable: bool = True
) -> None:
    """`write_bytes` of the chunks' concatenation (str as UTF-8), never holding it whole. An
    exception from `chunks` leaves the old file and no temp file, as a failed write does."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)  # `-o build/prod.json` in a fresh checkout
    except OSError as exc:
        raise RegistryError(f"cannot write {target}: {exc.strerror or exc}") from None
    _clean_stale(folder, target.name)
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name}.{_HOST}-{os.getpid()}.", suffix=".tmp", dir=folder
        )
    except OSError as exc:
        raise RegistryError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise RegistryError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
