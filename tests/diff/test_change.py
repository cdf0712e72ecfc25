from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from registry.cli import app
from tests.helpers import commit_all, init_repo, snapshot, write_registry

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def repo_root(tmp_path: Path) -> Path:
    root = write_registry(tmp_path / "repo")
    repo = init_repo(root)
    commit_all(repo, "initial registry")
    return root


def test_diff_base_lists_changed_units_with_token_and_cost_delta(repo_root: Path) -> None:
    write_registry(
        repo_root,
        {
            "prompts/answer/v1.yaml": None,
            "prompts/answer/v2.yaml": """\
        variables: {type: object, properties: {question: {type: string}}}
        messages:
          - role: system
            content: |
              You are a helpful assistant. Answer briefly. Cite the passage you used, and say
              when the passages do not contain the answer.
          - {role: user, content: "Question: {{ question }}"}
        defaults: {model: chat, params: {temperature: 0.1, max_tokens: 800}, tools: [search_kb]}
        """,
        },
    )
    write_registry(
        repo_root,
        {
            "environments/staging.yaml": """\
        extends: base
        prompts: {answer: {version: 2}}
        ops: {credentials: {openai: "${OPENAI_KEY_STAGING}"}}
        """
        },
    )
    code, out = run("diff", "--base", "main", "staging", "--root", str(repo_root))
    assert code == 0
    assert out.startswith("this change: main → working tree")
    assert "staging: 1 unit(s) changed, 1 unchanged" in out
    assert "answer (changed): static tokens" in out and "cost per 1,000 calls" in out
    code, out = run(
        "diff", "--base", "main", "--root", str(repo_root), "--format", "json", "--exit-code"
    )
    assert code == 1
    data = json.loads(out)
    change = next(c for c in data["changes"] if c["env"] == "staging")
    assert change["tokens_head"] > change["tokens_base"]
    assert change["usd_per_1k_calls_head"] > change["usd_per_1k_calls_base"]
    assert {d["path"] for d in change["differences"]} >= {"prompts.answer.version"}


def test_attaching_an_eval_set_to_a_published_version_is_not_prm004(repo_root: Path) -> None:
    """description, owner and evals are never behavior: editing them changes no environment,
    so a published version may gain its golden set in place (docs/format.md)."""
    path = repo_root / "prompts/answer/v1.yaml"
    (repo_root / "evals").mkdir()
    (repo_root / "evals/answer.jsonl").write_text(
        '{"id": "hi", "inputs": {"question": "hi"}, "assert": [{"type": "is-json"}]}\n'
    )
    text = path.read_text().replace("Answers a question.", "Answers a question, briefly.")
    path.write_text(text + "evals: {dataset: evals/answer.jsonl, accept: {pass_rate: 0.9}}\n")
    code, out = run("check", "--base", "main", "--root", str(repo_root))
    assert "PRM004" not in out, out
    path.write_text(path.read_text().replace("Answer briefly.", "Answer at length."))
    code, out = run("check", "--base", "main", "--root", str(repo_root))
    assert code == 1 and "prompts/answer/v1.yaml:1:1: error PRM004" in out


def test_check_base_prm004_on_a_published_version(repo_root: Path) -> None:
    path = repo_root / "prompts/answer/v1.yaml"
    path.write_text(path.read_text().replace("Answer briefly.", "Answer at length."))
    code, out = run("check", "--base", "main", "--root", str(repo_root))
    assert code == 1
    assert "prompts/answer/v1.yaml:1:1: error PRM004" in out
    assert "put the change in prompts/answer/v2.yaml" in out
    path.unlink()
    code, out = run("check", "--base", "main", "--root", str(repo_root))
    assert "was deleted" in out


def test_check_base_budget003_growth(repo_root: Path) -> None:
    path = repo_root / "prompts/classify/v2.yaml"
    long = " ".join(["Consider the tone, the sarcasm and the context carefully."] * 60)
    path.write_text(
        (repo_root / "prompts/classify/v1.yaml")
        .read_text()
        .replace("Classify the text as positive or negative.", long)
    )
    write_registry(
        repo_root,
        {
            "environments/base.yaml": (repo_root / "environments/base.yaml")
            .read_text()
            .replace("classify: {version: 1", "classify: {version: 2")
        },
    )
    code, out = run("check", "--base", "main", "--root", str(repo_root))
    assert code == 0
    assert "warning BUDGET003 classify in prod: static prompt tokens grew" in out
    assert "this change: main → working tree" in out


def test_unknown_and_hostile_refs_exit_2(repo_root: Path) -> None:
    before = snapshot(repo_root)
    for ref in ("nope", "--output=/tmp/x", "-n1", "main\nx"):
        code, out = run("check", "--base", ref, "--root", str(repo_root))
        assert code == 2, (ref, out)
    assert "unknown git ref: nope" in run("diff", "--base", "nope", "--root", str(repo_root))[1]
    assert (
        "not a valid git ref"
        in run("render", "prod", "--ref", "--output=/tmp/x", "--root", str(repo_root))[1]
    )
    assert not Path("/tmp/x").exists()
    assert snapshot(repo_root) == before


