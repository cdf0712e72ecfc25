"""Commands that write files: promote, init, schema."""

from __future__ import annotations

from pathlib import Path

import typer

from registry.cli.app import app
from registry.cli.common import (
    RootOpt,
    choice,
    emit,
    guarded,
    human,
    opened,
)


@app.command()
@guarded
def promote(
    src: str = typer.Argument(..., metavar="FROM", help="Environment to copy behavior from."),
    to: str = typer.Argument(..., metavar="TO", help="Environment whose overlay is edited."),
    prompt: list[str] | None = typer.Option(
        None, "--prompt", metavar="ID", help="Only these prompts."
    ),
    root: Path | None = RootOpt,
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the edit; write nothing."),
) -> None:
    """Make TO's units match FROM's, editing TO's overlay in place (comments kept)."""
    from registry.check.rules.secrets import literal_secrets
    from registry.common.atomic import write_text
    from registry.edit.promote import promote as run_promote

    reg = opened(root)
    result = run_promote(reg, src, to, prompt or None)
    if result.before == result.after:
        emit(f"{to} already matches {src}: nothing to change\n")
        return
    if not dry_run:
        write_text(reg.root / result.file, result.after)
    verb = "would apply" if dry_run else "applied"
    emit(human(f"{verb} to {result.file}:\n{result.diff()}", literal_secrets(reg)))


@app.command()
@guarded
def init(
    directory: Path = typer.Argument(Path("."), metavar="[DIR]", help="Where to create it."),
    force: bool = typer.Option(False, "--force", help="Overwrite the starter files that exist."),
    no_hooks: bool = typer.Option(False, "--no-hooks", help="Write no pre-commit config."),
) -> None:
    """A new, valid, commented registry (base/staging/prod, one prompt, hooks)."""
    import json

    from registry.edit.init import EDITOR, editor_settings, editor_target
    from registry.edit.init import init as run_init

    written = run_init(directory, force=force, hooks_too=not no_hooks)
    lines = [f"created {path}" for path in written]
    editor, prefix = editor_target(directory)
    if editor not in written:
        block = json.dumps({"yaml.schemas": editor_settings(prefix)}, indent=2)
        lines.append(f"kept your {EDITOR}; for completion in editors, merge into it:")
        lines += ["  " + line for line in block.splitlines()]
    lines += [
        "next: git init (if needed), pip install pre-commit, pre-commit install,",
        f"      then: registry check --root {directory}",
    ]
    emit("\n".join(lines) + "\n")


SCHEMA_KINDS = ("registry", "environment", "prompt", "waivers", "report")


@app.command()
@guarded
def schema(
    kind: str | None = typer.Argument(
        None, metavar="[KIND]", help="registry | environment | prompt | waivers | report"
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", metavar="DIR", help="Write the schema files into DIR."
    ),
) -> None:
    """The JSON Schemas of the registry's files, for editors and check-jsonschema."""
    from registry.common.atomic import write_bytes
    from registry.edit.init import SCHEMA_FILES, schema_files

    shipped = schema_files()
    if kind is not None:
        choice(kind, SCHEMA_KINDS, "schema")
    if out is None:
        if kind is not None:
            emit(shipped[f"{kind}.schema.json"].decode("utf-8"))
            return
        rows = [
            f"{k + '.schema.json':<26} {', '.join(SCHEMA_FILES.get(k, ['--format json output']))}"
            for k in SCHEMA_KINDS
        ]
        emit("\n".join(rows) + "\n(registry schema KIND prints one; --out DIR writes them)\n")
        return
    names = [f"{kind}.schema.json"] if kind else list(shipped)
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        write_bytes(out / name, shipped[name])
    emit("".join(f"wrote {out / name}\n" for name in names))
