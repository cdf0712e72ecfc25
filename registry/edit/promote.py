"""Promote: edit TO's overlay so its units equal FROM's, with minimal YAML edits.

For each unit that differs, each differing part is first fixed by *removing* TO's own override
(when that alone makes it equal), else by setting the value FROM resolves to. Edits are
simulated on the loaded data and re-resolved until the units match; then they are applied to a
ruamel.yaml round-trip of the overlay (comments, order and formatting kept), the new registry is
validated, and the file is written atomically. Nothing is written when any step fails.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
from collections.abc import Callable
from typing import Any

from registry.common.errors import RegistryError
from registry.load.yaml import load_text
from registry.resolve.depends import require_resolved
from registry.resolve.environment import resolve_environment
from registry.resolve.registry import Registry
from registry.resolve.units import Environment, Unit

DELETE = object()
Op = tuple[tuple[Any, ...], Any]  # (path in the overlay, value or DELETE)


@dataclasses.dataclass
class Promotion:
    file: str
    before: str
    after: str
    ops: list[Op]
    units: list[str]

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(True),
                self.after.splitlines(True),
                f"a/{self.file}",
                f"b/{self.file}",
            )
        )


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return DELETE
        data = data[key]
    return data


def _apply(data: dict[str, Any], op: Op, new_map: Callable[[], Any] = dict) -> None:
    """Apply one edit to plain data, or to a ruamel round-trip tree (`new_map=CommentedMap`)."""
    path, value = op
    node = data
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = new_map()
        node = node[key]
    if value is DELETE:
        node.pop(path[-1], None)
        _prune(data, path[:-1])
    else:
        node[path[-1]] = copy.deepcopy(value)


def _prune(data: Any, path: tuple[Any, ...]) -> None:
    """Remove mappings a deletion left empty (under merge patch, `{}` and absent are equal)."""
    while path:
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        if parent.get(path[-1]) != {}:
            return
        parent.pop(path[-1])
        path = path[:-1]


class _Sim:
    """Re-resolve TO with an edited overlay, without touching disk."""

    def __init__(self, reg: Registry, to: str) -> None:
        self.reg = reg
        self.to = to
        self.doc = reg.layers[to]
        self.data: dict[str, Any] = copy.deepcopy(self.doc.data)

    def resolve(
        self, data: dict[str, Any] | None = None, only: list[str] | None = None
    ) -> Environment:
        """TO resolved with `data` as its overlay (every unit, or those of `only`: planning one
        prompt re-resolves that prompt alone, not the whole environment each time)."""
        original = self.doc.data
        memo = self.reg.memo
        known = set(memo)
        overlay = data if data is not None else self.data
        bound = overlay.get("prompts")
        if only is not None and isinstance(bound, dict):  # the other bindings change nothing
            overlay = {**overlay, "prompts": {p: bound[p] for p in only if p in bound}}
        try:
            self.doc.data = overlay
            return resolve_environment(self.reg, self.to, only)
        finally:
            self.doc.data = original
            for key in set(memo) - known:  # merges of a trial overlay are never asked for again
                if isinstance(key, tuple) and key[:1] == ("merged",):
                    del memo[key]

    def unit(self, pid: str, ops: list[Op] | None = None) -> Unit | None:
        """`pid`'s unit in TO, with `ops` tried on the overlay first."""
        if not ops:
            return self.resolve(only=[pid]).prompts.get(pid)
        return self.resolve(_applied(self.data, ops), [pid]).prompts.get(pid)

    def commit(self, ops: list[Op]) -> None:
        self.data = _applied(self.data, ops)  # a new object: resolution memoizes by identity


def _applied(data: dict[str, Any], ops: list[Op]) -> dict[str, Any]:
    """`data` with `ops` applied, `data` itself untouched: the mappings along each op's path
    are copied, the rest shared (a deep copy of a large overlay per trial made planning
    quadratic in the number of bindings)."""
    out = dict(data)
    for path, _value in ops:
        node = out
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                break  # `_apply` makes a new mapping here
            node[key] = node = dict(child)
    for op in ops:
        _apply(out, op)
    return out


def plan(reg: Registry, src: str, to: str, prompts: list[str] | None = None) -> list[Op]:
    """The overlay edits that make TO's selected units equal FROM's."""
    if to == "base" or to not in reg.environments:
        raise RegistryError(f"unknown environment {to!r}")
    if src == to:
        raise RegistryError(f"cannot promote {src} to itself: name two environments")
    require_resolved(reg, (src, to), f"cannot promote {src} to {to}, nothing written")
    source = reg.resolve(src)
    sim = _Sim(reg, to)
    target = sim.resolve()
    wanted = prompts or sorted(set(source.prompts) | set(target.prompts))
    for pid in wanted:
        if pid not in source.prompts and pid not in target.prompts:
            raise RegistryError(f"prompt {pid!r} is bound in neither {src} nor {to}")
    ops: list[Op] = []
    for pid in wanted:
        ops += _plan_unit(sim, pid, source)
    final = sim.resolve(only=wanted)
    for pid in wanted:
        a, b = source.prompts.get(pid), final.prompts.get(pid)
        if (a.fingerprint if a else None) != (b.fingerprint if b else None):
            raise RegistryError(f"promote cannot make {pid!r} in {to} equal to {src}")
    return ops


