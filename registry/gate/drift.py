"""One parity pair: its unit differences minus valid waivers are drift (DRIFT001/DRIFT002),
grouped so that one cause is one finding; waivers that no longer match say so (WAIVER003/4)."""

from __future__ import annotations

from typing import Any

from registry.common.findings import Finding, make
from registry.diff.units import ABSENT, Difference, UnitDiff
from registry.gate.result import EnvFacts, PairReport
from registry.gate.waivers import Waiver, segments
from registry.resolve.units import Origin


def gate_pair(
    env_a: EnvFacts, env_b: EnvFacts, diffs: dict[str, UnitDiff], waivers: list[Waiver]
) -> tuple[PairReport, list[Finding]]:
    equal = sorted((set(env_a.units) | set(env_b.units)) - set(diffs))
    unit_diffs = [diffs[pid] for pid in sorted(diffs)]
    pair = PairReport(
        env_a.name, env_b.name, env_a.fingerprint, env_b.fingerprint, equal, unit_diffs
    )
    live = [
        w
        for w in waivers
        if w.pair_matches(env_a.name, env_b.name) and w.status in ("active", "too_long")
    ]
    for w in live:
        _check_expect(w, env_a, env_b)
    unwaived: list[Difference] = []
    waived: dict[int, tuple[Waiver, list[Difference]]] = {}  # by waiver: what it covers
    for unit_diff in unit_diffs:
        for diff in unit_diff.differences:
            waiver = _covering(live, diff)
            if waiver is None:
                unwaived.append(diff)
            else:
                pair.waived[diff.path] = waiver.id
                waiver.covered.append(diff.path)
                waived.setdefault(waiver.index, (waiver, []))[1].append(diff)
    for waiver, covered in waived.values():
        kept, skew = _fold_version_skew(covered)
        pair.suppressed.extend(
            (_drift_finding(env_a, env_b, group, skew), waiver) for group in _group(kept)
        )
    unwaived, riders = _fold_version_skew(unwaived)
    findings = [_drift_finding(env_a, env_b, group, riders) for group in _group(unwaived)]
    findings.extend(
        w.finding(
            "WAIVER004",
            "expect fingerprints no longer match; it covers nothing ("
            + "; ".join(
                f"{env}: expected {want}, now {have or '(not bound)'}"
                for env, (want, have) in sorted(w.mismatches.items())
            )
            + ")",
            "expect",
            f"review the new difference (registry diff {env_a.name} {env_b.name} prints the "
            "current fingerprints), then update expect",
        )
        for w in live
        if w.status == "mismatch"
    )
    return pair, findings


def _check_expect(w: Waiver, env_a: EnvFacts, env_b: EnvFacts) -> None:
    if not w.expect:
        return
    segs = segments(w.path)
    pids = [
        p
        for p in sorted(set(env_a.units) | set(env_b.units))
        if len(segs) > 1 and segs[1] in ("*", p)
    ]
    for pid in pids:
        for env in (env_a, env_b):
            actual = env.units.get(pid)
            if env.name in w.expect and w.expect[env.name] != actual:
                w.status = "mismatch"
                w.mismatches[env.name] = (w.expect[env.name], actual)


def _covering(waivers: list[Waiver], diff: Difference) -> Waiver | None:
    from registry.gate.waivers import covers

    if not waivers:
        return None  # most pairs: no path to split
    target = segments(diff.path)
    for w in waivers:
        if w.status != "mismatch" and covers(w.segments, target):
            return w
    return None


def _stale(waivers: list[Waiver], pairs: list[tuple[str, str]]) -> list[Finding]:
    out = []
    for w in waivers:
        if w.status in ("active", "too_long") and not w.covered:
            is_pair = any(w.pair_matches(a, b) for a, b in pairs)
            why = "covers no drift" if is_pair else f"{w.envs[0]}/{w.envs[1]} is not a parity pair"
            w.status = "stale"
            out.append(
                w.finding(
                    "WAIVER003", f"{why}: remove it", "path", "delete the waiver from waivers.yaml"
                )
            )
    return out


PROMPT_FIELDS = ("messages", "variables", "response_format")


def _fold_version_skew(diffs: list[Difference]) -> tuple[list[Difference], dict[str, list[str]]]:
    """A version skew changes the prompt text with it: one finding, not one per field."""
    skewed = {d.prompt for d in diffs if d.field == "version"}
    riders: dict[str, list[str]] = {}
    kept = []
    for d in diffs:
        if d.prompt in skewed and d.field.split("[")[0].split(".")[0] in PROMPT_FIELDS:
            riders.setdefault(d.prompt, []).append(d.field)
        else:
            kept.append(d)
    return kept, riders


def _group(diffs: list[Difference]) -> list[list[Difference]]:
    """The same difference in several units (a routing change) is one finding."""
    groups: dict[tuple[str, str, str], list[Difference]] = {}
    for d in diffs:
        key = (d.field, _short(d.a, 10_000), _short(d.b, 10_000))
        groups.setdefault(key, []).append(d)
    return list(groups.values())


def _short(value: Any, limit: int = 60) -> str:
    text = "(absent)" if value is ABSENT else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _drift_finding(
    env_a: EnvFacts, env_b: EnvFacts, group: list[Difference], riders: dict[str, list[str]]
) -> Finding:
    first = group[0]
    units = ", ".join(d.prompt for d in group)
    own_a, own_b = env_a.own_file, env_b.own_file
    oa, ob = first.origin_a, first.origin_b
    here: Origin | None = oa
    other: Origin | None = ob
    if oa is None or (oa[0] != own_a and ob is not None and ob[0] == own_b):
        here, other = ob, oa
    assert here is not None
    elsewhere = (
        f"; {env_b.name if here is oa else env_a.name} value from {other[0]}:{other[1]}"
        if other
        else ""
    )
    if not first.field:
        side = env_a.name if first.a is not ABSENT else env_b.name
        return make(
            "DRIFT002",
            f"prompt {first.prompt!r} is bound in {side} only ({env_a.name} vs {env_b.name})",
            here[0],
            here[1],
            here[2],
            path=first.path,
            hint="bind it on both sides, or add a waiver while it rolls out",
        )
    # the waiver path that covers it, ready to paste into waivers.yaml
    path = first.path if len(group) == 1 else f"prompts.*.{first.field}"
    if first.text_diff is not None:
        what = f"{path} ({len(first.text_diff)}-line text diff)"
    else:
        what = f"{path}: {_short(first.a)} in {env_a.name}, {_short(first.b)} in {env_b.name}"
    if first.field == "version" and riders.get(first.prompt):
        what += f", which also changes {', '.join(riders[first.prompt])}"
    scope = f"prompt {units}" if len(group) == 1 else f"{len(group)} prompts: {units}"
    return make(
        "DRIFT001",
        f"{env_a.name} and {env_b.name} differ in {what} ({scope}{elsewhere})",
        here[0],
        here[1],
        here[2],
        path=first.path,
        hint=f"make them equal (registry promote {env_a.name} {env_b.name}), or add an "
        "expiring waiver",
    )
