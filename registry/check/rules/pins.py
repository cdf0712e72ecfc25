"""Model pinning: a floating id is a silent production change waiting for the provider.

Whether an id is pinned follows each provider's published naming policy
(`registry.models.naming`), after registry.yaml's own say (`pins.pinned`/`pins.floating`
patterns, a `models:` entry's `pinned` or the `model:` it runs):

- `openai/` ([models][openai]): dated snapshots (`gpt-5-2025-08-07`) and embedding names are
  pinned; bare names (`gpt-4o`) and `-latest` float.
- `anthropic/` ([model IDs and versioning][anthropic]): dated ids (`-20250929`) and, from
  Claude 4.6 on, dateless ids (`claude-opus-4-6`) are pinned; dateless names before 4.6
  (`claude-sonnet-4-5`) and `-latest` float.
- `google/` ([Gemini model versions][gemini], [Vertex AI model versions][vertex]): `-001`-style
  versions, dated previews and, from Gemini 2.5 on, stable names (`gemini-2.5-pro`) are pinned;
  `-latest` and bare names before 2.5 (`gemini-1.5-pro`) float. `vertex/`: Claude `@20241022`
  is pinned, Gemini as Google.
- `bedrock/` ([model IDs][bedrock]): `-v1:0`-style versions (cross-region profiles too) and
  ARNs are pinned; ids without the version float.
- `mistral/` ([models][mistral]): `YYMM` releases (`mistral-large-2411`) are pinned; `-latest`
  and bare names float.
- `openrouter/` ([docs][openrouter]): the inner provider's rule
  (`openrouter/anthropic/claude-opus-4-6` is Anthropic's).
- `ollama/` ([API][ollama]): only a `@sha256:` digest is pinned; `name:tag` is moved by
  `ollama pull`.
- `azure/`: an id is a deployment, which runs what it is set to: pinned only when registry.yaml
  maps it to a pinned model (`models: {azure/support-prod: {model: openai/…}}`).
- any other provider: PIN005 (not known, so not guessed).

[openai]: https://platform.openai.com/docs/models
[anthropic]: https://docs.claude.com/en/docs/about-claude/models/overview
[gemini]: https://ai.google.dev/gemini-api/docs/models#model-versions
[vertex]: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions
[bedrock]: https://docs.aws.amazon.com/bedrock/latest/userguide/model-ids.html
[mistral]: https://docs.mistral.ai/getting-started/models/
[openrouter]: https://openrouter.ai/docs
[ollama]: https://github.com/ollama/ollama/blob/main/docs/api.md

## PIN001 — floating chat or fallback model id
`gpt-4o`, `claude-sonnet-4-5` or `gemini-1.5-pro` are aliases the provider re-points without
notice: JSON formatting, refusals and response length change in prod with no commit. Pin what
the provider's policy (above) calls a fixed version. An Azure id is a deployment: map it to
the model it runs in registry.yaml, and that model's pin, limits and prices are its own.

Bad:
```yaml
models: {chat: openai/gpt-4o, azure_chat: azure/support-prod}
routing: {fallback: [anthropic/claude-sonnet-4-5]}
```
Good:
```yaml
models: {chat: openai/gpt-5-2025-08-07, azure_chat: azure/support-prod}
routing: {fallback: [anthropic/claude-opus-4-6]}
# registry.yaml
models:
  azure/support-prod: {model: openai/gpt-4o-2024-08-06}
```

## PIN002 — pinned id not in the catalog
Its context window, output limit and prices are unknown, so the budget rules and cost deltas
cannot check it. The built-in catalog comes from maintained data (`registry models` shows its
source and date); add what it lacks (an internal or newer model) under `models:` in
registry.yaml.

Bad:
```yaml
models: {chat: openai/gpt-4o-2099-01-01}
```
Good:
```yaml
# registry.yaml
models:
  openai/gpt-4o-2099-01-01: {context_window: 128000, max_output: 16384}
```

## PIN003 — floating embedding model id
When the provider re-points an embedding alias, new vectors stop matching the ones already in
the index: retrieval degrades silently. Embedding ids must be pinned.

Bad:
```yaml
rag: {default: {embedding_model: openai/text-embedding-latest}}
```
Good:
```yaml
rag: {default: {embedding_model: openai/text-embedding-3-large}}
```

## PIN004 — pinned model retired, or retiring soon
A pinned id stops working on the provider's retirement date: the calls fail in prod. Past
the date it is an error; within `pins.warn_days` (default 90) of it, a warning naming the date
and, where the data has one, the successor. Dates come from the catalog's data (the providers'
deprecation pages) or registry.yaml (`retires:`, `successor:` per entry), counted in UTC.

Bad:
```yaml
models: {chat: openai/gpt-4o-2024-08-06}   # retires 2027-01-14
```
Good:
```yaml
models: {chat: openai/gpt-5.5-2026-04-23}
# registry.yaml: for a model the data does not know yet
models:
  openai/internal-model-2026-10-01: {context_window: 200000, retires: 2027-10-01}
```

## PIN005 — a provider without a known naming policy
Whether `acme/model-7` is pinned cannot be told from its name, and guessing would either
cry wolf or let a floating id through. Say which it is in registry.yaml.

Bad:
```yaml
models: {chat: acme/model-7}
```
Good:
```yaml
models: {chat: acme/model-7}
# registry.yaml
pins: {pinned: ['^acme/model-\\d+$']}
models:
  acme/model-7: {context_window: 32000, max_output: 4096}
```
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from registry.check.rules.base import Context
from registry.common.findings import Finding, make
from registry.load.settings import Settings
from registry.load.yaml import Document

CODES = ("PIN001", "PIN002", "PIN003", "PIN004", "PIN005")


def model_refs(doc: Document) -> Iterator[tuple[tuple[Any, ...], str, bool]]:
    """(path, model id, is_embedding) of every model id written in a layer or prompt file."""
    data = doc.data
    for alias, mid in (data.get("models") or {}).items():
        if isinstance(mid, str):
            yield ("models", alias), mid, False
    for i, mid in enumerate((data.get("routing") or {}).get("fallback") or []):
        if isinstance(mid, str):
            yield ("routing", "fallback", i), mid, False
    for name, profile in (data.get("rag") or {}).items():
        for key in ("embedding_model", "rerank_model"):
            mid = profile.get(key) if isinstance(profile, dict) else None
            if isinstance(mid, str):
                yield ("rag", name, key), mid, key == "embedding_model"
    for pid, binding in (data.get("prompts") or {}).items():
        mid = binding.get("model") if isinstance(binding, dict) else None
        if isinstance(mid, str) and "/" in mid:
            yield ("prompts", pid, "model"), mid, False
    mid = (data.get("defaults") or {}).get("model")
    if isinstance(mid, str) and "/" in mid:
        yield ("defaults", "model"), mid, False


def check(ctx: Context) -> Iterator[Finding]:
    settings = ctx.reg.settings
    for doc in ctx.documents():
        if not doc.file.startswith(("environments/", "prompts/")):
            continue
        for path, mid, embedding in model_refs(doc):
            yield from _check_id(settings, doc, path, mid, embedding)


def _check_id(
    settings: Settings, doc: Document, path: tuple[Any, ...], mid: str, embedding: bool
) -> Iterator[Finding]:
    where = ".".join(map(str, path))
    at = (doc.file, *doc.pos(path))
    if "/" not in mid:
        yield make(
            "PIN001",
            f"model id {mid!r} has no provider",
            *at,
            path=where,
            hint="write ids as provider/model, e.g. openai/gpt-5-2025-08-07",
        )
        return
    verdict = settings.pin(mid)
    if verdict.pinned is None:
        provider = mid.split("/", 1)[0]
        yield make(
            "PIN005",
            f"model {mid!r}: {verdict.rule}, so whether it is pinned cannot be told",
            *at,
            path=where,
            hint=f"say it in registry.yaml: pins: {{pinned: ['^{provider}/…']}} (or floating)",
        )
        return
    if not verdict.pinned:
        yield _floating(settings, mid, embedding, verdict.rule, at, where)
        return
    if settings.model_info(mid) is None:
        yield make(
            "PIN002",
            f"model {mid!r} is not in the catalog: its limits and prices are unknown",
            *at,
            path=where,
            hint=f"add it under `models:` in registry.yaml: {mid}: "
            "{context_window: …, max_output: …}",
        )
    retirement = settings.retirement(mid)
    if retirement is not None:
        yield retiring(mid, *retirement, at, where)


def _floating(
    settings: Settings,
    mid: str,
    embedding: bool,
    rule: str,
    at: tuple[str, int, int],
    where: str,
) -> Finding:
    suggestion = settings.suggest_pin(mid)
    if mid.startswith("azure/"):
        hint = f"map the deployment in registry.yaml: models: {{{mid}: {{model: <pinned id>}}}}"
    elif suggestion:
        hint = f"pin a fixed version such as {suggestion}"
    else:
        hint = "pin a fixed version (see the provider's naming policy in docs/rules.md)"
    if embedding:
        message = (
            f"embedding model {mid!r} is floating ({rule}): a re-point makes old and new "
            "vectors incompatible"
        )
        return make("PIN003", message, *at, path=where, hint=hint)
    return make("PIN001", f"model {mid!r} is floating ({rule})", *at, path=where, hint=hint)


RETIRES = "retires on "


def retiring(
    mid: str, date: str, successor: str | None, at: tuple[str, int, int], where: str
) -> Finding:
    """A PIN004 candidate: every pinned id with a retirement date is one. Whether it is an
    error, a warning or nothing depends on the day of the run, so the gate decides
    (`dated`), after caches: the same files give the same candidates any day."""
    hint = f"move to {successor}" if successor else "move to a newer pinned model"
    return make("PIN004", f"model {mid!r} {RETIRES}{date}", *at, path=where, hint=hint)


def dated(found: list[Finding], today: Any, warn_days: int) -> list[Finding]:
    """PIN004 candidates as of `today`: past the date an error, within `warn_days` a
    warning, further ahead nothing."""
    import datetime as dt

    out = []
    for f in found:
        if f.code != "PIN004" or RETIRES not in f.message:
            out.append(f)
            continue
        try:
            when = dt.date.fromisoformat(f.message.rsplit(RETIRES, 1)[1][:10])
        except ValueError:
            continue
        left = (when - today).days
        if left < 0:
            message = (
                f"{f.message.replace(RETIRES, 'retired on ')} ({-left} day(s) ago): calls fail"
            )
            out.append(dataclasses.replace(f, message=message, severity="error"))
        elif left <= warn_days:
            message = f"{f.message} (in {left} day(s))"
            out.append(dataclasses.replace(f, message=message, severity="warning"))
    return out
