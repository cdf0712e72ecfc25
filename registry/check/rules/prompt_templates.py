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

## PRM009 — partials nested too deep, or a message too large once they are inlined
The artifact carries every message with its partials inlined, so that apps render it with no
file access. Partials nested more than 8 levels deep, or a message over 1,048,576 characters
once its partials are inlined, are refused: nine tiny partials that each include the next ten
times expand to a hundred million copies. Sizes are computed from the include counts, never by
building the text. (A partial that includes itself, directly or through others, is REF002.)

Bad:
```yaml
# prompts/_partials/a.j2 includes b.j2 ten times, b.j2 includes c.j2 ten times, ... i.j2
    content: '{% include "a.j2" %}'
```
Good:
```yaml
    content: '{% include "tone.j2" %}'   # a partial of plain text, or one level of includes
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
from typing import TYPE_CHECKING

from registry.check.rules.base import Context, FileView, content_line
from registry.common.findings import Finding, make
from registry.load.access import Escape, Special
from registry.load.yaml import Document
from registry.template.partials import INCLUDE_RE, MAX_EXPANDED, MAX_INCLUDE_DEPTH

if TYPE_CHECKING:
    from registry.check.analyze import TemplateFacts

CODES = ("PRM001", "PRM002", "PRM003", "PRM008", "PRM009", "REF001", "REF002", "REF003")
UNSAFE_HINT = "use plain variables and filters; the sandbox refuses this at run time"


def _bad_path(name: str) -> bool:
    p = PurePosixPath(name)
    return p.is_absolute() or ".." in p.parts or "\\" in name


def check_file(view: FileView) -> Iterator[Finding]:
    """PRM001 and PRM008: they depend on one template alone."""
    rel = view.result.rel
    for i, facts in enumerate(view.result.templates):
        if facts is None:
            continue
        if view.kind == "partial":
            base, field = 0, None
        else:
            assert view.doc is not None
            base, field = content_line(view.doc, i) - 1, f"messages[{i}].content"
        if facts.error is not None:
            yield make(
                "PRM001",
                f"template syntax error: {facts.error[0]}",
                rel,
                base + facts.error[1],
                1,
                path=field,
            )
        for message, lineno in facts.unsafe:
            yield make(
                "PRM008",
                f"unsafe template construct: {message}",
                rel,
                base + lineno,
                1,
                path=field,
                hint=UNSAFE_HINT,
            )


def check(ctx: Context) -> Iterator[Finding]:
    """PRM002, PRM003, PRM009, include cycles and the partial and evals references: they
    need the partials."""
    own: dict[str, set[str]] = {}
    for name, partial in ctx.reg.partials.items():
        result = ctx.reg.results.get(partial.file)
        facts = result.templates[0] if result is not None and result.templates else None
        own[name] = set(facts.reads) if facts is not None else set()
    graph = ctx.reg.partial_graph
    partial_reads = {  # a partial reads what it reads and what the partials it includes read
        name: reads.union(*(own[c] for c in graph.closure(name))) for name, reads in own.items()
    }
    if ctx.shared:
        yield from _cycles(ctx)
    for _pid, _version, doc in ctx.prompt_docs():
        yield from _check_prompt(ctx, doc, partial_reads)


def _cycles(ctx: Context) -> Iterator[Finding]:
    """REF002 at each partial's include that closes a cycle (a partial that includes itself,
    or a ring of partials): it can never be inlined."""
    graph = ctx.reg.partial_graph
    for name in sorted(ctx.reg.partials):
        partial = ctx.reg.partials[name]
        if graph.cycle(name) is None:
            continue
        for child in dict.fromkeys(graph.edges[name]):
            if child == name or name in graph.closure(child):
                line = _include_line(partial.text, child)
                yield make(
                    "REF002",
                    f"{graph.cycle(name)}: a partial that includes itself is never inlined",
                    partial.file,
                    line,
                    1,
                    hint="break the cycle: move the shared text into a partial of its own",
                )
                break


def _include_line(text: str, name: str) -> int:
    """Line (1-based) of the first literal include of `name` in a template."""
    for match in INCLUDE_RE.finditer(text):
        if match.group("name") == name:
            return text.count("\n", 0, match.start()) + 1
    return 1


def _check_prompt(
    ctx: Context, doc: Document, partial_reads: dict[str, set[str]]
) -> Iterator[Finding]:
    props = (doc.data.get("variables") or {}).get("properties") or {}
    used: set[str] = set()
    for i, facts in enumerate(ctx.facts(doc)):
        if facts is None:
            continue
        if facts.error is not None:
            used.update(props)  # do not call declared variables unused when we cannot tell
            continue
        base = content_line(doc, i) - 1
        field = f"messages[{i}].content"
        yield from _expansion(ctx, doc, i, facts, base, field)
        for name, lineno in facts.reads.items():
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
        for name, lineno in facts.includes:
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


def _expansion(
    ctx: Context, doc: Document, i: int, facts: TemplateFacts, base: int, field: str
) -> Iterator[Finding]:
    """PRM009 (or REF002 for a cycle) when a message's partials cannot be inlined."""
    source = doc.data["messages"][i].get("content")
    problem = ctx.reg.partial_graph.expansion(source) if isinstance(source, str) else None
    if problem is None:
        return
    line = next((ln for name, ln in facts.includes if f"include of {name!r}" in problem), 1)
    cycle = "include cycle" in problem
    yield make(
        "REF002" if cycle else "PRM009",
        f"partials cannot be inlined: {problem}",
        doc.file,
        base + line,
        1,
        path=field,
        hint="break the include cycle"
        if cycle
        else f"nest partials at most {MAX_INCLUDE_DEPTH} deep and keep a message under "
        f"{MAX_EXPANDED:,} characters",
    )


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
    key: tuple[str, ...] = ("evals",)
    if isinstance(evals, dict):  # {dataset, accept}
        evals, key = evals.get("dataset"), ("evals", "dataset")
    if not isinstance(evals, str):
        return
    line, col = doc.pos(key)
    if _bad_path(evals):
        yield make(
            "REF003",
            f"evals path {evals!r} is absolute or leaves the registry",
            doc.file,
            line,
            col,
            path=".".join(key),
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
            path=".".join(key),
        )
        return
    except Special as special:
        yield make(special.code, f"evals path {evals!r} {special.why}", doc.file, line, col)
        return
    if not found:
        yield make(
            "REF001",
            f"evals file {evals!r} does not exist",
            doc.file,
            line,
            col,
            path=".".join(key),
        )
