"""Fingerprints: `sha256:` + SHA-256 over RFC 8785 canonical JSON of behavior fields.

Formatting, key order, comments and `1` vs `1.0` do not change a fingerprint; any character of
the loaded prompt text does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import rfc8785


def canonical(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of a JSON-compatible value."""
    return rfc8785.dumps(value)


def fingerprint(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(value)).hexdigest()


def environment_fingerprint(units: Mapping[str, str]) -> str:
    """Over the sorted (prompt id, unit fingerprint) pairs."""
    return fingerprint([[pid, units[pid]] for pid in sorted(units)])
