"""registry.yaml settings, the built-in model catalog, and the pinned-or-floating rule."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parents[1] / "data"

# A snapshot the provider promises not to move: a date, or a provider version suffix.
SNAPSHOT_PATTERNS = (
    re.compile(r"-\d{4}-\d{2}-\d{2}(?![0-9])"),  # openai, azure: -2024-08-06
    re.compile(r"-20\d{6}(?![0-9])"),  # anthropic: -20241022
    re.compile(r"@20\d{6}$"),  # vertex anthropic: @20240620
    re.compile(r"-v\d+(:\d+)?$"),  # bedrock: -v1:0, -v2
    re.compile(r"-\d{3}$"),  # google: -002
    re.compile(r"-(2[3-9]|3\d)(0[1-9]|1[0-2])$"),  # mistral: -2407, -2411
)
LATEST = re.compile(r"latest", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def builtin_catalog() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((_DATA / "catalog.json").read_text("utf-8"))
    return data


@dataclasses.dataclass
class Settings:
    """registry.yaml, with every default filled in."""

    environments: list[str] | None = None
    parity: list[tuple[str, str]] | None = None
    models: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    pins_floating: list[str] = dataclasses.field(default_factory=list)
    pins_pinned: list[str] = dataclasses.field(default_factory=list)
    separate: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    max_days: int = 30
    rules: dict[str, str] = dataclasses.field(default_factory=dict)
    cache_min: dict[str, int] = dataclasses.field(default_factory=dict)
    growth_percent: float = 20.0
    growth_tokens: int = 500

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> Settings:
        d = data or {}
        pins = d.get("pins") or {}
        return cls(
            environments=d.get("environments"),
            parity=[(a, b) for a, b in d["parity"]] if "parity" in d else None,
            models={**builtin_catalog()["models"], **(d.get("models") or {})},
            pins_floating=list(pins.get("floating") or []),
            pins_pinned=list(pins.get("pinned") or []),
            separate=[(a, b) for a, b in (d.get("credentials") or {}).get("separate") or []],
            max_days=int((d.get("waivers") or {}).get("max_days", 30)),
            rules=dict(d.get("rules") or {}),
            cache_min=dict((d.get("cache") or {}).get("min_prefix_tokens") or {}),
            growth_percent=float((d.get("budget") or {}).get("growth_percent", 20.0)),
            growth_tokens=int((d.get("budget") or {}).get("growth_tokens", 500)),
        )

    def model_info(self, model_id: str) -> dict[str, Any] | None:
        return self.models.get(model_id)

    def provider(self, model_id: str) -> dict[str, Any]:
        providers = builtin_catalog()["providers"]
        info: dict[str, Any] = providers.get(model_id.split("/", 1)[0], providers["*"])
        return info

    def cache_min_tokens(self, model_id: str) -> int | None:
        name = model_id.split("/", 1)[0]
        if name in self.cache_min:
            return self.cache_min[name]
        value = self.provider(model_id).get("cache_min_tokens")
        return int(value) if value is not None else None

    def is_pinned(self, model_id: str) -> bool:
        """Pinned or floating, as DESIGN.md defines it (user patterns first)."""
        if _matches(tuple(self.pins_floating), model_id):
            return False
        if (self.models.get(model_id) or {}).get("pinned") or _matches(
            tuple(self.pins_pinned), model_id
        ):
            return True
        if LATEST.search(model_id):
            return False
        return any(p.search(model_id) for p in SNAPSHOT_PATTERNS)

    def suggest_pin(self, model_id: str) -> str | None:
        """The newest catalog id that pins the same family, for hints."""
        family = LATEST.sub("", model_id).rstrip("-:@.")
        candidates = sorted(
            m
            for m in self.models
            if m.startswith(family + "-")
            and self.is_pinned(m)
            and not re.match(r"-(mini|nano|haiku)", m[len(family) :])
        )
        return candidates[-1] if candidates else None


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _matches(patterns: tuple[str, ...], text: str) -> bool:
    for p in patterns:
        rx = _compiled(p)
        if rx is not None and rx.search(text):
            return True
    return False
