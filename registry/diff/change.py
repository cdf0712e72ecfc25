"""What a change does to each environment's behavior: `diff --base`, `check --base`.

Compares the registry at a base ref with the head (the working tree, or another ref) unit by
unit: fingerprints first, then fields; for each changed unit the static-token delta and the
estimated cost delta per 1,000 calls. Adds the pull-request rules PRM004 (a published version
file changed) and BUDGET003 (static tokens grew past the threshold).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from registry.check import tokens
from registry.check.rules import Context, static_tokens
from registry.check.validate import finish
from registry.common.errors import RegistryError
from registry.common.findings import Finding, make
from registry.common.redact import Redactor
from registry.diff.units import UnitDiff, diff_environments
from registry.gate import CheckResult, check
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
        from registry.report.json_report import plain

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
        if after == before:
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


UNREADABLE = b"\0unreadable"  # (no file's bytes: a NUL is YAML007)


def _bytes(reg: Registry, rel: str) -> bytes | None:
    """A file's bytes at a side of the change; UNREADABLE when it is there but is not a file
    to read (a link out of the registry, a folder: the load's findings say so)."""
    from registry.load.source import Escape, Special

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


def check_change(
    head: Registry,
    base: Registry,
    *,
    today: dt.date | None = None,
    select_codes: Iterable[str] = (),
    ignore_codes: Iterable[str] = (),
) -> CheckResult:
    """`registry check --base REF`: the merge gate plus what this change does."""
    result = check(head, today=today)
    report = compare(head, base)
    extra = review_findings(head, base, report)
    result.findings = finish(head, [*result.findings, *extra], select_codes, ignore_codes)
    result.change = report
    return result


BATCH = 2000  # prompts compared at a time: memory stays flat however large the registry


@dataclasses.dataclass
class Comparison:
    """A change compared a batch of prompts at a time (`compare_batched`)."""

    report: ChangeReport  # as one `compare` of the whole registries gives it
    review: list[Finding]  # PRM004 and BUDGET003, when asked for
    secrets: set[str]  # literal values of both sides, for the redaction layer


def compare_batched(
    root: Path,
    base_ref: str,
    head_ref: str | None = None,
    envs: Iterable[str] = (),
    *,
    review: bool = False,
) -> Comparison:
    """`compare` without holding two whole registries: head (the working tree, or `head_ref`)
    and base are loaded and compared a batch of prompts at a time, and each batch's registries
    are released before the next. Units of different prompts depend only on their own files
    and the shared ones, so the batches add up to the whole comparison."""
    from registry.check.rules.secrets import literal_secrets
    from registry.engine.filecache import enabled
    from registry.load.source import GitRef, WorkTree

    base_first = GitRef(root, base_ref)  # an unknown or hostile ref stops here (exit 2)
    head_first = GitRef(root, head_ref) if head_ref is not None else None

    def source(first: GitRef | None) -> GitRef | WorkTree:
        if first is None:
            return WorkTree(root)
        return GitRef(root, first.ref, repo=first.repo, commit=first.commit)

    cache = enabled()
    pids = _prompt_ids(head_first or WorkTree(root)) | _prompt_ids(base_first)
    parts: list[ChangeReport] = []
    found: list[Finding] = []
    secrets: set[str] = set()
    names: list[str] = []
    for batch in _batches(pids):
        head = Registry(root, source(head_first), only_prompts=batch, disk_cache=cache)
        base = Registry(root, source(base_first), only_prompts=batch, disk_cache=cache)
        names = _env_names(head, base, envs)
        parts.append(compare(head, base, envs))
        if review:
            found += review_findings(head, base, parts[-1])
        secrets |= literal_secrets(head) | literal_secrets(base)
        head.release()  # a batch's memory goes before the next batch's comes
        base.release()
    total = functools.reduce(_add, parts)
    order = {name: i for i, name in enumerate(names)}
    total.changes.sort(  # the order one comparison of the whole would give
        key=lambda c: (order[c.env], c.diff.status == "tool_order", c.diff.prompt)
    )
    return Comparison(total, found, secrets)


def check_against(
    root: Path,
    base_ref: str,
    head_result: CheckResult,
    *,
    select_codes: Iterable[str] = (),
    ignore_codes: Iterable[str] = (),
) -> CheckResult:
    """`check --base`: the gate's result on the head is given (from the incremental run); what
    the change does comes from `compare_batched`."""
    from registry.engine.filecache import enabled
    from registry.load.source import WorkTree

    compared = compare_batched(root, base_ref, review=True)
    shared = Registry(root, WorkTree(root), only_prompts=set(), disk_cache=enabled())
    result = head_result
    result.findings = finish(
        shared, [*result.findings, *compared.review], select_codes, ignore_codes
    )
    result.change = compared.report
    return result


def _batches(pids: set[str]) -> list[set[str]]:
    """About BATCH prompts each, grouped by cache shard: a batch reads only its shards."""
    from registry.engine.filecache import SHARDS, shard_of

    groups = min(SHARDS, max(1, -(-len(pids) // BATCH)))
    batches: list[set[str]] = [set() for _ in range(groups)]
    for pid in pids:
        batches[shard_of(pid) * groups // SHARDS].add(pid)
    return [b for b in batches if b] or [set()]


def _prompt_ids(source: Any) -> set[str]:
    from registry.check.rules import scope_of

    return {pid for pid in map(scope_of, source.list("prompts")) if pid is not None}


def _add(a: ChangeReport, b: ChangeReport) -> ChangeReport:
    unchanged = {
        k: a.unchanged.get(k, 0) + b.unchanged.get(k, 0) for k in a.unchanged | b.unchanged
    }
    return ChangeReport(
        a.base,
        a.head,
        a.tokenizer,
        a.changes + b.changes,
        unchanged,
        {**a.envs_only, **b.envs_only},
    )


def change_diff(
    root: Path, base_ref: str, head_ref: str | None, envs: list[str], fmt: str
) -> tuple[str, bool]:
    """`registry diff --base REF [--head REF] [ENV…]`: text or JSON, and whether anything moved."""
    from registry.report import dumps, finish

    compared = compare_batched(root, base_ref, head_ref, envs)
    report = compared.report
    redact = Redactor(compared.secrets)
    if fmt == "json":
        text = dumps(redact.value(report.as_data()))
    else:
        from registry.report.change import text as render_text

        text = render_text(report)
    return finish(text, redact, human=fmt != "json"), bool(report.changes)
