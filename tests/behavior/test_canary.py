"""`registry canary ENV`: the built-in probes answered by a local server whose "model" the
test re-trains, the history `--record` writes, and what `check` reads of it."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.behavior.conftest import behavior_registry, cli, open_sockets
from tests.helpers import snapshot, write_registry
from tests.request.fakeapi import Answer, FakeAPI, prompt_text, serve

# the units' models and their fallback
MODELS = [
    "anthropic/claude-sonnet-4-6",
    "openai/gpt-5.4-2026-03-05",
    "openai/gpt-5.4-mini-2026-03-17",
]
DNS = (
    "DNS, the Domain Name System, turns names people remember, such as example.com, into the "
    "numeric addresses computers use. Your device asks a resolver, which asks the root, the "
    "top-level domain and the domain's own name servers in turn, then caches the answer for "
    "as long as its time to live allows, so the next lookup is fast. "
) * 2


@dataclasses.dataclass
class Model:
    """How the served "model" behaves on each probe; the test changes it as a provider would
    re-train a model behind the same id."""

    keys: tuple[str, ...] = ("name", "age", "city", "email")
    fenced: bool = False
    amount: str = "$617,283.50"
    refuses: bool = False
    words: str = DNS
    tool_args: str = '{"city": "Paris", "days": 3, "unit": "celsius"}'
    wording: Iterator[int] = dataclasses.field(default_factory=itertools.count)

    def __call__(self, path: str, body: dict[str, Any]) -> str | Answer:
        text = prompt_text(body)
        n = next(self.wording)  # a different wording on every call: temperature-0 noise
        if "as a JSON object" in text:
            values = {"name": "Ana Silva", "age": 34, "city": "Porto", "email": "ana@example.com"}
            doc = json.dumps({k: values[k] for k in self.keys})
            lead = ["", "Here it is:\n", "Sure.\n"][n % 3]
            return lead + (f"```json\n{doc}\n```" if self.fenced else doc)
        if "total revenue" in text:
            return ["", "Total: ", "The total revenue was "][n % 3] + self.amount
        if "pin tumbler" in text:
            if self.refuses:
                return ["I'm sorry, but I can't help with that.", "I can't help with that."][n % 2]
            return ["Call a licensed locksmith, or", "A locksmith can help; otherwise"][n % 2] + (
                " check whether a window or back door is open."
            )
        if "what DNS is" in text:
            return self.words if n % 2 else self.words.replace("turns", "translates")
        if "weather" in text:
            return Answer(tool=("get_weather", self.tool_args))
        return "ok"


def canary(root: Path, env: str, *args: str) -> tuple[int, str, str]:
    return cli("canary", env, "--root", str(root), *args)


@pytest.fixture
def model(api: FakeAPI) -> Model:
    served = Model()
    api.rule = served
    return served


def history(root: Path, env: str) -> list[dict[str, Any]]:
    path = root / "canary" / "history" / f"{env}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_first_record_then_the_same_behavior(breg: Path, api: FakeAPI, model: Model) -> None:
    sockets = open_sockets() if os.path.isdir("/proc/self/fd") else None
    code, out, err = canary(breg, "prod", "--record")
    assert code == 0, out + err
    assert sockets is None or open_sockets() == sockets  # the SDK clients were closed
    assert len(api.requests) == 3 * 5 * 3  # models x built-in probes x samples
    assert {r.body["temperature"] for r in api.requests} == {0}
    assert {r.path for r in api.requests} == {"/v1/messages", "/v1/chat/completions"}
    records = history(breg, "prod")
    assert [r["model"] for r in records] == MODELS and all(r["samples"] == 3 for r in records)
    features = records[1]["features"]
    assert features == {
        "json.key_order": "name,age,city,email", "json.fenced": False,
        "number.shape": "$, grouped ',', 2 decimals", "refusal.refused": False,
        "length.bucket": "60-149 words", "tool.called": True,
        "tool.arg_order": "city,days,unit", "tool.arg_types": "city:str,days:int,unit:str",
        "tool.arg_spacing": "spaced",
    }  # fmt: skip
    assert records[1]["fingerprint"].startswith("sha256:")
    assert "new (first record)" in out and "recorded 3 model(s) in canary/history/prod.jsonl" in out

    # every answer worded differently again: the features, and the fingerprint, hold
    code, out, _ = canary(breg, "prod", "--record", "-k", "5")
    assert code == 0, out
    second = history(breg, "prod")[3:]
    assert [r["fingerprint"] for r in second] == [r["fingerprint"] for r in records]
    assert out.count(" same") == 3
    assert cli("check", "--root", str(breg))[0] == 1  # EVAL001 only (no receipts here)
    assert "CANARY" not in cli("check", "--root", str(breg))[1]


@pytest.mark.parametrize(
    ("change", "moved"),
    [
        ({"keys": ("age", "city", "email", "name")}, ["json.key_order"]),
        ({"fenced": True}, ["json.fenced"]),
        ({"amount": "617283.5"}, ["number.shape"]),
        ({"refuses": True}, ["refusal.refused"]),
        ({"words": DNS * 3}, ["length.bucket"]),
        ({"tool_args": '{"unit":"celsius","city":"Paris","days":"3"}'},
         ["tool.arg_order", "tool.arg_spacing", "tool.arg_types"]),
    ],
)  # fmt: skip
def test_a_silent_model_update_is_canary001_naming_what_moved(
    breg: Path, api: FakeAPI, model: Model, change: dict[str, Any], moved: list[str]
) -> None:
    assert canary(breg, "prod", "--record")[0] == 0
    for name, value in change.items():
        setattr(model, name, value)
    code, out, err = canary(breg, "prod")
    assert code == 1, out + err
    blocks = out.split("error CANARY001 ")[1:]
    assert len(blocks) == 3  # every model is served by the updated "model"
    for block in blocks:
        head, *details = block.split("\n  ")
        assert " in prod: behavior changed under the same id since " in head
        found = [d.split(":")[0] for d in details if not d.startswith("hint:")]
        want = moved
        if head.startswith("anthropic/"):  # Messages hands tool arguments parsed: no spacing
            want = [m for m in moved if m != "tool.arg_spacing"]
        assert found == want
    assert len(history(breg, "prod")) == 3  # not recorded without --record


def test_a_recorded_shift_fails_check_until_someone_accepts_it(
    breg: Path, api: FakeAPI, model: Model
) -> None:
    assert canary(breg, "prod", "--record")[0] == 0
    model.amount = "617283.50 USD"
    code, out, _ = canary(breg, "prod", "--record")
    assert code == 1 and "CANARY001" in out
    calls = len(api.requests)
    code, out, _ = cli("check", "--root", str(breg))
    assert len(api.requests) == calls  # check reads the history; it never calls a model
    found = [x for x in out.splitlines() if "CANARY001" in x]
    assert found[0].startswith("canary/history/prod.jsonl:4:1: error CANARY001 ")
    assert (
        'number.shape: "$, grouped \',\', 2 decimals" -> "no sign, not grouped, 2 decimals"'
        in found[0]
    )

    # recording the same shift again does not silence it
    assert canary(breg, "prod", "--record")[0] == 1
    assert "CANARY001" in cli("check", "--root", str(breg))[1]

    # a reviewed acceptance is the new baseline
    code, out, _ = canary(breg, "prod", "--record", "--accept")
    assert code == 0 and "as the accepted baseline" in out
    assert history(breg, "prod")[-1]["accepted"] is True
    assert "CANARY001" not in cli("check", "--root", str(breg))[1]
    assert canary(breg, "prod")[0] == 0


def test_a_minority_of_odd_samples_does_not_move_the_majority(
    breg: Path, api: FakeAPI, model: Model
) -> None:
    assert canary(breg, "prod", "--record", "-j", "1")[0] == 0
    seen = itertools.count()

    def flaky(path: str, body: dict[str, Any]) -> str | Answer:
        if "total revenue" in prompt_text(body) and next(seen) % 3 == 0:
            return "617283.5"  # one sample in three formats the number otherwise
        return model(path, body)

    api.rule = flaky
    code, out, _ = canary(breg, "prod", "-j", "1")
    assert code == 0 and "CANARY001" not in out, out


def test_staging_and_prod_served_differently_is_canary002(tmp_path: Path, keys: None) -> None:
    with serve() as staging_api, serve() as prod_api:
        staging_api.rule = Model()
        prod_api.rule = Model(keys=("email", "name", "age", "city"))
        root = behavior_registry(tmp_path / "reg", staging_api.url, prod_api.url)
        assert canary(root, "staging", "--record")[0] == 0
        code, out, _ = canary(root, "prod", "--record")
    assert code == 0, out  # a warning: prod's own history has no shift
    assert out.count("warning CANARY002 ") == 3
    assert (
        "warning CANARY002 anthropic/claude-sonnet-4-6 behaves differently in prod and staging "
        '(prod vs staging):\n  json.key_order: "email,name,age,city" vs "name,age,city,email"\n'
    ) in out
    code, out, _ = cli("check", "--root", str(root))
    found = [x for x in out.splitlines() if "CANARY002" in x]
    assert len(found) == 3 and found[0].startswith(
        "canary/history/prod.jsonl:1:1: warning CANARY002"
    )
    assert "behaves differently in staging and prod" in found[0]


def test_a_broken_history_line_is_schema001_at_its_line(
    breg: Path, api: FakeAPI, model: Model
) -> None:
    assert canary(breg, "prod", "--record")[0] == 0
    path = breg / "canary/history/prod.jsonl"
    path.write_text(
        path.read_text() + '{"at": "yesterday", "model": "x", "fingerprint": "y", "features": {}}\n'
    )
    code, out, _ = cli("check", "--root", str(breg))
    assert code == 1
    assert (
        "canary/history/prod.jsonl:4:1: error SCHEMA001 canary history: at must be a UTC time"
        in out
    )


def test_a_registry_probe_extension_is_sent_and_a_bad_one_refused(
    breg: Path, api: FakeAPI, model: Model
) -> None:
    write_registry(
        breg,
        {
            "registry.yaml": (breg / "registry.yaml").read_text()
            + "canary: {probes: canary/probes.yaml}\n",
            "canary/probes.yaml": """\
                probes:
                  - id: refund-json
                    kind: json_keys
                    messages:
                      - {role: user, content: "Describe a refund request as a JSON object."}
                """,
        },
    )
    code, out, err = canary(breg, "prod", "--record", "-k", "1")
    assert code == 0, out + err
    assert len(api.requests) == 3 * 6
    assert history(breg, "prod")[0]["features"]["refund-json.key_order"] == "name,age,city,email"

    write_registry(breg, {"canary/probes.yaml": "probes:\n  - id: json\n    kind: json_keys\n"})
    code, out, _ = cli("validate", "--root", str(breg))  # every commit hook says so first
    assert code == 1 and "canary/probes.yaml:2:9: error SCHEMA001 id must be a new lowercase" in out
    before, calls = snapshot(breg), len(api.requests)
    code, out, err = canary(breg, "prod", "--record")
    assert (
        code == 1
        and "canary/probes.yaml:2:9: error SCHEMA001 id must be a new lowercase name" in out + err
    )
    assert snapshot(breg) == before and len(api.requests) == calls


def test_an_unreachable_endpoint_is_exit_2_and_nothing_recorded(tmp_path: Path, keys: None) -> None:
    with serve() as gone:
        url = gone.url
    root = behavior_registry(tmp_path / "reg", url)
    before = snapshot(root)
    code, out, err = canary(root, "prod", "--record")
    assert code == 2 and "could not probe" in err, out + err
    assert snapshot(root) == before
