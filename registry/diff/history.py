"""History: a unit's fingerprint through git history (`registry log`), and since when a
parity pair has drifted (shown by `check`/`report`).

Walks the first-parent history of HEAD, visiting only commits that touched files a unit can
depend on (the environment layers, the prompt's folder, partials, registry.yaml), and loads
each file version once (parsed documents are cached by content).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from registry.common import progress
from registry.load.gitref import GitRef, _relative_in_repo, open_repo
from registry.resolve.registry import SHARED, Registry, shared_file

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
    # "since when" walks: the search stopped after this many commits with the drift still
    # there, so it began at this commit or before (None: it began here)
    searched: int | None = None


def _commits(
    root: Path, repo: Any, pid: str | list[str], limit: int | None
) -> Generator[tuple[str, ...], None, None]:
    """(sha, iso date, author, subject, files…) newest first, for commits touching the unit
    (or any of several units)."""
    prefix = _relative_in_repo(repo, root)
    base = f"{prefix}/" if prefix else ""
    pids = [pid] if isinstance(pid, str) else pid
    # git matches one prompt folder quickly, but slows down sharply with each more (10 folders
    # took 15x as long as 1 at 10,000 prompts); the whole log is cheaper then, and filtered here.
    paths = [f"{base}{p}" for p in SHARED] + [f"{base}prompts/{p}" for p in pids]
    if len(pids) > 1:
        paths = [base.rstrip("/")] if base else []
    args = ["--first-parent", f"--format={RS}%H{SEP}%aI{SEP}%an{SEP}%s", "--name-only"]
    if limit:
        args.append(f"-n{limit}")
    try:
        repo.head.commit  # noqa: B018 - an empty repository has no HEAD: no history
    except ValueError:
        return
    # Streamed: a walk that stops early (drift_since) does not wait for all of history.
    # gitpython ends the process when `handle` is collected: it lives as long as the walk.
    handle = repo.git.log(*args, "HEAD", "--", *paths, as_process=True)
    proc = handle.proc
    try:
        record: list[str] = []
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith(RS):
                if record:
                    yield _record(record, base)
                record = [line[1:]]
            elif line.strip() and record:
                record.append(line)
        if record:
            yield _record(record, base)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()


def _record(lines: list[str], base: str) -> tuple[str, ...]:
    """One commit, its files relative to the registry folder (files outside it dropped)."""
    sha, date, author, subject = lines[0].split(SEP, 3)
    files = [n[len(base) :] for n in lines[1:] if n.startswith(base)]
    return (sha, date, author, subject, *files)


class _Walker:
    """Resolve one prompt at many commits, sharing parsed files between them."""

    def __init__(self, root: Path, pid: str) -> None:
        self.root = root
        self.pid = pid
        self.repo = open_repo(root)
        self.cache: dict[Any, Any] = {}
        self.objects: dict[Any, Any] = {}
        self.deps: set[str] = set()
        self.source: GitRef | None = None  # the commit asked last
        self.limited: tuple[str, ...] = ()  # the paths the walk follows (see `_unmoved`)
        # the layer files the environments asked last resolved from; None when a chain was
        # cut short (a missing or broken layer), so no other layer can be ruled out
        self.layers: set[str] | None = None

    def fingerprints(
        self, sha: str, envs: list[str], moved: set[str] | None = None
    ) -> dict[str, str | None]:
        return self.fingerprints_of(sha, envs, [self.pid], moved)[self.pid]

    def fingerprints_of(
        self, sha: str, envs: list[str], pids: list[str], moved: set[str] | None = None
    ) -> dict[str, dict[str, str | None]]:
        """prompt -> env -> unit fingerprint at commit `sha` (None: not bound there).
        `moved`: every file the walk follows that changed between `sha` and the commit asked
        before it, when the walk knows them all (from git log's file lists); resolved paths
        the walk follows and no moved file touches are carried from that commit."""
        from git import Commit

        known = None
        if moved is not None and self.source is not None:
            known = self.source.carry(lambda rel: _unmoved(rel, moved, self.limited))
        source = GitRef(
            self.root,
            sha,
            repo=self.repo,
            commit=Commit(self.repo, bytes.fromhex(sha)),  # a full id from git log: no lookup
            objects=self.objects,
            known=known,
        )
        self.source = source
        reg = Registry(self.root, source, only_prompts=set(pids), cache=self.cache)
        out: dict[str, dict[str, str | None]] = {pid: {} for pid in pids}
        self.deps = {"registry.yaml"} | {p.file for p in reg.partials.values()}
        layers: set[str] | None = set()
        for env in envs:
            resolved = reg.resolve(env) if env in reg.environments else None
            if resolved is not None:
                self.deps.update(doc.file for doc in resolved.chain)
            if resolved is None or not resolved.chain_ok:
                layers = None
            elif layers is not None:
                layers.update(doc.file for doc in resolved.chain)
            for pid in pids:
                unit = resolved.prompts.get(pid) if resolved is not None else None
                out[pid][env] = unit.fingerprint if unit else None
                if unit is not None:
                    self.deps.add(f"prompts/{pid}/v{unit.version}.yaml")
        self.layers = layers
        return out


def _more(moved: set[str] | None, files: list[str]) -> set[str] | None:
    """`moved` plus a listed commit's files; None (nothing carried) once a commit lists none
    (a merge, whose files an older git does not name)."""
    return None if moved is None or not files else moved | set(files)


def _carried(moved: set[str] | None, layers: set[str] | None, pids: list[str]) -> bool:
    """True when no moved file is one the units of `pids` resolve from: the layers of the
    compared environments' chains (`layers`, complete), the other shared paths (registry.yaml,
    partials) and the prompts' own folders. Other environments' layers, other prompts' folders
    and files outside the registry's layout change nothing they resolve to."""
    if moved is None or layers is None:
        return False
    own = set(pids)
    for f in moved:
        if f.startswith("environments/"):
            if f in layers:
                return False
        elif shared_file(f):
            return False
        elif f.startswith("prompts/"):
            parts = f.split("/")
            if len(parts) < 3 or parts[1] in own:
                return False
    return True


