"""`registry init [DIR]`: a new, valid, commented registry to start from.

Writes registry.yaml, base/staging/prod layers, one prompt, an empty waivers file and a
pre-commit config using the hooks. Refuses to overwrite: when any file exists, nothing is
written.
"""

from __future__ import annotations

from pathlib import Path

from registry.atomic import write_bytes
from registry.errors import RegistryError

TEMPLATE = Path(__file__).resolve().parent / "data" / "init"
RENAMES = {"pre-commit-config.yaml": ".pre-commit-config.yaml"}


def files() -> dict[str, bytes]:
    out = {}
    for path in sorted(TEMPLATE.rglob("*")):
        if path.is_file():
            rel = path.relative_to(TEMPLATE).as_posix()
            out[RENAMES.get(rel, rel)] = path.read_bytes()
    return out


def init(target: Path) -> list[str]:
    """Create the starter registry in `target`; the relative paths written."""
    if target.exists() and not target.is_dir():
        raise RegistryError(f"{target} exists and is not a directory")
    planned = files()
    existing = [rel for rel in planned if (target / rel).exists()]
    if existing:
        raise RegistryError(
            f"refusing to overwrite existing files in {target}: "
            f"{', '.join(existing)} (nothing written)"
        )
    for rel, data in planned.items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        write_bytes(target / rel, data)
    return list(planned)
