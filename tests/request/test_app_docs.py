"""docs/app.md's programs, run as written: this repository's prod rendered with the real CLI,
each program in its own Python process, with the real SDKs talking to the local server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from registry.cli import app
from tests.request.fakeapi import FakeAPI

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "app.md").read_text(), re.S)


def environment(tmp_path: Path, api: FakeAPI) -> dict[str, str]:
    """Render prod as the docs say; the variables a deployed app would have."""
    (tmp_path / "build").mkdir()
    rendered = CliRunner().invoke(
        app, ["render", "prod", "--root", str(ROOT), "-o", str(tmp_path / "build" / "prod.json")]
    )
    assert rendered.exit_code == 0, rendered.output
    digest = rendered.stderr.split("digest ", 1)[1].split(" ", 1)[0]
    env = {
        **os.environ,
        "REGISTRY_ARTIFACT_DIGEST": digest,
        "OPENAI_BASE_URL": f"{api.url}/v1",
        "OPENAI_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": api.url,
        "ANTHROPIC_API_KEY": "test-key",
        "PYTHONPATH": str(ROOT),
    }
    return env


def run(program: str, tmp_path: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_app_programs_run_against_the_providers_wire_formats(
    tmp_path: Path, api: FakeAPI
) -> None:
    assert len(PROGRAMS) == 3  # OpenAI, Anthropic, retries and fallbacks
    env = environment(tmp_path, api)
    answer = "Hold the button for 10 s."
    assert run(PROGRAMS[0], tmp_path, env).startswith(f"{answer} | config sha256:")
    assert run(PROGRAMS[1], tmp_path, env) == f"{answer}\n"
    throttled = {"error": {"message": "slow down", "type": "rate_limit_error"}}
    api.script = [(429, {"retry-after": "0.1"}, throttled)]  # the third program retries it
    assert run(PROGRAMS[2], tmp_path, env) == f"{answer}\n"
    paths = [r.path for r in api.requests]
    assert paths == [
        "/v1/chat/completions",
        "/v1/messages",
        "/v1/chat/completions",
        "/v1/chat/completions",
    ]
    openai_body, anthropic_body = api.bodies[0], api.bodies[1]
    assert (
        openai_body["model"] == "gpt-5.4-2026-03-05" and openai_body["max_completion_tokens"] == 800
    )
    assert anthropic_body["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert api.requests[0].headers["authorization"] == "Bearer test-key"
    claude = api.requests[1].headers  # the key as this SDK version sends it, and its API version
    assert "test-key" in (claude.get("x-api-key") or claude["authorization"])
    assert "anthropic-version" in claude
