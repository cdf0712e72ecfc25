"""The one door to Jinja2: an immutable sandbox with StrictUndefined and no autoescape.

Also the static analysis every rule needs: which variables a template reads (by walking the
parsed AST, never by generating code), which constructs are unsafe, where the first dynamic
construct is, and how `{% include %}` of shared partials is inlined.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from registry.template.scan import BUILTIN_NAMES

SAFE_GLOBAL_CALLS = frozenset({"range", "dict", "namespace", "cycler", "joiner", "caller"})
# Methods of plain data (str, list, dict) a template may call.
SAFE_METHODS = frozenset(
    {
        "upper",
        "lower",
        "title",
        "capitalize",
        "strip",
        "lstrip",
        "rstrip",
        "replace",
        "split",
        "splitlines",
        "startswith",
        "endswith",
        "join",
        "items",
        "keys",
        "values",
        "get",
        "count",
        "index",
        "find",
        "zfill",
        "center",
        "ljust",
        "rjust",
        "casefold",
        "cycle",
        "changed",
    }
)


@functools.lru_cache(maxsize=1)
def sandbox() -> ImmutableSandboxedEnvironment:
    """The single Jinja2 environment: sandboxed, strict, never autoescaping, no loader, and
    bounded (see `registry.template.sandbox`)."""
    from registry.template.sandbox import BoundedSandbox

    return BoundedSandbox(undefined=StrictUndefined, autoescape=False)


class TemplateError(Exception):
    """A template could not be parsed; `lineno` is the template's own line (1-based)."""

    def __init__(self, message: str, lineno: int) -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno


def parse(source: str) -> nodes.Template:
    """Parse a template to its AST (no code generation). Raises TemplateError."""
    try:
        return sandbox().parse(source)
    except TemplateSyntaxError as exc:
        return _raise(exc.message or "syntax error", exc.lineno or 1)
    except RecursionError:
        return _raise("template nested too deeply", 1)


def _raise(message: str, lineno: int) -> nodes.Template:
    raise TemplateError(message, lineno)


@dataclasses.dataclass(frozen=True)
class Issue:
    """An unsafe construct found in a template: what, and the template line."""

    message: str
    lineno: int


@dataclasses.dataclass(frozen=True)
class Analysis:
    """What static analysis learns from one template."""

    reads: dict[str, int]  # undeclared-looking variable -> first template line it is read
    includes: list[tuple[str, int]]  # literal partial names and their template lines
    unsafe: list[Issue]


def analyze(tree: nodes.Template) -> Analysis:
    """Variables read, literal includes and unsafe constructs of a parsed template."""
    every = list(tree.find_all(nodes.Node))  # one walk; each question below filters it

    def of(kind: type[nodes.Node] | tuple[type[nodes.Node], ...]) -> list[Any]:
        return [n for n in every if isinstance(n, kind)]

    names = of(nodes.Name)
    stored = {n.name for n in names if n.ctx in ("store", "param")}
    macros = {m.name for m in of(nodes.Macro)}
    for m in of(nodes.Macro):
        stored.update(a.name for a in m.args)
    reads: dict[str, int] = {}
    for n in names:
        if n.ctx == "load" and n.name not in stored | macros and n.name not in BUILTIN_NAMES:
            reads.setdefault(n.name, n.lineno)
    includes = []
    unsafe = []
    for inc in of(nodes.Include):
        if isinstance(inc.template, nodes.Const) and isinstance(inc.template.value, str):
            includes.append((inc.template.value, inc.lineno))
        else:
            unsafe.append(
                Issue("include with a computed name; name the partial literally", inc.lineno)
            )
    unsafe.extend(_unsafe(of, macros))
    return Analysis(reads, includes, unsafe)


def _unsafe(of: Callable[[Any], list[Any]], macros: set[str]) -> Iterator[Issue]:
    for node in of((nodes.Import, nodes.FromImport, nodes.Extends)):
        yield Issue(
            f"'{type(node).__name__.lower()}' is not supported: use a partial with {{% include %}}",
            node.lineno,
        )
    for ga in of(nodes.Getattr):
        if ga.attr.startswith("_"):
            yield Issue(f"access to attribute '{ga.attr}'", ga.lineno)
    for gi in of(nodes.Getitem):
        key = _constant(gi.arg)
        if isinstance(key, str) and key.startswith("_"):
            yield Issue(f"access to item '{key}'", gi.lineno)
        elif key is None and _leading_text(gi.arg).startswith("_"):
            yield Issue("item name built to start with '_'", gi.lineno)
    for name in of(nodes.Name):
        if name.name == "lipsum" and name.ctx == "load":
            yield Issue("'lipsum' is random text, never a prompt", name.lineno)
    for flt in of((nodes.Filter, nodes.Test)):
        yield from _filter_issues(flt)
    for call in of(nodes.Call):
        problem = _call_problem(call.node, macros)
        if problem:
            yield Issue(problem, call.lineno)


