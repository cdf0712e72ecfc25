"""The cache under .registry-cache/ is invisible: same findings cold and warm, after edits,
after a tool version change, with corrupted cache files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from registry import filecache
from registry.cli import app
from tests.helpers import write_registry

runner = CliRunner()


def check(root: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["check", "--root", str(root), "--format", "json"])
    return result.exit_code, result.output


@pytest.fixture
def drifting(reg_root: Path) -> Path:
    write_registry(
        reg_root,
        {
            "environments/prod.yaml": "extends: base\nmodels: {chat: openai/gpt-4o}\n",
            "prompts/answer/v2.yaml": "messages:\n  - {role: user, content: '{{ q }}'}\n",
        },
    )
    return reg_root


def test_cold_and_warm_are_identical(drifting: Path) -> None:
    cold = check(drifting)
    assert (drifting / ".registry-cache").is_dir()
    assert (drifting / ".registry-cache" / ".gitignore").read_text() == "*\n"
    assert check(drifting) == cold
    assert cold[0] == 1 and "PIN001" in cold[1] and "PRM002" in cold[1]


def test_edits_are_seen(drifting: Path) -> None:
    check(drifting)
    write_registry(drifting, {"environments/prod.yaml": "extends: base\n"})
    code, out = check(drifting)
    assert "PIN001" not in out
    write_registry(drifting, {"prompts/answer/v2.yaml": None})
    code, out = check(drifting)
    warm = (code, out)
    import shutil

    shutil.rmtree(drifting / ".registry-cache")
    assert check(drifting) == warm


def test_corrupt_cache_is_ignored_and_rebuilt(drifting: Path) -> None:
    cold = check(drifting)
    shards = sorted((drifting / ".registry-cache").rglob("*.json"))
    assert shards
    shards[0].write_text("{not json")
    for shard in shards[1:]:
        shard.write_text('{"' + "0" * 64 + '": {"kind": 1}}')
    assert check(drifting) == cold
    assert check(drifting) == cold


def test_cache_is_per_tool_version(drifting: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check(drifting)
    tag = filecache.code_tag()
    assert (drifting / ".registry-cache" / tag).is_dir()
    monkeypatch.setattr(filecache, "code_tag", lambda: "9.9.9-other")
    assert check(drifting)[0] == 1
    assert (drifting / ".registry-cache" / "9.9.9-other").is_dir()


def test_no_cache_when_disabled(drifting: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_CACHE", "0")
    check(drifting)
    assert not (drifting / ".registry-cache").exists()


def test_parallel_and_serial_agree(tmp_path: Path) -> None:
    """Cold runs analyze files on all cores above a threshold; the output must not change."""
    from registry.repo import Registry
    from registry.source import WorkTree
    from registry.validate import validate

    files = {
        f"prompts/p{i:03d}/v1.yaml": "variables: {type: object, properties: {q: {type: string}}}\n"
        f"messages:\n  - {{role: user, content: 'P{i} {{{{ q }}}} {{{{ x }}}}'}}\n"
        for i in range(450)
    }
    root = write_registry(tmp_path / "many", files)
    serial = validate(Registry(root, WorkTree(root), jobs=1)).findings
    parallel = validate(Registry(root, WorkTree(root), jobs=2)).findings
    assert serial == parallel and len(serial) >= 450


def imported_by_validate(root: Path, libs: set[str]) -> list[str]:
    """Which of `libs` a `registry validate` run in a fresh process imports."""
    code = (
        "import json, sys\nfrom registry.cli import main\n"
        f"sys.argv = ['registry', 'validate', '--root', {str(root)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"libs = set({sorted(libs)!r})\n"
        "print(json.dumps(sorted(libs & {m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return names


def test_validate_does_not_import_heavy_modules(reg_root: Path) -> None:
    assert imported_by_validate(reg_root, {"git", "deepdiff", "ruamel"}) == []


def test_warm_validate_skips_template_and_schema_libraries(reg_root: Path) -> None:
    """With every file in the cache, validate needs neither jinja2 nor jsonschema."""
    libs = {"jinja2", "jsonschema"}
    # cold: templates are parsed, and TOOL001 checks the layers' tool schemas with jsonschema
    assert imported_by_validate(reg_root, libs) == ["jinja2", "jsonschema"]
    assert imported_by_validate(reg_root, libs) == []  # warm
