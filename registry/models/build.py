"""Maintainers: regenerate `registry/data/models.json` from LiteLLM's model map.

    pip download --no-deps litellm -d /tmp/litellm && cd /tmp/litellm \\
        && unzip -o litellm-*.whl \\
        litellm/model_prices_and_context_window_backup.json
    python -m registry.models.build \\
        /tmp/litellm/litellm/model_prices_and_context_window_backup.json \\
        --source "litellm 1.110.2" --date 2026-11-28

Only what the checks use is kept (limits, list prices, retirement and successor, a few
capabilities), for the providers whose naming policy `registry.models.naming` knows, keyed by
the registry's `provider/model` ids. The output is sorted, one entry per line, so a regenerated
file reviews as a diff.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "data" / "models.json"
# LiteLLM's provider name -> ours (how an id is written in a registry)
PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "vertex_ai-language-models": "vertex",
    "vertex_ai-anthropic_models": "vertex",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "mistral": "mistral",
    "xai": "xai",
    "deepseek": "deepseek",
}
PREFIXES = {"gemini": "google", "vertex_ai": "vertex", "mistral": "mistral", "xai": "xai"}
PREFIXES |= {"deepseek": "deepseek", "bedrock": "bedrock", "openai": "openai"}
PREFIXES["anthropic"] = "anthropic"
MODES = {"chat": "chat", "responses": "chat", "embedding": "embedding", "rerank": "rerank"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def our_id(key: str, provider: str) -> str | None:
    """LiteLLM's key -> `provider/model`, or None for what a registry cannot name (fine-tunes,
    image sizes, keys of another provider's shape)."""
    if key.startswith("ft:") or key.count("/") > 1:
        return None
    name = key.split("/", 1)[1] if "/" in key else key
    if "/" in key and key.split("/", 1)[0] not in PREFIXES:
        return None
    return f"{provider}/{name}"


def entry(spec: dict[str, Any], provider: str) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": MODES[spec["mode"]]}
    for ours, theirs in (
        ("context_window", "max_input_tokens"),
        ("max_output", "max_output_tokens"),
    ):
        if isinstance(spec.get(theirs), int):
            out[ours] = spec[theirs]
    for ours, theirs in (
        ("usd_per_mtok_in", "input_cost_per_token"),
        ("usd_per_mtok_out", "output_cost_per_token"),
    ):
        if isinstance(spec.get(theirs), int | float):
            out[ours] = round(spec[theirs] * 1_000_000, 6)
    if isinstance(spec.get("deprecation_date"), str) and DATE.match(spec["deprecation_date"]):
        out["retires"] = spec["deprecation_date"]
    successor = spec.get("successor_model")
    if isinstance(successor, str) and successor:
        head, _, rest = successor.partition("/")
        if rest and head in PREFIXES:
            out["successor"] = f"{PREFIXES[head]}/{rest}"
        elif not rest:
            out["successor"] = f"{provider}/{successor}"
    if isinstance(spec.get("prompt_cache_min_tokens"), int):
        out["cache_min_tokens"] = spec["prompt_cache_min_tokens"]
    for ours, theirs in (
        ("tools", "supports_function_calling"),
        ("json_schema", "supports_response_schema"),
        ("sampling", "supports_sampling_params"),
    ):
        if isinstance(spec.get(theirs), bool):
            out[ours] = spec[theirs]
    return out


def build(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    models: dict[str, dict[str, Any]] = {}
    for key, spec in data.items():
        if not isinstance(spec, dict) or spec.get("mode") not in MODES:
            continue
        provider = PROVIDERS.get(str(spec.get("litellm_provider")))
        mid = our_id(key, provider) if provider else None
        if mid is not None and (mid not in models or "/" not in key):  # a bare key is canonical
            models[mid] = entry(spec, provider)  # type: ignore[arg-type]
    return dict(sorted(models.items()))


def dumps(meta: dict[str, str], models: dict[str, dict[str, Any]]) -> str:
    lines = [
        json.dumps(f"{mid}", ensure_ascii=False) + ": " + json.dumps(spec, sort_keys=True)
        for mid, spec in models.items()
    ]
    return (
        '{"meta": '
        + json.dumps(meta, sort_keys=True)
        + ',\n"models": {\n'
        + ",\n".join(lines)
        + "\n}}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="model_prices_and_context_window_backup.json")
    parser.add_argument("--source-name", "--source", dest="name", required=True)
    parser.add_argument("--date", required=True, help="the date of the data (YYYY-MM-DD)")
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    args = parser.parse_args()
    models = build(json.loads(args.source.read_text("utf-8")))
    meta = {"source": args.name, "date": args.date, "licence": "MIT (LiteLLM)"}
    args.output.write_text(dumps(meta, models), "utf-8")
    print(f"wrote {args.output}: {len(models)} models from {args.name} ({args.date})")


if __name__ == "__main__":
    main()
