"""Text: `path:line:col: severity CODE message` + hint, like compilers and linters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from registry.common.findings import Finding
from registry.common.textsafe import one_line

if TYPE_CHECKING:
    from registry.gate.result import CheckResult


def finding_line(f: Finding) -> str:
    """`path:line:col: severity CODE message` (+ `  hint: …`), each field on its one line
    (the output's other invisible characters are escaped once, for the whole text)."""
    where = one_line(f.file) if f.file else "(registry)"
    if f.line:
        where += f":{f.line}:{f.col or 1}"
    text = f"{where}: {f.severity} {f.code} {one_line(f.message)}"
    if f.hint:
        text += f"\n  hint: {one_line(f.hint)}"
    return text


def since_text(change: Any, today: Any) -> str:
    """'drifting since <commit> (<date>, N days)' or why it cannot be told."""
    if change is None:
        return "drifting in uncommitted changes (or outside git history)"
    days = (today - change.date.date()).days
    if getattr(change, "searched", None):
        return (
            f"drifting since before {change.date.date().isoformat()} ({days} day(s) ago; "
            f"{change.searched} commits of this unit searched, the oldest {change.commit[:12]})"
        )
    return (
        f"drifting since {change.commit[:12]} ({change.date.date().isoformat()}, {days} "
        f"day(s) ago, {one_line(change.author)}: {one_line(change.subject)})"
    )


def summary(result: CheckResult) -> str:
    c = result.counts
    return (
        f"{c['error']} error(s), {c['warning']} warning(s), {c['info']} info, "
        f"{c['waived']} waived difference(s)"
    )


def render(result: CheckResult, *, show_info: bool = True, quiet: bool = False) -> str:
    """Findings (info ones only with `show_info`: a 10,000-prompt registry has 10,000 cache
    notes), the parity pairs and waivers, the change, the counts. `quiet`: errors and counts."""
    shown = [
        f
        for f in result.findings
        if (f.severity != "info" or show_info) and (f.severity == "error" or not quiet)
    ]
    out = [finding_line(f) for f in shown]
    hidden = result.counts["info"] - sum(f.severity == "info" for f in shown)
    if quiet:
        out.append(summary(result))
        return "\n".join(out) + "\n"
    if hidden:
        out.append(f"{hidden} info finding(s) not shown (--show-info lists them)")
    for pair in result.pairs:
        drifting, waived = pair.drifting(), pair.waived_units()
        out.append(
            f"parity {pair.a} ↔ {pair.b}: {len(pair.equal)} equal, {len(drifting)} "
            f"drifting, {len(waived)} waived"
        )
        for pid, change in sorted(pair.since.items()):
            out.append(f"  {pid}: {since_text(change, result.today)}")
        for path, waiver in sorted(pair.waived.items()):
            out.append(f"  waived: {path} (waiver {waiver!r})")
    for w in result.waivers:
        left = w.days_left(result.today)
        if left is not None and w.status in ("active", "too_long"):
            out.append(
                f"waiver {w.id!r}: {left} day(s) left, covers {len(w.covered)} difference(s)"
            )
    if result.change is not None:
        from registry.report.change import text as change_text

        out.append(change_text(result.change))
    out.append(summary(result))
    return "\n".join(out) + "\n"
