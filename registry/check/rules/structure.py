"""File structure: YAML, schemas and references. Enforced while loading (`registry.load.yaml`,
`registry.check.schema`) and resolving (`registry.resolve.units`); documented here with the
other rules.

## YAML001 — syntax error, or more than one document in a file
A file that does not parse is never half-used. One document per file keeps "what is in this
file" unambiguous.

Bad:
```yaml
params: {temperature: 0.2
---
params: {temperature: 0.3}
```
Good:
```yaml
params: {temperature: 0.2}
```

## YAML002 — duplicate key
YAML silently keeps the last of two equal keys: the reviewer reads one value, the model gets the
other. Reported at the second occurrence, naming the first.

Bad:
```yaml
params:
  temperature: 0.2
  temperature: 0.9
```
Good:
```yaml
params:
  temperature: 0.2
```

## YAML003 — explicit tag
Tags (`!!python/object`, `!include`, any `!`) are how YAML loaders are made to run code or read
other files. Config is data.

Bad:
```yaml
params: !!python/object/apply:os.system ["id"]
```
Good:
```yaml
params: {temperature: 0.2}
```

## YAML004 — anchor, alias or merge key
`&a`/`*a`/`<<` hide where a value comes from (and aliases can expand exponentially: the
"billion laughs"). Write values out; use `extends` layers for sharing.

Bad:
```yaml
defaults: &d {temperature: 0.2}
prompts: {answer: {version: 1, params: *d}}
```
Good:
```yaml
params: {temperature: 0.2}
prompts: {answer: {version: 1}}
```

## YAML005 — a key that is not a string, or a value YAML typed that should be a string
`version: 1.10` is the number 1.1; `0777` is octal in YAML 1.1 and decimal in 1.2; `1: x` has
an integer key. Quote them.

Bad:
```yaml
models: {chat: 1.10}
params: {seed: 0777}
```
Good:
```yaml
models: {chat: "1.10"}
params: {seed: 777}
```

## YAML006 — file over the size limit or nesting over the depth limit
Limits (4 MiB, 64 levels) keep a hostile or generated file from exhausting memory or the stack
of every CI job and commit hook.

Bad: a 2,000-level nested list.
Good: flat, reviewable files; split big prompts into partials.

## YAML007 — not UTF-8, NUL byte, or a BOM other than UTF-8's
Encodings other than UTF-8 make the same bytes mean different prompts on different machines.

Bad: a file saved as UTF-16, or with a NUL byte.
Good: the same file saved as UTF-8.

## SCHEMA001 — structure or type violates the file kind's JSON Schema, or an empty document
Each file kind has a schema in `schemas/` (shipped with the tool). Unknown keys come with a
did-you-mean hint. In registry.yaml `rules:`, an unknown code and an override of the drift
gate's own codes (DRIFT001, DRIFT002, WAIVER001, WAIVER002, WAIVER004: never applied; a
waiver is the way) are SCHEMA001 too. A file with schema errors is not resolved (its
environment is not compared for drift until it is fixed).

Bad:
```yaml
params: {temprature: 0.2}
```
Good:
```yaml
params: {temperature: 0.2}
```

## REF001 — unknown reference
An unknown prompt, version, model alias, tool, RAG profile, partial, environment or `extends`
target, reported at the reference.

Bad:
```yaml
prompts: {support-answer: {version: 9, model: huge}}
```
Good:
```yaml
prompts: {support-answer: {version: 3, model: chat}}
```

## REF002 — `extends` cycle, or an include cycle among partials
A layer that extends itself (through others) has no meaning; a partial that includes itself
(through others) can never be inlined into the artifact. Reported at the `extends`, or at the
include that closes the cycle (in the partial, and in each message that includes one).

Bad:
```yaml
# environments/staging.yaml
extends: prod
# environments/prod.yaml
extends: staging
# prompts/_partials/tone.j2
Be kind. {% include "tone.j2" %}
```
Good:
```yaml
# environments/staging.yaml and environments/prod.yaml
extends: base
# prompts/_partials/tone.j2
Be kind.
```

## REF003 — a path that is absolute, has `..`, or resolves outside the registry
Partials, `evals` and symlinks must stay inside the registry, so a config review sees every
byte that reaches the model and CI never reads files it should not.

Bad:
```yaml
evals: ../../etc/passwd
```
Good:
```yaml
evals: evals/support-answer.jsonl
```
"""

from __future__ import annotations

from collections.abc import Iterator

from registry.check.rules.base import Context, FileView
from registry.common.findings import CODES as KNOWN
from registry.common.findings import GATE_CODES, GATE_HINT, Finding, closest_code, make

CODES = (
    "YAML001",
    "YAML002",
    "YAML003",
    "YAML004",
    "YAML005",
    "YAML006",
    "YAML007",
    "SCHEMA001",
    "REF001",
    "REF002",
    "REF003",
)


def check(ctx: Context) -> Iterator[Finding]:
    """Enforced by the loader, the schemas and the resolver; nothing more to do here."""
    return iter(())


def check_file(view: FileView) -> Iterator[Finding]:
    """registry.yaml `rules:`: an unknown code (a typo would override nothing) or an override
    of the gate's own codes (which is never applied) is SCHEMA001 at its key."""
    if view.kind != "registry" or view.doc is None:
        return
    rules = view.doc.data.get("rules")
    for code in rules if isinstance(rules, dict) else {}:
        line, col = view.doc.pos(("rules", code), key=True)
        if code in GATE_CODES:
            message, hint = f"rules: {code} is the merge gate's and cannot be overridden", GATE_HINT
        elif code not in KNOWN:
            near = closest_code(code)
            message = f"rules: unknown code {code!r}"
            hint = f"did you mean {near}?" if near else "see docs/rules.md for the codes"
        else:
            continue
        yield make("SCHEMA001", message, view.doc.file, line, col, path=f"rules.{code}", hint=hint)
