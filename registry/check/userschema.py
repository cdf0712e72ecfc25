"""JSON Schemas that users write (a prompt's `variables` and `response_format.schema`, a
tool's `parameters`), checked before they ship: the app validates inputs (and outputs) against
them at run time, where a broken one raises instead of validating.

`problems(schema)` finds, each with its path inside the schema:

* a schema the Draft 2020-12 metaschema rejects (`type: strin`, `required: name`);
* a `$ref` that does not resolve inside the schema itself (another file, a URL, a missing
  `#/$defs/x`): the schema must be complete, and nothing is fetched;
* a `pattern` (or `patternProperties` key) that does not compile, or that can backtrack
  catastrophically: a group repeated more than once that holds a variable repetition
  (`^(a+)+$`, `(\\w+\\s?)*`, `(.*,){20}`), which takes exponential or high-polynomial time on
  inputs crafted to fail.

The metaschema check is slow in jsonschema (about 2 ms a schema), so a structural check of
the keywords people write comes first (`_plausible`): a schema it accepts is valid (a test
compares it with jsonschema); anything else goes to jsonschema for the verdict and message.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

Path = tuple[Any, ...]
TYPES = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})
_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_ONE = [
    "items",
    "additionalProperties",
    "additionalItems",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
]
_LISTS = ("prefixItems", "allOf", "anyOf", "oneOf")
_COUNTS = [
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minContains",
    "maxContains",
]
_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_TEXTS = [
    "pattern",
    "format",
    "$ref",
    "$dynamicRef",
    "$anchor",
    "$dynamicAnchor",
    "$id",
    "$schema",
    "$comment",
    "title",
    "description",
    "contentEncoding",
    "contentMediaType",
]
_FLAGS = ("uniqueItems", "readOnly", "writeOnly", "deprecated")
_ANY = ("const", "default")


def problems(schema: Any) -> list[tuple[Path, str]]:
    """Every problem of a user's schema (see the module docstring), with its path in it."""
    key = _key(schema)
    return list(_problems(key)) if key is not None else list(_uncached(schema))


def _key(schema: Any) -> str | None:
    try:
        return json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        return None


@functools.lru_cache(maxsize=4096)
def _problems(key: str) -> tuple[tuple[Path, str], ...]:
    """Schemas repeat across prompt versions and prompts: each distinct one is checked once."""
    return tuple(_uncached(json.loads(key)))


def _uncached(schema: Any) -> Iterator[tuple[Path, str]]:
    if not _plausible(schema):
        found = _metaschema_error(schema)
        if found is not None:
            yield found
            return
    if not isinstance(schema, dict):
        return
    anchors = {sub["$anchor"] for _p, sub in walk(schema) if isinstance(sub.get("$anchor"), str)}
    ids = {sub["$id"] for _p, sub in walk(schema) if isinstance(sub.get("$id"), str)}
    for path, sub in walk(schema):
        for keyword in ("$ref", "$dynamicRef"):
            ref = sub.get(keyword)
            if isinstance(ref, str) and not _resolves(schema, ref, anchors, ids):
                yield (*path, keyword), f"{keyword} {ref!r} does not resolve inside the schema"
        pattern = sub.get("pattern")
        if isinstance(pattern, str):
            problem = regex_problem(pattern)
            if problem:
                yield (*path, "pattern"), problem
        for name in sub.get("patternProperties") or {}:
            problem = regex_problem(name) if isinstance(name, str) else None
            if problem:
                yield (*path, "patternProperties", name), problem


