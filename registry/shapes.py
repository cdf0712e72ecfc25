"""Shapes of JSON read back from places the tool does not fully control (its caches, a
deploy artifact): a tiny declarative checker, so a value of the wrong shape is refused up
front instead of raising deep inside a stage.

    FINDING = Tuple(str, str, str, Opt(str), Opt(int), Opt(int), Opt(str), Opt(str))
    ok(value, ListOf(FINDING))

A spec is a type (`str`, `int`, `float`, `bool`, `dict`, `list`; `int` never matches a bool,
`float` also takes an int), `None`, `Any`, or one of the combinators below.
"""

from __future__ import annotations

import json
from typing import Any as _Any


class _AnyValue:
    def __repr__(self) -> str:
        return "Any"


Any = _AnyValue()


class Opt:
    """None, or a value of `spec`."""

    def __init__(self, spec: _Any) -> None:
        self.spec = spec


class OneOf:
    """A value of any one of the specs."""

    def __init__(self, *specs: _Any) -> None:
        self.specs = specs


class ListOf:
    """A list whose every item is of `spec`."""

    def __init__(self, spec: _Any) -> None:
        self.spec = spec


class DictOf:
    """A mapping of string keys to values of `spec`."""

    def __init__(self, spec: _Any) -> None:
        self.spec = spec


class Tuple:
    """A list of exactly these specs, in order (JSON has no tuples)."""

    def __init__(self, *specs: _Any) -> None:
        self.specs = specs


class Record:
    """A mapping with exactly these keys (`optional`: keys that may be missing)."""

    def __init__(self, fields: dict[str, _Any], optional: frozenset[str] = frozenset()) -> None:
        self.fields = fields
        self.optional = optional


def ok(value: _Any, spec: _Any) -> bool:
    """Whether `value` has the shape `spec` (see the module docstring)."""
    if spec is Any:
        return True
    if spec is None:
        return value is None
    if isinstance(spec, type):
        if spec is int:
            return type(value) is int
        if spec is float:
            return type(value) in (int, float)
        return isinstance(value, spec)
    if isinstance(spec, Opt):
        return value is None or ok(value, spec.spec)
    if isinstance(spec, OneOf):
        return any(ok(value, s) for s in spec.specs)
    if isinstance(spec, ListOf):
        return isinstance(value, list) and all(ok(v, spec.spec) for v in value)
    if isinstance(spec, DictOf):
        return isinstance(value, dict) and all(
            isinstance(k, str) and ok(v, spec.spec) for k, v in value.items()
        )
    if isinstance(spec, Tuple):
        return (
            isinstance(value, list)
            and len(value) == len(spec.specs)
            and all(ok(v, s) for v, s in zip(value, spec.specs, strict=True))
        )
    if isinstance(spec, Record):
        if not isinstance(value, dict) or not set(spec.fields) - spec.optional <= set(value):
            return False
        return set(value) <= set(spec.fields) and all(
            ok(v, spec.fields[k]) for k, v in value.items()
        )
    raise TypeError(f"not a shape: {spec!r}")


FINDING = Tuple(str, str, str, Opt(str), Opt(int), Opt(int), Opt(str), Opt(str))


def _refuse(constant: str) -> _Any:
    raise ValueError(constant)


def loads(raw: bytes | str) -> _Any:
    """JSON text read back from a cache, or None when it is not JSON (NaN and Infinity are
    not JSON, and never in what the tool writes)."""
    try:
        return json.loads(raw, parse_constant=_refuse)
    except (ValueError, RecursionError):
        return None
