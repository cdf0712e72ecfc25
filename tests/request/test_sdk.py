"""unit.request() against the real openai and anthropic SDKs, over real HTTP to a local server
that speaks each wire format (tests/request/fakeapi.py): what the SDK accepts and sends is
what the registry built, and the refusals a hand translation meets are not met."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest

import registry
from registry.deploy.render import artifact, dumps
from tests.helpers import write_registry
from tests.request.fakeapi import FakeAPI

INPUTS = {"question": "How do I reset the thermostat?"}
STRUCTURED = """\
    variables:
      type: object
      required: [question]
      properties: {question: {type: string}}
    messages:
      - role: system
        content: You answer support questions.
      - role: user
        content: "Question: {{ question }}"
    response_format:
      type: json_schema
      name: support_answer
      strict: true
      schema:
        type: object
        additionalProperties: false
        required: [answer, needs_human]
        properties: {answer: {type: string}, needs_human: {type: boolean}}
    defaults:
      model: chat
      params: {temperature: 0.1, max_tokens: 800, seed: 7}
      tools: [search_kb]
    """


def unit_of(tmp_path: Path, env: str = "prod", prompt: str = "answer", **files: str) -> Any:
    root = write_registry(tmp_path / "reg", {"prompts/answer/v1.yaml": STRUCTURED, **files})
    return registry.open(root).resolve(env).prompts[prompt]


def test_openai_chat_body_is_what_the_sdk_sends(
    tmp_path: Path, api: FakeAPI, openai_client: openai.OpenAI
) -> None:
    unit = unit_of(tmp_path)
    prepared = unit.prepare(INPUTS)
    assert prepared.api == "openai-chat"
    reply = openai_client.chat.completions.create(**unit.request(INPUTS))
    sent = api.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.body == prepared.body.wire()
    assert sent.body["model"] == "gpt-5.4-2026-03-05"  # no provider prefix
    assert sent.body["messages"] == [
        {"role": "system", "content": "You answer support questions."},
        {"role": "user", "content": "Question: How do I reset the thermostat?"},
    ]
    # the reasoning model refuses max_tokens: the registry sends the name it takes
    assert "max_tokens" not in sent.body and sent.body["max_completion_tokens"] == 800
    assert sent.body["seed"] == 7 and sent.body["temperature"] == 0.1
    assert sent.body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "search_kb",
                "description": "Search the knowledge base.",
                "parameters": {
                    "type": "object",
                    "required": ["query"],
                    "properties": {"query": {"type": "string"}},
                },
            },
        }
    ]
    assert sent.body["response_format"]["type"] == "json_schema"
    assert sent.body["response_format"]["json_schema"]["name"] == "support_answer"
    assert sent.body["response_format"]["json_schema"]["strict"] is True
    assert unit.parse(reply) == {"answer": "Hold the button for 10 s.", "needs_human": False}


def test_a_hand_written_max_tokens_is_refused_where_the_registry_s_is_not(
    tmp_path: Path, api: FakeAPI, openai_client: openai.OpenAI
) -> None:
    """The server refuses what OpenAI refuses: the same call with the unit's params pasted in
    as they are (the hand translation) fails; the registry's request does not."""
    unit = unit_of(tmp_path)
    messages = unit.render(**INPUTS)
    with pytest.raises(openai.BadRequestError, match="max_completion_tokens"):
        openai_client.chat.completions.create(
            model="gpt-5.4-2026-03-05", messages=messages, **unit.params
        )
    openai_client.chat.completions.create(**unit.request(INPUTS))
    assert [r.body.get("max_tokens") for r in api.requests] == [800, None]


def test_a_gateway_gets_max_tokens(
    tmp_path: Path, api: FakeAPI, openai_client: openai.OpenAI
) -> None:
    """Other providers through the Chat Completions shape (vLLM, LiteLLM, OpenRouter…) take
    the classic name; only OpenAI and Azure have moved on."""
    unit = unit_of(
        tmp_path, **{"registry.yaml": "models:\n  acme/model-7: {context_window: 32000}\n"}
    )
    openai_client.chat.completions.create(**unit.request(INPUTS, model="acme/model-7"))
    assert api.bodies[-1]["model"] == "model-7" and api.bodies[-1]["max_tokens"] == 800


def test_openai_responses_body(tmp_path: Path, api: FakeAPI, openai_client: openai.OpenAI) -> None:
    unit = unit_of(tmp_path)
    prepared = unit.prepare(INPUTS, api="openai-responses")
    reply = openai_client.responses.create(**prepared.body.kwargs)
    sent = api.requests[-1]
    assert sent.path == "/v1/responses" and sent.body == prepared.body.wire()
    assert sent.body["input"][1] == {
        "role": "user",
        "content": "Question: How do I reset the thermostat?",
    }
    assert sent.body["max_output_tokens"] == 800
    assert sent.body["text"]["format"] == {
        "type": "json_schema",
        "name": "support_answer",
        "strict": True,
        "schema": unit.response_format["schema"],
    }
    # flat function tools; strict said (Responses defaults it to true, Chat Completions to false)
    assert sent.body["tools"][0]["name"] == "search_kb" and sent.body["tools"][0]["strict"] is False
    assert "seed" not in sent.body  # Responses has no seed...
    assert prepared.body.dropped == [
        "seed: openai-responses has no such parameter"
    ]  # ...and says so
    assert unit.parse(reply)["needs_human"] is False


