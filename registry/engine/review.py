"""A change under review: `check --base REF` (the gate plus what the change does, PRM004 and
BUDGET003) and `diff --base REF`, comparing head and base a batch of prompts at a time so memory
stays flat however large the registry."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from registry.check.validate import finish
from registry.common.findings import Finding
from registry.common.redact import Redactor
from registry.diff.change import ChangeReport, _env_names, compare, review_findings
from registry.engine.filecache import FileCache
from registry.engine.run import check_registry as check
from registry.gate.result import CheckResult
from registry.resolve.registry import Registry


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
    from registry.load.gitref import GitRef
    from registry.load.worktree import WorkTree

    base_first = GitRef(root, base_ref)  # an unknown or hostile ref stops here (exit 2)
    head_first = GitRef(root, head_ref) if head_ref is not None else None

    def source(first: GitRef | None) -> GitRef | WorkTree:
        if first is None:
            return WorkTree(root)
        return GitRef(root, first.ref, repo=first.repo, commit=first.commit)

    pids = _prompt_ids(head_first or WorkTree(root)) | _prompt_ids(base_first)
    parts: list[ChangeReport] = []
    found: list[Finding] = []
    secrets: set[str] = set()
    names: list[str] = []
    for batch in _batches(pids):
        head = Registry(root, source(head_first), only_prompts=batch, disk=FileCache(root))
        base = Registry(root, source(base_first), only_prompts=batch, disk=FileCache(root))
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
    from registry.load.worktree import WorkTree

    compared = compare_batched(root, base_ref, review=True)
    shared = Registry(root, WorkTree(root), only_prompts=set(), disk=FileCache(root))
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
    from registry.check.rules.base import scope_of

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
