"""What rules share: the views they get (FileView for one file, Context for the whole
registry), where a finding belongs (`scope_of`), and the prompt-shape helpers the budget
and cache rules and the change review use."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from registry.models import tokens
from registry.template import partials as prompttext

if TYPE_CHECKING:
    from registry.check.analyze import FileResult, TemplateFacts
    from registry.load.yaml import Document
    from registry.resolve.registry import Registry
    from registry.resolve.units import Environment, Unit


@dataclasses.dataclass
class FileView:
    """What a per-file rule sees: the analysis so far and, for YAML files, the Document."""

    result: FileResult
    doc: Document | None

    @property
    def kind(self) -> str:
        return self.result.kind

    @functools.cached_property
    def strings(self) -> list[tuple[tuple[Any, ...], str, str]]:
        """Every string value of the document, walked once for all rules (see
        `strings` below)."""
        return strings(self.doc.data if self.doc is not None else None)


@dataclasses.dataclass
class Context:
    """What a cross-file rule can look at: the loaded registry and every resolved environment."""

    reg: Registry
    envs: dict[str, Environment]
    memo: dict[Any, Any] = dataclasses.field(default_factory=dict)
    # The prompt the iteration is at (None: registry-wide). The iterators below set it before
    # each item, so a finding a rule yields while looking at a unit or a prompt file belongs
    # to that prompt: the incremental run (registry.engine.snapshot) re-checks only changed prompts.
    # Rules must therefore yield as they iterate, never collect first.
    scope: str | None = None
    shared: bool = True  # False: skip registry-wide documents (an incremental run keeps theirs)

    def units(self) -> Iterator[tuple[Environment, Unit]]:
        for env in self.envs.values():
            for unit in env.prompts.values():
                self.scope = unit.prompt
                yield env, unit
        self.scope = None

    def count(self, prompt: str, text: str, model: str | None) -> int:
        """Tokens of `text` for `model`, for a finding about `prompt`: exact counts are kept in
        the engine's file cache by the text's digest (`FileCache.count`), so a run that counts
        only texts it has counted before (a layer or params edit, a prompt file touched but
        not its messages) never loads a tokenizer's ranks."""
        disk = self.reg.disk
        if not text or disk is None or tokens.encoding_for(model) is None:
            return tokens.count(text, model)  # an estimate, or nothing to count: no lookup
        return int(disk.count(prompt, text, model))

    def count_shard(self, prompt: str) -> int:
        """Where the counts for `prompt` are kept: a text shared by prompts (a layer's tools)
        is counted, and kept, once per shard, so a run over some prompts finds it."""
        return int(self.reg.disk.count_shard(prompt)) if self.reg.disk is not None else 0

    def environments(self) -> Iterator[Environment]:
        """Each resolved environment, for registry-wide rules (none when `shared` is off)."""
        if self.shared:
            yield from self.envs.values()

    def documents(self) -> Iterator[Document]:
        """Every loaded YAML document, in path order."""
        docs = [self.reg.settings_doc, self.reg.waivers_doc, *self.reg.layers.values()]
        docs += [d for versions in self.reg.prompts.values() for d in versions.values()]
        for doc in sorted((d for d in docs if d is not None and d.ok), key=lambda d: d.file):
            self.scope = scope_of(doc.file)
            if self.shared or self.scope is not None:
                yield doc
        self.scope = None

    def prompt_docs(self) -> Iterator[tuple[str, int, Document]]:
        for pid in sorted(self.reg.prompts):
            for version, doc in sorted(self.reg.prompts[pid].items()):
                if doc.ok:
                    self.scope = pid
                    yield pid, version, doc
        self.scope = None

    def facts(self, doc: Document) -> list[TemplateFacts | None]:
        """Template facts of a prompt file's messages."""
        result = self.reg.results.get(doc.file)
        return result.templates if result is not None else []

    @functools.cached_property
    def partial_pieces(self) -> dict[str, list[list[Any]]]:
        """Pieces of the partials that parse and can be inlined (see PartialGraph)."""
        out = {}
        graph = self.reg.partial_graph
        for name, partial in self.reg.partials.items():
            if graph.problem(name) is not None:
                continue
            result = self.reg.results.get(partial.file)
            facts = result.templates[0] if result is not None and result.templates else None
            if facts is not None and facts.error is None:
                out[name] = facts.pieces
        return out


