from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import registry
from registry.check.rules.pins import dated, retiring
from registry.engine.run import check_registry as check
from registry.load.settings import Settings
from tests.helpers import write_registry

TODAY = dt.date(2026, 12, 2)
AZURE = {"azure/support-prod": {"model": "openai/gpt-4o-2024-08-06"}}
# (id, pinned (None: provider unknown), in the catalog, PIN004 on TODAY, the rule it rests on)
# The rules: registry.models.naming, each provider's published policy (docs/rules.md, PIN001).
IDS = [
    ("openai/gpt-5-2025-08-07", True, True, "warning", "OpenAI: a dated snapshot"),
    ("openai/gpt-5.1-2025-11-13", True, True, None, "OpenAI: a dated snapshot"),
    ("openai/gpt-5.4-2026-03-05", True, True, None, "OpenAI: a dated snapshot"),
    ("openai/gpt-5.5-2026-04-23", True, True, None, "OpenAI: a dated snapshot"),
    ("openai/o3-2025-04-16", True, True, "warning", "OpenAI: a dated snapshot"),
    ("openai/gpt-4o-2024-08-06", True, True, "warning", "OpenAI: a dated snapshot"),
    ("openai/gpt-4.1-2025-04-14", True, True, "warning", "OpenAI: a dated snapshot"),
    ("openai/gpt-4o", False, True, None, "OpenAI: a name without a date is an alias"),
    ("openai/gpt-5", False, True, None, "OpenAI: a name without a date is an alias"),
    ("openai/chatgpt-4o-latest", False, False, None, "OpenAI: a -latest alias"),
    ("openai/text-embedding-3-large", True, True, None, "OpenAI: embedding model names"),
    ("anthropic/claude-sonnet-4-5-20250929", True, True, "error", "Anthropic: a dated id"),
    ("anthropic/claude-haiku-4-5-20251001", True, True, None, "Anthropic: a dated id"),
    ("anthropic/claude-opus-4-5-20251101", True, True, None, "Anthropic: a dated id"),
    ("anthropic/claude-3-5-sonnet-20241022", True, True, None, "Anthropic: a dated id"),
    ("anthropic/claude-opus-4-6", True, True, None, "Anthropic: from Claude 4.6 on"),
    ("anthropic/claude-sonnet-4-6", True, True, None, "Anthropic: from Claude 4.6 on"),
    ("anthropic/claude-opus-4-7", True, True, None, "Anthropic: from Claude 4.6 on"),
    ("anthropic/claude-sonnet-4-5", False, True, None, "Anthropic: a dateless name before"),
    ("anthropic/claude-opus-4-1", False, False, None, "Anthropic: a dateless name before"),
    ("anthropic/claude-3-7-sonnet-latest", False, False, None, "Anthropic: a -latest alias"),
    ("google/gemini-2.5-pro", True, True, "error", "Google: from Gemini 2.5 on"),
    ("google/gemini-2.5-flash", True, True, "error", "Google: from Gemini 2.5 on"),
    ("google/gemini-1.5-pro-002", True, True, None, "Google: a three-digit version"),
    ("google/gemini-2.0-flash-001", True, True, None, "Google: a three-digit version"),
    ("google/gemini-1.5-pro", False, False, None, "Google: a name without a version"),
    ("google/gemini-flash-latest", False, True, None, "Google: a -latest name"),
    ("google/gemini-2.5-flash-preview-09-2025", True, False, None, "Google: a dated preview"),
    ("vertex/claude-3-5-haiku@20241022", True, True, "error", "Anthropic: a dated id"),
    ("vertex/gemini-2.5-pro", True, True, "error", "Google: from Gemini 2.5 on"),
    ("bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0", True, True, None, "Bedrock: the -vN"),
    ("bedrock/us.anthropic.claude-opus-4-6-v1", True, True, None, "Bedrock: the -vN"),
    ("bedrock/amazon.titan-embed-text-v2:0", True, True, None, "Bedrock: the -vN"),
    ("bedrock/anthropic.claude-instant", False, False, None, "Bedrock: an id without its -vN"),
    ("mistral/mistral-large-2411", True, True, None, "Mistral: a YYMM suffix"),
    ("mistral/codestral-2508", True, True, None, "Mistral: a YYMM suffix"),
    ("mistral/mistral-large-latest", False, True, None, "Mistral: a -latest alias"),
    ("mistral/mistral-small", False, True, None, "Mistral: a name without its YYMM"),
    ("openrouter/anthropic/claude-opus-4-6", True, True, None, "OpenRouter, by Anthropic"),
    ("openrouter/openai/gpt-4o", False, True, None, "OpenRouter, by OpenAI"),
    ("openrouter/meta-llama/llama-3.1-70b-instruct", None, False, None, "OpenRouter: no naming"),
    ("ollama/llama3.1:8b", False, False, None, "Ollama: a name:tag"),
    ("ollama/llama3.1@sha256:" + "a" * 64, True, False, None, "Ollama: a sha256 digest"),
    ("azure/my-deployment", False, False, None, "Azure: a deployment"),
    ("azure/support-prod", True, True, "warning", "runs openai/gpt-4o-2024-08-06"),
    ("acme/model-7", None, False, None, "no naming policy known for provider 'acme'"),
]


