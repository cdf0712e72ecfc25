"""The working tree as a source: files read without following links out of the registry or
into folders, FIFOs never opened, what was read remembered by hash (for the snapshot)."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any

from registry.common.errors import RegistryError
from registry.load.access import LINK_TO_FOLDER, Escape, Paths, Special, folder_error

# A file swapped for a symlink fails to open; one swapped for a FIFO does not block the open.
_OPEN_FLAGS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


class WorkTree:
    """Files of the registry as they are on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._real = root.resolve()
        self.ref: str | None = None
        self.digests: dict[str, str] | None = None  # set to a dict to record what was read
        self._plain: set[str] = set()  # listed regular files with no symlink on their way
        self.specials: dict[str, Special] = {}  # listed entries that are not files to read
        self.folders: set[str] = set()  # folders entered by `list`

    def list(self, folder: str) -> list[str]:
        """Registry-relative POSIX paths of the files under `folder`, sorted (dot-names are
        skipped; symlinked folders are not entered, they and FIFOs or devices go to
        `specials`). Regular files reached through real folders only are remembered, so
        reading them needs no symlink check."""
        base = self.root / folder
        if not base.is_dir():
            return []
        out: list[str] = []
        parts = PurePosixPath(folder).parts
        plain = not any(self.root.joinpath(*parts[: i + 1]).is_symlink() for i in range(len(parts)))
        stack = [folder]
        while stack:
            rel = stack.pop()
            self.folders.add(rel)
            with os.scandir(self.root / rel) as entries:
                for entry in entries:
                    if not entry.name.startswith("."):
                        self._entry(entry, f"{rel}/{entry.name}", plain, out, stack)
        return sorted(out)

    def _entry(
        self, entry: os.DirEntry[str], path: str, plain: bool, out: Paths, stack: Paths
    ) -> None:
        if entry.is_symlink():
            if entry.is_dir():
                self.specials[path] = Special(path, "REF003", LINK_TO_FOLDER)
            else:
                out.append(path)  # a link to a file: `read` follows it inside the registry only
        elif entry.is_dir(follow_symlinks=False):
            stack.append(path)
        elif entry.is_file(follow_symlinks=False):
            out.append(path)
            if plain:
                self._plain.add(path)
        else:
            self.specials[path] = Special(path, "SCHEMA001", "is not a regular file (a FIFO?)")

    def read(self, rel: str) -> bytes | None:
        """Bytes of a registry file, None when absent. Raises Escape for a path that resolves
        outside, Special for one that is not a regular file (a folder, a FIFO, a symbolic link
        to a folder or to nothing)."""
        if rel in self._plain:
            try:
                fd = os.open(self.root / rel, os.O_RDONLY | _OPEN_FLAGS)
            except OSError:
                pass  # replaced since it was listed: the careful way below
            else:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    os.close(fd)  # a folder (or a device) now: the careful way below
                else:
                    with os.fdopen(fd, "rb") as handle:
                        return self._record(rel, handle.read())
        return self._careful(rel)

    def _careful(self, rel: str) -> bytes | None:
        path = self.root / rel
        try:
            link = stat.S_ISLNK(os.lstat(path).st_mode)
        except FileNotFoundError:
            return None
        except OSError:
            raise Special(rel, "SCHEMA001", "cannot be read") from None
        real = Path(os.path.realpath(path))
        if real != self._real and self._real not in real.parents:
            raise Escape(rel)
        try:
            fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            raise Special(rel, "REF003", "is a symbolic link to nothing") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise Special(rel, "REF003", "is a symbolic link in a loop") from None
            if exc.errno != errno.EISDIR:
                raise Special(rel, "SCHEMA001", f"cannot be read ({exc.strerror})") from None
            raise Special(rel, "REF003", LINK_TO_FOLDER) if link else folder_error(rel) from None
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            if stat.S_ISDIR(mode):
                raise Special(rel, "REF003", LINK_TO_FOLDER) if link else folder_error(rel)
            raise Special(rel, "SCHEMA001", "is not a regular file (a FIFO?)")
        with os.fdopen(fd, "rb") as handle:
            return self._record(rel, handle.read())

    def _record(self, rel: str, data: bytes) -> bytes:
        if self.digests is not None:
            import hashlib

            self.digests[rel] = hashlib.sha256(data).hexdigest()
        return data

    def exists(self, rel: str) -> bool:
        """Whether anything is at `rel` (a broken link too: reading it says what is wrong)."""
        return os.path.lexists(self.root / rel)

    def describe(self) -> dict[str, Any]:
        """Commit and dirty flag of the working tree, when it is inside a git repository."""
        from registry.load.gitref import _relative_in_repo, open_repo

        try:
            repo = open_repo(self.root)
        except RegistryError:
            return {"commit": None, "dirty": False}
        with contextlib.closing(repo):
            try:
                commit = repo.head.commit.hexsha
            except ValueError:  # no commits yet
                return {"commit": None, "dirty": True}
            rel = _relative_in_repo(repo, self.root)
            dirty = repo.is_dirty(untracked_files=True, path=rel or None)
        return {"commit": commit, "dirty": bool(dirty)}
