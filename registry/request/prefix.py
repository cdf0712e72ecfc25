"""Anthropic's prompt cache, turned into the request: one `cache_control` breakpoint at the end
of the static prefix — the tools, then the system text up to the first dynamic construct of a
system template — when that prefix reaches the model's cache minimum (`cache_min_tokens`;
below it nothing is cached, and a breakpoint only costs a cache write). The prefix the
CACHE001 rule looks at in check; with the breakpoint there, what follows it (the dynamic
system text, the messages) is sent fresh each time and the prefix is read from the cache."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from registry.models import tokens

EPHEMERAL = {"type": "ephemeral"}
SYSTEM_ROLES = ("system", "developer")


def static_spans(templates: list[str], rendered: list[dict[str, str]]) -> list[tuple[int, bool]]:
    """Per rendered message: how many of its leading characters are the template's static
    text, and whether the template is static throughout."""
    out = []
    for template, message in zip(templates, rendered, strict=True):
        static, whole = _static(template)
        text = message["content"]
        out.append((len(text), True) if whole else (_common(static, text), False))
    return out


@functools.lru_cache(maxsize=1024)
def _static(template: str) -> tuple[str, bool]:
    """A template's text before its first construct, and whether it has none (parsed once
    per template, not once per request)."""
    from registry.template.env import parse, pieces

    static: list[str] = []
    for piece in pieces(parse(template)):
        if piece[0] != "s":
            return "".join(static), False
        static.append(piece[1])
    return "".join(static), True


def _common(a: str, b: str) -> int:
    """Length of the common prefix of two strings."""
    if b.startswith(a):
        return len(a)  # the usual case: the rendered text starts with the static text
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def place_breakpoint(
    kwargs: dict[str, Any],
    tools: Mapping[str, Any],
    rendered: list[dict[str, str]],
    spans: list[tuple[int, bool]],
    facts: Mapping[str, Any],
) -> int:
    """Mark the end of the static prefix in an anthropic-messages body when the prefix
    reaches the cache minimum; its token count either way."""
    model = facts.get("runs")
    counted = tokens.count(tokens.tools_text(tools), model) if tools else 0
    where: tuple[str, int, int] | None = ("tools", len(tools) - 1, 0) if tools else None
    system = [i for i, m in enumerate(rendered) if m["role"] in SYSTEM_ROLES]
    for index, i in enumerate(system):
        text = rendered[i]["content"]
        end, whole = spans[i]
        if not whole and not text[end:].strip():
            end = len(text)  # only whitespace after it: the block ends the prefix
        if text[:end].strip():
            counted += tokens.count(text[:end], model)
            where = ("system", index, end)
        if not whole:
            break
    minimum = facts.get("cache_min_tokens")
    if where is None or not isinstance(minimum, int) or counted < minimum:
        return counted
    kind, index, end = where
    if kind == "tools":
        kwargs["tools"][index]["cache_control"] = dict(EPHEMERAL)
    else:
        kwargs["system"][index : index + 1] = _split(kwargs["system"][index]["text"], end)
    return counted


def _split(text: str, end: int) -> list[dict[str, Any]]:
    """A text as content blocks, the breakpoint after its first `end` characters."""
    blocks: list[dict[str, Any]] = [
        {"type": "text", "text": text[:end], "cache_control": dict(EPHEMERAL)}
    ]
    if text[end:]:
        blocks.append({"type": "text", "text": text[end:]})
    return blocks
