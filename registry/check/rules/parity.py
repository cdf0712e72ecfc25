"""Parity and waivers. Enforced by the drift gate (`registry.gate`, `registry.gate.waivers`) on
every parity pair (`parity:` in registry.yaml; staging/prod by default).

## DRIFT001 — a parity pair differs in a unit field, unwaived
Staging is only a rehearsal for prod if it runs the same prompt text, model, params, tools, RAG
settings and routing. Points at the side whose value comes from an environment's own overlay and
names the other side's file:line; the same difference in several units is one finding.

Bad:
```yaml
# environments/prod.yaml
prompts: {support-answer: {params: {temperature: 0.7}}}   # hot-fix, prod only
```
Good: the same change in `base.yaml` (both sides), or promoted with
`registry promote staging prod`, or covered by a waiver with an expiry.

## DRIFT002 — a unit bound on one side of a parity pair only
A prompt that runs in prod but was never exercised in staging (or the reverse).

Bad:
```yaml
# environments/prod.yaml
prompts: {refund-helper: {version: 1}}
```
Good: bind it in `base.yaml`, or in both overlays.

## WAIVER001 — waiver expired
A waiver past `expires` covers nothing and fails the check: the team decides again.

Bad:
```yaml
  - {id: trial, envs: [staging, prod], path: prompts.x, reason: r, owner: o, expires: 2020-01-01}
```
Good: fix the drift and delete the waiver, or renew it with a new reason and date.

## WAIVER002 — waiver expires further ahead than `waivers.max_days`
"Temporary" exceptions with no end become permanent drift. Default limit: 30 days.

Bad: `expires: 2099-01-01`.
Good: `expires:` within 30 days of today (or raise `waivers.max_days` on purpose).

## WAIVER003 — waiver covers no drift (stale)
A waiver nothing needs anymore would silently cover the next, unrelated difference. Remove it.

Bad: a waiver for `prompts.support-answer` after staging and prod were made equal.
Good: the waiver deleted in the same pull request that removes the drift.

## WAIVER004 — waiver's `expect` fingerprints no longer match
`expect` pins the exact difference a waiver was granted for. When either side changes again,
the waiver covers nothing until someone reviews the new difference.

Bad:
```yaml
    expect: {staging: "sha256:9f2c…", prod: "sha256:41aa…"}   # prod changed since
```
Good: `expect` updated to the current fingerprints (`registry diff staging prod` shows them)
after reviewing the new difference.
"""

from __future__ import annotations

from collections.abc import Iterator

from registry.check.rules.base import Context
from registry.common.findings import Finding, make

CODES = ("DRIFT001", "DRIFT002", "WAIVER001", "WAIVER002", "WAIVER003", "WAIVER004")


def check(ctx: Context) -> Iterator[Finding]:
    """The `parity:` list itself: a pair named twice (in either order), an environment paired
    with itself, or a name with no layer would be gated twice, trivially or not at all."""
    doc = ctx.reg.settings_doc
    pairs = ctx.reg.settings.parity
    if not ctx.shared or doc is None or not doc.ok or pairs is None:
        return
    seen: set[frozenset[str]] = set()
    for i, (a, b) in enumerate(pairs):
        line, col = doc.pos(("parity", i))
        where = {"path": f"parity[{i}]"}
        if a == b:
            yield make(
                "SCHEMA001",
                f"parity pair [{a}, {b}] pairs {a} with itself",
                doc.file,
                line,
                col,
                **where,
            )
        elif frozenset((a, b)) in seen:
            yield make(
                "SCHEMA001",
                f"parity pair [{a}, {b}] is named twice",
                doc.file,
                line,
                col,
                hint="remove one: each pair is gated once, in either order",
                **where,
            )
        for name in (a, b):
            if name not in ctx.reg.layers:
                yield make(
                    "REF001",
                    f"parity names environment {name!r}, which has no layer",
                    doc.file,
                    line,
                    col,
                    hint=f"environments/{name}.yaml does not exist",
                    **where,
                )
        seen.add(frozenset((a, b)))
