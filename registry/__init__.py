"""registry: a GitOps config-and-prompt registry for LLM applications.

import registry
reg = registry.open(".")                 # or registry.open(".", ref="v1.4.0")
prod = reg.resolve("prod")
unit = prod.prompts["support-answer"]
messages = unit.render(question="…", passages=["…"])
req = unit.request({"question": "…", "passages": ["…"]})   # client.chat.completions.create(**req)
art = registry.load_artifact("build/prod.json", expect="sha256:…", environment="prod")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from registry.common.errors import (
    ArtifactError,
    InputError,
    OutputError,
    RegistryError,
    RenderError,
)
from registry.common.version import __version__

__all__ = [
    "ArtifactError",
    "InputError",
    "OutputError",
    "RegistryError",
    "RenderError",
    "__version__",
    "load_artifact",
    "open",
]

if TYPE_CHECKING:
    from pathlib import Path

    from registry.deploy.runtime import Artifact
    from registry.resolve.registry import Registry


def open(path: str | Path = ".", ref: str | None = None) -> Registry:
    """Open the registry at (or above) `path`, from the working tree or a git ref."""
    from registry.resolve.registry import open_registry

    return open_registry(path, ref)


def load_artifact(
    path: str | Path, expect: str | None = None, environment: str | None = None
) -> Artifact:
    """Read a rendered artifact and verify it: its digests and fingerprints, that it is the
    `expect`ed build (digest or behavior fingerprint) of `environment` (see
    registry.deploy.runtime)."""
    from registry.deploy.runtime import load_artifact as _load

    return _load(path, expect, environment)


def __getattr__(name: str) -> Any:
    raise AttributeError(name)
