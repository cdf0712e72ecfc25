"""Credential separation between environments.

## SEC002 — two environments that must be separate share a credential
A staging key that is also prod's key means staging traffic spends prod's quota and budget,
and a staging leak is a prod leak. Every parity pair, and every pair in registry.yaml
`credentials.separate`, must resolve different references — also when both inherit the same
one from base.

Bad:
```yaml
# environments/base.yaml
ops: {credentials: {openai: "${OPENAI_API_KEY}"}}
```
Good:
```yaml
# environments/staging.yaml
ops: {credentials: {openai: "${OPENAI_API_KEY_STAGING}"}}
# environments/prod.yaml
ops: {credentials: {openai: "${OPENAI_API_KEY_PROD}"}}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from registry.check.rules.base import Context
from registry.common.findings import Finding, make

CODES = ("SEC002",)


def check(ctx: Context) -> Iterator[Finding]:
    if not ctx.shared:
        return
    pairs = list(ctx.reg.parity_pairs()) + [
        p for p in ctx.reg.settings.separate if p not in ctx.reg.parity_pairs()
    ]
    for a, b in pairs:
        if a not in ctx.envs or b not in ctx.envs:
            continue
        env_a, env_b = ctx.envs[a], ctx.envs[b]
        creds_a = env_a.ops.get("credentials") or {}
        creds_b = env_b.ops.get("credentials") or {}
        for name in sorted(set(creds_a) & set(creds_b)):
            if creds_a[name] == creds_b[name]:
                file, line, col = env_b.origin(("ops", "credentials", name))
                other = env_a.origin(("ops", "credentials", name))
                yield make(
                    "SEC002",
                    f"{a} and {b} use the same credential for {name!r} "
                    f"(set at {file}:{line} and {other[0]}:{other[1]})",
                    file,
                    line,
                    col,
                    path=f"ops.credentials.{name}",
                    hint=f"give {b} its own reference, e.g. ${{{name.upper()}_KEY_{b.upper()}}}",
                )
