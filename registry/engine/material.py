"""The material of a run: what the registry's files give before waivers, dates and selection
(findings, unit fingerprints, unit diffs, literals), each piece tagged with its prompt; and
how the pieces of some prompts replace theirs in an earlier run's material (`merge`), which
is what makes a run incremental, or split over processes."""

from __future__ import annotations

from typing import Any

from registry.diff.units import Memo, UnitDiff, diff_environments
from registry.gate.result import EnvFacts, Material
from registry.resolve.registry import Registry


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
    memo: Memo = {}  # each distinct pair of unit fingerprints is diffed once
    if drift:
        for a, b in reg.parity_pairs():
            if a in envs and b in envs and envs[a].chain_ok and envs[b].chain_ok:
                progress.stage(f"comparing {a} and {b}")
                before = (known or {}).get((a, b))
                _equal, unit_diffs = diff_environments(envs[a], envs[b], known=before, memo=memo)
                diffs[(a, b)] = {d.prompt: d for d in unit_diffs}
    if shared is None:
        shared = reg.only_prompts is None
    progress.stage("checking rules")
    material = Material(
        scoped_findings(reg, envs, shared),
        {name: EnvFacts.of(env) for name, env in envs.items()},
        diffs,
        scoped_secrets(reg, shared),
        eval_bindings(reg, envs),
    )
    if reg.disk is not None:
        reg.disk.save()  # the token counts the rules made
    return material


def eval_bindings(reg: Registry, envs: dict[str, Any]) -> list[tuple[str | None, Any]]:
    """Every bound unit with an eval set, and what its dataset is checked against."""
    out: list[tuple[str | None, Any]] = []
    for name, env in envs.items():
        for pid, unit in sorted(env.prompts.items()):
            doc = reg.prompt_doc(pid, unit.version)
            if doc is None or doc.data.get("evals") is None:
                continue  # most prompts: no behavior code loaded for them
            from registry.behavior.gate import binding

            found = binding(name, pid, unit, doc)
            if found is not None:
                out.append((pid, found))
    return out


# -- merging -------------------------------------------------------------------------------
def merge(old: Material, new: Material, prompts: set[str]) -> Material:
    """The old material with the pieces of `prompts` replaced by the new run's. Registry-wide
    pieces stay as they were: only prompt files changed, so they cannot have."""
    from registry.gate.result import EnvFacts, Material

    def keep(items: list[tuple[str | None, Any]]) -> list[tuple[str | None, Any]]:
        return [item for item in items if item[0] not in prompts]

    def fresh(items: list[tuple[str | None, Any]]) -> list[tuple[str | None, Any]]:
        return [item for item in items if item[0] in prompts]

    envs = {}
    for name, env in new.envs.items():
        before = old.envs.get(name)
        units = dict(before.units) if before else {}  # order does not matter: consumers sort
        for pid in prompts:
            units.pop(pid, None)
        units.update(env.units)
        broken = [p for p in (before.broken if before else []) if p not in prompts]
        facts = EnvFacts(name, units, env.own_file, env.chain_ok, sorted(broken + env.broken))
        same = before is not None and all(before.units.get(p) == env.units.get(p) for p in prompts)
        if same and before is not None and "fingerprint" in before.__dict__:
            facts.__dict__["fingerprint"] = before.__dict__["fingerprint"]  # the same units
        envs[name] = facts
    diffs = {}
    for pair, unit_diffs in new.diffs.items():
        merged = {p: d for p, d in old.diffs.get(pair, {}).items() if p not in prompts}
        merged.update(unit_diffs)
        diffs[pair] = merged
    return Material(
        keep(old.findings) + fresh(new.findings),
        envs,
        diffs,
        keep(old.secrets) + fresh(new.secrets),
        keep(old.evals) + fresh(new.evals),
    )


def only(m: Material, prompts: set[str]) -> Material:
    """The pieces of `m` that belong to `prompts`."""
    from registry.gate.result import EnvFacts, Material

    return Material(
        [(s, f) for s, f in m.findings if s in prompts],
        {
            name: EnvFacts(
                name,
                {p: fp for p, fp in e.units.items() if p in prompts},
                e.own_file,
                e.chain_ok,
                [p for p in e.broken if p in prompts],
            )
            for name, e in m.envs.items()
        },
        {pair: {p: d for p, d in ds.items() if p in prompts} for pair, ds in m.diffs.items()},
        [(s, v) for s, v in m.secrets if s in prompts],
        [(s, b) for s, b in m.evals if s in prompts],
    )
