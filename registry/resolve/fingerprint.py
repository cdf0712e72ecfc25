"""Fingerprints: `sha256:` + SHA-256 over RFC 8785 canonical JSON of behavior fields.

Formatting, key order, comments and `1` vs `1.0` do not change a fingerprint; any character of
the loaded prompt text does.

`canonical()` produces exactly the bytes of `rfc8785.dumps()` (a property test holds them
equal) but serializes strings with the C JSON encoder — the JCS string escaping is JSON's
minimal escaping — and hands only floats to rfc8785's ECMAScript number formatting; the
pure-Python canonicalizer was the hot spot when fingerprinting 30,000 units.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any

import rfc8785

# the fields of a unit: what it is made of, fingerprinted, diffed and deployed
UNIT_FIELDS = (
    "prompt",
    "version",
    "model",
    "params",
    "messages",
    "variables",
    "response_format",
    "tools",
    "rag",
    "routing",
)

_FLOATS: dict[float, str] = {}  # ECMAScript text of the floats seen (a few distinct values)


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be")


def _write(value: Any, out: list[str], fragments: Mapping[int, tuple[str, Any]]) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        text = _FLOATS.get(value)
        if text is None:  # (-0.0 shares 0.0's entry: both are "0" in JCS)
            text = rfc8785.dumps(value).decode("ascii")
            if len(_FLOATS) < 10_000:
                _FLOATS[value] = text
        out.append(text)
    elif id(value) in fragments:
        out.append(fragments[id(value)][0])
    elif isinstance(value, Mapping):
        out.append("{")
        keys = sorted(value) if "".join(value).isascii() else sorted(value, key=_utf16)
        for i, key in enumerate(keys):
            if i:
                out.append(",")
            out.append(encode_basestring(key))
            out.append(":")
            _write(value[key], out, fragments)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, fragments)
        out.append("]")
    else:
        raise TypeError(f"not JSON: {type(value).__name__}")


def canonical(value: Any, fragments: Mapping[int, tuple[str, Any]] | None = None) -> bytes:
    """RFC 8785 (JCS) bytes of a JSON-compatible value. `fragments` maps id(part) to the
    already canonical text of a part shared by many values (the part is kept alive with it)."""
    out: list[str] = []
    _write(value, out, fragments or {})
    return "".join(out).encode("utf-8")


def fingerprint(value: Any, fragments: Mapping[int, tuple[str, Any]] | None = None) -> str:
    return "sha256:" + hashlib.sha256(canonical(value, fragments)).hexdigest()


def environment_fingerprint(units: Mapping[str, str]) -> str:
    """Over the sorted (prompt id, unit fingerprint) pairs: the canonical JSON of a list of
    string pairs, written directly (the same bytes, at 10,000 units a hundred times faster)."""
    out = ",".join(
        f"[{encode_basestring(pid)},{encode_basestring(units[pid])}]" for pid in sorted(units)
    )
    return "sha256:" + hashlib.sha256(f"[{out}]".encode()).hexdigest()


ARTIFACT_FORMAT = 3  # 3: the `models` section (what a request needs of each model)
SECTIONS = ("environment", "source", "ops", "models", "units")


def section_digests(data: Mapping[str, Any]) -> dict[str, str]:
    """The digest of each section of an artifact (`units` streamed unit by unit: a
    10,000-unit artifact is never canonicalized whole)."""
    out = {}
    for name in SECTIONS:
        digest = hashlib.sha256()
        value = data.get(name)
        if name == "units" and isinstance(value, Mapping):
            digest.update(b"{")
            for i, pid in enumerate(sorted(value, key=_utf16)):
                digest.update(f"{',' if i else ''}{encode_basestring(pid)}:".encode())
                digest.update(canonical(value[pid]))
            digest.update(b"}")
        else:
            digest.update(canonical(value))
        out[name] = "sha256:" + digest.hexdigest()
    return out


def artifact_digest(data: Mapping[str, Any], parts: Mapping[str, str]) -> str:
    """The digest of a whole artifact: its format, behavior fingerprint and every section
    (environment, source, ops, models, units). Equal behavior gives equal fingerprints; only
    the very same artifact gives the same digest."""
    head = {
        "digests": dict(parts),
        "fingerprint": data.get("fingerprint"),
        "format": data.get("format"),
    }
    return "sha256:" + hashlib.sha256(canonical(head)).hexdigest()
