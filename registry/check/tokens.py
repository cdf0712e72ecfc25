"""The one token estimator: a real tokenizer when one is installed and works offline, else
`ceil(UTF-8 bytes / 4)`. Outputs say which was used (`NAME`)."""

from __future__ import annotations

import functools
from collections.abc import Callable


@functools.lru_cache(maxsize=1)
def _counter() -> tuple[str, Callable[[str], int]]:
    try:  # tiktoken ships its BPE files only after a download: use it only if already cached
        import tiktoken

        enc = tiktoken.get_encoding("o200k_base")
        enc.encode("probe")
        return "tiktoken o200k_base", lambda text: len(enc.encode(text, disallowed_special=()))
    except Exception:  # noqa: BLE001 - not installed, or no offline data: fall back
        return "estimate: ceil(utf8 bytes / 4)", lambda text: -(-len(text.encode("utf-8")) // 4)


def name() -> str:
    """Which estimator counts tokens here."""
    return _counter()[0]


def count(text: str) -> int:
    return _counter()[1](text) if text else 0
