"""The JSON Schemas a prompt carries: `variables` (what the app renders it with) and
`response_format.schema` (what the model must answer with). Both are used at run time — the
app's inputs are validated against `variables` before every render — so a schema that cannot
validate is an error here, at its line, not an exception in the app (SCHEMA001; a tool's
`parameters` is TOOL001). See `registry.check.userschema` for what is checked: the Draft 2020-12
metaschema, `$ref`s that resolve inside the schema (nothing is fetched), and regular
expressions that compile and cannot backtrack catastrophically.

Bad:
```yaml
variables:
  type: object
  properties:
    question: {type: strin, pattern: '^(a+)+$'}
    order: {$ref: '#/$defs/order'}
```
Good:
```yaml
variables:
  type: object
  $defs: {order: {type: string, pattern: '^[A-Z]{2}-[0-9]{6}$'}}
  properties:
    question: {type: string, maxLength: 8000}
    order: {$ref: '#/$defs/order'}
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.check.rules.base import FileView
from registry.check.schema import dotted
from registry.common.findings import Finding, make

CODES = ("SCHEMA001",)
HINT = "fix the schema: the app validates against it at run time"


def check_file(view: FileView) -> Iterator[Finding]:
    if view.kind != "prompt" or view.doc is None:
        return
    from registry.check.userschema import problems

    data = view.doc.data
    schemas: list[tuple[tuple[str, ...], Any]] = [(("variables",), data.get("variables"))]
    response = data.get("response_format")
    if isinstance(response, dict):
        schemas.append((("response_format", "schema"), response.get("schema")))
    for base, schema in schemas:
        if not isinstance(schema, (dict, bool)):
            continue
        for path, message in problems(schema):
            where = (*base, *path)
            line, col = view.doc.pos(where)
            yield make(
                "SCHEMA001",
                f"{dotted(base)}: {message}",
                view.doc.file,
                line,
                col,
                path=dotted(where),
                hint=HINT,
            )
