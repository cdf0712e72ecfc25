"""HTML: one self-contained page (no script, no network, no fonts or images to fetch).

The summary, each parity pair's units with side-by-side diffs of drifting prompt text
(invisible characters shown and marked), the file:line of every value, the findings, waivers
with days left and, with `--base`, what the change does (token and cost deltas).

Every value is redacted before it is escaped (an escape such as `&amp;` must not hide a
literal secret from the redaction layer), then the page goes through the layer once more. The
template is rendered in Jinja2's sandbox with autoescaping on.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from typing import TYPE_CHECKING, Any

from registry.common.textsafe import visible_line
from registry.diff.units import ABSENT

if TYPE_CHECKING:
    from registry.common.redact import Redactor
    from registry.diff.change import ChangeReport
    from registry.diff.units import Difference, UnitDiff
    from registry.gate.result import CheckResult, PairReport
    from registry.resolve.units import Origin

CONTEXT = 2  # unchanged lines kept around each change in a side-by-side diff
MAX_ROWS = 400  # per text diff; the rest is summarized


@dataclasses.dataclass
class Row:
    kind: str  # equal | replace | delete | insert | skip
    ln_a: int | None
    a: list[tuple[str, bool]]  # (text, is an escaped invisible character)
    ln_b: int | None
    b: list[tuple[str, bool]]


def segments(line: str) -> list[tuple[str, bool]]:
    """A line as runs of plain text and escaped invisible characters (marked in the page)."""
    out: list[tuple[str, bool]] = []
    plain = ""
    for ch in line:
        if ch.isprintable():
            plain += ch
            continue
        if plain:
            out.append((plain, False))
            plain = ""
        out.append((visible_line(ch), True))
    if plain:
        out.append((plain, False))
    return out


def _lines(text: str) -> list[str]:
    """Lines split at newlines only: a U+2028 or a vertical tab is an invisible character to
    show, not a line break (str.splitlines would break there)."""
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def side_by_side(a: str, b: str, redact: Redactor) -> list[Row]:
    """Rows of a two-column diff of two texts, secrets masked first."""
    lines_a, lines_b = _lines(redact(a)), _lines(redact(b))
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, lines_a, lines_b, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT):
        if rows or group[0][1] > 0:
            rows.append(Row("skip", None, [], None, []))
        for tag, i1, i2, j1, j2 in group:
            for k in range(max(i2 - i1, j2 - j1)):
                ia, jb = i1 + k, j1 + k
                left = ia < i2
                right = jb < j2
                kind = tag
                if tag == "replace" and not (left and right):
                    kind = "delete" if left else "insert"
                rows.append(
                    Row(
                        kind,
                        ia + 1 if left else None,
                        segments(lines_a[ia]) if left else [],
                        jb + 1 if right else None,
                        segments(lines_b[jb]) if right else [],
                    )
                )
    if len(rows) > MAX_ROWS:
        rows = rows[:MAX_ROWS] + [Row("skip", None, [("… more lines not shown", False)], None, [])]
    return rows


def _where(origin: Origin | None) -> str:
    return f"{origin[0]}:{origin[1]}" if origin else "–"


def _value(value: Any, redact: Redactor) -> str:
    if value is ABSENT:
        return "(absent)"
    text = json.dumps(redact.value(value), ensure_ascii=False, sort_keys=True)
    return visible_line(redact(text))


def _difference(x: Difference, pair: PairReport, redact: Redactor) -> dict[str, Any]:
    text = isinstance(x.a, str) and isinstance(x.b, str) and x.text_diff is not None
    return {
        "field": visible_line(x.field or "(the whole unit)"),
        "path": visible_line(x.path),
        "waiver": pair.waived.get(x.path),
        "where_a": visible_line(_where(x.origin_a)),
        "where_b": visible_line(_where(x.origin_b)),
        "rows": side_by_side(x.a, x.b, redact) if text else None,
        "a": None if text else _value(x.a, redact),
        "b": None if text else _value(x.b, redact),
    }


def _unit(d: UnitDiff, pair: PairReport, result: CheckResult, redact: Redactor) -> dict[str, Any]:
    from registry.report.text import since_text

    waived = all(x.path in pair.waived for x in d.differences)
    since = since_text(pair.since[d.prompt], result.today) if d.prompt in pair.since else ""
    return {
        "prompt": visible_line(d.prompt),
        "state": "waived" if waived else "drifting",
        "since": visible_line(since),
        "fp_a": d.fp_a or "(not bound)",
        "fp_b": d.fp_b or "(not bound)",
        "differences": [_difference(x, pair, redact) for x in d.differences],
    }


def _delta(before: float | None, after: float | None, fmt: str) -> dict[str, str]:
    from registry.report.change import _delta as text_delta

    sign = ""
    if before is not None and after is not None and after != before:
        sign = "up" if after > before else "down"
    return {"text": text_delta(before, after, fmt), "sign": sign}


def _change(report: ChangeReport, redact: Redactor) -> dict[str, Any]:
    from registry.report.change import STATUS, _body

    return {
        "base": visible_line(report.base),
        "head": visible_line(report.head),
        "tokenizer": report.tokenizer,
        "envs_only": sorted(report.envs_only.items()),
        "unchanged": sorted(report.unchanged.items()),
        "rows": [
            {
                "env": c.env,
                "prompt": visible_line(c.diff.prompt),
                "status": STATUS[c.diff.status],
                "tokens": _delta(c.tokens_before, c.tokens_after, "{:,.0f}"),
                "cost": _delta(c.cost_before, c.cost_after, "${:,.4f}"),
                "body": [visible_line(redact(line)) for line in _body(c)],
            }
            for c in report.changes
        ],
    }


def page_data(result: CheckResult, redact: Redactor) -> dict[str, Any]:
    c = result.counts
    waivers = []
    for w in result.waivers:
        waivers.append(
            {
                "id": visible_line(redact(w.id)),
                "envs": " ↔ ".join(w.envs),
                "path": visible_line(redact(w.path)),
                "reason": visible_line(redact(w.reason)),
                "owner": visible_line(redact(w.owner)),
                "expires": w.expires.isoformat() if w.expires else "–",
                "days_left": w.days_left(result.today),
                "status": w.status,
                "covers": len(w.covered),
            }
        )
    return {
        "passed": result.exit_code == 0,
        "counts": c,
        "today": result.today.isoformat(),
        "tokenizer": result.tokenizer,
        "pairs": [
            {
                "a": p.a,
                "b": p.b,
                "fp_a": p.fingerprint_a,
                "fp_b": p.fingerprint_b,
                "equal": p.equal,
                "drifting": len(p.drifting()),
                "waived": len(p.waived_units()),
                "units": [_unit(d, p, result, redact) for d in p.diffs],
            }
            for p in result.pairs
        ],
        "findings": [
            {
                "severity": f.severity,
                "code": f.code,
                "where": visible_line(
                    (f.file or "(registry)") + (f":{f.line}:{f.col or 1}" if f.line else "")
                ),
                "message": visible_line(redact(f.message)),
                "hint": visible_line(redact(f.hint)) if f.hint else "",
            }
            for f in result.findings
        ],
        "waivers": waivers,
        "change": _change(result.change, redact) if result.change is not None else None,
    }


def render_page(result: CheckResult, redact: Redactor) -> str:
    from importlib.resources import files

    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from registry.common.version import __version__

    env = ImmutableSandboxedEnvironment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    source = files("registry").joinpath("data/report.html.j2").read_text("utf-8")
    data = page_data(result, redact)
    return env.from_string(source).render(version=__version__, **data)
