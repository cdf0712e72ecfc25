"""Where the registry's files come from: the working tree, or any git ref.

A git ref is read straight from the object database through gitpython (no checkout, no temp
clone). Every stage after this one is the same for both sources. gitpython is imported only
when a ref is asked for.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

from registry.errors import RegistryError

MARKERS = ("registry.yaml", "environments")


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

    def list(self, folder: str) -> list[str]:
        """Registry-relative POSIX paths of the files under `folder`, sorted."""
        base = self.root / folder
        if not base.is_dir():
            return []
        out: list[str] = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel = Path(dirpath).relative_to(self.root).as_posix()
            out.extend(f"{rel}/{f}" for f in filenames if not f.startswith("."))
        return sorted(out)

    def read(self, rel: str) -> bytes | None:
        """Bytes of a registry file, None when absent. Raises Escape for a path outside."""
        path = self.root / rel
        if not path.exists() and not path.is_symlink():
            return None
        real = path.resolve()
        if real != self._real and self._real not in real.parents:
            raise Escape(rel)
        if not real.is_file():
            return None
        return real.read_bytes()

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def describe(self) -> dict[str, Any]:
        """Commit and dirty flag of the working tree, when it is inside a git repository."""
        try:
            repo = open_repo(self.root)
        except RegistryError:
            return {"commit": None, "dirty": False}
        try:
            commit = repo.head.commit.hexsha
        except ValueError:  # no commits yet
            return {"commit": None, "dirty": True}
        rel = _relative_in_repo(repo, self.root)
        dirty = repo.is_dirty(untracked_files=True, path=rel or None)
        return {"commit": commit, "dirty": bool(dirty)}


class GitRef:
    """Files of the registry at a git ref, read from the object database."""

    def __init__(self, root: Path, ref: str, repo: Any = None, commit: Any = None) -> None:
        self.root = root
        self.ref = ref
        self.repo = repo if repo is not None else open_repo(root)
        self.commit = commit if commit is not None else resolve_ref(self.repo, ref)
        prefix = _relative_in_repo(self.repo, root)
        self.tree = self.commit.tree
        if prefix:
            try:
                self.tree = self.tree / prefix
            except KeyError:
                raise RegistryError(
                    f"the registry folder {prefix!r} does not exist at {ref}"
                ) from None

    def _obj(self, rel: str) -> Any:
        try:
            return self.tree / rel
        except KeyError:
            return None

    def list(self, folder: str) -> list[str]:
        obj = self._obj(folder)
        if obj is None or obj.type != "tree":
            return []
        out = []
        for item in obj.traverse():
            if item.type == "blob" and not PurePosixPath(item.path).name.startswith("."):
                rel = PurePosixPath(item.path).relative_to(PurePosixPath(self.tree.path or "."))
                out.append(str(rel) if self.tree.path else item.path)
        return sorted(out)

    def read(self, rel: str) -> bytes | None:
        obj = self._obj(rel)
        if obj is None or obj.type != "blob":
            return None
        if obj.mode == 0o120000:  # a symlink stored in git: its target must stay inside
            target = PurePosixPath(rel).parent / obj.data_stream.read().decode("utf-8", "replace")
            if target.is_absolute() or ".." in _normalize(target).parts:
                raise Escape(rel)
            return self.read(str(_normalize(target)))
        data: bytes = obj.data_stream.read()
        return data

    def exists(self, rel: str) -> bool:
        return self._obj(rel) is not None

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
