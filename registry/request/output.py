"""A model's answer checked before it goes downstream: the text out of an SDK response, then,
for a `json_schema` response format, strict JSON validated against the unit's schema."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from registry.common.errors import OutputError


def text_of(response: Any) -> str:
    """The answer's text: a string as it is, or out of an SDK response (or its JSON): a
    Responses `output_text`, a chat completion's first choice, a Messages response's text
    blocks."""
    if isinstance(response, str):
        return response
    if isinstance(getattr(response, "output_text", None), str):  # a property, not a field
        return str(response.output_text)
    data = response.model_dump() if hasattr(response, "model_dump") else response
    if not isinstance(data, Mapping):
        raise OutputError(f"not a model response: {type(response).__name__}")
    if "choices" in data:
        choices = data["choices"] or [{}]
        content = (choices[0].get("message") or {}).get("content")
        if isinstance(content, str):
            return content
        raise OutputError("the completion has no text (a tool call, or a refusal)")
    if isinstance(data.get("content"), list):  # Anthropic Messages
        return "".join(b.get("text", "") for b in data["content"] if b.get("type") == "text")
    if isinstance(data.get("output"), list):  # Responses, as JSON
        return "".join(
            c.get("text", "")
            for item in data["output"]
            if item.get("type") == "message"
            for c in item.get("content") or []
            if c.get("type") == "output_text"
        )
    raise OutputError("not a model response: no choices, content or output")


def parse(response: Any, response_format: Mapping[str, Any] | None) -> Any:
    """The text for a `text` format; for `json_schema`, the parsed value, validated. An
    OutputError names the JSON path and the keyword that failed."""
    text = text_of(response)
    if not response_format or response_format.get("type") != "json_schema":
        return text
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise OutputError(f"output is not JSON: {exc}") from None
    from jsonschema import Draft202012Validator

    schema = response_format.get("schema") or {"type": "object"}
    errors = sorted(
        Draft202012Validator(schema).iter_errors(value),
        key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path]),
    )
    if errors:
        err = errors[0]
        path = json_path(err.absolute_path)
        raise OutputError(
            f"output at {path} fails {err.validator!r}: {err.message}", path, str(err.validator)
        )
    return value


def json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
