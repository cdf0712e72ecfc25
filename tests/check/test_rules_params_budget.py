from __future__ import annotations


def test_param001_provider_ranges(found) -> None:  # type: ignore[no-untyped-def]
    files = {
        "environments/prod.yaml": """\
        extends: base
        models: {chat: anthropic/claude-3-5-sonnet-20241022}
        prompts: {answer: {params: {temperature: 1.5}}}
        """
    }
    # 1.5 is fine for openai, out of range for anthropic (0..1)
    assert found(files, "PARAM001") == [("PARAM001", "environments/prod.yaml", 3)]
    files["environments/prod.yaml"] = files["environments/prod.yaml"].replace("1.5", "0.9")
    assert found(files, "PARAM001") == []


def test_param001_max_tokens_and_penalties(found) -> None:  # type: ignore[no-untyped-def]
    out = found(
        {
            "environments/prod.yaml": """\
        extends: base
        params: {max_tokens: 0, presence_penalty: 3}
        prompts:
          answer: {params: {top_p: 1.5}}
        """
        },
        "PARAM001",
    )
    assert sorted(set(out)) == [
        ("PARAM001", "environments/prod.yaml", 2),
        ("PARAM001", "environments/prod.yaml", 4),
    ]
    assert len(out) == 3  # max_tokens and presence_penalty on line 2, top_p on line 4


def test_budget002_points_at_the_winning_layer(found) -> None:  # type: ignore[no-untyped-def]
    out = found(
        {
            "environments/base.yaml.extra": None,
            "environments/prod.yaml": """\
        extends: base
        prompts:
          classify: {version: 1, model: fast, params: {max_tokens: 200000}}
        """,
        },
        "BUDGET002",
    )
    assert out == [("BUDGET002", "environments/prod.yaml", 3)]
    assert found({}, "BUDGET001", "BUDGET002") == []


def test_budget001_context_window(found) -> None:  # type: ignore[no-untyped-def]
    big = "x " * 8000
    out = found(
        {
            "registry.yaml": "models: {openai/tiny-2024-01-01: {context_window: 4000}}\n",
            "environments/prod.yaml": """\
            extends: base
            models: {fast: openai/tiny-2024-01-01}
            params: {max_tokens: 3000}
            """,
            "prompts/classify/v1.yaml": f"""\
            variables: {{type: object, properties: {{text: {{type: string}}}}}}
            messages:
              - {{role: system, content: "{big}"}}
              - {{role: user, content: "{{{{ text }}}}"}}
            """,
        },
        "BUDGET001",
    )
    assert out == [("BUDGET001", "environments/prod.yaml", 3)]
