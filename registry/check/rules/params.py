"""Sampling parameters within the provider's ranges.

## PARAM001 — sampling parameter out of range
A temperature of 1.5 is valid for OpenAI and an API error for Anthropic; `max_tokens: 0` or a
negative penalty outside the range fails every request. Ranges come from the provider entry of
the model catalog.

Bad:
```yaml
models: {chat: anthropic/claude-3-5-sonnet-20241022}
params: {temperature: 1.5, max_tokens: 0}
```
Good:
```yaml
models: {chat: anthropic/claude-3-5-sonnet-20241022}
params: {temperature: 0.7, max_tokens: 1024}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from registry.check.rules.base import Context
from registry.common.findings import Finding, make

CODES = ("PARAM001",)


def check(ctx: Context) -> Iterator[Finding]:
    for _env, unit in ctx.units():
        provider_id = unit.model or "*/"
        ranges = ctx.reg.settings.provider(provider_id)["ranges"]
        provider = provider_id.split("/", 1)[0]
        for key, value in sorted(unit.params.items()):
            problem = None
            if key in ("max_tokens", "top_k") and isinstance(value, (int, float)) and value < 1:
                problem = f"{key} must be at least 1, got {value}"
            elif key in ranges and isinstance(value, (int, float)) and not isinstance(value, bool):
                lo, hi = ranges[key]
                if not lo <= value <= hi:
                    problem = f"{key} {value} is outside {provider}'s range [{lo}, {hi}]"
            elif key == "seed" and not isinstance(value, int):
                problem = f"seed must be an integer, got {value!r}"
            elif key in ("temperature", "top_p", "frequency_penalty", "presence_penalty") and (
                key not in ranges and isinstance(value, (int, float)) and value < 0
            ):
                problem = f"{key} {value} is negative"
            if problem:
                file, line, col = unit.origin(("params", key))
                yield make(
                    "PARAM001",
                    problem,
                    file,
                    line,
                    col,
                    path=f"params.{key}",
                    hint="use a value the provider accepts",
                )
