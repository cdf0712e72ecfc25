"""The typer application and its global options (--version)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="registry",
    help="GitOps config-and-prompt registry for LLM applications: validate, diff, gate, render.",
    add_completion=False,  # on only when asked for: see _completion (a commit hook saves 4 ms)
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from registry.common.version import __version__

        typer.echo(f"registry {__version__} (llm-config-registry)")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        help="Print the version and exit.",
        callback=_version,
        is_eager=True,
    ),
) -> None:
    """GitOps config-and-prompt registry for LLM applications: validate, diff, gate, render.

    Shell completion: registry --install-completion (or --show-completion).
    """
