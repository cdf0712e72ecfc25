from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import git
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import registry
from registry.cli import app
from registry.diff import history
from registry.engine.run import check_registry as check
from tests.helpers import commit_all, init_repo, write_registry

runner = CliRunner()


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, (old, rel)
    path.write_text(text.replace(old, new))


def prod_hotfix(root: Path) -> None:
    """The drift of the tests below: prod's answer runs warmer than staging's."""
    edit(
        root,
        "environments/prod.yaml",
        "extends: base\n",
        "extends: base\nprompts: {answer: {params: {temperature: 0.5}}}\n",
    )


@pytest.fixture
def repo(tmp_path: Path) -> git.Repo:
    root = write_registry(tmp_path / "repo")
    r = init_repo(root)
    commit_all(r, "initial registry")
    return r


def test_log_lists_fingerprint_changes(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    edit(root, "environments/base.yaml", "timeout_s: 30", "timeout_s: 40")
    commit_all(repo, "longer timeout")
    edit(root, "prompts/classify/v1.yaml", "Classify", "Label")  # another prompt only
    commit_all(repo, "classify wording")
    prod_hotfix(root)
    commit_all(repo, "prod hot-fix")
    changes = history.log(root, "answer", "prod")
    assert [c.subject for c in changes] == ["initial registry", "longer timeout", "prod hot-fix"]
    assert changes[-1].files == ["environments/prod.yaml"]
    assert changes[1].files == ["environments/base.yaml"]
    unit = registry.open(root).resolve("prod").prompts["answer"]
    assert changes[-1].fingerprint == unit.fingerprint
    result = runner.invoke(app, ["log", "answer", "--env", "staging", "--root", str(root)])
    assert result.exit_code == 0
    assert "answer in staging: 2 change(s)" in result.output
    assert "longer timeout  [environments/base.yaml]" in result.output


def test_log_follows_merges_renames_and_deletions(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    repo.git.checkout("-b", "feature")
    shutil.copy(root / "prompts/answer/v1.yaml", root / "prompts/answer/v2.yaml")
    edit(root, "prompts/answer/v2.yaml", "Answer briefly.", "Answer briefly, in English.")
    edit(root, "environments/base.yaml", "answer: {version: 1", "answer: {version: 2")
    commit_all(repo, "answer v2")
    repo.git.checkout("main")
    edit(root, "environments/base.yaml", "timeout_s: 30", "timeout_s: 31")
    commit_all(repo, "main: timeout")
    repo.git.merge("feature", "--no-ff", "-m", "merge feature")
    repo.git.mv("prompts/classify", "prompts/label")
    edit(root, "environments/base.yaml", "classify:", "label:")
    commit_all(repo, "rename classify to label")
    edit(root, "environments/base.yaml", "  label: {version: 1, model: fast}\n", "")
    repo.git.rm("-r", "-q", "prompts/label")
    commit_all(repo, "delete label")
    answer = [c.subject for c in history.log(root, "answer", "prod")]
    assert answer == ["initial registry", "main: timeout", "merge feature"]
    classify = history.log(root, "classify", "prod")
    assert [c.subject for c in classify] == [
        "initial registry",
        "main: timeout",
        "rename classify to label",
    ]
    assert classify[-1].fingerprint is None
    label = history.log(root, "label", "prod")
    assert [(c.subject, c.fingerprint is None) for c in label] == [
        ("rename classify to label", False),
        ("delete label", True),
    ]


def test_check_says_since_when_the_drift_exists(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    prod_hotfix(root)
    hotfix = commit_all(repo, "prod hot-fix")
    edit(root, "prompts/classify/v1.yaml", "Classify", "Label")
    commit_all(repo, "unrelated")
    result = check(registry.open(root), today=dt.date.today())
    since = result.pairs[0].since["answer"]
    assert since is not None and since.commit == hotfix
    out = runner.invoke(app, ["report", "--format", "json", "--root", str(root)]).output
    data = json.loads(out)
    assert data["pairs"][0]["since"]["answer"]["commit"] == hotfix
    assert data["pairs"][0]["since"]["answer"]["days"] == 0
    text = runner.invoke(app, ["check", "--root", str(root)]).output
    assert f"answer: drifting since {hotfix[:12]}" in text


def test_since_names_only_the_files_of_the_commit_the_unit_reads(repo: git.Repo) -> None:
    """A drift's start commit lists the files of it the unit resolves from (the shared
    layers, its own prompt folder), not every file the commit touched: the since answers are
    kept in the run snapshot, and a registry's first commit touches every file."""
    root = Path(repo.working_tree_dir)
    prod_hotfix(root)
    edit(root, "prompts/classify/v1.yaml", "Classify", "Label")
    (root / "notes.txt").write_text("not a registry file\n")
    hotfix = commit_all(repo, "prod hot-fix, and a classify edit")
    since = history.drift_since(root, ["answer"], "staging", "prod")["answer"]
    assert since is not None and since.commit == hotfix
    assert since.files == ["environments/prod.yaml"]


def test_since_does_not_resolve_commits_that_only_tune_another_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_registry(tmp_path / "repo")
    prod_hotfix(root)
    repo = init_repo(root)
    first = commit_all(repo, "initial registry, prod drifted")
    dev = root / "environments/dev.yaml"
    for n in range(5):
        dev.write_text(f"extends: base\nprompts: {{answer: {{params: {{temperature: 0.{n}}}}}}}\n")
        commit_all(repo, f"tune dev {n}")
    resolved: list[str] = []
    plain = history._Walker.fingerprints_of

    def counting(self: Any, sha: str, *args: Any, **kw: Any) -> Any:
        resolved.append(sha)
        return plain(self, sha, *args, **kw)

    monkeypatch.setattr(history._Walker, "fingerprints_of", counting)
    since = history.drift_since(root, ["answer"], "staging", "prod")
    assert since["answer"] is not None and since["answer"].commit == first
    assert resolved == [repo.head.commit.hexsha]  # the five older commits carry its answer
    repo.close()


# -- walks carry resolved paths between commits: the same answers as resolving every path ---------
OPS = st.sampled_from(
    [
        ("temp", "prod"),
        ("temp", "staging"),
        ("temp", "dev"),
        ("parent", "staging"),
        ("v2", "staging"),
        ("v2", "prod"),
        ("drop_v2", ""),
        ("wording", "answer"),
        ("wording", "classify"),
        ("partial", ""),
        ("include", ""),
        ("drop_partial", ""),
        ("merge", ""),
    ]
)


def _overlay(env: str, state: dict[str, Any]) -> str:
    bits = []
    if state.get("temp") is not None:
        bits.append(f"params: {{temperature: {state['temp']}}}")
    if state.get("version") == 2:
        bits.append("version: 2")
    prompts = f"prompts: {{answer: {{{', '.join(bits)}}}}}\n" if bits else ""
    parent = state.get("parent", "base")
    return f'extends: {parent}\nops: {{credentials: {{openai: "${{K_{env.upper()}}}"}}}}\n{prompts}'


def _apply(repo: git.Repo, root: Path, op: tuple[str, str], n: int, envs: dict[str, Any]) -> None:
    kind, arg = op
    answer = root / "prompts/answer/v1.yaml"
    v2 = root / "prompts/answer/v2.yaml"
    partial = root / "prompts/_partials/tone.j2"
    if kind == "temp":
        envs[arg]["temp"] = round(0.1 * (n % 9), 1)
    elif kind == "parent":  # staging moves onto dev and back: dev's edits reach it, then not
        envs[arg]["parent"] = "dev" if envs[arg].get("parent", "base") == "base" else "base"
    elif kind == "v2":
        v2.write_text(answer.read_text().replace("Answer briefly.", f"Answer in full ({n})."))
        envs[arg]["version"] = 2
    elif kind == "drop_v2":
        v2.unlink(missing_ok=True)
        for state in envs.values():
            state["version"] = 1
    elif kind == "wording":
        path = root / f"prompts/{arg}/v1.yaml"
        path.write_text(
            path.read_text()
            .replace("as positive", f"as ({n}) positive", 1)
            .replace("Answer briefly.", f"Answer briefly ({n}).", 1)
            .replace(f"Answer briefly ({n - 1}).", f"Answer briefly ({n}).", 1)
        )
    elif kind == "partial":
        partial.parent.mkdir(exist_ok=True)
        partial.write_text(f"Be kind ({n}).\n")
    elif kind == "include" and "{% include" not in answer.read_text():
        answer.write_text(
            answer.read_text().replace(
                "Answer briefly.", 'Answer briefly.\n          {% include "tone.j2" %}'
            )
        )
    elif kind == "drop_partial":
        partial.unlink(missing_ok=True)
    elif kind == "merge":
        repo.git.checkout("-q", "-b", f"side{n}")
        envs["staging"]["temp"] = 0.9
        (root / "environments/staging.yaml").write_text(_overlay("staging", envs["staging"]))
        commit_all(repo, f"side {n}")
        repo.git.checkout("-q", "main")
        envs["prod"]["temp"] = 0.8
        (root / "environments/prod.yaml").write_text(_overlay("prod", envs["prod"]))
        commit_all(repo, f"main {n}")
        repo.git.merge(f"side{n}", "--no-ff", "-q", "-m", f"merge {n}", "-X", "theirs")
        return
    for env, state in envs.items():
        (root / f"environments/{env}.yaml").write_text(_overlay(env, state))
    commit_all(repo, f"{kind} {arg} {n}")


def _answers(root: Path) -> tuple[Any, ...]:
    since = history.drift_since(root, ["answer", "classify"], "staging", "prod")
    logs = [
        history.log(root, pid, env) for pid in ("answer", "classify") for env in ("staging", "prod")
    ]
    flat = lambda c: None if c is None else (c.commit, c.fingerprint, tuple(c.files))  # noqa: E731
    return (
        {pid: flat(c) for pid, c in since.items()},
        [[flat(c) for c in changes] for changes in logs],
    )


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(OPS, min_size=1, max_size=8))
def test_carried_paths_answer_as_resolving_every_path(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, str]]
) -> None:
    root = write_registry(tmp_path_factory.mktemp("walk") / "repo")
    repo = init_repo(root)
    commit_all(repo, "initial registry")
    envs: dict[str, Any] = {env: {"temp": None, "version": 1} for env in ("dev", "staging", "prod")}
    for n, op in enumerate(ops, start=1):
        _apply(repo, root, op, n, envs)
    carried = _answers(root)
    plain_more = history._more
    history._more = lambda moved, files: None  # type: ignore[assignment] # every path resolved
    try:
        resolved = _answers(root)
    finally:
        history._more = plain_more
    assert carried == resolved
    repo.close()


