from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from registry.cli import app
from tests.helpers import snapshot, write_registry

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_check_clean_registry(reg_root: Path) -> None:
    before = snapshot(reg_root)
    code, out = run("check", "--root", str(reg_root))
    assert code == 0, out
    assert "parity staging ↔ prod: 2 equal, 0 drifting, 0 waived" in out
    assert snapshot(reg_root) == before


def test_findings_are_compiler_style(reg_root: Path) -> None:
    write_registry(reg_root, {"environments/prod.yaml": "extends: base\nparams: {temprature: 1}\n"})
    code, out = run("validate", "--root", str(reg_root))
    assert code == 1
    assert "environments/prod.yaml:2:10: error SCHEMA001 unknown key 'temprature' in params" in out
    assert "hint: did you mean 'temperature'?" in out


def test_json_format(reg_root: Path) -> None:
    code, out = run("validate", "--root", str(reg_root), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["passed"] is True and data["counts"]["error"] == 0


def test_usage_errors_exit_2(reg_root: Path, tmp_path: Path) -> None:
    assert run("render", "qa", "--root", str(reg_root))[0] == 2
    assert run("show", "prod", "nope", "--root", str(reg_root))[0] == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out = run("check", "--root", str(empty))
    assert code == 2 and "no registry found" in out
    assert run("check", "--root", str(reg_root), "--format", "xml")[0] == 2
    assert run("diff", "prod", "--root", str(reg_root))[0] == 2


def test_render_writes_atomically(reg_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "prod.json"
    code, _ = run("render", "prod", "--root", str(reg_root), "-o", str(out))
    assert code == 0
    data = json.loads(out.read_text())
    assert data["environment"] == "prod" and data["format"] == 3
    assert list(tmp_path.glob(".prod.json.*")) == []
    deep = tmp_path / "build" / "deploy" / "prod.json"  # the ci.md recipe writes to build/
    code, _ = run("render", "prod", "--root", str(reg_root), "-o", str(deep))
    assert code == 0 and json.loads(deep.read_text())["environment"] == "prod"
    code, _ = run(
        "report", "--root", str(reg_root), "-f", "sarif", "-o", str(tmp_path / "r" / "o.sarif")
    )
    assert code == 0 and json.loads((tmp_path / "r" / "o.sarif").read_text())["version"] == "2.1.0"
    (tmp_path / "file").write_text("")
    code, _ = run(
        "render", "prod", "--root", str(reg_root), "-o", str(tmp_path / "file" / "x.json")
    )
    assert code == 2


def test_render_refuses_a_broken_environment(reg_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "prod.json"
    out.write_text("previous")
    write_registry(
        reg_root, {"environments/prod.yaml": "extends: base\nprompts: {x: {version: 1}}\n"}
    )
    code, output = run("render", "prod", "--root", str(reg_root), "-o", str(out))
    assert code == 1 and "REF001" in output and "nothing written" in output
    assert out.read_text() == "previous"


def test_internal_error_is_exit_3_with_a_log(
    reg_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry.engine.run

    def boom(*a: object, **k: object) -> None:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(registry.engine.run, "assemble", boom)  # every check path
    code, out = run("validate", "--root", str(reg_root))
    assert code == 3
    assert "internal error (ZeroDivisionError)" in out and "Traceback" not in out
    log = out.split("details in ")[1].strip()
    assert "ZeroDivisionError" in Path(log).read_text()
    Path(log).unlink()


def test_python_dash_m(reg_root: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "registry", "check", "--root", str(reg_root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_select_ignore_and_severity_overrides(reg_root: Path) -> None:
    write_registry(
        reg_root, {"environments/prod.yaml": "extends: base\nmodels: {chat: openai/gpt-4o}\n"}
    )
    code, out = run("validate", "--root", str(reg_root), "--select", "PIN")
    assert code == 1 and " PIN001 " in out and " CACHE002 " not in out
    code, out = run("validate", "--root", str(reg_root), "--ignore", "PIN001,CACHE")
    assert code == 0 and " PIN001 " not in out and " CACHE002 " not in out
    write_registry(reg_root, {"registry.yaml": "rules: {PIN001: warning, CACHE002: 'off'}\n"})
    code, out = run("validate", "--root", str(reg_root))
    assert code == 0 and "warning PIN001" in out and "CACHE002" not in out


def test_show_builds_one_unit_and_shows_what_the_whole_environment_has(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`show` resolves the one unit it shows; its text is what a whole-environment resolution
    gives, for every environment and prompt of this repository's own registry."""
    import registry
    from registry.report import views as diffcmd
    from registry.resolve import environment as resolve

    root = Path(__file__).resolve().parents[2]
    reg = registry.open(root)
    asked: list[Any] = []
    plain = resolve.resolve_environment

    def recording(r: Any, env: str, only: Any = None) -> Any:
        asked.append(only)
        return plain(r, env, only)

    pairs = [(env, pid) for env in reg.environments for pid in sorted(reg.resolve(env).prompts)]
    with monkeypatch.context() as m:  # the whole environment, resolved as `render` does
        m.setattr(reg, "resolve_only", lambda env, _prompts: reg.resolve(env))
        whole = {pair: diffcmd.show_unit(reg, *pair) for pair in pairs}
    monkeypatch.setattr(resolve, "resolve_environment", recording)
    for (env, pid), text in whole.items():
        assert diffcmd.show_unit(reg, env, pid) == text
    assert len(pairs) >= 9 and asked == [[pid] for _env, pid in pairs]


def test_show_a_bound_prompt_that_does_not_resolve(reg_root: Path) -> None:
    (reg_root / "prompts/answer/v1.yaml").unlink()
    code, out = run("show", "prod", "answer", "--root", str(reg_root))
    assert code == 2 and "bound in prod but does not resolve" in out
    code, out = run("show", "prod", "nope", "--root", str(reg_root))
    assert code == 2 and "not bound in prod (bound: answer, classify)" in out
