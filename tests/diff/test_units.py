"""Unit diffs: DeepDiff field by field gives exactly what DeepDiff over the whole unit gives."""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff
from hypothesis import example, given, settings
from hypothesis import strategies as st

from registry.check.schema import dotted
from registry.diff.units import ABSENT, _fields, _missing, text_diff
from registry.resolve.fingerprint import UNIT_FIELDS
from registry.resolve.units import Unit

scalars = st.one_of(
    st.integers(-3, 3),
    st.sampled_from([0.0, 1.0, 2.5, -0.0]),
    st.booleans(),
    st.none(),
    st.text("ab\n\u200b", max_size=4),
    st.sampled_from(["a long line of prompt text " * 6, "two\nlines", "two\nlines!"]),
)
values = st.recursive(
    scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from("xyz"), c, max_size=3),
    max_leaves=8,
)


def _unit(fields: dict[str, Any], prompt: str) -> Unit:
    values = {name: fields.get(name) for name in UNIT_FIELDS if name != "prompt"}
    return Unit(prompt=prompt, **values, fingerprint="")  # type: ignore[arg-type]


def _whole(ua: Unit, ub: Unit, labels: tuple[str, str]) -> list[tuple[Any, ...]]:
    """What the diff was before it went field by field: one DeepDiff over the whole unit."""
    tree = DeepDiff(
        ua.behavior(),
        ub.behavior(),
        view="tree",
        threshold_to_diff_deeper=0,
        ignore_numeric_type_changes=True,
        verbose_level=2,
    )
    out = []
    for levels in tree.values():
        for level in levels:
            path = tuple(level.path(output_format="list"))
            a = ABSENT if _missing(level.t1) else level.t1
            b = ABSENT if _missing(level.t2) else level.t2
            lines = None
            if isinstance(a, str) and isinstance(b, str) and ("\n" in a + b or len(a + b) > 120):
                la, lb = (f"{label}:prompts.{ua.prompt}.{dotted(path)}" for label in labels)
                lines = text_diff(a, b, la, lb)
            out.append((path, a, b, lines))
    return sorted(out, key=repr)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(st.sampled_from(UNIT_FIELDS[1:]), values),
    st.dictionaries(st.sampled_from(UNIT_FIELDS[1:]), values),
    st.sets(st.sampled_from(UNIT_FIELDS[1:])),
)
@example({"params": True}, {"params": 1}, set())
@example({"params": {"x": [False]}}, {"params": {"x": [0]}}, set())
@example({"messages": "one\ntext"}, {"messages": "one\ntext!"}, set())
def test_field_by_field_equals_one_deepdiff(
    fa: dict[str, Any], fb: dict[str, Any], shared: set[str]
) -> None:
    fb = {**fb, **{name: fa.get(name) for name in shared}}  # the same object on both sides
    for labels, pid in ((("a", "b"), "p1"), (("dev", "prod"), "p2")):  # the second: memoized
        ua, ub = _unit(fa, pid), _unit(fb, pid)
        got = [(d.keys, d.a, d.b, d.text_diff) for d in _fields(labels[0], ua, labels[1], ub)]
        assert sorted(got, key=repr) == _whole(ua, ub, labels)
