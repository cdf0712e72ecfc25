"""Where the registry's files come from: the working tree, or any git ref.

A git ref is read straight from the object database through gitpython (no checkout, no temp
clone). Every stage after this one is the same for both sources. gitpython is imported only
when a ref is asked for.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from registry.errors import RegistryError

MARKERS = ("registry.yaml", "environments")
# A file swapped for a symlink fails to open; one swapped for a FIFO does not block the open.
_OPEN_FLAGS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def find_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The nearest folder upward from `start` holding registry.yaml or environments/."""
    here = Path(start or os.getcwd()).resolve()
    if not here.is_dir():
        raise RegistryError(f"not a directory: {here}")
    for folder in (here, *here.parents):
        if (folder / "registry.yaml").is_file() or (folder / "environments").is_dir():
            return folder
    raise RegistryError(
        f"no registry found in {here} or any parent (looked for registry.yaml or environments/)"
    )


class Escape(Exception):
    """A path that resolves outside the registry (REF003)."""


class WorkTree:
    """Files of the registry as they are on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._real = root.resolve()
        self.ref: str | None = None
        self.digests: dict[str, str] | None = None  # set to a dict to record what was read
        self._plain: set[str] = set()  # listed regular files with no symlink on their way

    def list(self, folder: str) -> list[str]:
        """Registry-relative POSIX paths of the files under `folder`, sorted (dot-names and
        symlinked folders are not entered). Regular files reached through real folders only are
        remembered, so reading them needs no symlink check."""
        base = self.root / folder
        if not base.is_dir():
            return []
        out: list[str] = []
        parts = PurePosixPath(folder).parts
        plain = not any(self.root.joinpath(*parts[: i + 1]).is_symlink() for i in range(len(parts)))
        stack = [folder]
        while stack:
            rel = stack.pop()
            with os.scandir(self.root / rel) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    path = f"{rel}/{entry.name}"
                    if not entry.is_dir():
                        out.append(path)
                        if plain and entry.is_file(follow_symlinks=False):
                            self._plain.add(path)
                    elif not entry.is_symlink():
                        stack.append(path)
        return sorted(out)

    def read(self, rel: str) -> bytes | None:
        """Bytes of a registry file, None when absent. Raises Escape for a path outside."""
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
        path = self.root / rel
        if not path.exists() and not path.is_symlink():
            return None
        real = path.resolve()
        if real != self._real and self._real not in real.parents:
            raise Escape(rel)
        if not real.is_file():
            return None
        return self._record(rel, real.read_bytes())

    def _record(self, rel: str, data: bytes) -> bytes:
        if self.digests is not None:
            import hashlib

            self.digests[rel] = hashlib.sha256(data).hexdigest()
        return data

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def describe(self) -> dict[str, Any]:
        """Commit and dirty flag of the working tree, when it is inside a git repository."""
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


SMALL_TREE = 16 * 1024  # bytes of a tree object worth parsing for lookups (about 300 entries)


class GitRef:
    """Files of the registry at a git ref, read from the object database.

    Paths are resolved by git itself (`cat-file --batch-check` on `<commit>:<path>`, one
    persistent process) and trees and blobs are cached by object id, optionally across refs
    (`objects`), so walking thousands of commits parses each distinct directory once.
    """

    def __init__(
        self,
        root: Path,
        ref: str,
        repo: Any = None,
        commit: Any = None,
        objects: dict[Any, Any] | None = None,
        known: tuple[dict[str, Any], dict[str, int]] | None = None,
    ) -> None:
        """`known`: paths already resolved at this commit, and tree sizes (a history walk
        carries those no commit in between touched; see `carry`)."""
        self.root = root
        self.ref = ref
        self.repo = repo if repo is not None else open_repo(root)
        self.commit = commit if commit is not None else resolve_ref(self.repo, ref)
        prefix = _relative_in_repo(self.repo, root)
        self.prefix = f"{prefix}/" if prefix else ""
        self.objects = objects if objects is not None else {}
        self._paths: dict[str, tuple[str, str] | None] = dict(known[0]) if known else {}
        self._sizes: dict[str, int] = dict(known[1]) if known else {}  # trees asked of git
        if prefix and self._resolve("") is None:
            raise RegistryError(f"the registry folder {prefix!r} does not exist at {ref}")

    def _resolve(self, rel: str) -> tuple[str, str] | None:
        """(object id, type) of a registry path at this commit, None when absent.

        A path in a small folder is looked up in that folder's tree, parsed once and cached
        by object id (commits that share the folder share the lookup); a top-level path, or
        one in a large folder (`prompts/` with thousands of entries), is asked of git itself
        (`<commit>:<path>`). Like git, symlinks on the way are not followed."""
        if rel not in self._paths:
            parent, _, name = rel.rpartition("/")
            above = self._resolve(parent) if parent else None
            if not parent or self._sizes.get(parent, 0) > SMALL_TREE:
                self._paths[rel] = self._header(rel) if above or not parent else None
            else:
                entry = self._names(above[0]).get(name) if above and above[1] == "tree" else None
                if entry is None:
                    self._paths[rel] = None
                else:
                    mode, child = entry
                    kind = {0o040000: "tree", 0o160000: "commit"}.get(mode & 0o170000, "blob")
                    self._paths[rel] = (child, kind)
        return self._paths[rel]

    def carry(self, keep: Callable[[str], bool]) -> tuple[dict[str, Any], dict[str, int]]:
        """The resolved paths (and tree sizes) `keep` says are the same at another commit."""
        return (
            {rel: v for rel, v in self._paths.items() if keep(rel)},
            {rel: v for rel, v in self._sizes.items() if keep(rel)},
        )

    def _header(self, rel: str) -> tuple[str, str] | None:
        spec = f"{self.commit.hexsha}:{self.prefix}{rel}".rstrip("/")
        try:
            hexsha, kind, size = self.repo.git.get_object_header(spec)
        except ValueError:
            return None
        self._sizes[rel] = int(size)
        return (
            hexsha.decode() if isinstance(hexsha, bytes) else hexsha,
            kind.decode() if isinstance(kind, bytes) else kind,
        )

    def _names(self, hexsha: str) -> dict[str, tuple[int, str]]:
        key = ("names", hexsha)
        if key not in self.objects:
            self.objects[key] = {name: (mode, child) for mode, name, child in self._entries(hexsha)}
        names: dict[str, tuple[int, str]] = self.objects[key]
        return names

    def _data(self, hexsha: str) -> bytes:
        key = ("blob", hexsha)
        if key not in self.objects:
            self.objects[key] = self.repo.git.get_object_data(hexsha)[3]
        data: bytes = self.objects[key]
        return data

    def _entries(self, hexsha: str) -> list[tuple[int, str, str]]:
        """(mode, name, object id) of a tree's entries."""
        from git.objects.fun import tree_entries_from_data

        key = ("tree", hexsha)
        if key not in self.objects:
            self.objects[key] = [
                (mode, name, binsha.hex())
                for binsha, mode, name in tree_entries_from_data(self._data(hexsha))
            ]
        entries: list[tuple[int, str, str]] = self.objects[key]
        return entries

    def list(self, folder: str) -> list[str]:
        found = self._resolve(folder)
        if found is None or found[1] != "tree":
            return []
        out: list[str] = []
        stack = [(folder, found[0])]
        while stack:
            path, hexsha = stack.pop()
            for mode, name, child in self._entries(hexsha):
                if name.startswith("."):
                    continue
                if mode & 0o170000 == 0o040000:
                    stack.append((f"{path}/{name}", child))
                else:
                    out.append(f"{path}/{name}")
        return sorted(out)

    def read(self, rel: str) -> bytes | None:
        found = self._resolve(rel)
        if found is None or found[1] != "blob":
            return None
        parent = str(PurePosixPath(rel).parent)
        where = self._resolve("" if parent == "." else parent)
        name = PurePosixPath(rel).name
        mode = next((m for m, n, _ in self._entries(where[0]) if n == name), 0) if where else 0
        data = self._data(found[0])
        if mode == 0o120000:  # a symlink stored in git: its target must stay inside
            target = _normalize(PurePosixPath(rel).parent / data.decode("utf-8", "replace"))
            if target.is_absolute() or ".." in target.parts:
                raise Escape(rel)
            return self.read(str(target))
        return data

    def exists(self, rel: str) -> bool:
        return self._resolve(rel) is not None

    def describe(self) -> dict[str, Any]:
        return {"commit": self.commit.hexsha, "dirty": False}