def test_since_in_a_registry_inside_a_larger_repository(tmp_path: Path) -> None:
    """A registry in a subfolder: commits outside it are not drift, files outside it are not
    listed, and several drifting units are walked together."""
    top = tmp_path / "mono"
    root = write_registry(top / "config/llm")
    (top / "app").mkdir()
    (top / "app/main.py").write_text("print('hi')\n")
    (top / "registry.yaml").write_text("not: ours\n")  # a same-named file outside the registry
    repo = init_repo(top)
    commit_all(repo, "initial")
    edit(
        root,
        "environments/prod.yaml",
        "extends: base\n",
        "extends: base\nprompts:\n  answer: {params: {temperature: 0.5}}\n"
        "  classify: {params: {temperature: 0.6}}\n",
    )
    edit(root, "environments/dev.yaml", "extends: base\n", "extends: base\nparams: {top_p: 0.9}\n")
    hotfix = commit_all(repo, "prod hot-fix")
    for n in range(3):
        (top / "app/main.py").write_text(f"print({n})\n")
        (top / "registry.yaml").write_text(f"not: ours {n}\n")
        commit_all(repo, f"app {n}")
    since = history.drift_since(root, ["answer", "classify"], "staging", "prod")
    assert {pid: c.commit if c else None for pid, c in since.items()} == {
        "answer": hotfix,
        "classify": hotfix,
    }
    assert all(
        c is not None and c.files == ["environments/dev.yaml", "environments/prod.yaml"]
        for c in since.values()
    )
    repo.close()


