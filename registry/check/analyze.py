"""Per-file analysis: everything that depends on one file's bytes alone.

Load (YAML) + JSON Schema + template parse + the per-file rules (`check_file` in a rule
module) run here, once per file content. The result is plain data — JSON-serializable for the
cache (`registry.engine.filecache`), picklable for worker processes — so cold runs spread files over
the cores and warm runs skip unchanged files entirely.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from registry.check import schema
from registry.common import shapes
from registry.common.findings import CODES, SEVERITIES, Finding, make
from registry.common.shapes import Any as AnyShape
from registry.common.shapes import DictOf, ListOf, Opt, Record, Tuple
from registry.load.yaml import MAX_BYTES, Document, decode, load_bytes

FACTS_MEMO = 20_000  # template texts remembered per process (their facts are small)


@dataclasses.dataclass
class TemplateFacts:
    """What one template says, statically (template lines are 1-based, template-relative)."""

    error: tuple[str, int] | None = None
    reads: dict[str, int] = dataclasses.field(default_factory=dict)
    includes: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    unsafe: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    # top-level pieces in order: ["s", text] static, ["d", what, line] dynamic,
    # ["i", partial, line] a literal include
    pieces: list[list[Any]] = dataclasses.field(default_factory=list)

    @classmethod
    def of(cls, source: str) -> TemplateFacts:
        """Facts of one template text. They depend on the text alone and are never mutated,
        so a text seen before in this process (a message shared by versions or prompts) is
        not parsed again."""
        facts = _FACTS.get(source)
        if facts is None:
            if len(_FACTS) >= FACTS_MEMO:
                _FACTS.clear()
            facts = _FACTS[source] = cls._scan(source) or cls._parse(source)
        return facts

    @classmethod
    def _scan(cls, source: str) -> TemplateFacts | None:
        """Facts of a template in the plain subset, without Jinja2 (see `templatescan`)."""
        from registry.template.scan import scan

        found = scan(source)
        return None if found is None else cls(None, found[0], found[1], [], found[2])

    @classmethod
    def _parse(cls, source: str) -> TemplateFacts:
        from registry.template import env as templates  # jinja2: only when a template is analyzed

        try:
            tree = templates.parse(source)
        except templates.TemplateError as exc:
            return cls(error=(exc.message, exc.lineno))
        info = templates.analyze(tree)
        return cls(
            None,
            info.reads,
            info.includes,
            [(i.message, i.lineno) for i in info.unsafe],
            templates.pieces(tree),
        )

    def as_json(self) -> dict[str, Any]:
        """JSON-ready (shares the lists: it is serialized at once, never mutated)."""
        return {
            "error": list(self.error) if self.error else None,
            "reads": self.reads,
            "includes": [list(x) for x in self.includes],
            "unsafe": [list(x) for x in self.unsafe],
            "pieces": self.pieces,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TemplateFacts:
        return cls(
            tuple(data["error"]) if data["error"] else None,
            data["reads"],
            [tuple(x) for x in data["includes"]],
            [tuple(x) for x in data["unsafe"]],
            data["pieces"],
        )


_FACTS: dict[str, TemplateFacts] = {}

_PIECE = shapes.OneOf(Tuple(str, str), Tuple(str, str, int))
_FACTS_SHAPE = Record(
    {
        "error": Opt(Tuple(str, int)),
        "reads": DictOf(int),
        "includes": ListOf(Tuple(str, int)),
        "unsafe": ListOf(Tuple(str, int)),
        "pieces": ListOf(_PIECE),
    }
)
_RESULT = Record(
    {
        "kind": str,
        "rel": str,
        "data": AnyShape,
        "findings": ListOf(shapes.FINDING),
        "templates": ListOf(Opt(_FACTS_SHAPE)),
        "anchors": ListOf(Tuple(ListOf(shapes.OneOf(str, int)), int, int)),
        "literals": ListOf(str),
    }
)

_TEXT, _MAPPING = Opt(str), Opt(dict)  # a file's data: a partial's text, or a YAML mapping


@dataclasses.dataclass
class FileResult:
    """One file, analyzed. `data` is None for a broken YAML file; a partial's data is its text."""

    kind: str
    rel: str
    data: Any
    findings: list[Finding]
    templates: list[TemplateFacts | None]
    anchors: dict[tuple[Any, ...], tuple[int, int]]
    literals: list[str] = dataclasses.field(default_factory=list)  # values every output masks

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rel": self.rel,
            "data": self.data,
            "findings": [
                [f.code, f.severity, f.message, f.file, f.line, f.col, f.path, f.hint]
                for f in self.findings
            ],
            "templates": [t.as_json() if t else None for t in self.templates],
            "anchors": [[list(k), v[0], v[1]] for k, v in self.anchors.items()],
            "literals": self.literals,
        }

    @classmethod
    def from_json(cls, d: Any, kind: str | None = None, rel: str | None = None) -> FileResult:
        """Back from the cache. Anything but the shape `as_json` writes, or an entry for
        another kind or path, is a ValueError (the file is analyzed again)."""
        if (
            not shapes.ok(d, _RESULT)
            or kind not in (None, d["kind"])
            or rel not in (None, d["rel"])
            or not shapes.ok(d["data"], _TEXT if d["kind"] == "partial" else _MAPPING)
        ):
            raise ValueError("not a cached analysis of this file")
        if any(f[0] not in CODES or f[1] not in SEVERITIES for f in d["findings"]):
            raise ValueError("a cached finding of an unknown code")
        return cls(
            d["kind"],
            d["rel"],
            d["data"],
            [Finding(*f) for f in d["findings"]],
            [TemplateFacts.from_json(t) if t else None for t in d["templates"]],
            {tuple(k): (line, col) for k, line, col in d["anchors"]},
            [str(v) for v in d["literals"]],
        )

    def document(self, raw: bytes, full: Document | None = None, store: Any = None) -> Document:
        """The Document for resolution: positions from `full` when at hand, else lazy (from
        `store` when it has them)."""
        if full is not None:
            full.data = self.data
            full.anchors = self.anchors
            return full
        return Document(self.rel, self.data, anchors=self.anchors, raw=raw, store=store)


