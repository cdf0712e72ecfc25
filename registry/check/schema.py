"""JSON Schema validation per file kind, with findings that point at file:line:col.

The schemas live in the repository's `schemas/` and are shipped inside the wheel as
`registry/schemas/`. Schemas check structure and types only; ranges belong to the rules.
"""

from __future__ import annotations

import difflib
import functools
import json
from pathlib import Path
from typing import Any

from registry.common.findings import Finding, make
from registry.load.yaml import Document, typename

KINDS = ("registry", "prompt", "environment", "waivers")


def schema_dir() -> Path:
    """`registry/schemas` in an installed wheel, the repository's `schemas/` in a checkout."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "schemas"
    return packaged if packaged.is_dir() else package.parent / "schemas"


@functools.cache
def load_schema(kind: str) -> dict[str, Any]:
    """A shipped schema. The files carry no `$id`: their cross-references are relative
    (`environment.schema.json#/$defs/params`), so check-jsonschema and editors resolve them
    from the files beside each other, offline. Loaded here, each gets its own file URI as
    `$id`, so the validators resolve the same references the same way."""
    path = schema_dir() / f"{kind}.schema.json"
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    data.setdefault("$id", path.as_uri())
    return data


@functools.cache
def validator(kind: str) -> Any:
    """A compiled Draft 2020-12 validator for a file kind (cross-schema refs resolved)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    resources = [(s["$id"], Resource.from_contents(s)) for s in (load_schema(k) for k in KINDS)]
    return Draft202012Validator(load_schema(kind), registry=Registry().with_resources(resources))


@functools.cache
def fast(kind: str) -> Any:
    """The compiled pass/fail predicate of `registry.check.fastschema` (None: not supported)."""
    from registry.check.fastschema import compile_schema

    return compile_schema(load_schema(kind), [load_schema(k) for k in KINDS if k != kind])


def dotted(path: Any) -> str:
    """`('prompts', 'x', 'messages', 0, 'content')` -> `prompts.x.messages[0].content`."""
    out = ""
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            out += f".{seg}" if out else str(seg)
    return out or "(top level)"


def strip_nulls(value: Any) -> Any:
    """Drop null-valued keys (an overlay's `key: null` removes a key: always legal)."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


def check(doc: Document, kind: str) -> list[Finding]:
    """SCHEMA001 (or YAML005 for a value YAML typed that should be a string) for one file."""
    if doc.data is None:
        return []
    instance = strip_nulls(doc.data) if kind == "environment" else doc.data
    passes = fast(kind)
    if passes is not None and passes(instance):
        return []  # the usual case: no error to explain, so no jsonschema
    findings: dict[tuple[Any, ...], Finding] = {}
    for error in validator(kind).iter_errors(instance):
        for leaf in _leaves(error):
            for f in _findings(doc, leaf):
                findings.setdefault((f.line, f.col, f.message), f)
    return list(findings.values())


def _leaves(error: Any) -> list[Any]:
    """For anyOf/oneOf, the most specific sub-errors; else the error itself."""
    if error.context and error.validator in ("anyOf", "oneOf"):
        deepest = max(len(e.absolute_path) for e in error.context)
        return [e for e in error.context if len(e.absolute_path) == deepest][:1]
    return [error]


def _findings(doc: Document, error: Any) -> list[Finding]:
    found = _finding(doc, error)
    return found if isinstance(found, list) else [found]


def _unknown_keys(doc: Document, error: Any, path: tuple[Any, ...], where: str) -> list[Finding]:
    """One finding per unknown key, at the key, with a did-you-mean hint."""
    allowed = sorted(error.schema.get("properties", {}))
    inst = error.instance
    out = []
    for key in sorted(k for k in inst if k not in allowed) if isinstance(inst, dict) else []:
        line, col = doc.pos((*path, key), key=True)
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else (f"allowed keys: {', '.join(allowed)}" if allowed else None)
        )
        out.append(
            make(
                "SCHEMA001",
                f"unknown key {key!r} in {where}",
                doc.file,
                line,
                col,
                path=dotted((*path, key)),
                hint=hint,
            )
        )
    return out


def _finding(doc: Document, error: Any) -> Finding | list[Finding]:
    path = tuple(error.absolute_path)
    where = dotted(path)
    kind = error.validator
    inst = error.instance
    if kind == "required":
        missing = [k for k in error.validator_value if isinstance(inst, dict) and k not in inst]
        line, col = doc.pos(path, key=True) if path else (1, 1)
        return make(
            "SCHEMA001",
            f"{where} is missing required key {', '.join(map(repr, missing))}",
            doc.file,
            line,
            col,
            path=where,
        )
    if kind == "additionalProperties":
        return _unknown_keys(doc, error, path, where)
    if kind == "propertyNames":
        name = error.instance if isinstance(error.instance, str) else ""
        line, col = doc.pos((*path, name), key=True)
        return make(
            "SCHEMA001",
            f"{name!r} is not a valid name in {where}",
            doc.file,
            line,
            col,
            path=where,
            hint=_pattern_hint(error),
        )
    line, col = doc.pos(path)
    if kind == "type":
        expected = error.validator_value
        if expected == "string" and path in doc.plain:
            text = doc.plain[path]
            return make(
                "YAML005",
                f"{where}: {text!r} is read as {typename(inst)}, not a string",
                doc.file,
                line,
                col,
                path=where,
                hint=f"quote it: '{text}'",
            )
        names = expected if isinstance(expected, list) else [expected]
        return make(
            "SCHEMA001",
            f"{where} must be {' or '.join(_article(n) for n in names)}, not {typename(inst)}",
            doc.file,
            line,
            col,
            path=where,
        )
    if kind in ("enum", "const"):
        options = error.validator_value if kind == "enum" else [error.validator_value]
        return make(
            "SCHEMA001",
            f"{where} must be one of: {', '.join(map(str, options))}",
            doc.file,
            line,
            col,
            path=where,
        )
    if kind == "pattern":
        return make(
            "SCHEMA001",
            f"{where} has an invalid value",
            doc.file,
            line,
            col,
            path=where,
            hint=_pattern_hint(error),
        )
    return make("SCHEMA001", f"{where}: {error.message}", doc.file, line, col, path=where)


def _pattern_hint(error: Any) -> str | None:
    pattern = error.schema.get("pattern") if isinstance(error.schema, dict) else None
    if pattern is None and isinstance(error.validator_value, dict):
        pattern = error.validator_value.get("pattern")
    return f"it must match {pattern}" if pattern else None


def _article(name: str) -> str:
    return {"object": "a mapping", "array": "a list", "integer": "an integer", "null": "null"}.get(
        name, f"a {name}"
    )
