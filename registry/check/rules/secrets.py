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

import functools
from collections.abc import Iterator
from typing import Any

from registry.check.rules.base import FileView, content_line
from registry.common.findings import Finding, make
from registry.common.redact import (
    CREDENTIAL_KEY,
    REFERENCE,
    block_lines,
    find_secrets,
    looks_random,
)
from registry.load.yaml import Document

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
        for path, key, value in view.strings:
            yield from _check_string(view.doc, path, key, value)


@functools.lru_cache(maxsize=4096)
def _credential_key(key: str) -> bool:
    return CREDENTIAL_KEY.search(key) is not None


def _check_string(doc: Document, path: tuple[Any, ...], key: str, value: str) -> Iterator[Finding]:
    if path[:2] == ("ops", "credentials"):
        if not REFERENCE.match(value):
            line, col = doc.pos(path)
            yield make(
                "SEC001",
                f"{_where(path)} is a literal value, not an environment-variable reference",
                doc.file,
                line,
                col,
                path=_where(path),
                hint=HINT,
            )
        return
    for label, match in find_secrets(value):
        line, col = doc.pos(path)
        mline = line
        if len(path) >= 3 and path[0] == "messages" and path[-1] == "content":
            mline = content_line(doc, path[1]) + value.count("\n", 0, match.start())
        yield make(
            "SEC001",
            f"literal secret ({label}) in {_where(path)}",
            doc.file,
            mline,
            col if mline == line else 1,
            path=_where(path),
            hint=HINT,
        )
        return
    if _credential_key(key) and looks_random(value):
        line, col = doc.pos(path)
        yield make(
            "SEC001",
            f"{_where(path)} looks like a literal secret (high-entropy value under a "
            "credential-like key)",
            doc.file,
            line,
            col,
            path=_where(path),
            hint=HINT,
        )


def _where(path: tuple[Any, ...]) -> str:
    return ".".join(map(str, path))


def literal_secrets(reg: Any) -> set[str]:
    """Literal values to mask in every output: non-reference credentials and secret-looking
    values under credential-like keys, anywhere in the registry."""
    return {value for _scope, value in scoped_secrets(reg)}


def scoped_secrets(reg: Any, shared: bool = True) -> list[tuple[str | None, str]]:
    """The literal values of `literal_secrets`, each with the prompt whose file holds it
    (`shared=False`: only those in prompt files). Found once per file content, in the
    per-file analysis (cached)."""
    from registry.check.rules.base import scope_of

    out: list[tuple[str | None, str]] = []
    for rel, result in sorted(reg.results.items()):
        if result.data is None:
            continue
        scope = scope_of(rel)
        if scope is None and not shared:
            continue
        out.extend((scope, value) for value in result.literals)
    return out


def file_literals(found_strings: list[tuple[tuple[Any, ...], str, str]]) -> list[str]:
    """The literal values among one document's strings (see `strings`, `literal_secrets`)."""
    found = {
        value
        for path, key, value in found_strings
        if (path[:2] == ("ops", "credentials") and not REFERENCE.match(value))
        or (_credential_key(key) and looks_random(value))
    }
    for _path, _key, value in found_strings:  # a private key's body lines, one by one
        found.update(block_lines(value))
    return sorted(found)
