from __future__ import annotations

from pathlib import Path

import pytest

import registry
from registry.check.validate import validate
from registry.common.errors import RegistryError
from registry.resolve.units import merge_patch
from tests.helpers import write_registry


@pytest.mark.parametrize(
    ("target", "patch", "result"),
    [  # RFC 7386 appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_rfc7386(target: object, patch: object, result: object) -> None:
    assert merge_patch(target, patch) == result


def test_units_resolve_with_precedence(reg_root: Path) -> None:
    write_registry(
        reg_root,
        {
            "environments/prod.yaml": """\
        extends: base
        prompts:
          answer: {params: {temperature: 0.0}}
        ops: {credentials: {openai: "${K_PROD}"}}
        """
        },
    )
    reg = registry.open(reg_root)
    unit = reg.resolve("prod").prompts["answer"]
    assert unit.model == "openai/gpt-5.4-2026-03-05"
    # env params < prompt defaults < binding
    assert unit.params == {"temperature": 0.0, "top_p": 1.0, "max_tokens": 800}
    assert unit.origin(("params", "temperature"))[:2] == ("environments/prod.yaml", 3)
    assert unit.origin(("params", "max_tokens"))[0] == "prompts/answer/v1.yaml"
    assert unit.origin(("params", "top_p"))[:2] == ("environments/base.yaml", 6)
    assert set(unit.tools) == {"search_kb"}
    assert unit.rag is not None and unit.rag["embedding_model"] == "openai/text-embedding-3-large"
    assert unit.routing["timeout_s"] == 30
    classify = reg.resolve("prod").prompts["classify"]
    assert classify.model == "openai/gpt-5.4-mini-2026-03-17" and classify.tools == {}


def test_null_removes_and_no_extends_inherits_nothing(reg_root: Path) -> None:
    write_registry(
        reg_root,
        {
            "environments/dev.yaml": """\
        extends: base
        routing: {fallback: null}
        prompts: {classify: null}
        """,
            "environments/staging.yaml": "prompts: {}\n",
        },
    )
    reg = registry.open(reg_root)
    dev = reg.resolve("dev")
    assert "fallback" not in dev.prompts["answer"].routing
    assert set(dev.prompts) == {"answer"}
    assert reg.resolve("staging").prompts == {}


def _codes(root: Path) -> list[tuple[str, str, int]]:
    reg = registry.open(root)
    return [
        (f.code, f.file or "", f.line or 0) for f in validate(reg).findings if f.severity == "error"
    ]


def test_extends_cycle_and_unknown(reg_root: Path) -> None:
    write_registry(
        reg_root,
        {
            "environments/dev.yaml": "extends: staging\n",
            "environments/staging.yaml": "extends: dev\n",
            "environments/prod.yaml": "extends: nowhere\n",
        },
    )
    found = _codes(reg_root)
    assert ("REF002", "environments/staging.yaml", 1) in found
    assert ("REF001", "environments/prod.yaml", 1) in found


def test_unknown_references_point_at_the_reference(reg_root: Path) -> None:
    write_registry(
        reg_root,
        {
            "environments/prod.yaml": """\
        extends: base
        prompts:
          answer: {version: 7}
          classify: {version: 1, model: huge, rag: nope}
          missing: {version: 1}
        """
        },
    )
    found = _codes(reg_root)
    assert ("REF001", "environments/prod.yaml", 3) in found  # version 7
    assert ("REF001", "environments/prod.yaml", 4) in found  # alias huge, profile nope
    assert ("REF001", "environments/prod.yaml", 5) in found  # prompt missing
    messages = [f.message for f in validate(registry.open(reg_root)).findings]
    assert any("unknown model alias 'huge'" in m for m in messages)
    assert any("unknown RAG profile 'nope'" in m for m in messages)


def test_unknown_environment_is_a_usage_error(reg_root: Path) -> None:
    with pytest.raises(RegistryError, match="unknown environment 'qa'"):
        registry.open(reg_root).resolve("qa")


def test_partials_are_inlined(reg_root: Path) -> None:
    write_registry(
        reg_root,
        {
            "prompts/_partials/tone.j2": "Be kind.\n",
            "prompts/answer/v1.yaml": """\
            variables: {type: object, properties: {question: {type: string}}}
            messages:
              - role: system
                content: |
                  Intro.
                  {% include "tone.j2" %}
                  Outro.
              - {role: user, content: "{{ question }}"}
            defaults: {model: chat}
            """,
        },
    )
    reg = registry.open(reg_root)
    unit = reg.resolve("prod").prompts["answer"]
    assert unit.messages[0]["content"] == "Intro.\nBe kind.\nOutro.\n"
    assert unit.render(question="q")[0]["content"] == "Intro.\nBe kind.\nOutro."


def test_overlays_patch_one_field_of_a_tool_or_profile(reg_root: Path) -> None:
    write_registry(
        reg_root,
        {
            "environments/prod.yaml": """\
        extends: base
        rag: {default: {top_k: 9}, extra: {top_k: 1}}
        tools: {search_kb: {description: Search it.}, lookup: {description: Look up.}}
        prompts: {answer: {rag: extra}}
        """
        },
    )
    reg = registry.open(reg_root)
    prod = reg.resolve("prod")
    assert prod.merged["rag"]["default"]["embedding_model"] == "openai/text-embedding-3-large"
    assert prod.merged["tools"]["search_kb"]["parameters"]["required"] == ["query"]
    found = {(f.code, f.line) for f in validate(reg).findings if f.file == "environments/prod.yaml"}
    assert ("SCHEMA001", 2) in found  # profile 'extra' has no embedding_model
    assert ("SCHEMA001", 3) in found  # tool 'lookup' has no parameters
