"""Token budgets against the model's limits (catalog values).

## BUDGET001 — static prompt tokens + `max_tokens` over the context window
The request fails (or the provider truncates) once inputs arrive. Counted with the one token
estimator; the output says which.

Bad:
```yaml
models: {chat: openai/gpt-4o-2024-08-06}    # 128,000-token window
params: {max_tokens: 127900}                # plus a 500-token system prompt
```
Good:
```yaml
params: {max_tokens: 4096}
```

## BUDGET002 — `max_tokens` over the model's max output
The provider rejects the request. The finding points at the layer whose value won the merge.

Bad:
```yaml
models: {chat: anthropic/claude-3-5-sonnet-20241022}   # 8,192 max output
params: {max_tokens: 200000}
```
Good:
```yaml
params: {max_tokens: 8192}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from registry.check.rules.base import Context, static_tokens
from registry.common.findings import Finding, make
from registry.models import tokens

CODES = ("BUDGET001", "BUDGET002")


def check(ctx: Context) -> Iterator[Finding]:
    for _env, unit in ctx.units():
        info = ctx.reg.settings.model_info(unit.model) if unit.model else None
        max_tokens = unit.params.get("max_tokens")
        if not info or not isinstance(max_tokens, int):
            continue
        max_output = info.get("max_output")
        if max_output and max_tokens > max_output:
            yield make(
                "BUDGET002",
                f"max_tokens {max_tokens} is over {unit.model}'s max output of {max_output}",
                *unit.origin(("params", "max_tokens")),
                path=f"prompts.{unit.prompt}.params.max_tokens",
                hint=f"set max_tokens to at most {max_output}",
            )
        window = info.get("context_window")
        static = static_tokens(ctx, unit)
        if window and static + max_tokens > window:
            yield make(
                "BUDGET001",
                f"{unit.prompt}: {static} static prompt tokens + max_tokens "
                f"{max_tokens} is over {unit.model}'s context window of {window} "
                f"({tokens.name(ctx.reg.settings.runs(unit.model or ''))})",
                *unit.origin(("params", "max_tokens")),
                path=f"prompts.{unit.prompt}.params.max_tokens",
                hint=f"lower max_tokens below {window - static}",
            )