def test_since_says_when_its_search_was_cut_short(repo: git.Repo) -> None:
    """The walk looks back at most `limit` commits of a unit; a drift older than that is
    "before <date> (N commits searched)", never the oldest commit seen named as its start."""
    root = Path(repo.working_tree_dir)
    prod_hotfix(root)
    hotfix = commit_all(repo, "prod hot-fix")
    later = []
    for i in range(4):  # commits that touch the unit's files but keep the drift
        edit(root, "environments/base.yaml", f"timeout_s: {30 + i}", f"timeout_s: {31 + i}")
        later.append(commit_all(repo, f"timeout {31 + i}"))
    whole = history.drift_since(root, ["answer"], "staging", "prod")
    assert whole["answer"] is not None and whole["answer"].commit == hotfix
    assert whole["answer"].searched is None
    cut = history.drift_since(root, ["answer"], "staging", "prod", limit=3)["answer"]
    assert cut is not None and cut.commit == later[1] and cut.searched == 3
    from registry.report.text import since_text

    text = since_text(cut, cut.date.date())
    assert text.startswith(f"drifting since before {cut.date.date().isoformat()}")
    assert f"3 commits of this unit searched, the oldest {later[1][:12]}" in text


def test_each_distinct_pair_of_unit_fingerprints_is_diffed_once(tmp_path: Path) -> None:
    """Parity pairs that compare the same two units (prod-eu extends prod) share one diff;
    each gets its own labels and origins, exactly as diffing it afresh gives."""
    from registry.diff.units import diff_environments

    root = write_registry(
        tmp_path / "reg",
        {
            "registry.yaml": "environments: [dev, staging, prod, prod-eu]\n"
            "parity: [[staging, prod], [staging, prod-eu]]\n",
            "environments/prod.yaml": "extends: base\nparams: {top_p: 0.5}\n"
            "prompts: {answer: {version: 2}}\n",
            "environments/prod-eu.yaml": "extends: prod\n",
        },
    )
    v1 = (root / "prompts/answer/v1.yaml").read_text()
    (root / "prompts/answer/v2.yaml").write_text(v1.replace("Answer briefly.", "Answer in full."))
    reg = registry.open(root)
    staging, prod, eu = (reg.resolve(n) for n in ("staging", "prod", "prod-eu"))
    memo: dict[Any, Any] = {}
    first = diff_environments(staging, prod, memo=memo)
    shared = diff_environments(staging, eu, memo=memo)
    fresh = diff_environments(staging, eu)
    assert memo and first[1] and shared == fresh
    texts = [d.text_diff for u in shared[1] for d in u.differences if d.text_diff]
    assert texts and all(t[:2] == [f"--- staging:{t[0].split(':', 1)[1]}", t[1]] for t in texts)
    assert all(t[1].startswith("+++ prod-eu:") for t in texts)
    result = check(reg, today=dt.date.today())
    assert [p.b for p in result.pairs] == ["prod", "prod-eu"]


