"""The one way files are written: temp file in the same directory, fsync, os.replace.

A failed write leaves any previous file untouched and no temp file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from registry.errors import RegistryError


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
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
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
