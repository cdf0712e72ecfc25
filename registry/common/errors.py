"""The one root exception for "could not run" (exit 2). Anything else escaping is a bug (exit 3)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class RegistryError(Exception):
    """The command could not run: bad arguments, no registry, unknown environment or ref,
    an output file that cannot be written. Mapped to exit code 2 in one place (the CLI)."""


class RenderError(ValueError):
    """Rendering a prompt failed: a missing or ill-typed input, a sandbox violation or limit
    (registry.template.sandbox), or an error the template raised."""


class InputError(RenderError):
    """Render inputs do not match the prompt's `variables` schema."""


class OutputError(ValueError):
    """A model's output is not what the unit's `response_format` asks for: not JSON, or JSON
    its schema rejects. `path` is where (a JSON path, `$` for the whole), `keyword` the schema
    keyword that failed (`json` when the text does not parse)."""

    def __init__(self, message: str, path: str = "$", keyword: str = "json") -> None:
        super().__init__(message)
        self.path = path
        self.keyword = keyword


class ArtifactError(RegistryError):
    """The artifact is unreadable, not an artifact, tampered with, or not the expected build."""


class Refusal(RegistryError):
    """A command refuses to work from broken input: the findings that say why are printed
    (through the redaction layer, masking `secrets` too) before `message`, and the command
    exits with `code` (1: findings at error level; 2: could not run)."""

    def __init__(
        self, message: str, findings: list[Any], secrets: Iterable[str] = (), code: int = 1
    ) -> None:
        super().__init__(message)
        self.findings = findings
        self.secrets = list(secrets)
        self.code = code
