from __future__ import annotations

KEY = "sk-ant-api03-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 2


def test_tool001_invalid_parameters_schema(found) -> None:  # type: ignore[no-untyped-def]
    out = found(
        {
            "environments/prod.yaml": """\
        extends: base
        tools:
          search_kb:
            description: Search.
            parameters: {type: object, properties: {query: {type: text}}}
        """
        },
        "TOOL001",
    )
    assert out == [("TOOL001", "environments/prod.yaml", 5)]
    assert found({}, "TOOL001", "TOOL002", "TOOL003") == []


def test_tool002_names(found) -> None:  # type: ignore[no-untyped-def]
    out = found(
        {
            "environments/prod.yaml": """\
        extends: base
        tools:
          search.kb: {description: d, parameters: {type: object}}
          Search_KB: {description: d, parameters: {type: object}}
        """
        },
        "TOOL002",
    )
    assert sorted(out) == [
        ("TOOL002", "environments/prod.yaml", 3),
        ("TOOL002", "environments/prod.yaml", 4),
    ]


def test_tool003_undefined_tool(found) -> None:  # type: ignore[no-untyped-def]
    out = found(
        {
            "environments/prod.yaml": """\
        extends: base
        prompts:
          answer: {tools: [search_kb, lookup_order]}
        """
        },
        "TOOL003",
    )
    assert out == [("TOOL003", "environments/prod.yaml", 3)]


def test_sec001_in_prompt_text_and_ops(found) -> None:  # type: ignore[no-untyped-def]
    out = found(
        {
            "prompts/answer/v1.yaml": f"""\
            variables: {{type: object, properties: {{question: {{type: string}}}}}}
            messages:
              - role: system
                content: |
                  Be brief.
                  Use {KEY} for the API.
              - {{role: user, content: "{{{{ question }}}}"}}
            defaults: {{model: chat}}
            """,
            "environments/prod.yaml": """\
            extends: base
            ops:
              credentials: {openai: not-a-reference}
              vendor: {api_token: "q8Zk2LmX9vB4nR7tW1yH5jD3"}
            """,
        },
        "SEC001",
    )
    assert sorted(out) == [
        ("SEC001", "environments/prod.yaml", 3),
        ("SEC001", "environments/prod.yaml", 4),
        ("SEC001", "prompts/answer/v1.yaml", 6),
    ]
    assert found({}, "SEC001") == []


def test_sec002_shared_credential_also_inherited(found) -> None:  # type: ignore[no-untyped-def]
    files = {
        "environments/base.yaml.x": None,
        "environments/staging.yaml": "extends: base\n",
        "environments/prod.yaml": "extends: base\n",
        "environments/dev.yaml": 'extends: base\nops: {credentials: {openai: "${K}"}}\n',
    }
    assert found(files, "SEC002") == []
    files["environments/shared.yaml"] = 'extends: base\nops: {credentials: {openai: "${K}"}}\n'
    files["environments/staging.yaml"] = "extends: shared\n"
    files["environments/prod.yaml"] = "extends: shared\n"
    assert found(files, "SEC002") == [("SEC002", "environments/shared.yaml", 2)]
    files["registry.yaml"] = "credentials: {separate: [[dev, prod]]}\n"
    files["environments/prod.yaml"] = 'extends: shared\nops: {credentials: {openai: "${K_P}"}}\n'
    files["environments/dev.yaml"] = 'extends: base\nops: {credentials: {openai: "${K_P}"}}\n'
    assert found(files, "SEC002") == [("SEC002", "environments/prod.yaml", 2)]
