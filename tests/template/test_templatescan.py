"""The Jinja2-free template scan agrees with Jinja2's parse wherever it answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.check.analyze import TemplateFacts
from registry.load.yaml import load_bytes
from registry.template.scan import scan

ROOT = Path(__file__).resolve().parents[2]

# Pieces of templates: the subset, its near misses, and what only Jinja2 can read.
FRAGMENTS = [
    "Hello ",
    "\n",
    "line two\n",
    "{ not a tag }",
    "}} %} #}",
    "100% sure",
    "'quoted' \"text\"",
    "{{ question }}",
    "{{question}}",
    "{{ user.name }}",
    "{{ user._secret }}",
    "{{ name | upper }}",
    "{{ name|default('x') }}",
    '{{ name | default("customer") | title }}',
    "{{ items | join(', ') }}",
    "{{ n | round(2) }}",
    "{{ x | attr('y') }}",
    "{{ '%s' | format(x) }}",
    "{{ x | format(y) }}",
    "{{ f(x) }}",
    "{{ x.upper() }}",
    "{{ x[0] }}",
    "{{ x + 1 }}",
    "{{ not }}",
    "{{ true }}",
    "{{ none }}",
    "{{ loop.index }}",
    "{{ }}",
    "{{ x }",
    "{{- x }}",
    "{{ x -}}",
    "{{\nx }}",
    "{% for p in passages %}",
    "{% for p in doc.passages %}",
    "{% for a, b in pairs %}",
    "{% for p in passages if p %}",
    "{% endfor %}",
    "{% if flag %}",
    "{% if user.vip %}",
    "{% if not flag %}",
    "{% elif other %}",
    "{% else %}",
    "{% endif %}",
    '{% include "tone.j2" %}',
    "{% include 'safety.j2' %}",
    "{% include name %}",
    '{% include "a.j2" ignore missing %}',
    "{% set x = 1 %}",
    "{% raw %}{{ x }}{% endraw %}",
    "{% macro m(a) %}{{ a }}{% endmacro %}",
    "{% import 'x' as y %}",
    "{%- if flag %}",
    "{# a comment #}",
    "\r\n",
    "{{ x }}{{{ y }}}",
    "{% for in in x %}",
]


def jinja(source: str) -> TemplateFacts:
    return TemplateFacts._parse(source)


def agrees(source: str) -> bool:
    """True when the scan declines or answers exactly as Jinja2 does (and Jinja2 raises
    nothing and finds nothing unsafe where the scan answered)."""
    found = scan(source)
    if found is None:
        return True
    facts = jinja(source)
    assert facts.error is None, (source, facts.error)
    assert facts.unsafe == [], (source, facts.unsafe)
    assert found == (facts.reads, facts.includes, facts.pieces), source
    assert list(found[0]) == list(facts.reads), source  # the same order too
    return True


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14))
def test_scan_agrees_with_jinja_on_generated_templates(parts: list[str]) -> None:
    assert agrees("".join(parts))


# Well-nested templates inside the subset, so the comparison is exercised, not declined.
LEAVES = st.sampled_from(
    [
        "text ",
        "\n",
        "a line\n\n",
        "50% {off} ",
        "{{ question }}",
        "{{ p }}",
        "{{ loop.index }}",
        "{{ user.name | title }}",
        '{{ customer | default("you") | upper }}',
        "{{ n|round(2, 'floor') }}",
        '{% include "tone.j2" %}',
    ]
)
NAMES = st.sampled_from(["p", "passages", "user", "question", "flag", "loop", "doc.items"])


def _blocks(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    body = st.lists(inner, max_size=4).map("".join)
    loop = st.tuples(st.sampled_from(["p", "q", "user"]), NAMES, body).map(
        lambda t: f"{{% for {t[0]} in {t[1]} %}}{t[2]}{{% endfor %}}"
    )
    cond = st.tuples(NAMES, body, st.one_of(st.none(), st.tuples(NAMES, body)), st.booleans(), body)
    return st.one_of(
        loop,
        cond.map(
            lambda t: (
                f"{{% if {t[0]} %}}{t[1]}"
                + (f"{{% elif {t[2][0]} %}}{t[2][1]}" if t[2] else "")
                + (f"{{% else %}}{t[4]}" if t[3] else "")
                + "{% endif %}"
            )
        ),
    )


NESTED = st.lists(st.recursive(LEAVES, _blocks, max_leaves=12), max_size=6).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NESTED)
def test_scan_answers_and_agrees_on_nested_plain_templates(source: str) -> None:
    assert scan(source) is not None, source
    assert agrees(source)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("{}%#-+ |.'\"\nabxif()_,0")), max_size=40))
def test_scan_agrees_with_jinja_on_character_soup(source: str) -> None:
    assert agrees(source)


def templates_on_disk() -> list[str]:
    """Every message of the example registry and the test corpus, and the partials."""
    out: list[str] = []
    for path in sorted(ROOT.glob("prompts/**/*.yaml")) + sorted(
        ROOT.glob("tests/corpus/**/*.yaml")
    ):
        data = load_bytes(path.read_bytes(), path.name)[0].data
        for msg in data.get("messages") or [] if isinstance(data, dict) else []:
            if isinstance(msg, dict) and isinstance(msg.get("content"), str):
                out.append(msg["content"])
    out += [p.read_text() for p in sorted(ROOT.glob("prompts/_partials/*.j2"))]
    return out


def test_scan_agrees_with_jinja_on_the_registry_and_corpus() -> None:
    sources = templates_on_disk()
    assert len(sources) >= 5
    assert all(agrees(s) for s in sources)


@pytest.mark.parametrize(
    "source",
    [
        'You are a support assistant.\n{% include "tone.j2" %}\n',
        "Passages:\n{% for p in passages %}- {{ p }}\n{% endfor %}\n"
        'Question ({{ customer_name | default("customer") }}): {{ question }}\n',
        "{% if vip %}Priority.{% elif trial %}Trial.{% else %}Standard.{% endif %} {{ q }}",
    ],
)
def test_plain_templates_are_scanned_not_parsed(source: str) -> None:
    """The common shapes take the fast path (and agree with Jinja2)."""
    assert scan(source) is not None
    assert agrees(source)


@pytest.mark.parametrize(
    "source",
    [
        "{{ x.__class__ }}",
        "{{ x | attr('a') }}",
        "{{ x | format('a') }}",
        "{{ f() }}",
        "{% import 'a' as b %}",
        "{{ x ",
        "{% if a %}{% else %}{% elif b %}{% endif %}",
        "{% if a %}{% else %}{% else %}{% endif %}",
        "{% for p in ps %}{% endif %}",
        "{% if a %}{% endfor %}",
        "{% for p in ps %}{% elif b %}{% endfor %}",
        "{% endfor %}",
        "{% if a %}",
        "{% for true in ps %}{% endfor %}",
    ],
)
def test_unsafe_or_broken_templates_go_to_jinja(source: str) -> None:
    assert scan(source) is None
    facts = TemplateFacts.of(source)
    assert facts.error is not None or facts.unsafe
