"""A registry repository, loaded: settings, prompt versions, partials, layers and waivers.

Every file goes through `registry.load.yaml` and its kind's JSON Schema exactly once; what comes
back is data plus findings. Resolution of environments is in `registry.resolve.units`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.check.analyze import FileResult, analyze_many
from registry.common.errors import RegistryError
from registry.common.findings import Finding, make
from registry.load.access import Escape, Special
from registry.load.gitref import GitRef
from registry.load.settings import Settings
from registry.load.source import find_root, open_source
from registry.load.worktree import WorkTree
from registry.load.yaml import Document
from registry.template.partials import PartialGraph

if TYPE_CHECKING:
    from registry.resolve.units import Environment

PROMPT_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z")
ENV_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}\Z")
VERSION_FILE = re.compile(r"v([1-9][0-9]{0,5})\.yaml\Z")
PARTIALS = "prompts/_partials"
SHARED = ("environments", "prompts/_partials", "registry.yaml")  # what every unit depends on


def shared_file(rel: str) -> bool:
    """Whether every unit depends on the file at `rel` (registry-relative)."""
    return any(rel == p or rel.startswith(p + "/") for p in SHARED)


def _yaml(rel: str) -> bool:
    """Named like a YAML file, in any letter case."""
    return rel.lower().endswith((".yaml", ".yml"))


class Partial:
    """A shared Jinja2 partial: its file and text."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text


