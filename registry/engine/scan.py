"""The working tree's stat signatures: what changed since the last run, without reading files
whose signature did not move (and hashing the ones that did, so a touch is no change)."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

from registry.check.rules.base import scope_of

RACY_NS = 2_000_000_000  # a file changed this close to a scan is re-hashed next time
Stat = tuple[int, int, int]


Files = dict[str, list[Any]]  # rel -> [size, mtime_ns, inode, sha256]


# -- the tree ----------------------------------------------------------------------------------
def scan(
    root: Path, known: dict[str, list[Any]] | None = None, racy_from: int = 0
) -> tuple[dict[str, Stat], dict[str, list[Any]]] | None:
    """Stat signature of every file a registry run reads, by registry-relative path (the same
    files `WorkTree.list` sees), and the folders' listings. A folder whose own stat has not moved
    since `known` was taken has the same entries, so only its files are stat'ed. None when a
    symlink is involved: those always run in full."""
    files: dict[str, Stat] = {}
    folders: dict[str, list[Any]] = {}
    try:
        fd = os.open(root, os.O_RDONLY)
    except OSError:
        return None
    try:
        for rel in ("registry.yaml", "waivers.yaml"):
            try:
                st = os.lstat(rel, dir_fd=fd)
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(st.st_mode):
                return None
            files[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
        pending = ["environments", "prompts"]
        while pending:
            rel = pending.pop()
            if not _folder(fd, rel, files, folders, known or {}, racy_from, pending):
                return None
    except OSError:
        return None
    finally:
        os.close(fd)
    return files, folders


def _folder(
    fd: int,
    rel: str,
    files: dict[str, Stat],
    folders: dict[str, list[Any]],
    known: dict[str, list[Any]],
    racy_from: int,
    pending: list[str],
) -> bool:
    """One folder: its files' signatures, its listing; subfolders go to `pending`."""
    lstat = os.lstat
    try:
        st = lstat(rel, dir_fd=fd)
    except FileNotFoundError:
        return True
    if not stat.S_ISDIR(st.st_mode):
        return False
    prev = known.get(rel)
    if (
        prev is not None
        and prev[0] == st.st_mtime_ns
        and prev[1] == st.st_ino
        and prev[0] < racy_from
    ):
        names, subdirs = prev[2], prev[3]
        for name in names:  # the listing has not changed: stat the files only
            path = f"{rel}/{name}"
            fst = lstat(path, dir_fd=fd)
            if stat.S_ISLNK(fst.st_mode) or stat.S_ISDIR(fst.st_mode):
                return False
            files[path] = (fst.st_size, fst.st_mtime_ns, fst.st_ino)
    else:
        names, subdirs = [], []
        dfd = os.open(rel, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        try:
            with os.scandir(dfd) as entries:  # entries stat relative to dfd
                for entry in entries:
                    name = entry.name
                    if name.startswith("."):
                        continue
                    if entry.is_symlink():
                        return False
                    if entry.is_dir(follow_symlinks=False):
                        subdirs.append(name)
                    else:
                        fst = entry.stat(follow_symlinks=False)
                        if not stat.S_ISREG(fst.st_mode):
                            return False  # a FIFO or a device: the full run reports it
                        names.append(name)
                        files[f"{rel}/{name}"] = (fst.st_size, fst.st_mtime_ns, fst.st_ino)
        finally:
            os.close(dfd)
    folders[rel] = [st.st_mtime_ns, st.st_ino, names, subdirs]
    pending.extend(f"{rel}/{d}" for d in subdirs)
    return True


def layout_moved(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether a folder appeared or went away other than a prompt's own folder or one inside
    it (those are that prompt's business: its re-check sees them)."""
    return any(
        scope_of(rel) is None and not (rel.count("/") == 1 and rel.startswith("prompts/"))
        for rel in set(before) ^ set(after)
    )


def _digest(root: Path, rel: str) -> str | None:
    try:
        return hashlib.sha256((root / rel).read_bytes()).hexdigest()
    except OSError:
        return None


def changed_since(root: Path, stats: dict[str, Stat], old: dict[str, Any]) -> set[str] | None:
    """Paths added, removed or with other bytes since the snapshot (None: cannot tell)."""
    files: Files = old["files"]
    racy_from = old["scanned_at"] - RACY_NS
    changed = set(files) - set(stats)
    for rel, st in stats.items():
        before = files.get(rel)
        if before is None or _moved(root, rel, st, before, racy_from):
            changed.add(rel)
    return changed


def _moved(root: Path, rel: str, st: Stat, before: list[Any], racy_from: int) -> bool:
    """Whether a known file's bytes changed: only a moved (or racy) stat is hashed; a file no
    run reads (hash None) changes only by appearing or going away."""
    if tuple(before[:3]) == st and st[1] < racy_from:
        return False
    return before[3] is not None and _digest(root, rel) != before[3]


def signatures(
    stats: dict[str, Stat], old: dict[str, Any] | None, changed: set[str], read: dict[str, str]
) -> Files:
    """Signatures for the new snapshot: the stat seen before the run, with the hash of the bytes
    the run read (or, for a file it did not read, of the bytes the old snapshot's material
    came from; None for a file no run reads, whose presence alone matters)."""
    before: Files = old["files"] if old is not None else {}
    out: Files = {}
    for rel, st in stats.items():
        prev = before.get(rel)
        if rel in read:
            digest = read[rel]
        elif prev is not None and rel not in changed:
            digest = prev[3]
        else:
            digest = None
        out[rel] = [*st, digest]
    return out


def _git(root: Path, *args: str) -> str | None:
    """git's output in the registry folder, or None when it fails (or there is no git)."""
    try:
        out = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def head_commit(root: Path) -> str | None:
    out = _git(root, "rev-parse", "-q", "--verify", "HEAD")
    return out.strip() or None if out is not None else None


def carried_since(root: Path, old: str, new: str, memo: dict[Any, Any]) -> dict[Any, Any]:
    """The "since when" answers of a walk made at commit `old` that still hold at `new`.
    Walking back from `new`, the commits after `old` that touch none of a unit's files are
    passed over, and from `old` on the walk is the one made before: when `old` is on the
    first-parent line of `new`, an answer holds unless a commit in between touched a file the
    unit resolves from (a shared file: none hold; its prompt folder: its own do not). When
    `old` is not on that line (a rebase, an amend, a reset), or a merge names no files, none
    hold: they are walked again."""
    from registry.resolve.registry import shared_file

    commits = _first_parent_since(root, old, new)
    if commits is None:
        return {}
    folders: set[str] = set()
    for parents, files in commits:
        if len(parents) > 1 and not files:
            return {}  # a merge whose files this git does not name: cannot tell
        for rel in files:
            if shared_file(rel):
                return {}
            pid = scope_of(rel)
            if pid is not None:
                folders.add(pid)
    return {key: change for key, change in memo.items() if key[2] not in folders}


def _first_parent_since(root: Path, old: str, new: str) -> list[tuple[list[str], list[str]]] | None:
    """(parents, registry-relative files) of each commit on the first-parent line of `new`
    after `old`, newest first; None when `old` is not on that line, or git cannot tell."""
    args = ["--first-parent", "--relative", "--name-only", "--format=\x1e%H %P"]
    out = _git(root, "log", *args, f"{old}..{new}", "--")
    if out is None:
        return None
    commits: list[tuple[list[str], list[str]]] = []
    for record in out.split("\x1e")[1:]:
        head, *files = record.strip("\n").split("\n")
        parents = head.split()[1:]
        commits.append((parents, [f for f in files if f.strip()]))
    if not commits or commits[-1][0][:1] != [old]:
        return None  # `old` is not the first parent of the oldest commit after it
    return commits
