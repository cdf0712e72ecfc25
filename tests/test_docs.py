from __future__ import annotations

import re
from pathlib import Path

from registry.check.catalog import documented_codes, rules_markdown
from registry.common.findings import CODES

ROOT = Path(__file__).resolve().parent.parent


def test_rules_md_is_generated_from_the_rule_docstrings() -> None:
    assert (ROOT / "docs" / "rules.md").read_text() == rules_markdown(), (
        "run: python -m registry.check.catalog > docs/rules.md"
    )


def test_every_code_has_one_section_with_a_bad_and_a_good_example() -> None:
    text = rules_markdown()
    codes = documented_codes(text)
    assert sorted(codes) == sorted(CODES)
    sections = re.split(r"^### ", text, flags=re.MULTILINE)[1:]
    for section in sections:
        code = section.split(" ", 1)[0]
        if code in CODES:
            assert "Bad" in section and "Good" in section, code


def test_every_test_security_md_names_exists() -> None:
    """docs/security.md names the test that holds each promise: each must be a real test."""
    text = (ROOT / "docs" / "security.md").read_text()
    named = set(re.findall(r"`(test_[a-z0-9_]+)(?:\[[^\]]*\])?`", text))
    named |= set(re.findall(r", (test_[a-z0-9_]+)", text))
    defined = {
        m
        for path in (ROOT / "tests").rglob("test_*.py")
        for m in re.findall(r"^def (test_[a-z0-9_]+)", path.read_text(), flags=re.MULTILINE)
    }
    assert len(named) > 40
    assert sorted(named - defined) == []
    for rel in re.findall(r"`(tests/[a-z_/]+\.py)`", text):
        assert (ROOT / rel).is_file(), rel


def test_no_install_line_names_the_unrelated_registry_package() -> None:
    """`pip install registry` fetches a stranger's 2009 package: no doc, workflow or
    template may tell anyone to run it (the distribution is llm-config-registry)."""
    import subprocess

    bad = re.compile(r"pip3? install (?:-[-\w]+ )*[\"']?registry(?:[\s\"'<>=\[]|$)", re.M)
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    hits = []
    for rel in tracked:
        if rel.startswith("tests/") or not rel.endswith(
            (".md", ".yml", ".yaml", ".toml", ".txt", "run")
        ):
            continue
        text = (ROOT / rel).read_text("utf-8", "replace")
        hits += [f"{rel}: {m.group(0)!r}" for m in bad.finditer(text)]
    assert hits == []
    assert 'name = "llm-config-registry"' in (ROOT / "pyproject.toml").read_text()


def test_the_readme_command_table_is_the_real_cli() -> None:
    """Every option the README's command table names exists, and every option a command has
    is in its row (or in the note of options validate, check and report share)."""
    from typer.testing import CliRunner

    from registry.cli import app

    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Commands", 1)[1].split("\n\n", 2)[1]
    common = {"--paths", "-v", "--show-info", "-q", "--quiet", "--strict", "--no-cache"}
    note = readme.split("## Commands", 1)[1].split("\n\n", 3)[2]
    assert all(option in note for option in common)
    rows: dict[str, set[str]] = {}
    for line in table.splitlines()[2:]:
        usage = line.split("`")[1]
        command = usage.split()[1]
        rows.setdefault(command, set()).update(re.findall(r"(?<![\w-])--?[a-zA-Z][\w-]*", usage))
    commands = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
    assert set(rows) == commands and "schema" in commands  # every command has its row
    for command, documented in rows.items():
        help_text = CliRunner().invoke(app, [command, "--help"]).stdout
        spellings = [
            set(re.findall(r"(?<![\w-])--?[a-zA-Z][\w-]*", line.strip().split("  ")[0]))
            for line in help_text.splitlines()
            if line.strip().startswith("-")
        ]
        options = set().union(*spellings) - {"--help", "-h", "--root"}
        shared = common if command in ("validate", "check", "report") else set()
        documented = {o.rstrip(".…") for o in documented} - {"--select/--ignore"}
        for names in spellings:  # `-f` documents `--format` too
            if names & documented:
                documented |= names
        for option in documented:
            assert option in options, (command, option)
        short = {o for o in options if not o.startswith("--")}
        for option in options - shared - short:
            assert option in documented, (command, option)
    assert "Every command but `init` and `schema` takes `--root DIR`" in readme
    for command in commands:  # … and that sentence is true
        has_root = "--root" in CliRunner().invoke(app, [command, "--help"]).stdout
        assert has_root == (command not in ("init", "schema")), command


def test_every_code_path_and_module_the_docs_name_exists() -> None:
    """The docs name files and modules of the package (`registry/load/yaml.py`,
    `registry.engine.run`): after a move, each must still be where the docs say."""
    import importlib

    docs = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), ROOT / "bench" / "RESULTS.md"]
    paths, modules = set(), set()
    for doc in docs:
        text = doc.read_text()
        paths |= set(re.findall(r"(?<![\w/.])((?:registry|tests)/[a-z_/]+(?:\.py|/))", text))
        modules |= set(re.findall(r"(?<![\w./-])(registry(?:\.[a-z_]+)+)(?![\w-])", text))
    missing = [p for p in paths if not (ROOT / p).exists()]
    modules = {m for m in modules if not m.endswith((".yaml", ".json", ".sarif", ".html", ".md"))}
    unknown = []
    for name in sorted(modules):  # a module, or a name in one (`registry.open`)
        parts = name.split(".")
        for k in range(len(parts), 0, -1):
            try:
                module = importlib.import_module(".".join(parts[:k]))
            except ImportError:
                continue
            if k == len(parts) or hasattr(module, parts[k]):
                break
            unknown.append(name)
            break
    assert len(paths) > 10 and len(modules) > 10
    assert sorted(missing) == [] and sorted(unknown) == []
