"""The deploy artifact (render) and the provider request an app would send from it (request)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from registry.cli.app import app
from registry.cli.common import (
    RootOpt,
    choice,
    emit,
    emit_chunks,
    guarded,
)
from registry.common.errors import InputError, Refusal, RegistryError, RenderError

APIS = ("openai-chat", "openai-responses", "anthropic-messages")  # registry.request.build's


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
    from registry.deploy import render as rendering

    data, redact = _sealed(root, ref, env, "render")
    emit_chunks(redact.stream(rendering.chunks(data)), output)
    typer.echo(
        f"registry: rendered {env}: digest {data['digest']} (behavior {data['fingerprint']}); "
        f"load it with load_artifact(path, expect={data['digest']!r}, environment={env!r})",
        err=True,
    )


def _sealed(
    root: Path | None, ref: str | None, env: str, verb: str, behavior: bool = False
) -> tuple[Any, Any]:
    """ENV's artifact as `render` writes it, and the redaction layer; a refusal (nothing
    written) when check finds errors in the files it is made from, or a literal secret.
    `behavior`: for eval and canary, which make the evidence the behavior gate asks for, so
    its own findings (no receipt yet, a recorded shift) do not stop them."""
    from registry.common.redact import Redactor
    from registry.deploy import render as rendering
    from registry.engine import run
    from registry.resolve.depends import touching

    reg = run.open_environment(root, ref, env)  # an unknown environment: exit 2 before all

    # the working tree through the engine (incremental); a ref's registry is already loaded
    result = (
        run.check(reg.root, drift=False) if ref is None else run.check_registry(reg, drift=False)
    )
    redact = Redactor(result.literal_secrets)
    problems = touching(reg, env, result.findings)
    if behavior:
        from registry.common.findings import BEHAVIOR_EVIDENCE

        problems = [f for f in problems if f.code not in BEHAVIOR_EVIDENCE]
    resolved = reg.resolve(env)
    if problems or not resolved.complete:
        raise Refusal(
            f"refusing to {verb} {env}: {len(problems)} error(s) in the files its artifact is "
            "made from; nothing written",
            problems,
            result.literal_secrets,
        )
    data = rendering.artifact(reg, resolved, redact)  # ops redacted before they are encoded
    reg.release()  # only the resolved units are written: the loaded files can go first
    if rendering.secret_units(data, redact):
        raise RegistryError(
            f"refusing to {verb} {env}: a unit holds a literal secret (SEC001); nothing written"
        )
    return data, redact


@app.command()
@guarded
def request(
    env: str = typer.Argument(..., help="Environment."),
    prompt: str = typer.Argument(..., help="Prompt id."),
    inputs: Path = typer.Option(
        ..., "--inputs", "-i", metavar="FILE", help="The render inputs, a JSON object (- = stdin)."
    ),
    api: str | None = typer.Option(
        None, "--api", metavar="API", help=f"{' | '.join(APIS)} (default: the model's provider's)."
    ),
    model: str | None = typer.Option(
        None, "--model", metavar="ID", help="Another model id (a fallback), same settings."
    ),
    root: Path | None = RootOpt,
    ref: str | None = typer.Option(
        None, "--ref", metavar="REF", help="Use the registry at a git ref."
    ),
) -> None:
    """The provider request an app sends for PROMPT in ENV: its JSON body, for review and curl."""
    from registry.deploy.runtime import ArtifactUnit

    if api is not None:
        choice(api, APIS, "api")
    values = _inputs(inputs)
    data, redact = _sealed(root, ref, env, "build a request for")
    if prompt not in data["units"]:
        known = ", ".join(sorted(data["units"])) or "none"
        raise RegistryError(f"{env} binds no prompt {prompt!r} (bound: {known})")
    unit = ArtifactUnit(data["units"][prompt], data["models"])
    try:
        prepared = unit.prepare(values, api, model)
    except InputError as exc:
        typer.echo(f"{inputs}: error: {redact(str(exc))}", err=True)
        raise typer.Exit(1) from None
    except RenderError as exc:
        raise RegistryError(str(exc)) from None
    body = redact.value(prepared.body.wire())  # before encoding: no escape hides a literal
    emit(redact(json.dumps(body, indent=2, ensure_ascii=False, allow_nan=False)) + "\n")
    for note in prepared.body.dropped:
        typer.echo(f"registry: note: {note}", err=True)
    typer.echo(
        f"registry: {prepared.api} request for {prepared.model}: {prepared.prompt_tokens:,} "
        f"input tokens ({prepared.counter}); unit {unit.fingerprint}",
        err=True,
    )


def _inputs(path: Path) -> dict[str, Any]:
    """The inputs file as a JSON object; anything else is exit 2 at its line and column."""
    name = "<stdin>" if str(path) == "-" else str(path)
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        raise RegistryError(f"cannot read {name}: {exc.strerror or exc}") from None
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise RegistryError(f"{name}: not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise RegistryError(f"{name}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise RegistryError(f"{name}: not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise RegistryError(
            f"{name}:1:1: the inputs must be a JSON object, not {type(value).__name__}"
        )
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
