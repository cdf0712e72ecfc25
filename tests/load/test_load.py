from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.load.events import MAX_DEPTH, _Abort, _Builder, _Loader
from registry.load.yaml import load_bytes


def codes(text: str | bytes, **kw: int) -> list[tuple[str, int]]:
    raw = text.encode() if isinstance(text, str) else text
    _doc, findings = load_bytes(raw, "f.yaml", **kw)
    return [(f.code, f.line or 0) for f in findings]


def test_values_and_positions() -> None:
    doc, findings = load_bytes(b"a:\n  b: [1, 2.5, x]\n  c: 'q'\n", "f.yaml")
    assert findings == []
    assert doc.data == {"a": {"b": [1, 2.5, "x"], "c": "q"}}
    assert doc.pos(("a", "b", 2)) == (2, 15)
    assert doc.pos(("a", "c")) == (3, 6)
    assert doc.pos(("a", "c"), key=True) == (3, 3)


def test_yaml11_surprises_stay_strings() -> None:
    doc, findings = load_bytes(b"a: no\nb: on\nc: 2024-01-02\nd: yes\ne: 1_000\n", "f.yaml")
    assert findings == []
    assert doc.data == {"a": "no", "b": "on", "c": "2024-01-02", "d": "yes", "e": "1_000"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb: 2\na: 3\n", [("YAML002", 3)]),
        ("x:\n  a: 1\n  a: 2\n", [("YAML002", 3)]),
        ("x: {a: 1, a: 2}\n", [("YAML002", 1)]),
        ("a: !!python/object:os.system 1\n", [("YAML003", 1)]),
        ("a: !include other.yaml\n", [("YAML003", 1)]),
        ("a: &x 1\nb: *x\n", [("YAML004", 1), ("YAML004", 2)]),
        ("base: {a: 1}\nc:\n  <<: {b: 2}\n", [("YAML004", 3)]),
        ("a: 0777\n", [("YAML005", 1)]),
        ("1: a\n", [("YAML005", 1)]),
        ("a: 1\n---\nb: 2\n", [("YAML001", 2)]),
        ("a:\n\t- b\n", [("YAML001", 2)]),
        ("a: [1, 2\n", [("YAML001", 2)]),
        ("", [("SCHEMA001", 1)]),
        ("# only a comment\n", [("SCHEMA001", 1)]),
    ],
)
def test_refusals(text: str, expected: list[tuple[str, int]]) -> None:
    assert codes(text) == expected


def test_duplicate_names_first_line() -> None:
    _doc, findings = load_bytes(b"a: 1\nb: 2\na: 3\n", "f.yaml")
    assert "first defined at line 1" in findings[0].message


def test_encoding_problems() -> None:
    assert codes(b"a: 1\nb: \xff\n") == [("YAML007", 2)]
    assert codes(b"a: 1\x00\n") == [("YAML007", 1)]
    assert codes("a: 1\n".encode("utf-16")) == [("YAML007", 1)]
    assert codes(b"\xef\xbb\xbfa: 1\n") == []


def test_limits() -> None:
    deep = "a: " + "[" * 2000 + "]" * 2000 + "\n"
    assert codes(deep) == [("YAML006", 1)]
    assert codes("a: " + "x" * 200 + "\n", max_bytes=100) == [("YAML006", 1)]


def test_alias_bomb_is_fast() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    start = time.perf_counter()
    found = codes("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 1.0
    assert found and all(code == "YAML004" for code, _ in found)


# -- the inline event loop builds exactly what feeding every event to the builder does -----------
def _build(text: str, inline: bool) -> tuple[Any, ...]:
    """What a builder makes of `text`: driven by its inline loop, or fed every event."""
    builder = _Builder("f.yaml", MAX_DEPTH)
    try:
        if inline:
            builder.run(text)
        else:
            for event in yaml.parse(text, Loader=_Loader):
                builder.feed(event)
    except _Abort as abort:
        builder.findings.append(abort.finding)
        return (None, builder.findings)
    except yaml.YAMLError:
        return ("syntax",)
    data = builder.root if not builder.findings else None
    return (data, builder.findings, builder.positions, builder.key_positions, builder.plain)


SCALARS = st.sampled_from(
    [
        "a",
        "007",
        "0x1F",
        "1e3",
        "12",
        "-3",
        "9007199254740993",
        "yes",
        "~",
        "''",
        '"x"',
        "&a v",
        "*a",
        "!!str 5",
        "! 5",
        "|\n    block\n",
        "true",
        "0.5",
        ".5",
        "null",
        "<<",
        "'01'",
    ]
)
KEYS = st.sampled_from(["k", "1", "k2", "<<", "null", "'q'", "[a]", "? x"])
LINES = st.lists(
    st.one_of(
        st.tuples(KEYS, SCALARS).map(lambda t: f"{t[0]}: {t[1]}"),
        st.tuples(KEYS, SCALARS).map(lambda t: f"  {t[0]}: {t[1]}"),
        SCALARS.map(lambda v: f"- {v}"),
        SCALARS.map(lambda v: f"  - {v}"),
        KEYS.map(lambda k: f"{k}:"),
        st.sampled_from(["---", "x: [1, 02, {a: b}]", "y: {a: 1, a: 2}", "- [x, *y]", "z: &k {}"]),
    ),
    max_size=10,
)


@settings(max_examples=600, deadline=None)
@given(LINES.map("\n".join))
def test_inline_loop_matches_feeding_every_event(text: str) -> None:
    assert _build(text, inline=True) == _build(text, inline=False)


def test_inline_loop_matches_on_the_corpus() -> None:
    root = Path(__file__).resolve().parents[1]
    texts = [
        p.read_bytes().decode("utf-8", "replace") for p in sorted(root.glob("corpus/**/*.yaml"))
    ]
    texts += [
        p.read_text(encoding="utf-8")
        for folder in ("prompts", "environments", "schemas")
        for p in sorted((root.parent / folder).glob("**/*.yaml"))
    ]
    assert len(texts) > 20
    for text in texts:
        assert _build(text, inline=True) == _build(text, inline=False)
