"""Text that reaches a terminal, a CI log or a pull-request comment, made safe to print.

A file name, a key or a value can hold any character. Printed raw, a newline in a file name
starts a line of its own (in a GitHub Actions log, `::error file=…::` is a workflow command),
an ANSI sequence erases or recolours lines, a bidi control reorders what a reviewer reads, a
NUL truncates. Every human-readable output therefore shows such characters as escapes
(`\\n`, `\\u001b`, `\\u202e`): `visible_line` for one field (a newline too), `visible_text`
for a block whose own line breaks are kept. JSON and SARIF need neither: JSON escapes control
characters itself and consumers read the exact values.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible_line(text: str) -> str:
    """One field, on one line: every non-printable character (a newline too) as an escape."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def one_line(text: str) -> str:
    """A field of a line-oriented output: its line breaks as escapes (`visible_text`, applied
    to the whole output, shows the rest)."""
    if "\n" not in text and "\r" not in text:
        return text
    return text.replace("\r", "\\r").replace("\n", "\\n")


def visible_text(text: str) -> str:
    """A block of lines: every non-printable character but the line breaks as an escape."""
    if text.replace("\n", "").isprintable():  # the usual case: one pass in C
        return text
    return "\n".join(visible_line(line) for line in text.split("\n"))
