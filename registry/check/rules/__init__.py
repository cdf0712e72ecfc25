"""Rules as small plugins: each module has its CODES, a docstring that is its documentation
(a section per code with why, a bad and a good example), and one or both of:

* `check_file(view)` — findings that depend on one file alone (run once per file content, in
  `registry.check.analyze`, so they are cached and parallel);
* `check(ctx)` — findings that need the whole registry or the resolved environments.

Adding a rule touches one new module and the list in `all_rules()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry.check.rules.base import Context
from registry.common.findings import Finding

if TYPE_CHECKING:
    from types import ModuleType


def all_rules() -> list[ModuleType]:
    from registry.check.rules import (
        behavior,
        budget,
        cache,
        capabilities,
        credentials,
        params,
        parity,
        pins,
        prompt_templates,
        review,
        schemas,
        secrets,
        structure,
        text,
        tools,
    )

    return [
        structure,
        schemas,
        prompt_templates,
        text,
        pins,
        params,
        capabilities,
        budget,
        cache,
        tools,
        secrets,
        credentials,
        parity,
        review,
        behavior,
    ]


def run(ctx: Context) -> list[tuple[str | None, Finding]]:
    """Every cross-file rule's findings, each with the prompt it belongs to (or None)."""
    out: list[tuple[str | None, Finding]] = []
    for rule in all_rules():
        if hasattr(rule, "check"):
            ctx.scope = None
            out.extend((ctx.scope, f) for f in rule.check(ctx))
    return out
