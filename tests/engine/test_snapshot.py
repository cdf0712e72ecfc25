"""The run snapshot is invisible: after any edit, an incremental `check`/`validate` reports
exactly what a full run (REGISTRY_CACHE=0) reports, and it re-checks only changed prompts."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from registry.cli import app
from registry.resolve import registry as repo_module
from tests.helpers import (
    BASE_FILES,
    cache_body,
    cache_folder,
    commit_all,
    init_repo,
    write_registry,
)

runner = CliRunner()

DRIFT = {
    "environments/staging.yaml": """\
        extends: base
        ops:
          credentials: {openai: "${OPENAI_KEY_STAGING}"}
        prompts:
          answer: {version: 2}
        """,
    "prompts/answer/v2.yaml": """\
        messages:
          - role: system
            content: You are a careful assistant.
          - role: user
            content: "Question: {{ question }}"
        variables: {type: object, properties: {question: {type: string}}}
        """,
}

# Edits a pull request makes. Those under prompts/<id>/ alone take the incremental path.
EDITS: dict[str, dict[str, str | None]] = {
    "reword": {
        "prompts/answer/v1.yaml": """\
            variables: {type: object, required: [question], properties: {question: {type: string}}}
            messages:
              - {role: system, content: "You are a helpful assistant. Be brief."}
              - {role: user, content: "Question: {{ question }}"}
            defaults: {model: chat, tools: [search_kb]}
            """
    },
    "floating model": {
        "prompts/classify/v1.yaml": """\
            messages:
              - {role: user, content: "Classify: {{ text }}"}
            defaults: {model: openai/gpt-4o}
            """
    },
    "undeclared variable": {
        "prompts/answer/v2.yaml": """\
            messages:
              - {role: user, content: "{{ question }} {{ tone }}"}
            variables: {type: object, properties: {question: {type: string}}}
            """
    },
    "broken yaml": {"prompts/classify/v1.yaml": "messages: [\n"},
    "secret": {
        "prompts/classify/v1.yaml": """\
            messages:
              - {role: user, content: "key sk-abcdefghijklmnopqrstuvwx1234 {{ text }}"}
            """
    },
    "delete prompt": {"prompts/classify/v1.yaml": None},
    "new prompt": {"prompts/summarize/v1.yaml": "messages:\n  - {role: user, content: hi}\n"},
    "lines move": {  # same fingerprints, new line numbers: a reused diff must move with them
        "prompts/answer/v2.yaml": "# canary\n# of v2\n" + DRIFT["prompts/answer/v2.yaml"]
    },
    "misnamed file": {"prompts/answer/V3.yaml": "messages: []\n"},
    "stray file": {"prompts/answer/notes.txt": "not registry data\n"},
    "layer edit": {
        "environments/prod.yaml": """\
            extends: base
            ops:
              credentials: {openai: "${OPENAI_KEY_PROD}"}
            params: {temperature: 0.7}
            """
    },
    "base edit": {  # a shared value: every unit's fingerprint moves, the drift stays
        "environments/base.yaml": BASE_FILES["environments/base.yaml"].replace(
            "max_tokens: 1024", "max_tokens: 900"
        )
    },
    "pair edit": {
        "registry.yaml": """\
            environments: [dev, staging, prod]
            parity: [[dev, staging], [dev, prod], [staging, prod]]
            """
    },
    "partial": {"prompts/_partials/tone.j2": "Be kind."},
    "waiver": {
        "waivers.yaml": """\
            waivers:
              - id: answer-rollout
                envs: [staging, prod]
                path: prompts.answer
                reason: canary of v2
                owner: team@example.com
                expires: 2099-01-01
            """
    },
}


@pytest.fixture
def drifting(tmp_path: Path) -> Path:
    root = write_registry(tmp_path / "reg")
    write_registry(root, DRIFT)
    repo = init_repo(root)
    commit_all(repo, "staging canaries answer v2")
    return root


def run(root: Path, command: str, monkeypatch: pytest.MonkeyPatch, cache: bool) -> tuple[int, Any]:
    with monkeypatch.context() as m:
        if not cache:
            m.setenv("REGISTRY_CACHE", "0")
        result = runner.invoke(app, [command, "--root", str(root), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    report.pop("root", None)
    return result.exit_code, report


def assert_invisible(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for command in ("check", "validate"):
        assert run(root, command, monkeypatch, True) == run(root, command, monkeypatch, False)


class Spy:
    """Which prompts each Registry of a run loaded (None: all of them)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loads: list[Any] = []
        original = repo_module.Registry.__init__

        def init(reg: Any, *args: Any, **kwargs: Any) -> None:
            only = kwargs.get("only_prompts")
            self.loads.append(None if only is None else sorted(only))
            original(reg, *args, **kwargs)

        monkeypatch.setattr(repo_module.Registry, "__init__", init)


