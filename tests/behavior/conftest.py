"""A registry whose staging and prod reach a local server speaking the providers' wire formats
(tests/request/fakeapi.py) through `ops.endpoints`, for the real openai and anthropic SDKs."""

from __future__ import annotations

import contextlib
import json
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from registry.cli import app
from tests.helpers import BASE_FILES, write_registry
from tests.request.fakeapi import Answer, FakeAPI, prompt_text, serve

CASES = [
    {"id": "capital", "inputs": {"question": "What is the capital of France?"},
     "assert": [{"type": "icontains", "value": "paris"}, {"type": "max-length", "value": 80}]},
    {"id": "as-json", "inputs": {"question": "Reply with a JSON status object."},
     "assert": [{"type": "is-json"}, {"type": "json-schema", "value": {
         "type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}}}]},
    {"id": "lookup", "inputs": {"question": "Search the knowledge base for the E4 error."},
     "assert": [{"type": "tool-call", "value": "search_kb"}]},
    {"id": "quick", "inputs": {"question": "Say hi."},
     "assert": [{"type": "starts-with", "value": "Hi"}, {"type": "latency", "value": 5},
                {"type": "cost", "value": 0.01}]},
]  # fmt: skip


def jsonl(cases: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(c) + "\n" for c in cases)


def layer(url: str, env: str) -> str:
    e = env.upper()
    return f"""\
        extends: base
        ops:
          credentials: {{openai: "${{OPENAI_KEY_{e}}}", anthropic: "${{ANTHROPIC_KEY_{e}}}"}}
          endpoints: {{openai: "{url}/v1", anthropic: "{url}"}}
        routing:
          retries: {{max_attempts: 3, backoff: exponential, base_delay_s: 0.01}}
        """


def behavior_registry(root: Path, url: str, prod_url: str | None = None) -> Path:
    """The test registry with an eval set on `answer`, evals required in prod, staging and prod
    a parity pair reaching `url` (prod: `prod_url`, when given)."""
    return write_registry(
        root,
        {
            "registry.yaml": """\
                environments: [dev, staging, prod]
                parity: [[staging, prod]]
                evals: {required: [prod]}
                """,
            "environments/staging.yaml": layer(url, "staging"),
            "environments/prod.yaml": layer(prod_url or url, "prod"),
            "prompts/answer/v1.yaml": textwrap.dedent(BASE_FILES["prompts/answer/v1.yaml"])
            + "evals: {dataset: evals/answer.jsonl, accept: {pass_rate: 1.0, p95_latency_s: 5}}\n",
            "evals/answer.jsonl": jsonl(CASES),
        },
    )


def assistant(path: str, body: dict[str, Any]) -> str | Answer:
    """A model that answers the golden set correctly."""
    text = prompt_text(body)
    if "capital of France" in text:
        return "The capital of France is Paris."
    if "JSON status" in text:
        return '{"ok": true}'
    if "knowledge base" in text:
        return Answer(tool=("search_kb", '{"query": "E4 error"}'))
    return "Hi! How can I help?"


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    with serve() as running:
        running.rule = assistant
        yield running


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The credentials the layers name, as a deploy environment sets them."""
    for env in ("DEV", "STAGING", "PROD"):
        monkeypatch.setenv(f"OPENAI_KEY_{env}", f"sk-test-{env.lower()}")
        monkeypatch.setenv(f"ANTHROPIC_KEY_{env}", f"sk-ant-test-{env.lower()}")


@pytest.fixture
def own_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The credentials this repository's own layers name."""
    for env in ("DEV", "STAGING", "PROD"):
        monkeypatch.setenv(f"OPENAI_API_KEY_{env}", f"sk-test-{env.lower()}")
        monkeypatch.setenv(f"ANTHROPIC_API_KEY_{env}", f"sk-ant-test-{env.lower()}")


@pytest.fixture
def breg(tmp_path: Path, api: FakeAPI, keys: None) -> Path:
    return behavior_registry(tmp_path / "reg", api.url)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


REPO = Path(__file__).resolve().parents[2]


def own_registry(tmp: Path, url: str) -> Path:
    """A copy of this repository's own example registry whose environments reach `url`."""
    import shutil

    root = tmp / "acme"
    parts = (
        "registry.yaml",
        "waivers.yaml",
        "environments",
        "prompts",
        "evals",
        "schemas",
        "canary",
    )
    for part in parts:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, root / part, ignore=shutil.ignore_patterns("receipts"))
        elif src.exists():
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, root / part)
    for env in ("dev", "staging", "prod"):
        layer_file = root / "environments" / f"{env}.yaml"
        text = layer_file.read_text()
        text = text.replace(
            "ops:\n", f'ops:\n  endpoints: {{openai: "{url}/v1", anthropic: "{url}"}}\n', 1
        )
        layer_file.write_text(text)
    return root


def open_sockets() -> int:
    """Sockets this process holds open (Linux: /proc/self/fd)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return count
