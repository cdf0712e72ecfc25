"""Where the registry's files come from: the working tree, or any git ref.

A git ref is read straight from the object database through gitpython (no checkout, no temp
clone). Every stage after this one is the same for both sources. gitpython is imported only
when a ref is asked for.
"""

from __future__ import annotations

import os
from pathlib import Path

from registry.common.errors import RegistryError
from registry.load.gitref import GitRef
from registry.load.worktree import WorkTree

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


def repo_top(root: Path) -> Path | None:
    """The top of the git work tree holding `root` (found by its `.git`, without git)."""
    here = Path(os.path.realpath(root))
    for folder in (here, *here.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return None


def repo_prefix(root: Path) -> str:
    """`root` relative to its git work tree's top, as a path prefix (`llm/`; "" at the top or
    outside git): paths in GitHub annotations and SARIF must name files of the repository."""
    top = repo_top(root)
    if top is None:
        return ""
    rel = Path(os.path.realpath(root)).relative_to(top).as_posix()
    return "" if rel == "." else rel + "/"


def open_source(root: Path, ref: str | None = None) -> WorkTree | GitRef:
    return WorkTree(root) if ref is None else GitRef(root, ref)