# Filters that look attributes up by a name they are given: selectattr("__class__") reaches the
# same place as `x.__class__` (the sandbox refuses both; the check says so before merge).
ATTRIBUTE_FILTERS = frozenset(
    {"map", "selectattr", "rejectattr", "groupby", "sort", "sum", "unique", "min", "max", "join"}
)
POSITIONAL_ATTRIBUTE = frozenset({"selectattr", "rejectattr", "groupby"})


def _filter_issues(flt: nodes.Filter | nodes.Test) -> Iterator[Issue]:
    kind = "filter" if isinstance(flt, nodes.Filter) else "test"
    if flt.name == "attr":
        yield Issue(f"{kind} 'attr' reaches object attributes", flt.lineno)
        return
    if flt.name == "format" and isinstance(flt, nodes.Filter):
        if not isinstance(flt.node, nodes.Const):
            yield Issue("filter 'format' on a non-literal format string", flt.lineno)
        return
    if flt.name not in ATTRIBUTE_FILTERS:
        return
    named = [kw.value for kw in flt.kwargs if kw.key == "attribute"]
    if flt.name in POSITIONAL_ATTRIBUTE and flt.args:
        named.append(flt.args[0])
    if flt.name == "map" and flt.args:  # map("attr", name) applies the attr filter
        first = _constant(flt.args[0])
        if first in ("attr", "format"):
            yield Issue(f"filter 'map' applying '{first}' reaches object attributes", flt.lineno)
    for node in named:
        value = _constant(node)
        if not isinstance(value, (str, int)):
            yield Issue(f"{kind} '{flt.name}' with a computed attribute name", flt.lineno)
        elif isinstance(value, str) and any(p.startswith("_") for p in value.split(".")):
            yield Issue(f"{kind} '{flt.name}' reaches attribute '{value}'", flt.lineno)


def _constant(node: nodes.Node) -> Any:
    """The value of an expression made of constants only (`"_" ~ "_class__"`), else None."""
    if not isinstance(node, nodes.Expr):
        return None
    try:
        return node.as_const()
    except Exception:  # noqa: BLE001 - Impossible, or any error folding it: not a constant
        return None


def _leading_text(node: nodes.Node) -> str:
    """The literal text an item name built by concatenation starts with (`"_" ~ x`: "_")."""
    while isinstance(node, (nodes.Concat, nodes.Add)):
        node = node.nodes[0] if isinstance(node, nodes.Concat) else node.left
    value = _constant(node)
    return value if isinstance(value, str) else ""


def _call_problem(callee: nodes.Node, macros: set[str]) -> str | None:
    if isinstance(callee, nodes.Name):
        if callee.name in macros or callee.name in SAFE_GLOBAL_CALLS:
            return None
        return f"call of '{callee.name}', which is not plain data"
    if isinstance(callee, nodes.Getattr):
        if callee.attr in ("format", "format_map"):
            return f"call of '.{callee.attr}()', a format-string escape"
        if callee.attr in SAFE_METHODS:
            return None
        return f"call of method '.{callee.attr}()' on non-plain data"
    return "call on a computed value"


def pieces(tree: nodes.Template) -> list[list[Any]]:
    """Top-level pieces in order: ["s", text], ["d", what, line] or ["i", partial, line]."""
    out: list[list[Any]] = []
    for node in tree.body:
        parts = node.nodes if isinstance(node, nodes.Output) else [node]
        for part in parts:
            if isinstance(part, nodes.TemplateData):
                out.append(["s", part.data])
            elif (
                isinstance(part, nodes.Include)
                and isinstance(part.template, nodes.Const)
                and isinstance(part.template.value, str)
            ):
                out.append(["i", part.template.value, part.lineno])
            else:
                out.append(["d", _describe(part), part.lineno])
    return out


def _describe(node: nodes.Node) -> str:
    names = [n.name for n in node.find_all(nodes.Name) if n.ctx == "load"]
    if isinstance(node, nodes.Name):
        names.insert(0, node.name)
    if names:
        return names[0]
    return "{% " + type(node).__name__.lower() + " %}"


def render_messages(
    messages: list[dict[str, Any]],
    inputs: Mapping[str, Any],
    validate_inputs: Callable[[Mapping[str, Any]], None],
) -> list[dict[str, str]]:
    """Render each message's (already inlined) template with checked inputs. Every failure is
    a RenderError naming the message (or an InputError, for the inputs): a missing input, the
    sandbox, a limit (registry.template.sandbox), or any error the template itself raises."""
    from registry.template.sandbox import render_bounded

    validate_inputs(inputs)
    out = []
    for i, msg in enumerate(messages):
        text = render_bounded(sandbox(), msg["content"], inputs, f"messages[{i}]")
        out.append({"role": msg["role"], "content": text})
    return out
