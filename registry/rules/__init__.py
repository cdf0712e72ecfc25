"""Rules as small plugins: each module has its CODES, a docstring that is its documentation
(a section per code with why, a bad and a good example), and `check(ctx)` yielding findings.

Adding a rule touches one new module and the RULES list below.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from registry import templates
from registry.findings import Finding

if TYPE_CHECKING:
    from types import ModuleType

    from registry.load import Document
    from registry.repo import Registry
    from registry.resolve import Environment, Unit


@dataclasses.dataclass
class Context:
    """What a rule can look at: the loaded registry and every resolved environment."""

    reg: Registry
    envs: dict[str, Environment]
    _trees: dict[str, Any] = dataclasses.field(default_factory=dict)

    def units(self) -> Iterator[tuple[Environment, Unit]]:
        for env in self.envs.values():
            for unit in env.prompts.values():
                yield env, unit

    def documents(self) -> Iterator[Document]:
        """Every loaded YAML document, in path order."""
        docs = [self.reg.settings_doc, self.reg.waivers_doc, *self.reg.layers.values()]
        docs += [d for versions in self.reg.prompts.values() for d in versions.values()]
        yield from sorted((d for d in docs if d is not None and d.ok), key=lambda d: d.file)

    def prompt_docs(self) -> Iterator[tuple[str, int, Document]]:
        for pid in sorted(self.reg.prompts):
            for version, doc in sorted(self.reg.prompts[pid].items()):
                if doc.ok:
                    yield pid, version, doc

    def tree(self, source: str) -> Any:
        """Parsed template (cached by source text); None when it does not parse."""
        cache = self._trees
        if source not in cache:
            try:
                cache[source] = templates.parse(source)
            except templates.TemplateError:
                cache[source] = None
        return cache[source]


def content_line(doc: Document, index: int) -> int:
    """File line of a message template's line 1 (after `content: |` for block scalars)."""
    line, col = doc.pos(("messages", index, "content"))
    lines = doc.text.splitlines()
    if 0 < line <= len(lines) and lines[line - 1][col - 1 : col] in ("|", ">"):
        return line + 1
    return line


def all_rules() -> list[ModuleType]:
    from registry.rules import (
        budget,
        cache,
        credentials,
        params,
        parity,
        pins,
        prompt_templates,
        review,
        secrets,
        structure,
        text,
        tools,
    )

    return [
        structure,
        prompt_templates,
        text,
        pins,
        params,
        budget,
        cache,
        tools,
        secrets,
        credentials,
        parity,
        review,
    ]


def run(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for rule in all_rules():
        out.extend(rule.check(ctx))
    return out


def tools_text(unit: Unit) -> str:
    """The tool definitions as the provider receives them (for token counts)."""
    import json

    return (
        json.dumps(
            [{"name": n, **unit.tools[n]} for n in unit.tool_order or sorted(unit.tools)],
            sort_keys=True,
            ensure_ascii=False,
        )
        if unit.tools
        else ""
    )


def shapes(ctx: Context, unit: Unit) -> list[templates.Shape | None]:
    """Static shape of each (inlined) message template of a unit; None when it does not parse."""
    out: list[templates.Shape | None] = []
    for msg in unit.messages:
        tree = ctx.tree(msg["content"])
        out.append(templates.shape(tree) if tree is not None else None)
    return out


def static_tokens(ctx: Context, unit: Unit) -> int:
    """Tokens of a unit that do not depend on inputs: tools + static template text."""
    from registry import tokens

    text = tools_text(unit) + "".join(s.static_total for s in shapes(ctx, unit) if s is not None)
    return tokens.count(text)
