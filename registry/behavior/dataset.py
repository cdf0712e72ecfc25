"""Golden datasets: one JSON object per line, each a case with its inputs and assertions
(promptfoo's assertion names), checked against the unit that will run it before anything is
sent. A line that is not valid is EVAL003 at its line and column, in `validate` and `check`.

    {"id": "reset", "inputs": {"question": "..."}, "assert": [{"type": "contains", "value": "10"}]}
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from registry.common.errors import InputError, RenderError

MAX_BYTES = 16 * 1024 * 1024
CASE_KEYS = frozenset({"id", "inputs", "assert", "description", "metadata"})
# type -> what its `value` must be: None (no value), or a check and what it wants
STRING = (lambda v: isinstance(v, str), "a string")
NUMBER = (
    lambda v: (
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
    ),
    "a number >= 0",
)
COUNT = (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "an integer >= 0")
TYPES: dict[str, tuple[Any, str] | None] = {
    "equals": (lambda v: True, "any JSON value"),
    "contains": STRING,
    "icontains": STRING,
    "not-contains": STRING,
    "regex": STRING,
    "starts-with": STRING,
    "is-json": None,
    "json-schema": (lambda v: isinstance(v, dict), "a JSON Schema object"),
    "max-length": COUNT,
    "tool-call": STRING,
    "latency": NUMBER,
    "cost": NUMBER,
}
OPTIONAL_VALUE = frozenset({"json-schema"})  # without one: the unit's response_format schema


@dataclasses.dataclass(frozen=True)
class Target:
    """What a dataset is checked against: the unit that runs it."""

    variables: Mapping[str, Any]
    tools: tuple[str, ...]
    schema: Mapping[str, Any] | None  # the response_format's JSON Schema, if any


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    line: int
    inputs: dict[str, Any]
    asserts: list[dict[str, Any]]


@dataclasses.dataclass(frozen=True)
class Problem:
    line: int
    col: int
    message: str


def digest(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def parse(raw: bytes, target: Target) -> tuple[list[Case], list[Problem]]:
    """The cases of a dataset, and every line that is not a valid case for `target`."""
    if len(raw) > MAX_BYTES:
        return [], [Problem(1, 1, f"dataset is {len(raw):,} bytes, over the {MAX_BYTES:,} limit")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = raw[: exc.start].count(b"\n") + 1
        return [], [Problem(at, 1, "dataset is not UTF-8")]
    cases: list[Case] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        case = _case(line, number, target, problems)
        if case is None:
            continue
        if case.id in seen:
            problems.append(
                Problem(
                    number, _col(line, "id"), f"case id {case.id!r} repeats line {seen[case.id]}"
                )
            )
            continue
        seen[case.id] = number
        cases.append(case)
    if not cases and not problems:
        problems.append(Problem(1, 1, "dataset has no cases"))
    return cases, problems


def _case(line: str, number: int, target: Target, problems: list[Problem]) -> Case | None:
    before = len(problems)

    def bad(message: str, key: str | None = None) -> None:
        problems.append(Problem(number, _col(line, key) if key else 1, message))

    try:
        data = json.loads(line, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        bad(f"not JSON: {exc.msg}")
        problems[-1] = Problem(number, exc.colno, problems[-1].message)
        return None
    except (ValueError, RecursionError) as exc:
        bad(f"not JSON: {exc}")
        return None
    if not isinstance(data, dict):
        bad(f"a case is a JSON object, not {_kind(data)}")
        return None
    for key in sorted(set(data) - CASE_KEYS):
        if key == "expect_contains":  # the format before assertions
            bad(
                'expect_contains is the old format: "assert": [{"type": "contains", "value": …}]',
                key,
            )
        else:
            bad(f"unknown key {key!r} (a case has {', '.join(sorted(CASE_KEYS))})", key)
    case_id = data.get("id", f"line {number}")
    if not isinstance(case_id, str) or not case_id:
        bad("id must be a non-empty string", "id")
    inputs = data.get("inputs")
    if not isinstance(inputs, dict):
        bad(
            "inputs must be a JSON object (the render inputs)",
            "inputs" if "inputs" in data else None,
        )
    elif not _fits(target.variables, inputs):
        try:
            from registry.template.inputs import check_inputs

            check_inputs(target.variables, inputs)
        except InputError as exc:
            bad(f"inputs do not fit the prompt's variables: {exc}", "inputs")
        except RenderError:
            pass  # the prompt's own schema is broken: SCHEMA001 says so at the prompt
    asserts = data.get("assert")
    if not isinstance(asserts, list) or not asserts:
        bad("assert must be a non-empty list (a case that cannot fail tests nothing)", "assert")
    else:
        for i, item in enumerate(asserts):
            why = _assertion(item, target)
            if why:
                bad(f"assert[{i}]: {why}", "assert")
    if len(problems) > before:
        return None
    return Case(str(case_id), number, dict(inputs or {}), list(asserts or []))


def _assertion(item: Any, target: Target) -> str | None:
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        return 'an assertion is an object with a "type"'
    kind = item["type"]
    if kind not in TYPES:
        import difflib

        close = difflib.get_close_matches(kind, list(TYPES), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (one of {', '.join(TYPES)})"
        return f"unknown assertion type {kind!r}{hint}"
    extra = set(item) - {"type", "value"}
    if extra:
        return f"unknown key {sorted(extra)[0]!r} in a {kind} assertion"
    wants = TYPES[kind]
    if wants is None:
        return f"{kind} takes no value" if "value" in item else None
    if "value" not in item:
        if kind in OPTIONAL_VALUE:
            if target.schema is None:
                return "json-schema without a value needs a json_schema response_format"
            return None
        return f"{kind} needs a value ({wants[1]})"
    value = item["value"]
    if not wants[0](value):
        return f"{kind} value must be {wants[1]}, not {_kind(value)}"
    if kind == "regex":  # the same checks as a schema's `pattern`: it runs on every answer
        from registry.check.userschema import regex_problem

        why = regex_problem(value)
        if why is not None:
            return f"regex: {why}"
    if kind == "json-schema":
        from registry.check.userschema import problems as schema_problems

        found = schema_problems(value)
        if found:
            at, why = found[0]
            where = "/".join(str(p) for p in at)
            return f"json-schema value is not a valid schema: {why}" + (
                f" at {where}" if where else ""
            )
    if kind == "tool-call" and value not in target.tools:
        bound = ", ".join(target.tools) or "none"
        return f"tool-call names {value!r}, not a tool of the unit (bound: {bound})"
    return None


def _fits(variables: Any, inputs: Mapping[str, Any]) -> bool:
    """Whether the inputs surely fit `variables`, by the compiled predicate of
    registry.check.fastschema (False: ask jsonschema, for the verdict and its message). Every
    commit hook parses the datasets; importing jsonschema would cost it 50 ms."""
    if not isinstance(variables, dict):
        return False
    check = _predicate(json.dumps(variables, sort_keys=True))
    return check is not None and bool(check(dict(inputs)))


@functools.lru_cache(maxsize=64)
def _predicate(variables: str) -> Any:
    from registry.check.fastschema import compile_schema

    return compile_schema(json.loads(variables), [])


def _col(line: str, key: str | None) -> int:
    found = line.find(f'"{key}"') if key else -1
    return found + 1 if found >= 0 else 1


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
