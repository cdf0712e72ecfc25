"""JSON: one document, described by schemas/report.schema.json."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from registry.diff.units import ABSENT, plain

if TYPE_CHECKING:
    from registry.gate.result import CheckResult


def as_data(result: CheckResult) -> dict[str, Any]:
    pairs = []
    for p in result.pairs:
        units = []
        for d in p.diffs:
            units.append(
                {
                    "prompt": d.prompt,
                    "status": d.status,
                    "fingerprint_a": d.fp_a,
                    "fingerprint_b": d.fp_b,
                    "differences": [
                        {
                            "path": x.path,
                            "a": plain(x.a),
                            "b": plain(x.b),
                            "absent_a": x.a is ABSENT,
                            "absent_b": x.b is ABSENT,
                            "origin_a": _origin(x.origin_a),
                            "origin_b": _origin(x.origin_b),
                            "text_diff": x.text_diff,
                            "waiver": p.waived.get(x.path),
                        }
                        for x in d.differences
                    ],
                }
            )
        pairs.append(
            {
                "a": p.a,
                "b": p.b,
                "fingerprint_a": p.fingerprint_a,
                "fingerprint_b": p.fingerprint_b,
                "equal": p.equal,
                "drifting": p.drifting(),
                "since": {pid: _since(c, result.today) for pid, c in sorted(p.since.items())},
                "waived": p.waived_units(),
                "units": units,
            }
        )
    return {
        "format": 1,
        "root": result.root,
        "passed": result.exit_code == 0,
        "counts": result.counts,
        "tokenizer": result.tokenizer,
        "environments": result.environments,
        "findings": [f.as_dict() for f in result.findings],
        "pairs": pairs,
        "waivers": [
            {
                "id": w.id,
                "envs": list(w.envs),
                "path": w.path,
                "status": w.status,
                "expires": w.expires.isoformat() if w.expires else None,
                "days_left": w.days_left(result.today),
                "covers": w.covered,
            }
            for w in result.waivers
        ],
        "change": result.change.as_data() if result.change is not None else None,
    }


def _since(change: Any, today: Any) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "commit": change.commit,
        "date": change.date.isoformat(),
        "author": change.author,
        "days": (today - change.date.date()).days,
        "searched": getattr(change, "searched", None),  # set: the drift began here or before
    }


def _origin(origin: Any) -> dict[str, Any] | None:
    if origin is None:
        return None
    return {"file": origin[0], "line": origin[1], "col": origin[2]}


def render(result: CheckResult) -> str:
    from registry.report import dumps

    return dumps(as_data(result))
