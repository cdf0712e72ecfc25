"""Deploy-time loading of a rendered artifact, for apps. Tiny import footprint.

    art = registry.load_artifact("build/prod.json", expect="sha256:…")
    unit = art.units["support-answer"]
    messages = unit.render(question="…", passages=[…])
    log.info("llm call", extra={"config_fingerprint": unit.fingerprint})

The fingerprints are recomputed from the content, never trusted: a tampered artifact, or one
that is not the `expect`ed build, is refused. No gitpython, deepdiff or typer is imported here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from registry.errors import RegistryError, RenderError
from registry.fingerprint import environment_fingerprint, fingerprint

UNIT_FIELDS = (
    "prompt",
    "version",
    "model",
    "params",
    "messages",
    "variables",
    "response_format",
    "tools",
    "rag",
    "routing",
)


class ArtifactError(RegistryError):
    """The artifact is unreadable, tampered with, or not the expected build."""


class InputError(RenderError):
    """Render inputs do not match the prompt's `variables` schema."""


def check_inputs(variables: Mapping[str, Any], inputs: Mapping[str, Any]) -> None:
    """Raise InputError naming the variable when inputs do not fit the `variables` schema."""
    from jsonschema import Draft202012Validator

    errors = sorted(
        Draft202012Validator(variables).iter_errors(dict(inputs)),
        key=lambda e: list(map(str, e.absolute_path)),
    )
    if not errors:
        return
    err = errors[0]
    if err.validator == "required":
        missing = [k for k in err.validator_value if k not in err.instance]
        raise InputError(f"missing input {', '.join(map(repr, missing))}")
    name = ".".join(str(p) for p in err.absolute_path) or "(inputs)"
    raise InputError(f"input {name!r}: {err.message}")


class ArtifactUnit:
    """One unit of a rendered artifact."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = dict(data)
        self.fingerprint: str = data["fingerprint"]
        self.prompt: str = data["prompt"]
        self.version: int = data["version"]
        self.model: str | None = data["model"]
        self.params: dict[str, Any] = data["params"]
        self.messages: list[dict[str, str]] = data["messages"]
        self.variables: dict[str, Any] = data["variables"]
        self.response_format: dict[str, Any] | None = data["response_format"]
        self.tools: dict[str, Any] = data["tools"]
        self.rag: dict[str, Any] | None = data["rag"]
        self.routing: dict[str, Any] = data["routing"]

    def behavior(self) -> dict[str, Any]:
        return {name: self.data[name] for name in UNIT_FIELDS}

    def render(self, **inputs: Any) -> list[dict[str, str]]:
        """Messages rendered in the sandbox; inputs checked against `variables` first."""
        from registry.templates import render_messages

        return render_messages(self.messages, inputs, lambda v: check_inputs(self.variables, v))


class Artifact:
    """A verified, rendered environment."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.environment: str = data["environment"]
        self.fingerprint: str = data["fingerprint"]
        self.source: dict[str, Any] = data.get("source") or {}
        self.ops: dict[str, Any] = data.get("ops") or {}
        self.units = {pid: ArtifactUnit(u) for pid, u in data["units"].items()}


def verify(data: Any, expect: str | None = None) -> Artifact:
    """Check an artifact's structure and recompute every fingerprint."""
    try:
        if data.get("format") != 1:
            raise ArtifactError(f"unsupported artifact format {data.get('format')!r}")
        art = Artifact(data)
        for pid, unit in art.units.items():
            if unit.prompt != pid or fingerprint(unit.behavior()) != unit.fingerprint:
                raise ArtifactError(f"unit {pid!r} does not match its fingerprint (tampered?)")
    except (AttributeError, KeyError, TypeError) as exc:
        raise ArtifactError(f"not a registry artifact: missing or malformed {exc}") from None
    env_fp = environment_fingerprint({pid: u.fingerprint for pid, u in art.units.items()})
    if env_fp != art.fingerprint:
        raise ArtifactError("environment fingerprint does not match its units (tampered?)")
    if expect is not None and expect != art.fingerprint:
        raise ArtifactError(f"artifact is {art.fingerprint}, expected {expect}")
    return art


def load_artifact(path: str | Path, expect: str | None = None) -> Artifact:
    """Read and verify a rendered artifact (see the module docstring)."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"cannot read artifact {path}: {exc}") from None
    return verify(data, expect)
