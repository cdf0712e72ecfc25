"""Reporters: one result object in, text out. Every output passes through the redaction layer.

Formats: text (compiler style), json (schemas/report.schema.json), markdown (PR comment / job
summary), github (workflow annotations), sarif (2.1.0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from registry.redact import Redactor

if TYPE_CHECKING:
    from registry.gate import CheckResult

FORMATS = ("text", "json", "markdown", "github", "sarif")
MODULES = {"json": "json_report"}


def render(result: CheckResult, fmt: str) -> str:
    """Format a result; the redaction layer is applied to the whole output, once, here."""
    import importlib

    if fmt not in FORMATS:
        raise ValueError(fmt)
    module = importlib.import_module(f"registry.report.{MODULES.get(fmt, fmt)}")
    fn: Callable[[CheckResult], str] = module.render
    return redactor(result)(fn(result))


def redactor(result: CheckResult) -> Redactor:
    return Redactor(result.literal_secrets)
