"""Validate: schema findings from loading, resolution findings, then every rule.

Findings are data; a broken file never crashes the run. Severity overrides from
registry.yaml `rules:` and `--select/--ignore` are applied here, once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from registry.check import rules
from registry.check.rules.base import Context, scope_of
from registry.common.findings import Finding, apply_overrides, select, sort_findings

if TYPE_CHECKING:
    from registry.resolve.registry import Registry
    from registry.resolve.units import Environment


@dataclasses.dataclass
class Validation:
    findings: list[Finding]
    envs: dict[str, Environment]


def validate(
    reg: Registry, *, select_codes: Iterable[str] = (), ignore_codes: Iterable[str] = ()
) -> Validation:
    envs = reg.resolve_all()
    found = [f for _scope, f in scoped_findings(reg, envs)]
    return Validation(finish(reg, found, select_codes, ignore_codes), envs)


def scoped_findings(
    reg: Registry, envs: dict[str, Environment], shared: bool = True
) -> list[tuple[str | None, Finding]]:
    """Loading, resolution and rule findings, each with the prompt it belongs to (None:
    registry-wide), for the incremental run; `shared=False` may skip registry-wide ones."""
    found: list[tuple[str | None, Finding]] = [(scope_of(f.file or ""), f) for f in reg.findings]
    for env in envs.values():
        found.extend(zip(env.scopes, env.findings, strict=True))
    found.extend(rules.run(Context(reg, envs, shared=shared)))
    return found


def finish(
    reg: Registry,
    found: Iterable[Finding],
    select_codes: Iterable[str] = (),
    ignore_codes: Iterable[str] = (),
) -> list[Finding]:
    """Overrides, selection, dedup and the deterministic order (file, line, col, code)."""
    kept = select(apply_overrides(found, reg.settings.rules), select_codes, ignore_codes)
    return sort_findings(kept)
