"""What reading a registry file can refuse: a path that escapes the registry, or a file that
is not a regular file (a link to a folder, a FIFO, a submodule...)."""

from __future__ import annotations

Paths = list[str]  # (the sources' `list` method shadows the builtin in their class bodies)


class Escape(Exception):
    """A path that resolves outside the registry (REF003)."""


class Special(Exception):
    """A path in the registry's layout that is there but is not a file the tool reads: a
    folder, a FIFO or device, a symbolic link to a folder, to nothing, or in a loop, a git
    submodule. Never skipped silently: `code` and `why` make the finding."""

    def __init__(self, rel: str, code: str, why: str) -> None:
        super().__init__(f"{rel} {why}")
        self.rel, self.code, self.why = rel, code, why


LINK_TO_FOLDER = "is a symbolic link to a folder (folders are never followed through links)"


def folder_error(rel: str) -> Special:
    return Special(rel, "SCHEMA001", "is a folder, not a file")
