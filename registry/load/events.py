"""YAML parser events to plain values with positions: the rules of `registry.load.yaml`
(safe YAML 1.2 core scalars, no duplicate keys, tags, anchors, aliases, merge keys or non-string
keys, size and depth counted on events) are enforced here, in one pass."""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from registry.common.findings import Finding, make

MAX_DEPTH = 64
SAFE_INT = 2**53 - 1  # the largest integer JSON consumers read exactly
Path = tuple[Any, ...]  # a value's place: keys and indexes from the root

try:  # the C parser: faster, and it accepts deep nesting the pure-Python one cannot
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


_INT = re.compile(r"[-+]?[0-9]+\Z")


_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+\Z")


_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")


_OCT = re.compile(r"0o[0-7]+\Z")


_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")


_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


_TRUE = frozenset({"true", "True", "TRUE"})


_FALSE = frozenset({"false", "False", "FALSE"})


class _Abort(Exception):
    def __init__(self, finding: Finding) -> None:
        self.finding = finding


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
