"""Where the caches live, and the only code that reads, writes or deletes in them.

The caches (`registry.engine.filecache`, `registry.engine.snapshot`) are kept outside the
working tree, in a per-user folder, so nothing a repository contains can be taken for a cache:

    $REGISTRY_CACHE_DIR, else the user cache folder ($XDG_CACHE_HOME or ~/.cache, macOS
    ~/Library/Caches, Windows %LOCALAPPDATA%) + /registry
        key                         32 random bytes, mode 0600, made on first use
        <sha256 of the registry's real path, 32 hex>/
            <tool version>-<code hash>/   one flat folder of cache files

Rules, each held by a test (tests/test_cache_security.py):

* Nothing is followed through a symlink: every folder below the base is opened relative to
  its parent with O_NOFOLLOW | O_DIRECTORY and must be a real folder owned by this user and
  writable by nobody else; files are opened the same way and must be regular files. The base
  itself must not be a symlink, nor be (or resolve) inside the registry or its git work tree.
* Only what this tool made is deleted: other tool versions' folders, holding only files of
  this module's name pattern (a folder holding anything else is left alone).
* Only what this tool wrote is read: every file carries an HMAC-SHA256 of its name and bytes
  under the key, which never leaves the cache folder. A file without a valid MAC is a miss.
* Never an error: a cache that cannot be opened, read or written is simply not used.

`REGISTRY_CACHE=0` (or `--no-cache` where a command has it) turns caching off.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import stat
import sys
from pathlib import Path

HEADER = b"registry-cache 1 "
KEY_BYTES = 32
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}\Z")
TAG = re.compile(r"[0-9][0-9A-Za-z.+-]*-[0-9a-f]{16}\Z")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW
_FILE_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW  # a FIFO cannot block
_NEW_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW

notes: list[str] = []  # why a cache was not used, for the CLI to say once (the core never prints)
_OPEN: dict[tuple[str, str, str], Store | None] = {}


def base() -> Path:
    """The folder that holds every registry's cache on this machine, for this user."""
    given = os.environ.get("REGISTRY_CACHE_DIR")
    if given:
        return Path(os.path.abspath(os.path.expanduser(given)))
    if sys.platform == "darwin":
        home = Path.home() / "Library" / "Caches"
    elif os.name == "nt":
        home = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        home = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return home / "registry"


def registry_key(root: Path) -> str:
    """The folder name of a registry's cache: a hash of its real path."""
    return hashlib.sha256(os.path.realpath(root).encode("utf-8", "surrogateescape")).hexdigest()[
        :32
    ]


def folder(root: Path, tag: str) -> Path:
    """Where the cache of `root` for tool tag `tag` lives (it may not exist)."""
    return base() / registry_key(root) / tag


def open_store(root: Path, tag: str) -> Store | None:
    """The cache folder of the registry at `root` for this tool tag, made if needed; None when
    it cannot be used safely (see the module docstring). One per process and folder."""
    where = str(base())
    key = (where, os.path.realpath(root), tag)
    known = _OPEN.get(key)
    if key not in _OPEN or (known is not None and not known.alive()):
        _OPEN[key] = _open(Path(where), root, tag)
    return _OPEN[key]


def _open(where: Path, root: Path, tag: str) -> Store | None:
    needed = {os.open, os.mkdir, os.unlink, os.rmdir, os.link, os.rename, os.stat}
    if not needed <= os.supports_dir_fd or not hasattr(os, "getuid"):
        return None  # no safe relative operations on this platform: no cache
    inside = _inside_repository(where, root)
    if inside:
        _note(f"not using the cache folder {where}: it is inside {inside}")
        return None
    try:
        if not os.path.lexists(where):
            os.makedirs(where, mode=0o700, exist_ok=True)
        base_fd = os.open(where, _DIR_FLAGS)
    except OSError as exc:
        _note(f"not using the cache folder {where}: {exc.strerror or exc}")
        return None
    try:
        if not _trusted(base_fd):
            _note(f"not using the cache folder {where}: not a folder owned by you alone")
            return None
        secret = _key(base_fd)
        if secret is None:
            return None
        reg_fd = _subfolder(base_fd, registry_key(root))
        if reg_fd is None:
            return None
        try:
            made = not _has(reg_fd, tag)
            tag_fd = _subfolder(reg_fd, tag)
            if tag_fd is None:
                return None
            store = Store(tag_fd, secret)
            if made:
                _prune(reg_fd, tag)
            return store
        finally:
            os.close(reg_fd)
    finally:
        os.close(base_fd)


def reset() -> None:
    """Close the cache folders this process has open (tests; a long-lived process whose cache
    folder was deleted under it)."""
    for store in _OPEN.values():
        if store is not None:
            with contextlib.suppress(OSError):
                os.close(store.fd)
    _OPEN.clear()
    notes.clear()


def _note(text: str) -> None:
    if text not in notes:
        notes.append(text)


