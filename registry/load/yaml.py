"""The one YAML entry point.

Builds plain Python values straight from the parser's events (PyYAML's C parser when present),
so that every rule about YAML is enforced in one place and on one pass:

* safe scalars only, resolved by the YAML 1.2 core schema: `no`/`on`/`yes` and dates stay
  strings; a leading-zero integer (octal in 1.1, decimal in 1.2) is refused (YAML005);
* duplicate keys (YAML002), explicit tags (YAML003), anchors, aliases and merge keys
  (YAML004), non-string keys (YAML005) and several documents (YAML001) are findings;
* a size limit and a depth limit counted on events (YAML006), so neither a deep file nor an
  alias bomb can exhaust the stack or memory;
* every value keeps its line and column (1-based) so a finding can point at it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from registry.common.findings import Finding, make
from registry.load.events import MAX_DEPTH, Path, _Abort, _Builder, _typename

MAX_BYTES = 4 * 1024 * 1024


_FOREIGN_BOMS = (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\xfe\xff", b"\xff\xfe")


class Document:
    """One loaded file. `data` is None when the file could not be loaded cleanly.

    Positions can be filled lazily: a document restored from the cache carries only `anchors`
    (the few positions rules usually need) and re-parses its text the first time another
    position is asked for.
    """

    def __init__(
        self,
        file: str,
        data: Any,
        text: str = "",
        positions: Mapping[Path, tuple[int, int]] | None = None,
        key_positions: Mapping[Path, tuple[int, int]] | None = None,
        plain: dict[Path, str] | None = None,
        *,
        anchors: dict[Path, tuple[int, int]] | None = None,
        raw: bytes | None = None,
        store: Any = None,
    ) -> None:
        self.file = file
        self._store = store  # load()/save() of positions kept elsewhere (the file cache)
        self.data = data
        self._text = text
        self._raw = raw
        self._positions = positions
        self._key_positions = key_positions
        self.plain = plain or {}
        self.anchors = anchors or {}

    @property
    def ok(self) -> bool:
        return self.data is not None

    @property
    def text(self) -> str:
        if not self._text and self._raw is not None:
            self._text = decode(self._raw, self.file)[0]
        return self._text

    def _fill(self, table: str) -> None:
        """Fill one position table ("values" or "keys"): from the store when it has it, else
        by parsing the text again (and then both tables, which the store keeps)."""
        kept = self._store.load(table) if self._store is not None else None
        if kept is not None:
            if table == "values":
                self._positions = kept
            else:
                self._key_positions = kept
            return
        full, _ = load_text(self.text, self.file) if self.text else (Document(self.file, None), [])
        self._positions, self._key_positions = full._positions or {}, full._key_positions or {}
        if self._store is not None:
            self._store.save(self._positions, self._key_positions)

    @property
    def positions(self) -> Mapping[Path, tuple[int, int]]:
        if self._positions is None:
            self._fill("values")
        assert self._positions is not None
        return self._positions

    @property
    def key_positions(self) -> Mapping[Path, tuple[int, int]]:
        if self._key_positions is None:
            self._fill("keys")
        assert self._key_positions is not None
        return self._key_positions

    def pos(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at `path`, or of its deepest existing ancestor."""
        p = tuple(path)
        anchor = self.anchors.get((*p, "@key") if key else p)
        if anchor is not None:
            return anchor
        table = self.key_positions if key else self.positions
        while p:
            if p in table:
                return table[p]
            if key and p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), (1, 1))


def load_bytes(
    raw: bytes, file: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> tuple[Document, list[Finding]]:
    """Load one YAML file's bytes. Never raises for bad input: problems come back as findings."""
    if len(raw) > max_bytes:
        msg = f"file is {len(raw)} bytes, over the {max_bytes}-byte limit"
        return Document(file, None), [make("YAML006", msg, file, 1, 1)]
    text, finding = decode(raw, file)
    if finding is not None:
        return Document(file, None), [finding]
    return load_text(text, file, max_depth=max_depth)


def decode(raw: bytes, file: str) -> tuple[str, Finding | None]:
    """Decode UTF-8 (a UTF-8 BOM is allowed); anything else is YAML007 with its position."""
    if raw.startswith(_FOREIGN_BOMS):
        return "", make(
            "YAML007",
            "file starts with a UTF-16/32 byte-order mark",
            file,
            1,
            1,
            hint="save the file as UTF-8",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _offset_pos(raw, nul)
        return "", make("YAML007", "NUL byte in file", file, line, col)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line, col = _offset_pos(raw, exc.start)
        return "", make(
            "YAML007",
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            file,
            line,
            col,
            hint="save the file as UTF-8",
        )


def _offset_pos(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    return line, len(raw[start:offset].decode("utf-8", "replace")) + 1


def load_text(
    text: str, file: str, *, max_depth: int = MAX_DEPTH
) -> tuple[Document, list[Finding]]:
    """Load decoded YAML text (see the module docstring for what is refused)."""
    builder = _Builder(file, max_depth)
    try:
        builder.run(text)
    except _Abort as abort:
        builder.findings.append(abort.finding)
        return Document(file, None, text), builder.findings
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "syntax error"
        if "nesting depth" in problem:  # the parser's own limit (libyaml 0.2.5+: 1,000 levels)
            message = f"nesting deeper than {max_depth} levels (the YAML parser stopped: {problem})"
            builder.findings.append(make("YAML006", message, file, line, col))
        else:
            builder.findings.append(
                make("YAML001", f"YAML syntax error: {problem}", file, line, col)
            )
        return Document(file, None, text), builder.findings
    except (yaml.YAMLError, RecursionError) as exc:  # pragma: no cover - defensive
        builder.findings.append(make("YAML001", f"YAML error: {type(exc).__name__}", file, 1, 1))
        return Document(file, None, text), builder.findings
    doc = Document(file, None, text, builder.positions, builder.key_positions, builder.plain)
    if not builder.documents or (builder.root is None and not builder.findings):
        builder.findings.append(
            make("SCHEMA001", "empty document: the file has no content", file, 1, 1)
        )
    elif not builder.findings:
        doc.data = builder.root
    return doc, builder.findings


def typename(value: Any) -> str:
    """JSON-ish type name of a loaded value, for messages."""
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return _typename(value)
