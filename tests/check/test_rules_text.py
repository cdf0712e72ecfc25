from __future__ import annotations

HEAD = "variables: {type: object, properties: {question: {type: string}}}\nmessages:\n"
TAIL = '  - {role: user, content: "{{ question }}"}\ndefaults: {model: chat}\n'


def test_prm005_zero_width_and_bidi(found) -> None:  # type: ignore[no-untyped-def]
    body = "  - role: system\n    content: |\n      Be brief.\n      Be kind.\u202e\n"
    out = found({"prompts/answer/v1.yaml": HEAD + body + TAIL}, "PRM005")
    assert out == [("PRM005", "prompts/answer/v1.yaml", 6)]
    assert found({}, "PRM005", "PRM006", "PRM007") == []


def test_prm005_homoglyph_alias(found) -> None:  # type: ignore[no-untyped-def]
    out = found(
        {"environments/prod.yaml": "extends: base\nmodels:\n  chаt: x/y-2024-01-01\n"}, "PRM005"
    )
    assert out == [("PRM005", "environments/prod.yaml", 3)]


def test_prm006_not_nfc(found) -> None:  # type: ignore[no-untyped-def]
    body = "  - role: system\n    content: |\n      Cafe\u0301 rules.\n"
    out = found({"prompts/answer/v1.yaml": HEAD + body + TAIL}, "PRM006")
    assert out == [("PRM006", "prompts/answer/v1.yaml", 5)]


def test_prm007_trailing_whitespace_and_crlf(found) -> None:  # type: ignore[no-untyped-def]
    body = "  - role: system\n    content: |\n      Be brief.   \n      Be kind.\n"
    out = found({"prompts/answer/v1.yaml": HEAD + body + TAIL}, "PRM007")
    assert out == [("PRM007", "prompts/answer/v1.yaml", 5)]
    crlf = (HEAD + "  - {role: system, content: Be brief.}\n" + TAIL).replace("\n", "\r\n")
    out = found({"prompts/answer/v1.yaml": crlf.encode()}, "PRM007")
    assert out == [("PRM007", "prompts/answer/v1.yaml", 1)]
