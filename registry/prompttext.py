"""Prompt text without Jinja2: inlining literal partial includes, and the static shape of a
template from its pieces (see `registry.templates.pieces`). Kept free of the jinja2 import so
the resolve and rule stages start fast on cached runs."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from typing import Any

INCLUDE_RE = re.compile(
    r"\{%(?P<lstrip>-?)\s*include\s+(?P<q>[\"'])(?P<name>[^\"'{}]+)(?P=q)"
    r"(?:\s+ignore\s+missing)?(?:\s+with(?:out)?\s+context)?\s*(?P<rstrip>-?)%\}"
)


@dataclasses.dataclass(frozen=True)
class Shape:
    """Static text of a template: before its first dynamic construct, and in all."""

    static_prefix: str
    static_total: str
    first_dynamic: str | None  # a variable name or construct, for messages
    first_dynamic_line: int | None


def shape(parts: list[list[Any]], partials: Mapping[str, list[list[Any]]]) -> Shape:
    """Static prefix and total of a template, with literal includes expanded."""
    prefix: list[str] = []
    total: list[str] = []
    first: tuple[str, int] | None = None
    for piece in _expand(parts, partials, 0, None):
        if piece[0] == "s":
            total.append(piece[1])
            if first is None:
                prefix.append(piece[1])
        elif first is None:
            first = (piece[1], piece[2])
    if first is None:
        return Shape("".join(prefix), "".join(total), None, None)
    return Shape("".join(prefix), "".join(total), first[0], first[1])


def _expand(
    parts: list[list[Any]], partials: Mapping[str, list[list[Any]]], depth: int, line: int | None
) -> Iterator[list[Any]]:
    for piece in parts:
        if piece[0] == "i" and piece[1] in partials and depth < 8:
            inner = [list(p) for p in partials[piece[1]]]
            if inner and inner[-1][0] == "s" and inner[-1][1].endswith("\n"):
                inner[-1][1] = inner[-1][1][:-1]  # Jinja drops one trailing newline
            yield from _expand(inner, partials, depth + 1, line or piece[2])
        elif piece[0] == "s":
            yield piece
        else:  # dynamic, or an unknown include: at the including line when nested
            yield [piece[0], piece[1], line or piece[2]]


def inline(source: str, partials: Mapping[str, str], *, depth: int = 0) -> str:
    """Replace literal `{% include "x.j2" %}` with the partial's text, the way Jinja would
    render it (one trailing newline dropped; `-` whitespace control honoured)."""
    if depth > 8 or "include" not in source:
        return source

    def repl(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in partials:
            return match.group(0)
        text = partials[name]
        text = text[:-1] if text.endswith("\n") else text
        return (
            "\x00L" * bool(match.group("lstrip"))
            + inline(text, partials, depth=depth + 1)
            + ("\x00R" * bool(match.group("rstrip")))
        )

    out = INCLUDE_RE.sub(repl, source)
    if "\x00" in out:
        out = re.sub(r"\s*\x00L", "", out)
        out = re.sub(r"\x00R\s*", "", out)
    return out
