"""`registry models [ID…]`: what the catalog knows of model ids, for people deciding on an
upgrade: pinned or floating and why, limits, prices, retirement, capabilities, tokenizer."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from registry.models import catalog, tokens

if TYPE_CHECKING:
    from registry.load.settings import Settings


def describe(settings: Settings, model_id: str, today: dt.date) -> dict[str, Any]:
    verdict = settings.pin(model_id)
    info = settings.model_info(model_id)
    runs = settings.runs(model_id)
    out: dict[str, Any] = {
        "id": model_id,
        "pinned": verdict.pinned,
        "why": verdict.rule,
        "known": info is not None,
        "runs": runs if runs != model_id else None,
        "tokenizer": tokens.name(runs),
        "tokenizer_engine": tokens.engine(runs),
    }
    for key in ("kind", "context_window", "max_output", "usd_per_mtok_in", "usd_per_mtok_out"):
        out[key] = (info or {}).get(key)
    for key in ("tools", "json_schema", "sampling"):
        out[key] = (info or {}).get(key)
    out["cache_min_tokens"] = settings.cache_min_tokens(runs)
    retirement = settings.retirement(model_id)
    out["retires"] = retirement[0] if retirement else None
    out["successor"] = retirement[1] if retirement else None
    if retirement:
        out["days_left"] = (dt.date.fromisoformat(retirement[0]) - today).days
    return out


def _yes(value: Any) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


def text(rows: list[dict[str, Any]]) -> str:
    meta = catalog.meta()
    lines = [f"catalog: {meta['source']}, data of {meta['date']} ({len(catalog.models())} ids)"]
    for r in rows:
        state = {True: "pinned", False: "floating", None: "unknown provider"}[r["pinned"]]
        lines.append(f"{r['id']}: {state} ({r['why']})")
        if r["runs"]:
            lines.append(f"  runs: {r['runs']}")
        if not r["known"]:
            lines.append("  not in the catalog: limits and prices unknown (registry.yaml models:)")
        else:
            window, out = r["context_window"], r["max_output"]
            lines.append(
                f"  {r['kind'] or 'chat'}: context {window or '?'} tokens, max output {out or '?'}"
            )
            lines.append(
                f"  price per 1M tokens: ${r['usd_per_mtok_in']} in, ${r['usd_per_mtok_out']} out"
            )
            lines.append(
                f"  tools: {_yes(r['tools'])}, json_schema: {_yes(r['json_schema'])}, "
                f"sampling params: {_yes(r['sampling'])}, cache minimum: "
                f"{r['cache_min_tokens'] or '-'} tokens"
            )
        if r["retires"]:
            left = r["days_left"]
            when = f"in {left} day(s)" if left >= 0 else f"{-left} day(s) ago"
            successor = f"; successor: {r['successor']}" if r["successor"] else ""
            lines.append(f"  retires: {r['retires']} ({when}){successor}")
        lines.append(f"  tokens: {r['tokenizer']} ({r['tokenizer_engine']})")
    return "\n".join(lines) + "\n"
