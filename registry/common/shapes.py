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
from collections.abc import Callable
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
    """Whether `value` has the shape `spec` (see the module docstring). Specs are compiled
    once and kept: make them once, at module level, not per call."""
    check = _COMPILED.get(id(spec))
    if check is None:
        check = _COMPILED[id(spec)] = compiled(spec)
        _KEEP.append(spec)  # (ids stay valid while the spec lives)
    return check(value)


_COMPILED: dict[int, Callable[[_Any], bool]] = {}
_KEEP: list[_Any] = []
_TYPES = {int: "type({v}) is int", float: "type({v}) in (int, float)"}


def compiled(spec: _Any) -> Callable[[_Any], bool]:
    """A predicate for `spec`, generated as one Python expression: checking a 5 MB snapshot
    calls no function per value (an interpreted walk took a quarter of a warm run)."""
    constants: dict[str, _Any] = {}
    source = _expr(spec, "value", constants, [0])
    namespace: dict[str, _Any] = dict(constants)
    exec(f"def check(value):\n    return {source}\n", namespace)  # our own specs only
    check: Callable[[_Any], bool] = namespace["check"]
    return check


def _expr(spec: _Any, v: str, constants: dict[str, _Any], counter: list[int]) -> str:
    counter[0] += 1
    n = counter[0]
    if spec is Any:
        return "True"
    if spec is None:
        return f"{v} is None"
    if isinstance(spec, type):
        if spec in _TYPES:
            return _TYPES[spec].format(v=v)
        constants[f"T{n}"] = spec
        return f"isinstance({v}, T{n})"
    if isinstance(spec, Opt):
        return f"({v} is None or {_expr(spec.spec, v, constants, counter)})"
    if isinstance(spec, OneOf):
        return "(" + " or ".join(_expr(s, v, constants, counter) for s in spec.specs) + ")"
    if isinstance(spec, ListOf):
        item = _expr(spec.spec, f"x{n}", constants, counter)
        return f"(type({v}) is list and all({item} for x{n} in {v}))"
    if isinstance(spec, DictOf):
        item = _expr(spec.spec, f"x{n}", constants, counter)
        return (
            f"(type({v}) is dict and all(type(k{n}) is str and {item} "
            f"for k{n}, x{n} in {v}.items()))"
        )
    if isinstance(spec, Tuple):
        parts = [_expr(s, f"{v}[{i}]", constants, counter) for i, s in enumerate(spec.specs)]
        body = " and ".join(parts) or "True"
        return f"(type({v}) is list and len({v}) == {len(spec.specs)} and {body})"
    if isinstance(spec, Record):
        constants[f"F{n}"] = frozenset(spec.fields)
        constants[f"R{n}"] = frozenset(spec.fields) - spec.optional
        parts = [
            f"({key!r} not in {v} or {_expr(s, f'{v}[{key!r}]', constants, counter)})"
            for key, s in spec.fields.items()
        ]
        head = f"type({v}) is dict and R{n} <= {v}.keys() and {v}.keys() <= F{n}"
        return "(" + " and ".join([head, *parts]) + ")"
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
