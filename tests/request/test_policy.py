"""unit.retry_policy(): the routing's attempts, delays, timeout and fallbacks, run with the real
SDKs against the local server: 429 with Retry-After, 5xx, fallback to another provider."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest

import registry
from registry.request.policy import RetryPolicy, retry_after
from tests.helpers import BASE_FILES, write_registry
from tests.request.fakeapi import FakeAPI

INPUTS = {"question": "How do I reset?"}
THROTTLED = (
    429,
    {"retry-after": "3"},
    {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}},
)
DOWN = (503, {}, {"error": {"message": "overloaded", "type": "overloaded_error"}})


def unit_with(tmp_path: Path, routing: str) -> Any:
    layer = BASE_FILES["environments/base.yaml"].replace(
        """        routing:
          timeout_s: 30
          retries: {max_attempts: 3, backoff: exponential, base_delay_s: 1.0}
          fallback: [anthropic/claude-sonnet-4-6]
""",
        routing,
    )
    root = write_registry(tmp_path / "reg", {"environments/base.yaml": layer})
    return registry.open(root).resolve("prod").prompts["answer"]


def either(
    unit: Any, openai_client: openai.OpenAI, anthropic_client: anthropic.Anthropic
) -> Callable[[str], Any]:
    """`send(model)` through the SDK of the model's API, as an app with two providers does."""
    calls: dict[str, Callable[..., Any]] = {
        "openai-chat": openai_client.chat.completions.create,
        "anthropic-messages": anthropic_client.messages.create,
    }
    return lambda model: calls[unit.api(model)](**unit.request(INPUTS, model=model))


@pytest.mark.parametrize(
    ("backoff", "delays"),
    [
        ("none", (0.0, 0.0, 0.0)),
        ("constant", (0.5, 0.5, 0.5)),
        ("linear", (0.5, 1.0, 1.5)),
        ("exponential", (0.5, 1.0, 2.0)),
    ],
)
def test_delays_follow_the_backoff(tmp_path: Path, backoff: str, delays: tuple[float, ...]) -> None:
    routing = f"""        routing:
          timeout_s: 12
          retries: {{max_attempts: 4, backoff: {backoff}, base_delay_s: 0.5}}
          fallback: [anthropic/claude-sonnet-4-6, openai/gpt-5.4-mini-2026-03-17]
"""
    policy = unit_with(tmp_path, routing).retry_policy()
    assert policy.attempts == 4 and policy.delays == delays and policy.timeout_s == 12.0
    assert policy.models == (
        "openai/gpt-5.4-2026-03-05",
        "anthropic/claude-sonnet-4-6",
        "openai/gpt-5.4-mini-2026-03-17",
    )
    assert policy.client_options() == {"max_retries": 0, "timeout": 12.0}


def test_max_delay_caps_the_backoff() -> None:
    routing = {
        "retries": {
            "max_attempts": 6,
            "backoff": "exponential",
            "base_delay_s": 1,
            "max_delay_s": 5,
        }
    }
    assert RetryPolicy.from_routing("openai/x", routing).delays == (1.0, 2.0, 4.0, 5.0, 5.0)
    assert RetryPolicy.from_routing("openai/x", {}).attempts == 1  # no retries: one try


def test_a_429_waits_what_retry_after_says(
    tmp_path: Path, api: FakeAPI, openai_client: openai.OpenAI
) -> None:
    unit = unit_with(
        tmp_path,
        """        routing:
          retries: {max_attempts: 3, backoff: exponential, base_delay_s: 1.0}
""",
    )
    policy = unit.retry_policy()
    api.script = [THROTTLED, DOWN]
    slept: list[float] = []
    reply = policy.run(
        lambda model: openai_client.chat.completions.create(**unit.request(INPUTS, model=model)),
        sleep=slept.append,
    )
    assert reply.choices[0].message.content  # the third try answered
    assert len(api.requests) == 3
    assert slept == [3.0, 2.0]  # Retry-After 3 s over the 1 s backoff; then the backoff's 2 s


def test_fallback_to_another_provider_after_the_attempts(
    tmp_path: Path,
    api: FakeAPI,
    openai_client: openai.OpenAI,
    anthropic_client: anthropic.Anthropic,
) -> None:
    unit = unit_with(
        tmp_path,
        """        routing:
          retries: {max_attempts: 2, backoff: constant, base_delay_s: 0.25}
          fallback: [anthropic/claude-sonnet-4-6]
""",
    )
    api.script = [DOWN, DOWN]
    slept: list[float] = []
    reply = unit.retry_policy().run(
        either(unit, openai_client, anthropic_client), sleep=slept.append
    )
    assert [r.path for r in api.requests] == ["/v1/chat/completions"] * 2 + ["/v1/messages"]
    assert api.bodies[-1]["model"] == "claude-sonnet-4-6"
    assert slept == [0.25]  # between the two tries of the first model; none before the fallback
    assert unit.parse(reply)  # the fallback's answer


def test_an_error_retrying_cannot_fix_is_raised_at_once(
    tmp_path: Path, api: FakeAPI, openai_client: openai.OpenAI
) -> None:
    unit = unit_with(tmp_path, "")
    api.script = [(400, {}, {"error": {"message": "bad request", "type": "invalid_request_error"}})]
    with pytest.raises(openai.BadRequestError):
        unit.retry_policy().run(
            lambda m: openai_client.chat.completions.create(**unit.request(INPUTS, model=m)),
            sleep=pytest.fail,
        )
    assert len(api.requests) == 1


def test_a_retry_after_longer_than_max_delay_moves_on(
    tmp_path: Path,
    api: FakeAPI,
    openai_client: openai.OpenAI,
    anthropic_client: anthropic.Anthropic,
) -> None:
    unit = unit_with(
        tmp_path,
        """        routing:
          retries: {max_attempts: 3, backoff: constant, base_delay_s: 1, max_delay_s: 2}
          fallback: [anthropic/claude-sonnet-4-6]
""",
    )
    api.script = [THROTTLED]  # asks for 3 s; the policy waits at most 2
    slept: list[float] = []
    unit.retry_policy().run(either(unit, openai_client, anthropic_client), sleep=slept.append)
    assert slept == [] and [r.path for r in api.requests] == [
        "/v1/chat/completions",
        "/v1/messages",
    ]


def test_every_try_failing_raises_the_last_error(
    tmp_path: Path, api: FakeAPI, openai_client: openai.OpenAI
) -> None:
    unit = unit_with(
        tmp_path, "        routing:\n          retries: {max_attempts: 2, backoff: none}\n"
    )
    api.script = [DOWN, THROTTLED]
    with pytest.raises(openai.RateLimitError):
        unit.retry_policy().run(
            lambda m: openai_client.chat.completions.create(**unit.request(INPUTS, model=m)),
            sleep=lambda s: None,
        )


class _Headers(dict[str, str]):
    pass


class _Failure(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        self.status_code = 429
        self.response = type("R", (), {"headers": _Headers(headers)})()


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "inf"}, None),
        ({}, None),
    ],
)
def test_retry_after_forms(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after(_Failure(headers)) == seconds


def test_retry_after_as_an_http_date() -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    found = retry_after(_Failure({"retry-after": format_datetime(when, usegmt=True)}))
    assert found is not None and 25 <= found <= 30
