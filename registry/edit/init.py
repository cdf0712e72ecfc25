"""`registry init [DIR]`: a new, valid, commented registry to start from.

Writes registry.yaml, base/staging/prod layers, one prompt, an empty waivers file, a
pre-commit config using the hooks, the JSON Schemas of every file kind in `schemas/` and, when
there is none yet, a `.vscode/settings.json` that maps them onto the files (yaml-language-server:
completion and diagnostics while editing). Refuses to overwrite: when any file exists, nothing
is written. In a subfolder of a git repository (a monorepo: `registry init llm`), the hooks go
into the repository's own `.pre-commit-config.yaml` — the only one pre-commit reads — created
or extended (comments kept), with `files:` patterns under the subfolder and `args: [--root,
llm]`.
"""

from __future__ import annotations

import re
from pathlib import Path

from registry.common.atomic import write_bytes
from registry.common.errors import RegistryError

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "init"
RENAMES = {"pre-commit-config.yaml": ".pre-commit-config.yaml"}


EXAMPLE_DAYS = 14  # the waiver example in waivers.yaml expires this long after init


def files() -> dict[str, bytes]:
    import datetime as dt

    expires = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=EXAMPLE_DAYS)
    out = {}
    for path in sorted(TEMPLATE.rglob("*")):
        if path.is_file():
            rel = path.relative_to(TEMPLATE).as_posix()
            data = path.read_bytes()
            if rel == "waivers.yaml":
                text = data.decode("utf-8").replace("{expires}", expires.isoformat())
                data = text.replace("{days}", str(EXAMPLE_DAYS)).encode("utf-8")
            out[RENAMES.get(rel, rel)] = data
    return out


HOOKS = ".pre-commit-config.yaml"
EDITOR = ".vscode/settings.json"
# which files each shipped schema describes (globs relative to the registry's root)
SCHEMA_FILES = {
    "registry": ["registry.yaml"],
    "environment": ["environments/*.yaml"],
    "prompt": ["prompts/*/v*.yaml"],
    "waivers": ["waivers.yaml"],
}
SCHEMA_FOLDER = "schemas"


def schema_files() -> dict[str, bytes]:
    """The shipped schemas, by file name (what `registry schema --out DIR` writes)."""
    from registry.check.schema import KINDS, schema_dir

    return {
        f"{kind}.schema.json": (schema_dir() / f"{kind}.schema.json").read_bytes()
        for kind in (*KINDS, "report")
    }


def editor_settings(prefix: str = "") -> dict[str, list[str]]:
    """VS Code's `yaml.schemas` block (paths from the workspace's root, the git top)."""
    base = f"{prefix}/" if prefix else ""
    return {
        f"./{base}{SCHEMA_FOLDER}/{kind}.schema.json": [base + g for g in globs]
        for kind, globs in SCHEMA_FILES.items()
    }


def _editor_file(prefix: str) -> bytes:
    import json

    settings = {"yaml.schemas": editor_settings(prefix)}
    return (json.dumps(settings, indent=2) + "\n").encode("utf-8")


def init(target: Path, *, force: bool = False, hooks_too: bool = True) -> list[Path]:
    """Create the starter registry in `target`; the paths written (or extended). `force`
    overwrites the starter files that exist; `hooks_too=False` writes no pre-commit config."""
    if target.exists() and not target.is_dir():
        raise RegistryError(f"{target} exists and is not a directory")
    planned = {target / rel: data for rel, data in files().items()}
    planned.update({target / SCHEMA_FOLDER / n: data for n, data in schema_files().items()})
    editor, prefix = editor_target(target)
    if not editor.exists():  # a settings file of the user's own is theirs: never replaced
        planned[editor] = _editor_file(prefix)
    hooks = None
    if not hooks_too:
        planned.pop(target / HOOKS)
    elif prefix:
        hooks_text = planned.pop(target / HOOKS).decode("utf-8")
        top = _top(target)
        hooks = (top / HOOKS, _hooks_for(top / HOOKS, _prefixed(hooks_text, prefix), prefix))
    existing = [_shown(path, target) for path in planned if path.exists()]
    if existing and not force:
        raise RegistryError(
            f"refusing to overwrite existing files in {target}: "
            f"{', '.join(existing)} (nothing written; --force overwrites them)"
        )
    for path, data in planned.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, data)
    if hooks is not None:
        write_bytes(hooks[0], hooks[1].encode("utf-8"))
        return [*planned, hooks[0]]
    return list(planned)


def editor_target(target: Path) -> tuple[Path, str]:
    """Where the editor settings go (the workspace: the git top, or `target` outside git),
    and the registry's folder inside it."""
    prefix = _subfolder(target)
    return (_top(target) if prefix else target) / EDITOR, prefix


def _shown(path: Path, target: Path) -> str:
    return str(path.relative_to(target)) if path.is_relative_to(target) else str(path)


def _top(target: Path) -> Path:
    from registry.load.source import repo_top

    here = target
    while not here.exists():
        here = here.parent
    top = repo_top(here)
    assert top is not None
    return top


def _subfolder(target: Path) -> str:
    """`target` relative to the git work tree holding it ("" at its top, or outside git)."""
    from registry.load.source import repo_top

    here = target.resolve()
    existing = here
    while not existing.exists():
        existing = existing.parent
    top = repo_top(existing)
    if top is None or here == top:
        return ""
    return here.relative_to(top).as_posix()


def _prefixed(text: str, prefix: str) -> str:
    """The template's hooks for a registry in `prefix/` of the repository."""
    lines = []
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("files: ^("):
            line = line.replace("files: ^(", f"files: ^{re.escape(prefix)}/(")
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(line)
            lines.append(f"{indent}args: [--root, {prefix}, --paths, repo]\n")
            continue
        if line.lstrip().startswith("name: registry"):
            line = line.rstrip("\n") + f" ({prefix})\n"
        lines.append(line)
    return "".join(lines)


def _hooks_for(path: Path, hooks_text: str, prefix: str) -> str:
    """The repository's pre-commit config with this registry's hooks: the template itself
    when there is none, else the existing one extended by a `local` repo (comments kept)."""
    if not path.exists():
        return hooks_text
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    current = yaml.load(path.read_text("utf-8"))
    if current is None or not isinstance(current, dict):
        raise RegistryError(f"{path} is not a pre-commit config (nothing written)")
    repos = current.setdefault("repos", [])
    for repo in repos:
        for hook in (repo or {}).get("hooks") or []:
            args = list(hook.get("args") or [])
            if "--root" in args and prefix in args:
                raise RegistryError(
                    f"{path} already runs registry hooks for {prefix} (nothing written)"
                )
    repos.append(yaml.load(hooks_text)["repos"][0])
    out = io.StringIO()
    yaml.dump(current, out)
    return out.getvalue()
