"""Prompt templates: syntax, variables, partials and unsafe constructs.

## PRM001 — template syntax error
A template that does not parse fails at the first request in production. The finding points at
the file line inside the block (for `content: |` the template's line 1 is the next line).

Bad:
```yaml
  - role: user
    content: |
      Question: {{ question }
```
Good:
```yaml
  - role: user
    content: |
      Question: {{ question }}
```

## PRM002 — template uses a variable that `variables` does not declare
An undeclared input is either a typo (rendered as an error at run time) or an input the app
does not know it must send.

Bad:
```yaml
variables: {type: object, properties: {question: {type: string}}}
messages:
  - {role: user, content: "{{ questoin }}"}
```
Good:
```yaml
variables: {type: object, properties: {question: {type: string}}}
messages:
  - {role: user, content: "{{ question }}"}
```

## PRM003 — `variables` declares a variable no template uses
An input the app sends that never reaches the model is usually a forgotten edit.

Bad:
```yaml
variables: {type: object, properties: {question: {type: string}, locale: {type: string}}}
messages:
  - {role: user, content: "{{ question }}"}
```
Good:
```yaml
variables: {type: object, properties: {question: {type: string}}}
messages:
  - {role: user, content: "{{ question }}"}
```

## PRM008 — unsafe template construct
Templates run in a sandbox; constructs that reach into Python objects (`__class__`, `|attr`,
`.format()`) or call methods on non-plain data are refused before they ship.

Bad:
```yaml
  - {role: user, content: "{{ question.__class__ }}"}
```
Good:
```yaml
  - {role: user, content: "{{ question | trim }}"}
```

## Partials and evals paths (see REF001 and REF003)
`{% include "x.j2" %}` must name a file in `prompts/_partials/`; `evals` must be a relative
path inside the registry.

Bad:
```yaml
    content: '{% include "../../secrets.j2" %}'
evals: /etc/passwd
```
Good:
```yaml
    content: '{% include "tone.j2" %}'
evals: evals/support-answer.jsonl
```
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from registry import templates
from registry.findings import Finding, make
from registry.load import Document
from registry.rules import Context, content_line
from registry.source import Escape

CODES = ("PRM001", "PRM002", "PRM003", "PRM008", "REF001", "REF003")


def _bad_path(name: str) -> bool:
    p = PurePosixPath(name)
    return p.is_absolute() or ".." in p.parts or "\\" in name


def check(ctx: Context) -> Iterator[Finding]:
    partial_reads: dict[str, set[str]] = {}
    for name, partial in sorted(ctx.reg.partials.items()):
        yield from _check_partial(ctx, name, partial.file, partial.text, partial_reads)
    for _pid, _version, doc in ctx.prompt_docs():
        yield from _check_prompt(ctx, doc, partial_reads)


def _check_partial(
    ctx: Context, name: str, file: str, text: str, reads: dict[str, set[str]]
) -> Iterator[Finding]:
    try:
        tree = templates.parse(text)
    except templates.TemplateError as exc:
        yield make("PRM001", f"template syntax error: {exc.message}", file, exc.lineno, 1)
        reads[name] = set()
        return
    info = templates.analyze(tree)
    reads[name] = set(info.reads)
    for issue in info.unsafe:
        yield make("PRM008", f"unsafe template construct: {issue.message}", file, issue.lineno, 1)


def _check_prompt(
    ctx: Context, doc: Document, partial_reads: dict[str, set[str]]
) -> Iterator[Finding]:
    data = doc.data
    props = (data.get("variables") or {}).get("properties") or {}
    used: set[str] = set()
    for i, msg in enumerate(data.get("messages") or []):
        source = msg.get("content") if isinstance(msg, dict) else None
        if not isinstance(source, str):
            continue
        base = content_line(doc, i) - 1
        field = f"messages[{i}].content"
        try:
            tree = templates.parse(source)
        except templates.TemplateError as exc:
            yield make(
                "PRM001",
                f"template syntax error: {exc.message}",
                doc.file,
                base + exc.lineno,
                1,
                path=field,
            )
            used.update(props)  # do not call declared variables unused when we cannot tell
            continue
        info = templates.analyze(tree)
        for issue in info.unsafe:
            yield make(
                "PRM008",
                f"unsafe template construct: {issue.message}",
                doc.file,
                base + issue.lineno,
                1,
                path=field,
                hint="use plain variables and filters; the sandbox refuses this at run time",
            )
        for name, lineno in info.reads.items():
            used.add(name)
            if name not in props:
                yield make(
                    "PRM002",
                    f"template uses {name!r}, which `variables` does not declare",
                    doc.file,
                    base + lineno,
                    1,
                    path=field,
                    hint=f"declare it under variables.properties.{name}, or fix the name",
                )
        for name, lineno in info.includes:
            yield from _check_include(
                ctx, doc, name, base + lineno, field, props, used, partial_reads
            )
    for name in props:
        if name not in used:
            line, col = doc.pos(("variables", "properties", name), key=True)
            yield make(
                "PRM003",
                f"variable {name!r} is declared but no template uses it",
                doc.file,
                line,
                col,
                path=f"variables.properties.{name}",
                hint="remove it, or use it in a message",
            )
    yield from _check_evals(ctx, doc)


def _check_include(
    ctx: Context,
    doc: Document,
    name: str,
    line: int,
    field: str,
    props: dict[str, object],
    used: set[str],
    partial_reads: dict[str, set[str]],
) -> Iterator[Finding]:
    if _bad_path(name):
        yield make(
            "REF003",
            f"include {name!r} leaves prompts/_partials/",
            doc.file,
            line,
            1,
            path=field,
            hint="name a partial relative to prompts/_partials/",
        )
        return
    if name not in ctx.reg.partials:
        known = ", ".join(sorted(ctx.reg.partials)) or "none"
        yield make(
            "REF001",
            f"unknown partial {name!r}",
            doc.file,
            line,
            1,
            path=field,
            hint=f"partials in prompts/_partials/: {known}",
        )
        return
    for var in sorted(partial_reads.get(name, set())):
        used.add(var)
        if var not in props:
            yield make(
                "PRM002",
                f"partial {name!r} uses {var!r}, which `variables` does not declare",
                doc.file,
                line,
                1,
                path=field,
                hint=f"declare it under variables.properties.{var}",
            )


def _check_evals(ctx: Context, doc: Document) -> Iterator[Finding]:
    evals = doc.data.get("evals")
    if not isinstance(evals, str):
        return
    line, col = doc.pos(("evals",))
    if _bad_path(evals):
        yield make(
            "REF003",
            f"evals path {evals!r} is absolute or leaves the registry",
            doc.file,
            line,
            col,
            path="evals",
            hint="use a path relative to the registry root",
        )
        return
    try:
        found = ctx.reg.source.read(evals) is not None
    except Escape:
        yield make(
            "REF003",
            f"evals path {evals!r} resolves outside the registry",
            doc.file,
            line,
            col,
            path="evals",
        )
        return
    if not found:
        yield make(
            "REF001", f"evals file {evals!r} does not exist", doc.file, line, col, path="evals"
        )