class Registry:
    """One registry at one source (working tree or git ref), loaded and schema-checked."""

    def __init__(
        self,
        root: Path,
        source: WorkTree | GitRef,
        *,
        only_prompts: Collection[str] | None = None,
        cache: dict[Any, Any] | None = None,
        disk: Any = None,
        jobs: int | None = None,
        only_versions: Mapping[str, int] | None = None,
    ) -> None:
        """`cache`: analyses already made in this process (a history walk shares one);
        `disk`: the engine's per-file cache (`registry.engine.filecache.FileCache`), or None;
        `jobs`: processes for the analysis of many files (default: the cores);
        `only_versions`: of these prompts, load only this version (one environment's units)."""
        self.root = root
        self.source = source
        self.disk = disk
        self.only_prompts = only_prompts
        self.only_versions = only_versions or {}
        self.memo: dict[Any, Any] = cache if cache is not None else {}  # shared by a history walk
        self.findings: list[Finding] = []
        self.results: dict[str, FileResult] = {}
        self.shared_raw: dict[str, bytes] = {}  # bytes of the files every unit depends on
        self.prompts: dict[str, dict[int, Document]] = {}
        self.partials: dict[str, Partial] = {}
        self.layers: dict[str, Document] = {}
        self.settings_doc: Document | None = None
        self.waivers_doc: Document | None = None
        places = self._discover()
        items = []
        for rel, (kind, _place) in places.items():
            raw = self._read(rel)
            if raw is not None:
                items.append((kind, rel, raw))
        analyzed = analyze_many(items, memory=cache, disk=disk, jobs=jobs)
        for kind, rel, raw in items:
            result, full = analyzed[rel]
            self.results[rel] = result
            if kind != "prompt":
                self.shared_raw[rel] = raw
            self.findings.extend(result.findings)
            store = None
            if disk is not None and kind == "environment":
                store = disk.positions(kind, rel, raw)
                if full is not None:
                    store.keep(full, len(raw))
            self._place(places[rel][1], result, result.document(raw, full, store))
        self.settings = Settings.from_data(self.settings_doc.data if self.settings_doc else None)
        self.environments = self._environment_names()
        self._resolved: dict[str, Environment] = {}

    # -- loading -------------------------------------------------------------------------
    def _read(self, rel: str) -> bytes | None:
        try:
            return self.source.read(rel)
        except Special as special:
            self._special(special)
            return None
        except Escape:
            self.findings.append(
                make(
                    "REF003",
                    f"{rel} resolves outside the registry",
                    rel,
                    1,
                    1,
                    hint="replace the symlink with the file itself",
                )
            )
            return None

    def _special(self, special: Special) -> None:
        hint = (
            "make it a regular file or folder inside the registry"
            if special.code == "REF003"
            else "registry files are regular files; remove it or move it out of the layout"
        )
        self.findings.append(
            make(special.code, f"{special.rel} {special.why}", special.rel, 1, 1, hint=hint)
        )

    def _discover(self) -> dict[str, tuple[str, tuple[Any, ...]]]:
        """Registry files: path -> (kind, where it goes). Misnamed files, and entries of the
        layout that are not files to read (a symlinked folder, a FIFO, a folder named like a
        layer), are findings: nothing in the layout is skipped silently."""
        places: dict[str, tuple[str, tuple[Any, ...]]] = {}
        for rel, kind in (("registry.yaml", "registry"), ("waivers.yaml", "waivers")):
            if self.source.exists(rel):
                places[rel] = (kind, (kind,))
        for rel in self._prompt_files():
            place = self._prompt_place(rel)
            if place is not None:
                places[rel] = place
        for rel in self.source.list("environments"):
            place = self._layer_place(rel)
            if place is not None:
                places[rel] = place
        for folder in sorted(self.source.folders):
            if folder.count("/") == 1 and folder.startswith("environments/") and _yaml(folder):
                self._misplaced(folder, "is a folder: a layer is a file environments/<env>.yaml")
        for special in sorted(self.source.specials.values(), key=lambda sp: sp.rel):
            self._special(special)
        return places

    def _misplaced(self, rel: str, why: str, hint: str | None = None) -> None:
        self.findings.append(make("SCHEMA001", f"{rel} {why}", rel, 1, 1, hint=hint))

    def _layer_place(self, rel: str) -> tuple[str, tuple[Any, ...]] | None:
        if not _yaml(rel):
            return None  # a README next to the layers, say
        if rel.count("/") != 1:
            self._misplaced(rel, "is not read: layers live directly in environments/")
            return None
        if not rel.endswith(".yaml"):
            self._misplaced(rel, "is not read: layers end in .yaml (lowercase)")
            return None
        name = rel.split("/")[1].rsplit(".", 1)[0]
        if self._check_name(name, ENV_NAME, "environment name", rel):
            return ("environment", ("layer", name))
        return None

    def _prompt_files(self) -> list[str]:
        if self.only_prompts is None:
            return self.source.list("prompts")
        files = self.source.list(PARTIALS)
        for pid in sorted(self.only_prompts):
            listed = self.source.list(f"prompts/{pid}")
            if pid in self.only_versions:
                version = self.only_versions[pid]
                listed = [rel for rel in listed if _version_of(rel) == version]
            files += listed
        return files

    def _prompt_place(self, rel: str) -> tuple[str, tuple[Any, ...]] | None:
        parts = rel.split("/")
        if rel.startswith(PARTIALS + "/"):
            if rel.endswith(".j2"):
                return ("partial", ("partial", rel[len(PARTIALS) + 1 :]))
            if rel.lower().endswith(".j2"):
                self._misplaced(rel, "is not read: use the lowercase .j2 extension")
            return None
        if not rel.endswith((".yaml", ".yml")):
            if _yaml(rel):
                self._misplaced(rel, "is not read: use the lowercase .yaml extension")
            return None
        match = VERSION_FILE.match(parts[-1])
        if len(parts) != 3 or not match:
            hint = "prompt versions live at prompts/<prompt-id>/v<N>.yaml"
            self.findings.append(
                make("SCHEMA001", f"{rel} is not a prompt version file", rel, 1, 1, hint=hint)
            )
            return None
        if not self._check_name(parts[1], PROMPT_ID, "prompt id", rel):
            return None
        return ("prompt", ("prompt", parts[1], int(match.group(1))))

    def _place(self, place: tuple[Any, ...], result: FileResult, doc: Document) -> None:
        what = place[0]
        if what == "partial":
            if result.data is not None:
                self.partials[place[1]] = Partial(result.rel, result.data)
        elif what == "prompt":
            self.prompts.setdefault(place[1], {})[place[2]] = doc
        elif what == "layer":
            self.layers[place[1]] = doc
        elif what == "registry":
            self.settings_doc = doc
        else:
            self.waivers_doc = doc

    def _check_name(self, name: str, pattern: re.Pattern[str], what: str, rel: str) -> bool:
        if pattern.match(name):
            return True
        if not name.isascii() or any(not c.isprintable() for c in name):
            self.findings.append(
                make(
                    "PRM005",
                    f"{what} {name!r} has non-ASCII or invisible characters",
                    rel,
                    1,
                    1,
                    hint="ids must be plain ASCII",
                )
            )
        else:
            self.findings.append(
                make(
                    "SCHEMA001",
                    f"{what} {name!r} is not valid",
                    rel,
                    1,
                    1,
                    hint=f"it must match {pattern.pattern.removesuffix(chr(92) + 'Z')}",
                )
            )
        return False

    def _environment_names(self) -> list[str]:
        declared = self.settings.environments
        if declared is None:
            return sorted(n for n in self.layers if n != "base")
        doc = self.settings_doc
        names = []
        for i, name in enumerate(declared):
            if name in self.layers:
                names.append(name)
            elif doc is not None:
                line, col = doc.pos(("environments", i))
                self.findings.append(
                    make(
                        "REF001",
                        f"environment {name!r} has no file environments/{name}.yaml",
                        doc.file,
                        line,
                        col,
                    )
                )
        return names

    # -- queries -------------------------------------------------------------------------
    def parity_pairs(self) -> list[tuple[str, str]]:
        """Pairs that must match. Default: staging/prod when both exist."""
        if self.settings.parity is not None:  # (a pair named twice is gated once: a finding)
            pairs: list[tuple[str, str]] = []
            for a, b in self.settings.parity:
                known = a in self.layers and b in self.layers and a != b
                if known and (a, b) not in pairs and (b, a) not in pairs:
                    pairs.append((a, b))
            return pairs
        if "staging" in self.environments and "prod" in self.environments:
            return [("staging", "prod")]
        return []

    def resolve(self, env: str) -> Environment:
        """The resolved environment (units, ops, fingerprint). Unknown env: RegistryError."""
        if env not in self._resolved:
            self._known(env)
            from registry.resolve.environment import resolve_environment

            self._resolved[env] = resolve_environment(self, env)
        return self._resolved[env]

    def resolve_only(self, env: str, prompts: Collection[str]) -> Environment:
        """`env` with only the units of `prompts` built (a unit depends on its own prompt's
        files and the shared ones, never on other units); its fingerprint covers those
        alone. Not kept: `resolve` still builds the whole environment."""
        self._known(env)
        from registry.resolve.environment import resolve_environment

        return resolve_environment(self, env, only=prompts)

    def _known(self, env: str) -> None:
        if env not in self.environments:
            known = ", ".join(self.environments) or "none"
            raise RegistryError(f"unknown environment {env!r} (known: {known})")

    def resolve_all(self) -> dict[str, Environment]:
        return {name: self.resolve(name) for name in self.environments}

    def shared_analyses(self) -> dict[Any, FileResult]:
        """The analyses of the shared files (layers, settings, partials, waivers) keyed as a
        history walk's memory keys them: by content. A walk starting from HEAD finds most of
        them unchanged."""
        return {
            (self.results[rel].kind, rel, raw): self.results[rel]
            for rel, raw in self.shared_raw.items()
        }

    def release(self) -> None:
        """Drop what was loaded and resolved. Resolved units point back at the registry (their
        origins), so without this a registry lives until the cycle collector runs."""
        self._resolved.clear()
        self.memo.clear()
        self.results.clear()
        self.shared_raw.clear()
        self.prompts.clear()
        self.layers.clear()
        self.partials.clear()

    @functools.cached_property
    def partial_graph(self) -> PartialGraph:
        """Which partials include which, and what inlining them costs (see PartialGraph)."""
        return PartialGraph({name: p.text for name, p in self.partials.items()})

    def prompt_doc(self, prompt: str, version: int) -> Document | None:
        return self.prompts.get(prompt, {}).get(version)

    def describe_source(self) -> dict[str, Any]:
        return self.source.describe()


def _version_of(rel: str) -> int | None:
    match = VERSION_FILE.match(rel.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def open_registry(
    path: str | Path | None = None,
    ref: str | None = None,
    *,
    only_prompts: Collection[str] | None = None,
    disk: Any = None,
) -> Registry:
    """Open the registry at (or above) `path`, from the working tree or a git ref.
    `only_prompts` loads just those prompts (plus layers, partials and settings); `disk`: the
    engine's per-file cache (`registry.engine.open_cached` passes it)."""
    root = find_root(path)
    return Registry(root, open_source(root, ref), only_prompts=only_prompts, disk=disk)
