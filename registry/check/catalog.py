"""docs/rules.md is generated from the rule modules' docstrings, so the two cannot disagree.

python -m registry.check.catalog > docs/rules.md
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re

from registry.check.rules import all_rules
from registry.common.findings import CODES

HEADING = re.compile(r"^## ([A-Z]+[0-9]{3}) — ", re.MULTILINE)


def rules_markdown() -> str:
    out = [
        "# Rule catalog",
        "",
        "Every finding `registry` reports has a stable code. Severity is the default; override it",
        "per code in `registry.yaml` (`rules: {CACHE001: error}`, or `off`), or choose codes per",
        "run with `registry validate --select/--ignore`. This page is generated from the rule",
        "modules in `registry/check/rules/` (`python -m registry.check.catalog > docs/rules.md`);",
        "a test keeps the two equal.",
        "",
        "| code | severity | what |",
        "|---|---|---|",
    ]
    out += [
        f"| [{code}](#{code.lower()}) | {sev} | {title} |" for code, (sev, title) in CODES.items()
    ]
    for module in all_rules():
        doc = inspect.getdoc(module) or ""
        intro, _, rest = doc.partition("\n## ")
        name = module.__name__.rsplit(".", 1)[-1].replace("_", " ")
        out += ["", f"## {name.capitalize()}", "", intro.strip()]
        if rest:
            body = "## " + rest
            body = HEADING.sub(lambda m: f"### {m.group(1)} — ", body)
            body = re.sub(r"^## ", "### ", body, flags=re.MULTILINE)
            body = re.sub(
                r"^(### ([A-Z]+[0-9]{3}) — .*)$",
                lambda m: (
                    f'<a id="{m.group(2).lower()}"></a>\n\n{m.group(1)}\n\n'
                    f"Default severity: **{CODES[m.group(2)][0]}**.\n"
                ),
                body,
                flags=re.MULTILINE,
            )
            out += ["", body.strip()]
    return "\n".join(out) + "\n"


@dataclasses.dataclass(frozen=True)
class Entry:
    """One code's catalog entry, as docs/rules.md shows it."""

    code: str
    title: str  # the entry's heading, after the code
    markdown: str  # its body: why, then a bad and a good example
    category: str  # the rule module: pins, cache, secrets, …

    @property
    def text(self) -> str:
        """The body for readers of plain text: the same words, without code fences."""
        return "\n".join(line for line in self.markdown.splitlines() if not line.startswith("```"))


SECTION = re.compile(r"^## (.+)$", re.MULTILINE)
CODE_HEADING = re.compile(r"^([A-Z]+[0-9]{3}) — (.+)$")


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, Entry]:
    """Every code's entry, from the rule modules' docstrings (the source of docs/rules.md)."""
    entries: dict[str, Entry] = {}
    for module in all_rules():
        doc = inspect.getdoc(module) or ""
        category = module.__name__.rsplit(".", 1)[-1]
        heads = list(SECTION.finditer(doc))
        for i, head in enumerate(heads):
            m = CODE_HEADING.match(head.group(1))
            if m is None:
                continue
            end = heads[i + 1].start() if i + 1 < len(heads) else len(doc)
            body = doc[head.end() : end].strip()
            entries[m.group(1)] = Entry(m.group(1), m.group(2).strip(), body, category)
    return entries


def documented_codes(markdown: str) -> list[str]:
    return re.findall(r"^### ([A-Z]+[0-9]{3}) — ", markdown, flags=re.MULTILINE)


if __name__ == "__main__":  # pragma: no cover
    print(rules_markdown(), end="")
