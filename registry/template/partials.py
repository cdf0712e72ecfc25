"""Prompt text without Jinja2: inlining literal partial includes, and the static shape of a
template from its pieces (see `registry.template.env.pieces`). Kept free of the jinja2 import so
the resolve and rule stages start fast on cached runs."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
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


MAX_INCLUDE_DEPTH = 8  # partials inside partials inside ... a message
MAX_EXPANDED = 1024 * 1024  # characters of one message once its partials are inlined


class PartialGraph:
    """Which partials include which (literal `{% include %}`s), and what inlining them costs:
    a cycle, nesting deeper than MAX_INCLUDE_DEPTH or a text over MAX_EXPANDED characters is a
    problem (REF002 / PRM009), and such a partial is never inlined. Sizes are computed from
    the include counts, never by building the text: 9 partials that each include the next 10
    times expand to 10^8 copies, and that is found in microseconds."""

    def __init__(self, partials: Mapping[str, str]) -> None:
        self.texts = dict(partials)
        # identifies these partials' texts while `texts` lives (memo keys use it with `texts`)
        self.key = tuple(sorted((name, id(text)) for name, text in self.texts.items()))
        self.edges = {name: includes(text) for name, text in self.texts.items()}
        self._done: dict[str, tuple[int, int, str | None]] = {}  # name -> size, depth, problem

    def _visit(self, name: str, stack: tuple[str, ...] = ()) -> tuple[int, int, str | None]:
        if name in self._done:
            return self._done[name]
        if name in stack:
            chain = " -> ".join([*stack[stack.index(name) :], name])
            return 0, 0, f"include cycle: {chain}"
        size, depth, problem = len(self.texts[name]), 0, None
        for child, times in Counter(self.edges[name]).items():
            if child not in self.texts:
                continue  # an unknown partial: REF001 where it is included
            c_size, c_depth, c_problem = self._visit(child, (*stack, name))
            size, depth = size + times * c_size, max(depth, c_depth + 1)
            problem = problem or c_problem
        if problem is None and depth > MAX_INCLUDE_DEPTH:
            problem = f"partials nested {depth} levels deep, over the limit of {MAX_INCLUDE_DEPTH}"
        if problem is None and size > MAX_EXPANDED:
            problem = f"expands to {size:,} characters, over the limit of {MAX_EXPANDED:,}"
        self._done[name] = (size, depth, problem)
        return size, depth, problem

    def problem(self, name: str) -> str | None:
        """Why `name` cannot be inlined (None: it can)."""
        return self._visit(name)[2] if name in self.texts else None

    def cycle(self, name: str) -> str | None:
        """The include cycle through `name`, when there is one."""
        problem = self.problem(name)
        return problem if problem and problem.startswith("include cycle") else None

    def closure(self, name: str) -> set[str]:
        """Every known partial `name` includes, directly or through others."""
        seen: set[str] = set()
        todo = [c for c in self.edges.get(name, []) if c in self.texts]
        while todo:
            child = todo.pop()
            if child not in seen:
                seen.add(child)
                todo.extend(c for c in self.edges[child] if c in self.texts)
        return seen

    def expansion(self, source: str) -> str | None:
        """Why a message template cannot have its partials inlined (None: it can)."""
        size = len(source)
        for name, times in Counter(includes(source)).items():
            if name in self.texts:
                child_size, child_depth, problem = self._visit(name)
                if problem is not None:
                    return f"include of {name!r}: {problem}"
                if child_depth + 1 > MAX_INCLUDE_DEPTH:
                    return (
                        f"partials nested {child_depth + 1} levels deep, over the limit of "
                        f"{MAX_INCLUDE_DEPTH}"
                    )
                size += times * child_size
        if size > MAX_EXPANDED:
            return f"expands to {size:,} characters, over the limit of {MAX_EXPANDED:,}"
        return None

    def inline(self, source: str) -> str:
        """`inline` of a message template, or the template unchanged when `expansion` has a
        problem with it (the finding says so; the text is never built)."""
        if "include" not in source or self.expansion(source) is not None:
            return source
        return inline(source, self.texts)


def includes(source: str) -> list[str]:
    """The partial names a template includes literally, in order (with repeats)."""
    if "include" not in source:
        return []
    return [m.group("name") for m in INCLUDE_RE.finditer(source)]


def shape(parts: list[list[Any]], partials: Mapping[str, list[list[Any]]]) -> Shape:
    """Static prefix and total of a template, with literal includes expanded (`partials`:
    those that can be inlined, see `PartialGraph`)."""
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
        if piece[0] == "i" and piece[1] in partials and depth < MAX_INCLUDE_DEPTH:
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
    render it (one trailing newline dropped; `-` whitespace control honoured). Use
    `PartialGraph.inline`, which first checks what the inlining would cost."""
    if depth > MAX_INCLUDE_DEPTH or "include" not in source:
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
