from __future__ import annotations

import time

import pytest

from registry.load import load_bytes


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
