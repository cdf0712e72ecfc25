"""`registry request ENV PROMPT --inputs FILE`: the body the SDK sends, for review and curl."""

from __future__ import annotations

import json
from pathlib import Path

import anthropic
import pytest
from typer.testing import CliRunner

import registry
from registry.cli import app
from tests.request.fakeapi import FakeAPI


def request(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["request", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_the_printed_body_is_what_the_sdk_sends(
    reg_root: Path, tmp_path: Path, api: FakeAPI, anthropic_client: anthropic.Anthropic
) -> None:
    inputs = tmp_path / "in.json"
    inputs.write_text(json.dumps({"question": "Where is my order?"}))
    code, out, err = request(
        "prod",
        "answer",
        "--root",
        str(reg_root),
        "-i",
        str(inputs),
        "--model",
        "anthropic/claude-sonnet-4-6",
    )
    assert code == 0, err
    unit = registry.open(reg_root).resolve("prod").prompts["answer"]
    anthropic_client.messages.create(
        **unit.request({"question": "Where is my order?"}, model="anthropic/claude-sonnet-4-6")
    )
    assert json.loads(out) == api.bodies[-1]
    assert "registry: note: top_p: Anthropic's models take temperature or top_p, not both" in err
    assert (
        "anthropic-messages request for anthropic/claude-sonnet-4-6" in err
        and unit.fingerprint in err
    )


def test_inputs_from_stdin_and_another_api(reg_root: Path) -> None:
    code, out, err = request(
        "prod",
        "answer",
        "--root",
        str(reg_root),
        "-i",
        "-",
        "--api",
        "openai-responses",
        stdin='{"question": "hi"}',
    )
    assert code == 0, err
    body = json.loads(out)
    assert body["input"][-1]["content"] == "Question: hi" and body["max_output_tokens"] == 800


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ('{"question": ', 2, "in.json:1:14: not JSON: Expecting value"),
        ('["hi"]', 2, "in.json:1:1: the inputs must be a JSON object, not list"),
        ('{"question": NaN}', 2, "NaN is not JSON"),
        ('{"question": 3}', 1, "in.json: error: input 'question': 3 is not of type 'string'"),
        ("{}", 1, "missing input 'question'"),
    ],
)
def test_bad_inputs(reg_root: Path, tmp_path: Path, text: str, code: int, message: str) -> None:
    inputs = tmp_path / "in.json"
    inputs.write_text(text)
    found, out, err = request("prod", "answer", "--root", str(reg_root), "-i", str(inputs))
    assert (found, out) == (code, "") and message in err and "Traceback" not in err


def test_the_cli_names_the_apis_the_builder_has() -> None:
    """The command keeps its own copy (the CLI starts without the request builders)."""
    from registry.cli.deploy import APIS
    from registry.request.build import APIS as BUILT

    assert APIS == BUILT


def test_unknown_names_are_exit_2(reg_root: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in.json"
    inputs.write_text('{"question": "hi"}')
    base = ["--root", str(reg_root), "-i", str(inputs)]
    assert request("prod", "nope", *base)[0] == 2
    assert "binds no prompt 'nope'" in request("prod", "nope", *base)[2]
    assert request("qa", "answer", *base)[0] == 2
    code, _, err = request("prod", "answer", *base, "--api", "bedrock")
    assert code == 2 and "unknown api 'bedrock'" in err


def test_a_broken_registry_is_refused_as_render_refuses(reg_root: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in.json"
    inputs.write_text('{"question": "hi"}')
    layer = reg_root / "environments" / "prod.yaml"
    layer.write_text(layer.read_text() + "params: {temperature: hot}\n")
    code, out, err = request("prod", "answer", "--root", str(reg_root), "-i", str(inputs))
    assert code == 1 and out == "" and "refusing to build a request for prod" in err


def test_a_budget_overrun_is_exit_1(reg_root: Path, tmp_path: Path) -> None:
    (reg_root / "registry.yaml").write_text(
        "environments: [dev, staging, prod]\n"
        "models:\n  openai/gpt-5.4-2026-03-05: {context_window: 1000}\n"
    )
    inputs = tmp_path / "in.json"
    inputs.write_text(json.dumps({"question": "a long question " * 100}))
    code, out, err = request("prod", "answer", "--root", str(reg_root), "-i", str(inputs))
    assert (
        code == 1
        and out == ""
        and "over openai/gpt-5.4-2026-03-05's context window of 1,000" in err
    )