def test_anthropic_messages_body(
    tmp_path: Path, api: FakeAPI, anthropic_client: anthropic.Anthropic
) -> None:
    unit = unit_of(tmp_path)
    model = "anthropic/claude-sonnet-4-6"  # the routing fallback
    prepared = unit.prepare(INPUTS, model=model)
    assert prepared.api == "anthropic-messages" == unit.api(model)
    reply = anthropic_client.messages.create(**prepared.body.kwargs)
    sent = api.requests[-1]
    assert sent.path == "/v1/messages" and sent.body == prepared.body.wire()
    assert sent.body["model"] == "claude-sonnet-4-6" and sent.body["max_tokens"] == 800
    assert sent.body["system"] == [{"type": "text", "text": "You answer support questions."}]
    assert sent.body["messages"] == [
        {"role": "user", "content": "Question: How do I reset the thermostat?"}
    ]
    assert sent.body["tools"][0]["input_schema"]["required"] == ["query"]
    assert sent.body["output_config"] == {
        "format": {"type": "json_schema", "schema": unit.response_format["schema"]}
    }
    # the SDK (1.0 and later) has no temperature argument: it travels in the body
    assert sent.body["temperature"] == 0.1 and "temperature" in prepared.body.kwargs["extra_body"]
    assert "top_p" not in sent.body  # base.yaml's top_p: 1.0 with temperature: refused by Claude
    assert "seed" not in sent.body
    assert unit.parse(reply) == {"answer": "Hold the button for 10 s.", "needs_human": False}


def test_an_anthropic_body_built_by_hand_is_refused(
    tmp_path: Path, api: FakeAPI, anthropic_client: anthropic.Anthropic
) -> None:
    unit = unit_of(tmp_path)
    with pytest.raises(TypeError, match="temperature"):  # the SDK's own signature
        anthropic_client.messages.create(  # type: ignore[call-overload]
            model="claude-sonnet-4-6", messages=[], max_tokens=10, temperature=0.1
        )
    with pytest.raises(anthropic.BadRequestError, match="top_p"):
        anthropic_client.messages.create(
            model="claude-sonnet-4-6",
            max_tokens=800,
            messages=[{"role": "user", "content": "hi"}],
            extra_body={k: unit.params[k] for k in ("temperature", "top_p")},
        )
    anthropic_client.messages.create(**unit.request(INPUTS, model="anthropic/claude-sonnet-4-6"))
    assert "top_p" in api.bodies[0] and "top_p" not in api.bodies[1]


def test_what_the_model_does_not_take_is_not_sent(
    tmp_path: Path, api: FakeAPI, anthropic_client: anthropic.Anthropic
) -> None:
    """Capabilities from registry.yaml over the catalog: a model without sampling parameters
    gets none, without tools gets none, and every omission is said."""
    settings = "models:\n  anthropic/claude-sonnet-4-6: {sampling: false, tools: false}\n"
    unit = unit_of(tmp_path, **{"registry.yaml": settings})
    prepared = unit.prepare(INPUTS, model="anthropic/claude-sonnet-4-6")
    anthropic_client.messages.create(**prepared.body.kwargs)
    sent = api.bodies[-1]
    assert not {"temperature", "top_p", "top_k", "tools"} & set(sent)
    assert any(
        d.startswith("temperature: anthropic/claude-sonnet-4-6 takes no sampling")
        for d in prepared.body.dropped
    )
    assert any(
        d.startswith("tools: anthropic/claude-sonnet-4-6 has no function calling")
        for d in prepared.body.dropped
    )


def test_the_artifact_builds_the_same_request_as_the_registry(tmp_path: Path) -> None:
    """The app's request from build/prod.json is the Python API's, byte for byte, for every
    API: the artifact carries the model facts check used."""
    root = write_registry(tmp_path / "reg", {"prompts/answer/v1.yaml": STRUCTURED})
    reg = registry.open(root)
    prod = reg.resolve("prod")
    path = tmp_path / "prod.json"
    path.write_text(dumps(artifact(reg, prod)))
    art = registry.load_artifact(path, expect=prod.fingerprint, environment="prod")
    assert set(art.models) == {
        "openai/gpt-5.4-2026-03-05",
        "openai/gpt-5.4-mini-2026-03-17",
        "anthropic/claude-sonnet-4-6",
    }
    for api_name in ("openai-chat", "openai-responses", "anthropic-messages"):
        for model in (None, "anthropic/claude-sonnet-4-6"):
            ours = art.units["answer"].request(INPUTS, api=api_name, model=model)
            theirs = prod.prompts["answer"].request(INPUTS, api=api_name, model=model)
            assert json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True)
