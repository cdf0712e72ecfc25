"""`registry eval ENV` against a local server speaking the providers' wire formats, through the
real openai and anthropic SDKs, and the receipts it writes as `registry check` gates them."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import registry
from tests.behavior.conftest import CASES, behavior_registry, cli, jsonl, layer, open_sockets
from tests.helpers import snapshot, write_registry
from tests.request.fakeapi import Answer, FakeAPI, prompt_text


def receipts_of(root: Path) -> dict[str, dict[str, Any]]:
    return {
        str(p.relative_to(root)): json.loads(p.read_text())
        for p in sorted((root / "evals" / "receipts").rglob("*.json"))
    }


def fingerprint(root: Path, env: str, prompt: str = "answer") -> str:
    return registry.open(root).resolve(env).prompts[prompt].fingerprint


def test_all_cases_pass_a_receipt_binds_the_fingerprint_and_prod_reuses_it(
    breg: Path, api: FakeAPI
) -> None:
    code, out, err = cli("check", "--root", str(breg))
    assert code == 1 and "error EVAL001 answer in prod" in out, out

    code, out, err = cli("eval", "staging", "--root", str(breg))
    assert code == 0, out + err
    fp = fingerprint(breg, "staging")
    rel = f"evals/receipts/answer/{fp.removeprefix('sha256:')}.json"
    assert f"wrote {rel}" in out
    row = next(line for line in out.splitlines() if line.startswith("answer "))
    assert row.split()[2:5] == ["4", "4", "1.00"]
    assert row.endswith("yes")

    made = receipts_of(breg)[rel]
    assert made["unit_fingerprint"] == fp and made["environment"] == "staging"
    assert made["accepted"] is True and made["failed_criteria"] == []
    s = made["summary"]
    assert (s["cases"], s["passed"], s["pass_rate"]) == (4, 4, 1.0)
    assert (s["tokens_in"], s["tokens_out"]) == (40, 20)  # from each response's usage
    assert s["usd_per_call"] is not None and s["usd_per_call"] > 0  # the catalog's prices
    assert [c["id"] for c in made["cases"]] == [c["id"] for c in CASES]
    assert made["cases"][2]["tool_calls"] == ['search_kb({"query": "E4 error"})']

    # what was sent is what an app sends: the unit's own request, per case
    unit = registry.open(breg).resolve("staging").prompts["answer"]
    sent = sorted((r.body for r in api.requests), key=json.dumps)
    assert sent == sorted((unit.request(c["inputs"]) for c in CASES), key=json.dumps)
    assert {r.headers["authorization"] for r in api.requests} == {"Bearer sk-test-staging"}

    # prod's unit is the same config: the staging receipt gates it, with no second run
    assert fingerprint(breg, "prod") == fp
    code, out, _ = cli("check", "--root", str(breg))
    assert code == 0 and "EVAL" not in out, out
    calls = len(api.requests)
    code, out, _ = cli("eval", "prod", "--root", str(breg))
    assert code == 0 and f"answer: receipt up to date ({rel}); --force runs it again" in out
    assert len(api.requests) == calls
    code, out, _ = cli("eval", "prod", "--root", str(breg), "--force", "-j", "2")
    assert code == 0 and len(api.requests) == calls + 4
    assert receipts_of(breg)[rel]["environment"] == "prod"


def test_a_failing_assertion_is_named_by_eval_and_by_check(breg: Path, api: FakeAPI) -> None:
    def wrong_capital(path: str, body: dict[str, Any]) -> str | Answer:
        if "France" in prompt_text(body):
            return "The capital of France is Lyon."
        return assistant_answer(path, body)

    api.rule = wrong_capital
    code, out, err = cli("eval", "staging", "--root", str(breg))
    assert code == 1, out + err
    assert "  answer / capital: icontains 'paris'" in out
    assert "answer: not accepted: pass rate 0.75 below 1 (3/4 cases passed)" in out
    (made,) = receipts_of(breg).values()
    assert made["accepted"] is False and made["summary"]["passed"] == 3

    code, out, _ = cli("check", "--root", str(breg))
    assert code == 1
    line = next(x for x in out.splitlines() if "EVAL002" in x)
    assert line.startswith("prompts/answer/v1.yaml:19:8: error EVAL002 answer in prod: unit ")
    assert "pass rate 0.75 below 1" in line and "(failing: capital: icontains 'paris')" in line

    # loosening the criteria is a reviewed change of the prompt file: the same receipt passes
    text = (breg / "prompts/answer/v1.yaml").read_text()
    (breg / "prompts/answer/v1.yaml").write_text(text.replace("pass_rate: 1.0", "pass_rate: 0.75"))
    code, out, _ = cli("check", "--root", str(breg))
    assert code == 1 and "EVAL002" in out and "the receipt says it was not accepted" in out
    api.rule = wrong_capital
    code, out, _ = cli("eval", "staging", "--root", str(breg))
    assert code == 0, out
    code, out, _ = cli("check", "--root", str(breg))
    assert code == 0, out


def assistant_answer(path: str, body: dict[str, Any]) -> str | Answer:
    from tests.behavior.conftest import assistant

    return assistant(path, body)


def test_a_429_storm_is_retried_within_the_policy(breg: Path, api: FakeAPI) -> None:
    throttled = (429, {"retry-after-ms": "20"}, {"error": {"message": "Rate limit reached"}})
    api.script = [throttled, throttled]  # the first case's first two tries
    code, out, err = cli("eval", "staging", "--root", str(breg), "-j", "1")
    assert code == 0, out + err
    (made,) = receipts_of(breg).values()
    assert [c["attempts"] for c in made["cases"]] == [3, 1, 1, 1]
    assert len(api.requests) == 6

    # beyond the policy (3 tries): exit 2, nothing written, the next run starts clean
    api.script = [throttled] * 3
    before = snapshot(breg)
    code, out, err = cli("eval", "staging", "--root", str(breg), "-j", "1", "--force")
    assert code == 2, out + err
    assert "could not run the evals of answer: HTTP 429" in err
    assert snapshot(breg) == before


def test_a_request_the_provider_refuses_fails_that_case_only(breg: Path, api: FakeAPI) -> None:
    api.script = [(400, {}, {"error": {"message": "Invalid prompt: flagged"}})]
    code, out, _ = cli("eval", "staging", "--root", str(breg), "-j", "1")
    assert code == 1
    assert "answer / capital: error: HTTP 400: Error code: 400" in out


def test_dry_run_validates_and_sends_nothing(breg: Path, api: FakeAPI) -> None:
    before = snapshot(breg)
    code, out, err = cli("eval", "staging", "--root", str(breg), "--dry-run")
    assert code == 0, err
    assert out.splitlines()[0].split() == ["prompt", "model", "api", "cases", "receipt"]
    assert out.splitlines()[1].split()[:4] == [
        "answer",
        "openai/gpt-5.4-2026-03-05",
        "openai-chat",
        "4",
    ]
    assert "dry run: 4 case(s) of 1 unit(s) would run in staging at concurrency 8" in out
    assert api.requests == [] and snapshot(breg) == before


def test_dry_run_needs_no_credentials(
    breg: Path, api: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_KEY_STAGING")
    assert cli("eval", "staging", "--root", str(breg), "--dry-run")[0] == 0
    code, _, err = cli("eval", "staging", "--root", str(breg))
    assert code == 2 and "no credentials for openai in staging: set OPENAI_KEY_STAGING" in err
    assert api.requests == []


BAD_LINES = [
    ('{"id": "a", "inputs": {"question": "q"}, "assert": [{"type": "contain", "value": "x"}]}',
     42, "assert[0]: unknown assertion type 'contain' (did you mean 'contains'?)"),
    ('{"id": "b", "inputs": {"question": 3}, "assert": [{"type": "is-json"}]}',
     13, "inputs do not fit the prompt's variables: input 'question': 3 is not of type 'string'"),
    ('{"id": "c", "inputs": {"question": "q"}, "assert": []', 54, "not JSON: Expecting ','"),
    ('{"id": "d", "inputs": {"question": "q"}, "assert": [{"type": "regex", "value": "^(a+)+$"}]}',
     42, "regex: pattern '^(a+)+$' can backtrack catastrophically"),
    ('{"id": "e", "inputs": {"question": "q"}, "assert": [{"type": "tool-call", "value": "find"}]}',
     42, "tool-call names 'find', not a tool of the unit (bound: search_kb)"),
    ('{"id": "f", "inputs": {}, "assert": [{"type": "is-json"}]}',
     13, "missing input 'question'"),
    ('{"id": "capital", "inputs": {"question": "q"}, "assert": [{"type": "is-json"}]}',
     2, "case id 'capital' repeats line 1"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "col", "message"), BAD_LINES)
def test_a_bad_dataset_line_is_eval003_at_its_line_in_validate_check_and_eval(
    breg: Path, api: FakeAPI, line: str, col: int, message: str
) -> None:
    good = jsonl(CASES[:1])
    write_registry(breg, {"evals/answer.jsonl": good + line + "\n"})
    for command in ("validate", "check"):
        code, out, _ = cli(command, "--root", str(breg))
        assert code == 1, out
        found = next(x for x in out.splitlines() if "EVAL003" in x)
        assert found.startswith(f"evals/answer.jsonl:2:{col}: error EVAL003 "), found
        assert message in found
    code, out, err = cli("eval", "staging", "--root", str(breg))
    assert code == 1 and "EVAL003" in out + err and api.requests == []
    assert not (breg / "evals" / "receipts").exists()


def test_a_changed_prompt_or_dataset_needs_a_new_run_and_the_old_receipt_is_stale(
    breg: Path, api: FakeAPI
) -> None:
    assert cli("eval", "staging", "--root", str(breg))[0] == 0
    (old,) = receipts_of(breg)

    write_registry(breg, {"evals/answer.jsonl": jsonl(CASES[:3])})
    code, out, _ = cli("check", "--root", str(breg))
    assert code == 1
    assert "was made with another version of evals/answer.jsonl (the dataset changed since)" in out

    write_registry(breg, {"evals/answer.jsonl": jsonl(CASES)})
    text = (breg / "prompts/answer/v1.yaml").read_text()
    (breg / "prompts/answer/v1.yaml").write_text(
        text.replace("Answer briefly.", "Answer in one line.")
    )
    code, out, _ = cli("check", "--root", str(breg))
    assert code == 1
    assert "error EVAL001 answer in prod" in out and "has an eval set but no receipt" in out
    assert f"{old}:1:1: warning EVAL004 receipt matches no unit of any environment" in out


def test_outputs_in_receipts_are_redacted(breg: Path, api: FakeAPI) -> None:
    leaked = "sk-proj-" + "A1b2C3d4" * 4

    def leaky(path: str, body: dict[str, Any]) -> str | Answer:
        return (
            f"Hi! Your key is {leaked}"
            if "Say hi" in prompt_text(body)
            else assistant_answer(path, body)
        )

    api.rule = leaky
    assert cli("eval", "staging", "--root", str(breg))[0] == 0
    (rel,) = receipts_of(breg)
    text = (breg / rel).read_text()
    assert leaked not in text and "Your key is [REDACTED]" in text


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts sockets in /proc")
def test_eval_closes_its_connections(breg: Path, api: FakeAPI) -> None:
    """The SDK clients' connection pools are closed when the run ends (an unclosed socket
    lingers until the collector finds it, in a library user's process too)."""
    before = open_sockets()
    assert cli("eval", "staging", "--root", str(breg))[0] == 0
    assert open_sockets() == before


