"""A git ref as a source, read straight from the object database through gitpython (no
checkout, no temp clone; gitpython is imported only when a ref is asked for), and the git
helpers the history walks share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from registry.common.errors import RegistryError
from registry.load.access import LINK_TO_FOLDER, Escape, Special, folder_error

MAX_LINKS = 40  # symbolic links followed in a row before it counts as a loop (as Linux does)


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
        self.specials: dict[str, Special] = {}
        self.folders: set[str] = set()
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
            self.folders.add(path)
            for mode, name, child in self._entries(hexsha):
                if name.startswith("."):
                    continue
                kind = mode & 0o170000
                if kind == 0o040000:
                    stack.append((f"{path}/{name}", child))
                elif kind == 0o160000:
                    rel = f"{path}/{name}"
                    self.specials[rel] = Special(rel, "SCHEMA001", "is a git submodule")
                elif kind == 0o120000 and self._link_to_folder(f"{path}/{name}"):
                    rel = f"{path}/{name}"
                    self.specials[rel] = Special(rel, "REF003", LINK_TO_FOLDER)
                else:
                    out.append(f"{path}/{name}")  # a file, or a link `read` follows or refuses
        return sorted(out)

    def read(self, rel: str) -> bytes | None:
        """Bytes of a registry file at this commit; None when absent. A symbolic link stored
        in git is followed inside the registry only (Escape), and never to a folder, to
        nothing or round a loop (Special)."""
        path = rel
        for _hop in range(MAX_LINKS):
            found = self._resolve(path)
            if found is None:
                if path == rel:
                    return None
                raise Special(rel, "REF003", "is a symbolic link to nothing")
            if found[1] == "tree":
                raise Special(rel, "REF003", LINK_TO_FOLDER) if path != rel else folder_error(rel)
            if found[1] != "blob":
                raise Special(rel, "SCHEMA001", "is a git submodule")
            data = self._data(found[0])
            if self._mode(path) != 0o120000:
                return data
            # a symlink stored in git: its target must stay inside
            target = _normalize(PurePosixPath(path).parent / data.decode("utf-8", "replace"))
            if target.is_absolute() or ".." in target.parts:
                raise Escape(rel)
            path = str(target)
        raise Special(rel, "REF003", "is a symbolic link in a loop")

    def _link_to_folder(self, rel: str) -> bool:
        """A symbolic link stored in git that leads to a folder (never entered)."""
        try:
            self.read(rel)
        except Special as special:
            return special.why == LINK_TO_FOLDER
        except Escape:
            return False
        return False

    def _mode(self, rel: str) -> int:
        parent = str(PurePosixPath(rel).parent)
        where = self._resolve("" if parent == "." else parent)
        name = PurePosixPath(rel).name
        return next((m for m, n, _ in self._entries(where[0]) if n == name), 0) if where else 0

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
        # git itself reads the ref (every form it accepts: @{-1}, HEAD@{2}, :/message, A^2...),
        # after --end-of-options so it can never be an option; then ^{commit} peels a tag and
        # refuses a tree or a blob.
        sha = repo.git.rev_parse("--verify", "--quiet", "--end-of-options", ref).strip()
        sha = repo.git.rev_parse("--verify", "--quiet", f"{sha}^{{commit}}").strip()
        commit = repo.commit(sha)
        commit.tree  # noqa: B018 - in a shallow clone the object may be missing
        return commit
    except (BadName, BadObject, ValueError, IndexError, git.GitCommandError):
        hint = ""
        if repo.git.rev_parse("--is-shallow-repository").strip() == "true":
            hint = " (shallow clone: fetch more history, e.g. actions/checkout fetch-depth: 0)"
        raise RegistryError(f"unknown git ref: {ref}{hint}") from None


def _relative_in_repo(repo: Any, root: Path) -> str:
    top = Path(repo.working_tree_dir).resolve()
    rel = root.resolve().relative_to(top).as_posix()
    return "" if rel == "." else rel
