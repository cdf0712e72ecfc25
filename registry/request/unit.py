"""What a unit can do for an app's call: the same methods on the Python API's resolved unit
and on a deployed artifact's, so both build the very same request.

    req = unit.request(inputs)                 # client.chat.completions.create(**req)
    out = unit.parse(reply)                    # validated against response_format
    policy = unit.retry_policy()               # attempts, delays, timeout_s, fallback ids
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from registry.common.errors import InputError, RenderError

if TYPE_CHECKING:  # imported where used: every resolved unit is a Calls, few build requests
    from registry.request.build import Body
    from registry.request.policy import RetryPolicy

MESSAGE_OVERHEAD = 4  # tokens a chat API adds around each message (role, separators)


@dataclasses.dataclass
class Prepared:
    """A request and how it was made: the API, the SDK's keyword arguments, what was left
    out and why, and the input tokens counted for the budget (and by what)."""

    api: str
    model: str
    body: Body
    prompt_tokens: int
    counter: str


class Calls:
    """Mixed into a unit; needs its behavior fields, `render`, and `model_facts(id)`."""

    prompt: str
    model: str | None
    params: dict[str, Any]
    messages: list[dict[str, str]]
    variables: dict[str, Any]
    response_format: dict[str, Any] | None
    tools: dict[str, Any]
    routing: dict[str, Any]

    def render(self, **inputs: Any) -> list[dict[str, str]]:
        raise NotImplementedError

    def model_facts(self, model_id: str) -> Mapping[str, Any]:
        raise NotImplementedError

    def api(self, model: str | None = None) -> str:
        """The API a model's request speaks by default (see `build.default_api`)."""
        from registry.request import build

        return build.default_api(self._model(model))

    def prepare(
        self, inputs: Mapping[str, Any], api: str | None = None, model: str | None = None
    ) -> Prepared:
        """Render, build the body for `api` (default: the model's provider's), check the
        input budget. `model` sends to another id (a fallback) with this unit's settings."""
        from registry.models import tokens
        from registry.request import build

        model_id = self._model(model)
        api = api or build.default_api(model_id)
        if api not in build.APIS:
            raise ValueError(f"unknown api {api!r}: one of {', '.join(build.APIS)}")
        rendered = self.render(**dict(inputs))
        facts = self.model_facts(model_id)
        spans = None
        if api == "anthropic-messages":
            from registry.request import prefix

            spans = prefix.static_spans([m["content"] for m in self.messages], rendered)
        unit = {
            "prompt": self.prompt,
            "params": self.params,
            "tools": self.tools,
            "response_format": self.response_format,
        }
        body = build.build(api, model_id, unit, rendered, facts, spans)
        runs = facts.get("runs") or model_id
        used = sum(tokens.count(m["content"], runs) + MESSAGE_OVERHEAD for m in rendered)
        used += tokens.count(tokens.tools_text(self.tools), runs)
        window = facts.get("context_window")
        wire = body.wire()
        wanted = next((wire[k] for k in build.MAX_TOKENS if k in wire), 0)
        if isinstance(window, int) and used + wanted > window:
            raise InputError(
                f"{self.prompt}: the rendered prompt is {used:,} tokens + max_tokens "
                f"{wanted:,} = {used + wanted:,}, over {model_id}'s context window of "
                f"{window:,} ({tokens.name(runs)}); nothing was sent"
            )
        return Prepared(api, model_id, body, used, tokens.name(runs))

    def request(
        self, inputs: Mapping[str, Any], api: str | None = None, model: str | None = None
    ) -> dict[str, Any]:
        """Keyword arguments for the SDK call of `api`: `create(**unit.request(inputs))`."""
        return self.prepare(inputs, api, model).body.kwargs

    def parse(self, reply: Any) -> Any:
        """The answer (a string or an SDK response): its text, or for a `json_schema`
        response format the parsed JSON, validated (OutputError names path and keyword)."""
        from registry.request import output

        return output.parse(reply, self.response_format)

    def retry_policy(self) -> RetryPolicy:
        """`routing` as a policy: attempts, delays, timeout_s, fallback model ids."""
        from registry.request.policy import RetryPolicy

        return RetryPolicy.from_routing(self.model, self.routing)

    def _model(self, model: str | None) -> str:
        found = model or self.model
        if not found:
            raise RenderError(f"{self.prompt}: the unit has no model to send a request to")
        return found
