from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import write_registry


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Each test gets its own per-user cache folder (never the real ~/.cache), and starts
    with no open cache folders from an earlier test. (Its own MonkeyPatch: a test's
    `monkeypatch.undo()` must not undo this.)"""
    from registry.engine import cachestore

    folder = tmp_path_factory.mktemp("user-cache") / "registry"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REGISTRY_CACHE_DIR", str(folder))
        cachestore.reset()
        yield folder
        cachestore.reset()


@pytest.fixture
def reg_root(tmp_path: Path) -> Path:
    """A clean, valid registry on disk."""
    return write_registry(tmp_path / "reg")
