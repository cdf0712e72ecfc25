"""The one root exception for "could not run" (exit 2). Anything else escaping is a bug (exit 3)."""

from __future__ import annotations


class RegistryError(Exception):
    """The command could not run: bad arguments, no registry, unknown environment or ref,
    an output file that cannot be written. Mapped to exit code 2 in one place (the CLI)."""


class RenderError(ValueError):
    """Rendering a prompt failed: a missing or ill-typed input, or a sandbox violation."""
