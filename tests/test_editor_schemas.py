"""The shipped JSON Schemas, read by users' own tools: check-jsonschema resolves their
cross-references offline from the files themselves; `registry schema` writes them; `registry
init` gives editors (yaml-language-server) the mapping from schema to file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from registry.cli import app
from registry.edit.init import SCHEMA_FILES, editor_settings
from tests.helpers import init_repo

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def check_jsonschema(schema: Path, files: list[Path]) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("check_jsonschema")
    assert files, f"no files for {schema.name}"
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema)]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        timeout=120,
    )


def files_of(root: Path, kind: str) -> list[Path]:
    return sorted(p for glob in SCHEMA_FILES[kind] for p in root.glob(glob))


@pytest.mark.parametrize("kind", sorted(SCHEMA_FILES))
def test_check_jsonschema_passes_this_repositorys_files(kind: str) -> None:
    proc = check_jsonschema(ROOT / "schemas" / f"{kind}.schema.json", files_of(ROOT, kind))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_check_jsonschema_passes_what_init_writes_and_catches_a_mistake(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "reg")])
    assert result.exit_code == 0, result.output
    reg = tmp_path / "reg"
    for kind in SCHEMA_FILES:
        proc = check_jsonschema(reg / "schemas" / f"{kind}.schema.json", files_of(reg, kind))
        assert proc.returncode == 0, proc.stdout + proc.stderr
    prompt = reg / "prompts/answer/v1.yaml"
    # a typo'd key in a binding's params: its schema is environment.schema.json#/$defs/params,
    # reached through the cross-file reference that used to point at a fake host
    prompt.write_text(
        prompt.read_text().replace("defaults:", "defaults:\n  params: {tempratur: 1}")
    )
    bad = check_jsonschema(reg / "schemas/prompt.schema.json", [prompt])
    assert bad.returncode == 1 and "tempratur" in bad.stdout, bad.stdout + bad.stderr
    assert "Unresolvable" not in bad.stdout + bad.stderr


def test_schema_command_writes_the_shipped_schemas(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema", "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "s").iterdir())
    assert written == sorted(p.name for p in (ROOT / "schemas").glob("*.schema.json"))
    for name in written:
        assert (tmp_path / "s" / name).read_bytes() == (ROOT / "schemas" / name).read_bytes()
    one = runner.invoke(app, ["schema", "prompt"])
    assert json.loads(one.stdout) == json.loads((ROOT / "schemas/prompt.schema.json").read_text())
    assert runner.invoke(app, ["schema", "promt"]).exit_code == 2


def test_no_schema_names_a_host_a_resolver_would_fetch() -> None:
    for path in (ROOT / "schemas").glob("*.schema.json"):
        data = json.loads(path.read_text())
        assert "$id" not in data, path.name  # references resolve beside the file itself
        refs = [line for line in path.read_text().splitlines() if '"$ref"' in line]
        assert all("://" not in ref for ref in refs), path.name


def test_this_repositorys_editor_settings_are_what_init_writes() -> None:
    settings = json.loads((ROOT / ".vscode/settings.json").read_text())
    assert settings == {"yaml.schemas": editor_settings("")}
    for schema, globs in settings["yaml.schemas"].items():
        assert (ROOT / schema).is_file()
        assert all(list(ROOT.glob(g)) for g in globs), globs  # every glob names real files


def test_init_in_a_subfolder_maps_schemas_from_the_repositorys_top(tmp_path: Path) -> None:
    init_repo(tmp_path)
    result = runner.invoke(app, ["init", str(tmp_path / "llm")])
    assert result.exit_code == 0, result.output
    settings = json.loads((tmp_path / ".vscode/settings.json").read_text())["yaml.schemas"]
    assert settings["./llm/schemas/prompt.schema.json"] == ["llm/prompts/*/v*.yaml"]
    assert not (tmp_path / "llm/.vscode").exists()
    # a second registry: the settings file is the user's now; kept, and the block printed
    before = (tmp_path / ".vscode/settings.json").read_bytes()
    again = runner.invoke(app, ["init", str(tmp_path / "other")])
    assert again.exit_code == 0, again.output
    assert (tmp_path / ".vscode/settings.json").read_bytes() == before
    assert "kept your .vscode/settings.json" in again.stdout
    assert '"./other/schemas/prompt.schema.json"' in again.stdout
