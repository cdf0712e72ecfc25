"""The deploy artifact: render."""

from __future__ import annotations

from pathlib import Path

import typer

from registry.cli.app import app
from registry.cli.common import (
    RootOpt,
    emit_chunks,
    guarded,
    opened,
)
from registry.common.errors import Refusal, RegistryError


@app.command()
@guarded
def render(
    env: str = typer.Argument(..., help="Environment to render."),
    root: Path | None = RootOpt,
    ref: str | None = typer.Option(
        None, "--ref", metavar="REF", help="Render the registry at a git ref."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write to FILE (atomically)."
    ),
) -> None:
    """The deploy artifact: resolved JSON + fingerprints + source commit."""
    from registry.common.redact import Redactor
    from registry.deploy import render as rendering
    from registry.resolve.depends import touching

    reg = opened(root, ref)
    reg.resolve(env)  # an unknown environment is exit 2 before anything else
    from registry.engine import run

    # the working tree through the engine (incremental); a ref's registry is already loaded
    result = (
        run.check(reg.root, drift=False) if ref is None else run.check_registry(reg, drift=False)
    )
    redact = Redactor(result.literal_secrets)
    problems = touching(reg, env, result.findings)
    resolved = reg.resolve(env)
    if problems or not resolved.complete:
        raise Refusal(
            f"refusing to render {env}: {len(problems)} error(s) in the files its artifact is "
            "made from; nothing written",
            problems,
            result.literal_secrets,
        )
    data = rendering.artifact(reg, resolved, redact)  # ops redacted before they are encoded
    reg.release()  # only the resolved units are written: the loaded files can go first
    if rendering.secret_units(data, redact):
        raise RegistryError(
            f"refusing to render {env}: a unit holds a literal secret (SEC001); nothing written"
        )
    emit_chunks(redact.stream(rendering.chunks(data)), output)
    typer.echo(
        f"registry: rendered {env}: digest {data['digest']} (behavior {data['fingerprint']}); "
        f"load it with load_artifact(path, expect={data['digest']!r}, environment={env!r})",
        err=True,
    )
