from __future__ import annotations

import datetime as dt
from pathlib import Path

import registry
from registry.engine.run import check_registry as check
from tests.helpers import write_registry

TODAY = dt.date(2026, 11, 23)


def run(
    root: Path, files: dict[str, str | bytes | None]
) -> tuple[int, list[tuple[str, str, int]], str]:
    write_registry(root, files)
    result = check(registry.open(root), today=TODAY)
    found = [(f.code, f.file or "", f.line or 0) for f in result.findings if f.severity != "info"]
    return result.exit_code, found, "\n".join(f.message for f in result.findings)


PROD_HOTFIX = """\
extends: base
prompts:
  answer: {params: {temperature: 0.7}}
ops:
  credentials: {openai: "${OPENAI_KEY_PROD}"}
"""


def test_prod_only_hotfix_is_caught_and_named(reg_root: Path) -> None:
    code, found, messages = run(reg_root, {"environments/prod.yaml": PROD_HOTFIX})
    assert code == 1
    assert ("DRIFT001", "environments/prod.yaml", 3) in found
    assert "params.temperature: 0.1 in staging, 0.7 in prod" in messages
    assert "prompt answer" in messages


def test_staging_only_embedding_upgrade_is_caught(reg_root: Path) -> None:
    code, found, messages = run(
        reg_root,
        {
            "environments/staging.yaml": """\
        extends: base
        rag:
          default: {embedding_model: openai/text-embedding-3-small}
        ops:
          credentials: {openai: "${OPENAI_KEY_STAGING}"}
        """
        },
    )
    assert code == 1
    assert ("DRIFT001", "environments/staging.yaml", 3) in found
    assert "rag.embedding_model" in messages


def test_routing_change_is_one_finding_listing_units(reg_root: Path) -> None:
    _code, found, messages = run(
        reg_root,
        {
            "environments/prod.yaml": """\
        extends: base
        routing: {timeout_s: 10}
        ops:
          credentials: {openai: "${OPENAI_KEY_PROD}"}
        """
        },
    )
    assert [f for f in found if f[0] == "DRIFT001"] == [("DRIFT001", "environments/prod.yaml", 2)]
    assert "2 prompts: answer, classify" in messages


V2 = """\
variables:
  type: object
  properties:
    question: {type: string}
messages:
  - role: system
    content: |
      You are a helpful assistant. Answer briefly.\u200b
      Cite the passage you used.
  - role: user
    content: |
      Question: {{ question }}
defaults: {model: chat, params: {temperature: 0.1, max_tokens: 800}, tools: [search_kb]}
"""


def test_version_skew_shows_prompt_text_diff(reg_root: Path) -> None:
    from registry.diff.units import diff_environments

    write_registry(
        reg_root,
        {
            "prompts/answer/v2.yaml": V2,
            "environments/staging.yaml": """\
        extends: base
        prompts: {answer: {version: 2}}
        ops:
          credentials: {openai: "${OPENAI_KEY_STAGING}"}
        """,
        },
    )
    reg = registry.open(reg_root)
    _equal, diffs = diff_environments(reg.resolve("staging"), reg.resolve("prod"))
    fields = {d.field: d for d in diffs[0].differences}
    assert fields["version"].a == 2 and fields["version"].b == 1
    text = fields["messages[0].content"].text_diff
    assert text is not None
    assert "-You are a helpful assistant. Answer briefly.\\u200b" in text
    assert "-Cite the passage you used." in text
    result = check(reg, today=TODAY)
    drift = [f for f in result.findings if f.code == "DRIFT001"]
    assert len(drift) == 1  # the text changes ride on the version skew: one finding
    assert drift[0].file == "environments/staging.yaml" and drift[0].line == 2
    assert "which also changes messages[0].content" in drift[0].message


def test_ops_only_difference_passes(reg_root: Path) -> None:
    code, found, _ = run(
        reg_root,
        {
            "environments/prod.yaml": """\
        extends: base
        ops:
          credentials: {openai: "${OPENAI_KEY_PROD}"}
          budget: {usd_per_day: 5000}
          rate_limit: {rpm: 1}
        """
        },
    )
    assert code == 0 and found == []


def test_reformatting_only_passes(reg_root: Path) -> None:
    code, found, _ = run(
        reg_root,
        {
            "environments/prod.yaml": """\
        # prod, written differently
        ops: {credentials: {openai: "${OPENAI_KEY_PROD}"}}
        extends: "base"
        params: {max_tokens: 1024.0}
        """
        },
    )
    assert code == 0 and found == []