FIELDS = ("version", "model", "params", "tools", "rag", "routing")


def _plan_unit(sim: _Sim, pid: str, source: Environment) -> list[Op]:
    want, have = source.prompts.get(pid), sim.unit(pid)
    if want is None:
        return _do(sim, [(("prompts", pid), None)])  # JSON Merge Patch null: unbind
    if have is not None and have.fingerprint == want.fingerprint:
        return []
    ops: list[Op] = []
    for field in FIELDS:
        current = sim.unit(pid)
        if current is not None and _field(current, field) == _field(want, field):
            continue
        for option in _candidates(sim, pid, want, source, current, field):
            unit = sim.unit(pid, option)
            if unit is not None and _field(unit, field) == _field(want, field):
                ops += _do(sim, option)
                break
    return ops


def _field(unit: Unit, field: str) -> Any:
    if field == "tools":
        return (unit.tools, unit.tool_order)
    return getattr(unit, field)


def _do(sim: _Sim, ops: list[Op]) -> list[Op]:
    sim.commit(ops)
    return ops


def _candidates(
    sim: _Sim, pid: str, want: Unit, source: Environment, current: Unit | None, field: str
) -> list[list[Op]]:
    """Edits to try for one unit field, the smallest first (drop TO's override, then set)."""
    binding = ("prompts", pid)
    src_binding = (source.merged.get("prompts") or {}).get(pid) or {}

    def drop(*path: Any) -> list[list[Op]]:
        return [[(path, DELETE)]] if _get(sim.data, path) is not DELETE else []

    if field == "version":
        return [[((*binding, "version"), want.version)]]
    if field == "model":
        alias = [[((*binding, "model"), src_binding["model"])]] if "model" in src_binding else []
        return drop(*binding, "model") + alias + [[((*binding, "model"), want.model)]]
    if field == "params":
        have = current.params if current else {}
        keys = sorted(k for k in set(want.params) | set(have) if want.params.get(k) != have.get(k))
        return drop(*binding, "params") + [
            [((*binding, "params", k), want.params.get(k)) for k in keys]
        ]
    if field == "tools":
        return drop(*binding, "tools") + [
            [((*binding, "tools"), list(want.tool_order))]
            + [(("tools", n), want.tools[n]) for n in want.tool_order]
        ]
    if field == "rag":
        return _rag_candidates(binding, want, current, src_binding, drop)
    have = current.routing if current is not None else {}
    return drop("routing") + [
        _patch(("routing",), have, want.routing),
        [(("routing",), want.routing)],
    ]


def _patch(path: tuple[Any, ...], have: Any, want: Any) -> list[Op]:
    """The smallest merge patch (RFC 7386) that turns `have`, what TO resolves to now, into
    `want`: only the keys whose value differs, so TO keeps inheriting the rest (a later base
    edit of an untouched key reaches both sides)."""
    if not isinstance(have, dict) or not isinstance(want, dict):
        return [] if have == want else [(path, want)]
    ops: list[Op] = []
    for key in sorted(set(have) | set(want), key=str):
        if key not in want:
            ops.append(((*path, key), None))  # null removes the inherited key
        elif key not in have or have[key] != want[key]:
            ops += _patch((*path, key), have.get(key), want[key])
    return ops


def _rag_candidates(
    binding: tuple[str, str],
    want: Unit,
    current: Unit | None,
    src_binding: dict[str, Any],
    drop: Callable[..., list[list[Op]]],
) -> list[list[Op]]:
    name = src_binding.get("rag")
    if want.rag is None:
        return drop(*binding, "rag") + [[((*binding, "rag"), None)]]
    assert name is not None
    have = (current.rag if current is not None else None) or {}
    return drop(*binding, "rag") + [
        [((*binding, "rag"), name)],
        [((*binding, "rag"), name), *_patch(("rag", name), have, want.rag)],
        [((*binding, "rag"), name), (("rag", name), want.rag)],
    ]


def promote(reg: Registry, src: str, to: str, prompts: list[str] | None = None) -> Promotion:
    """Plan, apply to the overlay's text with ruamel.yaml, and validate; nothing is written."""
    ops = plan(reg, src, to, prompts)
    doc = reg.layers[to]
    before = doc.text
    after = _edit_text(before, ops) if ops else before
    _validate(reg, doc.file, after)
    return Promotion(doc.file, before, after, ops, prompts or [])


def _edit_text(text: str, ops: list[Op]) -> str:
    """The ops applied to the overlay's text; lines no op reaches stay byte for byte."""
    from registry.edit.yamledit import edit

    def apply(data: Any, new_map: Any) -> None:
        for op in ops:
            _apply(data, op, new_map)

    return edit(text, [path for path, _value in ops], apply)


def _validate(reg: Registry, file: str, text: str) -> None:
    """The edited overlay must load and pass its schema (the caller re-checks drift)."""
    from registry.check import schema

    doc, findings = load_text(text, file)
    findings += schema.check(doc, "environment")
    if findings:
        first = findings[0]
        raise RegistryError(
            f"promote would write an invalid {file}: {first.code} {first.message} (nothing written)"
        )