def _normalize(p: PurePosixPath) -> PurePosixPath:
    parts: list[str] = []
    for part in p.parts:
        if part == "..":
            if not parts:
                return PurePosixPath("..", *p.parts)
            parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts)


def open_repo(root: Path) -> Any:
    """The git repository holding `root` (gitpython, imported here and only here)."""
    import git

    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise RegistryError(f"{root} is not inside a git repository") from None


def resolve_ref(repo: Any, ref: str) -> Any:
    """The commit a user-given ref names. A ref is never passed to git as an option."""
    import git
    from gitdb.exc import BadName, BadObject

    if not ref or ref.startswith("-") or any(c in ref for c in "\x00\n\r "):
        raise RegistryError(f"not a valid git ref: {ref!r}")
    try:
        commit = repo.commit(ref)
        commit.tree  # noqa: B018 - in a shallow clone the object may be missing
        return commit
    except (BadName, BadObject, ValueError, git.GitCommandError):
        hint = ""
        if repo.git.rev_parse("--is-shallow-repository").strip() == "true":
            hint = " (shallow clone: fetch more history, e.g. actions/checkout fetch-depth: 0)"
        raise RegistryError(f"unknown git ref: {ref}{hint}") from None


def _relative_in_repo(repo: Any, root: Path) -> str:
    top = Path(repo.working_tree_dir).resolve()
    rel = root.resolve().relative_to(top).as_posix()
    return "" if rel == "." else rel


def open_source(root: Path, ref: str | None = None) -> WorkTree | GitRef:
    return WorkTree(root) if ref is None else GitRef(root, ref)
