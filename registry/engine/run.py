"""The engine's run: the one way through the pipeline for `check` and `validate`.

The run snapshot: a warm `check`/`validate` re-checks only the prompts whose files changed.

After a full run over the working tree, `snapshot-<mode>.json` in the registry's cache folder
(`registry.engine.cachestore`) keeps

* the stat signature (size, mtime, inode) and content hash of every registry file, and
* the run's material (`registry.gate.result.Material`): findings before severities and selection,
  unit fingerprints, unit diffs and literal values, each tagged with the prompt it belongs to
  (None: registry-wide).

The next run stats the tree (no reads unless a signature moved; a moved signature with the
same bytes is not a change). When only files under `prompts/<id>/` changed, it loads the shared
files and just those prompts, collects their material, and puts it in place of theirs; waivers,
drift grouping, severities and selection are then applied to the whole, as in a full run. When
a shared file changed (registry.yaml, waivers.yaml, a layer, a partial, anything outside a
prompt folder), or there is no usable snapshot, it runs in full. The result is the same either
way (tests compare them after edits of every kind). An incremental run writes only a delta
(`snapshot-<mode>.delta.json`: moved signatures, the re-checked prompts' material) until 500
prompts have been re-checked since the last full snapshot.

A full run of a large registry is split by prompt between two processes (`_full`): each loads
the shared files and its half of the prompts, and the halves' material adds up to the whole,
exactly as an incremental run's pieces do.

Like the file cache: keyed by tool version and code hash, JSON only, written atomically,
authenticated, checked for its shape when read back, never an error (a corrupt, foreign or
odd-shaped snapshot means a full run). "Since when" walks of git history
depend on HEAD alone; they are kept with the HEAD they were made at, and carried to a new HEAD
for the units its new commits did not touch (`scan.carried_since`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from registry.check.rules.base import scope_of
from registry.engine.filecache import FileCache
from registry.engine.material import collect, merge
from registry.engine.scan import (
    RACY_NS,
    Stat,
    carried_since,
    changed_since,
    head_commit,
    layout_moved,
    scan,
    signatures,
)
from registry.engine.snapshot import load, save_base, save_delta, since_in, since_out
from registry.gate.assemble import assemble
from registry.gate.result import CheckResult, Material
from registry.resolve.registry import Registry

DELTA_MAX = 500  # prompts re-checked since the base before the base is written again


@dataclasses.dataclass
class _Plan:
    """What a working-tree run starts from: the last snapshot (None: none usable), this
    scan of the tree, and which prompts changed (None: something shared did, or no snapshot:
    everything is collected)."""

    root: Path
    mode: str
    store: Any
    old: dict[str, Any] | None
    scanned: tuple[dict[str, Stat], dict[str, list[Any]]] | None
    changed: set[str] | None
    head: str | None
    since: dict[Any, Any]
    started: int = dataclasses.field(default_factory=time.time_ns)

    @property
    def prompts(self) -> set[str] | None:
        """The changed prompts, when nothing but prompt folders changed."""
        if self.old is None or self.changed is None:
            return None
        scopes = {scope_of(rel) for rel in self.changed}
        return None if None in scopes else {p for p in scopes if p is not None}


def check(
    root: Path,
    *,
    ref: str | None = None,
    drift: bool = True,
    today: dt.date | None = None,
    select_codes: Iterable[str] = (),
    ignore_codes: Iterable[str] = (),
) -> CheckResult:
    """`check` (`drift`) or `validate` of the registry at `root`: the one way every command
    runs one. At a git `ref`, in full. On the working tree, the prompts that changed since
    the snapshot are collected again and merged into its material (everything on a cold run or
    with the cache off, split over processes when the registry is large); then the gate
    assembles the result. Incremental or not, the result is the same."""
    from registry.load.source import open_source
    from registry.load.worktree import WorkTree

    options: dict[str, Any] = {"today": today, "select_codes": select_codes}
    options["ignore_codes"] = ignore_codes
    if ref is not None:
        reg, material = _full(root, open_source(root, ref), drift, None)
        return assemble(reg, material, drift=drift, **options)
    plan = _plan(root, drift)
    source = WorkTree(root)
    source.digests = {}
    only = plan.prompts
    if only is not None and plan.old is not None:
        reg = Registry(root, source, only_prompts=only, disk=FileCache(root))
        before = plan.old["material"]
        material = merge(before, collect(reg, drift=drift, known=before.diffs), only)
    else:
        stats = plan.scanned[0] if plan.scanned is not None else None
        reg, material = _full(root, source, drift, stats)
    known = len(plan.since)
    result = assemble(reg, material, drift=drift, since_memo=plan.since, **options)
    new_head = plan.old is not None and plan.old.get("head") != plan.head  # answers carried
    moved = plan.changed or plan.old is None or len(plan.since) != known or new_head
    if plan.store is not None and plan.scanned is not None and moved:
        _save(plan, material, source.digests)
    return result


def _plan(root: Path, drift: bool) -> _Plan:
    from registry.engine.cachestore import open_store
    from registry.engine.filecache import code_tag, enabled

    store = open_store(root, code_tag()) if enabled() else None
    started = time.time_ns()
    mode = "check" if drift else "validate"
    old = load(store, mode, root) if store is not None else None
    racy_from = old["scanned_at"] - RACY_NS if old is not None else 0
    scanned = scan(root, old["folders"] if old is not None else None, racy_from)
    changed = None
    if old is not None and scanned is not None:
        changed = changed_since(root, scanned[0], old)
        if layout_moved(old["folders"], scanned[1]):
            changed = None  # a folder came or went outside a prompt's own: a full run says so
    head = head_commit(root) if drift else None
    since: dict[Any, Any] = {}
    if old is not None and head is not None and old.get("head") == head:
        since = since_in(old.get("since"))
    elif old is not None and head is not None and isinstance(old.get("head"), str):
        since = carried_since(root, old["head"], head, since_in(old.get("since")))  # new commits
    return _Plan(root, mode, store, old, scanned, changed, head, since, started)


def _save(plan: _Plan, material: Material, digests: dict[str, str]) -> None:
    """The run's state for the next one: a delta over the snapshot after an incremental run
    (until DELTA_MAX prompts have been re-checked), else a new base."""
    assert plan.scanned is not None
    state = {
        "scanned_at": plan.started,
        "files": signatures(plan.scanned[0], plan.old, plan.changed or set(), digests),
        "folders": plan.scanned[1],
        "head": plan.head,
        "since": since_out(plan.since),
    }
    only = plan.prompts
    if plan.old is not None and only is not None:
        touched = set(plan.old["prompts"]) | only
        if len(touched) <= DELTA_MAX:
            save_delta(plan.store, plan.mode, plan.old, state, material, touched)
            return
    save_base(plan.store, plan.mode, plan.root, state, material)


# -- a full run -----------------------------------------------------------------------------
PARTITION_MIN = 2000  # prompts: below this a second process costs more than it saves


def _full(
    root: Path, source: Any, drift: bool, stats: dict[str, Stat] | None
) -> tuple[Any, Material]:
    """Everything checked. A large registry is split by prompt between two processes, each
    loading the shared files and its half of the prompts, analyzing and checking them, and
    writing its own cache shards; the halves' material adds up to the whole (as the
    incremental run's does). Registry-wide pieces come from the first process."""
    from registry.resolve.registry import Registry

    pids = _partition_prompts(stats)
    if pids is None or len(pids) < PARTITION_MIN or (os.cpu_count() or 1) < 2:
        reg = Registry(root, source, disk=FileCache(root))
        return reg, collect(reg, drift=drift)
    from registry.common.workers import pool
    from registry.engine.filecache import shard_of

    parts = [{p for p in pids if shard_of(p) % 2 == i} for i in (0, 1)]
    with pool(2) as executor:
        futures = [executor.submit(_part, root, parts[i], drift, i) for i in (0, 1)]
        (first, read_first), (second, read_second) = (f.result() for f in futures)
    source.digests.update(read_first)
    source.digests.update(read_second)
    reg = Registry(root, source, only_prompts=set(), disk=FileCache(root))  # the shared files
    return reg, merge(first, second, parts[1])  # the second half's pieces into the first


