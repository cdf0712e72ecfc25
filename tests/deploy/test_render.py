"""The render artifact written in pieces: the same bytes as the whole text, redacted the same,
and a failure halfway leaves no file behind."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import registry
from registry.cli import app
from registry.common import atomic
from registry.common.errors import RegistryError
from registry.common.redact import Redactor
from registry.deploy.render import artifact, chunks, dumps, secret_units
from tests.helpers import write_registry

KEY = "sk-proj-Q8zk2LmX9vB4nR7tW1yH5jD3aF6gP0sE"
text = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["line\nbreak", 'quote "x"', "tab\there", "ünïcödé ✓", KEY, "    ", "units", "{}"]
)
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(text, c, max_size=3),
    max_leaves=12,
)
artifacts = st.fixed_dictionaries(
    {"units": st.dictionaries(text, st.dictionaries(text, values, max_size=4), max_size=4)},
    optional={
        "format": st.just(1),
        "environment": text,
        "ops": st.dictionaries(text, values, max_size=3),
        "zeta": values,  # a key after "units": the whole text in one piece
    },
)


@given(artifacts)
def test_pieces_make_the_whole_text(data: dict[str, object]) -> None:
    pieces = list(chunks(data))
    assert "".join(pieces) == dumps(data)
    assert all(p.startswith("\n") for p in pieces[1:])  # cut at line breaks: see Redactor.stream


@given(st.lists(text, max_size=6), st.lists(text.filter(lambda t: len(t) >= 4), max_size=3))
def test_redacting_piece_by_piece_equals_redacting_the_whole(
    lines: list[str], literals: list[str]
) -> None:
    whole = "\n".join(lines)
    pieces = re.split(r"(?=\n)", whole)  # each piece but the first starts with a line break
    assert "".join(pieces) == whole
    redact = Redactor(literals)
    assert "".join(redact.stream(pieces)) == redact(whole)


def test_a_literal_with_a_line_break_is_redacted_across_pieces() -> None:
    redact = Redactor(["secret\nvalue"])
    assert "".join(redact.stream(["a secret", "\nvalue b"])) == "a [REDACTED] b"


def rendered_to(root: Path, out: Path) -> str:
    """`registry render prod -o OUT`, checked to write the artifact made from the whole
    registry; its text."""
    whole = registry.open(root)
    expected = dumps(artifact(whole, whole.resolve("prod")))
    result = CliRunner().invoke(app, ["render", "prod", "--root", str(root), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text("utf-8") == expected
    return expected


def test_streamed_render_equals_the_whole_artifact(reg_root: Path, tmp_path: Path) -> None:
    write_registry(
        reg_root,
        {"prompts/beta/v1.yaml": (reg_root / "prompts/answer/v1.yaml").read_text()},
    )
    expected = rendered_to(reg_root, tmp_path / "prod.json")
    result = CliRunner().invoke(app, ["render", "prod", "--root", str(reg_root)])
    assert result.stdout == expected and "digest sha256:" in result.stderr
    assert len(json.loads(expected)["units"]) >= 2


def test_render_loads_only_the_versions_the_environment_binds(
    reg_root: Path, tmp_path: Path
) -> None:
    """`render` loads the shared files and the version of each prompt the environment binds
    (a quarter of the files of a registry with four versions per prompt); the artifact is the
    one made from the whole registry, and a broken version nobody binds changes nothing."""
    from registry.engine.run import open_environment

    answer = (reg_root / "prompts/answer/v1.yaml").read_text()
    write_registry(
        reg_root,
        {
            "prompts/answer/v2.yaml": answer.replace("helpful", "careful"),
            "prompts/answer/v3.yaml": "messages: [\n",  # broken, bound nowhere
            "environments/prod.yaml": "extends: base\nprompts: {answer: {version: 2}}\n",
        },
    )
    narrow = open_environment(reg_root, None, "prod")
    assert sorted(narrow.prompts["answer"]) == [2] and sorted(narrow.prompts["classify"]) == [1]
    expected = rendered_to(reg_root, tmp_path / "prod.json")  # as from the whole registry
    assert json.loads(expected)["units"]["answer"]["version"] == 2
    result = CliRunner().invoke(app, ["render", "nope", "--root", str(reg_root)])
    assert result.exit_code == 2 and "nope" in result.output


def test_a_unit_with_a_literal_secret_is_found_before_anything_is_written() -> None:
    data = {"format": 1, "units": {"a": {"text": "fine"}, "b": {"text": f"key {KEY}"}}}
    assert secret_units(data, Redactor()) == ["b"]
    assert secret_units(data, Redactor(["fine"])) == ["a", "b"]
    assert secret_units({"units": {"fine": {}}}, Redactor(["fine"])) == ["fine"]  # ids too


def test_a_failure_halfway_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "prod.json"
    target.write_text("previous")

    def pieces() -> Iterator[str]:
        yield "{\n"
        raise RegistryError("boom")

    with pytest.raises(RegistryError, match="boom"):
        atomic.write_chunks(target, pieces())
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["prod.json"]
    atomic.write_chunks(target, ["{", b'"a": 1', "}"])
    assert json.loads(target.read_text()) == {"a": 1}
