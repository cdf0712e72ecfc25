"""Reporters: one result object in, text out. Every output passes through the redaction layer.

Formats: text (compiler style), json (schemas/report.schema.json), markdown (PR comment / job
summary), github (workflow annotations), sarif (2.1.0), html (a self-contained page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from registry.common.redact import Redactor

if TYPE_CHECKING:
    from registry.gate.result import CheckResult

FORMATS = ("text", "json", "markdown", "github", "sarif", "html")
HUMAN = ("text", "markdown", "github")  # read by people, in terminals, logs and comments
MODULES = {"json": "json_report"}


REPO_PATHS = ("github", "sarif")  # formats whose paths are always the repository's


def render(
    result: CheckResult,
    fmt: str,
    paths: str = "registry",
    *,
    show_info: bool = True,
    quiet: bool = False,
) -> str:
    """Format a result; the redaction layer is applied to the whole output, once, here.
    `paths`: "registry" (relative to the registry root) or "repo" (to the git work tree's
    top, which GitHub annotations and SARIF always use: in a monorepo the registry is a
    subfolder). Text only: `show_info` lists info findings (else they are counted), `quiet`
    prints errors and the summary alone."""
    import importlib

    if fmt not in FORMATS:
        raise ValueError(fmt)
    if paths == "repo" or fmt in REPO_PATHS:
        result = repo_relative(result)
    module = importlib.import_module(f"registry.report.{MODULES.get(fmt, fmt)}")
    redact = redactor(result)
    if hasattr(module, "as_data"):  # JSON: every value redacted before it is encoded
        return finish(dumps(redact.value(module.as_data(result))), redact, human=False)
    if hasattr(module, "render_page"):  # HTML: values redacted before they are escaped
        return finish(module.render_page(result, redact), redact, human=False)
    if fmt == "text":
        text: str = module.render(result, show_info=show_info, quiet=quiet)
        return finish(text, redact, human=True)
    fn: Callable[[CheckResult], str] = module.render
    return finish(fn(result), redact, human=fmt in HUMAN)


def dumps(data: Any) -> str:
    """A JSON output: sorted keys, two-space indent, UTF-8 text, strict JSON."""
    import json

    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def finish(text: str, redact: Redactor, *, human: bool) -> str:
    """The last step of every command's output: the redaction layer, then, for output people
    read, every invisible or control character shown as an escape (registry.common.textsafe)."""
    text = redact(text)
    if human:
        from registry.common.textsafe import visible_text

        text = visible_text(text)
    return text


def repo_relative(result: CheckResult) -> CheckResult:
    """The result with every finding's file relative to the git work tree's top."""
    import dataclasses
    from pathlib import Path

    from registry.load.source import repo_prefix

    prefix = repo_prefix(Path(result.root))
    if not prefix:
        return result
    findings = [
        dataclasses.replace(f, file=prefix + f.file) if f.file else f for f in result.findings
    ]
    return dataclasses.replace(result, findings=findings)


def redactor(result: CheckResult) -> Redactor:
    return Redactor(result.literal_secrets)