def analyze(
    kind: str, rel: str, raw: bytes, known: dict[str, TemplateFacts] | None = None
) -> tuple[FileResult, Document | None]:
    """Analyze one file; also the full Document (with positions) when one was built.
    `known`: facts of templates seen before, by source text (facts depend on nothing else)."""
    if kind == "partial":
        return _partial(rel, raw), None
    doc, findings = load_bytes(raw, rel)
    findings += schema.check(doc, kind)
    if findings or not isinstance(doc.data, dict):
        doc.data = None  # never resolve from a file whose structure is wrong
    facts: list[TemplateFacts | None] = []
    anchors: dict[tuple[Any, ...], tuple[int, int]] = {}
    if kind == "prompt" and doc.data is not None:
        facts, anchors = _prompt_facts(doc, known or {})
    elif kind == "environment" and doc.data is not None and "extends" in doc.data:
        anchors[("extends",)] = doc.pos(("extends",))
    result = FileResult(kind, rel, doc.data, findings, facts, anchors)
    if doc.data is not None:
        from registry.check.rules import all_rules
        from registry.check.rules.base import FileView
        from registry.check.rules.secrets import file_literals

        view = FileView(result, doc)
        result.literals = file_literals(view.strings)
        for rule in all_rules():
            if hasattr(rule, "check_file"):
                result.findings.extend(rule.check_file(view))
    return result, doc


def _prompt_facts(
    doc: Document, known: dict[str, TemplateFacts]
) -> tuple[list[TemplateFacts | None], dict[tuple[Any, ...], tuple[int, int]]]:
    from registry.check.rules.base import content_line

    facts: list[TemplateFacts | None] = []
    anchors: dict[tuple[Any, ...], tuple[int, int]] = {("messages",): doc.pos(("messages",))}
    for i, msg in enumerate(doc.data.get("messages") or []):
        source = msg.get("content") if isinstance(msg, dict) else None
        if isinstance(source, str):
            facts.append(known[source] if source in known else TemplateFacts.of(source))
        else:
            facts.append(None)
        anchors[("messages", i, "content")] = doc.pos(("messages", i, "content"))
        anchors[("messages", i, "content", "@line1")] = (content_line(doc, i), 1)
    defaults = doc.data.get("defaults") or {}
    for key in ("model", "params", "tools"):
        if key in defaults:
            anchors[("defaults", key)] = doc.pos(("defaults", key))
    for key in defaults.get("params") or {}:
        anchors[("defaults", "params", key)] = doc.pos(("defaults", "params", key))
    for i, _ in enumerate(defaults.get("tools") or []):
        anchors[("defaults", "tools", i)] = doc.pos(("defaults", "tools", i))
    for name in (doc.data.get("variables") or {}).get("properties") or {}:
        anchors[("variables", "properties", name, "@key")] = doc.pos(
            ("variables", "properties", name), key=True
        )
    if "evals" in doc.data:
        anchors[("evals",)] = doc.pos(("evals",))
    return facts, anchors


