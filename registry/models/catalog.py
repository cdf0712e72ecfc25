"""The built-in model catalog: `registry/data/models.json` (generated from LiteLLM's model map
by `registry.models.build`; its source and date are in `meta`) over the hand-kept entries of
`registry/data/catalog.json` (ids the data lacks, and the providers' parameter ranges).

Loaded on the first lookup, once per process, and indexed by id; registry.yaml `models:`
extends and overrides it (see `registry.load.settings`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data"
BEDROCK_REGIONS = ("us.", "eu.", "apac.", "au.", "jp.", "global.")


@functools.lru_cache(maxsize=1)
def _hand() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "catalog.json").read_text("utf-8"))
    return data


@functools.lru_cache(maxsize=1)
def _generated() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "models.json").read_text("utf-8"))
    return data


@functools.lru_cache(maxsize=1)
def models() -> dict[str, dict[str, Any]]:
    """Every built-in entry by id: the generated data over the hand-kept entries."""
    return {**_hand()["models"], **_generated()["models"]}


def meta() -> dict[str, str]:
    """Where the generated data comes from, and its date."""
    return dict(_generated()["meta"])


def providers() -> dict[str, Any]:
    """Per provider: parameter ranges and the default cache minimum."""
    found: dict[str, Any] = _hand()["providers"]
    return found


def lookup(model_id: str) -> dict[str, Any] | None:
    """The built-in entry of an id. An OpenRouter id (`openrouter/anthropic/…`) is the inner
    provider's model; a Bedrock cross-region profile (`bedrock/us.anthropic…`) the model it
    routes to, when the data has no entry of its own."""
    table = models()
    found = table.get(model_id)
    if found is not None:
        return found
    provider, _, rest = model_id.partition("/")
    if provider == "openrouter" and "/" in rest:
        inner, _, name = rest.partition("/")
        return table.get(f"{'mistral' if inner == 'mistralai' else inner}/{name}")
    if provider == "bedrock":
        for region in BEDROCK_REGIONS:
            if rest.startswith(region):
                return table.get(f"bedrock/{rest[len(region) :]}")
    return None
