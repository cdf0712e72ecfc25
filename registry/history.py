"""History: a unit's fingerprint through git history (`registry log`), and since when a
parity pair has drifted (shown by `check`/`report`).

Walks the first-parent history of HEAD, visiting only commits that touched files a unit can
depend on (the environment layers, the prompt's folder, partials, registry.yaml), and loads
each file version once (parsed documents are cached by content).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from registry.repo import Registry
from registry.source import GitRef, _relative_in_repo, open_repo

SEP = "\x1f"  # between fields of a commit
RS = "\x1e"  # before each commit


@dataclasses.dataclass
class Change:
    commit: str
    date: dt.datetime
    author: str
    subject: str
    fingerprint: str | None  # None: not bound at that commit
    files: list[str]


def _commits(root: Path, repo: Any, pid: str, limit: int | None) -> Iterator[tuple[str, ...]]:
    """(sha, iso date, author, subject, files…) newest first, for commits touching the unit."""
    prefix = _relative_in_repo(repo, root)
    base = f"{prefix}/" if prefix else ""
    paths = [
        f"{base}environments",
        f"{base}prompts/{pid}",
        f"{base}prompts/_partials",
        f"{base}registry.yaml",
    ]
    args = ["--first-parent", f"--format={RS}%H{SEP}%aI{SEP}%an{SEP}%s", "--name-only"]
    if limit:
        args.append(f"-n{limit}")
    try:
        out = repo.git.log(*args, "HEAD", "--", *paths)
    except Exception:  # noqa: BLE001 - an empty repository has no HEAD: no history
        return
    for record in out.split(RS):
        if not record.strip():
            continue
        head, _, names = record.partition("\n")
        sha, date, author, subject = head.split(SEP, 3)
        files = [
            n[len(base) :] if base and n.startswith(base) else n
            for n in names.splitlines()
            if n.strip()
        ]
        yield (sha, date, author, subject, *files)


class _Walker:
    """Resolve one prompt at many commits, sharing parsed files between them."""

    def __init__(self, root: Path, pid: str) -> None:
        self.root = root
        self.pid = pid
        self.repo = open_repo(root)
        self.cache: dict[Any, Any] = {}
        self.objects: dict[Any, Any] = {}
        self.deps: set[str] = set()

    def fingerprints(self, sha: str, envs: list[str]) -> dict[str, str | None]:
        source = GitRef(
            self.root, sha, repo=self.repo, commit=self.repo.commit(sha), objects=self.objects
        )
        reg = Registry(self.root, source, only_prompts={self.pid}, cache=self.cache)
        out: dict[str, str | None] = {}
        self.deps = {"registry.yaml"} | {p.file for p in reg.partials.values()}
        for env in envs:
            if env not in reg.environments:
                out[env] = None
                continue
            resolved = reg.resolve(env)
            unit = resolved.prompts.get(self.pid)
            out[env] = unit.fingerprint if unit else None
            self.deps.update(doc.file for doc in resolved.chain)
            if unit is not None:
                self.deps.add(f"prompts/{self.pid}/v{unit.version}.yaml")
        return out


def log(root: Path, pid: str, env: str, limit: int | None = None) -> list[Change]:
    """Commits where the unit's fingerprint changed in `env`, oldest first."""
    walker = _Walker(root, pid)
    commits = list(_commits(root, walker.repo, pid, limit))
    changes: list[Change] = []
    previous: str | None = None
    for sha, date, author, subject, *files in reversed(commits):
        fp = walker.fingerprints(sha, [env])[env]
        if fp != previous:
            moved = [f for f in files if f in walker.deps] or files
            changes.append(Change(sha, dt.datetime.fromisoformat(date), author, subject, fp, moved))
            previous = fp
    return changes


def drift_since(
    root: Path, pids: list[str], a: str, b: str, limit: int = 200
) -> dict[str, Change | None]:
    """Per unit: the oldest commit of the unbroken run, back from HEAD, in which `a` and `b`
    differ — when the drift began. None when HEAD has no drift for it (the working tree drifted
    but nothing is committed yet); empty outside git."""
    try:
        walker = _Walker(root, "")
    except Exception:  # noqa: BLE001 - not a git repository: no history to tell
        return {}
    out: dict[str, Change | None] = {}
    for pid in pids:
        walker.pid = pid
        since: Change | None = None
        for sha, date, author, subject, *files in _commits(root, walker.repo, pid, limit):
            fps = walker.fingerprints(sha, [a, b])
            if fps[a] == fps[b]:
                break
            since = Change(sha, dt.datetime.fromisoformat(date), author, subject, fps[b], files)
        out[pid] = since
    return out
