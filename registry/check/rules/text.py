"""Prompt text hygiene: invisible characters, normalization, trailing whitespace, ASCII ids.

## PRM005 — invisible or control characters, non-ASCII ids
A zero-width space or a bidi override in a prompt changes what the model reads without any
reviewer seeing it; a Cyrillic `о` in a model id or alias is a different id that looks right.

Bad:
```yaml
    content: "Answer only from the passages.\u200b"
models: {chat: openai/gpt-4о-2024-08-06}   # Cyrillic о
```
Good:
```yaml
    content: "Answer only from the passages."
models: {chat: openai/gpt-4o-2024-08-06}
```

## PRM006 — prompt text not in Unicode NFC
The same visible text in two normalization forms has two fingerprints and tokenizes
differently; normalize to NFC.

Bad: `café` written as `cafe` + U+0301 (combining acute accent).
Good: `café` with the precomposed U+00E9.

## PRM007 — trailing whitespace or CR in prompt text
Trailing spaces and Windows line endings are invisible in review but reach the model and the
fingerprint; an editor that strips them creates drift nobody decided on.

Bad: `content: |` followed by `Answer briefly.   ` (three trailing spaces), or CRLF files.
Good: `Answer briefly.` and LF line endings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from registry.check.rules.base import FileView, content_line
from registry.common.findings import Finding, make
from registry.load.yaml import Document

CODES = ("PRM005", "PRM006", "PRM007")
_ALLOWED = {"\n", "\t"}


# Anything but tab, newline and printable ASCII (where every Cc and Cf character is): a text
# with no match (nearly all prompt text) is cleared by one regex scan instead of a category
# lookup per character.
_SUSPECT = re.compile(r"[^\t\n\x20-\x7e]")


def invisible(text: str) -> Iterator[tuple[int, int, str]]:
    """(line offset, column, char) of Cc/Cf characters other than newline and tab."""
    if not _SUSPECT.search(text):
        return
    line, col = 0, 0
    for ch in text:
        if ch == "\n":
            line, col = line + 1, 0
            continue
        col += 1
        if ch not in _ALLOWED and unicodedata.category(ch) in ("Cc", "Cf"):
            yield line, col, ch


def check_file(view: FileView) -> Iterator[Finding]:
    rel = view.result.rel
    if view.kind == "partial":
        text = view.result.data
        yield from _check_text(text, rel, 1, None)
        yield from _check_cr(rel, text)
        return
    doc = view.doc
    assert doc is not None
    if view.kind == "prompt":
        for i, msg in enumerate(doc.data.get("messages") or []):
            text = msg.get("content") if isinstance(msg, dict) else None
            if isinstance(text, str):
                yield from _check_text(text, rel, content_line(doc, i), f"messages[{i}].content")
        yield from _check_cr(rel, doc.text)
    elif view.kind == "environment":
        yield from _check_ids(doc, (), doc.data)


def _check_text(text: str, file: str, first_line: int, field: str | None) -> Iterator[Finding]:
    for off, col, ch in invisible(text):
        yield make(
            "PRM005",
            f"invisible character U+{ord(ch):04X} "
            f"({unicodedata.name(ch, 'control')}) in prompt text",
            file,
            first_line + off,
            col,
            path=field,
            hint="delete it; it is invisible in review",
        )
    if not unicodedata.is_normalized("NFC", text):
        for off, line in enumerate(text.split("\n")):
            if not unicodedata.is_normalized("NFC", line):
                yield make(
                    "PRM006",
                    "prompt text is not in Unicode NFC",
                    file,
                    first_line + off,
                    1,
                    path=field,
                    hint="normalize the text to NFC",
                )
                break
    for off, line in enumerate(text.split("\n")):
        stripped = line.rstrip(" \t\r")
        if stripped != line:
            yield make(
                "PRM007",
                "trailing whitespace in prompt text",
                file,
                first_line + off,
                len(stripped) + 1,
                path=field,
                hint="remove the trailing whitespace",
            )


def _check_cr(file: str, raw: str) -> Iterator[Finding]:
    pos = raw.find("\r")
    if pos >= 0:
        line = raw.count("\n", 0, pos) + 1
        yield make(
            "PRM007",
            "CR (Windows) line endings in a prompt file",
            file,
            line,
            1,
            hint="save the file with LF line endings",
        )


def _check_ids(doc: Document, path: tuple[Any, ...], value: Any) -> Iterator[Finding]:
    """Keys and model ids in environment layers must be plain, visible ASCII."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if not (key.isascii() and key.isprintable()):
                line, col = doc.pos((*path, key), key=True)
                yield make(
                    "PRM005",
                    f"id {key!r} has non-ASCII or invisible characters",
                    doc.file,
                    line,
                    col,
                    hint="ids must be plain ASCII",
                )
            if key != "ops":
                yield from _check_ids(doc, (*path, key), sub)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _check_ids(doc, (*path, i), sub)
    elif (
        isinstance(value, str)
        and "/" in value
        and " " not in value
        and not (value.isascii() and value.isprintable())
        and len(path) >= 2
        and path[0] in ("models", "routing", "rag", "prompts")
    ):
        line, col = doc.pos(path)
        yield make(
            "PRM005",
            f"model id {value!r} has non-ASCII or invisible characters",
            doc.file,
            line,
            col,
            hint="ids must be plain ASCII (look for homoglyphs)",
        )
