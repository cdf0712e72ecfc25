"""`registry canary ENV`: the probe set (built in, plus registry.yaml `canary.probes`) sent K
times to every model the environment uses, each answer reduced to features, the majority of
each feature kept (see registry.behavior.canary)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from registry.behavior import canary
from registry.behavior.canary import Probe, fingerprint
from registry.behavior.evaluate import bounded, describe, table
from registry.behavior.send import CannotRun, Clients
from registry.common.errors import Refusal
from registry.request.policy import RetryPolicy

__all__ = ["fingerprint", "models_of", "partners", "probes_of", "run", "table"]


def probes_of(reg: Any) -> list[Probe]:
    """The built-in probes and the registry's own; a probes file that is not valid is refused
    at its line and column (nothing sent)."""
    from registry.behavior.gate import own_probes, reader

    rel = reg.settings.canary_probes
    if not rel:
        return list(canary.BUILTIN)
    doc = reg.settings_doc
    where = ("registry.yaml", *doc.pos(("canary", "probes"))) if doc else ("registry.yaml", 1, 1)
    own, findings = own_probes(reader(reg.source), rel, where)
    if findings:
        raise Refusal(f"refusing to probe: {rel} is not a valid probes file", findings)
    return [*canary.BUILTIN, *own]


def models_of(data: Mapping[str, Any]) -> dict[str, RetryPolicy]:
    """Every distinct chat model id of an artifact (the units' models and their fallbacks),
    each with the retry policy it is probed under: the routing of the first unit (by prompt
    id) that calls it, on that model alone (no fallback: a probe is about one model)."""
    found: dict[str, RetryPolicy] = {}
    for _pid, unit in sorted(data["units"].items()):
        routing = unit.get("routing") or {}
        for model in [unit.get("model"), *(routing.get("fallback") or [])]:
            if model and model not in found:
                policy = RetryPolicy.from_routing(model, routing)
                found[model] = dataclasses.replace(policy, fallback=())
    return dict(sorted(found.items()))


def partners(reg: Any, env: str, folder: str) -> list[tuple[str, Any]]:
    """(other environment, its history) for each parity pair ENV is in."""
    from registry.behavior import history

    out = []
    for a, b in reg.parity_pairs():
        other = b if a == env else a if b == env else None
        if other is None:
            continue
        rel = history.path(folder, other)
        raw = reg.source.read(rel) if reg.source.exists(rel) else None
        if raw is not None:
            out.append((other, history.parse(raw, rel)))
    return out


def run(
    models: Mapping[str, RetryPolicy],
    probes: list[Probe],
    samples: int,
    facts: Mapping[str, Any],
    clients: Clients,
    concurrency: int,
    tick: Callable[[], None] = lambda: None,
) -> dict[str, dict[str, Any]]:
    """model -> its majority features."""
    from registry.request import build

    for model in models:
        clients.check(model.split("/", 1)[0], build.default_api(model))
    answers: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def work(item: tuple[str, Probe, int]) -> dict[str, Any]:
        model, probe, _k = item
        api = build.default_api(model)
        body = build.build(api, model, probe.unit(), probe.rendered(), facts.get(model) or {})
        reply = models[model].run(lambda m: clients.send(api, m, body.kwargs))
        return canary.features(probe, reply)

    def landed(item: tuple[str, Probe, int], found: dict[str, Any]) -> None:
        answers.setdefault((item[0], item[1].id), []).append(found)
        tick()

    items = [(m, p, k) for m in models for p in probes for k in range(samples)]
    try:
        bounded(items, work, concurrency, landed)
    except CannotRun:
        raise
    except Exception as exc:  # noqa: BLE001 - an endpoint that does not answer
        raise CannotRun(f"could not probe {', '.join(models)}: {describe(exc)}") from None
    out: dict[str, dict[str, Any]] = {}
    for model in models:
        merged: dict[str, Any] = {}
        for probe in probes:
            merged.update(canary.majority(answers.get((model, probe.id), [])))
        out[model] = merged
    return out
