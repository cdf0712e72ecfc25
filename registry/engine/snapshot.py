"""The run snapshot: a warm `check`/`validate` re-checks only the prompts whose files changed.

After a full run over the working tree, `snapshot-<mode>.json` in the registry's cache folder
(`registry.engine.cachestore`) keeps

* the stat signature (size, mtime, inode) and content hash of every registry file, and
* the run's material (`registry.gate.Material`): findings before severities and selection,
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
depend on HEAD alone; they are kept with the HEAD they were made at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.check.rules import scope_of
from registry.common import shapes
from registry.common.findings import CODES, SEVERITIES, Finding
from registry.common.shapes import Any as AnyShape
from registry.common.shapes import DictOf, ListOf, OneOf, Opt, Tuple

if TYPE_CHECKING:
    from registry.diff.units import UnitDiff
    from registry.gate import CheckResult, Material

FORMAT = 5
DELTA_MAX = 500  # prompts re-checked since the base before the base is written again
RACY_NS = 2_000_000_000  # a file changed this close to a scan is re-hashed next time
Stat = tuple[int, int, int]
Files = dict[str, list[Any]]  # rel -> [size, mtime_ns, inode, sha256]


def check(
    root: Path,
    *,
    drift: bool = True,
    today: dt.date | None = None,
    select_codes: Iterable[str] = (),
    ignore_codes: Iterable[str] = (),
) -> CheckResult:
    """`registry.gate.check` on the working tree at `root`, incremental over the snapshot."""
    from registry.engine.cachestore import open_store
    from registry.engine.filecache import code_tag
    from registry.gate import assemble, collect
    from registry.load.source import WorkTree
    from registry.resolve.registry import Registry

    mode = "check" if drift else "validate"
    store = open_store(root, code_tag())
    started = time.time_ns()
    old = _load(store, mode, root) if store is not None else None
    racy_from = old["scanned_at"] - RACY_NS if old is not None else 0
    scanned = scan(root, old["folders"] if old is not None else None, racy_from)
    stats = scanned[0] if scanned is not None else None
    changed = _changed(root, stats, old) if old is not None and stats is not None else None
    if scanned is not None and old is not None and _layout_moved(old["folders"], scanned[1]):
        changed = None  # a folder came or went outside a prompt's own: the full run says so
    prompts = None if changed is None else {scope_of(rel) for rel in changed}
    head = _head(root) if drift else None
    since: dict[Any, Any] = {}
    if old is not None and head is not None and old.get("head") == head:
        since = _since_in(old.get("since"))
    source = WorkTree(root)
    source.digests = {}
    incremental = old is not None and prompts is not None and None not in prompts
    if incremental:
        assert old is not None and prompts is not None
        only = {p for p in prompts if p is not None}
        reg = Registry(root, source, only_prompts=only, disk_cache=True)
        before = old["material"]
        material = _merge(before, collect(reg, drift=drift, known=before.diffs), only)
    else:
        reg, material = _full(root, source, drift, scanned[0] if scanned is not None else None)
    known = len(since)
    result = assemble(
        reg,
        material,
        today=today,
        select_codes=select_codes,
        ignore_codes=ignore_codes,
        drift=drift,
        since_memo=since,
    )
    if (
        store is not None
        and scanned is not None
        and (changed or old is None or len(since) != known)
    ):
        state = {
            "scanned_at": started,
            "files": _signatures(scanned[0], old, changed or set(), source.digests),
            "folders": scanned[1],
            "head": head,
            "since": _since_out(since),
        }
        if incremental:
            assert old is not None and prompts is not None
            touched = set(old["prompts"]) | {p for p in prompts if p is not None}
            if len(touched) <= DELTA_MAX:
                _save_delta(store, mode, old, state, material, touched)
                return result
        _save_base(store, mode, root, state, material)
    return result


# -- a full run -----------------------------------------------------------------------------
PARTITION_MIN = 2000  # prompts: below this a second process costs more than it saves


def _full(
    root: Path, source: Any, drift: bool, stats: dict[str, Stat] | None
) -> tuple[Any, Material]:
    """Everything checked. A large registry is split by prompt between two processes, each
    loading the shared files and its half of the prompts, analyzing and checking them, and
    writing its own cache shards; the halves' material adds up to the whole (as the
    incremental run's does). Registry-wide pieces come from the first process."""
    from registry.gate import collect
    from registry.resolve.registry import Registry

    pids = _partition_prompts(stats)
    if pids is None or len(pids) < PARTITION_MIN or (os.cpu_count() or 1) < 2:
        reg = Registry(root, source, disk_cache=True)
        return reg, collect(reg, drift=drift)
    from registry.common.workers import pool
    from registry.engine.filecache import shard_of

    parts = [{p for p in pids if shard_of(p) % 2 == i} for i in (0, 1)]
    with pool(2) as executor:
        futures = [executor.submit(_part, root, parts[i], drift, i) for i in (0, 1)]
        (first, read_first), (second, read_second) = (f.result() for f in futures)
    source.digests.update(read_first)
    source.digests.update(read_second)
    reg = Registry(root, source, only_prompts=set(), disk_cache=True)  # the shared files
    return reg, _merge(first, second, parts[1])  # the second half's pieces into the first


