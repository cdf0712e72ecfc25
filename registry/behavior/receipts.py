"""Eval receipts: what one run of a unit's golden set gave, filed under the unit's fingerprint
(`evals/receipts/<prompt>/<fingerprint hex>.json`), so the gate finds the receipt of the exact
config it is asked to let through, in whichever environment it was produced.

A receipt is a claim committed to git, reviewed like any file; the gate does not take its
`accepted` on trust: it re-judges the summary against the prompt's current criteria, and the
summary against the cases it lists.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

FORMAT = 1
CRITERIA = ("pass_rate", "p95_latency_s", "usd_per_call")


@dataclasses.dataclass(frozen=True)
class Spec:
    """A prompt version's `evals`: the dataset, its acceptance criteria, and where the
    declaration is (for findings)."""

    dataset: str
    accept: dict[str, float]
    file: str
    line: int
    col: int

    @classmethod
    def of(cls, value: Any, file: str, line: int, col: int) -> Spec | None:
        """From the prompt file's `evals` (a path, or {dataset, accept}); None when absent or
        not of a valid shape (SCHEMA001 reports that)."""
        if isinstance(value, str):
            return cls(value, {"pass_rate": 1.0}, file, line, col)
        if isinstance(value, dict) and isinstance(value.get("dataset"), str):
            accept = value.get("accept") or {}
            if not isinstance(accept, dict):
                return None
            found = {k: float(accept[k]) for k in CRITERIA if _number(accept.get(k))}
            found.setdefault("pass_rate", 1.0)
            return cls(value["dataset"], found, file, line, col)
        return None

    def out(self) -> list[Any]:
        return [self.dataset, self.accept, self.file, self.line, self.col]


def path(folder: str, prompt: str, fingerprint: str) -> str:
    """Where the receipt of a unit lives, registry-relative."""
    return f"{folder}/{prompt}/{fingerprint.removeprefix('sha256:')}.json"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1): a value that was measured, never interpolated."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def summarize(cases: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The summary of a receipt from its cases."""
    passed = sum(1 for c in cases if c.get("passed") is True)
    costs = [_float(c.get("usd")) for c in cases]
    known = [c for c in costs if c is not None]
    return {
        "cases": len(cases),
        "passed": passed,
        "pass_rate": round(passed / len(cases), 4) if cases else 0.0,
        "p95_latency_s": round(
            percentile([float(c.get("latency_s") or 0) for c in cases], 0.95), 3
        ),
        "usd_per_call": round(sum(known) / len(known), 6)
        if known and len(known) == len(costs)
        else None,
        "tokens_in": sum(int(c.get("tokens_in") or 0) for c in cases),
        "tokens_out": sum(int(c.get("tokens_out") or 0) for c in cases),
    }


def judge(summary: Mapping[str, Any], accept: Mapping[str, float]) -> list[str]:
    """The acceptance criteria the summary misses, each said plainly (empty: accepted)."""
    failed = []
    rate = _float(summary.get("pass_rate"))
    if rate is not None and rate < accept.get("pass_rate", 1.0):
        failed.append(
            f"pass rate {rate:g} below {accept.get('pass_rate', 1.0):g} "
            f"({summary.get('passed')}/{summary.get('cases')} cases passed)"
        )
    p95 = _float(summary.get("p95_latency_s"))
    if "p95_latency_s" in accept and p95 is not None and p95 > accept["p95_latency_s"]:
        failed.append(f"p95 latency {p95:g} s over {accept['p95_latency_s']:g} s")
    if "usd_per_call" in accept:
        usd = _float(summary.get("usd_per_call"))
        if usd is None:
            failed.append("usd_per_call is set but the model has no catalog price")
        elif usd > accept["usd_per_call"]:
            failed.append(f"cost {usd:g} USD per call over {accept['usd_per_call']:g}")
    return failed


def failing_cases(receipt: Mapping[str, Any], limit: int = 3) -> str:
    """`id: assertion, …` of the first failed cases, for a message."""
    out = []
    for case in receipt.get("cases") or []:
        if isinstance(case, dict) and case.get("passed") is False:
            failed = case.get("failed") or []
            out.append(f"{case.get('id')}: {', '.join(map(str, failed[:2])) or 'failed'}")
    more = f" and {len(out) - limit} more" if len(out) > limit else ""
    return "; ".join(out[:limit]) + more


def read(raw: bytes, prompt: str, fingerprint: str) -> tuple[dict[str, Any] | None, str | None]:
    """A receipt's JSON checked for its shape and for being the receipt of this unit: (the
    receipt, None) or (None, why not)."""
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, f"not a JSON receipt: {exc}"
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None, f"not a receipt of format {FORMAT}"
    if data.get("prompt") != prompt or data.get("unit_fingerprint") != fingerprint:
        return None, "its prompt or unit_fingerprint is not the unit it is filed under"
    summary, cases = data.get("summary"), data.get("cases")
    if not isinstance(summary, dict) or not isinstance(cases, list):
        return None, "it has no summary or no cases"
    if not all(isinstance(c, dict) for c in cases) or not isinstance(
        data.get("dataset_sha256"), str
    ):
        return None, "its cases or dataset_sha256 are not of a receipt's shape"
    again = summarize(cases)
    if any(summary.get(k) != again[k] for k in ("cases", "passed", "pass_rate")):
        return None, "its summary does not add up from its cases"
    return data, None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _float(value: Any) -> float | None:
    return float(value) if _number(value) else None
