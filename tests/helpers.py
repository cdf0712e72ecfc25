"""Shared test helpers: real registries on disk, real git repositories (gitpython)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import git

BASE_FILES: dict[str, str] = {
    "registry.yaml": """\
        environments: [dev, staging, prod]
        """,
    "environments/base.yaml": """\
        models:
          chat: openai/gpt-5.4-2026-03-05
          fast: openai/gpt-5.4-mini-2026-03-17
        params:
          temperature: 0.2
          top_p: 1.0
          max_tokens: 1024
        tools:
          search_kb:
            description: Search the knowledge base.
            parameters: {type: object, required: [query], properties: {query: {type: string}}}
        rag:
          default:
            embedding_model: openai/text-embedding-3-large
            chunk_size: 800
            top_k: 5
        routing:
          timeout_s: 30
          retries: {max_attempts: 3, backoff: exponential, base_delay_s: 1.0}
          fallback: [anthropic/claude-sonnet-4-6]
        prompts:
          answer: {version: 1, rag: default}
          classify: {version: 1, model: fast}
        """,
    "environments/dev.yaml": """\
        extends: base
        ops:
          credentials: {openai: "${OPENAI_KEY_DEV}"}
        """,
    "environments/staging.yaml": """\
        extends: base
        ops:
          credentials: {openai: "${OPENAI_KEY_STAGING}"}
        """,
    "environments/prod.yaml": """\
        extends: base
        ops:
          credentials: {openai: "${OPENAI_KEY_PROD}"}
        """,
    "prompts/answer/v1.yaml": """\
        description: Answers a question.
        owner: team@example.com
        variables:
          type: object
          required: [question]
          properties:
            question: {type: string}
        messages:
          - role: system
            content: |
              You are a helpful assistant. Answer briefly.
          - role: user
            content: |
              Question: {{ question }}
        defaults:
          model: chat
          params: {temperature: 0.1, max_tokens: 800}
          tools: [search_kb]
        """,
    "prompts/classify/v1.yaml": """\
        variables:
          type: object
          properties:
            text: {type: string}
        messages:
          - role: system
            content: Classify the text as positive or negative.
          - role: user
            content: "{{ text }}"
        response_format:
          type: json_schema
          schema: {type: object, properties: {label: {enum: [positive, negative]}}}
        """,
    "waivers.yaml": """\
        waivers: []
        """,
}


def write_registry(root: Path, overrides: dict[str, str | bytes | None] | None = None) -> Path:
    """Write the base registry plus overrides (None deletes a file) under `root`.
    When `root` already holds a registry, only the overrides are written."""
    existing = (root / "environments").is_dir()
    files: dict[str, Any] = {**({} if existing else BASE_FILES), **(overrides or {})}
    for rel, content in files.items():
        path = root / rel
        if content is None:
            if path.exists():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


def init_repo(root: Path) -> git.Repo:
    """A git repository with author and default branch pinned (like pre-commit's fixtures)."""
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Test Author")
        cw.set_value("user", "email", "test@example.com")
        cw.set_value("commit", "gpgsign", "false")
    return repo


def commit_all(repo: git.Repo, message: str) -> str:
    repo.git.add(A=True)
    repo.index.commit(message)
    return repo.head.commit.hexsha


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (but .git and the documented cache), to assert a command changed
    nothing."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not {".git", ".registry-cache"} & set(p.relative_to(root).parts)
    }


def cache_folder(root: Path) -> Path:
    """The folder of the registry's cache for this tool version (see registry.engine.cachestore)."""
    from registry.engine.cachestore import folder
    from registry.engine.filecache import code_tag

    return folder(root, code_tag())


def cache_body(path: Path) -> bytes:
    """A cache file's bytes without its authentication header line."""
    return path.read_bytes().partition(b"\n")[2]
