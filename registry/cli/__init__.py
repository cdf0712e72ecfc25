"""The `registry` command: parses arguments, calls the core, prints, exits. Nothing else.

Exit codes: 0 passed · 1 findings at error level or unwaived drift · 2 could not run ·
3 internal error (one line to the user, the traceback to a log file).
"""

from __future__ import annotations

import os
import sys

from registry.cli import behave, deploy, edit, gate, inspect  # noqa: F401 - each registers its commands
from registry.cli.app import app

# the order `registry --help` lists them in
ORDER = (
    "validate",
    "check",
    "report",
    "diff",
    "render",
    "request",
    "eval",
    "canary",
    "show",
    "promote",
    "log",
    "init",
    "models",
    "schema",
)
app.registered_commands.sort(key=lambda c: ORDER.index(c.name or c.callback.__name__))  # type: ignore[union-attr]

__all__ = ["app", "main"]


def _completion(argv: list[str]) -> bool:
    """Typer's completion machinery costs an import on every run; it is switched on only for
    `--install-completion`, `--show-completion` and the shell's completion requests (the
    `_REGISTRY_COMPLETE` variable its script sets)."""
    wanted = {"--install-completion", "--show-completion"}
    return bool(wanted & set(argv[1:2])) or "_REGISTRY_COMPLETE" in os.environ


def main() -> None:
    """Console entry point."""
    import gc

    # A run builds hundreds of thousands of small, acyclic objects (parsed YAML, JSON from the
    # cache): with the default thresholds the collector walks them over and over. Collect
    # cycles far less often instead (measured: a warm `check` at 10,000 prompts spent a third
    # of its time in the collector).
    gc.set_threshold(200_000, 50, 100)
    if _completion(sys.argv):
        app._add_completion = True
    try:
        app()
    except SystemExit as exc:
        if not isinstance(exc.code, int | None):
            raise  # a message to print: the interpreter's own way
        code = exc.code or 0
    else:
        code = 0
    # Output is complete: leave without freeing every object one by one (the interpreter's
    # teardown took 30-40 ms after a warm check at 10,000 prompts). Nothing registers exit
    # handlers that matter here: files are written atomically before this point.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: what Python does too
        code = code or 120
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
