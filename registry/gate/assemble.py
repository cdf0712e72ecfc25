"""The gate: waivers, drift on every parity pair, severities and selection, applied to a
run's material, give the CheckResult."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from registry.check.rules.pins import dated
from registry.check.validate import finish
from registry.gate.drift import _stale, gate_pair
from registry.gate.result import CheckResult, Material, PairReport
from registry.gate.waivers import load_waivers
from registry.resolve.registry import Registry


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
            pairs.append(pair)
            found.extend(pair_findings)
        _since(reg, pairs, since_memo)
        found.extend(_stale(waivers, reg.parity_pairs()))
    found.extend(behavior(reg, material, drift, today))
    found = dated(found, today, reg.settings.warn_days)  # PIN004: as of the run's day
    return CheckResult(
        root=str(reg.root),
        findings=finish(reg, found, select_codes, ignore_codes),
        pairs=pairs,
        waivers=waivers if drift else [],
        literal_secrets=sorted({value for _scope, value in material.secrets}),
        environments={n: e.fingerprint for n, e in envs.items()},
        today=today,
    )


def behavior(reg: Registry, material: Material, drift: bool, today: dt.date) -> list[Any]:
    """The behavior gate (registry.behavior.gate): dataset lines always; receipts and canary
    history in `check`. Read from the registry's files, never from a model."""
    settings = reg.settings
    bindings = [b for _scope, b in material.evals]
    history = reg.source.exists(settings.canary_history) if drift else False
    receipts = drift and reg.source.exists(settings.receipts)
    if not bindings and not history and not receipts and not settings.canary_probes:
        return []
    from registry.behavior import gate

    source: Any = reg.source
    if source.ref is None:  # a reader of its own: these files are not the run's inputs
        from registry.load.worktree import WorkTree

        source = WorkTree(reg.root)
    read = gate.reader(source)
    out = list(gate.dataset_findings(read, bindings))
    if settings.canary_probes:
        doc = reg.settings_doc
        where = (
            ("registry.yaml", *doc.pos(("canary", "probes"))) if doc else ("registry.yaml", 1, 1)
        )
        out += gate.own_probes(read, settings.canary_probes, where)[1]
    if drift:
        units = {name: facts.units for name, facts in material.envs.items()}
        listing = gate.listing(source, settings.receipts)
        required = settings.evals_required
        out += gate.eval_findings(read, listing, settings.receipts, required, bindings, units)
        pairs = reg.parity_pairs()
        out += gate.canary_findings(
            read, settings.canary_history, reg.environments, pairs,
            settings.canary_max_age_days, today,
        )  # fmt: skip
    return out


def utc_today() -> dt.date:
    """Today in UTC: a waiver expires at the same moment on every machine and in every CI
    runner's time zone."""
    return dt.datetime.now(dt.timezone.utc).date()


SINCE_MAX_UNITS = 20  # history walks are per unit: tell "since when" for the first 20


def _since(reg: Registry, pairs: list[PairReport], memo: dict[Any, Any] | None = None) -> None:
    """Since when each drifting unit has drifted (working-tree registries in git only), for
    every pair in one history walk. Walks depend on HEAD's history alone, so `memo`
    ({(a, b, prompt): Change | None}) may carry them between runs at the same HEAD."""
    if reg.source.ref is not None:
        return
    memo = memo if memo is not None else {}
    drifting = {(p.a, p.b): p.drifting()[:SINCE_MAX_UNITS] for p in pairs}
    wanted = {pair: pids for pair, pids in drifting.items() if pids}
    missing = {
        pair: [pid for pid in pids if (pair[0], pair[1], pid) not in memo]
        for pair, pids in wanted.items()
    }
    missing = {pair: pids for pair, pids in missing.items() if pids}
    if missing:
        from registry.diff.history import drift_since_pairs

        walked = drift_since_pairs(reg.root, missing, known=reg.shared_analyses())
        if not walked:
            return  # not in git
        for pair, pids in missing.items():
            for pid in pids:
                memo[(pair[0], pair[1], pid)] = walked[pair].get(pid)
    for p in pairs:
        p.since.update({pid: memo[(p.a, p.b, pid)] for pid in wanted.get((p.a, p.b), [])})
