"""Literal secrets anywhere in the registry, prompt text included.

## SEC001 — a literal secret
A key committed to a config repository is leaked to everyone who can read it, and to every CI
log that prints it. Matches provider key prefixes (`sk-`, `sk-ant-`, `AKIA`, `AIza`, `ghp_`),
private keys, JWTs, and high-entropy values under credential-like keys. Under
`ops.credentials` only environment-variable references (`${VAR}`) are allowed. The value is
never printed, in any output format.

Bad:
```yaml
ops:
  credentials: {openai: sk-proj-…}
```
Good:
```yaml
ops:
  credentials: {openai: "${OPENAI_API_KEY_PROD}"}
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.findings import Finding, make
from registry.load import Document
from registry.redact import CREDENTIAL_KEY, REFERENCE, find_secrets, looks_random
from registry.rules import FileView, content_line

CODES = ("SEC001",)
HINT = "remove it, rotate the key, and reference an environment variable: ${NAME}"


def check_file(view: FileView) -> Iterator[Finding]:
    if view.kind == "partial":
        text = view.result.data
        for label, match in find_secrets(text):
            line = text.count("\n", 0, match.start()) + 1
            yield make(
                "SEC001",
                f"literal secret ({label}) in prompt text",
                view.result.rel,
                line,
                1,
                hint=HINT,
            )
    elif view.doc is not None:
        yield from _walk(view.doc, (), view.doc.data)


def _walk(doc: Document, path: tuple[Any, ...], value: Any) -> Iterator[Finding]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _walk(doc, (*path, key), sub)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _walk(doc, (*path, i), sub)
    elif isinstance(value, str):
        yield from _check_string(doc, path, value)


def _check_string(doc: Document, path: tuple[Any, ...], value: str) -> Iterator[Finding]:
    where = ".".join(map(str, path))
    line, col = doc.pos(path)
    if path[:2] == ("ops", "credentials"):
        if not REFERENCE.match(value):
            yield make(
                "SEC001",
                f"{where} is a literal value, not an environment-variable reference",
                doc.file,
                line,
                col,
                path=where,
                hint=HINT,
            )
        return
    for label, match in find_secrets(value):
        mline = line
        if len(path) >= 3 and path[0] == "messages" and path[-1] == "content":
            mline = content_line(doc, path[1]) + value.count("\n", 0, match.start())
        yield make(
            "SEC001",
            f"literal secret ({label}) in {where}",
            doc.file,
            mline,
            col if mline == line else 1,
            path=where,
            hint=HINT,
        )
        return
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    if CREDENTIAL_KEY.search(key) and looks_random(value):
        yield make(
            "SEC001",
            f"{where} looks like a literal secret (high-entropy value under a credential-like key)",
            doc.file,
            line,
            col,
            path=where,
            hint=HINT,
        )


def literal_secrets(reg: Any) -> set[str]:
    """Literal values to mask in every output: non-reference credentials and secret-looking
    values under credential-like keys, anywhere in the registry."""
    return {value for _scope, value in scoped_secrets(reg)}


def scoped_secrets(reg: Any, shared: bool = True) -> list[tuple[str | None, str]]:
    """The literal values of `literal_secrets`, each with the prompt whose file holds it
    (`shared=False`: only those in prompt files). Found once per file content, in the
    per-file analysis (cached)."""
    from registry.rules import scope_of

    out: list[tuple[str | None, str]] = []
    for rel, result in sorted(reg.results.items()):
        if result.kind == "partial" or result.data is None:
            continue
        scope = scope_of(rel)
        if scope is None and not shared:
            continue
        out.extend((scope, value) for value in result.literals)
    return out


def file_literals(data: Any) -> list[str]:
    """The literal values of one loaded YAML document (see `literal_secrets`)."""
    found: set[str] = set()
    _collect(data, (), found)
    return sorted(found)


def _collect(value: Any, path: tuple[Any, ...], found: set[str]) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _collect(sub, (*path, key), found)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            _collect(sub, (*path, i), found)
    elif isinstance(value, str):
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        literal = path[:2] == ("ops", "credentials") and not REFERENCE.match(value)
        if literal or (CREDENTIAL_KEY.search(key) and looks_random(value)):
            found.add(value)
