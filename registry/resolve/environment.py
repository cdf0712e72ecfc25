"""One environment resolved: its `extends` chain of layers merged (JSON Merge Patch, RFC
7386), then one unit built per bound prompt, each value remembering the layer that set it."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from registry.common.findings import Finding, make
from registry.load.yaml import Document
from registry.resolve.fingerprint import canonical, environment_fingerprint, fingerprint
from registry.resolve.units import Environment, Origin, Unit, chain_origin, merge_patch

if TYPE_CHECKING:
    from registry.resolve.registry import Registry


def layer_chain(reg: Registry, env: str) -> tuple[list[Document], list[Finding], bool]:
    """The layers from the root ancestor down to `env` (REF001 unknown, REF002 cycle), and
    whether the chain is complete (not cut short by a broken layer, a cycle or a bad parent)."""
    chain: list[Document] = []
    findings: list[Finding] = []
    seen: list[str] = []
    name: str | None = env
    while name is not None:
        doc = reg.layers.get(name)
        if doc is None or doc.data is None:
            return list(reversed(chain)), findings, False
        seen.append(name)
        chain.append(doc)
        parent = doc.data.get("extends")
        if parent is None:
            break
        line, col = doc.pos(("extends",))
        if parent in seen:
            cycle = " -> ".join([*seen[seen.index(parent) :], parent])
            findings.append(
                make(
                    "REF002",
                    f"extends cycle: {cycle}",
                    doc.file,
                    line,
                    col,
                    path="extends",
                    hint="one layer in the cycle must not extend",
                )
            )
            break
        if parent not in reg.layers:
            findings.append(
                make(
                    "REF001",
                    f"extends unknown environment layer {parent!r}",
                    doc.file,
                    line,
                    col,
                    path="extends",
                    hint=f"known layers: {', '.join(sorted(reg.layers))}",
                )
            )
            break
        name = parent
    chain.reverse()
    return chain, findings, not findings


def merged_layers(chain: list[Document], memo: dict[Any, Any] | None = None) -> dict[str, Any]:
    """The chain merged base-first. With a memo, each chain prefix is merged once (keyed by the
    layers' data objects, which the memo keeps alive), so a history walk that changes one
    overlay does not re-merge a large base."""
    merged: dict[str, Any] = {}
    for k, doc in enumerate(chain):
        key = ("merged", *(id(d.data) for d in chain[: k + 1]))
        if memo is not None and key in memo:
            merged = memo[key][0]
            continue
        merged = merge_patch(merged, {k2: v for k2, v in doc.data.items() if k2 != "extends"})
        if memo is not None:
            memo[key] = (merged, [d.data for d in chain[: k + 1]])
    return merged


def resolve_environment(
    reg: Registry, env: str, only: Collection[str] | None = None
) -> Environment:
    """Every bound unit of `env` (of the registry's `only_prompts`, or of `only`: a unit
    depends on its own prompt's files and the shared ones, never on other units)."""
    chain, findings, complete = layer_chain(reg, env)
    merged = merged_layers(chain, reg.memo)
    builder = _UnitBuilder(reg, chain, merged, findings)
    units = {}
    bound = merged.get("prompts") or {}
    only = reg.only_prompts if only is None else only
    wanted = sorted(bound) if only is None else [p for p in sorted(only) if p in bound]
    scopes: list[str | None] = [None] * len(findings)
    broken = []
    for prompt_id in wanted:
        builder.broken = False
        unit = builder.build(prompt_id)
        if unit is not None:
            units[prompt_id] = unit
        if builder.broken:
            broken.append(prompt_id)
        scopes += [prompt_id] * (len(findings) - len(scopes))
    return Environment(
        env,
        units,
        merged.get("ops") or {},
        environment_fingerprint({k: u.fingerprint for k, u in units.items()}),
        chain,
        merged,
        findings,
        complete and not broken,
        scopes,
        broken,
        complete,
    )


class _UnitBuilder:
    def __init__(
        self, reg: Registry, chain: list[Document], merged: dict[str, Any], findings: list[Finding]
    ) -> None:
        self.reg = reg
        self.chain = chain
        self.merged = merged
        self.findings = findings
        self.broken = False
        self.graph = reg.partial_graph
        self.fragments = reg.memo.setdefault("fragments", {})

    def origin(self, *path: Any) -> Origin:
        return chain_origin(self.chain, path)

    def ref_error(
        self, code: str, msg: str, where: Origin, path: str, hint: str | None = None
    ) -> None:
        self.findings.append(make(code, msg, where[0], where[1], where[2], path=path, hint=hint))

    def build(self, pid: str) -> Unit | None:
        binding = self.merged["prompts"][pid]
        where = f"prompts.{pid}"
        if not isinstance(binding, dict) or not isinstance(binding.get("version"), int):
            self.ref_error(
                "SCHEMA001",
                f"binding of prompt {pid!r} has no version",
                self.origin("prompts", pid),
                where,
                "add `version: <N>`",
            )
            return None
        version = binding["version"]
        doc = self.reg.prompt_doc(pid, version)
        if doc is None:
            known = sorted(self.reg.prompts.get(pid, {}))
            if not self.reg.source.exists(f"prompts/{pid}/v{version}.yaml"):
                hint = (
                    f"versions of {pid!r}: {', '.join(map(str, known))}"
                    if known
                    else f"no prompts/{pid}/ folder exists"
                )
                self.ref_error(
                    "REF001",
                    f"prompt {pid!r} has no version {version} (prompts/{pid}/v{version}.yaml)",
                    self.origin("prompts", pid, "version"),
                    where + ".version",
                    hint,
                )
            else:
                self.broken = True  # there, but not read (a link, a folder): a finding says why
            return None
        if doc.data is None:
            self.broken = True
            return None  # the file's own findings say why
        return self._unit(pid, version, binding, doc)

    def _unit(self, pid: str, version: int, binding: dict[str, Any], doc: Document) -> Unit:
        data = doc.data
        defaults = data.get("defaults") or {}
        model, model_origin = self._model(pid, binding, defaults, doc)
        params, param_origins = self._params(pid, binding, defaults, doc)
        tools, tool_order = self._tools(pid, binding, defaults, doc)
        rag, rag_name = self._rag(pid, binding)
        messages = self._messages(doc)
        unit = Unit(
            pid,
            version,
            model,
            params,
            messages,
            data.get("variables") or {"type": "object"},
            data.get("response_format"),
            tools,
            rag,
            self.merged.get("routing") or {},
            tool_order=tool_order,
            facts_of=self.reg.settings.model_facts,
        )
        for part in (unit.routing, unit.rag, *unit.tools.values()):
            if part is not None and id(part) not in self.fragments:  # shared by many units
                self.fragments[id(part)] = (canonical(part).decode("utf-8"), part)
        unit.fingerprint = fingerprint(unit.behavior(), self.fragments)
        unit.origin = self._origin_fn(pid, doc, model_origin, param_origins, rag_name)
        return unit

    def _messages(self, doc: Document) -> list[dict[str, str]]:
        """A prompt file's messages with partials inlined, built (and canonicalized) once and
        shared by every environment that binds the file — and, in a history walk (whose memo
        outlives one commit), by every commit with the same file *and the same partials*: a
        commit that changes only a partial changes the inlined text."""
        key = ("messages", id(doc.data), self.reg.partial_graph.key)
        if key not in self.reg.memo:
            messages = [
                {"role": m.get("role", ""), "content": self.graph.inline(m.get("content", ""))}
                for m in doc.data.get("messages") or []
                if isinstance(m, dict)
            ]
            self.reg.memo[key] = (messages, doc.data, self.reg.partial_graph.texts)
            for part in (messages, doc.data.get("variables"), doc.data.get("response_format")):
                if part is not None:
                    self.fragments[id(part)] = (canonical(part).decode("utf-8"), part)
        messages_: list[dict[str, str]] = self.reg.memo[key][0]
        return messages_

    def _origin_fn(
        self,
        pid: str,
        doc: Document,
        model_origin: Callable[[], Origin],
        param_origins: dict[str, str],
        rag_name: str | None,
    ) -> Callable[[tuple[Any, ...]], Origin]:
        chain = self.chain

        def origin(path: tuple[Any, ...]) -> Origin:
            head, rest = (path[0], tuple(path[1:])) if path else ("version", ())
            if head in ("prompt", "version"):
                return chain_origin(chain, ("prompts", pid, "version"))
            if head == "model":
                return model_origin()
            if head == "params" and rest and rest[0] in param_origins:
                where, key = param_origins[rest[0]], rest[0]
                if where == "env":
                    return chain_origin(chain, ("params", key))
                if where == "defaults":
                    return (doc.file, *doc.pos(("defaults", "params", key)))
                return chain_origin(chain, ("prompts", pid, "params", key))
            if head in ("messages", "variables", "response_format"):
                return (doc.file, *doc.pos((head, *rest)))
            if head == "tools":
                return chain_origin(chain, ("tools", *rest))
            if head == "rag" and rag_name is not None:
                return chain_origin(chain, ("rag", rag_name, *rest))
            if head == "routing":
                return chain_origin(chain, ("routing", *rest))
            return chain_origin(chain, ("prompts", pid, head))

        return origin

    def _model(
        self, pid: str, binding: dict[str, Any], defaults: dict[str, Any], doc: Document
    ) -> tuple[str | None, Callable[[], Origin]]:
        """The model id and (lazily, positions cost a parse) where it was set."""
        if "model" in binding:
            ref = binding["model"]
            where: Callable[[], Origin] = lambda: self.origin("prompts", pid, "model")  # noqa: E731
        elif "model" in defaults:
            ref = defaults["model"]
            where = lambda: (doc.file, *doc.pos(("defaults", "model")))  # noqa: E731
        else:
            where = lambda: self.origin("prompts", pid)  # noqa: E731
            self.ref_error(
                "REF001",
                f"prompt {pid!r} has no model",
                where(),
                f"prompts.{pid}.model",
                "set `model:` in the binding or `defaults.model` in the prompt",
            )
            return None, where
        aliases = self.merged.get("models") or {}
        if ref in aliases:
            return aliases[ref], lambda: self.origin("models", ref)
        if "/" in ref:
            return ref, where
        known = ", ".join(sorted(aliases)) or "none defined"
        self.ref_error(
            "REF001",
            f"unknown model alias {ref!r}",
            where(),
            f"prompts.{pid}.model",
            f"aliases in this environment: {known}; or write provider/model",
        )
        return None, where

    def _params(
        self, pid: str, binding: dict[str, Any], defaults: dict[str, Any], doc: Document
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """env params < prompt defaults < binding; per key, which of the three set it."""
        params: dict[str, Any] = {}
        origins: dict[str, str] = {}
        layers = (
            ("env", self.merged.get("params")),
            ("defaults", defaults.get("params")),
            ("binding", binding.get("params")),
        )
        for where, values in layers:
            for key, value in (values or {}).items():
                if value is None:
                    params.pop(key, None)
                else:
                    params[key] = value
                    origins[key] = where
        return params, origins

    def _tools(
        self, pid: str, binding: dict[str, Any], defaults: dict[str, Any], doc: Document
    ) -> tuple[dict[str, Any], list[str]]:
        if "tools" in binding:
            names, at = binding["tools"] or [], lambda i: self.origin("prompts", pid, "tools", i)
        else:
            names = defaults.get("tools") or []
            at = lambda i: (doc.file, *doc.pos(("defaults", "tools", i)))  # noqa: E731
        defined = self.merged.get("tools") or {}
        tools = {}
        for i, name in enumerate(names):
            if name in defined:
                tools[name] = defined[name]
            else:
                known = ", ".join(sorted(defined)) or "none defined"
                self.ref_error(
                    "TOOL003",
                    f"prompt {pid!r} uses undefined tool {name!r}",
                    at(i),
                    f"prompts.{pid}.tools",
                    f"tools in this environment: {known}",
                )
        return tools, [n for n in names if n in tools]

    def _rag(self, pid: str, binding: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        name = binding.get("rag")
        if name is None:
            return None, None
        profiles = self.merged.get("rag") or {}
        if name in profiles:
            if "embedding_model" not in profiles[name]:
                self.ref_error(
                    "SCHEMA001",
                    f"RAG profile {name!r} has no embedding_model after merging its layers",
                    self.origin("rag", name),
                    f"rag.{name}",
                    "set embedding_model in the layer that introduces the profile",
                )
            return profiles[name], name
        known = ", ".join(sorted(profiles)) or "none defined"
        self.ref_error(
            "REF001",
            f"unknown RAG profile {name!r}",
            self.origin("prompts", pid, "rag"),
            f"prompts.{pid}.rag",
            f"profiles in this environment: {known}",
        )
        return None, None
