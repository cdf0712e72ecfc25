"""The gate commands: validate, check, report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from registry.cli.app import app
from registry.cli.common import (
    FormatOpt,
    IgnoreOpt,
    NoCacheOpt,
    PathsOpt,
    QuietOpt,
    ReportOpt,
    RootOpt,
    SelectOpt,
    ShowInfoOpt,
    StrictOpt,
    codes,
    emit,
    guarded,
    reports_of,
    view_of,
    write_reports,
)


@app.command()
@guarded
def validate(
    root: Path | None = RootOpt,
    ref: str | None = typer.Option(
        None, "--ref", metavar="REF", help="Validate the registry at a git ref."
    ),
    fmt: str = FormatOpt,
    select: list[str] | None = SelectOpt,
    ignore: list[str] | None = IgnoreOpt,
    paths: str = PathsOpt,
    show_info: bool = ShowInfoOpt,
    quiet: bool = QuietOpt,
    strict: bool = StrictOpt,
    no_cache: bool = NoCacheOpt,
    files: list[str] | None = typer.Argument(None, hidden=True),
) -> None:
    """Schema + rules on the whole registry (file arguments from pre-commit are accepted;
    the whole registry is always validated, for context)."""
    view = view_of(fmt, paths, show_info, quiet, strict, no_cache)
    result = _run(root, ref, codes(select), codes(ignore, "--ignore", gate=False), drift=False)
    emit(view.out(result))
    raise typer.Exit(view.exit_code(result))


@app.command()
@guarded
def check(
    root: Path | None = RootOpt,
    base: str | None = typer.Option(
        None, "--base", metavar="REF", help="Also check what changed since REF."
    ),
    fmt: str = FormatOpt,
    select: list[str] | None = SelectOpt,
    ignore: list[str] | None = IgnoreOpt,
    paths: str = PathsOpt,
    reports: list[str] | None = ReportOpt,
    show_info: bool = ShowInfoOpt,
    quiet: bool = QuietOpt,
    strict: bool = StrictOpt,
    no_cache: bool = NoCacheOpt,
    files: list[str] | None = typer.Argument(None, hidden=True),
) -> None:
    """Validate + drift gate on every parity pair + waivers: the merge gate."""
    view = view_of(fmt, paths, show_info, quiet, strict, no_cache)
    extra = reports_of(reports)
    result = _check(root, base, codes(select), codes(ignore, "--ignore"))
    emit(view.out(result))
    write_reports(view, result, extra)
    raise typer.Exit(view.exit_code(result))


def _check(root: Path | None, base: str | None, select: list[str], ignore: list[str]) -> Any:
    if base is None:
        return _run(root, None, select, ignore, drift=True)
    from registry.engine.review import check_against
    from registry.load.source import find_root

    head = _run(root, None, [], [], drift=True)  # the gate on the working tree, incremental
    return check_against(find_root(root), base, head, select_codes=select, ignore_codes=ignore)


def _run(
    root: Path | None, ref: str | None, select: list[str], ignore: list[str], *, drift: bool
) -> Any:
    """validate/check, through the engine (incremental on the working tree unless
    REGISTRY_CACHE=0; at a ref, in full)."""
    from registry.engine.run import check as run_check
    from registry.load.source import find_root

    return run_check(
        find_root(root), ref=ref, drift=drift, select_codes=select, ignore_codes=ignore
    )


@app.command()
@guarded
def report(
    root: Path | None = RootOpt,
    base: str | None = typer.Option(
        None, "--base", metavar="REF", help="Include a 'this change' section."
    ),
    fmt: str = FormatOpt,
    output: Path | None = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write to FILE (atomically)."
    ),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Publish only: always exit 0."),
    select: list[str] | None = SelectOpt,
    ignore: list[str] | None = IgnoreOpt,
    paths: str = PathsOpt,
    reports: list[str] | None = ReportOpt,
    show_info: bool = ShowInfoOpt,
    quiet: bool = QuietOpt,
    strict: bool = StrictOpt,
    no_cache: bool = NoCacheOpt,
) -> None:
    """The check result as text, JSON, Markdown, GitHub annotations, SARIF or HTML."""
    view = view_of(fmt, paths, show_info, quiet, strict, no_cache)
    extra = reports_of(reports)
    result = _check(root, base, codes(select), codes(ignore, "--ignore"))
    emit(view.out(result, output), output)
    write_reports(view, result, extra)
    raise typer.Exit(0 if exit_zero else view.exit_code(result))
