"""Template facts for the plain subset of Jinja2 most prompt templates are written in, without
importing or running Jinja2's parser.

A cold run analyzes every template; Jinja2's lexer and recursive-descent parser cost about
0.25 ms a template, most of the per-file time. Prompt templates are mostly text with a few
variables, a loop, a condition and an include, and for those the facts (`reads`, `includes`,
`pieces`) can be read off the tags directly. This module accepts exactly that subset:

- text without `{#` and without carriage returns;
- `{{ name }}`, `{{ name.attr }}` and filter chains `{{ name | f | g("literal", 3) }}`;
- `{% for name in name.attr %}` … `{% endfor %}`;
- `{% if name %}` / `{% elif name %}` / `{% else %}` / `{% endif %}`;
- `{% include "partial.j2" %}`;

each tag on one line, with no whitespace control (`{%-`) and no reserved word as a name.
Anything else — and every construct that could be unsafe (calls, `_`-attributes, `attr`,
`format`, imports) or a syntax error — returns None, and the caller parses with Jinja2. A test
compares both on generated templates, the corpus and the benchmark registry.
"""

from __future__ import annotations

import re
from typing import Any

# Names a template may read without declaring them (Jinja2's globals and loop helpers).
BUILTIN_NAMES = frozenset(
    {
        "loop",
        "range",
        "dict",
        "lipsum",
        "cycler",
        "joiner",
        "namespace",
        "caller",
        "varargs",
        "kwargs",
        "super",
        "self",
        "true",
        "false",
        "none",
        "True",
        "False",
        "None",
    }
)
# Words Jinja2's parser may read as something other than a variable: never a name here.
_RESERVED = frozenset(
    {"and", "or", "not", "in", "is", "if", "else", "elif", "for", "recursive", "with"}
    | {"without", "context", "ignore", "missing", "import", "from", "as", "block", "set"}
    | {"true", "false", "none", "True", "False", "None"}
)

_OPEN = re.compile(r"\{[{%#]")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ATTRS = r"(?:\.[A-Za-z][A-Za-z0-9_]*)*"  # no "_" attributes: those are findings
_STRING = r"""(?:"[^"\\{}%\n]*"|'[^'\\{}%\n]*')"""
_LITERAL = rf"(?:{_STRING}|[0-9]+|true|false|True|False|none|None)"
_ARGS = rf"\([ \t]*(?:{_LITERAL}(?:[ \t]*,[ \t]*{_LITERAL})*)?[ \t]*\)"
_FILTER = rf"[ \t]*\|[ \t]*({_NAME})(?:{_ARGS})?"
_VARIABLE = re.compile(rf"[ \t]*(?P<name>{_NAME}){_ATTRS}(?P<filters>(?:{_FILTER})*)[ \t]*\Z")
_FILTER_NAMES = re.compile(_FILTER)
_BLOCK = re.compile(
    rf"[ \t]*(?:"
    rf"for[ \t]+(?P<target>{_NAME})[ \t]+in[ \t]+(?P<iter>{_NAME}){_ATTRS}"
    rf"|(?P<test_kw>if|elif)[ \t]+(?P<test>{_NAME}){_ATTRS}"
    rf"|(?P<bare>endfor|else|endif)"
    rf"|include[ \t]+(?P<include>{_STRING})"
    rf")[ \t]*\Z"
)
# Left to Jinja2's parser (and `registry.template.env`' checks): filters that reach attributes
# or format strings, and filters that look attributes up by a name they are given.
_UNSAFE_FILTERS = frozenset(
    {"attr", "format", "map", "selectattr", "rejectattr", "groupby", "sort", "sum", "unique"}
    | {"min", "max", "join"}
)
MAX_NESTING = 20  # deeper blocks are left to Jinja2 (which refuses very deep ones)


def scan(source: str) -> tuple[dict[str, int], list[tuple[str, int]], list[list[Any]]] | None:
    """(reads, includes, pieces) as `registry.template.env` computes them from the AST, or None
    when the template is outside the plain subset."""
    if "\r" in source or "{#" in source:
        return None
    if source.endswith("\n"):  # Jinja2 drops one trailing newline (keep_trailing_newline off)
        source = source[:-1]
    loads: list[tuple[str, int]] = []  # variables read, in the AST's pre-order
    stored: set[str] = set()
    includes: list[tuple[str, int]] = []
    pieces: list[list[Any]] = []
    open_blocks: list[str] = []  # "for", "if", "else" (an if past its else)
    pos, line = 0, 1
    for match in _OPEN.finditer(source):
        start = match.start()
        if start < pos:
            continue  # inside a tag already read (e.g. "{{{")
        if start > pos:
            text = source[pos:start]
            if not open_blocks:
                pieces.append(["s", text])
            line += text.count("\n")
        close = source.find("}}" if match.group() == "{{" else "%}", start + 2)
        if close < 0:
            return None
        body = source[start + 2 : close]  # the tag patterns admit no newline, "-" or "+" here
        if match.group() == "{{":
            name = _variable(body)
            if name is None:
                return None
            loads.append((name, line))
            if not open_blocks:
                pieces.append(["d", name, line])
        elif not _block(body, line, open_blocks, loads, stored, includes, pieces):
            return None
        pos = close + 2
    if open_blocks:
        return None
    if pos < len(source):
        pieces.append(["s", source[pos:]])
    reads: dict[str, int] = {}
    for name, at in loads:
        if name not in stored and name not in BUILTIN_NAMES:
            reads.setdefault(name, at)
    return reads, includes, pieces


def _variable(body: str) -> str | None:
    """The variable a `{{ … }}` reads, None outside the subset."""
    found = _VARIABLE.match(body)
    if found is None or found.group("name") in _RESERVED or found.group("name") == "lipsum":
        return None
    filters = found.group("filters")
    if filters and any(f in _UNSAFE_FILTERS for f in _FILTER_NAMES.findall(filters)):
        return None
    return found.group("name")


def _block(
    body: str,
    line: int,
    open_blocks: list[str],
    loads: list[tuple[str, int]],
    stored: set[str],
    includes: list[tuple[str, int]],
    pieces: list[list[Any]],
) -> bool:
    """Take one `{% … %}` tag; False outside the subset (or unbalanced)."""
    found = _BLOCK.match(body)
    if found is None:
        return False
    top = not open_blocks
    if found.group("target") is not None:
        target, name = found.group("target"), found.group("iter")
        if target in _RESERVED or name in _RESERVED or name == "lipsum":
            return False
        stored.add(target)
        loads.append((name, line))
        if top:
            pieces.append(["d", name, line])
        open_blocks.append("for")
        return len(open_blocks) <= MAX_NESTING
    keyword = found.group("test_kw") or found.group("bare")
    if found.group("test") is not None:
        name = found.group("test")
        if name in _RESERVED:
            return False
        if keyword == "if":
            if top:
                pieces.append(["d", name, line])
            open_blocks.append("if")
            if len(open_blocks) > MAX_NESTING:
                return False
        elif not open_blocks or open_blocks[-1] != "if":
            return False
        loads.append((name, line))
        return True
    if keyword == "else":
        if not open_blocks or open_blocks[-1] != "if":
            return False
        open_blocks[-1] = "else"
        return True
    if keyword == "endfor":
        return bool(open_blocks) and open_blocks.pop() == "for"
    if keyword == "endif":
        return bool(open_blocks) and open_blocks.pop() in ("if", "else")
    partial = found.group("include")[1:-1]
    includes.append((partial, line))
    if top:
        pieces.append(["i", partial, line])
    return True
