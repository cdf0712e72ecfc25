"""The gate cannot be switched off except by a waiver: not by a severity override, not by
--ignore, not by a --select that leaves it out, not by a typo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from registry.cli import app
from tests.helpers import write_registry

runner = CliRunner()
DRIFT = {"environments/prod.yaml": "extends: base\nparams: {temperature: 0.9}\n"}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def drifting(reg_root: Path) -> Path:
    return write_registry(reg_root, DRIFT)


@pytest.mark.parametrize("severity", ["off", "warning", "info", "error"])
@pytest.mark.parametrize("code", ["DRIFT001", "WAIVER004"])
def test_a_severity_override_of_a_gate_code_is_an_error_and_not_applied(
    drifting: Path, code: str, severity: str
) -> None:
    write_registry(
        drifting,
        {"registry.yaml": f"environments: [dev, staging, prod]\nrules:\n  {code}: {severity}\n"},
    )
    exit_code, out, _ = run("check", "--root", str(drifting), "-f", "json")
    findings = json.loads(out)["findings"]
    assert exit_code == 1
    assert any(f["code"] == "DRIFT001" and f["severity"] == "error" for f in findings)
    gate = [f for f in findings if f["code"] == "SCHEMA001" and f["file"] == "registry.yaml"]
    assert gate and gate[0]["line"] == 3 and "waiver" in gate[0]["hint"]


def test_an_unknown_code_in_rules_is_a_finding_naming_the_closest(reg_root: Path) -> None:
    write_registry(reg_root, {"registry.yaml": "rules:\n  CACHE02: error\n  NOPE001: off\n"})
    _code, out, _ = run("check", "--root", str(reg_root), "-f", "json")
    found = {
        (f["line"], f["hint"])
        for f in json.loads(out)["findings"]
        if f["code"] == "SCHEMA001" and f["file"] == "registry.yaml"
    }
    assert (2, "did you mean CACHE002?") in found and any(line == 3 for line, _ in found)


@pytest.mark.parametrize("command", ["check", "report"])
@pytest.mark.parametrize("ignored", ["DRIFT001", "DRIFT", "WAIVER", "W", "WAIVER001,PIN"])
def test_ignoring_a_gate_code_is_exit_2(drifting: Path, command: str, ignored: str) -> None:
    code, out, err = run(command, "--root", str(drifting), "--ignore", ignored)
    assert code == 2 and out == "" and "waiver" in err


@pytest.mark.parametrize("command", ["check", "report", "validate"])
@pytest.mark.parametrize("given", ["--select", "--ignore"])
def test_an_unknown_code_or_prefix_is_exit_2(drifting: Path, command: str, given: str) -> None:
    code, _out, err = run(command, "--root", str(drifting), given, "NOPE")
    assert code == 2 and "unknown code or prefix 'NOPE'" in err
    code, _out, err = run(command, "--root", str(drifting), given, "PIN0001")
    assert code == 2 and "did you mean PIN001?" in err


@pytest.mark.parametrize("command", ["check", "report"])
def test_select_narrows_the_other_rules_only(drifting: Path, command: str) -> None:
    code, out, _ = run(command, "--root", str(drifting), "--select", "PIN", "-f", "json")
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert code == 1 and codes == {"DRIFT001"}  # CACHE002 is gone, the drift is not
    code, out, _ = run(command, "--root", str(drifting), "--ignore", "CACHE", "-f", "json")
    assert code == 1 and {f["code"] for f in json.loads(out)["findings"]} == {"DRIFT001"}


def test_validate_is_unchanged(drifting: Path) -> None:
    code, _out, err = run("validate", "--root", str(drifting), "--ignore", "DRIFT001")
    assert code == 0, err
