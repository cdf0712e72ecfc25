"""Pinned or floating, by each provider's published naming policy.

A model id is `provider/model`. `verdict(id)` says whether the provider promises that the id
keeps meaning the same model (pinned), may re-point it (floating), or is a provider this table
does not know (None: say so, never guess). One function per provider, each with its source;
docs/rules.md (PIN001) cites the same pages.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable


@dataclasses.dataclass(frozen=True)
class Verdict:
    pinned: bool | None  # None: a provider without a known naming policy
    rule: str  # why, in a few words (shown by `registry models` and in hints)


DATED = re.compile(r"-(\d{4})-(\d{2})-(\d{2})$")  # -2024-08-06
DATED_COMPACT = re.compile(r"-20\d{6}$")  # -20241022
LATEST = re.compile(r"(^|[-.:@])latest($|[-.:@])", re.IGNORECASE)


def _openai(model: str) -> Verdict:
    # https://platform.openai.com/docs/models: "snapshots" carry a date and do not change; a
    # bare name (gpt-4o, gpt-5) is an alias the provider moves to a newer snapshot.
    if LATEST.search(model):
        return Verdict(False, "OpenAI: a -latest alias follows the newest model")
    if DATED.search(model):
        return Verdict(True, "OpenAI: a dated snapshot does not change")
    if re.match(r"text-embedding-(3-(small|large)|ada-002)$", model):
        return Verdict(True, "OpenAI: embedding model names are versions (no snapshots)")
    return Verdict(False, "OpenAI: a name without a date is an alias to the newest snapshot")


def _claude_generation(model: str) -> tuple[int, int] | None:
    """(major, minor) of a Claude id: claude-opus-4-6 -> (4, 6); claude-3-5-sonnet -> (3, 5)."""
    m = re.match(r"claude-(?:opus|sonnet|haiku)-(\d+)(?:-(\d)(?!\d))?", model)
    if m is None:
        m = re.match(r"claude-(\d+)(?:-(\d)(?!\d))?-(?:opus|sonnet|haiku)", model)
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2) or 0)


def _anthropic(model: str) -> Verdict:
    # https://docs.claude.com/en/docs/about-claude/models/overview ("Model IDs and versioning"):
    # a dated id is a snapshot; from the Claude 4.6 generation on, ids carry no date and are
    # themselves pinned versions; earlier dateless names (claude-sonnet-4-5) and -latest are
    # aliases that move to the newest snapshot.
    if LATEST.search(model):
        return Verdict(False, "Anthropic: a -latest alias follows the newest snapshot")
    if DATED_COMPACT.search(model) or re.search(r"@20\d{6}$", model):
        return Verdict(True, "Anthropic: a dated id is a snapshot")
    generation = _claude_generation(model)
    if generation is not None and generation >= (4, 6):
        return Verdict(True, "Anthropic: from Claude 4.6 on, a dateless id is a pinned version")
    return Verdict(False, "Anthropic: a dateless name before Claude 4.6 is an alias")


def _gemini_generation(model: str) -> tuple[int, int] | None:
    m = re.match(r"gemini-(\d+)(?:\.(\d+))?", model)
    return (int(m.group(1)), int(m.group(2) or 0)) if m else None


def _google(model: str) -> Verdict:
    # https://ai.google.dev/gemini-api/docs/models#model-versions: a stable name "points to a
    # specific stable model" (gemini-2.5-flash), *-latest is hot-swapped, previews carry their
    # date. https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions: a
    # three-digit suffix is a stable version (gemini-1.5-pro-002); before Gemini 2.5 the name
    # without it is an auto-updated alias.
    if LATEST.search(model):
        return Verdict(False, "Google: a -latest name is hot-swapped to newer models")
    if re.search(r"-\d{3}$", model):
        return Verdict(True, "Google: a three-digit version is a stable release")
    if re.search(r"-(preview|exp)-\d{2}-\d{2,4}$|-exp-\d{4}$", model):
        return Verdict(True, "Google: a dated preview or experiment does not change")
    if model.startswith(("text-embedding-", "gemini-embedding-")):
        return Verdict(True, "Google: embedding model names are versions")
    generation = _gemini_generation(model)
    if generation is not None and generation >= (2, 5) and "preview" not in model:
        return Verdict(True, "Google: from Gemini 2.5 on, a stable name is a fixed model")
    return Verdict(False, "Google: a name without a version is an auto-updated alias")


def _vertex(model: str) -> Verdict:
    # Claude on Vertex AI: `claude-…@20241022` (the @date pins it); Gemini: Google's rule.
    if model.startswith("claude"):
        return _anthropic(model)
    return _google(model)


def _bedrock(model: str) -> Verdict:
    # https://docs.aws.amazon.com/bedrock/latest/userguide/model-ids.html: a model id carries
    # its version (`-v1:0`, `-v2:0`); cross-region inference profiles (us., eu., global.)
    # prefix the same ids.
    if re.search(r"-v\d+(:\d+)?$", model):
        return Verdict(True, "Bedrock: the -vN:M suffix is a fixed model version")
    if model.startswith("arn:"):
        return Verdict(True, "Bedrock: a provisioned or imported model's ARN is fixed")
    return Verdict(False, "Bedrock: an id without its -vN suffix is not a model version")


def _mistral(model: str) -> Verdict:
    # https://docs.mistral.ai/getting-started/models/: versioned ids end in the release
    # YYMM (mistral-large-2411); `-latest` points to the newest version.
    if LATEST.search(model):
        return Verdict(False, "Mistral: a -latest alias follows the newest version")
    if re.search(r"-(2[3-9]|3\d)(0[1-9]|1[0-2])$", model):
        return Verdict(True, "Mistral: a YYMM suffix is a fixed release")
    return Verdict(False, "Mistral: a name without its YYMM release is an alias")


OPENROUTER_INNER = {"openai": "openai", "anthropic": "anthropic", "google": "google"}
OPENROUTER_INNER["mistralai"] = "mistral"


def _openrouter(model: str) -> Verdict:
    # https://openrouter.ai/docs: `<provider>/<model>`, served as that provider names it: the
    # inner provider's rule decides.
    inner, _, name = model.partition("/")
    policy = POLICIES.get(OPENROUTER_INNER.get(inner, ""))
    if policy is None or not name:
        return Verdict(None, f"OpenRouter: no naming policy known for {inner!r}")
    found = policy(name)
    return Verdict(found.pinned, f"OpenRouter, by {found.rule}")


def _ollama(model: str) -> Verdict:
    # https://github.com/ollama/ollama/blob/main/docs/api.md: `name:tag` names a tag, which
    # `ollama pull` moves; only a digest (`name@sha256:…`) names fixed weights.
    if re.search(r"@sha256:[0-9a-f]{64}$", model):
        return Verdict(True, "Ollama: a sha256 digest names fixed weights")
    return Verdict(False, "Ollama: a name:tag is moved by `ollama pull`")


def _azure(model: str) -> Verdict:
    # An Azure OpenAI id is a deployment name: it runs whatever model version the deployment
    # is set to (and may auto-upgrade). Pinned only through registry.yaml's mapping of the
    # deployment to a pinned model (Settings.resolve_alias).
    return Verdict(False, "Azure: a deployment runs what it is set to; map it in registry.yaml")


POLICIES: dict[str, Callable[[str], Verdict]] = {
    "openai": _openai,
    "anthropic": _anthropic,
    "google": _google,
    "gemini": _google,
    "vertex": _vertex,
    "bedrock": _bedrock,
    "mistral": _mistral,
    "openrouter": _openrouter,
    "ollama": _ollama,
    "azure": _azure,
}


def verdict(model_id: str) -> Verdict:
    provider, _, model = model_id.partition("/")
    policy = POLICIES.get(provider)
    if policy is None or not model:
        return Verdict(None, f"no naming policy known for provider {provider!r}")
    return policy(model)
