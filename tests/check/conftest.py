from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import registry
from registry.engine.run import check_registry as check
from tests.helpers import write_registry

Found = list[tuple[str, str, int]]


@pytest.fixture
def found(tmp_path: Path) -> Callable[..., Found]:
    """Write overrides on a fresh base registry; (code, file, line) of every finding."""
    counter = iter(range(1000))

    def run(files: dict[str, str | bytes | None], *codes: str) -> Found:
        root = write_registry(tmp_path / f"reg{next(counter)}", files)
        result = check(registry.open(root))
        return [
            (f.code, f.file or "", f.line or 0)
            for f in result.findings
            if not codes or f.code in codes
        ]

    return run
