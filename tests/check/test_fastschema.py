"""The fast pass/fail schema check agrees with jsonschema: on every corpus file, on this
repository's registry, and on generated mutations of valid documents."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.check import schema
from registry.check.fastschema import compile_schema, equal
from registry.load.yaml import load_bytes

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def kind_of(rel: str) -> str | None:
    if rel.endswith("registry.yaml"):
        return "registry"
    if rel.endswith("waivers.yaml"):
        return "waivers"
    if "/environments/" in f"/{rel}":
        return "environment"
    if "/prompts/" in f"/{rel}" and "_partials" not in rel:
        return "prompt"
    return None


def documents() -> list[tuple[str, str, Any]]:
    out = []
    for base in (ROOT, CORPUS / "valid"):
        for path in sorted(base.rglob("*.yaml")):
            rel = path.relative_to(base).as_posix()
            kind = kind_of(rel)
            if kind is None or rel.startswith(("tests/", "bench/", ".")):
                continue
            doc, _ = load_bytes(path.read_bytes(), rel)
            if doc.data is not None:
                out.append((kind, rel, doc.data))
    for path in sorted((CORPUS / "invalid").glob("*.yaml")):
        doc, _ = load_bytes(path.read_bytes(), path.name)
        if doc.data is not None:
            for kind in schema.KINDS:
                out.append((kind, path.name, doc.data))
    return out


def jsonschema_passes(kind: str, instance: Any) -> bool:
    if kind == "environment":
        instance = schema.strip_nulls(instance)
    return not any(True for _ in schema.validator(kind).iter_errors(instance))


def fast_passes(kind: str, instance: Any) -> bool:
    if kind == "environment":
        instance = schema.strip_nulls(instance)
    check = schema.fast(kind)
    assert check is not None, f"the {kind} schema should compile"
    return bool(check(instance))


DOCS = documents()


def test_there_are_documents_of_every_kind() -> None:
    assert {k for k, _, _ in DOCS} == set(schema.KINDS)
    assert len(DOCS) > 40


@pytest.mark.parametrize(("kind", "rel", "data"), DOCS, ids=[f"{k}:{r}" for k, r, _ in DOCS])
def test_agrees_on_files(kind: str, rel: str, data: Any) -> None:
    assert fast_passes(kind, data) == jsonschema_passes(kind, data)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "x", "openai/gpt-4o", "user", "system", "error", "v1", "${KEY}"])
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*prefix, i))
    return out


def mutate(data: Any, where: tuple[Any, ...], how: str, new: Any, key: str) -> Any:
    data = copy.deepcopy(data)
    if not where:
        return new if how == "replace" else data
    parent = data
    for seg in where[:-1]:
        parent = parent[seg]
    last = where[-1]
    if how == "replace":
        parent[last] = new
    elif how == "delete" and isinstance(parent, dict):
        del parent[last]
    elif how == "add" and isinstance(parent[last], dict):
        parent[last][key] = new
    elif how == "add" and isinstance(parent[last], list):
        parent[last].append(new)
    return data


VALID = [(k, d) for k, _, d in DOCS if jsonschema_passes(k, d)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.data(),
    st.sampled_from(["replace", "delete", "add"]),
    JSON,
    st.sampled_from(["extra", "model", "version", "role", "tools", "x"]),
)
def test_agrees_on_mutations(data: st.DataObject, how: str, new: Any, key: str) -> None:
    kind, doc = data.draw(st.sampled_from(VALID))
    where = data.draw(st.sampled_from(paths(doc)))
    mutated = mutate(doc, where, how, new, key)
    assert fast_passes(kind, mutated) == jsonschema_passes(kind, mutated)


def test_json_equality_follows_json_schema() -> None:
    assert equal(1, 1.0) and not equal(True, 1) and not equal(0, False)
    assert equal([1, {"a": 2}], [1.0, {"a": 2.0}]) and not equal([True], [1])
    assert not equal("1", 1)


def test_unsupported_keywords_fall_back_to_jsonschema() -> None:
    assert compile_schema({"anyOf": [{"type": "string"}]}, []) is None
    assert compile_schema({"$ref": "other.json#/x"}, []) is None
    check = compile_schema({"type": ["integer", "null"], "minimum": 1}, [])
    assert check is not None
    assert check(None) and check(2) and check(2.0) and not check(0) and not check(True)