def _partition_prompts(stats: dict[str, Stat] | None) -> set[str] | None:
    """Prompt ids from the scan; None when a file sits directly in prompts/ (only a run over
    the whole folder reports it)."""
    if stats is None or any(rel.count("/") == 1 and rel.startswith("prompts/") for rel in stats):
        return None
    return {pid for pid in map(scope_of, stats) if pid is not None}


def _part(root: Path, pids: set[str], drift: bool, index: int) -> tuple[Material, dict[str, str]]:
    """One process's half of a full run (registry-wide pieces in the first one)."""
    from registry.load.worktree import WorkTree
    from registry.resolve.registry import Registry

    source = WorkTree(root)
    source.digests = {}
    reg = Registry(root, source, only_prompts=pids, disk=FileCache(root, (index, 2)), jobs=1)
    return collect(reg, drift=drift, shared=index == 0), source.digests


def check_registry(
    reg: Registry,
    *,
    today: dt.date | None = None,
    select_codes: Iterable[str] = (),
    ignore_codes: Iterable[str] = (),
    drift: bool = True,
) -> CheckResult:
    return assemble(
        reg,
        collect(reg, drift=drift),
        today=today,
        select_codes=select_codes,
        ignore_codes=ignore_codes,
        drift=drift,
    )


def open_cached(
    path: str | Path | None = None,
    ref: str | None = None,
    *,
    only_prompts: set[str] | None = None,
) -> Registry:
    """`registry.open` with the per-file cache (off when REGISTRY_CACHE=0): the commands' way
    to open a registry."""
    from registry.load.source import find_root, open_source

    root = find_root(path)
    return Registry(root, open_source(root, ref), only_prompts=only_prompts, disk=FileCache(root))


def open_environment(path: str | Path | None, ref: str | None, env: str) -> Registry:
    """The registry with the files one environment's units are made from: the shared ones,
    and of each prompt it binds the version it binds (render, request, eval and canary work
    from one environment: at 10,000 prompts of four versions, a quarter of the files)."""
    from registry.load.source import find_root, open_source

    root = find_root(path)
    shared = Registry(root, open_source(root, ref), only_prompts=set(), disk=FileCache(root))
    bound = shared.resolve(env).merged.get("prompts")  # an unknown environment stops here
    bound = bound if isinstance(bound, dict) else {}
    versions = {
        pid: b["version"]
        for pid, b in bound.items()
        if isinstance(b, dict) and type(b.get("version")) is int
    }
    return Registry(
        root,
        open_source(root, ref),
        only_prompts=set(bound),
        disk=FileCache(root),
        only_versions=versions,
    )
