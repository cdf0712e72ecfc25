"""The deploy-time API apps import (`import registry.runtime as rt`): a name kept for them.
The code is in `registry.deploy.runtime`; importing this stays as light (no git, YAML, typer)."""

from registry.deploy.runtime import (
    Artifact,
    ArtifactError,
    ArtifactUnit,
    InputError,
    OutputError,
    RenderError,
    load_artifact,
    verify,
)
from registry.request.policy import RetryPolicy
from registry.template.inputs import check_inputs

__all__ = [
    "Artifact",
    "ArtifactError",
    "ArtifactUnit",
    "InputError",
    "OutputError",
    "RenderError",
    "RetryPolicy",
    "check_inputs",
    "load_artifact",
    "verify",
]
