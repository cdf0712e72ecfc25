"""The `registry` command: parses arguments, calls the core, prints, exits. Nothing else.

Exit codes: 0 passed · 1 findings at error level or unwaived drift · 2 could not run ·
3 internal error (one line to the user, the traceback to a log file).
"""

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

app = typer.Typer(
    name="registry",
    help="GitOps config-and-prompt registry for LLM applications: validate, diff, gate, render.",
    add_completion=False,  # on only when asked for: see _completion (a commit hook saves 4 ms)
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])


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


def _completion(argv: list[str]) -> bool:
    """Typer's completion machinery costs an import on every run; it is switched on only for
    `--install-completion`, `--show-completion` and the shell's completion requests (the
    `_REGISTRY_COMPLETE` variable its script sets)."""
    wanted = {"--install-completion", "--show-completion"}
    return bool(wanted & set(argv[1:2])) or "_REGISTRY_COMPLETE" in os.environ


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


def _emit(text: str, output: Path | None = None) -> None:
    _emit_chunks((text,), output)


def _emit_chunks(chunks: Iterable[str], output: Path | None = None) -> None:
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


def _human(text: str, literals: Iterable[str] = ()) -> str:
    """Output for people, through the one redaction layer (see registry.report.finish)."""
    from registry.common.redact import Redactor
    from registry.report import finish

    return finish(text, Redactor(literals), human=True)


def _open(root: Path | None, ref: str | None = None) -> Any:
    from registry.engine.run import open_cached

    return open_cached(root, ref)


def _choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise RegistryError(f"unknown {what} {value!r} (choose from: {', '.join(choices)})")
    return value


def _codes(values: list[str] | None, option: str = "--select", gate: bool = True) -> list[str]:
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
    help="Only these codes (prefixes allowed), comma-separated; the drift gate's codes always run.",
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
    help="Skip these codes (prefixes allowed), comma-separated; not the drift gate's codes.",
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


def _view(fmt: str, paths: str, show_info: bool, quiet: bool, strict: bool, no_cache: bool) -> View:
    _choice(fmt, FORMATS, "format")
    if no_cache:
        os.environ["REGISTRY_CACHE"] = "0"
    return View(fmt, _choice(paths, PATHS, "--paths"), show_info, quiet, strict)


def _reports(values: list[str] | None) -> list[tuple[str, Path | None]]:
    """--report FORMAT=FILE values, checked before anything runs."""
    out: list[tuple[str, Path | None]] = []
    for value in values or []:
        fmt, sep, file = value.partition("=")
        if not sep or not file:
            raise RegistryError(f"--report {value!r}: write it as FORMAT=FILE (FILE - for stdout)")
        out.append((_choice(fmt, FORMATS, "format"), None if file == "-" else Path(file)))
    return out


def _write_reports(view: View, result: Any, reports: list[tuple[str, Path | None]]) -> None:
    for fmt, file in reports:
        _emit(view.text(result, fmt), file)


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
    view = _view(fmt, paths, show_info, quiet, strict, no_cache)
    result = _run(root, ref, _codes(select), _codes(ignore, "--ignore", gate=False), drift=False)
    _emit(view.out(result))
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
    view = _view(fmt, paths, show_info, quiet, strict, no_cache)
    extra = _reports(reports)
    result = _check(root, base, _codes(select), _codes(ignore, "--ignore"))
    _emit(view.out(result))
    _write_reports(view, result, extra)
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
    view = _view(fmt, paths, show_info, quiet, strict, no_cache)
    extra = _reports(reports)
    result = _check(root, base, _codes(select), _codes(ignore, "--ignore"))
    _emit(view.out(result, output), output)
    _write_reports(view, result, extra)
    raise typer.Exit(0 if exit_zero else view.exit_code(result))


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

    _choice(fmt, ("text", "json"), "format")
    names = envs or []
    if base is None:
        if len(names) != 2:
            raise RegistryError("diff takes two environments (ENV_A ENV_B), or --base REF")
        reg = _open(root)
        text, differs = diffcmd.env_diff(reg, names[0], names[1], fmt)
    else:
        from registry.engine.review import change_diff
        from registry.load.source import find_root

        text, differs = change_diff(find_root(root), base, head, names, fmt)
    _emit(text)
    raise typer.Exit(1 if exit_code and differs else 0)


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

    reg = _open(root, ref)
    reg.resolve(env)  # an unknown environment is exit 2 before anything else
    result = _run(root, ref, [], [], drift=False) if ref is None else None
    if result is None:
        from registry.engine.run import check_registry as run_check

        result = run_check(reg, drift=False)
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
    _emit_chunks(redact.stream(rendering.chunks(data)), output)
    typer.echo(
        f"registry: rendered {env}: digest {data['digest']} (behavior {data['fingerprint']}); "
        f"load it with load_artifact(path, expect={data['digest']!r}, environment={env!r})",
        err=True,
    )


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

    _choice(fmt, ("text", "json"), "format")
    _emit(diffcmd.show_unit(_open(root, ref), env, prompt, fmt))


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

    reg = _open(root)
    result = run_promote(reg, src, to, prompt or None)
    if result.before == result.after:
        _emit(f"{to} already matches {src}: nothing to change\n")
        return
    if not dry_run:
        write_text(reg.root / result.file, result.after)
    verb = "would apply" if dry_run else "applied"
    _emit(_human(f"{verb} to {result.file}:\n{result.diff()}", literal_secrets(reg)))


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

    _choice(fmt, ("text", "json"), "format")
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
        _emit(_log_json(prompt, found, literal_secrets(reg)))
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
    _emit(_human("\n".join(lines) + "\n", literal_secrets(reg)))  # commit metadata too


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
    _emit("\n".join(lines) + "\n")


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
        _choice(kind, SCHEMA_KINDS, "schema")
    if out is None:
        if kind is not None:
            _emit(shipped[f"{kind}.schema.json"].decode("utf-8"))
            return
        rows = [
            f"{k + '.schema.json':<26} {', '.join(SCHEMA_FILES.get(k, ['--format json output']))}"
            for k in SCHEMA_KINDS
        ]
        _emit("\n".join(rows) + "\n(registry schema KIND prints one; --out DIR writes them)\n")
        return
    names = [f"{kind}.schema.json"] if kind else list(shipped)
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        write_bytes(out / name, shipped[name])
    _emit("".join(f"wrote {out / name}\n" for name in names))


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
