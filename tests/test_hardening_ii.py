"""Hardening II: each case an attacker's pass over main found breaking a promise (the cache
and secrets have their own files: test_cache_security.py, test_secrets_everywhere.py,
test_workers.py). Real CLI, real files, real git."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import git
import pytest
from typer.testing import CliRunner

import registry
from registry.cli import app
from registry.common.atomic import _HOST
from registry.template.env import render_messages
from tests.helpers import commit_all, init_repo, snapshot, write_registry

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def codes(root: Path) -> list[tuple[str, str, int]]:
    code, out, _ = run("check", "--root", str(root), "--format", "json")
    assert code in (0, 1), out
    return [(f["code"], f["file"], f["line"]) for f in json.loads(out)["findings"]]


# -- 2. render never ships less than the registry says ------------------------------------------
BROKEN_LAYERS = {
    "duplicate key": b"extends: base\nops: {a: 1}\nops: {b: 2}\n",
    "size": b"extends: base\n" + b"# " + b"x" * (4 * 1024 * 1024) + b"\n",
    "utf-8": b"extends: base\nops: {note: \xff}\n",
    "tag": b"extends: base\nops: !!python/object:os.system {}\n",
    "schema": b"extends: base\nparms: {temperature: 0.2}\n",
    "infinite number": b"extends: base\nops: {budget: {usd_per_day: 1e999}}\n",
}


@pytest.mark.parametrize("case", sorted(BROKEN_LAYERS))
def test_render_refuses_an_environment_whose_layer_is_broken(
    reg_root: Path, tmp_path: Path, case: str
) -> None:
    write_registry(reg_root, {"environments/prod.yaml": BROKEN_LAYERS[case]})
    out = tmp_path / "build" / "prod.json"
    out.parent.mkdir()
    code, stdout, stderr = run("render", "prod", "--root", str(reg_root), "-o", str(out))
    assert code == 1 and "nothing written" in stderr and "environments/prod.yaml" in stderr
    assert not out.exists() and list(out.parent.iterdir()) == []
    code, stdout, stderr = run("diff", "staging", "prod", "--exit-code", "--root", str(reg_root))
    assert (
        code == 2 and "prod does not resolve" in stderr and "no behavior differences" not in stdout
    )


@pytest.mark.parametrize(
    "prompt",
    [
        "messages: [\n",  # YAML
        "messages: {role: user}\n",  # schema
        "messages:\n  - {role: user, content: '{{ question }'}\n",  # PRM001
        "messages:\n  - {role: user, content: '{{ question.__class__ }}'}\n",  # PRM008
        "messages:\n  - {role: user, content: '{% include \"/etc/passwd\" %}'}\n",  # REF003
        "messages:\n  - {role: user, content: '{{ q | map(attribute=\"__class__\") }}'}\n",
    ],
)
def test_render_refuses_a_bound_prompt_check_rejects(reg_root: Path, prompt: str) -> None:
    write_registry(reg_root, {"prompts/classify/v1.yaml": prompt})
    before = snapshot(reg_root)
    code, stdout, stderr = run("render", "prod", "--root", str(reg_root))
    assert code == 1 and stdout == "" and "prompts/classify/v1.yaml" in stderr, stderr
    assert snapshot(reg_root) == before


def test_a_broken_prompt_is_not_called_equal_by_diff(reg_root: Path) -> None:
    write_registry(reg_root, {"prompts/answer/v1.yaml": "messages: [\n"})
    code, stdout, stderr = run("diff", "staging", "prod", "--exit-code", "--root", str(reg_root))
    assert code == 2 and "YAML001" in stderr and "no behavior differences" not in stdout


def test_a_symlinked_prompt_folder_is_a_finding_and_render_refuses(reg_root: Path) -> None:
    real = reg_root / "prompts" / "classify-real"
    (reg_root / "prompts" / "classify").rename(real)
    (reg_root / "prompts" / "classify").symlink_to(real.name)
    assert ("REF003", "prompts/classify", 1) in codes(reg_root)
    code, stdout, stderr = run("render", "prod", "--root", str(reg_root))
    assert code == 1 and "symbolic link to a folder" in stderr and stdout == ""


@pytest.mark.parametrize(
    "partials",
    [
        {"a.j2": 'Be kind. {% include "a.j2" %}'},
        {"a.j2": '{% include "b.j2" %}', "b.j2": 'x {% include "a.j2" %}'},
    ],
    ids=["self", "mutual"],
)
def test_recursive_partials_are_ref002_and_never_shipped(
    reg_root: Path, partials: dict[str, str]
) -> None:
    files: dict[str, str | bytes | None] = {
        f"prompts/_partials/{name}": text for name, text in partials.items()
    }
    files["prompts/classify/v1.yaml"] = (
        "messages:\n  - {role: system, content: '{% include \"a.j2\" %}'}\n"
        "  - {role: user, content: '{{ text }}'}\n"
        "variables: {type: object, properties: {text: {type: string}}}\n"
    )
    write_registry(reg_root, files)
    found = codes(reg_root)
    assert ("REF002", "prompts/_partials/a.j2", 1) in found
    assert ("REF002", "prompts/classify/v1.yaml", 2) in found
    assert run("render", "prod", "--root", str(reg_root))[0] == 1


def test_an_exploding_include_is_prm009_found_without_expanding(reg_root: Path) -> None:
    """Nine tiny partials, each including the next ten times: 10^9 copies of the last."""
    files: dict[str, str | bytes | None] = {
        f"prompts/_partials/p{i}.j2": f'{{% include "p{i + 1}.j2" %}}' * 10 for i in range(9)
    }
    files["prompts/_partials/p9.j2"] = "lol"
    files["prompts/classify/v1.yaml"] = (
        "messages:\n  - {role: system, content: '{% include \"p0.j2\" %}'}\n"
        "  - {role: user, content: '{{ text }}'}\n"
        "variables: {type: object, properties: {text: {type: string}}}\n"
    )
    write_registry(reg_root, files)
    found = [c for c in codes(reg_root) if c[0] == "PRM009"]
    assert found == [("PRM009", "prompts/classify/v1.yaml", 2)]
    deep = {f"prompts/_partials/p{i}.j2": f'{{% include "p{i + 1}.j2" %}}' for i in range(12)}
    deep["prompts/_partials/p12.j2"] = "deep"
    write_registry(reg_root, deep)
    assert ("PRM009", "prompts/classify/v1.yaml", 2) in codes(reg_root)


# -- 4. bad input is a finding, never exit 3 ------------------------------------------------------
@pytest.mark.parametrize(
    ("rel", "text", "line"),
    [
        ("environments/prod.yaml", "extends: base\nparams:\n  temperature: 1e400\n", 3),
        (
            "prompts/classify/v1.yaml",
            "variables:\n  type: object\n  properties:\n"
            "    text: {type: string, maxLength: 1e400}\n"
            "messages:\n  - {role: user, content: '{{ text }}'}\n",
            4,
        ),
        ("environments/prod.yaml", "extends: base\nparams:\n  seed: " + "7" * 5000 + "\n", 3),
        ("environments/prod.yaml", "extends: base\nops: {budget: {usd_per_day: 1e999}}\n", 2),
    ],
)
def test_numbers_json_cannot_hold_are_findings(
    reg_root: Path, rel: str, text: str, line: int
) -> None:
    write_registry(reg_root, {rel: text})
    assert ("YAML005", rel, line) in codes(reg_root)
    code, stdout, _stderr = run("render", "prod", "--root", str(reg_root))
    assert code == 1 and "Infinity" not in stdout


def test_every_ref_form_is_exit_0_or_2(reg_root: Path) -> None:
    repo = init_repo(reg_root)
    commit_all(repo, "one")
    repo.git.checkout("-b", "topic")
    write_registry(reg_root, {"environments/prod.yaml": "extends: base\nparams: {top_p: 0.5}\n"})
    commit_all(repo, "two")
    repo.create_tag("v1", message="annotated")
    refs = ["@{-1}", "HEAD@{1}", "@", "v1", "v1^{}", ":/one", "HEAD^{/one}", "main", "HEAD~1"]
    bad = ["@{-9}", "HEAD~99", "main^{tree}", "HEAD:prompts", "a..b", "nope", "HEAD@{99}"]
    for ref in refs + bad:
        for args in (["check", "--base", ref], ["render", "prod", "--ref", ref]):
            code, stdout, stderr = run(*args, "--root", str(reg_root))
            expected = (0, 1) if ref in refs else (2,)
            assert code in expected, (ref, args, stdout, stderr)


def test_promote_onto_a_broken_overlay_is_a_finding(reg_root: Path) -> None:
    write_registry(
        reg_root, {"environments/prod.yaml": "extends: base\nops: {a: 1}\nops: {b: 2}\n"}
    )
    before = snapshot(reg_root)
    code, _stdout, stderr = run("promote", "staging", "prod", "--root", str(reg_root))
    assert code == 1 and "YAML002" in stderr and "nothing written" in stderr
    assert snapshot(reg_root) == before


# -- 5. the runtime and rendering fail safely ------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        '{"format": 1, "units": {"a": NaN}}',
        "[" * 100_000,
        '{"format": 1, "n": 1' + "0" * 5000 + "}",
        '{"format": 1, "format": 1}',
        "\ufeff{}",
        '{"format": 1, "environment": "prod", "fingerprint": 5, "units": {}}',
    ],
    ids=["nan", "deep", "long-int", "duplicate-key", "bom", "wrong-type"],
)
def test_load_artifact_raises_only_artifact_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "prod.json"
    path.write_text(text)
    with pytest.raises(registry.ArtifactError):
        registry.load_artifact(path)


def test_the_runtime_errors_are_importable_from_registry() -> None:
    from registry.deploy.runtime import ArtifactError, InputError

    assert registry.ArtifactError is ArtifactError and registry.InputError is InputError
    assert issubclass(registry.InputError, registry.RenderError)


@pytest.mark.parametrize(
    ("schema", "where"),
    [
        ("{type: object, properties: {text: {type: string, pattern: '['}}}", "pattern"),
        ("{type: object, properties: {text: {type: strin}}}", "type"),
        ("{type: object, properties: {text: {$ref: '#/$defs/missing'}}}", "$ref"),
        ("{type: object, properties: {text: {type: string, pattern: '^(a+)+$'}}}", "backtrack"),
    ],
)
def test_variables_are_checked_as_a_schema(reg_root: Path, schema: str, where: str) -> None:
    write_registry(
        reg_root,
        {
            "prompts/classify/v1.yaml": f"variables: {schema}\n"
            "messages:\n  - {role: user, content: '{{ text }}'}\n"
        },
    )
    code, out, _ = run("check", "--root", str(reg_root), "--format", "json")
    found = [f for f in json.loads(out)["findings"] if f["code"] == "SCHEMA001"]
    assert code == 1 and found and where in (found[0]["message"] + found[0]["path"]), found
    assert found[0]["file"] == "prompts/classify/v1.yaml" and found[0]["line"] == 1


def test_an_unusable_variables_schema_is_a_render_error_at_run_time() -> None:
    from registry.template.inputs import check_inputs

    for schema in ({"type": "strin"}, {"$ref": "#/nope"}, {"properties": {"a": {"pattern": "["}}}):
        with pytest.raises(registry.RenderError):
            check_inputs(schema, {"a": "x"})


@pytest.mark.parametrize(
    "template",
    [
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        '{{ "x" * 999999999999 }}',
        '{{ "%*s" | format(999999999, "") }}',
        '{{ "x".center(999999999) }}',
        '{{ "x" | center(999999999) }}',
        '{{ "{:999999999}".format(1) }}',
        '{{ "%999999999s" % "x" }}',
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        '{% set ns = namespace(s="ab") %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}'
        "{% endfor %}{{ ns.s }}",
        "{{ 1 / 0 }}",
        '{{ "a".split("") }}',
        "{{ lipsum }}",
        "{{ range }}",
        "{{ cycler(1, 2) }}",
        '{% include "missing.j2" %}',
    ],
)
def test_templates_render_bounded_or_raise_render_error(template: str) -> None:
    started = time.monotonic()
    with pytest.raises(registry.RenderError):
        render_messages([{"role": "user", "content": template}], {}, lambda inputs: None)
    assert time.monotonic() - started < 60  # a hang would never get here at all


@pytest.mark.parametrize(
    "template",
    [
        '{{ q | map(attribute="__class__") | list }}',
        '{{ q | selectattr("__class__") | list }}',
        '{{ q | sort(attribute="__class__") }}',
        '{{ q["_" ~ "_class__"] }}',
        "{{ lipsum }}",
    ],
)
def test_prm008_sees_every_way_to_an_attribute(reg_root: Path, template: str) -> None:
    write_registry(
        reg_root,
        {
            "prompts/classify/v1.yaml": "variables:\n"
            "  {type: object, properties: {q: {type: array}}}\n"
            f"messages:\n  - role: user\n    content: '{template.replace(chr(39), chr(39) * 2)}'\n"
        },
    )
    assert ("PRM008", "prompts/classify/v1.yaml", 5) in codes(reg_root)


# -- 6. processes, output and dates ----------------------------------------------------------
def test_names_are_escaped_in_every_human_format(reg_root: Path) -> None:
    """A file name with a newline cannot start a workflow command; ANSI, bidi and NUL-like
    characters in names and hints show as escapes."""
    forged = "x\n::error title=pwned::pwned\n\x1b[2K\u202e"
    (reg_root / "prompts" / forged).mkdir()
    (reg_root / "prompts" / forged / "v1.yaml").write_text("messages: []\n")
    write_registry(
        reg_root,
        {"registry.yaml": "environments: [dev, staging, prod]\npins: {flaoting\u202e: []}\n"},
    )
    for fmt in ("text", "github", "markdown"):
        for command in ("check", "validate"):
            code, out, err = run(command, "--root", str(reg_root), "-f", fmt)
            assert code == 1
            for line in (out + err).splitlines():
                assert not line.startswith("::error title=pwned"), line
            assert "\x1b" not in out and "\u202e" not in out
            assert "\\u001b" in out and "\\u202e" in out
    code, out, _ = run("check", "--root", str(reg_root), "-f", "sarif")
    uris = [
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(out)["runs"][0]["results"]
        for loc in r.get("locations", [])
    ]
    assert all("\n" not in uri and " " not in uri for uri in uris)


def waiver_file(expires: str) -> str:
    return (
        "waivers:\n  - id: w\n    envs: [staging, prod]\n    path: prompts.*.params\n"
        f"    reason: r\n    owner: o@example.com\n    expires: {expires}\n"
    )


def test_waiver_expiry_is_utc_in_every_time_zone(reg_root: Path) -> None:
    """At any UTC hour, one of these two zones is on another calendar day: a waiver that
    expires today (UTC) holds and one that expired yesterday (UTC) fails, in both."""
    import datetime as dt

    today = dt.datetime.now(dt.timezone.utc).date()
    write_registry(reg_root, {"environments/prod.yaml": "extends: base\nparams: {top_p: 0.5}\n"})
    for expires, expected in ((today, 0), (today - dt.timedelta(days=1), 1)):
        write_registry(reg_root, {"waivers.yaml": waiver_file(expires.isoformat())})
        for zone in ("Etc/GMT+12", "Etc/GMT-14", "UTC"):
            result = subprocess.run(
                [sys.executable, "-m", "registry", "check", "--root", str(reg_root)],
                capture_output=True,
                text=True,
                env={**os.environ, "TZ": zone},
                check=False,
            )
            assert result.returncode == expected, (zone, expires, result.stdout)


def test_a_killed_writers_temp_file_is_removed_by_the_next_write(
    reg_root: Path, tmp_path: Path
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "prod.json"
    stale = tmp_path / f".prod.json.{_HOST}-{dead.pid}.abc123.tmp"
    stale.write_text("half an artifact")
    old = tmp_path / ".prod.json.q8x2k1.tmp"  # an older writer's name, a day and more old
    old.write_text("older")
    os.utime(old, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    live = tmp_path / f".prod.json.{_HOST}-{os.getpid()}.zz.tmp"  # a write in progress
    live.write_text("in flight")
    assert run("render", "prod", "--root", str(reg_root), "-o", str(out))[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".prod")) == [live.name]
    json.loads(out.read_text())


def test_promote_leaves_unrelated_lines_byte_for_byte(reg_root: Path) -> None:
    prod = (
        '# prod\nextends: base\nops:\n  credentials: {openai: "${OPENAI_KEY_PROD}"}\n'
        '  note: "caf\\u00e9"   # kept as written\n'
        "prompts:\n  answer:\n    version: 1\n    params: {temperature: 0.9}\n"
    )
    write_registry(reg_root, {"environments/prod.yaml": prod})
    code, _out, err = run("promote", "staging", "prod", "--root", str(reg_root))
    assert code == 0, err
    text = (reg_root / "environments/prod.yaml").read_text()
    assert '  note: "caf\\u00e9"   # kept as written\n' in text and "# prod\n" in text
    assert run("diff", "staging", "prod", "--exit-code", "--root", str(reg_root))[0] == 0


@pytest.mark.parametrize(
    ("make", "code", "where"),
    [
        (lambda r: os.mkfifo(r / "environments" / "qa.yaml"), "SCHEMA001", "environments/qa.yaml"),
        (
            lambda r: (r / "environments" / "qa.YAML").write_text("extends: base\n"),
            "SCHEMA001",
            "environments/qa.YAML",
        ),
        (
            lambda r: (r / "prompts" / "answer" / "v2.YAML").write_text("messages: []\n"),
            "SCHEMA001",
            "prompts/answer/v2.YAML",
        ),
        (
            lambda r: ((r / "registry.yaml").unlink(), (r / "registry.yaml").mkdir()),
            "SCHEMA001",
            "registry.yaml",
        ),
        (
            lambda r: (
                (r / "waivers.yaml").unlink(),
                (r / "waivers.yaml").symlink_to("waivers.yaml"),
            ),
            "REF003",
            "waivers.yaml",
        ),
        (lambda r: (r / "environments" / "qa.yaml").mkdir(), "SCHEMA001", "environments/qa.yaml"),
        (
            lambda r: (
                (r / "prompts/_partials").mkdir()
                or (r / "prompts/_partials/big.j2").write_bytes(b"x" * (4 * 1024 * 1024 + 1))
            ),
            "YAML006",
            "prompts/_partials/big.j2",
        ),
    ],
    ids=[
        "fifo",
        "YAML-layer",
        "YAML-prompt",
        "registry-folder",
        "waivers-loop",
        "folder-layer",
        "big-partial",
    ],
)
def test_nothing_in_the_layout_is_ignored_silently(
    reg_root: Path, make: object, code: str, where: str
) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    make(reg_root)  # type: ignore[operator]
    found = codes(reg_root)
    assert any(c == code and f == where for c, f, _line in found), found


def test_git_refs_are_read_by_git_so_a_submodule_or_link_is_a_finding(reg_root: Path) -> None:
    repo = init_repo(reg_root)
    (reg_root / "prompts" / "alias").symlink_to("classify")
    commit_all(repo, "a linked prompt folder")
    _code, out, _ = run("validate", "--ref", "HEAD", "--root", str(reg_root), "-f", "json")
    found = {(f["code"], f["file"]) for f in json.loads(out)["findings"]}
    assert ("REF003", "prompts/alias") in found
    assert git.Repo(reg_root).head.commit is not None
