"""Looking at config: diff, show, log."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

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
from registry.common.errors import RegistryError


@app.command()
@guarded
def diff(
    envs: list[str] | None = typer.Argument(None, help="ENV_A ENV_B, or with --base: ENV…"),
    root: Path | None = RootOpt,
    base: str | None = typer.Option(
        None, "--base", metavar="REF", help="Compare REF with --head (a PR diff)."
    ),
    head: str | None = typer.Option(
        None, "--head", metavar="REF", help="Head ref (default: the working tree)."
    ),
    fmt: str = typer.Option("text", "--format", "-f", metavar="FORMAT", help="text | json"),
    exit_code: bool = typer.Option(False, "--exit-code", help="Exit 1 when behavior differs."),
) -> None:
    """Behavior differences between two environments, or what a change does to each."""
    from registry.report import views as diffcmd

    choice(fmt, ("text", "json"), "format")
    names = envs or []
    if base is None:
        if len(names) != 2:
            raise RegistryError("diff takes two environments (ENV_A ENV_B), or --base REF")
        reg = opened(root)
        text, differs = diffcmd.env_diff(reg, names[0], names[1], fmt)
    else:
        from registry.engine.review import change_diff
        from registry.load.source import find_root

        text, differs = change_diff(find_root(root), base, head, names, fmt)
    emit(text)
    raise typer.Exit(1 if exit_code and differs else 0)


@app.command()
@guarded
def show(
    env: str = typer.Argument(..., help="Environment."),
    prompt: str = typer.Argument(..., help="Prompt id."),
    root: Path | None = RootOpt,
    ref: str | None = typer.Option(
        None, "--ref", metavar="REF", help="Show the registry at a git ref."
    ),
    fmt: str = typer.Option("text", "--format", "-f", metavar="FORMAT", help="text | json"),
) -> None:
    """One resolved unit, readable, with where each value comes from."""
    from registry.report import views as diffcmd

    choice(fmt, ("text", "json"), "format")
    emit(diffcmd.show_unit(opened(root, ref), env, prompt, fmt))


def _log_json(prompt: str, found: dict[str, list[Any]], literals: Iterable[str]) -> str:
    from registry.common.redact import Redactor
    from registry.report import dumps, finish

    redact = Redactor(literals)
    data = {
        "prompt": prompt,
        "environments": {
            name: [
                {
                    "commit": c.commit,
                    "date": c.date.isoformat(),
                    "author": c.author,
                    "subject": c.subject,
                    "fingerprint": c.fingerprint,
                    "files": c.files,
                }
                for c in changes
            ]
            for name, changes in found.items()
        },
    }
    return finish(dumps(redact.value(data)), redact, human=False)


@app.command()
@guarded
def log(
    prompt: str = typer.Argument(..., help="Prompt id."),
    env: list[str] | None = typer.Option(
        None, "--env", metavar="ENV", help="Environment(s); default: all."
    ),
    root: Path | None = RootOpt,
    limit: int | None = typer.Option(
        None, "--limit", "-n", metavar="N", help="Look at most N commits back."
    ),
    fmt: str = typer.Option("text", "--format", "-f", metavar="FORMAT", help="text | json"),
) -> None:
    """Commits where a unit's resolved fingerprint changed (first-parent history of HEAD)."""
    from registry.check.rules.secrets import literal_secrets
    from registry.common.textsafe import visible_line
    from registry.diff import history
    from registry.resolve.registry import open_registry

    choice(fmt, ("text", "json"), "format")
    reg = open_registry(root, only_prompts={prompt})  # env names only: skip other prompts
    names = env or reg.environments
    for name in names:
        if name not in reg.environments:
            raise RegistryError(f"unknown environment {name!r}")
    found = {name: history.log(reg.root, prompt, name, limit) for name in names}
    total = sum(map(len, found.values()))
    if not total and prompt not in reg.prompts:
        raise RegistryError(
            f"unknown prompt {prompt!r}: no prompts/{prompt}/ here or in the history of HEAD"
        )
    if fmt == "json":
        emit(_log_json(prompt, found, literal_secrets(reg)))
        return
    lines = []
    for name, changes in found.items():
        lines.append(f"{prompt} in {name}: {len(changes)} change(s)")
        for c in changes:
            fp = c.fingerprint or "(not bound)"
            author, subject = visible_line(c.author), visible_line(c.subject)
            files = ", ".join(map(visible_line, c.files))
            lines.append(f"  {c.date.date().isoformat()}  {c.commit[:12]}  {author}  {fp}")
            lines.append(f"      {subject}  [{files}]")
    emit(human("\n".join(lines) + "\n", literal_secrets(reg)))  # commit metadata too


@app.command()
@guarded
def models(
    ids: list[str] | None = typer.Argument(
        None, metavar="[ID…]", help="Model ids (provider/model)."
    ),
    root: Path | None = RootOpt,
    fmt: str = typer.Option("text", "--format", "-f", metavar="FORMAT", help="text | json"),
) -> None:
    """What the catalog knows of model ids (default: every id this registry names)."""
    from registry.gate.assemble import utc_today
    from registry.load.settings import Settings
    from registry.report import dumps
    from registry.report.models import describe, text

    choice(fmt, ("text", "json"), "format")
    settings = Settings.from_data(None)
    names = list(ids or [])
    if not names:
        from registry.check.rules.pins import model_refs

        reg = opened(root)
        settings = reg.settings
        docs = [*reg.layers.values(), *(d for v in reg.prompts.values() for d in v.values())]
        names = sorted({mid for d in docs if d.ok for _p, mid, _e in model_refs(d) if "/" in mid})
    elif root is not None:
        settings = opened(root).settings
    rows = [describe(settings, mid, utc_today()) for mid in names]
    emit(dumps({"models": rows}) if fmt == "json" else text(rows))
