"""Findings: the one data type every stage yields and every reporter formats.

A finding never carries an exception; a broken input is a finding, not a crash.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)

# code -> (default severity, one-line title). The contract of DESIGN.md section 4.
CODES: dict[str, tuple[str, str]] = {
    "YAML001": (ERROR, "YAML syntax error or more than one document"),
    "YAML002": (ERROR, "duplicate key"),
    "YAML003": (ERROR, "explicit tag"),
    "YAML004": (ERROR, "anchor, alias or merge key"),
    "YAML005": (ERROR, "non-string key or a value YAML typed that should be a string"),
    "YAML006": (ERROR, "file too large or nested too deep"),
    "YAML007": (ERROR, "not UTF-8, NUL byte, or foreign BOM"),
    "SCHEMA001": (ERROR, "structure or type violates the JSON Schema"),
    "REF001": (ERROR, "unknown reference"),
    "REF002": (ERROR, "extends or include cycle"),
    "REF003": (ERROR, "path escapes the registry"),
    "PIN001": (ERROR, "floating chat or fallback model id"),
    "PIN002": (WARNING, "pinned model id not in the catalog"),
    "PIN003": (ERROR, "floating embedding model id"),
    "PIN004": (ERROR, "pinned model retired, or retiring within pins.warn_days"),
    "PIN005": (WARNING, "provider without a known naming policy"),
    "PRM001": (ERROR, "template syntax error"),
    "PRM002": (ERROR, "template uses an undeclared variable"),
    "PRM003": (WARNING, "declared variable never used"),
    "PRM004": (ERROR, "published prompt version changed or deleted"),
    "PRM005": (ERROR, "invisible or control character, or non-ASCII id"),
    "PRM006": (WARNING, "prompt text not in Unicode NFC"),
    "PRM007": (WARNING, "trailing whitespace or CR in prompt text"),
    "PRM008": (ERROR, "unsafe template construct"),
    "PRM009": (ERROR, "partials nested too deep or expanding past the size limit"),
    "CACHE001": (WARNING, "dynamic content early in the cacheable prefix"),
    "CACHE002": (INFO, "static prefix below the provider's cacheable minimum"),
    "BUDGET001": (ERROR, "prompt + max_tokens over the context window"),
    "BUDGET002": (ERROR, "max_tokens over the model's max output"),
    "BUDGET003": (WARNING, "static prompt tokens grew past the threshold"),
    "PARAM001": (ERROR, "sampling parameter out of range"),
    "PARAM002": (ERROR, "sampling parameter the model does not accept"),
    "PARAM003": (ERROR, "json_schema response format on a model without structured output"),
    "TOOL001": (ERROR, "tool parameters is not a valid JSON Schema"),
    "TOOL002": (ERROR, "invalid or duplicate tool name"),
    "TOOL003": (ERROR, "undefined tool"),
    "TOOL004": (ERROR, "tools on a model without function calling"),
    "SEC001": (ERROR, "literal secret"),
    "SEC002": (ERROR, "credential shared between separate environments"),
    "DRIFT001": (ERROR, "parity pair differs in a unit field"),
    "DRIFT002": (ERROR, "unit bound on one side of a parity pair only"),
    "WAIVER001": (ERROR, "waiver expired"),
    "WAIVER002": (ERROR, "waiver expires too far ahead"),
    "WAIVER003": (WARNING, "waiver covers no drift"),
    "WAIVER004": (ERROR, "waiver expect fingerprints no longer match"),
    "EVAL001": (ERROR, "unit in an evals.required environment has no accepted receipt"),
    "EVAL002": (ERROR, "the receipt for the unit's fingerprint was not accepted"),
    "EVAL003": (ERROR, "eval dataset line is not a valid case"),
    "EVAL004": (WARNING, "receipt matches no unit of any environment"),
    "CANARY001": (ERROR, "model behavior changed under the same id (silent update)"),
    "CANARY002": (WARNING, "same model id behaves differently across a parity pair"),
}


# The merge gate's own codes: always errors in `check` and `report`, never selected away,
# ignored or overridden. The only way past a difference is an expiring waiver.
GATE_CODES = frozenset(
    {"DRIFT001", "DRIFT002", "WAIVER001", "WAIVER002", "WAIVER004", "EVAL001", "EVAL002"}
)
GATE_HINT = (
    "the merge gate cannot be switched off: a drift takes an expiring waiver in waivers.yaml, "
    "an eval an accepted receipt"
)
# what `registry eval` and `registry canary` produce the evidence for: never a reason to
# refuse running them
BEHAVIOR_EVIDENCE = frozenset({"EVAL001", "EVAL002", "EVAL004", "CANARY001", "CANARY002"})


def closest_code(value: str) -> str | None:
    """The known code (or code prefix) nearest a mistyped one, for did-you-mean hints."""
    import difflib

    prefixes = {code.rstrip("0123456789") for code in CODES}
    found = difflib.get_close_matches(value, [*CODES, *sorted(prefixes)], n=1, cutoff=0.5)
    return found[0] if found else None


def known_prefix(value: str) -> bool:
    """Whether `value` is a code or the start of one (`PIN`, `PIN00`)."""
    return any(code.startswith(value) for code in CODES)


@dataclasses.dataclass(frozen=True, order=False)
class Finding:
    """One problem, located at the file:line:col that set the value it is about."""

    code: str
    severity: str
    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    path: str | None = None
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.col or 0, self.code, self.message)

    def with_severity(self, severity: str) -> Finding:
        return dataclasses.replace(self, severity=severity)

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def make(
    code: str,
    message: str,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
    *,
    path: str | None = None,
    hint: str | None = None,
) -> Finding:
    """Build a finding with the code's default severity."""
    return Finding(code, CODES[code][0], message, file, line, col, path, hint)


def apply_overrides(findings: Iterable[Finding], overrides: Mapping[str, str]) -> list[Finding]:
    """Apply `rules:` severity overrides from registry.yaml (code -> severity or 'off'); those
    of the gate's codes never apply (the override is itself a finding, see rules/structure)."""
    out = []
    for f in findings:
        sev = overrides.get(f.code) if f.code not in GATE_CODES else None
        if sev == "off":
            continue
        out.append(f.with_severity(sev) if sev in SEVERITIES else f)
    return out


def select(
    findings: Iterable[Finding], select: Iterable[str] = (), ignore: Iterable[str] = ()
) -> list[Finding]:
    """Keep findings whose code starts with one of `select` (all when empty), minus `ignore`.
    The gate's codes are always kept: selection narrows the other rules only."""
    sel, ign = tuple(select), tuple(ignore)
    return [
        f
        for f in findings
        if f.code in GATE_CODES
        or ((not sel or f.code.startswith(sel)) and not (ign and f.code.startswith(ign)))
    ]


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Deterministic order: by file, then line, column and code; duplicates dropped."""
    once = {id(f): f for f in findings}.values()  # the same object often comes many times
    return sorted(set(once), key=Finding.sort_key)


def count(findings: Iterable[Finding]) -> dict[str, int]:
    counts = {s: 0 for s in SEVERITIES}
    for f in findings:
        counts[f.severity] += 1
    return counts