def _inside_repository(where: Path, root: Path) -> str | None:
    """The registry or git work tree that holds `where` (as written, or once resolved)."""
    real_root = Path(os.path.realpath(root))
    tops = [real_root, Path(os.path.abspath(root))]
    for folder_ in (real_root, *real_root.parents):
        if os.path.lexists(folder_ / ".git"):
            tops.append(folder_)
            break
    for candidate in (where, Path(os.path.realpath(where))):
        for top in tops:
            if candidate == top or top in candidate.parents:
                return str(top)
    return None


def _trusted(fd: int) -> bool:
    st = os.fstat(fd)
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


def _has(dir_fd: int, name: str) -> bool:
    try:
        os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return False
    return True


def _subfolder(dir_fd: int, name: str) -> int | None:
    """A folder inside `dir_fd` made by (or as) this user, opened without following links."""
    if not NAME.match(name):
        return None
    try:
        os.mkdir(name, 0o700, dir_fd=dir_fd)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError:
        return None  # a symlink (ELOOP), a file, or gone
    if not _trusted(fd):
        os.close(fd)
        return None
    return fd


def _key(base_fd: int) -> bytes | None:
    """The cache's MAC key: read, or made once (published with link(), so two processes
    starting together agree on one key)."""
    for _attempt in range(3):
        found = _read_key(base_fd)
        if found is not None:
            return found if found else None
        tmp = f".key.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            fd = os.open(tmp, _NEW_FLAGS, 0o600, dir_fd=base_fd)
            try:
                os.write(fd, os.urandom(KEY_BYTES))
                os.fsync(fd)
            finally:
                os.close(fd)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, "key", src_dir_fd=base_fd, dst_dir_fd=base_fd)
        except OSError:
            return None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=base_fd)
    return None


def _read_key(base_fd: int) -> bytes | None:
    """The key; None when there is none yet; b"" when the file is there but not trusted."""
    try:
        fd = os.open("key", _FILE_FLAGS, dir_fd=base_fd)
    except FileNotFoundError:
        return None
    except OSError:
        return b""
    try:
        st = os.fstat(fd)
        if (
            not stat.S_ISREG(st.st_mode)
            or st.st_uid != os.getuid()
            or st.st_mode & 0o077
            or st.st_size != KEY_BYTES
        ):
            _note("not using the cache: its key file is not private to you")
            return b""
        return os.read(fd, KEY_BYTES)
    finally:
        os.close(fd)


def _prune(reg_fd: int, keep: str) -> None:
    """Remove other tool versions' cache folders: flat folders of this module's files."""
    try:
        entries = list(os.scandir(reg_fd))
    except OSError:
        return
    for entry in entries:
        if entry.name == keep or not TAG.match(entry.name):
            continue
        try:
            fd = os.open(entry.name, _DIR_FLAGS, dir_fd=reg_fd)
        except OSError:
            continue  # a symlink or a file: never followed, never ours
        try:
            if not _trusted(fd):
                continue
            names = [e.name for e in os.scandir(fd)]
            if not all(_ours(n) for n in names):
                continue  # something this tool did not make: leave the folder alone
            for name in names:
                os.unlink(name, dir_fd=fd)
        except OSError:
            continue
        finally:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.rmdir(entry.name, dir_fd=reg_fd)


def _ours(name: str) -> bool:
    return bool(NAME.match(name)) or (name.startswith(".") and name.endswith(".tmp"))


class Store:
    """One flat cache folder (held open by descriptor) and its MAC key."""

    def __init__(self, fd: int, secret: bytes) -> None:
        self.fd = fd
        self._secret = secret

    def alive(self) -> bool:
        """False once the folder was deleted (say, by a user clearing the cache)."""
        try:
            return os.fstat(self.fd).st_nlink > 0
        except OSError:
            return False

    def _mac(self, name: str, body: bytes) -> bytes:
        digest = hmac.new(self._secret, name.encode() + b"\0" + body, hashlib.sha256)
        return digest.hexdigest().encode()

    def read(self, name: str) -> bytes | None:
        """The bytes last written under `name` by this tool, or None (missing, not a regular
        file, not written with this cache's key, torn)."""
        if not NAME.match(name):
            raise ValueError(name)
        try:
            with os.fdopen(os.open(name, _FILE_FLAGS, dir_fd=self.fd), "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return None
                data = handle.read()
        except OSError:
            return None
        head, newline, body = data.partition(b"\n")
        if not newline or not head.startswith(HEADER):
            return None
        if not hmac.compare_digest(head[len(HEADER) :], self._mac(name, body)):
            return None
        return body

    def write(self, name: str, body: bytes) -> bool:
        """Replace `name` with `body` in one step (temp file, rename); False when it failed."""
        if not NAME.match(name):
            raise ValueError(name)
        tmp = f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            fd = os.open(tmp, _NEW_FLAGS, 0o600, dir_fd=self.fd)
            with os.fdopen(fd, "wb") as handle:
                handle.write(HEADER + self._mac(name, body) + b"\n")
                handle.write(body)
            os.replace(tmp, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=self.fd)
            return False
        return True

    def remove(self, name: str) -> None:
        if not NAME.match(name):
            raise ValueError(name)
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=self.fd)
