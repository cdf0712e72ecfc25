"""The Anthropic cache breakpoint, the input budget and the structured-output check."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest

import registry
from registry import InputError, OutputError
from tests.helpers import write_registry
from tests.request.fakeapi import FakeAPI

CLAUDE = "anthropic/claude-sonnet-4-6"
POLICY = "Answer from the passages only. Quote menu paths exactly. Never guess a price. " * 6


def prompt(system: str, user: str = "{{ question }}", fmt: str = "") -> str:
    return textwrap.dedent(
        """\
        variables:
          type: object
          required: [question]
          properties: {question: {type: string}, customer: {type: string}}
        messages:
          - role: system
            content: %s
          - role: user
            content: %s
        defaults: {model: chat, params: {temperature: 0.1, max_tokens: 800}, tools: [search_kb]}
        %s"""
    ) % (_quoted(system), _quoted(user), fmt)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_of(
    tmp_path: Path, body: str, settings: str = "cache: {min_prefix_tokens: {anthropic: 100}}\n"
) -> Any:
    root = write_registry(
        tmp_path / "reg", {"prompts/answer/v1.yaml": body, "registry.yaml": settings}
    )
    return registry.open(root).resolve("prod").prompts["answer"]


def breakpoints(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Where cache_control sits: (section, the text or tool name it ends)."""
    found = [("tools", t["name"]) for t in body.get("tools", []) if "cache_control" in t]
    found += [("system", b["text"]) for b in body.get("system", []) if "cache_control" in b]
    return found


def test_the_breakpoint_ends_the_static_prefix_and_moves_with_the_dynamic_part(
    tmp_path: Path, api: FakeAPI, anthropic_client: anthropic.Anthropic
) -> None:
    inputs = {"question": "Reset?", "customer": "Dana"}
    late = unit_of(tmp_path / "late", prompt(POLICY + "Customer: {{ customer }}."))
    anthropic_client.messages.create(**late.request(inputs, model=CLAUDE))
    sent = api.bodies[-1]
    assert breakpoints(sent) == [("system", POLICY + "Customer: ")]
    assert sent["system"][1] == {"type": "text", "text": "Dana."}  # after it: fresh each time

    half = len(POLICY) // 2
    moved = POLICY[:half] + "Customer: {{ customer }}. " + POLICY[half:]
    early = unit_of(tmp_path / "early", prompt(moved))
    anthropic_client.messages.create(**early.request(inputs, model=CLAUDE))
    assert breakpoints(api.bodies[-1]) == [("system", POLICY[:half] + "Customer: ")]

    static = unit_of(tmp_path / "static", prompt(POLICY))
    anthropic_client.messages.create(**static.request(inputs, model=CLAUDE))
    assert breakpoints(api.bodies[-1]) == [("system", POLICY)]  # the whole system prompt


def test_no_breakpoint_below_the_cache_minimum(tmp_path: Path) -> None:
    short = unit_of(tmp_path / "a", prompt("Be brief. Customer: {{ customer }}."))
    assert breakpoints(short.request({"question": "q", "customer": "x"}, model=CLAUDE)) == []
    # the same prompt over a lower minimum is cached
    low = unit_of(
        tmp_path / "b",
        prompt("Be brief. Customer: {{ customer }}."),
        "cache: {min_prefix_tokens: {anthropic: 20}}\n",
    )
    assert breakpoints(low.request({"question": "q", "customer": "x"}, model=CLAUDE)) == [
        ("system", "Be brief. Customer: ")
    ]


def test_a_system_prompt_that_starts_dynamic_caches_the_tools(tmp_path: Path) -> None:
    unit = unit_of(
        tmp_path,
        prompt("{{ customer }}: " + POLICY),
        "cache: {min_prefix_tokens: {anthropic: 10}}\n",
    )
    body = unit.request({"question": "q", "customer": "x"}, model=CLAUDE)
    assert breakpoints(body) == [("tools", "search_kb")]