def walk(schema: Any, path: Path = ()) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every subschema that is a mapping, with its path (data such as `enum` is not entered)."""
    if not isinstance(schema, dict):
        return
    yield path, schema
    for keyword in _MAPS:
        children = schema.get(keyword)
        if isinstance(children, dict):
            for name, child in children.items():
                yield from walk(child, (*path, keyword, name))
    for keyword in _ONE:
        yield from walk(schema.get(keyword), (*path, keyword))
    for keyword in _LISTS:
        children = schema.get(keyword)
        if isinstance(children, list):
            for i, child in enumerate(children):
                yield from walk(child, (*path, keyword, i))


def _resolves(root: dict[str, Any], ref: str, anchors: set[str], ids: set[str]) -> bool:
    if ref in ids:
        return True
    if not ref.startswith("#"):
        return False  # another document or a URL: never fetched
    fragment = ref[1:]
    if not fragment:
        return True
    if not fragment.startswith("/"):
        return fragment in anchors
    from urllib.parse import unquote

    node: Any = root
    for token in fragment[1:].split("/"):
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return isinstance(node, (dict, bool))


def _metaschema_error(schema: Any) -> tuple[Path, str] | None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return tuple(exc.path), f"not a valid JSON Schema: {exc.message}"
    return None


def _count(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return value >= 0 and float(value).is_integer()


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _plausible(schema: Any, depth: int = 0) -> bool:
    """True only for schemas the 2020-12 metaschema accepts (a fast path for the keywords
    people write; False means: ask jsonschema)."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict) or depth > 50:
        return False
    return all(_keyword(k, v, depth) for k, v in schema.items())


def _keyword(key: str, value: Any, depth: int) -> bool:
    if key.startswith("x-") or key in _ANY:
        return True
    if key == "type":
        names = value if isinstance(value, list) else [value]
        return bool(names) and all(n in TYPES for n in names) and len(set(names)) == len(names)
    if key in _MAPS:
        return isinstance(value, dict) and all(_plausible(v, depth + 1) for v in value.values())
    if key in _ONE:
        return _plausible(value, depth + 1)
    if key in _LISTS:
        return (
            isinstance(value, list) and bool(value) and all(_plausible(v, depth + 1) for v in value)
        )
    if key == "required":
        return _strings(value)
    if key in ("enum", "examples"):
        return isinstance(value, list)
    if key in _COUNTS:
        return _count(value)
    if key in _NUMBERS:
        return _number(value)
    if key == "multipleOf":
        return _number(value) and value > 0
    if key in _TEXTS:
        return isinstance(value, str)
    if key in _FLAGS:
        return isinstance(value, bool)
    if key == "dependentRequired":
        return isinstance(value, dict) and all(_strings(v) for v in value.values())
    return False  # a keyword this check does not know: jsonschema decides


def _strings(value: Any) -> bool:
    return (
        isinstance(value, list)
        and all(isinstance(v, str) for v in value)
        and len(set(value)) == len(value)
    )


# -- regular expressions -----------------------------------------------------------------------
if sys.version_info >= (3, 11):
    import re._constants as _sre  # type: ignore[import-not-found]
    import re._parser as _sre_parse  # type: ignore[import-not-found]
else:  # pragma: no cover - Python 3.10
    import sre_constants as _sre
    import sre_parse as _sre_parse

_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT}


@functools.lru_cache(maxsize=4096)
def regex_problem(pattern: str) -> str | None:
    """Why a schema's regular expression is unsafe to ship (None: it is fine)."""
    try:
        re.compile(pattern)
        parsed = _sre_parse.parse(pattern)
    except (re.error, OverflowError, RecursionError) as exc:
        return f"pattern {pattern!r} is not a valid regular expression: {exc}"
    if _nested(list(parsed), False):  # type: ignore[call-overload]
        return (
            f"pattern {pattern!r} can backtrack catastrophically (a repeated group holds "
            "another variable repetition)"
        )
    return None


def _nested(items: list[Any], repeated: bool) -> bool:
    """Whether a variable repetition sits inside a group that repeats more than once."""
    for op, av in items:
        if op in _REPEATS:
            low, high, sub = av
            variable = low != high
            if repeated and variable:
                return True
            if _nested(list(sub), repeated or high > 1):
                return True
        elif op is _sre.SUBPATTERN:
            if _nested(list(av[-1]), repeated):
                return True
        elif op is _sre.BRANCH:
            if any(_nested(list(branch), repeated) for branch in av[1]):
                return True
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT) and _nested(list(av[1]), repeated):
            return True
    return False
