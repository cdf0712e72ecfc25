"""Model pinning: a floating id is a silent production change waiting for the provider.

## PIN001 — floating chat or fallback model id
`gpt-4o`, `claude-3-5-sonnet-latest` or `gemini-1.5-pro` are aliases the provider re-points
without notice: JSON formatting, refusals and response length change in prod with no commit.
Pin a dated snapshot (`-2024-08-06`, `-20241022`) or a version suffix (`-002`, `-v1:0`, `-2411`).

Bad:
```yaml
models: {chat: openai/gpt-4o}
routing: {fallback: [anthropic/claude-3-5-sonnet-latest]}
```
Good:
```yaml
models: {chat: openai/gpt-4o-2024-08-06}
routing: {fallback: [anthropic/claude-3-5-sonnet-20241022]}
```

## PIN002 — pinned id not in the catalog
Its context window, output limit and prices are unknown, so the budget rules and cost deltas
cannot check it. Add it to `models:` in registry.yaml.

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
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.check.rules.base import Context
from registry.common.findings import Finding, make
from registry.load.settings import Settings
from registry.load.yaml import Document

CODES = ("PIN001", "PIN002", "PIN003")


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
    if "/" not in mid:
        yield make(
            "PIN001",
            f"model id {mid!r} has no provider",
            doc.file,
            *doc.pos(path),
            path=where,
            hint="write ids as provider/model, e.g. openai/gpt-4o-2024-08-06",
        )
        return
    if not settings.is_pinned(mid):
        suggestion = settings.suggest_pin(mid)
        hint = (
            f"pin a dated snapshot such as {suggestion}"
            if suggestion
            else "pin a dated snapshot or provider version suffix"
        )
        if embedding:
            yield make(
                "PIN003",
                f"embedding model {mid!r} is floating: a re-point makes old "
                "and new vectors incompatible",
                doc.file,
                *doc.pos(path),
                path=where,
                hint=hint,
            )
        else:
            yield make(
                "PIN001",
                f"model {mid!r} is a floating alias",
                doc.file,
                *doc.pos(path),
                path=where,
                hint=hint,
            )
    elif settings.model_info(mid) is None:
        yield make(
            "PIN002",
            f"model {mid!r} is not in the catalog: its limits and prices are unknown",
            doc.file,
            *doc.pos(path),
            path=where,
            hint=f"add it under `models:` in registry.yaml: {mid}: "
            "{context_window: …, max_output: …}",
        )