def test_one_walk_for_all_pairs_equals_one_walk_per_pair(tmp_path: Path) -> None:
    """Every pair's "since when" from the one shared walk is what walking that pair alone
    gives, across commits that move some pairs' units and not others'."""
    root = write_registry(
        tmp_path / "reg",
        {
            "registry.yaml": "environments: [dev, staging, prod, prod-eu]\n"
            "parity: [[staging, prod], [staging, prod-eu], [prod, prod-eu], [dev, prod]]\n",
            "environments/prod-eu.yaml": "extends: prod\n",
        },
    )
    repo = init_repo(root)
    commit_all(repo, "start")
    steps = [
        ("environments/prod.yaml", "extends: base\n", "extends: base\nparams: {top_p: 0.5}\n"),
        ("prompts/classify/v1.yaml", "Classify", "Label"),
        (
            "environments/prod-eu.yaml",
            "extends: prod\n",
            "extends: prod\nrouting: {timeout_s: 9}\n",
        ),
        ("environments/dev.yaml", "extends: base\n", "extends: base\nparams: {top_p: 0.7}\n"),
        ("environments/base.yaml", "timeout_s: 30", "timeout_s: 31"),
    ]
    for rel, old, new in steps:
        edit(root, rel, old, new)
        commit_all(repo, f"edit {rel}")
    pairs = [("staging", "prod"), ("staging", "prod-eu"), ("prod", "prod-eu"), ("dev", "prod")]
    wanted = {pair: ["answer", "classify"] for pair in pairs}
    together = history.drift_since_pairs(root, wanted)
    alone = {pair: history.drift_since(root, ["answer", "classify"], *pair) for pair in pairs}
    assert together == alone
    assert any(c is not None for since in together.values() for c in since.values())
    result = check(registry.open(root), today=dt.date.today())
    assert {(p.a, p.b): p.since for p in result.pairs} == {
        pair: {pid: c for pid, c in alone[pair].items() if pid in p.drifting()}
        for p in result.pairs
        for pair in [(p.a, p.b)]
    }
