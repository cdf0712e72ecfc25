"""The bad-input corpus, run through the real CLI: every case gives its finding at its line,
a non-zero exit, no traceback, and changes no file."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from registry.cli import app
from tests.helpers import snapshot, write_registry

CORPUS = Path(__file__).parent / "corpus"
CASES = json.loads((CORPUS / "invalid" / "cases.json").read_text())
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def assert_finding(root: Path, target: str, code: str, line: int) -> str:
    before = snapshot(root)
    exit_code, out = run("check", "--root", str(root))
    assert exit_code == 1, out
    assert f"{target}:{line}:" in out and f" {code} " in out, out
    assert any(ln.startswith(f"{target}:{line}:") and f" {code} " in ln for ln in out.splitlines())
    assert "Traceback" not in out
    assert snapshot(root) == before
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_case(tmp_path: Path, case: str) -> None:
    spec = CASES[case]
    root = write_registry(tmp_path / "reg")
    (root / spec["target"]).write_bytes((CORPUS / "invalid" / case).read_bytes())
    assert_finding(root, spec["target"], spec["code"], spec["line"])


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 30
    assert set(os.listdir(CORPUS / "invalid")) == {*CASES, "cases.json"}


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    big = "extends: base\nops:\n  note: |\n" + ("    " + "x" * 95 + "\n") * 50_000
    (root / "environments/prod.yaml").write_text(big)
    assert_finding(root, "environments/prod.yaml", "YAML006", 1)


def test_symlink_out_of_the_registry(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    outside = tmp_path / "outside.j2"
    outside.write_text("secret stuff\n")
    (root / "prompts/_partials").mkdir(parents=True)
    os.symlink(outside, root / "prompts/_partials/tone.j2")
    assert_finding(root, "prompts/_partials/tone.j2", "REF003", 1)


@pytest.mark.parametrize(
    ("name", "code"), [("Answer Bot", "SCHEMA001"), ("Answer", "SCHEMA001"), ("аnswer", "PRM005")]
)
def test_bad_prompt_ids(tmp_path: Path, name: str, code: str) -> None:
    root = write_registry(tmp_path / "reg")
    shutil.copytree(root / "prompts/answer", root / "prompts" / name)
    assert_finding(root, f"prompts/{name}/v1.yaml", code, 1)


def test_environment_named_like_a_path(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    before = snapshot(root)
    for args in (["render", "../prod"], ["show", "../prod", "answer"], ["diff", "../prod", "prod"]):
        code, out = run(*args, "--root", str(root))
        assert code == 2 and "unknown environment '../prod'" in out
    assert snapshot(root) == before


def test_valid_corpus_has_no_findings(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    shutil.copytree(CORPUS / "valid", root)
    code, out = run("check", "--root", str(root), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["findings"] == [], out
