"""The run snapshot on disk: what a run leaves for the next (file signatures, folder
listings, the material, since-when walks), as a base file and a delta, JSON only, written
atomically, authenticated, checked for its shape when read back (see `registry.engine.run`)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.common import shapes
from registry.common.findings import CODES, SEVERITIES, Finding
from registry.common.shapes import Any as AnyShape
from registry.common.shapes import DictOf, ListOf, OneOf, Opt, Tuple
from registry.engine.material import merge, only
from registry.gate.result import Material

if TYPE_CHECKING:
    from registry.diff.units import UnitDiff

FORMAT = 8  # 8: unit diffs share their field changes (a table of distinct ones)


# -- the file ----------------------------------------------------------------------------------
_SIGNATURE = Tuple(int, int, int, Opt(str))
_LISTING = Tuple(int, int, ListOf(str), ListOf(str))
_ORIGIN = Opt(Tuple(str, int, int))
_DIFF = Tuple(str, str, Opt(int), Opt(int), int, ListOf(Tuple(_ORIGIN, _ORIGIN)))
# one unit diff's field changes: field, a, b, text diff, its headers left out, key path
_CHANGES = ListOf(
    Tuple(str, ListOf(AnyShape), ListOf(AnyShape), Opt(ListOf(str)), bool, ListOf(OneOf(str, int)))
)
_MATERIAL = {
    "findings": ListOf(Tuple(shapes.FINDING, ListOf(Opt(str)))),
    "fingerprints": ListOf(str),
    "envs": DictOf(Tuple(DictOf(int), Opt(str), bool, ListOf(str), Opt(str))),
    "diffs": ListOf(Tuple(str, str, ListOf(_DIFF))),
    "changes": ListOf(_CHANGES),
    "secrets": ListOf(Tuple(Opt(str), str)),
    "evals": ListOf(Tuple(Opt(str), ListOf(AnyShape))),
}
_CHANGE = Tuple(str, str, str, str, Opt(str), ListOf(str), Opt(int))
_SINCE = Opt(ListOf(Tuple(str, str, str, Opt(_CHANGE))))
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


def load(store: Any, mode: str, root: Path) -> dict[str, Any] | None:
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
    material = merge(data["material"], _material_in(delta), set(prompts))
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


def save_base(store: Any, mode: str, root: Path, state: dict[str, Any], material: Material) -> None:
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


def save_delta(
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
        **_material_out(only(material, prompts)),
    }
    _write(store, _names(mode)[1], data)


def _tokenizer() -> str:
    from registry.models import tokens

    return tokens.name()


def _material_out(m: Material) -> dict[str, Any]:
    findings: dict[tuple[Any, ...], list[str | None]] = {}
    for scope, f in m.findings:  # one entry per distinct finding, with every prompt it has
        key = (f.code, f.severity, f.message, f.file, f.line, f.col, f.path, f.hint)
        scopes = findings.setdefault(key, [])
        if scope not in scopes:
            scopes.append(scope)
    # Unit fingerprints repeat across environments: each is written once, then by number.
    fps = {fp for e in m.envs.values() for fp in e.units.values()}
    for unit_diffs in m.diffs.values():
        fps.update(fp for d in unit_diffs.values() for fp in (d.fp_a, d.fp_b) if fp is not None)
    index = {fp: i for i, fp in enumerate(sorted(fps))}
    changes: dict[str, tuple[int, list[Any]]] = {}  # many unit diffs have the same changes
    return {
        "findings": [[list(fields), s] for fields, s in findings.items()],
        "fingerprints": sorted(fps),
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
            [a, b, [_diff_out(d, (a, b), index, changes) for d in unit_diffs.values()]]
            for (a, b), unit_diffs in m.diffs.items()
        ],
        "changes": [out for _number, out in changes.values()],
        "secrets": [list(x) for x in m.secrets],
        "evals": [[scope, b.out()] for scope, b in m.evals],
    }


def _material_in(data: dict[str, Any]) -> Material:
    from registry.gate.result import EnvFacts, Material

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
    changes = data["changes"]
    for a, b, unit_diffs in data["diffs"]:
        diffs[(a, b)] = {d[0]: _diff_in(d, (a, b), fps, changes) for d in unit_diffs}
    secrets = [(s, str(v)) for s, v in data["secrets"]]
    evals = []
    if data["evals"]:  # most registries have none: no behavior code on their warm runs
        from registry.behavior.gate import Binding

        evals = [(s, Binding.of(b)) for s, b in data["evals"]]
    return Material(findings, envs, diffs, secrets, evals)


def _diff_out(
    d: UnitDiff,
    labels: tuple[str, str],
    fps: dict[str, int],
    changes: dict[str, tuple[int, list[Any]]],
) -> list[Any]:
    """A unit diff as numbers: its fingerprints in the table of fingerprints, its field
    changes in the table of distinct ones (a text diff without the headers that name this
    pair and prompt, rebuilt on reading), and its own origins."""
    from registry.diff.units import text_headers

    out = []
    for x in d.differences:
        text, bare = x.text_diff, False
        if text is not None and text[:2] == text_headers(*labels, x.path):
            text, bare = text[2:], True
        out.append([x.field, _value_out(x.a), _value_out(x.b), text, bare, list(x.keys)])
    key = json.dumps(out, separators=(",", ":"), ensure_ascii=False, check_circular=False)
    number = changes.setdefault(key, (len(changes), out))[0]
    origins = [[x.origin_a, x.origin_b] for x in d.differences]
    fp_a = fps[d.fp_a] if d.fp_a is not None else None
    fp_b = fps[d.fp_b] if d.fp_b is not None else None
    return [d.prompt, d.status, fp_a, fp_b, number, origins]


def _diff_in(
    raw: list[Any], labels: tuple[str, str], fps: list[str], changes: list[Any]
) -> UnitDiff:
    from registry.diff.units import Difference, UnitDiff, text_headers

    prompt, status, fp_a, fp_b, number, origins = raw
    if not 0 <= number < len(changes) or len(changes[number]) != len(origins):
        raise ValueError("a unit diff's changes out of range")
    if any(i is not None and not 0 <= i < len(fps) for i in (fp_a, fp_b)):
        raise ValueError("a fingerprint index out of range")
    differences = []
    for (field, a, b, text, bare, keys), (oa, ob) in zip(changes[number], origins, strict=True):
        x = Difference(
            prompt,
            field,
            _value_in(a),
            _value_in(b),
            tuple(oa) if oa is not None else None,
            tuple(ob) if ob is not None else None,
            text,
            tuple(keys),
        )
        if bare and text is not None:
            x.text_diff = text_headers(*labels, x.path) + text
        differences.append(x)
    return UnitDiff(
        prompt,
        status,
        fps[fp_a] if fp_a is not None else None,
        fps[fp_b] if fp_b is not None else None,
        differences,
    )


def _value_out(value: Any) -> list[Any]:
    from registry.diff.units import ABSENT

    return [] if value is ABSENT else [value]


def _value_in(raw: list[Any]) -> Any:
    from registry.diff.units import ABSENT

    return raw[0] if raw else ABSENT


def since_out(memo: dict[Any, Any]) -> list[Any]:
    out = []
    for (a, b, pid), c in memo.items():
        change = None
        if c is not None:
            change = [c.commit, c.date.isoformat(), c.author, c.subject, c.fingerprint, c.files]
            change.append(c.searched)
        out.append([a, b, pid, change])
    return out


def since_in(raw: Any) -> dict[Any, Any]:
    from registry.diff.history import Change

    memo: dict[Any, Any] = {}
    try:
        for a, b, pid, c in raw or []:
            change = None
            if c is not None:
                commit, date, author, subject, fp, files, searched = c
                when = dt.datetime.fromisoformat(date)
                change = Change(commit, when, author, subject, fp, files, searched)
            memo[(a, b, pid)] = change
    except (TypeError, ValueError):
        return {}
    return memo
