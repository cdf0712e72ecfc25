from __future__ import annotations

import pytest

from registry.load.settings import Settings


@pytest.mark.parametrize(
    "mid",
    [
        "openai/gpt-4o-2024-08-06",
        "anthropic/claude-3-5-sonnet-20241022",
        "vertex/claude-3-5-sonnet@20240620",
        "google/gemini-1.5-pro-002",
        "bedrock/anthropic.claude-3-sonnet-20240229-v1:0",
        "bedrock/amazon.titan-embed-text-v2",
        "mistral/mistral-large-2411",
        "azure/gpt-4o-2024-08-06",
        "openai/text-embedding-3-large",
    ],
)
def test_pinned(mid: str) -> None:
    assert Settings.from_data(None).is_pinned(mid)


@pytest.mark.parametrize(
    "mid",
    [
        "openai/gpt-4o",
        "openai/chatgpt-4o-latest",
        "anthropic/claude-3-5-sonnet-latest",
        "anthropic/claude-3-5-sonnet",
        "google/gemini-1.5-flash",
        "mistral/mistral-large-latest",
        "ollama/llama3:latest",
        "openai/gpt-4o-2024-08-06-latest",
    ],
)
def test_floating(mid: str) -> None:
    assert not Settings.from_data(None).is_pinned(mid)


def test_user_patterns() -> None:
    s = Settings.from_data({"pins": {"floating": ["-canary$"], "pinned": [r"^internal/\w+-v\d+$"]}})
    assert s.is_pinned("internal/ranker-v3")
    assert not s.is_pinned("openai/gpt-4o-2024-08-06-canary")


def test_pin001_floating_alias_with_hint(found) -> None:  # type: ignore[no-untyped-def]
    out = found(
        {"environments/prod.yaml": "extends: base\nmodels:\n  chat: openai/gpt-4o\n"}, "PIN001"
    )
    assert out == [("PIN001", "environments/prod.yaml", 3)]


def test_pin001_fallback_and_clean(found) -> None:  # type: ignore[no-untyped-def]
    out = found(
        {
            "environments/prod.yaml": """\
        extends: base
        routing: {fallback: [anthropic/claude-3-5-sonnet-latest]}
        """
        },
        "PIN001",
    )
    assert out == [("PIN001", "environments/prod.yaml", 2)]
    assert found({}, "PIN001", "PIN002", "PIN003") == []


def test_pin002_not_in_catalog(found) -> None:  # type: ignore[no-untyped-def]
    files = {"environments/prod.yaml": "extends: base\nmodels:\n  chat: openai/gpt-4o-2099-01-01\n"}
    assert found(files, "PIN002") == [("PIN002", "environments/prod.yaml", 3)]
    files["registry.yaml"] = "models:\n  openai/gpt-4o-2099-01-01: {context_window: 128000}\n"
    assert found(files, "PIN002") == []


def test_pin003_floating_embedding(found) -> None:  # type: ignore[no-untyped-def]
    out = found(
        {
            "environments/staging.yaml": """\
        extends: base
        rag:
          default: {embedding_model: openai/text-embedding-latest}
        """
        },
        "PIN003",
    )
    assert out == [("PIN003", "environments/staging.yaml", 3)]
