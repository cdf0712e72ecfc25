"""Gate: differences on parity pairs, minus valid waivers, are drift (DRIFT001/DRIFT002).

`check()` is the merge gate: validate + drift on every parity pair + waivers, in one result
object that every reporter formats.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from registry.check import tokens
from registry.check.validate import finish
from registry.common.findings import Finding, count, make
from registry.diff.units import ABSENT, Difference, UnitDiff, diff_environments
from registry.gate.waivers import Waiver, load_waivers, segments
from registry.resolve.registry import Registry
from registry.resolve.units import Environment, Origin


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


def collect(
    reg: Registry,
    *,
    drift: bool = True,
    known: dict[tuple[str, str], dict[str, UnitDiff]] | None = None,
    shared: bool | None = None,
) -> Material:
    """The material of a registry. One loaded with `only_prompts` may leave out registry-wide
    pieces (`shared`: whether to check them): the incremental run takes those from its
    snapshot (with `known`, its unit diffs, which are reused while a unit's fingerprints have
    not changed)."""
    from registry.check.rules.secrets import scoped_secrets
    from registry.check.validate import scoped_findings
    from registry.common import progress

    progress.stage("resolving environments")
    envs = reg.resolve_all()
    diffs: dict[tuple[str, str], dict[str, UnitDiff]] = {}
    if drift:
        for a, b in reg.parity_pairs():
            if a in envs and b in envs and envs[a].chain_ok and envs[b].chain_ok:
                progress.stage(f"comparing {a} and {b}")
                before = (known or {}).get((a, b))
                _equal, unit_diffs = diff_environments(envs[a], envs[b], known=before)
                diffs[(a, b)] = {d.prompt: d for d in unit_diffs}
    if shared is None:
        shared = reg.only_prompts is None
    progress.stage("checking rules")
    return Material(
        scoped_findings(reg, envs, shared),
        {name: EnvFacts.of(env) for name, env in envs.items()},
        diffs,
        scoped_secrets(reg, shared),
    )


def check(
    reg: Registry,
    *,
    today: dt.date | None = None,
    select_codes: Iterable[str] = (),
    ignore_codes: Iterable[str] = (),
    drift: bool = True,
) -> CheckResult:
    return assemble(
        reg,
        collect(reg, drift=drift),
        today=today,
        select_codes=select_codes,
        ignore_codes=ignore_codes,
        drift=drift,
    )


def assemble(
    reg: Registry,
    material: Material,
    *,
    today: dt.date | None = None,
    select_codes: Iterable[str] = (),
    ignore_codes: Iterable[str] = (),
    drift: bool = True,
    since_memo: dict[Any, Any] | None = None,
) -> CheckResult:
    """Waivers, the drift gate on every parity pair, severities and selection: the CheckResult.
    `reg` supplies only registry-wide parts (settings, waivers, environment names)."""
    today = today or utc_today()
    found = [f for _scope, f in material.findings]
    pairs: list[PairReport] = []
    envs = material.envs
    waivers, waiver_findings = load_waivers(
        reg.waivers_doc, today, reg.settings.max_days, reg.environments
    )
    if drift:
        found.extend(waiver_findings)
        for a, b in reg.parity_pairs():
            if a not in envs or b not in envs or not (envs[a].complete and envs[b].complete):
                continue  # the errors that broke them fail the check; drift would be noise
            pair, pair_findings = gate_pair(envs[a], envs[b], material.diffs[(a, b)], waivers)
            _since(reg, pair, since_memo)
            pairs.append(pair)
            found.extend(pair_findings)
        found.extend(_stale(waivers, reg.parity_pairs()))
    return CheckResult(
        root=str(reg.root),
        findings=finish(reg, found, select_codes, ignore_codes),
        pairs=pairs,
        waivers=waivers if drift else [],
        literal_secrets=sorted({value for _scope, value in material.secrets}),
        environments={n: e.fingerprint for n, e in envs.items()},
        today=today,
    )


def utc_today() -> dt.date:
    """Today in UTC: a waiver expires at the same moment on every machine and in every CI
    runner's time zone."""
    return dt.datetime.now(dt.timezone.utc).date()


SINCE_MAX_UNITS = 20  # history walks are per unit: tell "since when" for the first 20


def _since(reg: Registry, pair: PairReport, memo: dict[Any, Any] | None = None) -> None:
    """Since when each drifting unit has drifted (working-tree registries in git only). Walks
    depend on HEAD's history alone, so `memo` ({(a, b, prompt): Change | None}) may carry them
    between runs at the same HEAD."""
    if reg.source.ref is not None or not pair.drifting():
        return
    memo = memo if memo is not None else {}
    wanted = pair.drifting()[:SINCE_MAX_UNITS]
    missing = [pid for pid in wanted if (pair.a, pair.b, pid) not in memo]
    if missing:
        from registry.diff.history import drift_since

        walked = drift_since(reg.root, missing, pair.a, pair.b, known=reg.shared_analyses())
        if not walked:
            return  # not in git
        for pid in missing:
            memo[(pair.a, pair.b, pid)] = walked.get(pid)
    pair.since.update({pid: memo[(pair.a, pair.b, pid)] for pid in wanted})


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
