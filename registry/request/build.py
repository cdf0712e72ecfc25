"""Request bodies for the official SDKs, one shape per API, from a unit and its rendered
messages: the keyword arguments of `client.chat.completions.create` (`openai-chat`),
`client.responses.create` (`openai-responses`) and `client.messages.create`
(`anthropic-messages`).

A parameter the API or the model does not take is not sent, and the reason is kept
(`Body.dropped`): `registry request` prints them, and `registry check` reports the model's
ones (PARAM002, TOOL004, PARAM003) before anything is deployed. Only what the facts say is
acted on: an unknown capability never drops a setting.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

APIS = ("openai-chat", "openai-responses", "anthropic-messages")
SYSTEM_ROLES = ("system", "developer")
SAMPLING = ("temperature", "top_p", "top_k")
OPENAI_HOSTS = ("openai", "azure")  # Chat Completions there takes max_completion_tokens
# what each API calls max_tokens (the input budget reads the one sent)
MAX_TOKENS = ("max_completion_tokens", "max_output_tokens", "max_tokens")
ANTHROPIC_MAX_TOKENS = 4096  # when neither the unit nor the catalog gives one (it is required)
# Each API's name for a unit param (absent: the API has no such parameter).
NAMES: dict[str, dict[str, str]] = {
    "openai-chat": {
        "temperature": "temperature",
        "top_p": "top_p",
        "frequency_penalty": "frequency_penalty",
        "presence_penalty": "presence_penalty",
        "seed": "seed",
        "stop": "stop",
        "reasoning_effort": "reasoning_effort",
        "parallel_tool_calls": "parallel_tool_calls",
    },
    "openai-responses": {
        "temperature": "temperature",
        "top_p": "top_p",
        "max_tokens": "max_output_tokens",
        "parallel_tool_calls": "parallel_tool_calls",
    },
    "anthropic-messages": {
        "temperature": "temperature",
        "top_p": "top_p",
        "top_k": "top_k",
        "max_tokens": "max_tokens",
        "stop": "stop_sequences",
    },
}


@dataclasses.dataclass
class Body:
    """The SDK's keyword arguments, and what was left out and why."""

    kwargs: dict[str, Any]
    dropped: list[str]

    def wire(self) -> dict[str, Any]:
        """The JSON the SDK sends (`extra_body` merged in): for reviewers and curl."""
        out = {k: v for k, v in self.kwargs.items() if k != "extra_body"}
        return {**out, **self.kwargs.get("extra_body", {})}


def default_api(model_id: str) -> str:
    """`anthropic/…` speaks Anthropic's Messages API; every other id (openai, azure, and the
    gateways most providers offer) OpenAI's Chat Completions."""
    return "anthropic-messages" if model_id.split("/", 1)[0] == "anthropic" else "openai-chat"


def wire_model(model_id: str) -> str:
    """The id the API takes: without the `provider/` prefix (an OpenRouter id keeps its own
    `vendor/model`; an Azure id is its deployment name)."""
    return model_id.split("/", 1)[1] if "/" in model_id else model_id


def build(
    api: str,
    model_id: str,
    unit: Mapping[str, Any],
    rendered: list[dict[str, str]],
    facts: Mapping[str, Any],
    spans: list[tuple[int, bool]] | None = None,
) -> Body:
    """The request of `unit` (its behavior fields) with `rendered` messages for `api`;
    `spans` (see `prefix.static_spans`) places Anthropic's cache breakpoint."""
    dropped: list[str] = []
    params = _params(api, model_id, unit, facts, dropped)
    tools = dict(unit.get("tools") or {})
    if tools and facts.get("tools") is False:
        dropped.append(f"tools: {model_id} has no function calling (the catalog's data)")
        tools = {}
    fmt = unit.get("response_format") or {}
    if fmt.get("type") == "json_schema" and facts.get("json_schema") is False:
        dropped.append(f"response_format: {model_id} has no structured output (the catalog's data)")
        fmt = {}
    if not tools and "parallel_tool_calls" in params:
        params.pop("parallel_tool_calls")
        dropped.append("parallel_tool_calls: the unit binds no tools")
    name = fmt.get("name") or re.sub(r"[^A-Za-z0-9_-]", "_", str(unit.get("prompt")))[:64]
    kwargs: dict[str, Any] = {"model": wire_model(model_id)}
    if api == "openai-chat":
        kwargs["messages"] = [{"role": m["role"], "content": m["content"]} for m in rendered]
        if tools:
            kwargs["tools"] = [
                {"type": "function", "function": _function(n, tools[n])} for n in sorted(tools)
            ]
        if fmt.get("type") == "json_schema":
            kwargs["response_format"] = {"type": "json_schema", "json_schema": _format(name, fmt)}
        return Body({**kwargs, **params}, dropped)
    if api == "openai-responses":
        kwargs["input"] = [{"role": m["role"], "content": m["content"]} for m in rendered]
        if tools:
            # strict defaults to true in Responses and false in Chat Completions: say it, so
            # one tool means one thing on both
            kwargs["tools"] = [
                {
                    "type": "function",
                    **_function(n, tools[n]),
                    "strict": bool(tools[n].get("strict")),
                }
                for n in sorted(tools)
            ]
        if fmt.get("type") == "json_schema":
            kwargs["text"] = {"format": {"type": "json_schema", **_format(name, fmt)}}
        effort = unit.get("params", {}).get("reasoning_effort")
        if effort is not None:
            kwargs["reasoning"] = {"effort": effort}
        return Body({**kwargs, **params}, dropped)
    body = _anthropic(kwargs, params, tools, fmt, rendered, facts, dropped)
    if spans is not None:
        from registry.request import prefix

        prefix.place_breakpoint(body.kwargs, tools, rendered, spans, facts)
    return body


