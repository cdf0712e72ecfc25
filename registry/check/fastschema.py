"""A fast yes/no JSON Schema check for the passing case.

Nearly every file is valid, and `jsonschema` spends most of its time building error context
nobody reads (about 6 ms per small document; importing it costs 50 ms). This module compiles
our schemas, once, into plain Python predicates for the Draft 2020-12 keywords they use. A file
that passes here has no SCHEMA001 finding; one that fails goes to `jsonschema` for the
detailed errors, so findings are the same either way (tests hold the two equal on the corpus
and on generated documents).

A schema using any keyword not listed in `SUPPORTED` is not compiled: `compile_schema` returns
None and every document of that kind goes to `jsonschema`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "examples", "default", "x-behavior"}
)
SUPPORTED = frozenset(
    {
        "type",
        "properties",
        "additionalProperties",
        "required",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "pattern",
        "propertyNames",
        "enum",
        "const",
        "minimum",
        "maximum",
        "$ref",
        "$defs",
    }
)


class Unsupported(Exception):
    """The schema uses a keyword this module does not implement."""


def _is_integer(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
}


def equal(a: Any, b: Any) -> bool:
    """JSON equality as JSON Schema means it: `true` is not `1`, `1` is `1.0`."""
    if isinstance(a, str) or isinstance(b, str):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


class Compiler:
    """Compiles schemas that reference each other by `$id` (refs resolved lazily, so
    recursive schemas work)."""

    def __init__(self, schemas: list[Mapping[str, Any]]) -> None:
        self.by_id = {s["$id"]: s for s in schemas if "$id" in s}
        self.done: dict[int, Check] = {}

    def compile(self, schema: Any, base: str) -> Check:
        if schema is True:
            return lambda x: True
        if schema is False:
            return lambda x: False
        if not isinstance(schema, Mapping):
            raise Unsupported(f"schema {schema!r}")
        key = id(schema)
        if key in self.done:
            return self.done[key]
        slot: list[Check] = []
        self.done[key] = lambda x: slot[0](x)  # for recursion through $ref
        check = self._compile(schema, schema.get("$id", base))
        slot.append(check)
        self.done[key] = check
        return check

    def _compile(self, schema: Mapping[str, Any], base: str) -> Check:
        unknown = set(schema) - SUPPORTED - ANNOTATIONS
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        checks: list[Check] = []
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            checks.append(_any_of([TYPES[n] for n in names]))
        if "enum" in schema:
            checks.append(_one_of(list(schema["enum"])))
        if "const" in schema:
            checks.append(_one_of([schema["const"]]))
        checks.extend(self._object(schema, base))
        checks.extend(self._array(schema, base))
        checks.extend(_string(schema))
        checks.extend(_number(schema))
        if "$ref" in schema:
            checks.append(self._ref(schema["$ref"], base))
        if not checks:
            return _anything
        if len(checks) == 1:
            return checks[0]
        return _all_of(checks)

    def _object(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        props = {k: self.compile(v, base) for k, v in (schema.get("properties") or {}).items()}
        extra = schema.get("additionalProperties", True)
        extra_check = None if extra is True else self.compile(extra, base)
        required = list(schema.get("required") or [])
        names = self.compile(schema["propertyNames"], base) if "propertyNames" in schema else None
        if not (props or extra_check or required or names):
            return []

        def check(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            for k in required:
                if k not in x:
                    return False
            for k, v in x.items():
                if names is not None and not names(k):
                    return False
                sub = props.get(k)
                if sub is not None:
                    if not sub(v):
                        return False
                elif extra_check is not None and not extra_check(v):
                    return False
            return True

        return [check]

    def _array(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        items = self.compile(schema["items"], base) if "items" in schema else None
        lo, hi = schema.get("minItems"), schema.get("maxItems")
        if items is None and lo is None and hi is None:
            return []

        def check(x: Any) -> bool:
            if not isinstance(x, list):
                return True
            if lo is not None and len(x) < lo:
                return False
            if hi is not None and len(x) > hi:
                return False
            return items is None or all(items(v) for v in x)

        return [check]

    def _ref(self, ref: str, base: str) -> Check:
        uri, _, pointer = ref.partition("#")
        if uri:
            if "://" not in uri:
                uri = base.rsplit("/", 1)[0] + "/" + uri
        else:
            uri = base
        target: Any = self.by_id.get(uri)
        if target is None:
            raise Unsupported(f"$ref {ref}")
        for part in [p for p in pointer.split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                raise Unsupported(f"$ref {ref}")
            target = target[part]
        return self.compile(target, uri)


def _anything(x: Any) -> bool:
    return True


def _any_of(preds: list[Check]) -> Check:
    return lambda x: any(f(x) for f in preds)


def _all_of(preds: list[Check]) -> Check:
    return lambda x: all(f(x) for f in preds)


def _one_of(options: list[Any]) -> Check:
    return lambda x: any(equal(x, v) for v in options)


def _string(schema: Mapping[str, Any]) -> list[Check]:
    pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
    lo, hi = schema.get("minLength"), schema.get("maxLength")
    if pattern is None and lo is None and hi is None:
        return []

    def check(x: Any) -> bool:
        if not isinstance(x, str):
            return True
        if lo is not None and len(x) < lo:
            return False
        if hi is not None and len(x) > hi:
            return False
        return pattern is None or pattern.search(x) is not None

    return [check]


def _number(schema: Mapping[str, Any]) -> list[Check]:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if lo is None and hi is None:
        return []

    def check(x: Any) -> bool:
        if not _is_number(x):
            return True
        return (lo is None or x >= lo) and (hi is None or x <= hi)

    return [check]


def compile_schema(schema: Mapping[str, Any], others: list[Mapping[str, Any]]) -> Check | None:
    """A predicate equal to "jsonschema finds no error", or None when not supported."""
    compiler = Compiler([schema, *others])
    try:
        return compiler.compile(schema, schema.get("$id", ""))
    except (Unsupported, re.error, KeyError, TypeError):
        return None
