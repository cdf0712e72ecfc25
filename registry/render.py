"""Render: the deploy artifact of one environment, deterministic JSON with sorted keys."""

from __future__ import annotations

import json
from typing import Any

from registry.redact import MASK, REFERENCE
from registry.repo import Registry
from registry.resolve import Environment


def redact_ops(ops: Any, under_credentials: bool = False) -> Any:
    """Credential references stay as written; a literal credential value is masked."""
    if isinstance(ops, dict):
        return {k: redact_ops(v, under_credentials or k == "credentials") for k, v in ops.items()}
    if isinstance(ops, list):
        return [redact_ops(v, under_credentials) for v in ops]
    if under_credentials and isinstance(ops, str) and not REFERENCE.match(ops):
        return MASK
    return ops


def artifact(reg: Registry, env: Environment) -> dict[str, Any]:
    units = {}
    for pid, unit in env.prompts.items():
        units[pid] = {"fingerprint": unit.fingerprint, **unit.behavior()}
    return {
        "format": 1,
        "environment": env.name,
        "fingerprint": env.fingerprint,
        "source": reg.describe_source(),
        "units": units,
        "ops": redact_ops(env.ops),
    }


def dumps(data: Any, *, compact: bool = False) -> str:
    """The artifact's text (`compact`: the same strings on one line, for checks only)."""
    if compact:
        return json.dumps(data, sort_keys=True, ensure_ascii=False)
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
