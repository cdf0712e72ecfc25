"""Registries inside a larger repository: annotations and SARIF name the repository's files,
and `registry init` in a subfolder puts its hooks where pre-commit reads them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from registry.cli import app
from tests.helpers import commit_all, init_repo, write_registry
from tests.test_gitops import BIN, run

runner = CliRunner()
DRIFT = "extends: base\nparams: {temperature: 0.9}\n"


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    top = tmp_path / "mono"
    (top / "src").mkdir(parents=True)
    (top / "src" / "app.py").write_text("print('hi')\n")
    (top / ".pre-commit-config.yaml").write_text(
        "# the app's own hooks\nrepos:\n  - repo: local\n    hooks:\n"
        "      - id: app\n        name: app\n        entry: 'true'\n        language: system\n"
    )
    write_registry(top / "llm")
    write_registry(top / "search")
    commit_all(init_repo(top), "two registries")
    return top


def test_github_and_sarif_name_the_repositorys_files(monorepo: Path) -> None:
    write_registry(monorepo / "llm", {"environments/prod.yaml": DRIFT})
    root = str(monorepo / "llm")
    out = runner.invoke(app, ["check", "--root", root, "-f", "github"]).stdout
    assert "::error file=llm/environments/prod.yaml,line=2" in out
    sarif = json.loads(runner.invoke(app, ["check", "--root", root, "-f", "sarif"]).stdout)
    run_ = sarif["runs"][0]
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in run_["results"]
        for loc in r.get("locations", [])
    }
    assert "llm/environments/prod.yaml" in uris and all(u.startswith("llm/") for u in uris)
    base = run_["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == monorepo.resolve().as_uri() + "/"
    text = runner.invoke(app, ["check", "--root", root]).stdout
    assert text.startswith("environments/prod.yaml:2:")  # text keeps registry paths ...
    text = runner.invoke(app, ["check", "--root", root, "--paths", "repo"]).stdout
    assert text.startswith("llm/environments/prod.yaml:2:")  # ... unless asked
    data = json.loads(
        runner.invoke(app, ["check", "--root", root, "-f", "json", "--paths", "repo"]).stdout
    )
    assert any(f["file"] == "llm/environments/prod.yaml" for f in data["findings"])


def test_init_in_subfolders_extends_the_repositorys_hooks(monorepo: Path) -> None:
    shutil.rmtree(monorepo / "llm")
    shutil.rmtree(monorepo / "search")
    for name in ("llm", "search"):
        result = runner.invoke(app, ["init", str(monorepo / name)])
        assert result.exit_code == 0, result.output
        assert not (monorepo / name / ".pre-commit-config.yaml").exists()
    config = (monorepo / ".pre-commit-config.yaml").read_text()
    assert config.startswith("# the app's own hooks\n") and "id: app" in config
    assert config.count("args: [--root, llm, --paths, repo]") == 2
    assert config.count("args: [--root, search, --paths, repo]") == 2
    assert re.search(r"files: \^llm/\(registry", config)
    again = runner.invoke(app, ["init", str(monorepo / "llm")])
    assert again.exit_code == 2


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pre-commit", path=str(BIN)) is None, reason="needs pre-commit")
def test_the_hooks_run_from_the_repository_root(monorepo: Path) -> None:
    import git

    shutil.rmtree(monorepo / "llm")
    shutil.rmtree(monorepo / "search")
    for name in ("llm", "search"):
        assert runner.invoke(app, ["init", str(monorepo / name)]).exit_code == 0
    repo = git.Repo(monorepo)
    commit_all(repo, "registries")
    clean = run([str(BIN / "pre-commit"), "run", "--all-files"], monorepo)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert (
        len(re.findall(r"registry check \(drift gate\) \((llm|search)\)\.+Passed", clean.stdout))
        == 2
    )
    with (monorepo / "llm/environments/prod.yaml").open("a") as fh:
        fh.write("prompts:\n  answer: {params: {temperature: 0.9}}\n")
    drift = run([str(BIN / "pre-commit"), "run", "--all-files"], monorepo)
    assert drift.returncode == 1
    assert re.search(r"registry check \(drift gate\) \(llm\)\.+Failed", drift.stdout)
    assert re.search(r"registry check \(drift gate\) \(search\)\.+Passed", drift.stdout)
    assert "llm/environments/prod.yaml:" in drift.stdout
