"""What a change does to each environment's behavior: `diff --base`, `check --base`.

Compares the registry at a base ref with the head (the working tree, or another ref) unit by
unit: fingerprints first, then fields; for each changed unit the static-token delta and the
estimated cost delta per 1,000 calls. Adds the pull-request rules PRM004 (a published version
file changed) and BUDGET003 (static tokens grew past the threshold).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from registry.check.rules.base import Context, static_tokens
from registry.common.errors import RegistryError
from registry.common.findings import Finding, make
from registry.diff.units import UnitDiff, diff_environments
from registry.models import tokens
from registry.resolve.registry import Registry
from registry.resolve.units import Environment, Unit


@dataclasses.dataclass
class UnitChange:
    """One unit whose behavior a change moves, in one environment."""

    env: str
    diff: UnitDiff
    tokens_before: int | None
    tokens_after: int | None
    cost_before: float | None  # USD per 1,000 calls, static input tokens only
    cost_after: float | None
    tool_order: tuple[list[str], list[str]] | None = None

    def as_data(self) -> dict[str, Any]:
        from registry.diff.units import plain

        return {
            "env": self.env,
            "prompt": self.diff.prompt,
            "status": self.diff.status,
            "fingerprint_base": self.diff.fp_a,
            "fingerprint_head": self.diff.fp_b,
            "tokens_base": self.tokens_before,
            "tokens_head": self.tokens_after,
            "usd_per_1k_calls_base": self.cost_before,
            "usd_per_1k_calls_head": self.cost_after,
            "tool_order": list(self.tool_order) if self.tool_order else None,
            "differences": [
                {"path": d.path, "base": plain(d.a), "head": plain(d.b), "text_diff": d.text_diff}
                for d in self.diff.differences
            ],
        }


@dataclasses.dataclass
class ChangeReport:
    base: str
    head: str
    tokenizer: str
    changes: list[UnitChange]
    unchanged: dict[str, int]  # env -> units with the same fingerprint
    envs_only: dict[str, str]  # env -> "base" or "head" when it exists on one side only

    def as_data(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "tokenizer": self.tokenizer,
            "changes": [c.as_data() for c in self.changes],
            "unchanged": self.unchanged,
            "envs_only": self.envs_only,
        }


def _cost(reg: Registry, unit: Unit | None, n_tokens: int | None) -> float | None:
    if unit is None or n_tokens is None or unit.model is None:
        return None
    info = reg.settings.model_info(unit.model) or {}
    price = info.get("usd_per_mtok_in")
    return round(n_tokens * float(price) / 1_000_000 * 1000, 6) if price is not None else None


def _env_names(head: Registry, base: Registry, envs: Iterable[str] = ()) -> list[str]:
    """The environments compared, in report order: those given, or every one (head's first)."""
    return list(envs) or sorted(
        set(head.environments) | set(base.environments),
        key=lambda n: (n not in head.environments, n),
    )


def compare(head: Registry, base: Registry, envs: Iterable[str] = ()) -> ChangeReport:
    names = _env_names(head, base, envs)
    for name in names:
        if name not in head.environments and name not in base.environments:
            raise RegistryError(f"unknown environment {name!r} at both base and head")
    changes: list[UnitChange] = []
    unchanged: dict[str, int] = {}
    only: dict[str, str] = {}
    head_ctx = Context(head, {})
    base_ctx = Context(base, {})
    for name in names:
        if name not in head.environments or name not in base.environments:
            only[name] = "head" if name in head.environments else "base"
            continue
        env_b, env_h = base.resolve(name), head.resolve(name)
        equal, diffs = diff_environments(env_b, env_h, (f"{name}@base", f"{name}@head"))
        unchanged[name] = len(equal)
        for d in diffs:
            changes.append(_unit_change(name, d, base, env_b, base_ctx, head, env_h, head_ctx))
        for pid in equal:
            order = (env_b.prompts[pid].tool_order, env_h.prompts[pid].tool_order)
            if order[0] != order[1]:
                unit_diff = UnitDiff(
                    pid,
                    "tool_order",
                    env_b.prompts[pid].fingerprint,
                    env_h.prompts[pid].fingerprint,
                    [],
                )
                changes.append(UnitChange(name, unit_diff, None, None, None, None, order))
                unchanged[name] -= 1
    return ChangeReport(_label(base), _label(head), tokens.name(), changes, unchanged, only)


def _unit_change(
    name: str,
    d: UnitDiff,
    base: Registry,
    env_b: Environment,
    base_ctx: Context,
    head: Registry,
    env_h: Environment,
    head_ctx: Context,
) -> UnitChange:
    ub, uh = env_b.prompts.get(d.prompt), env_h.prompts.get(d.prompt)
    tb = static_tokens(base_ctx, ub) if ub else None
    th = static_tokens(head_ctx, uh) if uh else None
    order = (ub.tool_order, uh.tool_order) if ub and uh and ub.tool_order != uh.tool_order else None
    return UnitChange(name, d, tb, th, _cost(base, ub, tb), _cost(head, uh, th), order)


def _label(reg: Registry) -> str:
    return reg.source.ref or "working tree"


def review_findings(head: Registry, base: Registry, report: ChangeReport) -> list[Finding]:
    """PRM004 and BUDGET003."""
    return _immutability(head, base) + _growth(head, report)


def _immutability(head: Registry, base: Registry) -> list[Finding]:
    bound: set[tuple[str, int]] = set()
    only = base.only_prompts
    for name in base.environments:
        env = base.resolve(name)
        for pid, binding in (env.merged.get("prompts") or {}).items():
            if only is not None and pid not in only:
                continue
            if isinstance(binding, dict) and isinstance(binding.get("version"), int):
                bound.add((pid, binding["version"]))
    out = []
    for pid, version in sorted(bound):
        rel = f"prompts/{pid}/v{version}.yaml"
        before = _bytes(base, rel)
        if before is None or before is UNREADABLE:
            continue
        after = _bytes(head, rel)
        if after == before or _same_behavior(head, base, pid, version):
            continue
        versions = set(head.prompts.get(pid, {})) | set(base.prompts.get(pid, {}))
        nxt = f"prompts/{pid}/v{max(versions | {version}) + 1}.yaml"
        what = "deleted" if after is None else "changed"
        out.append(
            make(
                "PRM004",
                f"{rel} is published (bound at {base.source.ref}) and was "
                f"{what}: a silent change to every environment that binds it",
                rel,
                1,
                1,
                hint=f"restore it and put the change in {nxt}, then move bindings to it",
            )
        )
    return out


NOT_BEHAVIOR = ("description", "owner", "evals")  # the prompt schema's x-behavior: false


def _same_behavior(head: Registry, base: Registry, pid: str, version: int) -> bool:
    """Whether a version file's edit touched only what is never behavior (its description,
    owner, golden set): attaching an eval set to a published prompt changes no environment."""
    a, b = head.prompt_doc(pid, version), base.prompt_doc(pid, version)
    if a is None or b is None or not (a.ok and b.ok):
        return False
    return bool(_behavior_part(a.data) == _behavior_part(b.data))


def _behavior_part(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in NOT_BEHAVIOR}


UNREADABLE = b"\0unreadable"  # (no file's bytes: a NUL is YAML007)


def _bytes(reg: Registry, rel: str) -> bytes | None:
    """A file's bytes at a side of the change; UNREADABLE when it is there but is not a file
    to read (a link out of the registry, a folder: the load's findings say so)."""
    from registry.load.access import Escape, Special

    try:
        return reg.source.read(rel)
    except (Escape, Special):
        return UNREADABLE


def _growth(head: Registry, report: ChangeReport) -> list[Finding]:
    pct, absolute = head.settings.growth_percent, head.settings.growth_tokens
    out = []
    for c in report.changes:
        if c.tokens_before is None or c.tokens_after is None:
            continue
        grew = c.tokens_after - c.tokens_before
        if grew > absolute or (c.tokens_before and grew * 100 > pct * c.tokens_before):
            unit = head.resolve(c.env).prompts[c.diff.prompt]
            file, line, col = unit.origin(("messages",))
            out.append(
                make(
                    "BUDGET003",
                    f"{c.diff.prompt} in {c.env}: static prompt tokens grew "
                    f"{c.tokens_before} → {c.tokens_after} (+{grew}) against "
                    f"{report.base} ({report.tokenizer})",
                    file,
                    line,
                    col,
                    path=f"prompts.{c.diff.prompt}.messages",
                    hint=f"thresholds: {pct:g}% or {absolute} tokens (registry.yaml budget)",
                )
            )
    return out