def content_line(doc: Document, index: int) -> int:
    """File line of a message template's line 1 (after `content: |` for block scalars)."""
    anchor = doc.anchors.get(("messages", index, "content", "@line1"))
    if anchor is not None:
        return anchor[0]
    line, col = doc.pos(("messages", index, "content"))
    lines = doc.text.splitlines()
    if 0 < line <= len(lines) and lines[line - 1][col - 1 : col] in ("|", ">"):
        return line + 1
    return line


def scope_of(rel: str) -> str | None:
    """The prompt a registry file belongs to (None for shared files: layers, partials...)."""
    parts = rel.split("/")
    if len(parts) >= 3 and parts[0] == "prompts" and parts[1] != "_partials":
        return parts[1]
    return None


def tools_text(unit: Unit) -> str:
    """The tool definitions as the provider receives them (for token counts)."""
    return tokens.tools_text(unit.tools, unit.tool_order)


def shapes(ctx: Context, unit: Unit) -> list[prompttext.Shape | None]:
    """Static shape of each message template of a unit (partials expanded); None when a
    template does not parse. The same for every environment binding the file: computed once."""
    doc = ctx.reg.prompt_doc(unit.prompt, unit.version)
    key = ("shapes", id(doc.data) if doc is not None else None)
    if key not in ctx.memo:
        ctx.memo[key] = _shapes(ctx, unit, doc)
    result: list[prompttext.Shape | None] = ctx.memo[key]
    return result


def _shapes(ctx: Context, unit: Unit, doc: Document | None) -> list[prompttext.Shape | None]:
    facts = ctx.facts(doc) if doc is not None else []
    out: list[prompttext.Shape | None] = []
    for i in range(len(unit.messages)):
        f = facts[i] if i < len(facts) else None
        out.append(
            prompttext.shape(f.pieces, ctx.partial_pieces)
            if f is not None and f.error is None
            else None
        )
    return out


def static_tokens(ctx: Context, unit: Unit) -> int:
    """Tokens of a unit that do not depend on inputs: tools + static template text, counted
    for the model it runs (`registry.models.tokens`)."""

    model = ctx.reg.settings.runs(unit.model) if unit.model else None
    encoding = tokens.encoding_for(model)
    doc = ctx.reg.prompt_doc(unit.prompt, unit.version)
    key = ("static", id(doc), unit.prompt, unit.version, encoding)
    if key not in ctx.memo:
        text = "".join(s.static_total for s in shapes(ctx, unit) if s)
        ctx.memo[key] = ctx.count(unit.prompt, text, model)
    tools = tuple(id(unit.tools[n]) for n in unit.tool_order)
    tools_key = ("tools", tools, tuple(unit.tool_order), encoding, ctx.count_shard(unit.prompt))
    if tools_key not in ctx.memo:
        ctx.memo[tools_key] = ctx.count(unit.prompt, tools_text(unit), model)
    return int(ctx.memo[key] + ctx.memo[tools_key])


def strings(data: Any) -> list[tuple[tuple[Any, ...], str, str]]:
    """Every string value of a loaded document, in document order: (path, the nearest
    string key above it, value)."""
    out: list[tuple[tuple[Any, ...], str, str]] = []
    _strings(data, (), "", out)
    return out


def _strings(value: Any, path: tuple[Any, ...], key: str, out: list[Any]) -> None:
    if isinstance(value, dict):
        for k, sub in value.items():
            _strings(sub, (*path, k), k if isinstance(k, str) else key, out)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            _strings(sub, (*path, i), key, out)
    elif isinstance(value, str):
        out.append((path, key, value))
