"""Assertions of a golden case (promptfoo's names), held against one reply. Each returns None
when it holds, or what failed, said so a reader sees why without the receipt open."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from registry.behavior.send import Reply


def failures(
    asserts: list[dict[str, Any]],
    reply: Reply,
    usd: float | None,
    schema: Mapping[str, Any] | None,
) -> list[str]:
    """What failed of a case's assertions (empty: the case passed)."""
    out = []
    for item in asserts:
        why = _one(item["type"], item.get("value"), "value" in item, reply, usd, schema)
        if why is not None:
            out.append(why)
    return out


def _one(
    kind: str,
    value: Any,
    given: bool,
    reply: Reply,
    usd: float | None,
    schema: Mapping[str, Any] | None,
) -> str | None:
    text = reply.text
    if kind == "equals":
        if isinstance(value, str):
            same = text.strip() == value.strip()
        else:
            parsed = _json(text)
            same = parsed is not _NOT_JSON and parsed == value
        return None if same else f"equals {_short(value)}"
    if kind == "contains":
        return None if value in text else f"contains {_short(value)}"
    if kind == "icontains":
        return None if value.lower() in text.lower() else f"icontains {_short(value)}"
    if kind == "not-contains":
        return None if value not in text else f"not-contains {_short(value)}"
    if kind == "regex":
        return None if re.search(value, text) else f"regex {_short(value)}"
    if kind == "starts-with":
        return None if text.lstrip().startswith(value) else f"starts-with {_short(value)}"
    if kind == "is-json":
        return None if _json(text) is not _NOT_JSON else "is-json"
    if kind == "json-schema":
        return _schema(text, value if given else schema)
    if kind == "max-length":
        return None if len(text) <= value else f"max-length {value} (was {len(text)})"
    if kind == "tool-call":
        called = [name for name, args in reply.tool_calls if _json(args) is not _NOT_JSON]
        return None if value in called else f"tool-call {value!r} (called: {called or 'none'})"
    if kind == "latency":
        if reply.latency_s <= value:
            return None
        return f"latency {value:g} s (was {reply.latency_s:.2f} s)"
    if kind == "cost":
        if usd is None:
            return "cost: the model has no catalog price"
        return None if usd <= value else f"cost {value:g} USD (was {usd:.6f})"
    return f"unknown assertion {kind!r}"  # the dataset check refuses these first


_NOT_JSON = object()


def _json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _schema(text: str, schema: Mapping[str, Any] | None) -> str | None:
    value = _json(text)
    if value is _NOT_JSON:
        return "json-schema (not JSON)"
    from jsonschema import Draft202012Validator

    errors = sorted(
        Draft202012Validator(schema or {}).iter_errors(value),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if not errors:
        return None
    where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
    return f"json-schema at {where}: {errors[0].message[:120]}"


def _short(value: Any) -> str:
    shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _no_constant(name: str) -> Any:
    raise ValueError(name)
