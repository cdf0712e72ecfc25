"""registry.common.shapes compiles specs to one expression each: it must agree with the plain
reading of a spec (a reference walk, here) on any JSON value."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.common import shapes
from registry.common.shapes import DictOf, ListOf, OneOf, Opt, Record, Tuple


def reference(value: Any, spec: Any) -> bool:
    if spec is shapes.Any:
        return True
    if spec is None:
        return value is None
    if isinstance(spec, type):
        if spec is int:
            return type(value) is int
        if spec is float:
            return type(value) in (int, float)
        return isinstance(value, spec)
    if isinstance(spec, Opt):
        return value is None or reference(value, spec.spec)
    if isinstance(spec, OneOf):
        return any(reference(value, s) for s in spec.specs)
    if isinstance(spec, ListOf):
        return isinstance(value, list) and all(reference(v, spec.spec) for v in value)
    if isinstance(spec, DictOf):
        return isinstance(value, dict) and all(reference(v, spec.spec) for v in value.values())
    if isinstance(spec, Tuple):
        return (
            isinstance(value, list)
            and len(value) == len(spec.specs)
            and all(reference(v, s) for v, s in zip(value, spec.specs, strict=True))
        )
    assert isinstance(spec, Record)
    return (
        isinstance(value, dict)
        and set(spec.fields) - spec.optional <= set(value)
        and set(value) <= set(spec.fields)
        and all(reference(v, spec.fields[k]) for k, v in value.items())
    )


SPECS = [
    shapes.FINDING,
    ListOf(Tuple(int, Opt(str), ListOf(OneOf(str, int)))),
    DictOf(Tuple(int, int, int, Opt(str))),
    Record({"a": int, "b": Opt(ListOf(float)), "c": bool}, optional=frozenset({"c"})),
    OneOf(Tuple(str, str), Tuple(str, str, int)),
    DictOf(Record({"x": dict, "y": list, "z": shapes.Any})),
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda c: (
        st.lists(c, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "c", "x", "y", "z", "q"]), c, max_size=4)
    ),
    max_leaves=15,
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(range(len(SPECS))), json_values)
def test_compiled_shapes_agree_with_the_reference(index: int, value: Any) -> None:
    spec = SPECS[index]
    assert shapes.ok(value, spec) == reference(value, spec)


def test_some_values_have_each_shape() -> None:
    """The property above is not vacuous: each spec accepts a value and refuses another."""
    good = [
        ["C", "error", "m", None, 1, None, None, None],
        [[1, None, ["a", 2]]],
        {"f": [1, 2, 3, None]},
        {"a": 1, "b": [1.5, 2]},
        ["s", "x", 3],
        {"k": {"x": {}, "y": [], "z": 5}},
    ]
    for spec, value in zip(SPECS, good, strict=True):
        assert shapes.ok(value, spec) and not shapes.ok([value, 1], spec)
