from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import git
import pytest
from typer.testing import CliRunner

import registry
from registry import history
from registry.cli import app
from registry.gate import check
from tests.helpers import commit_all, init_repo, write_registry

runner = CliRunner()


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, (old, rel)
    path.write_text(text.replace(old, new))


@pytest.fixture
def repo(tmp_path: Path) -> git.Repo:
    root = write_registry(tmp_path / "repo")
    r = init_repo(root)
    commit_all(r, "initial registry")
    return r


def test_log_lists_fingerprint_changes(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    edit(root, "environments/base.yaml", "timeout_s: 30", "timeout_s: 40")
    commit_all(repo, "longer timeout")
    edit(root, "prompts/classify/v1.yaml", "Classify", "Label")  # another prompt only
    commit_all(repo, "classify wording")
    edit(
        root,
        "environments/prod.yaml",
        "extends: base\n",
        "extends: base\nprompts: {answer: {params: {temperature: 0.5}}}\n",
    )
    commit_all(repo, "prod hot-fix")
    changes = history.log(root, "answer", "prod")
    assert [c.subject for c in changes] == ["initial registry", "longer timeout", "prod hot-fix"]
    assert changes[-1].files == ["environments/prod.yaml"]
    assert changes[1].files == ["environments/base.yaml"]
    unit = registry.open(root).resolve("prod").prompts["answer"]
    assert changes[-1].fingerprint == unit.fingerprint
    result = runner.invoke(app, ["log", "answer", "--env", "staging", "--root", str(root)])
    assert result.exit_code == 0
    assert "answer in staging: 2 change(s)" in result.output
    assert "longer timeout  [environments/base.yaml]" in result.output


def test_log_follows_merges_renames_and_deletions(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    repo.git.checkout("-b", "feature")
    shutil.copy(root / "prompts/answer/v1.yaml", root / "prompts/answer/v2.yaml")
    edit(root, "prompts/answer/v2.yaml", "Answer briefly.", "Answer briefly, in English.")
    edit(root, "environments/base.yaml", "answer: {version: 1", "answer: {version: 2")
    commit_all(repo, "answer v2")
    repo.git.checkout("main")
    edit(root, "environments/base.yaml", "timeout_s: 30", "timeout_s: 31")
    commit_all(repo, "main: timeout")
    repo.git.merge("feature", "--no-ff", "-m", "merge feature")
    repo.git.mv("prompts/classify", "prompts/label")
    edit(root, "environments/base.yaml", "classify:", "label:")
    commit_all(repo, "rename classify to label")
    edit(root, "environments/base.yaml", "  label: {version: 1, model: fast}\n", "")
    repo.git.rm("-r", "-q", "prompts/label")
    commit_all(repo, "delete label")
    answer = [c.subject for c in history.log(root, "answer", "prod")]
    assert answer == ["initial registry", "main: timeout", "merge feature"]
    classify = history.log(root, "classify", "prod")
    assert [c.subject for c in classify] == [
        "initial registry",
        "main: timeout",
        "rename classify to label",
    ]
    assert classify[-1].fingerprint is None
    label = history.log(root, "label", "prod")
    assert [(c.subject, c.fingerprint is None) for c in label] == [
        ("rename classify to label", False),
        ("delete label", True),
    ]


def test_check_says_since_when_the_drift_exists(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    edit(
        root,
        "environments/prod.yaml",
        "extends: base\n",
        "extends: base\nprompts: {answer: {params: {temperature: 0.5}}}\n",
    )
    hotfix = commit_all(repo, "prod hot-fix")
    edit(root, "prompts/classify/v1.yaml", "Classify", "Label")
    commit_all(repo, "unrelated")
    result = check(registry.open(root), today=dt.date.today())
    since = result.pairs[0].since["answer"]
    assert since is not None and since.commit == hotfix
    out = runner.invoke(app, ["report", "--format", "json", "--root", str(root)]).output
    data = json.loads(out)
    assert data["pairs"][0]["since"]["answer"]["commit"] == hotfix
    assert data["pairs"][0]["since"]["answer"]["days"] == 0
    text = runner.invoke(app, ["check", "--root", str(root)]).output
    assert f"answer: drifting since {hotfix[:12]}" in text
