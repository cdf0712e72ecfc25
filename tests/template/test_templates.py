from __future__ import annotations

from pathlib import Path

import pytest

import registry
from registry.check.validate import validate
from registry.common.errors import RenderError
from registry.template import env as templates
from registry.template import partials as prompttext
from tests.helpers import write_registry


def findings(root: Path, prompt: str) -> list[tuple[str, int]]:
    write_registry(root, {"prompts/answer/v1.yaml": prompt})
    return [
        (f.code, f.line or 0)
        for f in validate(registry.open(root)).findings
        if f.file == "prompts/answer/v1.yaml" and f.code.startswith(("PRM", "REF"))
    ]


HEAD = """\
variables:
  type: object
  properties:
    question: {type: string}
messages:
  - role: system
    content: Be brief.
  - role: user
    content: |
      Line one.
"""


def test_prm001_points_at_the_file_line(tmp_path: Path) -> None:
    assert findings(tmp_path, HEAD + "      Q: {{ question }\ndefaults: {model: chat}\n") == [
        ("PRM001", 11)
    ]


def test_prm002_and_prm003(tmp_path: Path) -> None:
    found = findings(tmp_path, HEAD + "      Q: {{ questoin }}\ndefaults: {model: chat}\n")
    assert ("PRM002", 11) in found and ("PRM003", 4) in found


@pytest.mark.parametrize(
    "expr",
    [
        "{{ question.__class__ }}",
        "{{ question | attr('x') }}",
        "{{ question.format(1) }}",
        "{{ cycler.__init__ }}",
        "{% import 'x.j2' as x %}{{ question }}",
    ],
)
def test_prm008_unsafe(tmp_path: Path, expr: str) -> None:
    found = findings(tmp_path, HEAD + f"      {expr}\ndefaults: {{model: chat}}\n")
    assert ("PRM008", 11) in found


def test_safe_template_passes(tmp_path: Path) -> None:
    body = "      {% for w in question.split() %}{{ w | upper }}{% endfor %}{{ question|trim }}\n"
    assert findings(tmp_path, HEAD + body + "defaults: {model: chat}\n") == []


def test_unknown_partial_and_escape(tmp_path: Path) -> None:
    body = '      {% include "nope.j2" %}{% include "../x.j2" %}{{ question }}\n'
    found = findings(tmp_path, HEAD + body + "defaults: {model: chat}\nevals: /etc/passwd\n")
    assert ("REF001", 11) in found and ("REF003", 11) in found and ("REF003", 13) in found


def test_render_checks_inputs(reg_root: Path) -> None:
    unit = registry.open(reg_root).resolve("prod").prompts["answer"]
    assert unit.render(question="hi")[1]["content"] == "Question: hi"
    with pytest.raises(RenderError, match="missing input 'question'"):
        unit.render()
    with pytest.raises(RenderError, match="question"):
        unit.render(question=3)


def test_sandbox_blocks_escapes() -> None:
    with pytest.raises(RenderError, match="sandbox"):
        templates.render_messages(
            [{"role": "user", "content": "{{ x.__class__.__mro__ }}"}], {"x": "s"}, lambda _: None
        )


def test_inline_whitespace_control() -> None:
    parts = {"p.j2": "P\n"}
    src = 'A  {%- include "p.j2" -%}  B'
    assert prompttext.inline(src, parts) == "APB"
    rendered = templates.sandbox().from_string(src.replace('{%- include "p.j2" -%}', "{{- 'P' -}}"))
    assert rendered.render() == "APB"
