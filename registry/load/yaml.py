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

import math
import re
from collections.abc import Mapping
from typing import Any

import yaml

from registry.common.findings import Finding, make

try:  # the C parser: faster, and it accepts deep nesting the pure-Python one cannot
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
SAFE_INT = 2**53 - 1  # the largest integer JSON consumers read exactly

Path = tuple[Any, ...]

_INT = re.compile(r"[-+]?[0-9]+\Z")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
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


class _Abort(Exception):
    def __init__(self, finding: Finding) -> None:
        self.finding = finding


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


_NO_KEY = object()


class _Builder:
    """Turns parser events into values with an explicit stack (no recursion)."""

    def __init__(self, file: str, max_depth: int) -> None:
        self.file = file
        self.max_depth = max_depth
        self.findings: list[Finding] = []
        self.positions: dict[Path, tuple[int, int]] = {}
        self.key_positions: dict[Path, tuple[int, int]] = {}
        self.plain: dict[Path, str] = {}
        self.stack: list[list[Any]] = []  # [container, path, pending key]
        self.root: Any = None
        self.documents = 0

    def run(self, text: str) -> None:
        """Build from every event of `text` (the parser's own loop, no generator)."""
        parser = _Loader(text)
        try:
            self._consume(parser.get_event)
        finally:
            parser.dispose()

    def _consume(self, get: Any) -> None:
        """`feed` for every event, with the common case — a scalar inside a container —
        handled inline (most events are those)."""
        stack = self.stack
        positions = self.positions
        scalar_event, stream_end = yaml.ScalarEvent, yaml.StreamEndEvent
        while True:
            ev = get()
            kind = type(ev)
            if kind is not scalar_event or not stack:
                if kind is stream_end:
                    return
                self.feed(ev)
                continue
            if ev.anchor is not None or ev.tag is not None:
                self._check_props(ev)
            if not ev.style and ev.tag is None:
                value, flag = _plain(ev.value)
            else:
                value, flag = ev.value, 0
            frame = stack[-1]
            container = frame[0]
            if type(container) is list:
                child = (*frame[1], len(container))
                container.append(value)
            elif frame[2] is _NO_KEY:
                frame[2] = self._key(container, frame[1], value, ev)
                continue
            else:
                child = (*frame[1], frame[2])
                container[frame[2]] = value
                frame[2] = _NO_KEY
            mark = ev.start_mark
            positions[child] = (mark.line + 1, mark.column + 1)
            if flag:
                self._note_plain(child, value, ev)

    def _err(self, code: str, msg: str, mark: Any, hint: str | None = None) -> None:
        self.findings.append(make(code, msg, self.file, mark.line + 1, mark.column + 1, hint=hint))

    def feed(self, ev: Any) -> None:
        if isinstance(ev, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise _Abort(
                    make(
                        "YAML001",
                        "more than one YAML document in the file",
                        self.file,
                        *_at(ev.start_mark),
                        hint="keep one document per file; remove the extra '---'",
                    )
                )
        elif isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self._check_props(ev)
            if len(self.stack) >= self.max_depth:
                raise _Abort(
                    make(
                        "YAML006",
                        f"nesting deeper than {self.max_depth} levels",
                        self.file,
                        *_at(ev.start_mark),
                    )
                )
            container: Any = {} if isinstance(ev, yaml.MappingStartEvent) else []
            path = self._place(container, ev)
            self.stack.append([container, path, _NO_KEY])
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.stack.pop()
        elif isinstance(ev, yaml.ScalarEvent):
            self._check_props(ev)
            self._place(self._scalar(ev), ev)
        elif isinstance(ev, yaml.AliasEvent):
            self._err(
                "YAML004",
                f"alias '*{ev.anchor}' is not allowed",
                ev.start_mark,
                "write the value out in full",
            )
            self._place(None, ev)

    def _check_props(self, ev: Any) -> None:
        if ev.anchor is not None:
            self._err(
                "YAML004",
                f"anchor '&{ev.anchor}' is not allowed",
                ev.start_mark,
                "write the value out in full",
            )
        tag = ev.tag
        if tag is not None and not (isinstance(ev, yaml.ScalarEvent) and tag == "!"):
            self._err(
                "YAML003",
                f"explicit tag '{tag}' is not allowed",
                ev.start_mark,
                "remove the tag; quote the value if it must be a string",
            )

    def _scalar(self, ev: yaml.ScalarEvent) -> Any:
        if ev.style not in (None, "") or ev.tag is not None:
            return ev.value
        return _resolve_plain(ev.value)

    def _place(self, value: Any, ev: Any) -> Path:
        pos = _at(ev.start_mark)
        if not self.stack:
            self.root = value
            self.positions[()] = pos
            self._note_plain((), value, ev)
            return ()
        frame = self.stack[-1]
        container, path = frame[0], frame[1]
        if isinstance(container, list):
            child = (*path, len(container))
            container.append(value)
        elif frame[2] is _NO_KEY:
            frame[2] = self._key(container, path, value, ev)
            return path
        else:
            key, frame[2] = frame[2], _NO_KEY
            child = (*path, key)
            container[key] = value
        self.positions[child] = pos
        self._note_plain(child, value, ev)
        return child

    def _key(self, container: dict[str, Any], path: Path, key: Any, ev: Any) -> str:
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            raise _Abort(
                make(
                    "YAML005",
                    "a mapping or sequence cannot be a key",
                    self.file,
                    *_at(ev.start_mark),
                )
            )
        plain = isinstance(ev, yaml.ScalarEvent) and ev.style in (None, "")
        if plain and ev.value == "<<":
            self._err(
                "YAML004",
                "merge key '<<' is not allowed",
                ev.start_mark,
                "write the merged keys out in full",
            )
        if not isinstance(key, str):
            text = ev.value if isinstance(ev, yaml.ScalarEvent) else "alias"
            self._err(
                "YAML005",
                f"key {text!r} is read as {_typename(key)}, not a string",
                ev.start_mark,
                f"quote it: '{text}'",
            )
            key = text
        if key in container:
            first = self.key_positions.get((*path, key), (0, 0))[0]
            self._err(
                "YAML002",
                f"duplicate key {key!r} (first defined at line {first})",
                ev.start_mark,
                "remove one of the two; the later one would silently win",
            )
            key = f"{key}\x00dup{len(container)}"
        child: Path = (*path, key)
        self.key_positions[child] = _at(ev.start_mark)
        return key

    def _note_plain(self, path: Path, value: Any, ev: Any) -> None:
        if isinstance(ev, yaml.ScalarEvent) and ev.style in (None, "") and ev.tag is None:
            text = ev.value
            if _LEADING_ZERO.match(text):
                self._err(
                    "YAML005",
                    f"{text!r} is octal in YAML 1.1 and decimal in YAML 1.2",
                    ev.start_mark,
                    f"quote it ('{text}') or drop the leading zero",
                )
            elif type(value) is _OutOfRange or (
                isinstance(value, int) and not isinstance(value, bool) and abs(value) > SAFE_INT
            ):
                shown = text if len(text) <= 40 else f"{text[:20]}…({len(text)} characters)"
                what = "integer" if _INT.match(text) or _HEX.match(text) else "number"
                self._err(
                    "YAML005",
                    f"{what} {shown} is too large to survive JSON",
                    ev.start_mark,
                    "write a number JSON can hold (integers up to 2**53 - 1), or quote it",
                )
            elif value is not None and not isinstance(value, str):
                self.plain[path] = text


def _at(mark: Any) -> tuple[int, int]:
    """1-based (line, column) of a parser mark."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


_PLAIN: dict[str, tuple[Any, int]] = {}
_PLAIN_MAX = 8192  # distinct plain scalars remembered (keys and short values repeat a lot)


class _OutOfRange(str):
    """The text of a plain number no JSON consumer can read (a float that overflows to
    infinity, an integer of thousands of digits): a YAML005 finding, never a value."""


def _plain(text: str) -> tuple[Any, int]:
    """A plain scalar's value, and whether `_note_plain` has anything to say about it (a
    leading zero, a number too large for JSON, or a typed value whose text is kept)."""
    found = _PLAIN.get(text)
    if found is None:
        value = _resolve_plain(text)
        flag = (
            int(type(value) is _OutOfRange)
            or int(isinstance(value, str) and _LEADING_ZERO.match(text) is not None)
            or int(value is not None and not isinstance(value, str))
        )
        found = (value, flag)
        if len(_PLAIN) < _PLAIN_MAX:
            _PLAIN[text] = found
    return found


def _resolve_plain(text: str) -> Any:
    """YAML 1.2 core schema, minus the surprises: what it does not type stays a string."""
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        if _LEADING_ZERO.match(text):
            return text
        # past 20 digits it is over 2**53 anyway (and past 4,300 int() refuses to convert)
        return int(text) if len(text) <= 21 else _OutOfRange(text)
    if _HEX.match(text):
        return int(text, 16) if len(text) <= 20 else _OutOfRange(text)
    if _OCT.match(text):
        return int(text, 8) if len(text) <= 24 else _OutOfRange(text)
    if _FLOAT.match(text) and any(c.isdigit() for c in text):
        number = float(text)
        return number if math.isfinite(number) else _OutOfRange(text)
    return text


def _typename(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def typename(value: Any) -> str:
    """JSON-ish type name of a loaded value, for messages."""
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return _typename(value)
