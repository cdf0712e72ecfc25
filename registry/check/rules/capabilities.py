"""What the model accepts: settings it rejects fail every request in prod.

From the catalog's data (`registry models ID` shows it) or registry.yaml (`tools`,
`json_schema`, `sampling` per model), and only where one of them says so: an unknown
capability is never a finding.

## PARAM002 — sampling parameter the model does not accept
Reasoning models (Claude Opus 4.7, many Bedrock-hosted ones) reject `temperature`, `top_p`
and `top_k`: a request that sets them is an API error.

Bad:
```yaml
models: {chat: anthropic/claude-opus-4-7}
params: {temperature: 0.2, max_tokens: 2048}
```
Good:
```yaml
models: {chat: anthropic/claude-opus-4-7}
params: {max_tokens: 2048}
```

## TOOL004 — tools on a model without function calling
The model cannot call them: the request fails, or the tools are silently ignored.

Bad:
```yaml
models: {chat: bedrock/deepseek.r1-v1:0}
prompts:
  answer: {version: 1, tools: [search_kb]}
```
Good:
```yaml
models: {chat: openai/gpt-5.4-2026-03-05}
prompts:
  answer: {version: 1, tools: [search_kb]}
```

## PARAM003 — a JSON Schema response format on a model without structured output
`response_format: {type: json_schema}` asks the provider to enforce a schema the model
cannot follow: the request fails.

Bad:
```yaml
# environments/base.yaml: models: {chat: google/deep-research-preview-04-2026}
# prompts/classify/v1.yaml
response_format: {type: json_schema, schema: {type: object}}
```
Good: bind a model with structured output (`registry models ID` says `json_schema: yes`), or
ask for `{type: json_object}` and validate in the app.
"""

from __future__ import annotations

from collections.abc import Iterator

from registry.check.rules.base import Context
from registry.common.findings import Finding, make

CODES = ("PARAM002", "TOOL004", "PARAM003")
SAMPLING = ("temperature", "top_p", "top_k")


def check(ctx: Context) -> Iterator[Finding]:
    settings = ctx.reg.settings
    for _env, unit in ctx.units():
        if not unit.model:
            continue
        info = settings.model_info(unit.model) or {}
        name = unit.model
        if info.get("sampling") is False:
            for key in SAMPLING:
                if key in unit.params:
                    yield make(
                        "PARAM002",
                        f"{name} does not accept {key} (the catalog's data): every request fails",
                        *unit.origin(("params", key)),
                        path=f"prompts.{unit.prompt}.params.{key}",
                        hint=f"remove {key} for this model",
                    )
        if info.get("tools") is False and unit.tools:
            yield make(
                "TOOL004",
                f"{unit.prompt}: {name} has no function calling, but binds tools "
                f"{', '.join(unit.tool_order or sorted(unit.tools))}",
                *unit.origin(("tools",)),
                path=f"prompts.{unit.prompt}.tools",
                hint="bind a model with function calling, or drop the tools",
            )
        fmt = unit.response_format or {}
        if info.get("json_schema") is False and fmt.get("type") == "json_schema":
            yield make(
                "PARAM003",
                f"{unit.prompt}: {name} has no structured output, but response_format is "
                "json_schema",
                *unit.origin(("response_format",)),
                path=f"prompts.{unit.prompt}.response_format",
                hint="bind a model with structured output, or use json_object",
            )
