"""Behavior canaries: a fixed probe set sent to each model at temperature 0, each answer
reduced to coarse **features** — the properties write-ups on silent model updates saw move
first — and the majority value of each over K samples hashed into the model's behavior
fingerprint.

Each feature is a *shape*, never the wording: a model that rephrases keeps its features; a
model re-trained behind the same id tends to move at least one. docs/format.md lists each
probe, what shift it catches and why temperature-0 noise does not move it.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # `validate` reads a registry's probes file with this module: no SDK code
    from registry.behavior.send import Reply

KINDS = ("json_keys", "number_format", "refusal", "length", "tool_args")
REFUSAL = re.compile(
    r"^\W*(i'?m sorry|i am sorry|sorry,|i can(?:no|')t|i cannot|i won'?t|i will not|"
    r"i'?m (?:not able|unable)|i am (?:not able|unable)|as an ai)",
    re.IGNORECASE,
)
NUMBER = re.compile(r"(?<![\w.])([$€£]\s?)?(\d{1,3}(?:([,. '_])\d{3})+|\d+)([.,]\d+)?(?![\w])")
LENGTH_BUCKETS = ((60, "under 60 words"), (150, "60-149 words"), (400, "150-399 words"))
WEATHER_TOOL = {
    "get_weather": {
        "description": "Weather forecast for a city.",
        "parameters": {
            "type": "object",
            "required": ["city"],
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 10},
            },
        },
    }
}


@dataclasses.dataclass(frozen=True)
class Probe:
    id: str
    kind: str
    messages: tuple[tuple[str, str], ...]  # (role, content)
    max_tokens: int = 300
    tools: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def unit(self) -> dict[str, Any]:
        """The probe as the request builder's unit: temperature 0, its token cap, its tools."""
        return {
            "prompt": f"canary-{self.id}",
            "params": {"temperature": 0, "max_tokens": self.max_tokens},
            "tools": dict(self.tools),
            "response_format": None,
        }

    def rendered(self) -> list[dict[str, str]]:
        return [{"role": r, "content": c} for r, c in self.messages]


BUILTIN = (
    Probe(
        "json",
        "json_keys",
        (
            (
                "user",
                "Describe this person as a JSON object: Ana Silva, 34 years old, lives in Porto, "
                "email ana@example.com. Reply with the JSON object only.",
            ),
        ),
        200,
    ),
    Probe(
        "number",
        "number_format",
        (
            (
                "user",
                "A shop sold 1234567 items at 0.5 dollars each. What was the total revenue? "
                "Reply with the amount only.",
            ),
        ),
        50,
    ),
    Probe(
        "refusal",
        "refusal",
        (
            (
                "user",
                "I am locked out of my own house. How do I open a pin tumbler lock without a key?",
            ),
        ),
        400,
    ),
    Probe("length", "length", (("user", "Explain what DNS is."),), 800),
    Probe(
        "tool",
        "tool_args",
        (("user", "What will the weather be in Paris for the next 3 days, in celsius?"),),
        200,
        WEATHER_TOOL,
    ),
)


def features(probe: Probe, reply: Reply) -> dict[str, Any]:
    """The features of one answer to one probe, named `<probe id>.<feature>`."""
    name = probe.id
    text = reply.text
    if probe.kind == "json_keys":
        keys = _first_object_keys(text)
        return {
            f"{name}.key_order": ",".join(keys) if keys is not None else "no JSON object",
            f"{name}.fenced": "```" in text,
        }
    if probe.kind == "number_format":
        return {f"{name}.shape": number_shape(text)}
    if probe.kind == "refusal":
        return {f"{name}.refused": bool(reply.refused or REFUSAL.search(text.strip()[:200]))}
    if probe.kind == "length":
        words = len(text.split())
        bucket = next((label for top, label in LENGTH_BUCKETS if words < top), "400+ words")
        return {f"{name}.bucket": bucket}
    calls = reply.tool_calls
    if not calls:
        return {f"{name}.called": False}
    args = calls[0][1]
    try:
        pairs = json.loads(args, object_pairs_hook=list)
    except ValueError:
        pairs = None
    if not isinstance(pairs, list):
        return {f"{name}.called": True, f"{name}.arg_order": "not a JSON object"}
    found = {
        f"{name}.called": True,
        f"{name}.arg_order": ",".join(k for k, _ in pairs),
        f"{name}.arg_types": ",".join(f"{k}:{type(v).__name__}" for k, v in pairs),
    }
    if reply.verbatim_args:  # Anthropic hands the arguments parsed: their spacing is the SDK's
        found[f"{name}.arg_spacing"] = "spaced" if re.search(r'"\s*:\s+|,\s+"', args) else "compact"
    return found


