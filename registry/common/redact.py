"""The one redaction layer every output passes through. Secrets are never printed.

Redacts what the SEC001 patterns match and any literal (non-reference) value found under
`ops.credentials` or looking random under a credential-like key. Fingerprints (`sha256:…`) are
never redacted. Three rules make "never" hold whatever the output does with a value:

* **Values before encoding.** Outputs that encode values (JSON, SARIF, the artifact) redact
  each value first (`Redactor.value`), so an escape the encoder adds (`\\\\`, `\\"`, `\\n`)
  cannot hide a secret from the redaction.
* **Every encoding of a literal.** A literal is also masked as JSON and Python's `repr` write
  it (messages quote values with `repr`), and each line of a multi-line literal on its own.
* **Multi-line blocks whole.** A private key is masked from its `-----BEGIN` to its `-----END`
  line, in one string or across the lines of a report; each body line of one found in the
  registry is also a literal (`block_lines`), so a diff that shows a few of its lines shows
  none of them.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

MASK = "[REDACTED]"

# Provider prefixes that never start an ordinary word are matched glued to one
# (`TOOLDESCsk-proj-…`); the bare legacy `sk-` needs a word boundary, or the OpenAI marker
# `T3BlbkFJ` ("OpenAI" in base64) inside the key.
SECRET_PATTERNS = (
    ("OpenAI API key", re.compile(r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}")),
    ("OpenAI API key", re.compile(r"sk-[A-Za-z0-9_-]*T3BlbkFJ[A-Za-z0-9_-]{8,}")),
    ("OpenAI API key", re.compile(r"\bsk-[A-Za-z0-9_-]{20,}")),
    ("Anthropic API key", re.compile(r"sk-ant-[A-Za-z0-9_-]{20,}")),
    ("AWS access key id", re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}")),
    ("Google API key", re.compile(r"AIza[0-9A-Za-z_-]{35}")),
    ("GitHub token", re.compile(r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})")),
    ("Slack token", re.compile(r"xox[abposr]-[A-Za-z0-9-]{10,}")),
    (
        "private key",
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"
            r"(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY-----|.*\Z)",
            re.DOTALL,
        ),
    ),
    ("JWT", re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
)
# Literals one of which every match of the patterns above contains: a text with none of them
# (most reports) needs one scan, not one per pattern.
_ANY_PREFIX = re.compile(r"sk-|AKIA|ASIA|AIza|gh[pousr]_|github_pat_|xox|-----BEGIN |eyJ")
CREDENTIAL_KEY = re.compile(r"(?i)(api[_-]?key|secret|token|passw(or)?d|credential|auth|private)")
REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}\Z")
_BLOCK = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
    re.DOTALL,
)
MIN_LITERAL = 4  # shorter literals are not masked (they would mask ordinary words)
MIN_LINE = 8  # the shortest line of a multi-line secret masked on its own


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


def block_lines(text: str) -> list[str]:
    """The body lines of every private-key block in `text` (each is masked on its own)."""
    if "-----BEGIN " not in text:
        return []
    out = []
    for match in _BLOCK.finditer(text):
        out += [line.strip() for line in match.group(1).splitlines()]
    return [line for line in out if len(line) >= MIN_LINE]


def _forms(literal: str) -> set[str]:
    """A literal as it may appear in an output: raw, JSON-escaped, repr-escaped (both
    quotes), and each line of a multi-line one."""
    forms = {literal, json.dumps(literal, ensure_ascii=False)[1:-1]}
    forms |= {json.dumps(literal)[1:-1], repr(literal)[1:-1]}
    if "\n" in literal or "\r" in literal:
        forms |= {line.strip() for line in literal.splitlines()}
    return {form for form in forms if len(form) >= MIN_LINE or form == literal}


class Redactor:
    """Masks known secret shapes and the literal values given to it."""

    def __init__(self, literals: Iterable[str] = ()) -> None:
        given = {v for v in literals if len(v) >= MIN_LITERAL}
        self.literals = sorted(given)  # as given: what another Redactor is built from
        forms = set().union(*(_forms(v) for v in given)) if given else set()
        self._masked = sorted(forms, key=len, reverse=True)

    def stream(self, pieces: Iterable[str]) -> Iterator[str]:
        """The redaction of `"".join(pieces)`, piece by piece, for pieces cut at line breaks:
        no secret pattern but a private-key block spans a line break, nor does a literal
        without one. From a piece that starts such a block on (or for a literal with a line
        break), the rest is joined first."""
        if any("\n" in literal for literal in self.literals):
            yield self("".join(pieces))
            return
        held: list[str] = []
        for piece in pieces:
            if held or "-----BEGIN " in piece:
                held.append(piece)
            else:
                yield self(piece)
        if held:
            yield self("".join(held))

    def __call__(self, text: str) -> str:
        for literal in self._masked:
            if literal in text:
                text = text.replace(literal, MASK)
        if _ANY_PREFIX.search(text):
            for _label, pattern in SECRET_PATTERNS:
                text = pattern.sub(MASK, text)
        return text

    def value(self, data: Any) -> Any:
        """`data` (JSON-like) with every string redacted, keys too: redaction before encoding."""
        if isinstance(data, str):
            return self(data)
        if isinstance(data, dict):
            return {self.value(k): self.value(v) for k, v in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.value(v) for v in data]
        return data

    def holds_secret(self, data: Any) -> bool:
        """Whether any string in `data` (JSON-like, keys too) would be redacted."""
        if isinstance(data, str):
            return self(data) != data
        if isinstance(data, dict):
            return any(self.holds_secret(k) or self.holds_secret(v) for k, v in data.items())
        if isinstance(data, (list, tuple)):
            return any(self.holds_secret(v) for v in data)
        return False
