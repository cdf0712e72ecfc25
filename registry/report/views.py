"""Human views of resolved config: `registry diff ENV_A ENV_B` and `registry show ENV PROMPT`."""

from __future__ import annotations

import json
from typing import Any

from registry.common.errors import RegistryError
from registry.common.redact import Redactor
from registry.diff.units import ABSENT, UnitDiff, diff_environments
from registry.report import dumps, finish
from registry.resolve.depends import require_resolved
from registry.resolve.registry import Registry
from registry.resolve.units import Origin

MAX_DIFF_LINES = 60


def _where(origin: Origin | None) -> str:
    return f"{origin[0]}:{origin[1]}" if origin else "-"


def _value(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 100 else text[:99] + "…"


def unit_diff_lines(d: UnitDiff, name_a: str, name_b: str) -> list[str]:
    """A unit's differences: field path, both values, and the file:line each comes from."""
    if d.status != "changed":
        side = name_a if d.status == "only_a" else name_b
        diff = d.differences[0]
        origin = diff.origin_a or diff.origin_b
        return [
            f"  {d.prompt}: bound in {side} only (version "
            f"{diff.a if diff.a is not ABSENT else diff.b}, {_where(origin)})"
        ]
    out = [f"  {d.prompt}: {d.fp_a} → {d.fp_b}"]
    for x in d.differences:
        out.append(f"    {x.field}:")
        if x.text_diff is not None:
            shown = x.text_diff[:MAX_DIFF_LINES]
            out.extend(f"      {line}" for line in shown)
            if len(x.text_diff) > len(shown):
                out.append(f"      … {len(x.text_diff) - len(shown)} more diff line(s)")
        else:
            out.append(f"      {name_a}: {_value(x.a)}  ({_where(x.origin_a)})")
            out.append(f"      {name_b}: {_value(x.b)}  ({_where(x.origin_b)})")
    return out


def env_diff(reg: Registry, a: str, b: str, fmt: str) -> tuple[str, bool]:
    """The text (or JSON) of `registry diff A B`, and whether behavior differs."""
    env_a, env_b = reg.resolve(a), reg.resolve(b)
    redact = _redactor(reg)
    require_resolved(reg, (a, b), "cannot compare (a diff of what did resolve could hide it)", 2)
    equal, diffs = diff_environments(env_a, env_b)
    if fmt == "json":
        from registry.diff.units import plain

        data = {
            "a": a,
            "b": b,
            "fingerprint_a": env_a.fingerprint,
            "fingerprint_b": env_b.fingerprint,
            "equal": equal,
            "units": [
                {
                    "prompt": d.prompt,
                    "status": d.status,
                    "fingerprint_a": d.fp_a,
                    "fingerprint_b": d.fp_b,
                    "differences": [
                        {"path": x.path, "a": plain(x.a), "b": plain(x.b), "text_diff": x.text_diff}
                        for x in d.differences
                    ],
                }
                for d in diffs
            ],
        }
        return finish(dumps(redact.value(data)), redact, human=False), bool(diffs)
    lines = [f"{a} {env_a.fingerprint}", f"{b} {env_b.fingerprint}"]
    if not diffs:
        lines.append(f"no behavior differences ({len(equal)} unit(s) equal)")
    else:
        lines.append(f"{len(diffs)} unit(s) differ, {len(equal)} equal:")
        for d in diffs:
            lines.extend(unit_diff_lines(d, a, b))
    return finish("\n".join(lines) + "\n", redact, human=True), bool(diffs)


def _origin_json(origin: Origin | None) -> dict[str, Any] | None:
    return {"file": origin[0], "line": origin[1], "column": origin[2]} if origin else None


def show_unit(reg: Registry, env: str, prompt: str, fmt: str = "text") -> str:
    resolved = reg.resolve_only(env, [prompt])  # the one unit, not the whole environment
    unit = resolved.prompts.get(prompt)
    if unit is None:
        bound = sorted(resolved.merged.get("prompts") or {})
        if prompt in bound:
            raise RegistryError(
                f"prompt {prompt!r} is bound in {env} but does not resolve "
                "(`registry validate` says why)"
            )
        known = ", ".join(bound) or "none"
        raise RegistryError(f"prompt {prompt!r} is not bound in {env} (bound: {known})")
    if fmt == "json":
        return _show_json(reg, env, prompt, unit)
    lines = [
        f"{prompt} in {env}",
        f"fingerprint: {unit.fingerprint}",
        f"version: {unit.version}  ({_where(unit.origin(('version',)))})",
        f"model: {unit.model}  ({_where(unit.origin(('model',)))})",
        "params:",
    ]
    for key, value in sorted(unit.params.items()):
        lines.append(f"  {key}: {_value(value)}  ({_where(unit.origin(('params', key)))})")
    lines.append(f"tools: {', '.join(unit.tool_order) or '(none)'}")
    lines.append(f"rag: {_value(unit.rag) if unit.rag else '(none)'}")
    lines.append(f"routing: {_value(unit.routing)}  ({_where(unit.origin(('routing',)))})")
    lines.append(f"response_format: {_value(unit.response_format)}")
    for i, msg in enumerate(unit.messages):
        lines.append(f"messages[{i}] ({msg['role']}):  ({_where(unit.origin(('messages', i)))})")
        lines.extend("  | " + line for line in msg["content"].splitlines())
    return finish("\n".join(lines) + "\n", _redactor(reg), human=True)


def _show_json(reg: Registry, env: str, prompt: str, unit: Any) -> str:
    """The unit as data, each field beside the file:line:column its value comes from."""
    from registry.diff.units import plain

    redact = _redactor(reg)

    def field(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
        return {"value": plain(value), "origin": _origin_json(unit.origin(path))}

    data = {
        "environment": env,
        "prompt": prompt,
        "fingerprint": unit.fingerprint,
        "version": field(("version",), unit.version),
        "model": field(("model",), unit.model),
        "params": {k: field(("params", k), v) for k, v in sorted(unit.params.items())},
        "tools": list(unit.tool_order),
        "rag": plain(unit.rag) if unit.rag else None,
        "routing": field(("routing",), unit.routing),
        "response_format": plain(unit.response_format),
        "messages": [
            {
                "role": msg["role"],
                "content": msg["content"],
                "origin": _origin_json(unit.origin(("messages", i))),
            }
            for i, msg in enumerate(unit.messages)
        ],
    }
    return finish(dumps(redact.value(data)), redact, human=False)


def _redactor(reg: Registry) -> Redactor:
    from registry.check.rules.secrets import literal_secrets

    return Redactor(literal_secrets(reg))
