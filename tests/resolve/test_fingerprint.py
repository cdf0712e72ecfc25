from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import registry
from registry.resolve.fingerprint import fingerprint
from tests.helpers import write_registry

scalars = st.one_of(
    st.integers(-1000, 1000),
    st.text(max_size=8),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
values = st.recursive(
    scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
    max_leaves=10,
)


@given(st.dictionaries(st.text(max_size=6), values, max_size=6), st.randoms())
def test_key_order_does_not_matter(data: dict[str, object], rnd: object) -> None:
    items = list(data.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    assert fingerprint(dict(items)) == fingerprint(data)


def test_int_and_float_spelling_are_equal() -> None:
    assert fingerprint({"t": 1}) == fingerprint({"t": 1.0})


PROMPT = """\
variables: {type: object, properties: {question: {type: string}}}
messages:
  - role: system
    content: "Answer briefly."
  - role: user
    content: "{{ question }}"
defaults: {model: chat, params: {temperature: 0.5}}
"""
REFORMATTED = """\
# a comment
defaults:
  params:
    temperature: 0.50
  model: "chat"
messages:
- content: 'Answer briefly.'
  role: system
- {content: "{{ question }}", role: user}
variables:
  properties:
    question:
      type: string
  type: object
"""


def _fp(root: Path, prompt: str) -> str:
    write_registry(root, {"prompts/answer/v1.yaml": prompt})
    return registry.open(root).resolve("prod").prompts["answer"].fingerprint


def test_reformatting_keeps_the_fingerprint(tmp_path: Path) -> None:
    assert _fp(tmp_path / "a", PROMPT) == _fp(tmp_path / "b", REFORMATTED)


@settings(
    max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    st.integers(0, len("Answer briefly.") - 1),
    st.characters(codec="utf-8", exclude_characters='"\\', exclude_categories=("Cs", "Cc")),
)
def test_any_prompt_character_changes_the_fingerprint(tmp_path: Path, pos: int, ch: str) -> None:
    text = "Answer briefly."
    changed = text[:pos] + ch + text[pos + 1 :]
    if changed == text:
        return
    a = _fp(tmp_path / "a", PROMPT)
    b = _fp(tmp_path / "b", PROMPT.replace(text, changed))
    assert a != b


def test_render_is_deterministic_and_has_no_paths(reg_root: Path) -> None:
    from registry.deploy.render import artifact, dumps

    reg = registry.open(reg_root)
    one = dumps(artifact(reg, reg.resolve("prod")))
    two = dumps(artifact(registry.open(reg_root), registry.open(reg_root).resolve("prod")))
    assert one == two
    assert str(reg_root) not in one
    data = json.loads(one)
    assert data["units"]["answer"]["fingerprint"].startswith("sha256:")


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53) + 1, 2**53 - 1),
        st.text(),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_equals_rfc8785(value: object) -> None:
    import rfc8785

    from registry.resolve.fingerprint import canonical

    assert canonical(value) == rfc8785.dumps(value)