def test_an_anthropic_unit_goes_through_the_messages_api(
    tmp_path: Path, api: FakeAPI, keys: None
) -> None:
    root = behavior_registry(tmp_path / "reg", api.url)
    staging = (
        layer(api.url, "staging").rstrip(" ")
        + "        prompts:\n          answer: {version: 1, model: anthropic/claude-sonnet-4-6}\n"
    )
    write_registry(root, {"environments/staging.yaml": staging})
    code, out, err = cli("eval", "staging", "--root", str(root))
    assert code == 0, out + err
    assert {r.path for r in api.requests} == {"/v1/messages"}
    assert {r.headers["authorization"] for r in api.requests} == {"Bearer sk-ant-test-staging"}
    (made,) = receipts_of(root).values()
    assert made["model"] == "anthropic/claude-sonnet-4-6" and made["accepted"] is True


def test_the_behavior_paths_may_not_leave_the_registry(breg: Path, api: FakeAPI) -> None:
    text = (breg / "registry.yaml").read_text()
    (breg / "registry.yaml").write_text(
        text.replace("evals: {required: [prod]}", "evals: {required: [prod], receipts: ../out}")
    )
    code, out, err = cli("eval", "staging", "--root", str(breg))
    said = out + err
    assert code == 1 and api.requests == []
    assert "registry.yaml:3:" in said and "SCHEMA001 evals.receipts has an invalid value" in said
    assert not (breg.parent / "out").exists()
    for key, value in (("history", "/tmp/h"), ("probes", "../probes.yaml")):
        write_registry(breg, {"registry.yaml": text + f"canary: {{{key}: {value}}}\n"})
        code, out, _ = cli("validate", "--root", str(breg))
        assert code == 1 and f"SCHEMA001 canary.{key} has an invalid value" in out


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_progress_bar_on_a_terminal(breg: Path, api: FakeAPI) -> None:
    api.delay_s = 0.15
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update({"REGISTRY_PROGRESS_DELAY_S": "0", "TERM": "xterm"})
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "registry", "eval", "staging", "--root", str(breg), "-j", "1"],
        stdout=subprocess.PIPE, stderr=slave, env=env,
    )  # fmt: skip
    os.close(slave)
    out = proc.communicate(timeout=60)[0].decode()
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    err = b"".join(chunks).decode()
    assert proc.returncode == 0, out + err
    assert "registry: evaluating staging [" in err and "] 4/4" not in out
    assert any(f"{n}/4" in err for n in (1, 2, 3)) and "\x1b" not in out


