"""What every command shares: error mapping to exit codes (`guarded`), output through the
redaction layer (`emit`, `human`), argument checks, the gate commands' options and views."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import typer

from registry.common.errors import Refusal, RegistryError

F = TypeVar("F", bound=Callable[..., Any])


ROOT_HELP = "Registry folder (default: nearest folder upward with registry.yaml or environments/)."


FORMATS = ("text", "json", "markdown", "github", "sarif", "html")  # = registry.report.FORMATS


PATHS = ("registry", "repo")


def guarded(fn: F) -> F:
    """Map RegistryError to exit 2 and anything unexpected to exit 3 with a log file."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from registry.common import progress

        cache_setting = os.environ.get("REGISTRY_CACHE")  # --no-cache sets it for one command
        try:
            progress.start(machine=_machine(fn.__name__, kwargs))
            try:
                return fn(*args, **kwargs)
            finally:
                progress.stop()  # before any message: the line is erased first
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Refusal as exc:
            _refused(exc)
            raise typer.Exit(exc.code) from None
        except RegistryError as exc:
            typer.echo(f"registry: error: {_escaped(str(exc))}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as git does
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(141) from None
        except Exception:  # noqa: BLE001 - a bug: one line to the user, the rest to a log
            import tempfile
            import traceback

            fd, log = tempfile.mkstemp(prefix="registry-crash-", suffix=".log")
            with os.fdopen(fd, "w") as fh:
                fh.write(traceback.format_exc())
            kind = sys.exc_info()[0]
            typer.echo(
                f"registry: internal error ({kind.__name__ if kind else 'unknown'}); "
                f"details in {log}",
                err=True,
            )
            raise typer.Exit(3) from None
        finally:
            _notes()
            if cache_setting is None:
                os.environ.pop("REGISTRY_CACHE", None)
            else:
                os.environ["REGISTRY_CACHE"] = cache_setting

    return wrapper  # type: ignore[return-value]


def _machine(command: str, kwargs: dict[str, Any]) -> bool:
    """Whether standard output carries a machine format (then no progress line, ever)."""
    to_stdout = kwargs.get("output") is None
    if command in ("render", "schema"):
        return to_stdout
    return kwargs.get("fmt", "text") != "text" and to_stdout


def _refused(exc: Refusal) -> None:
    from registry.common.redact import Redactor
    from registry.common.textsafe import visible_text
    from registry.report.text import finding_line

    redact = Redactor(exc.secrets)
    for f in exc.findings:
        typer.echo(visible_text(redact(finding_line(f))), err=True)
    typer.echo(f"registry: error: {redact(_escaped(str(exc)))}", err=True)


def _escaped(text: str) -> str:
    """A message to print: control and invisible characters shown as escapes."""
    from registry.common.textsafe import visible_line

    return visible_line(text)


def _notes() -> None:
    """What the core noted for the user (why a cache was not used), once, on stderr."""
    store = sys.modules.get("registry.engine.cachestore")
    for note in getattr(store, "notes", []):
        typer.echo(f"registry: note: {note}", err=True)
    if store is not None:
        store.notes.clear()


def emit(text: str, output: Path | None = None) -> None:
    emit_chunks((text,), output)


def emit_chunks(chunks: Iterable[str], output: Path | None = None) -> None:
    """Standard output, or FILE replaced in one step (atomically, never torn)."""
    from registry.common import progress

    progress.stop()
    if output is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()
    else:
        from registry.common.atomic import write_chunks

        write_chunks(output, chunks)


def human(text: str, literals: Iterable[str] = ()) -> str:
    """Output for people, through the one redaction layer (see registry.report.finish)."""
    from registry.common.redact import Redactor
    from registry.report import finish

    return finish(text, Redactor(literals), human=True)


def opened(root: Path | None, ref: str | None = None) -> Any:
    from registry.engine.run import open_cached

    return open_cached(root, ref)


def choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise RegistryError(f"unknown {what} {value!r} (choose from: {', '.join(choices)})")
    return value


def codes(values: list[str] | None, option: str = "--select", gate: bool = True) -> list[str]:
    """Codes or prefixes given to --select/--ignore: an unknown one is exit 2 (a typo would
    select nothing), and so is ignoring one of the gate's codes where the gate runs."""
    from registry.common.findings import GATE_CODES, GATE_HINT, closest_code, known_prefix

    codes = [c.strip().upper() for v in values or [] for c in v.split(",") if c.strip()]
    for code in codes:
        if not known_prefix(code):
            near = closest_code(code)
            hint = f" (did you mean {near}?)" if near else ""
            raise RegistryError(f"{option}: unknown code or prefix {code!r}{hint}")
        drift = sorted(g for g in GATE_CODES if g.startswith(code)) if gate else []
        if option == "--ignore" and drift:
            raise RegistryError(f"--ignore {code} would ignore {', '.join(drift)}: {GATE_HINT}")
    return codes


RootOpt = typer.Option(None, "--root", help=ROOT_HELP, file_okay=False, metavar="DIR")


FormatOpt = typer.Option(
    "text",
    "--format",
    "-f",
    metavar="FORMAT",
    help="text | json | markdown | github | sarif | html",
)


SelectOpt = typer.Option(
    None,
    "--select",
    metavar="CODES",
    help="Only these codes (prefixes allowed), comma-separated; the merge gate's codes always run.",
)


PathsOpt = typer.Option(
    "registry",
    "--paths",
    metavar="registry|repo",
    help="registry | repo: file paths relative to the registry or to the git repository's "
    "top (github and sarif always use the repository's: a monorepo's registry is a subfolder).",
)


IgnoreOpt = typer.Option(
    None,
    "--ignore",
    metavar="CODES",
    help="Skip these codes (prefixes allowed), comma-separated; not the merge gate's codes.",
)


ShowInfoOpt = typer.Option(
    False, "--show-info", "-v", help="List info findings in text output (else: a count)."
)


QuietOpt = typer.Option(False, "--quiet", "-q", help="Text output: errors and the summary only.")


StrictOpt = typer.Option(False, "--strict", help="Exit 1 on warnings too.")


NoCacheOpt = typer.Option(False, "--no-cache", help="Run without the cache (as REGISTRY_CACHE=0).")


ReportOpt = typer.Option(
    None,
    "--report",
    metavar="FORMAT=FILE",
    help="Also write FORMAT to FILE from the same run (repeatable; FILE - is standard output).",
)


@dataclasses.dataclass
class View:
    """How the gate commands print a result."""

    fmt: str
    paths: str
    show_info: bool
    quiet: bool
    strict: bool

    def text(self, result: Any, fmt: str | None = None) -> str:
        from registry import report

        return report.render(
            result,
            fmt or self.fmt,
            self.paths,
            show_info=self.show_info,
            quiet=self.quiet,
        )

    def out(self, result: Any, output: Path | None = None) -> str:
        """The primary output; text to a terminal in colour (registry.cli.style)."""
        text = self.text(result)
        if self.fmt == "text" and output is None:
            from registry.cli import style

            if style.enabled(sys.stdout):
                return style.paint(text)
        return text

    def exit_code(self, result: Any) -> int:
        if result.exit_code:
            return int(result.exit_code)
        return 1 if self.strict and result.counts["warning"] else 0


def view_of(
    fmt: str, paths: str, show_info: bool, quiet: bool, strict: bool, no_cache: bool
) -> View:
    choice(fmt, FORMATS, "format")
    if no_cache:
        os.environ["REGISTRY_CACHE"] = "0"
    return View(fmt, choice(paths, PATHS, "--paths"), show_info, quiet, strict)


def reports_of(values: list[str] | None) -> list[tuple[str, Path | None]]:
    """--report FORMAT=FILE values, checked before anything runs."""
    out: list[tuple[str, Path | None]] = []
    for value in values or []:
        fmt, sep, file = value.partition("=")
        if not sep or not file:
            raise RegistryError(f"--report {value!r}: write it as FORMAT=FILE (FILE - for stdout)")
        out.append((choice(fmt, FORMATS, "format"), None if file == "-" else Path(file)))
    return out


def write_reports(view: View, result: Any, reports: list[tuple[str, Path | None]]) -> None:
    for fmt, file in reports:
        emit(view.text(result, fmt), file)
