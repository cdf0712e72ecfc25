"""Pull-request rules: what a change does against its base ref (`registry check --base REF`).
Enforced by `registry.diff.change`.

## PRM004 — a published version file changed or deleted
A version file is immutable once it exists on the base branch: editing `v3.yaml` in place
changes prod the moment it merges, with no binding change to review. Add `v4.yaml` and move
environments to it instead; the hint names the next free version number.

Bad: editing `prompts/support-answer/v3.yaml` while prod binds version 3.
Good: copying it to `prompts/support-answer/v4.yaml`, editing that, and binding
`support-answer: {version: 4}` in staging first.

## BUDGET003 — a unit's static tokens grow more than 20% or 500 tokens against the base
A refactor that adds 2,000 tokens to a system prompt triples the bill silently. Thresholds:
`budget.growth_percent` and `budget.growth_tokens` in registry.yaml.

Bad: a system prompt growing from 400 to 2,400 tokens in one pull request.
Good: the same growth split out, reviewed with its cost delta, or a prompt kept lean.
"""

from __future__ import annotations

from collections.abc import Iterator

from registry.check.rules.base import Context
from registry.common.findings import Finding

CODES = ("PRM004", "BUDGET003")


def check(ctx: Context) -> Iterator[Finding]:
    """Needs a base ref; enforced by registry.diff.change."""
    return iter(())