def _params(
    api: str, model_id: str, unit: Mapping[str, Any], facts: Mapping[str, Any], dropped: list[str]
) -> dict[str, Any]:
    names = dict(NAMES[api])
    if api == "openai-chat":
        # deprecated there for max_completion_tokens, which reasoning models require
        openai = model_id.split("/", 1)[0] in OPENAI_HOSTS
        names["max_tokens"] = "max_completion_tokens" if openai else "max_tokens"
    out: dict[str, Any] = {}
    for key, value in (unit.get("params") or {}).items():
        if key in SAMPLING and facts.get("sampling") is False:
            dropped.append(f"{key}: {model_id} takes no sampling parameters (the catalog's data)")
        elif key == "reasoning_effort" and api == "openai-responses":
            continue  # sent as reasoning.effort
        elif key not in names:
            dropped.append(f"{key}: {api} has no such parameter")
        else:
            out[names[key]] = value
    return out


def _function(name: str, tool: Mapping[str, Any]) -> dict[str, Any]:
    out = {
        "name": name,
        "description": tool.get("description", ""),
        "parameters": tool.get("parameters") or {"type": "object"},
    }
    if "strict" in tool:
        out["strict"] = tool["strict"]
    return out


def _format(name: str, fmt: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "schema": fmt.get("schema") or {"type": "object"}}
    if "strict" in fmt:
        out["strict"] = fmt["strict"]
    return out


def _anthropic(
    kwargs: dict[str, Any],
    params: dict[str, Any],
    tools: dict[str, Any],
    fmt: Mapping[str, Any],
    rendered: list[dict[str, str]],
    facts: Mapping[str, Any],
    dropped: list[str],
) -> Body:
    if "temperature" in params and "top_p" in params:
        params.pop("top_p")
        dropped.append("top_p: Anthropic's models take temperature or top_p, not both")
    if "max_tokens" not in params:
        params["max_tokens"] = facts.get("max_output") or ANTHROPIC_MAX_TOKENS
        dropped.append(f"max_tokens: not set in the unit; sent {params['max_tokens']} (required)")
    system = [{"type": "text", "text": m["content"]} for m in rendered if m["role"] in SYSTEM_ROLES]
    messages: list[dict[str, Any]] = [
        {"role": m["role"], "content": m["content"]}
        for m in rendered
        if m["role"] not in SYSTEM_ROLES
    ]
    listed = [
        {
            "name": n,
            "description": tools[n].get("description", ""),
            "input_schema": tools[n].get("parameters") or {"type": "object"},
        }
        | ({"strict": tools[n]["strict"]} if "strict" in tools[n] else {})
        for n in sorted(tools)
    ]
    kwargs["max_tokens"] = params.pop("max_tokens")
    if system:
        kwargs["system"] = system
    kwargs["messages"] = messages
    if listed:
        kwargs["tools"] = listed
    if "parallel_tool_calls" in params:
        kwargs["tool_choice"] = {
            "type": "auto",
            "disable_parallel_tool_use": not params.pop("parallel_tool_calls"),
        }
    if "stop_sequences" in params:
        kwargs["stop_sequences"] = params.pop("stop_sequences")
    if fmt.get("type") == "json_schema":
        kwargs["output_config"] = {
            "format": {"type": "json_schema", "schema": fmt.get("schema") or {"type": "object"}}
        }
    sampling = {k: params.pop(k) for k in SAMPLING if k in params}
    if sampling:  # not keyword arguments of the SDK since 1.0: sent in the body as before
        kwargs["extra_body"] = sampling
    return Body(kwargs, dropped)