@pytest.mark.parametrize(("mid", "pinned", "known", "pin004", "rule"), IDS)
def test_each_providers_naming_policy(
    mid: str, pinned: bool | None, known: bool, pin004: str | None, rule: str
) -> None:
    settings = Settings.from_data({"models": AZURE})
    verdict = settings.pin(mid)
    assert (verdict.pinned, rule in verdict.rule) == (pinned, True), verdict.rule
    assert (settings.model_info(mid) is not None) == known
    retirement = settings.retirement(mid) if pinned else None
    candidates = [retiring(mid, *retirement, ("x.yaml", 1, 1), "m")] if retirement else []
    found = dated(candidates, TODAY, settings.warn_days)
    assert [f.severity for f in found] == ([pin004] if pin004 else [])


def test_the_table_covers_forty_ids_across_the_providers() -> None:
    assert len(IDS) >= 40
    providers = {mid.split("/", 1)[0] for mid, *_ in IDS}
    assert providers >= {"openai", "anthropic", "google", "vertex", "bedrock", "mistral"}
    assert providers >= {"openrouter", "ollama", "azure"}


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


def check_on(root: Path, today: dt.date) -> list[tuple[str, str, str]]:
    result = check(registry.open(root), today=today)
    return [(f.code, f.severity, f.message) for f in result.findings if f.code.startswith("PIN")]


def pin004_hint(root: Path, today: dt.date) -> str | None:
    found = check(registry.open(root), today=today).findings
    return next(f.hint for f in found if f.code == "PIN004")


def test_pin004_retirement_as_of_the_runs_day(tmp_path: Path) -> None:
    """gpt-4o-2024-08-06 retires on 2027-01-14 (the data): silent 91 days ahead, a warning
    within 90 days (naming the date and the successor), an error after the date; the same
    files give the three answers on three days, so caches cannot keep a stale one."""
    root = write_registry(
        tmp_path / "reg",
        {"environments/prod.yaml": "extends: base\nmodels: {chat: openai/gpt-4o-2024-08-06}\n"},
    )
    assert check_on(root, dt.date(2026, 10, 14)) == []
    ((code, severity, message),) = check_on(root, dt.date(2026, 12, 2))
    assert (code, severity) == ("PIN004", "warning")
    assert "retires on 2027-01-14 (in 43 day(s))" in message
    ((code, severity, message),) = check_on(root, dt.date(2027, 1, 20))
    assert (code, severity) == ("PIN004", "error")
    assert "retired on 2027-01-14 (6 day(s) ago)" in message
    assert pin004_hint(root, dt.date(2027, 1, 20)) == "move to openai/gpt-6-luna"


def test_pin004_dates_and_warn_days_from_registry_yaml(tmp_path: Path) -> None:
    root = write_registry(
        tmp_path / "reg",
        {
            "registry.yaml": (
                "environments: [dev, staging, prod]\npins: {warn_days: 10}\nmodels:\n"
                "  openai/internal-2026-10-01: {context_window: 8000, max_output: 1000,"
                " retires: '2027-01-01', successor: openai/internal-2027-01-01}\n"
            ),
            "environments/prod.yaml": "extends: base\nmodels: {chat: openai/internal-2026-10-01}\n",
        },
    )
    assert check_on(root, dt.date(2026, 12, 2)) == []  # 30 days ahead, warn_days 10
    ((_code, severity, _message),) = check_on(root, dt.date(2026, 12, 25))
    assert severity == "warning"
    assert pin004_hint(root, dt.date(2026, 12, 25)) == "move to openai/internal-2027-01-01"


def test_pin005_an_unknown_provider_is_said_not_guessed(found) -> None:  # type: ignore[no-untyped-def]
    files = {"environments/prod.yaml": "extends: base\nmodels: {chat: acme/model-7}\n"}
    assert found(files, "PIN001", "PIN002", "PIN005") == [("PIN005", "environments/prod.yaml", 2)]
    files["registry.yaml"] = (
        "environments: [dev, staging, prod]\npins: {pinned: ['^acme/model-[0-9]+$']}\n"
        "models:\n  acme/model-7: {context_window: 32000, max_output: 4096}\n"
    )
    assert found(files, "PIN001", "PIN002", "PIN005") == []


def test_an_azure_deployment_is_what_registry_yaml_maps_it_to(found) -> None:  # type: ignore[no-untyped-def]
    files = {"environments/prod.yaml": "extends: base\nmodels: {chat: azure/support-prod}\n"}
    assert found(files, "PIN001", "PIN002") == [("PIN001", "environments/prod.yaml", 2)]
    files["registry.yaml"] = (
        "environments: [dev, staging, prod]\n"
        "models:\n  azure/support-prod: {model: openai/gpt-5.4-2026-03-05}\n"
    )
    assert found(files, "PIN001", "PIN002", "PIN004") == []
    mapped = Settings.from_data(
        {"models": {"azure/support-prod": {"model": "openai/gpt-5.4-2026-03-05"}}}
    )
    assert mapped.model_info("azure/support-prod") == mapped.model_info("openai/gpt-5.4-2026-03-05")