def test_render_and_validate_at_a_ref(repo_root: Path) -> None:
    write_registry(
        repo_root, {"environments/prod.yaml": "extends: base\nprompts: {x: {version: 1}}\n"}
    )
    assert run("validate", "--root", str(repo_root))[0] == 1
    assert run("validate", "--ref", "HEAD", "--root", str(repo_root))[0] == 0
    result = runner.invoke(app, ["render", "prod", "--ref", "HEAD", "--root", str(repo_root)])
    code, data = result.exit_code, json.loads(result.stdout)
    assert code == 0 and data["source"]["dirty"] is False and len(data["source"]["commit"]) == 40


def test_shallow_clone(repo_root: Path, tmp_path: Path) -> None:
    import git

    repo = git.Repo(repo_root)
    write_registry(
        repo_root,
        {
            "environments/prod.yaml": (repo_root / "environments/prod.yaml").read_text()
            + "routing: {timeout_s: 5}\n"
        },
    )
    commit_all(repo, "prod: shorter timeout")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo_root}", str(clone)], check=True
    )
    code, out = run("check", "--base", "HEAD~1", "--root", str(clone))
    assert code == 2 and "shallow clone" in out and "fetch-depth: 0" in out
    code, out = run("check", "--root", str(clone))
    assert code == 1 and "DRIFT001" in out


def _many_changes(repo_root: Path) -> None:
    """A base commit with more prompts, and a working tree that changes, deletes and adds
    some, and binds one only in prod."""
    bindings = ""
    for i in range(5):
        write_registry(
            repo_root,
            {f"prompts/extra{i}/v1.yaml": f"messages:\n  - {{role: user, content: 'x{i}'}}\n"},
        )
        bindings += f"  extra{i}: {{version: 1}}\n"
    base_layer = repo_root / "environments/base.yaml"
    base_layer.write_text(base_layer.read_text() + bindings)
    commit_all(git_repo(repo_root), "more prompts")
    write_registry(
        repo_root,
        {
            "prompts/extra1/v1.yaml": (  # a literal credential of prod's, pasted in a prompt
                "messages:\n  - {role: user, content: 'changed plain-credential-77'}\n"
            ),
            "prompts/extra3/v1.yaml": None,  # deleted
            "prompts/extra9/v1.yaml": "messages:\n  - {role: user, content: 'new'}\n",
            "environments/prod.yaml": """\
                extends: base
                ops: {credentials: {openai: "${OPENAI_KEY_PROD}", legacy: plain-credential-77}}
                params: {temperature: 0.5}
                prompts: {extra9: {version: 1}}
                """,
        },
    )


def test_check_base_in_batches_equals_one_comparison(
    repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check --base` compares a batch of prompts at a time (flat memory); the result is
    the one a comparison of both whole registries gives, whatever the batch size."""
    import datetime as dt

    from registry.engine import review as change
    from registry.report import render
    from registry.resolve.registry import open_registry

    _many_changes(repo_root)
    today = dt.date(2026, 1, 1)
    whole = change.check_change(
        open_registry(repo_root), open_registry(repo_root, "main"), today=today
    )
    expected = render(whole, "json")
    assert whole.change.changes and any(f.code == "PRM004" for f in whole.findings)
    for size in (1, 2, 1000):
        monkeypatch.setattr(change, "BATCH", size)
        from registry.engine.run import check_registry as check

        head = check(open_registry(repo_root), today=today)
        batched = change.check_against(repo_root, "main", head)
        assert render(batched, "json") == expected, size


@pytest.mark.parametrize(
    ("base", "head", "envs"),
    [("main", None, []), ("main", None, ["staging", "prod"]), ("HEAD~1", "HEAD", ["prod"])],
)
def test_diff_base_in_batches_equals_one_comparison(
    repo_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    base: str,
    head: str | None,
    envs: list[str],
) -> None:
    """`diff --base` too: the same text and JSON as comparing both whole registries."""
    from registry.check.rules.secrets import literal_secrets
    from registry.common.redact import Redactor
    from registry.engine import review as change
    from registry.report.change import text
    from registry.resolve.registry import open_registry

    _many_changes(repo_root)
    head_reg, base_reg = open_registry(repo_root, head), open_registry(repo_root, base)
    whole = change.compare(head_reg, base_reg, envs)
    redact = Redactor(literal_secrets(head_reg) | literal_secrets(base_reg))
    expected = {
        "text": redact(text(whole)),
        "json": redact(json.dumps(whole.as_data(), indent=2, sort_keys=True, ensure_ascii=False))
        + "\n",
    }
    assert whole.changes
    for out in expected.values():  # the working tree pasted prod's literal credential
        assert ("[REDACTED]" in out) == (head is None) and "plain-credential-77" not in out
    for size in (1, 2, 1000):
        monkeypatch.setattr(change, "BATCH", size)
        for fmt in ("text", "json"):
            out, differs = change.change_diff(repo_root, base, head, envs, fmt)
            assert (out, differs) == (expected[fmt], True), (size, fmt)


def git_repo(root: Path) -> object:
    import git

    return git.Repo(root)
