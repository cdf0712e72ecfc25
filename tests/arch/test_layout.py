"""The file list is the architecture (docs/architecture.md): these tests keep it so.

Imports are read from the code (`tests/arch/imports.py`, nothing is imported): no module
imports itself in a circle at run time; each stage imports only the stages below it; the core
never reaches up into the command line, the reporters or the engine; the deploy-time runtime
stays free of git, history and the CLI; and no module grows past 400 lines."""

from __future__ import annotations

import ast

from tests.arch.imports import PACKAGE, cycles, folder, graph

# What each folder may import at run time (besides itself). docs/architecture.md draws it.
BELOW: dict[str, set[str]] = {
    "common": set(),
    "models": {"common"},
    "load": {"common", "models"},
    "template": {"common"},
    "request": {"common", "models", "template"},
    "behavior": {"common", "models", "load", "template", "request", "check"},
    "check": {"common", "models", "load", "template"},
    "resolve": {"common", "models", "load", "template", "check", "request"},
    "diff": {"common", "models", "load", "template", "check", "resolve"},
    "gate": {"common", "models", "load", "template", "check", "resolve", "diff", "behavior"},
    "report": {"common", "models", "load", "template", "check", "resolve", "diff", "gate"},
    "deploy": {"common", "template", "request", "resolve"},
    "edit": {"common", "models", "load", "template", "check", "resolve"},
    "engine": {
        "common",
        "models",
        "load",
        "template",
        "check",
        "resolve",
        "diff",
        "gate",
        "report",
        "behavior",
    },
}
CORE = ("load", "resolve", "check", "diff", "gate")
ABOVE_CORE = ("cli", "report", "engine")


def test_no_import_cycle_at_run_time() -> None:
    assert cycles(graph()) == []


def test_each_stage_imports_only_the_stages_below_it() -> None:
    wrong = [
        f"{a} -> {b}"
        for a, targets in graph().items()
        for b in targets
        if folder(a) in BELOW and folder(b) != folder(a) and folder(b) not in BELOW[folder(a)]
    ]
    assert wrong == []
    assert set(BELOW) | {"cli", ""} >= {folder(m) for m in graph()}  # no folder unaccounted for


def test_the_core_never_imports_the_cli_the_reporters_or_the_engine() -> None:
    """Not even for type hints: the core hands its results up, it does not know who asks."""
    wrong = [
        f"{a} -> {b}"
        for a, targets in graph(runtime_only=False).items()
        for b in targets
        if folder(a) in CORE and folder(b) in ABOVE_CORE
    ]
    assert wrong == []


def test_the_runtime_imports_no_source_history_or_cli() -> None:
    """What apps import at deploy time (`registry.runtime`) reaches neither git nor the CLI."""
    edges = graph(runtime_only=False)
    seen, todo = set(), ["registry.runtime"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(edges.get(module, ()))
    banned = ("registry.load.source", "registry.load.gitref", "registry.load.worktree")
    assert {m for m in seen if m.startswith(banned)} == set()
    assert {folder(m) for m in seen} & {"diff", "cli", "engine", "load", "check"} == set()


def test_no_module_over_400_lines_and_functions_mostly_short() -> None:
    long_modules = []
    sizes = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text("utf-8")
        if text.count("\n") > 400:
            long_modules.append(f"{path.relative_to(PACKAGE)}: {text.count(chr(10))}")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                sizes.append((node.end_lineno or node.lineno) - node.lineno + 1)
    assert long_modules == []
    assert sum(n <= 40 for n in sizes) >= 0.95 * len(sizes)  # mostly under 40
    assert max(sizes) <= 80


def test_the_cli_knows_every_reporter() -> None:
    """The CLI keeps its own copy of the format names (importing the reporters on every
    commit hook would cost); the copy is the reporters' list."""
    from registry import report
    from registry.cli import common

    assert common.FORMATS == report.FORMATS
