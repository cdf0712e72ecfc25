"""Print pip constraints that pin every runtime dependency of pyproject.toml to its lowest
allowed version (`pyyaml>=6.0,<7` -> `pyyaml==6.0`), for the CI step that proves the bounds we
publish are true."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
for requirement in project["project"]["dependencies"]:
    found = re.match(r"\s*([A-Za-z0-9_.\[\]-]+)\s*.*?>=\s*([^,;\s]+)", requirement)
    if found is None:
        sys.exit(f"no lower bound in {requirement!r}: every dependency needs one")
    print(f"{found.group(1).split('[')[0]}=={found.group(2)}")
