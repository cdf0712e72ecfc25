"""Markdown: fits a PR comment and a CI job summary; stays under 60 KB."""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry.common.textsafe import visible_line
from registry.report.views import unit_diff_lines

if TYPE_CHECKING:
    from registry.gate.result import CheckResult

LIMIT = 60_000
TRUNCATED = (
    "\n\n> **Note:** this report was truncated to stay under 60 KB; run "
    "`registry report --format text` for the full output.\n"
)


def _cell(text: str) -> str:
    return visible_line(text).replace("|", "\\|")


def _code(text: str) -> str:
    """A value shown as `code` in a cell (a backtick in it would end the code span)."""
    return "`" + _cell(text).replace("`", "'") + "`"


def _short(fp: str) -> str:
    return f"`{fp[:19]}…`" if fp else "-"


def render(result: CheckResult) -> str:
    c = result.counts
    status = "✅ passed" if result.exit_code == 0 else "❌ failed"
    parts = [
        f"## registry check: {status}",
        "",
        f"**{c['error']}** error(s) · **{c['warning']}** warning(s) · **{c['info']}** info · "
        f"**{c['waived']}** waived difference(s) · tokens: {result.tokenizer}",
        "",
    ]
    if result.pairs:
        parts += [
            "| parity pair | equal | drifting | waived | fingerprints |",
            "|---|---:|---:|---:|---|",
        ]
        for p in result.pairs:
            parts.append(
                f"| {p.a} ↔ {p.b} | {len(p.equal)} | {len(p.drifting())} | "
                f"{len(p.waived_units())} | {_short(p.fingerprint_a)} / "
                f"{_short(p.fingerprint_b)} |"
            )
        parts.append("")
    for p in result.pairs:
        for d in p.diffs:
            waived = all(x.path in p.waived for x in d.differences)
            label = "waived" if waived else "drifting"
            if d.prompt in p.since:
                from registry.report.text import since_text

                label = since_text(p.since[d.prompt], result.today)
            body = "\n".join(unit_diff_lines(d, p.a, p.b))
            parts += [
                f"<details><summary><code>{d.prompt}</code> ({p.a} ↔ {p.b}): {label}</summary>",
                "",
                "```diff",
                body,
                "```",
                "</details>",
                "",
            ]
    if result.findings:
        parts += [
            "### Findings",
            "",
            "| severity | code | location | message |",
            "|---|---|---|---|",
        ]
        for f in result.findings:
            where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "")
            parts.append(f"| {f.severity} | {f.code} | {_code(where)} | {_cell(f.message)} |")
        parts.append("")
    active = [w for w in result.waivers if w.status in ("active", "too_long", "stale")]
    if active:
        parts += ["### Waivers", "", "| id | path | days left | covers |", "|---|---|---:|---:|"]
        for w in active:
            parts.append(
                f"| {_cell(w.id)} | {_code(w.path)} | {w.days_left(result.today)} | "
                f"{len(w.covered)} |"
            )
        parts.append("")
    if result.change is not None:
        from registry.report.change import markdown as change_markdown

        parts.append(change_markdown(result.change))
    text = "\n".join(parts)
    if len(text.encode("utf-8")) > LIMIT:
        cut = text.encode("utf-8")[: LIMIT - len(TRUNCATED.encode()) - 16].decode("utf-8", "ignore")
        if cut.count("```") % 2:
            cut += "\n```"
        text = cut + TRUNCATED
    return text + "\n"
