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


# -- correctness gaps found by scenarios nobody tuned to ---------------------------------------
def test_log_lists_a_commit_that_changed_only_a_partial(tmp_path: Path) -> None:
    import git

    from tests.helpers import commit_all, init_repo

    root = write_registry(
        tmp_path / "reg",
        {
            "prompts/_partials/tone.j2": "Be kind.\n",
            "prompts/answer/v1.yaml": (
                "variables: {type: object, properties: {question: {type: string}}}\n"
                "messages:\n  - {role: system, content: 'Answer. {% include \"tone.j2\" %}'}\n"
                "  - {role: user, content: '{{ question }}'}\n"
                "defaults: {model: chat}\n"
            ),
        },
    )
    repo = init_repo(root)
    commit_all(repo, "start")
    write_registry(root, {"prompts/_partials/tone.j2": "Be kind and brief.\n"})
    partial_only = commit_all(repo, "tone: brief")
    code, out, _ = run("log", "answer", "--env", "prod", "--root", str(root))
    assert code == 0 and partial_only[:12] in out and "2 change(s)" in out, out
    rendered = CliRunner().invoke(app, ["render", "prod", "--root", str(root)]).stdout
    latest = json.loads(rendered)["units"]["answer"]["fingerprint"]
    assert out.strip().splitlines()[-2].split()[-1] == latest
    assert git.Repo(root).head.commit.hexsha == partial_only


def test_promote_writes_the_minimal_overlay_edit(reg_root: Path) -> None:
    """staging tunes routing.timeout_s: prod gets that key, not all of routing (a later base
    edit of routing.retries must reach both without new drift)."""
    write_registry(
        reg_root,
        {"environments/staging.yaml": "extends: base\nrouting: {timeout_s: 10}\n"},
    )
    code, _out, err = run("promote", "staging", "prod", "--root", str(reg_root))
    assert code == 0, err
    text = (reg_root / "environments/prod.yaml").read_text()
    assert "timeout_s: 10" in text and "retries" not in text and "fallback" not in text
    base = reg_root / "environments/base.yaml"
    base.write_text(base.read_text().replace("max_attempts: 3", "max_attempts: 5"))
    assert run("diff", "staging", "prod", "--exit-code", "--root", str(reg_root))[0] == 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["log", "nope"], "unknown prompt 'nope'"),
        (["promote", "staging", "staging"], "itself"),
    ],
)
def test_pointless_commands_are_clear_errors(reg_root: Path, args: list[str], says: str) -> None:
    from tests.helpers import commit_all, init_repo

    commit_all(init_repo(reg_root), "start")
    code, _out, err = run(*args, "--root", str(reg_root))
    assert code == 2 and says in err


def test_a_parity_pair_named_twice_is_a_finding(reg_root: Path) -> None:
    write_registry(
        reg_root,
        {
            "registry.yaml": "parity:\n  - [staging, prod]\n  - [prod, staging]\n",
            **DRIFT,
        },
    )
    code, out, _ = run("check", "--root", str(reg_root), "-f", "json")
    data = json.loads(out)
    twice = [f for f in data["findings"] if f["code"] == "SCHEMA001" and f["line"] == 3]
    drift = [f for f in data["findings"] if f["code"] == "DRIFT001"]
    assert code == 1 and twice and len(drift) == 1 and len(data["pairs"]) == 1
