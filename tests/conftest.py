from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_registry


@pytest.fixture
def reg_root(tmp_path: Path) -> Path:
    """A clean, valid registry on disk."""
    return write_registry(tmp_path / "reg")
