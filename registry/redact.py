"""The one redaction layer every output passes through. Secrets are never printed.

Redacts what the SEC001 patterns match and any literal (non-reference) value found under
`ops.credentials`. Fingerprints (`sha256:…`) are never redacted.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator

MASK = "[REDACTED]"

SECRET_PATTERNS = (
    ("OpenAI API key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    ("Anthropic API key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")),
    ("JWT", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
)
# Literals one of which every match of the patterns above contains: a text with none of them
# (most reports) needs one scan, not one per pattern.
_ANY_PREFIX = re.compile(r"sk-|AKIA|ASIA|AIza|gh[pousr]_|github_pat_|xox|-----BEGIN |eyJ")
CREDENTIAL_KEY = re.compile(r"(?i)(api[_-]?key|secret|token|passw(or)?d|credential|auth|private)")
REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}\Z")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str) -> bool:
    """A high-entropy token of 16+ characters with no spaces (a likely literal secret)."""
    return (
        len(value) >= 16
        and " " not in value
        and not REFERENCE.match(value)
        and entropy(value) >= 3.5
    )


def find_secrets(text: str) -> Iterable[tuple[str, re.Match[str]]]:
    if not _ANY_PREFIX.search(text):
        return
    for label, pattern in SECRET_PATTERNS:
        for match in pattern.finditer(text):
            yield label, match


class Redactor:
    """Masks known secret shapes and the literal values given to it."""

    def __init__(self, literals: Iterable[str] = ()) -> None:
        self.literals = sorted({v for v in literals if len(v) >= 4}, key=len, reverse=True)

    def stream(self, pieces: Iterable[str]) -> Iterator[str]:
        """The redaction of `"".join(pieces)`, piece by piece, for pieces cut at line breaks:
        no secret pattern spans a line break, nor does a literal without one (any literal
        with one: the pieces are joined first)."""
        if any("\n" in literal for literal in self.literals):
            yield self("".join(pieces))
            return
        for piece in pieces:
            yield self(piece)

    def __call__(self, text: str) -> str:
        for literal in self.literals:
            text = text.replace(literal, MASK)
        if _ANY_PREFIX.search(text):
            for _label, pattern in SECRET_PATTERNS:
                text = pattern.sub(MASK, text)
        return text