def _partial(rel: str, raw: bytes) -> FileResult:
    if len(raw) > MAX_BYTES:
        msg = f"file is {len(raw)} bytes, over the {MAX_BYTES}-byte limit"
        return FileResult("partial", rel, None, [make("YAML006", msg, rel, 1, 1)], [], {})
    text, finding = decode(raw, rel)
    if finding is not None:
        return FileResult("partial", rel, None, [finding], [], {})
    result = FileResult("partial", rel, text, [], [TemplateFacts.of(text)], {})
    from registry.check.rules import all_rules
    from registry.check.rules.base import FileView
    from registry.common.redact import block_lines

    result.literals = block_lines(text)
    view = FileView(result, None)
    for rule in all_rules():
        if hasattr(rule, "check_file"):
            result.findings.extend(rule.check_file(view))
    return result


PARALLEL_MIN = 400  # below this many files to analyze, worker start-up costs more than it saves


def _work(items: list[tuple[str, str, bytes]]) -> list[FileResult]:
    return [analyze(kind, rel, raw)[0] for kind, rel, raw in items]


def analyze_many(
    items: list[tuple[str, str, bytes]],
    *,
    memory: dict[Any, Any] | None = None,
    disk: Any = None,
    jobs: int | None = None,
) -> dict[str, tuple[FileResult, Document | None]]:
    """Analyze many files: from the caches when the bytes were seen, else on all cores.
    Output is keyed by path; order and content do not depend on caching or parallelism.
    `disk`: the engine's file cache (get, put, versions, key, save), or None."""
    out: dict[str, tuple[FileResult, Document | None]] = {}
    misses: list[tuple[str, str, bytes]] = []
    keys: dict[str, tuple[str, str]] = {}
    hints: dict[str, dict[str, TemplateFacts]] = {}
    for kind, rel, raw in items:
        hit = memory.get((kind, rel, raw)) if memory is not None else None
        if hit is None and disk is not None:
            keys[rel] = disk.key(kind, rel, raw)
            entry = disk.get(keys[rel])
            if entry is not None:
                try:
                    hit = FileResult.from_json(entry, kind, rel)
                except ValueError:
                    hit = None  # not the shape the tool writes: analyze again
            if hit is None and kind == "prompt":
                hints[rel] = _known_templates(disk.versions(keys[rel][0]))
        if hit is not None:
            out[rel] = (hit, None)
        else:
            misses.append((kind, rel, raw))
    for (_kind, rel, _raw), (result, doc) in zip(misses, _run(misses, jobs, hints), strict=True):
        out[rel] = (result, doc)
        if disk is not None:
            disk.put(keys[rel], result.as_json())
    if memory is not None:
        for kind, rel, raw in items:
            memory[(kind, rel, raw)] = out[rel][0]
    if disk is not None:
        disk.save()
    return out


def _known_templates(versions: list[Any]) -> dict[str, TemplateFacts]:
    """Template facts of earlier versions of a prompt file (from its cache entries), by
    source text: editing one message of a file does not parse the others again."""
    known: dict[str, TemplateFacts] = {}
    for entry in versions:
        if not shapes.ok(entry, _RESULT) or not shapes.ok(entry["data"], _MAPPING):
            continue  # not the shape the tool writes: no hint from it
        messages = (entry["data"] or {}).get("messages")
        for msg, facts in zip(
            messages if isinstance(messages, list) else [], entry["templates"], strict=False
        ):
            if isinstance(msg, dict) and isinstance(msg.get("content"), str) and facts:
                known[msg["content"]] = TemplateFacts.from_json(facts)
    return known


def _run(
    items: list[tuple[str, str, bytes]],
    jobs: int | None,
    hints: dict[str, dict[str, TemplateFacts]] | None = None,
) -> Iterator[tuple[FileResult, Document | None]]:
    """Results in the order of `items`: in this process for a few files (with `hints`, by
    path), else spread over the cores."""
    import os

    from registry.common import progress

    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    progress.stage("reading files", len(items), step=True)
    if workers < 2 or len(items) < PARALLEL_MIN:
        for kind, rel, raw in items:
            progress.advance(step=True)
            yield analyze(kind, rel, raw, (hints or {}).get(rel))
        return
    from registry.common.workers import pool

    size = max(1, len(items) // (workers * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    results: list[FileResult] = []
    with pool(workers) as executor:
        for chunk in executor.map(_work, chunks):
            results.extend(chunk)
            progress.advance(len(chunk), step=True)
    for result in results:
        yield result, None