def _unmoved(rel: str, moved: set[str], limited: tuple[str, ...]) -> bool:
    """True when `rel` lies inside the paths the walk follows (whose every change git log
    lists) and no moved file is it, under it or above it: it resolves to the same object."""
    if not any(rel == p or rel.startswith(p + "/") for p in limited):
        return False
    return not any(f == rel or f.startswith(rel + "/") or rel.startswith(f + "/") for f in moved)


def log(root: Path, pid: str, env: str, limit: int | None = None) -> list[Change]:
    """Commits where the unit's fingerprint changed in `env`, oldest first."""
    walker = _Walker(root, pid)
    with contextlib.closing(walker.repo):  # its git processes end with the walk
        progress.stage(f"reading the history of {pid}")
        commits = list(_commits(root, walker.repo, pid, limit))
        progress.stage(f"resolving {pid} in {env} at each commit", len(commits))
        walker.limited = (*SHARED, f"prompts/{pid}")
        changes: list[Change] = []
        previous: str | None = None
        first = True
        for sha, date, author, subject, *files in reversed(commits):
            progress.advance()
            # oldest first: what moved since the commit before is this commit's own change
            fp = walker.fingerprints(sha, [env], None if first else _more(set(), files))[env]
            first = False
            if fp != previous:
                moved = [f for f in files if f in walker.deps] or files
                when = dt.datetime.fromisoformat(date)
                changes.append(Change(sha, when, author, subject, fp, moved))
                previous = fp
    return changes


