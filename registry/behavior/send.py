"""Calls to the providers, with their official SDKs (an optional extra, imported here only):
the body `unit.request()` built, sent to the environment's endpoint with its credentials,
and the reply reduced to what evals and canaries read.

Where a provider is reached is the environment's `ops` (never fingerprinted):
`ops.credentials.<provider>` names the key (`${VAR}`, read from the process environment),
`ops.endpoints.<provider>` the SDK's base URL (default: the SDK's own, for openai and
anthropic). The SDKs' own retries are off: the unit's retry policy retries.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

from registry.common.errors import RegistryError

REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
OWN_ENDPOINT = ("openai", "anthropic")  # providers whose SDK knows where to go
EXTRA = "pip install 'llm-config-registry[sdk]'"


class CannotRun(RegistryError):
    """No credentials, no endpoint, no SDK, or an endpoint that failed after every retry:
    exit 2."""


@dataclasses.dataclass
class Reply:
    text: str
    tool_calls: list[tuple[str, str]]  # (name, the arguments' JSON text as the model wrote it)
    refused: bool
    tokens_in: int
    tokens_out: int
    latency_s: float = 0.0
    verbatim_args: bool = True  # the arguments' text is the model's (Anthropic's: re-encoded)


class Clients:
    """One SDK client per provider, shared by the worker threads (the SDK clients are
    thread-safe), for one environment's `ops`. A context manager: leaving it closes the
    clients' connection pools."""

    def __init__(
        self,
        env: str,
        ops: Mapping[str, Any],
        timeout_s: float | None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.env = env
        self.ops = ops
        self.timeout_s = timeout_s
        self.environ = os.environ if environ is None else environ
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def where(self, provider: str) -> tuple[str, str | None]:
        """(the key, the base URL) for a provider; CannotRun naming what to set."""
        creds = self.ops.get("credentials") or {}
        ref = creds.get(provider)
        if not isinstance(ref, str):
            raise CannotRun(f"{self.env} has no ops.credentials.{provider} to call {provider} with")
        found = REFERENCE.match(ref)
        if found is None:
            raise CannotRun(
                f"{self.env}: ops.credentials.{provider} must name an environment variable "
                '("${VAR}"); literal keys are never sent'
            )
        key = self.environ.get(found.group(1))
        if not key:
            raise CannotRun(f"no credentials for {provider} in {self.env}: set {found.group(1)}")
        endpoint = (self.ops.get("endpoints") or {}).get(provider)
        if endpoint is None and provider not in OWN_ENDPOINT:
            raise CannotRun(
                f"{self.env}: no endpoint for provider {provider!r}: set ops.endpoints.{provider}"
            )
        return key, endpoint

    def check(self, provider: str, api: str) -> None:
        """Fail before the first call when a provider cannot be reached at all."""
        self.where(provider)
        _sdk(api)

    def client(self, provider: str, api: str) -> Any:
        name = f"{provider}:{api.split('-')[0]}"
        with self._lock:
            if name not in self._clients:
                key, endpoint = self.where(provider)
                sdk = _sdk(api)
                options: dict[str, Any] = {"api_key": key, "max_retries": 0}
                if endpoint is not None:
                    options["base_url"] = endpoint
                if self.timeout_s is not None:
                    options["timeout"] = self.timeout_s
                cls = sdk.Anthropic if api == "anthropic-messages" else sdk.OpenAI
                self._clients[name] = cls(**options)
            return self._clients[name]

    def send(self, api: str, model_id: str, kwargs: Mapping[str, Any]) -> Reply:
        """One call; SDK errors propagate (the retry policy decides about them)."""
        client = self.client(model_id.split("/", 1)[0], api)
        began = time.perf_counter()
        if api == "openai-chat":
            response = client.chat.completions.create(**kwargs)
        elif api == "openai-responses":
            response = client.responses.create(**kwargs)
        else:
            response = client.messages.create(**kwargs)
        reply = reduce(api, response)
        reply.latency_s = time.perf_counter() - began
        return reply


def _sdk(api: str) -> Any:
    name = "anthropic" if api == "anthropic-messages" else "openai"
    try:
        return importlib.import_module(name)
    except ImportError:
        raise CannotRun(f"the {name} SDK is not installed: {EXTRA}") from None


def reduce(api: str, response: Any) -> Reply:
    """Text, tool calls, refusal and token usage out of an SDK response."""
    data = response.model_dump() if hasattr(response, "model_dump") else dict(response)
    usage = data.get("usage") or {}
    if api == "openai-chat":
        message = ((data.get("choices") or [{}])[0] or {}).get("message") or {}
        calls = [
            (str(c["function"]["name"]), str(c["function"].get("arguments") or ""))
            for c in message.get("tool_calls") or []
            if c.get("function")
        ]
        refusal = message.get("refusal")
        text = message.get("content") or (refusal or "")
        return Reply(
            text, calls, bool(refusal), _int(usage.get("prompt_tokens")),
            _int(usage.get("completion_tokens")),
        )  # fmt: skip
    if api == "openai-responses":
        text, calls, refused = "", [], False
        for item in data.get("output") or []:
            if item.get("type") == "function_call":
                calls.append((str(item.get("name")), str(item.get("arguments") or "")))
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    text += part.get("text") or ""
                elif part.get("type") == "refusal":
                    text += part.get("refusal") or ""
                    refused = True
        return Reply(
            text, calls, refused, _int(usage.get("input_tokens")), _int(usage.get("output_tokens"))
        )
    text = "".join(
        b.get("text") or "" for b in data.get("content") or [] if b.get("type") == "text"
    )
    calls = [
        (str(b.get("name")), json.dumps(b.get("input"), ensure_ascii=False))
        for b in data.get("content") or []
        if b.get("type") == "tool_use"
    ]
    return Reply(
        text, calls, data.get("stop_reason") == "refusal", _int(usage.get("input_tokens")),
        _int(usage.get("output_tokens")), verbatim_args=False,
    )  # fmt: skip


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def fatal(exc: BaseException) -> bool:
    """An error no case can be blamed for: the endpoint, the key or the network (exit 2);
    anything else (a 400 for this request) fails the one case."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status in (401, 403, 404, 408, 409, 429) or status >= 500
    return True