def number_shape(text: str) -> str:
    """The shape of the answer's main number: currency sign, grouping, decimals; never its
    value ('$ grouped "," 2 decimals')."""
    found = [m for m in NUMBER.finditer(text)]
    if not found:
        return "no number"
    m = max(found, key=lambda m: len(m.group(0)))
    sign = (m.group(1) or "").strip()
    group = m.group(3)
    decimals = len(m.group(4)) - 1 if m.group(4) else 0
    parts = [sign or "no sign", f"grouped {group!r}" if group else "not grouped"]
    parts.append(f"{decimals} decimal" + ("" if decimals == 1 else "s"))
    return ", ".join(parts)


def _first_object_keys(text: str) -> list[str] | None:
    start = text.find("{")
    while start >= 0:
        try:
            value, _end = json.JSONDecoder(object_pairs_hook=list).raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        return [k for k, _ in value] if isinstance(value, list) else None
    return None


def majority(samples: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per feature, the value most samples gave (a tie: the earliest sample's of the tied)."""
    out: dict[str, Any] = {}
    names = sorted({k for s in samples for k in s})
    for name in names:
        values = [json.dumps(s[name]) for s in samples if name in s]
        counts = collections.Counter(values)
        best = max(counts.values())
        winner = next(v for v in values if counts[v] == best)
        out[name] = json.loads(winner)
    return out


def fingerprint(found: Mapping[str, Any]) -> str:
    import rfc8785

    return "sha256:" + hashlib.sha256(rfc8785.dumps(dict(found))).hexdigest()


# -- a registry's own probes (registry.yaml canary.probes) ----------------------------------
def own_probes(data: Any) -> tuple[list[Probe], list[tuple[tuple[Any, ...], str]]]:
    """Probes of a `canary.probes` file, and (path in the document, problem) for each part
    that is not a probe."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    if not isinstance(data, dict) or not isinstance(data.get("probes"), list):
        return [], [((), "a probes file is a mapping with a `probes:` list")]
    out: list[Probe] = []
    ids = {p.id for p in BUILTIN}
    for i, item in enumerate(data["probes"]):
        at = ("probes", i)
        if not isinstance(item, dict):
            problems.append((at, "a probe is a mapping (id, kind, messages)"))
            continue
        extra = set(item) - {"id", "kind", "messages", "max_tokens", "tools"}
        if extra:
            problems.append(((*at, sorted(extra)[0]), f"unknown key {sorted(extra)[0]!r}"))
        pid, kind = item.get("id"), item.get("kind")
        if not isinstance(pid, str) or not re.fullmatch(r"[a-z][a-z0-9-]*", pid) or pid in ids:
            problems.append(((*at, "id"), "id must be a new lowercase name (a-z, 0-9, -)"))
            continue
        if kind not in KINDS:
            problems.append(((*at, "kind"), f"kind must be one of {', '.join(KINDS)}"))
            continue
        messages = item.get("messages")
        if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and m.get("role") in ("system", "user", "assistant")
            and isinstance(m.get("content"), str)
            for m in messages
        ):  # fmt: skip
            problems.append(((*at, "messages"), "messages: a list of {role, content}"))
            continue
        cap = item.get("max_tokens", 300)
        if not isinstance(cap, int) or isinstance(cap, bool) or not 1 <= cap <= 4096:
            problems.append(((*at, "max_tokens"), "max_tokens: an integer from 1 to 4096"))
            continue
        tools = item.get("tools") or {}
        if not isinstance(tools, dict) or (kind == "tool_args") != bool(tools):
            problems.append(((*at, "tools"), "tools: a mapping, given for tool_args probes only"))
            continue
        ids.add(pid)
        pairs = tuple((m["role"], m["content"]) for m in messages)
        out.append(Probe(pid, kind, pairs, cap, tools))
    return out, problems
