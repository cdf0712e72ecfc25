"""The workflow users meet: the published pre-commit hooks run by the real pre-commit, the CI
recipe's commands run against a fixture registry, `registry init`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from registry.load.yaml import load_bytes
from tests.helpers import commit_all, init_repo, snapshot, write_registry

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env(), capture_output=True, text=True, check=False)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pre-commit", path=str(BIN)) is None, reason="needs pre-commit")
def test_published_hooks_with_real_pre_commit(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "user-registry")
    repo = init_repo(root)
    commit_all(repo, "registry")
    home = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    cmd = [str(BIN / "pre-commit"), "try-repo", str(ROOT)]

    def hook(hook_id: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cmd, hook_id, "--all-files"],
            cwd=root,
            env={**env(), **home},
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    clean = hook("registry-check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"registry check \(drift gate\)\.+Passed", clean.stdout)
    assert hook("registry-validate").returncode == 0
    (root / "environments/prod.yaml").write_text(
        (root / "environments/prod.yaml").read_text() + "routing: {timeout_s: 5}\n"
    )
    commit_all(repo, "prod: shorter timeout")
    drift = hook("registry-check")
    assert drift.returncode == 1
    assert re.search(r"registry check \(drift gate\)\.+Failed", drift.stdout)
    assert "environments/prod.yaml:4:" in drift.stdout and "DRIFT001" in drift.stdout
    assert "routing.timeout_s: 30 in staging, 5 in prod" in drift.stdout


def test_hook_manifest_is_valid() -> None:
    doc, findings = load_bytes((ROOT / ".pre-commit-hooks.yaml").read_bytes(), "hooks")
    assert findings == []
    hooks = {h["id"]: h for h in doc.data}
    assert set(hooks) == {"registry-validate", "registry-check"}
    assert hooks["registry-check"]["pass_filenames"] is False
    for h in hooks.values():
        assert re.match(h["files"], "environments/prod.yaml")
        assert re.match(h["files"], "prompts/answer/v3.yaml")
        assert not re.match(h["files"], "src/app.py")
        assert h["minimum_pre_commit_version"]


def workflow_commands() -> list[str]:
    doc, findings = load_bytes((ROOT / ".github/workflows/registry.yml").read_bytes(), "wf")
    assert findings == [] and doc.data["on"]["pull_request"]  # `on` stays a string key
    steps = doc.data["jobs"]["check"]["steps"]
    assert any(s.get("with", {}).get("fetch-depth") == 0 for s in steps)
    upload = [s for s in steps if "upload-sarif" in s.get("uses", "")]
    assert upload and upload[0]["if"] == "always()"
    return [s["run"] for s in steps if "run" in s and "pip install" not in s["run"]]


def test_ci_recipe_commands_run_against_a_fixture(tmp_path: Path) -> None:
    commands = workflow_commands()
    gates = [c for c in commands if c.startswith("registry check")]
    assert len(gates) == 1, commands  # the base is compared once
    root = write_registry(tmp_path / "reg")
    repo = init_repo(root)
    commit_all(repo, "base")
    repo.git.checkout("-b", "feature")
    (root / "environments/staging.yaml").write_text(
        (root / "environments/staging.yaml").read_text() + "params: {temperature: 0.9}\n"
    )
    commit_all(repo, "staging: warmer")
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    exits = {}
    for command in commands:
        shell = command.replace("${{ steps.base.outputs.ref }}", "main").replace(
            "${{ github.base_ref || 'main' }}", "main"
        )
        assert "${{" not in shell, shell
        proc = subprocess.run(
            ["bash", "-c", shell],
            cwd=root,
            capture_output=True,
            text=True,
            env={**env(), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)},
            check=False,
        )
        exits[command] = proc.returncode
        assert "Traceback" not in proc.stderr, proc.stderr
        if command in gates:
            assert "::error file=environments/staging.yaml" in proc.stdout
    assert exits.pop(gates[0]) == 1  # the gate fails on the drift ...
    assert set(exits.values()) == {0}  # ... and the publishing steps still run
    assert summary.read_text().startswith("## registry check: ❌ failed")
    assert (root / "registry.sarif").is_file()
    assert (root / "registry-report.html").read_text().startswith("<!DOCTYPE html>")


def test_init_creates_a_valid_registry_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "new"
    proc = run([str(BIN / "registry"), "init", str(target)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (target / ".pre-commit-config.yaml").is_file()
    check = run([str(BIN / "registry"), "check", "--root", str(target)], tmp_path)
    assert check.returncode == 0 and "0 error(s), 0 warning(s)" in check.stdout
    (target / "waivers.yaml").write_text("changed\n")
    before = snapshot(target)
    again = run([str(BIN / "registry"), "init", str(target)], tmp_path)
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr
    assert snapshot(target) == before


@pytest.mark.skipif(shutil.which("pre-commit", path=str(BIN)) is None, reason="needs pre-commit")
def test_readme_new_user_flow(tmp_path: Path) -> None:
    """README "Use it in your repository": empty git repo -> init -> a hook that fails on drift."""
    root = tmp_path / "app-config"
    root.mkdir()
    repo = init_repo(root)
    assert run([str(BIN / "registry"), "init"], root).returncode == 0
    commit_all(repo, "registry init")
    assert run([str(BIN / "pre-commit"), "install"], root).returncode == 0
    with (root / "environments/prod.yaml").open("a") as fh:
        fh.write("prompts:\n  answer: {params: {temperature: 0.9}}\n")
    repo.git.add(A=True)
    proc = run(["git", "commit", "-m", "prod: warmer"], root)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr  # git shows hook output on stderr
    assert re.search(r"registry check \(drift gate\)\.+Failed", out)
    assert "error DRIFT001 staging and prod differ in prompts.answer.params.temperature" in out