def test_unit_on_one_side_only(reg_root: Path) -> None:
    code, found, messages = run(
        reg_root,
        {
            "environments/prod.yaml": """\
        extends: base
        prompts: {classify: null}
        ops:
          credentials: {openai: "${OPENAI_KEY_PROD}"}
        """
        },
    )
    assert code == 1
    assert ("DRIFT002", "environments/base.yaml", 23) in found
    assert "prompt 'classify' is bound in staging only" in messages


def _waiver(path: str, expires: dt.date, extra: str = "") -> str:
    return f"""\
        waivers:
          - id: hotfix
            envs: [staging, prod]
            path: {path}
            reason: prod hot-fix while the eval runs
            owner: jane@example.com
            expires: {expires.isoformat()}
        {extra}"""


def test_waiver_covers_what_it_names(reg_root: Path) -> None:
    soon = TODAY + dt.timedelta(days=10)
    code, found, _ = run(
        reg_root,
        {
            "environments/prod.yaml": PROD_HOTFIX,
            "waivers.yaml": _waiver("prompts.answer.params", soon),
        },
    )
    assert code == 0 and found == []
    result = check(registry.open(reg_root), today=TODAY)
    assert result.counts["waived"] == 1
    assert result.pairs[0].waived == {"prompts.answer.params.temperature": "hotfix"}
    # a waiver on another field covers nothing: drift + stale waiver
    code, found, _ = run(reg_root, {"waivers.yaml": _waiver("prompts.answer.model", soon)})
    assert code == 1
    assert {c for c, _, _ in found} == {"DRIFT001", "WAIVER003"}


def test_waiver_wildcard(reg_root: Path) -> None:
    soon = TODAY + dt.timedelta(days=10)
    code, found, _ = run(
        reg_root,
        {
            "environments/prod.yaml": PROD_HOTFIX,
            "waivers.yaml": _waiver("prompts.*.params.temperature", soon),
        },
    )
    assert code == 0 and found == []


def test_waiver001_expired(reg_root: Path) -> None:
    past = TODAY - dt.timedelta(days=1)
    code, found, _ = run(
        reg_root,
        {"environments/prod.yaml": PROD_HOTFIX, "waivers.yaml": _waiver("prompts.answer", past)},
    )
    assert code == 1
    assert ("WAIVER001", "waivers.yaml", 7) in found
    assert any(c == "DRIFT001" for c, _, _ in found)
    # expiring today still covers
    code, found, _ = run(reg_root, {"waivers.yaml": _waiver("prompts.answer", TODAY)})
    assert code == 0 and found == []


def test_waiver002_too_far_ahead(reg_root: Path) -> None:
    far = TODAY + dt.timedelta(days=31)
    code, found, _ = run(
        reg_root,
        {"environments/prod.yaml": PROD_HOTFIX, "waivers.yaml": _waiver("prompts.answer", far)},
    )
    assert code == 1 and [c for c, _, _ in found] == ["WAIVER002"]
    code, found, _ = run(reg_root, {"registry.yaml": "waivers: {max_days: 60}\n"})
    assert code == 0 and found == []


def test_waiver003_stale(reg_root: Path) -> None:
    soon = TODAY + dt.timedelta(days=5)
    code, found, messages = run(reg_root, {"waivers.yaml": _waiver("prompts.answer", soon)})
    assert code == 0  # a warning
    assert found == [("WAIVER003", "waivers.yaml", 4)]
    assert "covers no drift" in messages


def test_waiver004_expect_mismatch(reg_root: Path) -> None:
    soon = TODAY + dt.timedelta(days=5)
    write_registry(reg_root, {"environments/prod.yaml": PROD_HOTFIX})
    reg = registry.open(reg_root)
    fp_staging = reg.resolve("staging").prompts["answer"].fingerprint
    fp_prod = reg.resolve("prod").prompts["answer"].fingerprint
    good = f"            expect: {{staging: '{fp_staging}', prod: '{fp_prod}'}}\n"
    waiver = _waiver("prompts.answer", soon).rstrip() + "\n" + good
    code, found, _ = run(reg_root, {"waivers.yaml": waiver})
    assert code == 0 and found == []
    # a newer drift in prod: the expect no longer matches, the waiver covers nothing
    code, found, _ = run(reg_root, {"environments/prod.yaml": PROD_HOTFIX.replace("0.7", "0.9")})
    assert code == 1
    assert ("WAIVER004", "waivers.yaml", 8) in found
    assert any(c == "DRIFT001" for c, _, _ in found)


def test_waiver_with_malformed_date(reg_root: Path) -> None:
    code, found, _ = run(
        reg_root,
        {"waivers.yaml": _waiver("prompts.answer", TODAY).replace(TODAY.isoformat(), "2026-02-30")},
    )
    assert code == 1 and ("SCHEMA001", "waivers.yaml", 7) in found
