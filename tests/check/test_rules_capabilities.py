"""PARAM002, TOOL004, PARAM003: settings the model rejects, from the data or registry.yaml,
and never a finding where neither says."""

from __future__ import annotations

MODEL = "openai/internal-2026-10-01"


def registry_yaml(**caps: bool) -> str:
    flags = ", ".join(f"{k}: {str(v).lower()}" for k, v in caps.items())
    return (
        "environments: [dev, staging, prod]\nmodels:\n"
        f"  {MODEL}: {{context_window: 100000, max_output: 8000, {flags}}}\n"
    )


def test_param002_sampling_on_a_model_that_rejects_it(found) -> None:  # type: ignore[no-untyped-def]
    files = {
        "registry.yaml": registry_yaml(sampling=False),
        "environments/base.yaml": None,
    }
    base = (
        "models: {chat: openai/internal-2026-10-01, fast: openai/internal-2026-10-01}\n"
        "params: {temperature: 0.2, max_tokens: 1024}\n"
        "tools:\n  search_kb: {description: S., parameters: {type: object}}\n"
        "rag: {default: {embedding_model: openai/text-embedding-3-large}}\n"
        "prompts:\n  answer: {version: 1, rag: default}\n  classify: {version: 1, model: fast}\n"
    )
    files["environments/base.yaml"] = base
    # where each temperature is set: the layer, and the prompt's own defaults
    both = [("PARAM002", "environments/base.yaml", 2), ("PARAM002", "prompts/answer/v1.yaml", 17)]
    assert found(files, "PARAM002") == both
    files["environments/base.yaml"] = base.replace("temperature: 0.2, ", "")
    assert found(files, "PARAM002") == both[1:]


def test_param002_from_the_data(found) -> None:  # type: ignore[no-untyped-def]
    """The data says Claude Opus 4.7 takes no sampling parameters."""
    files = {"environments/prod.yaml": "extends: base\nmodels: {chat: anthropic/claude-opus-4-7}\n"}
    assert ("PARAM002", "environments/base.yaml", 6) in found(files, "PARAM002")


def test_tool004_tools_without_function_calling(found) -> None:  # type: ignore[no-untyped-def]
    env = "extends: base\nmodels: {chat: openai/internal-2026-10-01}\n"
    files = {"registry.yaml": registry_yaml(tools=False), "environments/prod.yaml": env}
    assert found(files, "TOOL004") != []
    files["registry.yaml"] = registry_yaml(tools=True)
    assert found(files, "TOOL004") == []
    files["registry.yaml"] = registry_yaml()  # unknown: not a finding
    assert found(files, "TOOL004") == []


def test_param003_json_schema_without_structured_output(found) -> None:  # type: ignore[no-untyped-def]
    env = "extends: base\nmodels: {fast: openai/internal-2026-10-01}\n"
    prompt = (
        "variables: {type: object, properties: {text: {type: string}}}\n"
        "messages:\n  - role: user\n    content: 'Classify: {{ text }}'\n"
        "response_format: {type: json_schema, schema: {type: object}}\n"
    )
    files = {
        "registry.yaml": registry_yaml(json_schema=False),
        "environments/prod.yaml": env,
        "prompts/classify/v1.yaml": prompt,
    }
    assert [code for code, _f, _l in found(files, "PARAM003")] == ["PARAM003"]
    files["prompts/classify/v1.yaml"] = prompt.replace(
        "json_schema, schema: {type: object}", "json_object"
    )
    assert found(files, "PARAM003") == []