def _partition_prompts(stats: dict[str, Stat] | None) -> set[str] | None:
    """Prompt ids from the scan; None when a file sits directly in prompts/ (only a run over
    the whole folder reports it)."""
    if stats is None or any(rel.count("/") == 1 and rel.startswith("prompts/") for rel in stats):
        return None
    return {pid for pid in map(scope_of, stats) if pid is not None}


def _part(root: Path, pids: set[str], drift: bool, index: int) -> tuple[Material, dict[str, str]]:
    """One process's half of a full run (registry-wide pieces in the first one)."""
    from registry.gate import collect
    from registry.load.source import WorkTree
    from registry.resolve.registry import Registry

    source = WorkTree(root)
    source.digests = {}
    reg = Registry(root, source, only_prompts=pids, disk_cache=True, jobs=1, cache_part=(index, 2))
    return collect(reg, drift=drift, shared=index == 0), source.digests


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


def _layout_moved(before: dict[str, Any], after: dict[str, Any]) -> bool:
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


def _changed(root: Path, stats: dict[str, Stat], old: dict[str, Any]) -> set[str] | None:
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


def _signatures(
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


def _head(root: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "-q", "--verify", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


# -- merging -------------------------------------------------------------------------------
def _merge(old: Material, new: Material, prompts: set[str]) -> Material:
    """The old material with the pieces of `prompts` replaced by the new run's. Registry-wide
    pieces stay as they were: only prompt files changed, so they cannot have."""
    from registry.gate import EnvFacts, Material

    def keep(items: list[tuple[str | None, Any]]) -> list[tuple[str | None, Any]]:
        return [item for item in items if item[0] not in prompts]

    def fresh(items: list[tuple[str | None, Any]]) -> list[tuple[str | None, Any]]:
        return [item for item in items if item[0] in prompts]

    envs = {}
    for name, env in new.envs.items():
        before = old.envs.get(name)
        units = dict(before.units) if before else {}  # order does not matter: consumers sort
        for pid in prompts:
            units.pop(pid, None)
        units.update(env.units)
        broken = [p for p in (before.broken if before else []) if p not in prompts]
        facts = EnvFacts(name, units, env.own_file, env.chain_ok, sorted(broken + env.broken))
        same = before is not None and all(before.units.get(p) == env.units.get(p) for p in prompts)
        if same and before is not None and "fingerprint" in before.__dict__:
            facts.__dict__["fingerprint"] = before.__dict__["fingerprint"]  # the same units
        envs[name] = facts
    diffs = {}
    for pair, unit_diffs in new.diffs.items():
        merged = {p: d for p, d in old.diffs.get(pair, {}).items() if p not in prompts}
        merged.update(unit_diffs)
        diffs[pair] = merged
    return Material(
        keep(old.findings) + fresh(new.findings),
        envs,
        diffs,
        keep(old.secrets) + fresh(new.secrets),
    )


# -- the file ----------------------------------------------------------------------------------
_SIGNATURE = Tuple(int, int, int, Opt(str))
_LISTING = Tuple(int, int, ListOf(str), ListOf(str))
_ORIGIN = Opt(Tuple(str, int, int))
_DIFF = Tuple(
    str,
    str,
    Opt(str),
    Opt(str),
    ListOf(
        Tuple(
            str,
            ListOf(AnyShape),
            ListOf(AnyShape),
            _ORIGIN,
            _ORIGIN,
            Opt(ListOf(str)),
            ListOf(OneOf(str, int)),
        )
    ),
)
_MATERIAL = {
    "findings": ListOf(Tuple(shapes.FINDING, ListOf(Opt(str)))),
    "fingerprints": ListOf(str),
    "envs": DictOf(Tuple(DictOf(int), Opt(str), bool, ListOf(str), Opt(str))),
    "diffs": ListOf(Tuple(str, str, ListOf(_DIFF))),
    "secrets": ListOf(Tuple(Opt(str), str)),
}
_SINCE = Opt(ListOf(Tuple(str, str, str, Opt(Tuple(str, str, str, str, Opt(str), ListOf(str))))))
_STATE = {"scanned_at": int, "head": Opt(str), "since": _SINCE, **_MATERIAL}
BASE_SHAPE = shapes.Record(
    {
        "format": int,
        "id": str,
        "root": str,
        "tokenizer": str,
        "files": DictOf(_SIGNATURE),
        "folders": DictOf(_LISTING),
        **_STATE,
    }
)
DELTA_SHAPE = shapes.Record(
    {
        "base": str,
        "prompts": ListOf(str),
        "files": DictOf(Opt(_SIGNATURE)),
        "folders": DictOf(Opt(_LISTING)),
        **_STATE,
    }
)


def _names(mode: str) -> tuple[str, str]:
    return f"snapshot-{mode}.json", f"snapshot-{mode}.delta.json"


def _read(store: Any, name: str, shape: Any) -> Any:
    """A snapshot file of the given shape, or None (missing, not ours, torn, other shape)."""
    raw = store.read(name)
    if raw is None:
        return None
    data = shapes.loads(raw)
    return data if shapes.ok(data, shape) else None


def _load(store: Any, mode: str, root: Path) -> dict[str, Any] | None:
    """The last run's state: the base snapshot, with the delta of later incremental runs
    applied (the prompts they re-checked, and the signatures that moved). Anything of another
    shape, registry, format or tokenizer is no snapshot (a full run)."""
    base_name, delta_name = _names(mode)
    data = _read(store, base_name, BASE_SHAPE)
    if (
        data is None
        or data["format"] != FORMAT
        or data["root"] != str(root)
        or data["tokenizer"] != _tokenizer()
    ):
        return None
    try:
        data["material"] = _material_in(data)  # all of it must read back, or none is used
        data["base"] = dict(data)  # what a delta is taken against
        data["prompts"] = []
        delta = _read(store, delta_name, DELTA_SHAPE)
        if delta is not None and delta["base"] == data["id"]:
            data = _apply(data, delta)
    except (TypeError, KeyError, IndexError, AttributeError, ValueError, RecursionError):
        return None
    result: dict[str, Any] = data
    return result


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What turns `before` into `after`: the entries that differ, None for those removed."""
    out = {k: v for k, v in after.items() if before.get(k) != v}
    out.update({k: None for k in before if k not in after})
    return out


def _patched(before: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`before` with `changes` (from `_changes`) applied."""
    out = dict(before)
    for k, v in changes.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def _apply(data: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    files = _patched(data["files"], delta["files"])
    folders = _patched(data["folders"], delta["folders"])
    prompts = [str(p) for p in delta["prompts"]]
    material = _merge(data["material"], _material_in(delta), set(prompts))
    if not isinstance(delta["scanned_at"], int):
        raise TypeError("scanned_at")
    return {
        **data,
        "files": files,
        "folders": folders,
        "prompts": prompts,
        "material": material,
        "scanned_at": delta["scanned_at"],
        "head": delta.get("head"),
        "since": delta.get("since"),
    }


def _write(store: Any, name: str, data: dict[str, Any]) -> None:
    """Write a snapshot file (no cycles: the data is built from loaded YAML); a cache that
    cannot be written is skipped."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, check_circular=False)
    store.write(name, text.encode("utf-8"))


def _save_base(
    store: Any, mode: str, root: Path, state: dict[str, Any], material: Material
) -> None:
    import secrets

    base_name, delta_name = _names(mode)
    data = {
        "format": FORMAT,
        "id": secrets.token_hex(8),
        "root": str(root),
        "tokenizer": _tokenizer(),
        **state,
        **_material_out(material),
    }
    store.remove(delta_name)
    _write(store, base_name, data)


def _save_delta(
    store: Any,
    mode: str,
    old: dict[str, Any],
    state: dict[str, Any],
    material: Material,
    prompts: set[str],
) -> None:
    """Only what moved since the base: signatures, folder listings, and the material of the
    prompts re-checked since (a few kilobytes instead of the whole snapshot)."""
    base = old["base"]
    data = {
        **state,
        "base": base["id"],
        "files": _changes(base["files"], state["files"]),
        "folders": _changes(base["folders"], state["folders"]),
        "prompts": sorted(prompts),
        **_material_out(_only(material, prompts)),
    }
    _write(store, _names(mode)[1], data)


def _only(m: Material, prompts: set[str]) -> Material:
    """The pieces of `m` that belong to `prompts`."""
    from registry.gate import EnvFacts, Material

    return Material(
        [(s, f) for s, f in m.findings if s in prompts],
        {
            name: EnvFacts(
                name,
                {p: fp for p, fp in e.units.items() if p in prompts},
                e.own_file,
                e.chain_ok,
                [p for p in e.broken if p in prompts],
            )
            for name, e in m.envs.items()
        },
        {pair: {p: d for p, d in ds.items() if p in prompts} for pair, ds in m.diffs.items()},
        [(s, v) for s, v in m.secrets if s in prompts],
    )


def _tokenizer() -> str:
    from registry.check import tokens

    return tokens.name()


def _material_out(m: Material) -> dict[str, Any]:
    findings: dict[tuple[Any, ...], list[str | None]] = {}
    for scope, f in m.findings:  # one entry per distinct finding, with every prompt it has
        key = (f.code, f.severity, f.message, f.file, f.line, f.col, f.path, f.hint)
        scopes = findings.setdefault(key, [])
        if scope not in scopes:
            scopes.append(scope)
    # Unit fingerprints repeat across environments: each is written once, then by number.
    fps = sorted({fp for e in m.envs.values() for fp in e.units.values()})
    index = {fp: i for i, fp in enumerate(fps)}
    return {
        "findings": [[list(fields), s] for fields, s in findings.items()],
        "fingerprints": fps,
        "envs": {
            name: [
                {p: index[fp] for p, fp in e.units.items()},
                e.own_file,
                e.chain_ok,
                e.broken,
                e.__dict__.get("fingerprint"),  # when already known (never computed to save)
            ]
            for name, e in m.envs.items()
        },
        "diffs": [
            [a, b, [_diff_out(d) for d in unit_diffs.values()]]
            for (a, b), unit_diffs in m.diffs.items()
        ],
        "secrets": [list(x) for x in m.secrets],
    }


def _material_in(data: dict[str, Any]) -> Material:
    from registry.gate import EnvFacts, Material

    findings: list[tuple[str | None, Finding]] = []
    for fields, scopes in data["findings"]:
        if fields[0] not in CODES or fields[1] not in SEVERITIES:
            raise ValueError("a finding of an unknown code")
        f = Finding(*fields)
        findings.extend((s, f) for s in scopes)
    fps = data["fingerprints"]
    envs = {}
    for name, (units, own, ok, broken, fingerprint) in data["envs"].items():
        if any(not 0 <= i < len(fps) for i in units.values()):
            raise ValueError("a fingerprint index out of range")
        facts = EnvFacts(name, {p: fps[i] for p, i in units.items()}, own, bool(ok), list(broken))
        if isinstance(fingerprint, str):
            facts.__dict__["fingerprint"] = fingerprint
        envs[name] = facts
    diffs = {}
    for a, b, unit_diffs in data["diffs"]:
        diffs[(a, b)] = {d[0]: _diff_in(d) for d in unit_diffs}
    secrets = [(s, str(v)) for s, v in data["secrets"]]
    return Material(findings, envs, diffs, secrets)


def _diff_out(d: UnitDiff) -> list[Any]:
    return [
        d.prompt,
        d.status,
        d.fp_a,
        d.fp_b,
        [
            [
                x.field,
                _value_out(x.a),
                _value_out(x.b),
                x.origin_a,
                x.origin_b,
                x.text_diff,
                list(x.keys),
            ]
            for x in d.differences
        ],
    ]


def _diff_in(raw: list[Any]) -> UnitDiff:
    from registry.diff.units import Difference, UnitDiff

    prompt, status, fp_a, fp_b, differences = raw
    return UnitDiff(
        prompt,
        status,
        fp_a,
        fp_b,
        [
            Difference(
                prompt,
                field,
                _value_in(a),
                _value_in(b),
                tuple(oa) if oa is not None else None,
                tuple(ob) if ob is not None else None,
                text,
                tuple(keys),
            )
            for field, a, b, oa, ob, text, keys in differences
        ],
    )


def _value_out(value: Any) -> list[Any]:
    from registry.diff.units import ABSENT

    return [] if value is ABSENT else [value]


def _value_in(raw: list[Any]) -> Any:
    from registry.diff.units import ABSENT

    return raw[0] if raw else ABSENT


def _since_out(memo: dict[Any, Any]) -> list[Any]:
    out = []
    for (a, b, pid), c in memo.items():
        change = None
        if c is not None:
            change = [c.commit, c.date.isoformat(), c.author, c.subject, c.fingerprint, c.files]
        out.append([a, b, pid, change])
    return out


def _since_in(raw: Any) -> dict[Any, Any]:
    from registry.diff.history import Change

    memo: dict[Any, Any] = {}
    try:
        for a, b, pid, c in raw or []:
            change = None
            if c is not None:
                commit, date, author, subject, fp, files = c
                change = Change(commit, dt.datetime.fromisoformat(date), author, subject, fp, files)
            memo[(a, b, pid)] = change
    except (TypeError, ValueError):
        return {}
    return memo
