"""The "this change" section: what a pull request does to each environment's behavior."""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry.report.views import unit_diff_lines

if TYPE_CHECKING:
    from registry.diff.change import ChangeReport, UnitChange


STATUS = {
    "changed": "changed",
    "only_a": "removed",
    "only_b": "added",
    "tool_order": "tool order changed",
}


def _delta(before: float | None, after: float | None, fmt: str) -> str:
    if before is None and after is None:
        return "n/a"
    b = "–" if before is None else fmt.format(before)
    a = "–" if after is None else fmt.format(after)
    if before is not None and after is not None:
        sign = "+" if after >= before else "-"
        return f"{b} → {a} ({sign}{fmt.format(abs(after - before))})"
    return f"{b} → {a}"


def _headline(c: UnitChange) -> str:
    tokens = _delta(c.tokens_before, c.tokens_after, "{:,.0f}")
    cost = _delta(c.cost_before, c.cost_after, "${:,.4f}")
    return f"static tokens {tokens}; cost per 1,000 calls (static input) {cost}"


def _body(c: UnitChange) -> list[str]:
    lines = []
    if c.tool_order:
        lines.append(
            f"    tool order: {', '.join(c.tool_order[0])} → {', '.join(c.tool_order[1])}"
            " (the cached prefix changes)"
        )
    if c.diff.differences:
        lines += (
            unit_diff_lines(c.diff, "base", "head")[1:]
            if c.diff.status == "changed"
            else unit_diff_lines(c.diff, "base", "head")
        )
    return lines


def text(report: ChangeReport) -> str:
    out = [f"this change: {report.base} → {report.head} (tokens: {report.tokenizer})"]
    for env, side in sorted(report.envs_only.items()):
        out.append(f"  {env}: exists at {side} only")
    envs = sorted({c.env for c in report.changes} | set(report.unchanged))
    for env in envs:
        changes = [c for c in report.changes if c.env == env]
        out.append(
            f"{env}: {len(changes)} unit(s) changed, {report.unchanged.get(env, 0)} unchanged"
        )
        for c in changes:
            out.append(f"  {c.diff.prompt} ({STATUS[c.diff.status]}): {_headline(c)}")
            out += _body(c)
    return "\n".join(out) + "\n"


def markdown(report: ChangeReport) -> str:
    out = [
        f"### This change: `{report.base}` → `{report.head}`",
        "",
        "| env | prompt | change | static tokens | $ / 1,000 calls (static input) |",
        "|---|---|---|---|---|",
    ]
    for c in report.changes:
        out.append(
            f"| {c.env} | `{c.diff.prompt}` | {STATUS[c.diff.status]} | "
            f"{_delta(c.tokens_before, c.tokens_after, '{:,.0f}')} | "
            f"{_delta(c.cost_before, c.cost_after, '${:,.4f}')} |"
        )
    unchanged = ", ".join(f"{env}: {n}" for env, n in sorted(report.unchanged.items()))
    out += ["", f"Unchanged units — {unchanged or 'none'}. Tokens: {report.tokenizer}.", ""]
    for c in report.changes:
        body = _body(c)
        if body:
            out += [
                f"<details><summary><code>{c.diff.prompt}</code> in {c.env}</summary>",
                "",
                "```diff",
                *body,
                "```",
                "</details>",
                "",
            ]
    return "\n".join(out)
