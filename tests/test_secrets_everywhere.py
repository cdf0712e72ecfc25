"""Secrets never print: every kind of secret, planted in every place a registry (and its git
history) can hold one, is absent from every command's every output format."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest
from typer.testing import CliRunner

from registry.cli import app
from tests.helpers import commit_all, init_repo, write_registry

runner = CliRunner()

PEM_BODY = [
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu",
    "NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ",
]
PEM = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(PEM_BODY) + "\n-----END PRIVATE KEY-----"
SECRETS = {  # kind -> the value planted
    "openai": "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cD0eF",
    "openai-legacy": "sk-" + "Zq7Xw2Lm9Rt4Kp6Bn3Vc" + "T3BlbkFJ" + "Hy8Gf5Ds1Aq0Wn4Ej7Ur",
    "anthropic": "sk-ant-api03-Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8Vb7Nm6",
    "aws": "AKIAQ7WX2LM9RT4KP6BN",
    "google": "AIzaSyQ7wX2lM9rT4kP6bN3vC8hY5gF1dS0aQ9z",
    "github": "ghp_Q7wX2lM9rT4kP6bN3vC8hY5gF1dS0aQ9zE4r",
    "slack": "xoxb-7391048261-Q7wX2lM9rT4kP6bN",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJxN3dYMmxNOSJ9.Q7wX2lM9rT4kP6bN3vC8hY5gF1dS0",
    "pem": PEM,
}
GLUED = "TOOLDESC" + SECRETS["openai"]  # a key glued to a word
ESCAPED = 'Qz8\\Wv4Lm9Rt7KpZx2"Nb'  # a literal that JSON and repr escape
LITERAL = "p4ss-Literal-Vx9Qw2Er7"  # under ops.credentials: not a reference
# What must never appear: a distinctive part of each secret (escapes cannot split these).
NEEDLES = [
    "Ab3dEf6hIj9kLm2nOp5q",
    "Zq7Xw2Lm9Rt4Kp6Bn3Vc",
    "Hy8Gf5Ds1Aq0Wn4Ej7Ur",
    "Qw8Er7Ty6Ui5Op4As3Df",
    "Q7WX2LM9RT4KP6BN",
    "SyQ7wX2lM9rT4kP6bN3v",
    "Q7wX2lM9rT4kP6bN",
    "eyJzdWIiOiJxN3dYMmxNOSJ9",
    "Wv4Lm9Rt7KpZx2",
    "Literal-Vx9Qw2Er7",
    *PEM_BODY,
]


def block(text: str, indent: int) -> str:
    pad = " " * indent
    return "|\n" + "\n".join(pad + line if line else "" for line in text.splitlines()) + "\n"


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry whose prod side holds every secret kind in every place: prompt text, a
    partial, a tool description and a tool schema, ops (credentials and other keys), the
    variables schema; and a git history whose commit subject and author hold them too."""
    root = write_registry(tmp_path_factory.mktemp("planted") / "reg")
    repo = init_repo(root)
    commit_all(repo, "clean start")
    everything = "\n".join([*SECRETS.values(), GLUED, ESCAPED, LITERAL])
    write_registry(
        root,
        {
            "prompts/_partials/keys.j2": everything + "\n",
            "prompts/answer/v2.yaml": (
                "variables:\n  type: object\n  properties:\n    question:\n"
                f"      type: string\n      description: {json.dumps(everything)}\n"
                "messages:\n  - role: system\n    content: "
                + block(everything + '\n{% include "keys.j2" %}', 6)
                + "  - role: user\n    content: 'Q: {{ question }}'\n"
                "defaults: {model: chat, tools: [search_kb]}\n"
            ),
            "environments/prod.yaml": (
                "extends: base\n"
                "prompts: {answer: {version: 2}}\n"
                "tools:\n  search_kb:\n"
                f"    description: {json.dumps(GLUED + ' ' + SECRETS['github'])}\n"
                "    parameters:\n      type: object\n      properties:\n        query:\n"
                f"          type: string\n          x-api-secret: {json.dumps(ESCAPED)}\n"
                "ops:\n"
                f"  credentials: {{openai: {json.dumps(LITERAL)}}}\n"
                f"  note: {json.dumps(everything)}\n"
            ),
        },
    )
    repo.git.add(A=True)
    author = git.Actor(f"ops {SECRETS['anthropic']}", "ops@example.com")
    repo.index.commit(
        f"hot-fix {SECRETS['github']} {SECRETS['openai']} {SECRETS['aws']}",
        author=author,
        committer=author,
    )
    return root


FORMATS = ["text", "json", "markdown", "github", "sarif"]
COMMANDS = (
    [["validate", "-f", f] for f in FORMATS]
    + [["check", "-f", f] for f in FORMATS]
    + [["check", "--base", "HEAD~1", "-f", f] for f in ("text", "json")]
    + [["report", "--format", f] for f in FORMATS]
    + [["report", "--base", "HEAD~1", "--format", f] for f in FORMATS]
    + [["diff", "staging", "prod", "-f", f] for f in ("text", "json")]
    + [["diff", "--base", "HEAD~1", "-f", f] for f in ("text", "json")]
    + [["show", "prod", "answer"], ["show", "staging", "answer"]]
    + [["render", "prod"], ["render", "staging"], ["render", "prod", "--ref", "HEAD"]]
    + [["promote", "prod", "staging", "--dry-run"], ["promote", "staging", "prod", "--dry-run"]]
    + [["log", "answer"], ["log", "answer", "--env", "prod"]]
)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_secret_in_any_output(planted: Path, args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--root", str(planted)])
    text = result.stdout + result.stderr
    assert result.exit_code in (0, 1), text
    assert "Traceback" not in text
    leaked = [needle for needle in NEEDLES if needle in text]
    assert not leaked, f"{leaked} in:\n{text}"
    if args[0] in ("validate", "check") and args[-1] in ("text", "json"):
        assert "SEC001" in text  # they are found, not just hidden


def test_the_secrets_are_really_there(planted: Path) -> None:
    """The test above cannot pass by looking at the wrong registry: every secret is in it."""
    files = "".join(p.read_text() for p in planted.rglob("*.yaml")) + "".join(
        p.read_text() for p in planted.rglob("*.j2")
    )
    log = git.Repo(planted).git.log("-1", "--format=%an %s")
    for needle in NEEDLES:
        assert needle in files or needle in log, needle
