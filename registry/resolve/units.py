"""What resolution gives: per environment a set of units, one per bound prompt.

The unit is what gets fingerprinted, diffed and deployed; every value in it remembers the
file:line:col of the layer that set it (`chain_origin`), so findings and diffs can say which
file to edit. `registry.resolve.environment` builds them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from registry.common.findings import Finding
from registry.load.yaml import Document
from registry.request.unit import Calls
from registry.resolve.fingerprint import UNIT_FIELDS

if TYPE_CHECKING:
    pass

Origin = tuple[str, int, int]


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: mappings merge key by key, lists and scalars replace, null removes."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _no_facts(model_id: str) -> dict[str, Any]:
    return {}


@dataclasses.dataclass
class Unit(Calls):
    """One bound prompt in one environment, with everything that reaches the model; its
    `request`, `parse` and `retry_policy` are registry.request.unit's."""

    prompt: str
    version: int
    model: str | None
    params: dict[str, Any]
    messages: list[dict[str, str]]
    variables: dict[str, Any]
    response_format: dict[str, Any] | None
    tools: dict[str, Any]
    rag: dict[str, Any] | None
    routing: dict[str, Any]
    fingerprint: str = ""
    origin: Callable[[tuple[Any, ...]], Origin] = dataclasses.field(
        default=lambda path: ("", 0, 0), repr=False, compare=False
    )
    tool_order: list[str] = dataclasses.field(default_factory=list, compare=False)
    # what a request needs to know of a model (registry.yaml over the catalog)
    facts_of: Callable[[str], dict[str, Any]] = dataclasses.field(
        default=_no_facts, repr=False, compare=False
    )

    def model_facts(self, model_id: str) -> dict[str, Any]:
        return self.facts_of(model_id)

    def behavior(self) -> dict[str, Any]:
        """The fingerprinted shape (DESIGN.md "Units")."""
        return {name: getattr(self, name) for name in UNIT_FIELDS}

    def render(self, **inputs: Any) -> list[dict[str, str]]:
        """Messages rendered in the sandbox, inputs checked against `variables` first."""
        from registry.template.env import render_messages
        from registry.template.inputs import check_inputs

        return render_messages(self.messages, inputs, lambda v: check_inputs(self.variables, v))


@dataclasses.dataclass
class Environment:
    """A resolved environment: its units, its operational settings and its fingerprint."""

    name: str
    prompts: dict[str, Unit]
    ops: dict[str, Any]
    fingerprint: str
    chain: list[Document]
    merged: dict[str, Any]
    findings: list[Finding]
    complete: bool = True  # False when a layer or bound prompt file is broken: not comparable
    scopes: list[str | None] = dataclasses.field(default_factory=list)  # prompt of a finding
    broken: list[str] = dataclasses.field(default_factory=list)  # bound prompts whose file broke
    chain_ok: bool = True  # the layer chain alone is complete

    def origin(self, path: tuple[Any, ...]) -> Origin:
        """file:line:col of the layer whose value won the merge at `path` (or nearest above)."""
        return chain_origin(self.chain, path)

    def own_file(self) -> str | None:
        return self.chain[-1].file if self.chain else None


def chain_origin(chain: list[Document], path: tuple[Any, ...]) -> Origin:
    p = tuple(path)
    while p:
        for doc in reversed(chain):
            if p in doc.positions:
                line, col = doc.positions[p]
                return (doc.file, line, col)
        p = p[:-1]
    return (chain[-1].file, 1, 1) if chain else ("", 0, 0)
