"""Canary history: `canary/history/<env>.jsonl`, one record per run and model, appended by
`registry canary ENV --record`:

    {"at": "2026-12-03T06:00:00Z", "model": "openai/gpt-5.4-2026-03-05", "samples": 3,
     "fingerprint": "sha256:…", "features": {"json.key_order": "name,age,city", …}}

A model's **baseline** is its first record, or the latest one a person accepted
(`--record --accept` writes `"accepted": true`). Every record is compared with the baseline:
a later record whose features moved is a shift (CANARY001) until someone reviews it and
records an accepted baseline; re-recording the shifted behavior does not make it go away.
Only features both records have are compared, so adding a probe is not a shift.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from typing import Any

FEATURE_TYPES = (str, bool, int, type(None))


@dataclasses.dataclass(frozen=True)
class Record:
    line: int
    at: dt.datetime
    model: str
    fingerprint: str
    features: dict[str, Any]
    accepted: bool

    def out(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "at": self.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "model": self.model,
            "fingerprint": self.fingerprint,
            "features": self.features,
        }
        if self.accepted:
            data["accepted"] = True
        return data


@dataclasses.dataclass(frozen=True)
class Shift:
    line: int
    baseline: Record
    latest: Record
    moved: list[str]

    def describe(self) -> str:
        moved = "; ".join(
            f"{k}: {_show(self.baseline.features[k])} -> {_show(self.latest.features[k])}"
            for k in self.moved
        )
        return (
            f"behavior changed under the same id since {self.baseline.at:%Y-%m-%d} "
            f"(recorded {self.latest.at:%Y-%m-%d}): {moved}"
        )


@dataclasses.dataclass
class History:
    records: list[Record] = dataclasses.field(default_factory=list)
    problems: list[tuple[int, int, str]] = dataclasses.field(default_factory=list)

    def models(self) -> set[str]:
        return {r.model for r in self.records}

    def of(self, model: str) -> list[Record]:
        return [r for r in self.records if r.model == model]

    def baseline(self, model: str) -> Record | None:
        found = None
        for r in self.of(model):
            if found is None or r.accepted:
                found = r
        return found

    def latest(self, model: str) -> Record | None:
        mine = self.of(model)
        return mine[-1] if mine else None

    def shift(self, model: str) -> Shift | None:
        base, last = self.baseline(model), self.latest(model)
        if base is None or last is None or last is base:
            return None
        changed = moved(base.features, last.features)
        return Shift(last.line, base, last, changed) if changed else None


def path(folder: str, env: str) -> str:
    return f"{folder}/{env}.jsonl"


def moved(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """The features both have whose values differ."""
    return sorted(k for k in a.keys() & b.keys() if a[k] != b[k])


def parse(raw: bytes, rel: str = "history") -> History:
    out = History()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        out.problems.append((1, 1, f"{rel} is not UTF-8"))
        return out
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        record, why = _record(line, number)
        if record is None:
            out.problems.append((number, 1, why))
        else:
            out.records.append(record)
    return out


def _record(line: str, number: int) -> tuple[Record | None, str]:
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return None, f"not JSON: {exc}"
    if not isinstance(data, dict):
        return None, "a record is a JSON object"
    features = data.get("features")
    if not isinstance(data.get("model"), str) or not isinstance(data.get("fingerprint"), str):
        return None, "a record needs model and fingerprint strings"
    if not isinstance(features, dict) or not all(
        isinstance(v, FEATURE_TYPES) for v in features.values()
    ):
        return None, "features must be an object of strings, numbers, booleans or null"
    at = parse_time(data.get("at"))
    if at is None:
        return None, 'at must be a UTC time, like "2026-12-03T06:00:00Z"'
    accepted = data.get("accepted", False)
    if not isinstance(accepted, bool):
        return None, "accepted must be true or false"
    return Record(number, at, data["model"], data["fingerprint"], dict(features), accepted), ""


def parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value.endswith("Z"):
        return None
    try:
        return dt.datetime.fromisoformat(value[:-1]).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def disagree(
    a: History, b: History, max_age_days: int, today: dt.date
) -> Iterator[tuple[str, int, str]]:
    """(model, line in b, message) for each model both sides recorded within `max_age_days`
    whose latest features differ."""
    oldest = today - dt.timedelta(days=max_age_days)
    for model in sorted(a.models() & b.models()):
        ra, rb = a.latest(model), b.latest(model)
        if ra is None or rb is None or ra.at.date() < oldest or rb.at.date() < oldest:
            continue
        changed = moved(ra.features, rb.features)
        if changed:
            detail = "; ".join(
                f"{k}: {_show(ra.features[k])} vs {_show(rb.features[k])}" for k in changed
            )
            yield model, rb.line, detail


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
