from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import registry
from registry.cli import app
from registry.diff.units import diff_environments
from tests.helpers import snapshot, write_registry

runner = CliRunner()

PROD = """\
extends: base   # prod overlay
# keep this comment
ops:
  credentials: {openai: "${OPENAI_KEY_PROD}"}
prompts:
  answer: {params: {temperature: 0.7}}   # incident 4711
"""


def test_promote_removes_the_hotfix_and_keeps_comments(reg_root: Path) -> None:
    write_registry(reg_root, {"environments/prod.yaml": PROD})
    before = snapshot(reg_root)
    result = runner.invoke(
        app, ["promote", "staging", "prod", "--dry-run", "--root", str(reg_root)]
    )
    assert result.exit_code == 0 and "-  answer: {params: {temperature: 0.7}}" in result.output
    assert snapshot(reg_root) == before
    result = runner.invoke(app, ["promote", "staging", "prod", "--root", str(reg_root)])
    assert result.exit_code == 0
    text = (reg_root / "environments/prod.yaml").read_text()
    assert text == (
        "extends: base   # prod overlay\n# keep this comment\nops:\n"
        '  credentials: {openai: "${OPENAI_KEY_PROD}"}\n'
    )
    reg = registry.open(reg_root)
    assert diff_environments(reg.resolve("staging"), reg.resolve("prod"))[1] == []
    again = runner.invoke(app, ["promote", "staging", "prod", "--root", str(reg_root)])
    assert "nothing to change" in again.output


def test_promote_one_prompt_only(reg_root: Path) -> None:
    write_registry(
        reg_root,
        {
            "environments/staging.yaml": """\
        extends: base
        models: {chat: openai/gpt-4o-2024-11-20}
        prompts:
          classify: {params: {temperature: 0.0}}
        ops: {credentials: {openai: "${OPENAI_KEY_STAGING}"}}
        """
        },
    )
    result = runner.invoke(
        app, ["promote", "staging", "prod", "--prompt", "answer", "--root", str(reg_root)]
    )
    assert result.exit_code == 0, result.output
    reg = registry.open(reg_root)
    staging, prod = reg.resolve("staging"), reg.resolve("prod")
    assert prod.prompts["answer"].fingerprint == staging.prompts["answer"].fingerprint
    assert prod.prompts["classify"].fingerprint != staging.prompts["classify"].fingerprint


def test_promote_unknown_env_is_usage_error(reg_root: Path) -> None:
    result = runner.invoke(app, ["promote", "staging", "qa", "--root", str(reg_root)])
    assert result.exit_code == 2


# A generated staging overlay: any mix of the changes a team makes in one environment.
changes = st.fixed_dictionaries(
    {},
    optional={
        "version": st.just(2),
        "temperature": st.sampled_from([0.0, 0.5, 0.9]),
        "max_tokens": st.integers(1, 4000),
        "model": st.sampled_from(["fast", "openai/gpt-4o-2024-11-20"]),
        "tools": st.sampled_from([[], ["search_kb"], ["search_kb", "lookup"]]),
        "rag": st.sampled_from([None, "default", "small"]),
        "timeout": st.integers(1, 120),
        "embedding": st.sampled_from(["openai/text-embedding-3-small"]),
        "unbind_classify": st.just(True),
        "add_extra": st.just(True),
    },
)


def staging_overlay(c: dict[str, object]) -> str:
    binding: dict[str, object] = {}
    for key in ("version", "model", "tools", "rag"):
        if key in c:
            binding[key] = c[key]
    params = {k: c[k] for k in ("temperature", "max_tokens") if k in c}
    if params:
        binding["params"] = params
    lines = [
        "extends: base",
        "tools:",
        "  lookup: {description: Look up., parameters: {type: object}}",
        "rag:",
        "  small: {embedding_model: openai/text-embedding-3-small, top_k: 2}",
    ]
    if "embedding" in c:
        lines.append(f"  default: {{embedding_model: {c['embedding']}}}")
    if "timeout" in c:
        lines.append(f"routing: {{timeout_s: {c['timeout']}}}")
    lines.append("prompts:")
    lines.append(f"  answer: {json.dumps(binding)}")
    if "unbind_classify" in c:
        lines.append("  classify: null")
    if "add_extra" in c:
        lines.append("  extra: {version: 1, model: fast}")
    lines.append('ops: {credentials: {openai: "${OPENAI_KEY_STAGING}"}}')
    return "\n".join(lines) + "\n"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(changes)
def test_promote_then_diff_is_empty(tmp_path: Path, c: dict[str, object]) -> None:
    root = tmp_path / "gen"
    if root.exists():
        shutil.rmtree(root)
    write_registry(
        root,
        {
            "environments/staging.yaml": staging_overlay(c),
            "prompts/answer/v2.yaml": "variables: {type: object, properties: "
            "{question: {type: string}}}\n"
            "messages:\n  - {role: system, content: Be terse.}\n"
            "  - {role: user, content: '{{ question }}'}\ndefaults: {model: chat}\n",
            "prompts/extra/v1.yaml": "messages:\n  - {role: user, content: Hi.}\n",
        },
    )
    reg = registry.open(root)
    assert reg.resolve("staging").complete
    result = runner.invoke(app, ["promote", "staging", "prod", "--root", str(root)])
    assert result.exit_code == 0, result.output
    after = registry.open(root)
    assert diff_environments(after.resolve("staging"), after.resolve("prod"))[1] == []
    assert "${OPENAI_KEY_PROD}" in (root / "environments/prod.yaml").read_text()


def test_promote_resolves_the_whole_environment_a_fixed_number_of_times(
    reg_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planning re-resolves one prompt at a time: the whole of TO is resolved once, however
    many prompts differ (it was once per prompt and field: 33 minutes at 10,000 prompts)."""
    import registry.edit.promote as promote_mod

    answer = (reg_root / "prompts/answer/v1.yaml").read_text()
    files: dict[str, str | bytes | None] = {}
    hotfixes = ""
    for i in range(30):
        files[f"prompts/extra{i}/v1.yaml"] = answer
        hotfixes += f"  extra{i}: {{version: 1, params: {{temperature: 0.{i % 9 + 1}}}}}\n"
    base = (reg_root / "environments/base.yaml").read_text()
    files["environments/base.yaml"] = base + "".join(
        f"  extra{i}: {{version: 1}}\n" for i in range(30)
    )
    files["environments/prod.yaml"] = PROD.replace("prompts:\n", "prompts:\n" + hotfixes)
    write_registry(reg_root, files)
    whole = []
    real = promote_mod.resolve_environment

    def counting(reg: object, env: str, only: object = None) -> object:
        if only is None:
            whole.append(env)
        return real(reg, env, only)  # type: ignore[arg-type]

    monkeypatch.setattr(promote_mod, "resolve_environment", counting)
    result = promote_mod.promote(registry.open(reg_root), "staging", "prod")
    assert len(result.ops) >= 20 and whole == ["prod"]
    (reg_root / result.file).write_text(result.after)
    after = registry.open(reg_root)
    equal, diffs = diff_environments(after.resolve("staging"), after.resolve("prod"))
    assert diffs == [] and len(equal) == 32
