"""CLI conventions users' other tools taught them: --version, info findings counted not
listed, -v/-q, --strict, --no-cache, several report formats from one run."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from registry import __version__
from registry.cli import app
from tests.helpers import cache_folder, commit_all, init_repo, write_registry

runner = CliRunner()


def test_version(reg_root: Path) -> None:
    for flag in ("--version", "-V"):
        result = runner.invoke(app, [flag])
        assert result.exit_code == 0 and result.stdout.strip().startswith(f"registry {__version__}")


def test_info_findings_are_counted_unless_asked_for(reg_root: Path) -> None:
    plain = runner.invoke(app, ["check", "--root", str(reg_root)]).stdout
    assert "CACHE002" not in plain and "2 info finding(s) not shown (--show-info" in plain
    for flag in ("--show-info", "-v"):
        listed = runner.invoke(app, ["check", "--root", str(reg_root), flag]).stdout
        assert listed.count("info CACHE002") == 2 and "not shown" not in listed
    data = json.loads(runner.invoke(app, ["check", "--root", str(reg_root), "-f", "json"]).stdout)
    assert sum(f["code"] == "CACHE002" for f in data["findings"]) == 2  # machines get all


def test_quiet_prints_errors_and_the_summary(reg_root: Path) -> None:
    write_registry(reg_root, {"environments/prod.yaml": "extends: base\nparams: {top_p: 0.5}\n"})
    result = runner.invoke(app, ["check", "--root", str(reg_root), "-q"])
    lines = result.stdout.splitlines()
    assert result.exit_code == 1 and "parity" not in result.stdout
    assert "DRIFT001" in lines[0] and lines[-1].startswith("1 error(s)")


def test_strict_fails_on_warnings(reg_root: Path) -> None:
    write_registry(
        reg_root,
        {
            "prompts/answer/v1.yaml": (reg_root / "prompts/answer/v1.yaml")
            .read_text()
            .replace(
                "question: {type: string}", "question: {type: string}\n    unused: {type: string}"
            )
        },
    )
    assert runner.invoke(app, ["validate", "--root", str(reg_root)]).exit_code == 0  # PRM003
    assert runner.invoke(app, ["validate", "--root", str(reg_root), "--strict"]).exit_code == 1


def test_no_cache_writes_no_cache(reg_root: Path) -> None:
    assert runner.invoke(app, ["check", "--root", str(reg_root), "--no-cache"]).exit_code == 0
    assert not cache_folder(reg_root).exists()


def test_several_formats_from_one_run(reg_root: Path, tmp_path: Path) -> None:
    write_registry(reg_root, {"environments/prod.yaml": "extends: base\nparams: {top_p: 0.5}\n"})
    md, sarif = tmp_path / "out" / "summary.md", tmp_path / "out" / "registry.sarif"
    result = runner.invoke(
        app,
        [
            "check",
            "--root",
            str(reg_root),
            "-f",
            "github",
            "--report",
            f"markdown={md}",
            "--report",
            f"sarif={sarif}",
        ],
    )
    assert result.exit_code == 1 and "::error file=environments/prod.yaml" in result.stdout
    alone = runner.invoke(app, ["report", "--root", str(reg_root), "-f", "markdown"]).stdout
    assert md.read_text() == alone
    assert json.loads(sarif.read_text())["runs"][0]["results"]
    bad = runner.invoke(app, ["check", "--root", str(reg_root), "--report", "xml=x"])
    assert bad.exit_code == 2 and not (Path.cwd() / "x").exists()


def test_init_force_no_hooks_and_a_waiver_example_that_holds(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = runner.invoke(app, ["init", str(target), "--no-hooks"])
    assert result.exit_code == 0 and not (target / ".pre-commit-config.yaml").exists()
    assert runner.invoke(app, ["init", str(target)]).exit_code == 2
    (target / "registry.yaml").write_text("broken: [\n")
    assert runner.invoke(app, ["init", str(target), "--force"]).exit_code == 0
    assert (target / ".pre-commit-config.yaml").is_file()
    waivers = target / "waivers.yaml"
    lines = waivers.read_text().splitlines()
    example = [ln[2:] for ln in lines if ln.startswith("# ") and ln[2:3] in ("w", " ")]
    waivers.write_text("\n".join(example[example.index("waivers:") :]) + "\n")
    write_registry(
        target,
        {
            "environments/prod.yaml": "extends: base\nprompts:\n"
            "  answer: {version: 1, params: {temperature: 0.9}}\n"
        },
    )
    out = runner.invoke(app, ["check", "--root", str(target), "-f", "json"]).stdout
    data = json.loads(out)
    assert data["counts"]["error"] == 0 and data["counts"]["waived"] == 1, data["findings"]


def test_drift_names_the_waiver_path_and_waiver004_the_fingerprints(reg_root: Path) -> None:
    write_registry(reg_root, {"environments/prod.yaml": "extends: base\nparams: {top_p: 0.5}\n"})
    out = runner.invoke(app, ["check", "--root", str(reg_root)]).stdout
    assert "differ in prompts.*.params.top_p: 1.0 in staging, 0.5 in prod" in out
    write_registry(
        reg_root,
        {
            "waivers.yaml": "waivers:\n  - id: w\n    envs: [staging, prod]\n"
            "    path: prompts.*.params.top_p\n    reason: r\n    owner: o@example.com\n"
            "    expires: 2099-01-01\n"
            "    expect: {staging: 'sha256:" + "0" * 64 + "'}\n"
        },
    )
    out = runner.invoke(app, ["check", "--root", str(reg_root)]).stdout
    line = next(ln for ln in out.splitlines() if "WAIVER004" in ln)
    assert "staging: expected sha256:" + "0" * 64 + ", now sha256:" in line
    assert "registry diff staging prod prints the current fingerprints" in out


def test_show_json_gives_each_value_with_its_origin(reg_root: Path) -> None:
    result = runner.invoke(app, ["show", "prod", "answer", "--root", str(reg_root), "-f", "json"])
    data = json.loads(result.stdout)
    text = runner.invoke(app, ["show", "prod", "answer", "--root", str(reg_root)]).stdout
    assert result.exit_code == 0 and data["fingerprint"] in text
    assert data["params"]["temperature"] == {
        "value": 0.1,
        "origin": {"file": "prompts/answer/v1.yaml", "line": 17, "column": 25},
    }
    assert data["model"]["value"] == "openai/gpt-5.4-2026-03-05"
    assert data["model"]["origin"]["file"] == "environments/base.yaml"
    assert [m["role"] for m in data["messages"]] == ["system", "user"]


def test_log_json_lists_the_commits_text_shows(reg_root: Path) -> None:
    repo = init_repo(reg_root)
    first = commit_all(repo, "first")
    write_registry(reg_root, {"environments/prod.yaml": "extends: base\nparams: {top_p: 0.5}\n"})
    second = commit_all(repo, "prod: top_p")
    result = runner.invoke(app, ["log", "answer", "--root", str(reg_root), "-f", "json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["prompt"] == "answer"
    prod = data["environments"]["prod"]
    assert [c["commit"] for c in prod] == [first, second]  # oldest first, as text shows them
    assert [c["commit"] for c in data["environments"]["staging"]] == [first]
    assert prod[1]["files"] == ["environments/prod.yaml"] and prod[1]["subject"] == "prod: top_p"
    assert prod[0]["fingerprint"] != prod[1]["fingerprint"]
    bad = runner.invoke(app, ["log", "answer", "--root", str(reg_root), "-f", "yaml"])
    assert bad.exit_code == 2 and "unknown format 'yaml'" in bad.stderr


def test_shell_completion_works_when_asked_for() -> None:
    import os
    import subprocess
    import sys

    exe = Path(sys.executable).parent / "registry"
    env = {k: v for k, v in os.environ.items() if not k.startswith("_REGISTRY")}
    script = subprocess.run(
        [str(exe), "--show-completion"],
        env={**env, "SHELL": "/bin/bash"},
        capture_output=True,
        text=True,
    )
    assert script.returncode == 0 and "_registry_completion" in script.stdout
    words = {"COMP_WORDS": "registry check --ba", "COMP_CWORD": "2"}
    done = subprocess.run(
        [str(exe)],
        env={**env, **words, "_REGISTRY_COMPLETE": "complete_bash"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout.split() == ["--base"]
