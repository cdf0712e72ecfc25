"""What an environment is made of: the files its resolved units and artifact come from, and
the findings about them. `render` refuses when any of them is an error; `diff`, `promote` and
`show` refuse to work from an environment that does not resolve whole."""

from __future__ import annotations

from typing import Any

from registry.common.findings import Finding
from registry.resolve.registry import PARTIALS, Registry
from registry.template.partials import includes


def files_of(reg: Registry, env: str) -> set[str]:
    """Every file the artifact of `env` is made from: the layers of its `extends` chain (a
    broken one too), registry.yaml, the prompt versions it binds and the partials they
    include (through other partials too)."""
    files = {"registry.yaml"} | {f"environments/{name}.yaml" for name in _chain_names(reg, env)}
    resolved = reg.resolve(env)
    wanted: set[str] = set()
    for pid, binding in (resolved.merged.get("prompts") or {}).items():
        version = binding.get("version") if isinstance(binding, dict) else None
        if not isinstance(version, int):
            continue
        files.add(f"prompts/{pid}/v{version}.yaml")
        doc = reg.prompt_doc(pid, version)
        for msg in (doc.data.get("messages") or []) if doc is not None and doc.data else []:
            content = msg.get("content") if isinstance(msg, dict) else None
            wanted.update(includes(content) if isinstance(content, str) else [])
    graph = reg.partial_graph
    for partial in set(wanted):
        wanted |= graph.closure(partial)
    files.update(f"{PARTIALS}/{partial}" for partial in wanted)
    return files


def _chain_names(reg: Registry, env: str) -> list[str]:
    """`env` and the layers it extends, nearest first (a broken or missing one included)."""
    names: list[str] = []
    name: Any = env
    while isinstance(name, str) and name not in names:
        names.append(name)
        doc = reg.layers.get(name)
        name = doc.data.get("extends") if doc is not None and doc.data is not None else None
    return names


def touching(reg: Registry, env: str, findings: list[Finding]) -> list[Finding]:
    """The error findings about the files `env`'s artifact is made from (or about a folder on
    their way, such as a symlinked prompt folder), and registry-wide ones: any of them and
    `render` refuses, so the artifact never ships less than the registry says."""
    return touching_files(files_of(reg, env), findings)


def touching_files(files: set[str], findings: list[Finding]) -> list[Finding]:
    """The error findings about `files`, a folder on their way, or the registry as a whole."""
    on_the_way = {rel.rsplit("/", n)[0] for rel in files for n in range(1, rel.count("/") + 1)}
    touched = files | on_the_way
    return [f for f in findings if f.severity == "error" and (f.file is None or f.file in touched)]


def unresolved(reg: Registry, env: str) -> list[Finding]:
    """Why `env` does not resolve whole: the errors of the files that did not load (a layer of
    its chain, a prompt version it binds, a link or folder on their way) and its resolution
    errors (an unknown alias, tool or version). Empty when every bound unit resolved."""
    resolved = reg.resolve(env)
    broken = set()
    for name in _chain_names(reg, env):
        doc = reg.layers.get(name)
        if doc is None or doc.data is None:
            broken.add(f"environments/{name}.yaml")
    bindings = resolved.merged.get("prompts") or {}
    for pid in resolved.broken:
        version = (bindings.get(pid) or {}).get("version")
        broken.add(f"prompts/{pid}/v{version}.yaml")
    found = touching_files(broken, reg.findings) + [
        f for f in resolved.findings if f.severity == "error"
    ]
    if not found and not resolved.complete:
        from registry.common.findings import make

        what = ", ".join(resolved.broken) or f"the layers of {env}"
        found = [make("SCHEMA001", f"{env}: {what} did not load", None)]
    return found


def require_resolved(reg: Registry, names: tuple[str, ...], doing: str, code: int = 1) -> None:
    """Refuse to go on from an environment that does not resolve whole (the findings say why;
    `doing` says what was refused)."""
    for name in names:
        problems = unresolved(reg, name)
        if problems:
            from registry.check.rules.secrets import literal_secrets
            from registry.common.errors import Refusal

            raise Refusal(
                f"{doing}: {name} does not resolve ({len(problems)} error(s) above)",
                problems,
                literal_secrets(reg),
                code,
            )
