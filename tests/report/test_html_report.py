"""`registry report --format html`: one self-contained page, readable without JavaScript,
checked in a real headless Chromium (Debian's `chromium`; skipped where it is absent)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from registry.cli import app
from tests.helpers import commit_all, init_repo, write_registry

runner = CliRunner()
SECRET = "sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# what the machine's closed network needs (background connections are refused otherwise)
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def drifting(reg_root: Path) -> Path:
    repo = init_repo(reg_root)
    commit_all(repo, "start")
    v1 = (reg_root / "prompts/answer/v1.yaml").read_text()
    v2 = v1.replace(
        "You are a helpful assistant. Answer briefly.",
        "You are a helpful assistant for Acme\u200b support.\n"
        "      Answer briefly <script>alert(1)</script> & cite the passage.\n"
        f"      Test key: {SECRET}",
    )
    soon = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=5)).isoformat()
    write_registry(
        reg_root,
        {
            "prompts/answer/v2.yaml": v2,
            "environments/staging.yaml": "extends: base\nprompts:\n  answer: {version: 2}\n",
            "environments/prod.yaml": (
                "extends: base\nprompts:\n  classify: {params: {top_p: 0.5}}\n"
                f'ops:\n  credentials: {{openai: "{SECRET}"}}\n'
            ),
            "waivers.yaml": (
                "waivers:\n  - id: top-p-trial\n    envs: [staging, prod]\n"
                "    path: prompts.classify.params.top_p\n    reason: narrower sampling trial\n"
                f"    owner: ml@example.com\n    expires: {soon}\n"
            ),
        },
    )
    return reg_root


def html_report(root: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out" / "drift.html"
    args = ["report", "--root", str(root), "-f", "html", "-o", str(out), "--base", "HEAD"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output  # it gates as check does
    return out


def test_the_page_is_self_contained_escaped_and_redacted(drifting: Path, tmp_path: Path) -> None:
    page = html_report(drifting, tmp_path).read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)  # nothing fetched
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&amp; cite" in page
    assert SECRET not in page and "[REDACTED]" in page
    assert '<mark class="inv"' in page and "\\u200b" in page  # the invisible character, shown
    same = runner.invoke(app, ["check", "--root", str(drifting), "--report", "html=-"])
    assert same.stdout.count("<!DOCTYPE html>") == 1  # --report writes it too


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (CI installs Debian's package)")
def test_chromium_shows_the_report_without_javascript(drifting: Path, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    out = html_report(drifting, tmp_path)
    shot = tmp_path / "report.png"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = browser.new_context(java_script_enabled=False, offline=True)
            page = context.new_page()
            page.goto(out.as_uri())
            text = page.inner_text("body")
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert "registry check: failed" in text
    assert "staging ↔ prod" in text
    assert "prompts.answer.messages[0].content" in text  # the drifting prompt text, side by side
    assert "Acme\\u200b support." in text  # the invisible character, visible
    assert "<script>alert(1)</script>" in text  # shown as text, never run
    assert "prompts/answer/v2.yaml:10" in text  # where each side's value comes from
    assert "Test key: [REDACTED]" in text
    assert re.search(r"classify\s+waived", text)  # a waived unit: its summary, closed
    assert re.search(r"top-p-trial\s+staging ↔ prod\s+prompts\.classify\.params\.top_p", text)
    assert re.search(r"\b5\s+active\s+1\b", text)  # days left, status, covers
    assert "This change:" in text and re.search(r"\d+ → \d+ \(\+\d+\)", text)  # token delta
    assert SECRET not in text
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000