def drift_since(
    root: Path,
    pids: list[str],
    a: str,
    b: str,
    limit: int = 200,
    known: dict[Any, Any] | None = None,
) -> dict[str, Change | None]:
    """Per unit: the oldest commit of the unbroken run, back from HEAD, in which `a` and `b`
    differ — when the drift began. None when HEAD has no drift for it (the working tree drifted
    but nothing is committed yet); empty outside git. One pair of `drift_since_pairs`."""
    found = drift_since_pairs(root, {(a, b): pids}, limit, known)
    return found.get((a, b), {}) if found else {}


Pair = tuple[str, str]


def drift_since_pairs(
    root: Path,
    wanted: dict[Pair, list[str]],
    limit: int = 200,
    known: dict[Any, Any] | None = None,
) -> dict[Pair, dict[str, Change | None]]:
    """`drift_since` for several parity pairs in one walk: each commit is loaded once, for
    the units it touches (the files a unit depends on), with every environment the pending
    pairs compare resolved once; a (pair, unit) leaves the walk when its drift began or after
    `limit` commits of its own. `known`: analyses already at hand, keyed by content (see
    `Registry.shared_analyses`). Empty outside git."""
    try:
        walker = _Walker(root, "")
    except Exception:  # noqa: BLE001 - not a git repository: no history to tell
        return {}
    walker.cache.update(known or {})
    since: dict[Pair, dict[str, Change | None]] = {
        pair: dict.fromkeys(pids) for pair, pids in wanted.items()
    }
    pending = [(pair, pid) for pair, pids in wanted.items() for pid in pids]
    pids = sorted({pid for _pair, pid in pending})
    commits = contextlib.closing(_commits(root, walker.repo, pids, None))
    with contextlib.closing(walker.repo), commits as walk:
        _walk_since(walker, walk, limit, since, pending)
    return since


def _walk_since(
    walker: _Walker,
    walk: Iterator[tuple[str, ...]],
    limit: int,
    since: dict[Pair, dict[str, Change | None]],
    pending: list[tuple[Pair, str]],
) -> None:
    names = ", ".join(f"{a} and {b}" for a, b in since)
    progress.stage(f"looking back through history for when {names} began to differ")
    seen = dict.fromkeys(pending, 0)
    walker.limited = (*SHARED, *sorted({f"prompts/{pid}" for _pair, pid in pending}))
    moved: set[str] | None = None  # files changed since the commit resolved last
    fps: dict[str, dict[str, str | None]] = {}  # the units resolved there: their fingerprints
    for sha, date, author, subject, *files in walk:
        common = [f for f in files if shared_file(f)]
        folders: dict[str, list[str]] = {}  # prompt folder: the commit's files in it
        for f in files:
            if f.startswith("prompts/"):
                folders.setdefault(f.split("/", 2)[1], []).append(f)
        touched = [(pair, pid) for pair, pid in pending if common or pid in folders]
        if not touched:
            moved = _more(moved, files)
            continue
        envs = sorted({env for pair, _pid in touched for env in pair})
        units = sorted({pid for _pair, pid in touched})
        there = all(pid in fps and all(env in fps[pid] for env in envs) for pid in units)
        if there and _carried(moved, walker.layers, units):
            # nothing they resolve from moved (another environment was tuned, say): the units
            # resolve as at the commit resolved last, where they differed
            moved = _more(moved, files)
        else:
            fps = walker.fingerprints_of(sha, envs, units, moved)
            moved = _more(set(), files)
        for item in touched:
            (a, b), pid = item
            seen[item] += 1
            if fps[pid][a] == fps[pid][b]:
                pending.remove(item)
                continue
            when = dt.datetime.fromisoformat(date)
            cut = seen[item] >= limit  # never silently wrong: say where the search stopped
            own = common + folders.get(pid, [])  # the files of the commit the unit reads
            since[(a, b)][pid] = Change(
                sha, when, author, subject, fps[pid][b], own, seen[item] if cut else None
            )
            if cut:
                pending.remove(item)
        if not pending:
            break
