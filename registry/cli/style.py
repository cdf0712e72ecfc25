"""Colour for text output on a terminal: severities, codes and the summary, nothing else.

On only when standard output is a terminal (not a pipe, a file or CI's log capture) and
TERM is not `dumb`; NO_COLOR (any non-empty value, https://no-color.org) turns it off and
FORCE_COLOR on. Machine formats are never coloured.
"""

from __future__ import annotations

import os
import re
from typing import TextIO

RESET = "\x1b[0m"
SEVERITY = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[2m"}
BOLD, DIM, GREEN = "\x1b[1m", "\x1b[2m", "\x1b[32m"
FINDING = re.compile(r"^(?P<where>.*?: )(?P<sev>error|warning|info) (?P<code>[A-Z]+[0-9]{3}) ")
SUMMARY = re.compile(r"^(?P<errors>\d+) error\(s\), (?P<warnings>\d+) warning\(s\), ")


def enabled(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or foreign stream
        return False


def _line(line: str) -> str:
    m = FINDING.match(line)
    if m:
        sev, code = m.group("sev"), m.group("code")
        return (
            f"{BOLD}{m.group('where')}{RESET}{SEVERITY[sev]}{sev}{RESET} {BOLD}{code}{RESET} "
            + line[m.end() :]
        )
    if line.startswith("  hint: "):
        return f"{DIM}{line}{RESET}"
    m = SUMMARY.match(line)
    if m:
        bad = int(m.group("errors")) or int(m.group("warnings"))
        colour = SEVERITY["error"] if int(m.group("errors")) else SEVERITY["warning"]
        return f"{colour if bad else GREEN}{line}{RESET}"
    return line


def paint(text: str) -> str:
    """Text output with colour added (its characters are otherwise unchanged)."""
    return "".join(
        _line(line[:-1]) + "\n" if line.endswith("\n") else _line(line)
        for line in text.splitlines(keepends=True)
    )