def test_the_catalog_minimum_applies_without_settings(tmp_path: Path) -> None:
    """claude-sonnet-4-6's 1,024 tokens from the catalog: a 120-token prefix (estimated) is
    not marked, a 1,440-token one is."""
    small = unit_of(tmp_path / "a", prompt(POLICY), "")
    assert small.model_facts(CLAUDE)["cache_min_tokens"] == 1024
    assert breakpoints(small.request({"question": "q"}, model=CLAUDE)) == []
    large = unit_of(tmp_path / "b", prompt(POLICY * 12), "")
    assert breakpoints(large.request({"question": "q"}, model=CLAUDE)) == [("system", POLICY * 12)]


def test_a_prompt_over_the_context_window_fails_before_any_call(
    tmp_path: Path, api: FakeAPI, openai_client: openai.OpenAI
) -> None:
    """A pasted document must fail loudly, counted with the model's own tokenizer, before
    anything is sent."""
    settings = "models:\n  openai/gpt-5.4-2026-03-05: {context_window: 4000}\n"
    unit = unit_of(tmp_path, prompt("You answer questions."), settings)
    document = "The quarterly report says revenue grew in every region. " * 400  # ~4,400 tokens
    with pytest.raises(
        InputError,
        match=r"over openai/gpt-5\.4-2026-03-05's context window of 4,000 \(o200k_base\)",
    ):
        openai_client.chat.completions.create(**unit.request({"question": document}))
    assert api.requests == []
    fits = unit.prepare({"question": "The quarterly report says revenue grew. " * 50})
    assert fits.counter == "o200k_base" and 400 < fits.prompt_tokens + 800 < 4000


def test_max_tokens_counts_against_the_window(tmp_path: Path) -> None:
    settings = "models:\n  openai/gpt-5.4-2026-03-05: {context_window: 850}\n"
    unit = unit_of(tmp_path, prompt("You answer questions."), settings)
    with pytest.raises(InputError, match=r"\+ max_tokens 800"):
        unit.request({"question": "What is the refund window for a thermostat bought online?"})


SCHEMA = """\
response_format:
  type: json_schema
  schema:
    type: object
    required: [answer, needs_human]
    properties:
      answer: {type: string}
      needs_human: {type: boolean}
      sources: {type: array, items: {type: integer}}
"""


@pytest.mark.parametrize(
    ("text", "path", "keyword"),
    [
        ('{"answer": "ok"}', "$", "required"),
        ('{"answer": 3, "needs_human": false}', "$.answer", "type"),
        ('{"answer": "ok", "needs_human": false, "sources": [1, "two"]}', "$.sources[1]", "type"),
        ("Sure! Here is the JSON: {", "$", "json"),
        ('{"answer": "ok", "needs_human": NaN}', "$", "json"),
    ],
)
def test_invalid_output_names_the_path_and_keyword(
    tmp_path: Path, text: str, path: str, keyword: str
) -> None:
    unit = unit_of(tmp_path, prompt("Answer.", fmt=SCHEMA))
    with pytest.raises(OutputError) as caught:
        unit.parse(text)
    assert (caught.value.path, caught.value.keyword) == (path, keyword)
    assert path in str(caught.value) or keyword == "json"


def test_output_from_each_sdk_response(
    tmp_path: Path,
    api: FakeAPI,
    openai_client: openai.OpenAI,
    anthropic_client: anthropic.Anthropic,
) -> None:
    unit = unit_of(tmp_path, prompt("Answer.", fmt=SCHEMA))
    inputs = {"question": "q"}
    replies = [
        openai_client.chat.completions.create(**unit.request(inputs)),
        openai_client.responses.create(**unit.request(inputs, api="openai-responses")),
        anthropic_client.messages.create(**unit.request(inputs, model=CLAUDE)),
    ]
    for reply in replies:
        assert unit.parse(reply) == {"answer": "Hold the button for 10 s.", "needs_human": False}
    api.reply = '{"answer": "ok"}'
    with pytest.raises(OutputError, match="needs_human"):
        unit.parse(anthropic_client.messages.create(**unit.request(inputs, model=CLAUDE)))
    text_unit = unit_of(tmp_path / "text", prompt("Answer."))
    assert text_unit.parse(replies[0]) == replies[0].choices[0].message.content  # text: as is
