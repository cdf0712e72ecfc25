from __future__ import annotations

POLICY = "\n".join(f"      Policy line {i}: answer carefully and cite sources." for i in range(120))


def prompt(system_head: str) -> str:
    return f"""\
variables: {{type: object, properties: {{user_id: {{type: string}}, question: {{type: string}}}}}}
messages:
  - role: system
    content: |
      {system_head}
{POLICY}
  - role: user
    content: "{{{{ question }}}}"
defaults: {{model: chat}}
"""


def test_cache001_dynamic_early(found) -> None:  # type: ignore[no-untyped-def]
    out = found({"prompts/answer/v1.yaml": prompt("User {{ user_id }}.")}, "CACHE001", "CACHE002")
    out = [f for f in out if f[1] == "prompts/answer/v1.yaml"]
    # the dynamic user id comes first: a cache miss every request, and a tiny static prefix
    assert out == [
        ("CACHE002", "prompts/answer/v1.yaml", 3),
        ("CACHE001", "prompts/answer/v1.yaml", 5),
    ]


def test_cache_friendly_prompt(found) -> None:  # type: ignore[no-untyped-def]
    out = found(
        {
            "prompts/answer/v1.yaml": prompt("You are helpful.").replace(
                "{{ question }}", "{{ question }} {{ user_id }}"
            )
        },
        "CACHE001",
        "CACHE002",
        "PRM002",
        "PRM003",
    )
    assert [f for f in out if f[1] == "prompts/answer/v1.yaml"] == []


def test_cache002_short_prefix_is_info(found) -> None:  # type: ignore[no-untyped-def]
    out = found({}, "CACHE002")
    assert ("CACHE002", "prompts/answer/v1.yaml", 9) in out
