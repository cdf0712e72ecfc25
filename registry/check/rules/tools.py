"""Tool definitions: valid schemas and names every provider accepts.

## TOOL001 — a tool's `parameters` is not a valid JSON Schema
Providers reject the whole request (or worse, silently ignore the schema). Checked against the
JSON Schema metaschema; a `$ref` must resolve inside the schema, and a `pattern` must compile
and not backtrack catastrophically (see `registry.check.userschema`).

Bad:
```yaml
tools:
  search_kb:
    description: Search the knowledge base.
    parameters: {type: object, properties: {query: {type: text}}}
```
Good:
```yaml
    parameters: {type: object, properties: {query: {type: string}}}
```

## TOOL002 — tool name not `^[a-zA-Z0-9_-]{1,64}$`, or two names equal after case folding
Providers reject names with dots or spaces, and `Search` and `search` confuse both the model and
the dispatcher.

Bad:
```yaml
tools: {search.kb: {…}, Search_KB: {…}, search_kb: {…}}
```
Good:
```yaml
tools: {search_kb: {…}}
```

## TOOL003 — a prompt or binding uses an undefined tool
Reported where the tool is named (`defaults.tools` or the binding's `tools`).

Bad:
```yaml
prompts: {support-answer: {version: 3, tools: [search_kb, lookup_order]}}   # lookup_order undefined
```
Good:
```yaml
tools: {lookup_order: {description: …, parameters: {…}}}
prompts: {support-answer: {version: 3, tools: [search_kb, lookup_order]}}
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from registry.check.rules.base import Context, FileView
from registry.common.findings import Finding, make

if TYPE_CHECKING:
    from registry.resolve.units import Environment

CODES = ("TOOL001", "TOOL002")
NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}\Z")


def check_file(view: FileView) -> Iterator[Finding]:
    """TOOL001 on each layer's tool parameters (per file: cached, and jsonschema is imported
    only when a layer is analyzed)."""
    if view.kind != "environment" or view.doc is None:
        return
    from registry.check.userschema import problems

    doc = view.doc
    for name, tool in (doc.data.get("tools") or {}).items():
        params = tool.get("parameters") if isinstance(tool, dict) else None
        if not isinstance(params, dict):
            continue
        for path, message in problems(params):
            line, col = doc.pos(("tools", name, "parameters", *path))
            yield make(
                "TOOL001",
                f"tool {name!r}: parameters: {message}",
                doc.file,
                line,
                col,
                path=f"tools.{name}.parameters",
                hint="check it against the JSON Schema specification",
            )


def check(ctx: Context) -> Iterator[Finding]:
    for env in ctx.environments():
        yield from _check_env(env)


def _check_env(env: Environment) -> Iterator[Finding]:
    """Names of the tools an environment defines, and their required fields, after merging."""
    folded: dict[str, str] = {}
    for name, tool in (env.merged.get("tools") or {}).items():  # definition order
        if not NAME.match(name):
            yield make(
                "TOOL002",
                f"tool name {name!r} is not accepted by providers",
                *env.origin(("tools", name)),
                path=f"tools.{name}",
                hint="use ^[a-zA-Z0-9_-]{1,64}$",
            )
        key = name.casefold()
        if key in folded:
            yield make(
                "TOOL002",
                f"tool {name!r} equals {folded[key]!r} after case folding",
                *env.origin(("tools", name)),
                path=f"tools.{name}",
                hint="rename one of them",
            )
        folded.setdefault(key, name)
        missing = [k for k in ("description", "parameters") if k not in tool]
        if missing:
            yield make(
                "SCHEMA001",
                f"tool {name!r} has no {' or '.join(missing)} after merging its layers",
                *env.origin(("tools", name)),
                path=f"tools.{name}",
                hint="define both in the layer that introduces the tool",
            )
