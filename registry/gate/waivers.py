"""Waivers: explicit, expiring exceptions to parity (waivers.yaml).

A waiver covers a difference when its `path` is a prefix of the difference's field path,
segment by segment (`*` stands for one whole segment). Expired (WAIVER001) or mismatched
(WAIVER004) waivers cover nothing; one too far ahead fails (WAIVER002); one that covers
nothing is stale (WAIVER003).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from registry.common.findings import Finding, make
from registry.load.yaml import Document

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")


def segments(path: str) -> list[str]:
    """`prompts.x.messages[0].content` -> ['prompts', 'x', 'messages', '[0]', 'content']."""
    out = []
    for match in _SEGMENT.finditer(path):
        out.append(match.group(1) if match.group(1) is not None else f"[{match.group(2)}]")
    return out


def covers(pattern: list[str], path: list[str]) -> bool:
    if len(pattern) > len(path):
        return False
    return all(p in ("*", "[*]") or p == s for p, s in zip(pattern, path, strict=False))


@dataclasses.dataclass
class Waiver:
    index: int
    id: str
    envs: tuple[str, str]
    path: str
    reason: str
    owner: str
    expires: dt.date | None
    expect: dict[str, str]
    doc: Document
    status: str = "active"  # active | expired | too_long | mismatch | stale | invalid
    covered: list[str] = dataclasses.field(default_factory=list)
    # env -> (expected, actual) unit fingerprint, when `expect` no longer matches
    mismatches: dict[str, tuple[str, str | None]] = dataclasses.field(default_factory=dict)

    @property
    def segments(self) -> list[str]:
        return segments(self.path)

    def days_left(self, today: dt.date) -> int | None:
        return (self.expires - today).days if self.expires else None

    def where(self, key: str) -> tuple[str, int, int]:
        line, col = self.doc.pos(("waivers", self.index, key))
        return self.doc.file, line, col

    def finding(self, code: str, message: str, key: str, hint: str | None = None) -> Finding:
        file, line, col = self.where(key)
        return make(
            code,
            f"waiver {self.id!r}: {message}",
            file,
            line,
            col,
            path=f"waivers[{self.index}].{key}",
            hint=hint,
        )

    def pair_matches(self, a: str, b: str) -> bool:
        return set(self.envs) == {a, b}


def load_waivers(
    doc: Document | None, today: dt.date, max_days: int, environments: list[str]
) -> tuple[list[Waiver], list[Finding]]:
    """Parse waivers.yaml (already schema-checked) and apply the date rules."""
    if doc is None or doc.data is None:
        return [], []
    waivers: list[Waiver] = []
    findings: list[Finding] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc.data.get("waivers") or []):
        waiver = _parse(doc, i, raw)
        if waiver.id in seen:
            findings.append(waiver.finding("SCHEMA001", "duplicate waiver id", "id"))
        seen.add(waiver.id)
        findings.extend(_dates(waiver, today, max_days))
        for env in waiver.envs:
            if env not in environments:
                waiver.status = "invalid"
                findings.append(waiver.finding("REF001", f"unknown environment {env!r}", "envs"))
        waivers.append(waiver)
    return waivers, findings


def _parse(doc: Document, i: int, raw: dict[str, Any]) -> Waiver:
    try:
        expires: dt.date | None = dt.date.fromisoformat(raw["expires"])
    except ValueError:
        expires = None
    envs = raw["envs"]
    return Waiver(
        i,
        raw["id"],
        (envs[0], envs[1]),
        raw["path"],
        raw["reason"],
        raw["owner"],
        expires,
        dict(raw.get("expect") or {}),
        doc,
    )


def _dates(waiver: Waiver, today: dt.date, max_days: int) -> list[Finding]:
    if waiver.expires is None:
        waiver.status = "invalid"
        return [waiver.finding("SCHEMA001", "expires is not a real date (YYYY-MM-DD)", "expires")]
    if waiver.expires < today:
        waiver.status = "expired"
        return [
            waiver.finding(
                "WAIVER001",
                f"expired on {waiver.expires.isoformat()}; it covers nothing",
                "expires",
                "fix the drift, or renew the waiver with a new reason",
            )
        ]
    if (waiver.expires - today).days > max_days:
        waiver.status = "too_long"
        return [
            waiver.finding(
                "WAIVER002",
                f"expires {waiver.expires.isoformat()}, more than {max_days} days ahead",
                "expires",
                f"expire it within {max_days} days (waivers.max_days)",
            )
        ]
    return []