def test_a_prompt_edit_rechecks_only_that_prompt(
    drifting: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run(drifting, "check", monkeypatch, True)
    assert first[0] == 1 and any(f["code"] == "DRIFT001" for f in first[1]["findings"])
    spy = Spy(monkeypatch)
    write_registry(drifting, EDITS["floating model"])
    code, report = run(drifting, "check", monkeypatch, True)
    assert spy.loads[0] == ["classify"]  # then the since-walk's loads, if any
    assert any(f["code"] == "PIN001" for f in report["findings"])
    spy.loads.clear()
    assert run(drifting, "check", monkeypatch, True) == (code, report)
    assert spy.loads == [[]]  # nothing changed: only the shared files are loaded
    assert_invisible(drifting, monkeypatch)


def test_a_shared_edit_runs_in_full(drifting: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(drifting, "check", monkeypatch, True)
    spy = Spy(monkeypatch)
    write_registry(drifting, EDITS["layer edit"])
    run(drifting, "check", monkeypatch, True)
    assert spy.loads[0] is None
    assert_invisible(drifting, monkeypatch)


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_each_edit_is_invisible(drifting: Path, monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    run(drifting, "check", monkeypatch, True)
    run(drifting, "validate", monkeypatch, True)
    write_registry(drifting, EDITS[edit])
    assert_invisible(drifting, monkeypatch)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(sorted(EDITS)), min_size=2, max_size=4))
def test_edit_sequences_are_invisible(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, edits: list[str]
) -> None:
    root = write_registry(tmp_path_factory.mktemp("seq") / "reg")
    write_registry(root, DRIFT)
    commit_all(init_repo(root), "start")
    run(root, "check", monkeypatch, True)
    for edit in edits:
        write_registry(root, EDITS[edit])
        assert run(root, "check", monkeypatch, True) == run(root, "check", monkeypatch, False)


def test_a_new_commit_is_invisible(drifting: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ "Since when" answers are kept with the HEAD they were found at: after a commit (one
    that starts a drift, then one that changes nothing) the answers are those of a full run."""
    repo = init_repo(drifting)
    run(drifting, "check", monkeypatch, True)
    write_registry(drifting, EDITS["layer edit"])
    commit_all(repo, "prod runs warmer")
    code, report = run(drifting, "check", monkeypatch, True)
    assert (code, report) == run(drifting, "check", monkeypatch, False)
    since = {p["b"]: p["since"] for p in report["pairs"]}
    assert since["prod"]["classify"]["commit"] == repo.head.commit.hexsha  # began here
    repo.git.commit("--allow-empty", "-m", "nothing")
    assert run(drifting, "check", monkeypatch, True) == run(drifting, "check", monkeypatch, False)


def test_since_answers_are_carried_to_a_new_head_for_the_units_it_did_not_touch(
    drifting: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.engine.scan import carried_since

    repo = init_repo(drifting)
    memo = {("staging", "prod", "answer"): "a", ("staging", "prod", "classify"): "c"}
    old = repo.head.commit.hexsha

    def new_commit(edit: dict[str, str | None] | None, message: str) -> str:
        if edit:
            write_registry(drifting, edit)
            return commit_all(repo, message)
        repo.git.commit("--allow-empty", "-m", message)
        return repo.head.commit.hexsha

    empty = new_commit(None, "nothing")
    assert carried_since(drifting, old, empty, memo) == memo
    waiver = new_commit(EDITS["waiver"], "a waiver changes no unit")
    assert carried_since(drifting, old, waiver, memo) == memo
    classify = new_commit(EDITS["floating model"], "classify only")
    assert carried_since(drifting, old, classify, memo) == {("staging", "prod", "answer"): "a"}
    assert carried_since(drifting, empty, classify, memo) == {("staging", "prod", "answer"): "a"}
    layer = new_commit(EDITS["layer edit"], "every unit reads the layers")
    assert carried_since(drifting, old, layer, memo) == {}
    repo.git.commit("--amend", "-m", "rewritten")  # `layer` is no longer on HEAD's line
    assert carried_since(drifting, layer, repo.head.commit.hexsha, memo) == {}
    assert carried_since(drifting, "0" * 40, repo.head.commit.hexsha, memo) == {}
    run(drifting, "check", monkeypatch, True)
    new_commit(EDITS["reword"], "answer reworded")
    assert run(drifting, "check", monkeypatch, True) == run(drifting, "check", monkeypatch, False)


def test_since_answers_of_a_registry_in_a_subfolder_ignore_commits_outside_it(
    tmp_path: Path,
) -> None:
    from registry.engine.scan import carried_since

    repo = init_repo(tmp_path)
    root = write_registry(tmp_path / "config" / "llm")
    (tmp_path / "app.py").write_text("print('app')\n")
    old = commit_all(repo, "app and registry")
    memo = {("staging", "prod", "answer"): "a"}
    (tmp_path / "app.py").write_text("print('app 2')\n")
    (tmp_path / "environments").mkdir()  # the repository's own, not the registry's
    (tmp_path / "environments" / "base.yaml").write_text("not: registry\n")
    outside = commit_all(repo, "app change")
    assert carried_since(root, old, outside, memo) == memo
    write_registry(root, EDITS["layer edit"])
    assert carried_since(root, old, commit_all(repo, "prod layer"), memo) == {}


def snapshot_file(root: Path) -> Path:
    return cache_folder(root) / "snapshot-check.json"


def test_a_same_size_rewrite_in_the_same_instant_is_seen(
    drifting: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stat alone cannot see it (same size, same mtime, same inode): files changed close to
    the last run are hashed again."""
    path = drifting / "prompts/classify/v1.yaml"
    path.write_text(path.read_text())  # written just before the run, as an editor would
    run(drifting, "check", monkeypatch, True)
    before = path.stat()
    text = path.read_text()
    swapped = text.replace("{{ text }}", "{{ txet }}")  # an undeclared variable now
    assert len(swapped) == len(text) and swapped != text
    with open(path, "r+", encoding="utf-8") as fh:  # in place: same inode
        fh.write(swapped)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_ino == before.st_ino and path.stat().st_size == before.st_size
    assert_invisible(drifting, monkeypatch)
    findings = run(drifting, "check", monkeypatch, True)[1]["findings"]
    assert any(f["code"] == "PRM002" and "txet" in f["message"] for f in findings)


@pytest.mark.parametrize("garbage", ["{not json", "[]", '{"format": 1}', ""])
def test_a_corrupt_snapshot_means_a_full_run(
    drifting: Path, monkeypatch: pytest.MonkeyPatch, garbage: str
) -> None:
    expected = run(drifting, "check", monkeypatch, True)
    snapshot_file(drifting).write_text(garbage)
    spy = Spy(monkeypatch)
    assert run(drifting, "check", monkeypatch, True) == expected
    assert spy.loads[0] is None
    json.loads(cache_body(snapshot_file(drifting)))  # rewritten whole


def test_a_snapshot_of_another_registry_is_not_used(
    drifting: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(drifting, "check", monkeypatch, True)
    other = write_registry(tmp_path / "other")
    target = snapshot_file(other)
    target.parent.mkdir(parents=True)
    target.write_bytes(snapshot_file(drifting).read_bytes())  # e.g. a copied folder
    assert run(other, "check", monkeypatch, True) == run(other, "check", monkeypatch, False)


def test_symlinks_always_run_in_full(drifting: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (drifting / "prompts/extra").mkdir()
    (drifting / "prompts/extra/v1.yaml").symlink_to(drifting / "prompts/classify/v1.yaml")
    run(drifting, "check", monkeypatch, True)
    spy = Spy(monkeypatch)
    run(drifting, "check", monkeypatch, True)
    assert spy.loads[0] is None
    assert_invisible(drifting, monkeypatch)


@pytest.mark.parametrize(
    "edit", ["reword", "floating model", "broken yaml", "secret", "layer edit"]
)
def test_a_full_run_split_between_two_processes_is_the_same(
    drifting: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    """Large registries are checked by two processes, half the prompts each; the halves add
    up to exactly what one process finds."""
    import shutil

    from registry.engine import run as snapshot

    monkeypatch.setattr(snapshot, "PARTITION_MIN", 1)
    write_registry(drifting, {**EDITS[edit], **EDITS["new prompt"]})
    for command in ("check", "validate"):
        shutil.rmtree(cache_folder(drifting), ignore_errors=True)
        split = run(drifting, command, monkeypatch, True)
        assert split == run(drifting, command, monkeypatch, False)
        assert run(drifting, command, monkeypatch, True) == split  # from the halves' caches


def test_unit_diffs_read_back_equal_with_their_changes_shared(tmp_path: Path) -> None:
    """The snapshot writes each distinct list of field changes once (text diffs without the
    headers that name their pair and prompt); every unit diff reads back equal, its own
    origins and headers included."""
    from registry.engine.material import collect
    from registry.engine.snapshot import _material_in, _material_out
    from registry.load.worktree import WorkTree
    from registry.resolve.registry import Registry

    root = write_registry(tmp_path / "reg", DRIFT)
    write_registry(
        root,
        {
            "registry.yaml": """\
                environments: [dev, staging, prod]
                parity: [[dev, staging], [dev, prod], [staging, prod]]
                """,
            "environments/dev.yaml": "extends: base\nprompts: {answer: {version: 2}}\n",
            "prompts/classify/v2.yaml": "messages:\n  - {role: user, content: 'Sort: {{ t }}'}\n",
            "environments/prod.yaml": "extends: base\nprompts: {classify: {version: 2}}\n",
        },
    )
    material = collect(Registry(root, WorkTree(root)))
    out = _material_out(material)
    again = _material_in(json.loads(json.dumps(out)))
    assert again.diffs == material.diffs
    texts = [
        x.text_diff for ds in material.diffs.values() for d in ds.values() for x in d.differences
    ]
    assert any(t for t in texts)  # text diffs, with their headers, were among them
    unit_diffs = sum(len(ds) for ds in material.diffs.values())
    assert len(out["changes"]) < unit_diffs  # (dev and staging share answer v2's change)
