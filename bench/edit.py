"""The edits bench/run.py and bench/ab.py time, run in a generated registry's folder.

    python bench/edit.py layer      # a shared value in environments/base.yaml (max_tokens - 1)
    python bench/edit.py partial    # a line appended to the first shared partial
    python bench/edit.py prompts    # a comment line appended to the first three prompt files

Undo them with `git checkout -- environments prompts`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def layer() -> None:
    path = Path("environments/base.yaml")
    text = path.read_text()
    edited = re.sub(r"max_tokens: (\d+)", lambda m: f"max_tokens: {int(m[1]) - 1}", text, count=1)
    path.write_text(edited)


def partial() -> None:
    for path in sorted(Path("prompts/_partials").glob("*.j2"))[:1]:
        path.write_text(path.read_text() + "Be brief.\n")


def prompts() -> None:
    for path in sorted(Path("prompts").rglob("*.yaml"))[:3]:
        path.write_text(path.read_text() + "#\n")


EDITS = {"layer": layer, "partial": partial, "prompts": prompts}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in EDITS:
        sys.exit(f"usage: python bench/edit.py {'|'.join(EDITS)}")
    EDITS[sys.argv[1]]()
