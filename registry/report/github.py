"""GitHub workflow annotations: `::error file=…,line=…,col=…,title=…::message`.

Capped at 10 per severity (GitHub shows at most 10 per step anyway), with a closing count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry.common.textsafe import visible_line

if TYPE_CHECKING:
    from registry.gate.result import CheckResult

CAP = 10
LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: CheckResult) -> str:
    out = []
    shown = {k: 0 for k in LEVEL}
    for f in result.findings:
        if shown[f.severity] >= CAP:
            continue
        shown[f.severity] += 1
        props = []
        if f.file:
            props.append(f"file={_prop(visible_line(f.file))}")
            if f.line:
                props.append(f"line={f.line}")
                props.append(f"col={f.col or 1}")
        props.append(f"title={_prop(f.code)}")
        message = visible_line(f.message) + (f"\n{visible_line(f.hint)}" if f.hint else "")
        out.append(f"::{LEVEL[f.severity]} {','.join(props)}::{_data(message)}")
    counts = result.counts
    for sev, level in LEVEL.items():
        hidden = counts[sev] - shown[sev]
        if hidden > 0:
            out.append(f"::{level}::{hidden} more {sev} finding(s) not shown; see the job log")
    from registry.report.text import summary

    out.append(summary(result))
    return "\n".join(out) + "\n"