def test_this_repositorys_own_golden_sets_pass_against_a_model_that_answers_them(
    tmp_path: Path, api: FakeAPI, own_keys: None
) -> None:
    """The example registry's eval sets are valid and can be met; one bad answer is named."""
    from tests.behavior.acme import Acme
    from tests.behavior.conftest import own_registry

    root = own_registry(tmp_path, api.url)
    api.rule = Acme()
    code, out, err = cli("eval", "staging", "--root", str(root))
    assert code == 0, out + err
    assert {r["prompt"] for r in receipts_of(root).values()} == {
        "classify-ticket", "summarize-thread", "support-answer"
    }  # fmt: skip
    assert all(r["accepted"] for r in receipts_of(root).values())

    api.rule = Acme(wrong=("charged twice",))
    code, out, _ = cli(
        "eval", "staging", "--root", str(root), "--prompt", "support-answer", "--force"
    )
    assert code == 0, out  # 4 of 5 meets support-answer's pass_rate 0.8
    assert "support-answer / never-repeats-a-card-number: not-contains '4111'" in out


def test_an_incremental_check_sees_what_a_full_one_sees(breg: Path, api: FakeAPI) -> None:
    """Datasets, receipts and history live outside the prompt folders the cache tracks: a
    warm run reads them as a cold one does."""

    def both() -> tuple[int, str]:
        warm = cli("check", "--root", str(breg), "-f", "json")
        cold = cli("check", "--root", str(breg), "-f", "json", "--no-cache")
        assert warm[:2] == cold[:2]
        return warm[0], warm[1]

    assert both()[0] == 1  # EVAL001: no receipt yet
    assert cli("eval", "staging", "--root", str(breg))[0] == 0
    assert both()[0] == 0  # the receipt, seen by the warm run too
    write_registry(breg, {"evals/answer.jsonl": jsonl(CASES) + '{"id": "x"}\n'})
    code, out = both()
    codes = [f["code"] for f in json.loads(out)["findings"]]
    assert code == 1 and "EVAL003" in codes and "EVAL001" in codes
    write_registry(breg, {"evals/answer.jsonl": jsonl(CASES)})
    assert both()[0] == 0


def test_the_eval_gate_cannot_be_selected_ignored_or_turned_off(breg: Path) -> None:
    code, out, err = cli("check", "--root", str(breg), "--ignore", "EVAL001")
    assert code == 2 and out == "" and "accepted receipt" in err
    code, out, _ = cli("check", "--root", str(breg), "--select", "PIN")
    assert code == 1 and "error EVAL001" in out
    text = (breg / "registry.yaml").read_text()
    (breg / "registry.yaml").write_text(text + "rules: {EVAL001: off}\n")
    code, out, _ = cli("check", "--root", str(breg))
    assert code == 1 and "error EVAL001" in out
    assert "SCHEMA001 rules: EVAL001 is the" in out


def test_an_old_format_dataset_says_how_to_write_it_now(breg: Path) -> None:
    write_registry(breg, {"evals/answer.jsonl": '{"question": "hi", "expect_contains": "x"}\n'})
    code, out, _ = cli("validate", "--root", str(breg))
    assert code == 1
    assert (
        'evals/answer.jsonl:1:20: error EVAL003 expect_contains is the old format: "assert": '
        '[{"type": "contains", "value": …}]'
    ) in out
