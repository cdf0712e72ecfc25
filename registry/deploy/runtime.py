"""Deploy-time loading of a rendered artifact, for apps. Tiny import footprint.

    art = registry.load_artifact("build/prod.json", expect="sha256:…", environment="prod")
    unit = art.units["support-answer"]
    messages = unit.render(question="…", passages=[…])
    reply = client.chat.completions.create(**unit.request({"question": "…"}))
    answer = unit.parse(reply)                       # validated against response_format
    log.info("llm call", extra={"config_fingerprint": unit.fingerprint})

Digests and fingerprints are recomputed from the content, never trusted: a tampered artifact,
one that is not the `expect`ed build (its digest, printed by `render`), or one of another
`environment`, is refused. There is no signature: someone who can write both the file and the
expected digest wins, so pin the digest out of band (a deploy variable, the release notes).
No gitpython, deepdiff or typer is imported here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from registry.common import shapes
from registry.common.errors import ArtifactError, InputError, OutputError, RenderError
from registry.common.shapes import DictOf, ListOf, Opt, Record
from registry.request.unit import Calls
from registry.resolve.fingerprint import (
    ARTIFACT_FORMAT,
    SECTIONS,
    UNIT_FIELDS,
    artifact_digest,
    environment_fingerprint,
    fingerprint,
    section_digests,
)
from registry.template.inputs import check_inputs

__all__ = [
    "Artifact",
    "ArtifactError",
    "ArtifactUnit",
    "InputError",
    "OutputError",
    "RenderError",
]
MAX_BYTES = 256 * 1024 * 1024  # an artifact larger than this is not one we wrote
UNIT_SHAPE = Record(
    {
        "fingerprint": str,
        "prompt": str,
        "version": int,
        "model": Opt(str),
        "params": dict,
        "messages": ListOf(Record({"role": str, "content": str})),
        "variables": dict,
        "response_format": Opt(dict),
        "tools": DictOf(dict),
        "rag": Opt(dict),
        "routing": dict,
    }
)
ARTIFACT_SHAPE = Record(
    {
        "format": int,
        "environment": str,
        "fingerprint": str,
        "source": dict,
        "units": DictOf(UNIT_SHAPE),
        "ops": dict,
        "models": DictOf(dict),
        "digests": Record({name: str for name in SECTIONS}),
        "digest": str,
    }
)


class ArtifactUnit(Calls):
    """One unit of a rendered artifact; its `request`, `parse` and `retry_policy` are
    registry.request.unit's, from the facts the artifact holds of its models."""

    def __init__(self, data: Mapping[str, Any], models: Mapping[str, Any] | None = None) -> None:
        self.data = dict(data)
        self.models: Mapping[str, Any] = models or {}  # the artifact's, shared by its units
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

    def model_facts(self, model_id: str) -> dict[str, Any]:
        found: dict[str, Any] = dict(self.models.get(model_id) or {})
        return found

    def render(self, **inputs: Any) -> list[dict[str, str]]:
        """Messages rendered in the sandbox; inputs checked against `variables` first."""
        from registry.template.env import render_messages

        return render_messages(self.messages, inputs, lambda v: check_inputs(self.variables, v))


class Artifact:
    """A verified, rendered environment. `digest` names this very build (environment, source,
    ops, units); `fingerprint` its behavior (equal wherever behavior is equal)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.environment: str = data["environment"]
        self.digest: str = data["digest"]
        self.fingerprint: str = data["fingerprint"]
        self.source: dict[str, Any] = data.get("source") or {}
        self.ops: dict[str, Any] = data.get("ops") or {}
        self.models: dict[str, Any] = data.get("models") or {}
        self.units = {pid: ArtifactUnit(u, self.models) for pid, u in data["units"].items()}


def verify(data: Any, expect: str | None = None, environment: str | None = None) -> Artifact:
    """Check an artifact's structure, its digests and every fingerprint, then that it is the
    `expect`ed build (its digest, or its behavior fingerprint) of `environment`. Anything
    wrong is an ArtifactError naming what did not match, never another exception."""
    found = data.get("format") if isinstance(data, dict) else None
    if found != ARTIFACT_FORMAT:
        earlier = isinstance(found, int) and 0 < found < ARTIFACT_FORMAT
        hint = " (rendered by an earlier version: render it again)" if earlier else ""
        raise ArtifactError(f"not a registry artifact of format {ARTIFACT_FORMAT}: {found!r}{hint}")
    if not shapes.ok(data, ARTIFACT_SHAPE):
        raise ArtifactError("not a registry artifact: a field is missing or of the wrong type")
    try:
        parts = section_digests(data)
    except (TypeError, ValueError, RecursionError, OverflowError):
        raise ArtifactError("the artifact holds a value JSON cannot carry") from None
    edited = [name for name in SECTIONS if parts[name] != data["digests"][name]]
    if edited:
        raise ArtifactError(f"{', '.join(edited)} changed after render (its digest does not match)")
    if artifact_digest(data, parts) != data["digest"]:
        raise ArtifactError("the artifact's digest does not match its content (tampered?)")
    art = Artifact(data)
    _check_units(art)
    if environment is not None and art.environment != environment:
        raise ArtifactError(
            f"artifact is of environment {art.environment!r}, expected {environment!r}"
        )
    if expect is not None and expect not in (art.digest, art.fingerprint):
        raise ArtifactError(
            f"artifact is {art.digest} (behavior {art.fingerprint}), expected {expect}"
        )
    return art


def _check_units(art: Artifact) -> None:
    for pid, unit in art.units.items():
        try:
            actual = fingerprint(unit.behavior())
        except (TypeError, ValueError, RecursionError, OverflowError):  # rfc8785's errors too
            raise ArtifactError(f"unit {pid!r} holds a value JSON cannot carry") from None
        if unit.prompt != pid or actual != unit.fingerprint:
            raise ArtifactError(f"unit {pid!r} does not match its fingerprint (tampered?)")
    env_fp = environment_fingerprint({pid: u.fingerprint for pid, u in art.units.items()})
    if env_fp != art.fingerprint:
        raise ArtifactError("environment fingerprint does not match its units (tampered?)")


def load_artifact(
    path: str | Path, expect: str | None = None, environment: str | None = None
) -> Artifact:
    """Read and verify a rendered artifact (see the module docstring and `verify`)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ArtifactError(f"cannot read artifact {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ArtifactError(f"{path} is over {MAX_BYTES} bytes: not an artifact")
    return verify(parse(raw, str(path)), expect, environment)


def parse(raw: bytes, name: str = "artifact") -> Any:
    """Strict JSON: UTF-8, no NaN or Infinity, no duplicate keys, no absurd nesting or
    numbers; anything else is an ArtifactError."""
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_unique, parse_constant=_refuse)
    except UnicodeDecodeError:
        raise ArtifactError(f"{name} is not UTF-8") from None
    except RecursionError:
        raise ArtifactError(f"{name} is nested too deeply to be an artifact") from None
    except ValueError as exc:  # JSONDecodeError, a duplicate key, NaN, a 5,000-digit number
        raise ArtifactError(f"{name} is not strict JSON: {exc}") from None


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"duplicate key {dup!r}")
    return out


def _refuse(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")
