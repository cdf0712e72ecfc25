"""Render: the deploy artifact of one environment, deterministic JSON with sorted keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from registry.common.redact import MASK, REFERENCE, Redactor
from registry.resolve.fingerprint import ARTIFACT_FORMAT, artifact_digest, section_digests
from registry.resolve.registry import Registry
from registry.resolve.units import Environment


def redact_ops(ops: Any, under_credentials: bool = False) -> Any:
    """Credential references stay as written; a literal credential value is masked."""
    if isinstance(ops, dict):
        return {k: redact_ops(v, under_credentials or k == "credentials") for k, v in ops.items()}
    if isinstance(ops, list):
        return [redact_ops(v, under_credentials) for v in ops]
    if under_credentials and isinstance(ops, str) and not REFERENCE.match(ops):
        return MASK
    return ops


def artifact(reg: Registry, env: Environment, redact: Redactor | None = None) -> dict[str, Any]:
    """The artifact of `env`, sealed: a digest per section and one over the whole, so that it
    loads as this environment's build and nothing else (registry.deploy.runtime). `ops` is redacted
    before it is sealed (`redact`: the registry's literals; credential literals always)."""
    units = {}
    for pid, unit in env.prompts.items():
        units[pid] = {"fingerprint": unit.fingerprint, **unit.behavior()}
    ops = redact_ops(env.ops)
    ids = {u.model for u in env.prompts.values() if u.model}
    ids.update(m for u in env.prompts.values() for m in u.routing.get("fallback") or ())
    data = {
        "format": ARTIFACT_FORMAT,
        "environment": env.name,
        "fingerprint": env.fingerprint,
        "source": reg.describe_source(),
        "units": units,
        "ops": redact.value(ops) if redact is not None else ops,
        # what each model's requests need (limits, capabilities, cache minimum): the app
        # builds them from the facts `check` used, not from whatever catalog it has installed
        "models": {mid: reg.settings.model_facts(mid) for mid in sorted(ids)},
    }
    data["digests"] = section_digests(data)
    data["digest"] = artifact_digest(data, data["digests"])
    return data


def secret_units(data: dict[str, Any], redact: Redactor) -> list[str]:
    """Ids of the units holding a value the redaction layer would change (a literal secret
    reached a unit: the artifact is refused). Values are looked at before they are encoded,
    so no escape the encoder adds can hide one."""
    return [pid for pid, unit in data["units"].items() if redact.holds_secret([pid, unit])]


def chunks(data: dict[str, Any]) -> Iterator[str]:
    """`dumps(data)` in pieces, one per unit, each starting at a line break: the text of a
    10,000-prompt artifact is never held whole (json's indenting encoder builds a list of
    every token first). `units` is the last key in sorted order: the rest is dumped whole,
    then each unit as `dumps` indents it at its depth (no line break inside a JSON string)."""
    units, rest = data["units"], {k: v for k, v in data.items() if k != "units"}
    if not units or not rest or max(rest) > "units":
        yield dumps(data)
        return
    head = json.dumps(rest, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    yield head[: -len("\n}")] + ',\n  "units": {'
    last = len(units) - 1
    for i, pid in enumerate(sorted(units)):
        body = json.dumps(units[pid], sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
        body = body.replace("\n", "\n    ")
        key = json.dumps(pid, ensure_ascii=False)
        yield f"\n    {key}: {body}{',' if i < last else ''}"
    yield "\n  }\n}\n"


def dumps(data: Any) -> str:
    """The artifact's text: strict JSON (never NaN or Infinity), sorted keys."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
