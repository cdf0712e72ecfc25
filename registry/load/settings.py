"""registry.yaml settings, the built-in model catalog, and the pinned-or-floating rule."""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Any

from registry.models import catalog
from registry.models.naming import Verdict, verdict

LATEST = re.compile(r"latest", re.IGNORECASE)
VARIANT = re.compile(r"-(mini|nano|haiku|audio|realtime|search|transcribe|tts)")  # not a pin of it
# what a request needs of a model's catalog entry (see Settings.model_facts)
FACTS = ("context_window", "max_output", "sampling", "tools", "json_schema")
WARN_DAYS = 90  # a pinned model retiring within this many days is a warning (PIN004)


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
    warn_days: int = WARN_DAYS
    evals_required: list[str] = dataclasses.field(default_factory=list)
    receipts: str = "evals/receipts"
    canary_probes: str | None = None
    canary_history: str = "canary/history"
    canary_max_age_days: int = 7

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> Settings:
        d = data or {}
        pins = d.get("pins") or {}
        return cls(
            environments=d.get("environments"),
            parity=[(a, b) for a, b in d["parity"]] if "parity" in d else None,
            models=dict(d.get("models") or {}),
            pins_floating=list(pins.get("floating") or []),
            pins_pinned=list(pins.get("pinned") or []),
            separate=[(a, b) for a, b in (d.get("credentials") or {}).get("separate") or []],
            max_days=int((d.get("waivers") or {}).get("max_days", 30)),
            rules=dict(d.get("rules") or {}),
            cache_min=dict((d.get("cache") or {}).get("min_prefix_tokens") or {}),
            growth_percent=float((d.get("budget") or {}).get("growth_percent", 20.0)),
            growth_tokens=int((d.get("budget") or {}).get("growth_tokens", 500)),
            warn_days=int(pins.get("warn_days", WARN_DAYS)),
            evals_required=list((d.get("evals") or {}).get("required") or []),
            receipts=str((d.get("evals") or {}).get("receipts") or "evals/receipts").rstrip("/"),
            canary_probes=(d.get("canary") or {}).get("probes"),
            canary_history=str((d.get("canary") or {}).get("history") or "canary/history"),
            canary_max_age_days=int((d.get("canary") or {}).get("max_age_days", 7)),
        )

    def model_info(self, model_id: str) -> dict[str, Any] | None:
        """What is known of an id: registry.yaml's entry over the built-in catalog's. An entry
        with `model:` (an Azure deployment, an internal alias) is that model's, with its own
        fields on top."""
        own = self.models.get(model_id)
        target = own.get("model") if isinstance(own, dict) else None
        if isinstance(target, str) and target != model_id:
            base = self.model_info(target) if target not in self.models else self.models[target]
            return {**(base or {}), **{k: v for k, v in own.items() if k != "model"}}  # type: ignore[union-attr]
        builtin = catalog.lookup(model_id)
        if own is None:
            return builtin
        return {**(builtin or {}), **own}

    def runs(self, model_id: str) -> str:
        """The model an id runs: itself, or what registry.yaml maps it to (`model:`)."""
        seen = {model_id}
        while isinstance(target := (self.models.get(model_id) or {}).get("model"), str):
            if target in seen:
                break
            seen.add(target)
            model_id = target
        return model_id

    def provider(self, model_id: str) -> dict[str, Any]:
        providers = catalog.providers()
        info: dict[str, Any] = providers.get(model_id.split("/", 1)[0], providers["*"])
        return info

    def cache_min_tokens(self, model_id: str) -> int | None:
        name = model_id.split("/", 1)[0]
        if name in self.cache_min:
            return self.cache_min[name]
        own = (self.model_info(model_id) or {}).get("cache_min_tokens")
        if isinstance(own, int):
            return own
        value = self.provider(model_id).get("cache_min_tokens")
        return int(value) if value is not None else None

    def model_facts(self, model_id: str) -> dict[str, Any]:
        """What a request for `model_id` needs to know (registry.request): the model it runs,
        its limits and capabilities, its cache minimum. Only what is known: an absent key is
        an unknown, and an unknown never drops a setting. `render` writes these into the
        artifact, so an app builds the request from the facts `check` used."""
        info = self.model_info(model_id) or {}
        facts: dict[str, Any] = {"runs": self.runs(model_id)}
        for key in FACTS:
            if isinstance(info.get(key), (bool, int)):
                facts[key] = info[key]
        minimum = self.cache_min_tokens(model_id)
        if minimum is not None:
            facts["cache_min_tokens"] = minimum
        return facts

    def pin(self, model_id: str) -> Verdict:
        """Pinned or floating, and why: registry.yaml's `pins` patterns first, then an entry's
        own `pinned`, then the model a mapped id runs (`model:`), then the provider's naming
        policy (`registry.models.naming`)."""
        if _matches(tuple(self.pins_floating), model_id):
            return Verdict(False, "registry.yaml pins.floating")
        if _matches(tuple(self.pins_pinned), model_id):
            return Verdict(True, "registry.yaml pins.pinned")
        own = self.models.get(model_id)
        if isinstance(own, dict) and isinstance(own.get("pinned"), bool):
            return Verdict(own["pinned"], "registry.yaml models: pinned")
        if isinstance(own, dict) and isinstance(own.get("model"), str) and own["model"] != model_id:
            found = self.pin(own["model"])
            return Verdict(found.pinned, f"runs {own['model']} ({found.rule})")
        builtin = catalog.lookup(model_id)
        if builtin is not None and isinstance(builtin.get("pinned"), bool):
            return Verdict(builtin["pinned"], "the built-in catalog")
        return verdict(model_id)

    def is_pinned(self, model_id: str) -> bool:
        return self.pin(model_id).pinned is True

    def retirement(self, model_id: str) -> tuple[str, str | None] | None:
        """(retirement date, successor id or None), when the data or registry.yaml has one."""
        info = self.model_info(model_id) or {}
        date = info.get("retires")
        if not isinstance(date, str):
            return None
        successor = info.get("successor")
        return date, successor if isinstance(successor, str) else None

    def suggest_pin(self, model_id: str) -> str | None:
        """The newest known id that pins the same family, for hints."""
        family = LATEST.sub("", model_id).rstrip("-:@.")
        known = {**catalog.models(), **self.models}
        candidates = sorted(
            m
            for m in known
            if m.startswith(family + "-")
            and self.is_pinned(m)
            and not (catalog.lookup(m) or {}).get("retires")
            and not re.match(
                r"-(mini|nano|haiku|audio|realtime|search|transcribe|tts)", m[len(family) :]
            )
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
