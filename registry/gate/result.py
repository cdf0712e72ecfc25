"""What the gate produces and consumes: the material of a run (findings, unit fingerprints,
unit diffs, literals, each tagged with the prompt it belongs to) and the CheckResult every
reporter formats."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any

from registry.common.findings import Finding, count
from registry.diff.units import UnitDiff
from registry.gate.waivers import Waiver
from registry.models import tokens
from registry.resolve.units import Environment


@dataclasses.dataclass
class PairReport:
    """One parity pair: which units are equal, drifting, or waived."""

    a: str
    b: str
    fingerprint_a: str
    fingerprint_b: str
    equal: list[str]
    diffs: list[UnitDiff]
    waived: dict[str, str] = dataclasses.field(default_factory=dict)  # difference path -> waiver
    since: dict[str, Any] = dataclasses.field(default_factory=dict)  # prompt -> history.Change
    # the drift findings that waivers cover, each with its waiver (SARIF: suppressed results)
    suppressed: list[tuple[Finding, Waiver]] = dataclasses.field(default_factory=list)

    def drifting(self) -> list[str]:
        if not self.waived:  # (most pairs: the same answer without a path per difference)
            return [d.prompt for d in self.diffs if d.differences]
        return [
            d.prompt for d in self.diffs if any(x.path not in self.waived for x in d.differences)
        ]

    def waived_units(self) -> list[str]:
        return [d.prompt for d in self.diffs if all(x.path in self.waived for x in d.differences)]


@dataclasses.dataclass
class CheckResult:
    """Everything a reporter needs; the core never prints."""

    root: str
    findings: list[Finding]
    pairs: list[PairReport]
    waivers: list[Waiver]
    literal_secrets: list[str]
    environments: dict[str, str]  # name -> environment fingerprint
    today: dt.date
    tokenizer: str = dataclasses.field(default_factory=tokens.name)
    change: Any = None  # the "this change" section, with --base

    @property
    def counts(self) -> dict[str, int]:
        c = count(self.findings)
        c["waived"] = sum(len(p.waived) for p in self.pairs)
        return c

    @property
    def exit_code(self) -> int:
        return 1 if any(f.severity == "error" for f in self.findings) else 0


@dataclasses.dataclass
class EnvFacts:
    """What the gate needs of a resolved environment: its unit fingerprints and whether it is
    complete enough to compare."""

    name: str
    units: dict[str, str]  # prompt id -> unit fingerprint
    own_file: str | None
    chain_ok: bool = True
    broken: list[str] = dataclasses.field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.chain_ok and not self.broken

    @functools.cached_property
    def fingerprint(self) -> str:
        from registry.resolve.fingerprint import environment_fingerprint

        return environment_fingerprint(self.units)

    @classmethod
    def of(cls, env: Environment) -> EnvFacts:
        fps = {pid: u.fingerprint for pid, u in env.prompts.items()}
        return cls(env.name, fps, env.own_file(), env.chain_ok, list(env.broken))


Scoped = tuple[str | None, Any]  # (prompt id or None for registry-wide, item)


@dataclasses.dataclass
class Material:
    """What `check` derives from the registry's files before waivers, dates and selection are
    applied. Every piece is tagged with the prompt it belongs to (None: registry-wide), so an
    incremental run (registry.engine.snapshot) can replace the pieces of the prompts that
    changed."""

    findings: list[Scoped]  # (scope, Finding), before severity overrides and selection
    envs: dict[str, EnvFacts]
    diffs: dict[tuple[str, str], dict[str, UnitDiff]]  # parity pair -> prompt -> unit diff
    secrets: list[Scoped]  # (scope, literal value to mask)
    evals: list[Scoped] = dataclasses.field(default_factory=list)  # (prompt, behavior.gate.Binding)
