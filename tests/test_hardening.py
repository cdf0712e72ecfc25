"""Hostile and broken input: properties, fuzzing, atomic writes, secrets in every output."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import registry
from registry.cli import app
from registry.common import atomic
from registry.common.errors import RegistryError
from registry.diff.units import diff_environments
from registry.load.yaml import load_text
from tests.helpers import write_registry

runner = CliRunner()
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- fuzzing: findings or success, never an exception ------------------------------------------
yaml_ish = st.text(alphabet=st.sampled_from(list("ab:- \n\t{}[],'\"&*!|>#%@`?0.~<")), max_size=80)


@FUZZ
@given(st.one_of(yaml_ish, st.text(max_size=80)))
def test_loader_never_raises(text: str) -> None:
    doc, findings = load_text(text, "f.yaml")
    assert doc.data is not None or findings


@FUZZ
@given(yaml_ish)
def test_resolver_never_raises(tmp_path: Path, text: str) -> None:
    root = tmp_path / "fuzz"
    write_registry(root, {"environments/prod.yaml": "extends: base\n" + text})
    result = runner.invoke(app, ["check", "--root", str(root), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    json.loads(result.output)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(
            ["temperature", "max_tokens", "model", "tools", "rag", "version", "params", "x"]
        ),
        st.one_of(
            st.none(),
            st.integers(-5, 5),
            st.floats(allow_nan=False),
            st.text(max_size=5),
            st.lists(st.text(max_size=3), max_size=2),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        ),
        max_size=4,
    )
)
def test_bindings_of_any_shape(tmp_path: Path, binding: dict[str, object]) -> None:
    root = tmp_path / "fuzz"
    prod = {"extends": "base", "prompts": {"answer": binding}}
    write_registry(root, {"environments/prod.yaml": json.dumps(prod)})
    result = runner.invoke(app, ["check", "--root", str(root)])
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


# -- properties -------------------------------------------------------------------------------
prompt_data = st.fixed_dictionaries(
    {
        "variables": st.just({"type": "object", "properties": {"q": {"type": "string"}}}),
        "messages": st.lists(
            st.fixed_dictionaries(
                {
                    "role": st.sampled_from(["system", "user"]),
                    "content": st.text(
                        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                        max_size=30,
                    ).map(lambda t: t + " {{ q }}"),
                }
            ),
            min_size=1,
            max_size=3,
        ),
        "defaults": st.fixed_dictionaries(
            {
                "model": st.just("chat"),
                "params": st.fixed_dictionaries(
                    {}, optional={"temperature": st.floats(0, 1), "max_tokens": st.integers(1, 999)}
                ),
            }
        ),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prompt_data, st.booleans(), st.booleans(), st.randoms())
def test_fingerprint_ignores_style(
    tmp_path: Path, data: dict[str, object], flow: bool, sort: bool, rnd: object
) -> None:
    plain = yaml.safe_dump(data, sort_keys=True, allow_unicode=True)
    styled = "# a comment\n" + yaml.safe_dump(
        data, default_flow_style=flow, sort_keys=sort, allow_unicode=not flow, width=40
    )
    fps = []
    for i, text in enumerate((plain, styled)):
        root = tmp_path / f"r{i}"
        write_registry(root, {"prompts/answer/v1.yaml": text})
        unit = registry.open(root).resolve("prod").prompts.get("answer")
        assert unit is not None
        fps.append(unit.fingerprint)
    assert fps[0] == fps[1]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(["timeout_s: 5", "fallback: []", "retries: {max_attempts: 9}"]),
    st.sampled_from([None, "answer: {params: {temperature: 0.9}}", "classify: null"]),
)
def test_diff_is_symmetric_and_empty_on_itself(
    tmp_path: Path, routing: str, binding: str | None
) -> None:
    root = tmp_path / "sym"
    prod = f"extends: base\nrouting: {{{routing}}}\n"
    if binding:
        prod += f"prompts:\n  {binding}\n"
    write_registry(root, {"environments/prod.yaml": prod})
    reg = registry.open(root)
    staging, prod_env = reg.resolve("staging"), reg.resolve("prod")
    assert diff_environments(staging, staging)[1] == []
    ab = {d.prompt for d in diff_environments(staging, prod_env)[1]}
    ba = {d.prompt for d in diff_environments(prod_env, staging)[1]}
    assert ab == ba and ab


def test_any_behavior_value_changes_the_fingerprint(reg_root: Path) -> None:
    base = registry.open(reg_root).resolve("prod").prompts["answer"].fingerprint
    edits = [
        "params: {top_p: 0.9}",
        "routing: {timeout_s: 31}",
        "models: {chat: openai/gpt-4o-2024-11-20}",
        "rag: {default: {top_k: 6}}",
        "tools: {search_kb: {description: Search it.}}",
        "routing: {fallback: []}",
        "prompts: {answer: {tools: []}}",
    ]
    for edit in edits:
        write_registry(reg_root, {"environments/prod.yaml": f"extends: base\n{edit}\n"})
        assert registry.open(reg_root).resolve("prod").prompts["answer"].fingerprint != base, edit
    write_registry(reg_root, {"environments/prod.yaml": "extends: base\nops: {budget: {usd: 1}}\n"})
    assert registry.open(reg_root).resolve("prod").prompts["answer"].fingerprint == base


# -- atomic writes ----------------------------------------------------------------------------
def test_failed_replace_leaves_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(RegistryError, match="No space left"):
        atomic.write_text(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


@pytest.mark.parametrize(
    "command",
    [
        ["render", "prod", "-o", "{out}"],
        ["report", "--format", "json", "-o", "{out}"],
        ["promote", "staging", "prod"],
    ],
)
def test_cli_writes_are_atomic(
    reg_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    write_registry(reg_root, {"environments/prod.yaml": "extends: base\nrouting: {timeout_s: 3}\n"})
    out = tmp_path / "artifact.json"
    out.write_text("previous")
    before = (reg_root / "environments/prod.yaml").read_text()

    def fail(src: str, dst: str) -> None:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", fail)
    monkeypatch.setenv("REGISTRY_CACHE", "0")
    args = [a.replace("{out}", str(out)) for a in command]
    result = runner.invoke(app, [*args, "--root", str(reg_root)])
    assert result.exit_code == 2 and "Permission denied" in result.output
    assert out.read_text() == "previous"
    assert (reg_root / "environments/prod.yaml").read_text() == before
    leftovers = [
        p
        for p in [*tmp_path.iterdir(), *(reg_root / "environments").iterdir()]
        if p.name.endswith(".tmp")
    ]
    assert leftovers == []


def _render_many(root: str, out: str, n: int) -> None:
    for _ in range(n):
        runner.invoke(app, ["render", "prod", "--root", root, "-o", out])


def test_concurrent_renders_never_tear(reg_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "prod.json"
    runner.invoke(app, ["render", "prod", "--root", str(reg_root), "-o", str(out)])
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_render_many, args=(str(reg_root), str(out), 15)) for _ in range(2)]
    for p in procs:
        p.start()
    seen = 0
    while any(p.is_alive() for p in procs):
        json.loads(out.read_text())  # never a torn file
        seen += 1
    for p in procs:
        p.join()
    assert seen > 0 and json.loads(out.read_text())["environment"] == "prod"


# -- secrets ----------------------------------------------------------------------------------
KEY = "sk-proj-Q8zk2LmX9vB4nR7tW1yH5jD3aF6gP0sE"


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["validate", "--format", "json"],
        ["report", "--format", "markdown"],
        ["report", "--format", "sarif"],
        ["report", "--format", "github"],
        ["diff", "staging", "prod"],
        ["diff", "staging", "prod", "--format", "json"],
        ["render", "prod"],
        ["show", "prod", "answer"],
    ],
)
def test_planted_key_is_never_printed(reg_root: Path, args: list[str]) -> None:
    write_registry(
        reg_root,
        {
            "environments/prod.yaml": f'extends: base\nops: {{credentials: {{openai: "{KEY}"}}}}\n',
            "prompts/classify/v1.yaml": (
                "variables: {type: object, properties: {text: {type: string}}}\n"
                f'messages:\n  - {{role: system, content: "Classify the text. {KEY}"}}\n'
                "  - {role: user, content: '{{ text }}'}\n"
            ),
        },
    )
    result = runner.invoke(app, [*args, "--root", str(reg_root)])
    assert "Traceback" not in result.output
    assert KEY not in result.output and "Q8zk2LmX9vB4" not in result.output


# -- reading the working tree ------------------------------------------------------------------
def test_listed_file_swapped_for_a_symlink_is_still_refused(tmp_path: Path) -> None:
    """A file listed as a plain file and replaced by a symlink before it is read goes through
    the careful path: a target outside the registry is an Escape, never its bytes."""
    from registry.load.access import Escape
    from registry.load.worktree import WorkTree

    root = tmp_path / "reg"
    (root / "prompts/a").mkdir(parents=True)
    (root / "prompts/a/v1.yaml").write_text("description: a\n")
    outside = tmp_path / "outside.yaml"
    outside.write_text("stolen: true\n")
    tree = WorkTree(root)
    assert tree.list("prompts") == ["prompts/a/v1.yaml"]
    assert tree.read("prompts/a/v1.yaml") == b"description: a\n"
    (root / "prompts/a/v1.yaml").unlink()
    (root / "prompts/a/v1.yaml").symlink_to(outside)
    with pytest.raises(Escape):
        tree.read("prompts/a/v1.yaml")


def test_listed_file_swapped_for_a_folder_is_not_read(tmp_path: Path) -> None:
    """Swapped since it was listed: neither read nor skipped silently (a finding says so)."""
    from registry.load.access import Special
    from registry.load.worktree import WorkTree

    root = tmp_path / "reg"
    (root / "prompts/a").mkdir(parents=True)
    (root / "prompts/a/v1.yaml").write_text("description: a\n")
    tree = WorkTree(root)
    assert tree.list("prompts") == ["prompts/a/v1.yaml"]
    (root / "prompts/a/v1.yaml").unlink()
    (root / "prompts/a/v1.yaml").mkdir()
    with pytest.raises(Special, match="folder"):
        tree.read("prompts/a/v1.yaml")
    if hasattr(os, "mkfifo"):  # a FIFO must not block the read
        (root / "prompts/a/v1.yaml").rmdir()
        os.mkfifo(root / "prompts/a/v1.yaml")
        with pytest.raises(Special, match="regular file"):
            tree.read("prompts/a/v1.yaml")


def test_files_under_a_symlinked_folder_are_read_the_careful_way(tmp_path: Path) -> None:
    from registry.load.access import Escape
    from registry.load.worktree import WorkTree

    root = tmp_path / "reg"
    root.mkdir()
    (tmp_path / "elsewhere/a").mkdir(parents=True)
    (tmp_path / "elsewhere/a/v1.yaml").write_text("description: a\n")
    (root / "prompts").symlink_to(tmp_path / "elsewhere")
    tree = WorkTree(root)
    assert tree.list("prompts") == ["prompts/a/v1.yaml"]
    with pytest.raises(Escape):
        tree.read("prompts/a/v1.yaml")
