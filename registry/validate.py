"""Validate: schema findings from loading, resolution findings, then every rule.

Findings are data; a broken file never crashes the run. Severity overrides from
registry.yaml `rules:` and `--select/--ignore` are applied here, once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from registry import rules
from registry.findings import Finding, apply_overrides, select, sort_findings
from registry.repo import Registry
from registry.resolve import Environment


@dataclasses.dataclass
class Validation:
    findings: list[Finding]
    envs: dict[str, Environment]


def validate(
    reg: Registry, *, select_codes: Iterable[str] = (), ignore_codes: Iterable[str] = ()
) -> Validation:
    envs = reg.resolve_all()
    found = list(reg.findings)
    for env in envs.values():
        found.extend(env.findings)
    found.extend(rules.run(rules.Context(reg, envs)))
    return Validation(finish(reg, found, select_codes, ignore_codes), envs)


def finish(
    reg: Registry,
    found: Iterable[Finding],
    select_codes: Iterable[str] = (),
    ignore_codes: Iterable[str] = (),
) -> list[Finding]:
    """Overrides, selection, dedup and the deterministic order (file, line, col, code)."""
    kept = select(apply_overrides(found, reg.settings.rules), select_codes, ignore_codes)
    return sort_findings(kept)
