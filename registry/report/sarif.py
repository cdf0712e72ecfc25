"""SARIF 2.1.0 for code scanning (GitHub's upload-sarif, and any SARIF viewer).

Every code is a rule: a stable id (the finding code), a PascalCase name, the catalog entry of
docs/rules.md as its full description and help, tags, and its default level. Drift that a
waiver covers is a result too, suppressed (`kind: external`, the waiver's reason and expiry as
the justification), so a viewer shows it as accepted rather than losing it. Each result has a
`partialFingerprints` value built from what it is about (code, file, field path), not from
its line, so an alert keeps its identity when unrelated lines move.

Help links: set REGISTRY_DOCS_URL to where the catalog is published (the folder that holds
rules.md, e.g. https://github.com/acme/registry/blob/v1.2.0/docs); each rule's `helpUri` is
then `<base>/rules.md#<code>`. Unset, the links are left out: the help text is inline.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import TYPE_CHECKING, Any

from registry.common.findings import CODES, GATE_CODES, Finding
from registry.common.textsafe import visible_line
from registry.common.version import __version__

if TYPE_CHECKING:
    from registry.gate.result import CheckResult
    from registry.gate.waivers import Waiver

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
DOCS_ENV = "REGISTRY_DOCS_URL"
FINGERPRINT = "registryFinding/v1"
# GitHub ranks security alerts by this (CVSS-like, 0-10); only the secret rules are security
SECURITY_SEVERITY = {"SEC001": "9.0", "SEC002": "7.5"}


def _bases(root: str) -> dict[str, Any]:
    """%SRCROOT%: the git work tree's top (result paths are relative to it), as a file URI."""
    from pathlib import Path

    from registry.load.source import repo_top

    top = repo_top(Path(root)) or Path(root).resolve()
    return {"%SRCROOT%": {"uri": top.as_uri() + "/"}}


def _uri(rel: str) -> str:
    """A registry path as a relative URI reference (RFC 3986: a space or `#` is escaped)."""
    from urllib.parse import quote

    return quote(rel, safe="/")


def docs_base() -> str | None:
    """REGISTRY_DOCS_URL, when it is an absolute http(s) URL (SARIF's helpUri must be one)."""
    base = os.environ.get(DOCS_ENV, "").strip().rstrip("/")
    return base if re.match(r"^https?://[^/\s]+", base) else None


def rule_name(title: str) -> str:
    """`floating chat or fallback model id` -> `FloatingChatOrFallbackModelId`."""
    return "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", title))


def rule(code: str, base: str | None) -> dict[str, Any]:
    from registry.check.catalog import catalog

    severity, short = CODES[code]
    entry = catalog()[code]
    tags = [entry.category]
    if code in GATE_CODES:
        tags.append("gate")
    props: dict[str, Any] = {"tags": tags}
    if code in SECURITY_SEVERITY:
        tags.append("security")
        props["security-severity"] = SECURITY_SEVERITY[code]
    heading = f"{code} — {entry.title}"
    out: dict[str, Any] = {
        "id": code,
        "name": rule_name(short),
        "shortDescription": {"text": short},
        "fullDescription": {"text": entry.title},
        "help": {
            "text": f"{heading}\n\n{entry.text}",
            "markdown": f"**{heading}**\n\n{entry.markdown}",
        },
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": props,
    }
    if base:
        out["helpUri"] = f"{base}/rules.md#{code.lower()}"
    return out


def partial_fingerprint(f: Finding) -> str:
    """What the finding is about, not where it is printed: the same problem keeps its alert
    when lines above it move. A finding with no field path adds its message."""
    about = "\0".join((f.code, f.file or "", f.path or f.message))
    return hashlib.sha256(about.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": index[f.code],
        "level": LEVEL[f.severity],
        "message": {"text": visible_line(f.message + (f" ({f.hint})" if f.hint else ""))},
        "partialFingerprints": {FINGERPRINT: partial_fingerprint(f)},
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
    return item


def _suppression(w: Waiver) -> dict[str, Any]:
    expiry = f"expires {w.expires.isoformat()}" if w.expires else "no expiry"
    file, line, col = w.where("path")
    return {
        "kind": "external",
        "status": "accepted",
        "justification": visible_line(f"waiver {w.id!r} ({w.owner}, {expiry}): {w.reason}"),
        "location": {
            "physicalLocation": {
                "artifactLocation": {"uri": _uri(file), "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": line, "startColumn": col},
            }
        },
    }


def render(result: CheckResult) -> str:
    from registry.report import dumps

    return dumps(as_data(result))


def as_data(result: CheckResult) -> dict[str, Any]:
    """The SARIF log as data (the redaction layer works on its values, then it is encoded)."""
    base = docs_base()
    codes = list(CODES)
    index = {code: i for i, code in enumerate(codes)}
    results = [_result(f, index) for f in result.findings]
    for pair in result.pairs:
        for finding, waiver in pair.suppressed:
            item = _result(finding, index)
            item["suppressions"] = [_suppression(waiver)]
            results.append(item)
    driver: dict[str, Any] = {
        "name": "registry",
        "fullName": f"registry (llm-config-registry) {__version__}",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [rule(code, base) for code in codes],
    }
    if base:
        driver["informationUri"] = base
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "results": results,
                "originalUriBaseIds": _bases(result.root),
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
