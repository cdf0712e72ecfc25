"""Prompt-cache friendliness of the static prefix (tools, then system messages).

Providers cache the longest prefix of a request they have seen before. One dynamic byte early
in the prefix (a user id, a timestamp) makes every request a cache miss.

## CACHE001 — dynamic content early in the cacheable prefix
The static text after the first dynamic construct in the tools + system message(s) is longer
than the static text before it: move the dynamic part to the end or to the user message.

Bad:
```yaml
  - role: system
    content: |
      Customer: {{ customer_name }}
      You are Acme's support assistant. (… 2,000 tokens of policy …)
```
Good:
```yaml
  - role: system
    content: |
      You are Acme's support assistant. (… 2,000 tokens of policy …)
  - role: user
    content: "Customer: {{ customer_name }}"
```

## CACHE002 — static prefix shorter than the provider's minimum cacheable length
Below the minimum (1,024 tokens for openai and anthropic; set `cache.min_prefix_tokens` in
registry.yaml) nothing is cached. Information only: short prompts are fine, but a prompt that
is almost long enough may be worth reordering.

Bad: a 300-token system prompt followed by a 900-token static few-shot block placed after
`{{ question }}`.
Good: the few-shot block moved before the first variable, so the static prefix is 1,200 tokens.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from registry.check.rules.base import Context, content_line, shapes, tools_text
from registry.common.findings import Finding, make
from registry.load.yaml import Document
from registry.models import tokens

if TYPE_CHECKING:
    from registry.resolve.units import Unit

CODES = ("CACHE001", "CACHE002")
SYSTEM_ROLES = ("system", "developer")


def _prefix(
    ctx: Context, unit: Unit, parts: list[Any], model: str | None
) -> tuple[int, int, int, tuple[int, str, int] | None]:
    """Tokens before the first dynamic construct (system messages, with tools first), the
    whole static prefix, the static tokens after it, and where the first dynamic part is,
    counted for `model`."""

    def count(text: str) -> int:
        return ctx.count(unit.prompt, text, model)

    before = count(tools_text(unit))  # tools come first in the provider's prefix
    prefix_total, after = before, 0
    first: tuple[int, str, int] | None = None  # message index, construct, template line
    for i, (msg, shape) in enumerate(zip(unit.messages, parts, strict=True)):
        assert shape is not None
        system = msg["role"] in SYSTEM_ROLES
        if first is None:
            prefix_total += count(shape.static_prefix)
            if system:
                before += count(shape.static_prefix)
            if shape.first_dynamic is not None:
                first = (i, shape.first_dynamic, shape.first_dynamic_line or 1)
                if system:
                    after += count(shape.static_total[len(shape.static_prefix) :])
        elif system:
            after += count(shape.static_total)
        else:
            break
    return before, prefix_total, after, first


def check(ctx: Context) -> Iterator[Finding]:
    for _env, unit in ctx.units():
        doc = ctx.reg.prompt_doc(unit.prompt, unit.version)
        if doc is not None and doc.ok:
            yield from _check_unit(ctx, unit, doc)


def _check_unit(ctx: Context, unit: Unit, doc: Document) -> Iterator[Finding]:
    parts = shapes(ctx, unit)
    if any(p is None for p in parts):
        return  # PRM001 says why
    order = unit.tool_order or sorted(unit.tools)
    model = ctx.reg.settings.runs(unit.model) if unit.model else None
    tools = (tuple(id(unit.tools[n]) for n in order), tuple(order))
    key = ("cache-prefix", id(doc), *tools, tokens.encoding_for(model))
    if key not in ctx.memo:  # the same file, tools and tokenizer everywhere: count once
        ctx.memo[key] = _prefix(ctx, unit, parts, model)
    before, prefix_total, after, first = ctx.memo[key]
    if first is not None and unit.messages[first[0]]["role"] in SYSTEM_ROLES and after > before:
        i, name, tline = first
        yield make(
            "CACHE001",
            f"{unit.prompt}: dynamic {name!r} comes after only {before} static "
            f"tokens of the cacheable prefix, before {after} more static tokens",
            doc.file,
            content_line(doc, i) + tline - 1,
            1,
            path=f"messages[{i}].content",
            hint="move the dynamic part to the end, or into the user message",
        )
    minimum = ctx.reg.settings.cache_min_tokens(model) if model else None
    if minimum and prefix_total < minimum:
        line, col = doc.pos(("messages",))
        provider = (unit.model or "").split("/", 1)[0]
        yield make(
            "CACHE002",
            f"{unit.prompt}: static prefix is {prefix_total} tokens, below "
            f"{provider}'s {minimum}-token cache minimum for {model} ({tokens.name(model)})",
            doc.file,
            line,
            col,
            path="messages",
        )
