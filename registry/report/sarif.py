"""SARIF 2.1.0, with stable rule ids (the finding codes), for code-scanning uploads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from registry import __version__
from registry.findings import CODES
from registry.textsafe import visible_line

if TYPE_CHECKING:
    from registry.gate import CheckResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _bases(root: str) -> dict[str, Any]:
    """%SRCROOT%: the git work tree's top (result paths are relative to it), as a file URI."""
    from pathlib import Path

    from registry.source import repo_top

    top = repo_top(Path(root)) or Path(root).resolve()
    return {"%SRCROOT%": {"uri": top.as_uri() + "/"}}


def _uri(rel: str) -> str:
    """A registry path as a relative URI reference (RFC 3986: a space or `#` is escaped)."""
    from urllib.parse import quote

    return quote(rel, safe="/")


def render(result: CheckResult) -> str:
    from registry.report import dumps

    return dumps(as_data(result))


def as_data(result: CheckResult) -> dict[str, Any]:
    """The SARIF log as data (the redaction layer works on its values, then it is encoded)."""
    used = sorted({f.code for f in result.findings})
    rules = [
        {
            "id": code,
            "name": code,
            "shortDescription": {"text": CODES[code][1]},
            "defaultConfiguration": {"level": LEVEL[CODES[code][0]]},
            "helpUri": f"https://registry.example/docs/rules#{code.lower()}",
        }
        for code in used
    ]
    results: list[dict[str, Any]] = []
    for f in result.findings:
        item: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": used.index(f.code),
            "level": LEVEL[f.severity],
            "message": {"text": visible_line(f.message + (f" ({f.hint})" if f.hint else ""))},
        }
        if f.file:
            region = {"startLine": f.line or 1, "startColumn": f.col or 1}
            item["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.file), "uriBaseId": "%SRCROOT%"},
                        "region": region,
                    }
                }
            ]
        if f.path:
            item["properties"] = {"fieldPath": f.path}
        results.append(item)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "registry",
                        "version": __version__,
                        "informationUri": "https://registry.example/docs",
                        "rules": rules,
                    }
                },
                "results": results,
                "originalUriBaseIds": _bases(result.root),
            }
        ],
    }
    return log
