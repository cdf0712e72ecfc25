"""The behavior gate in `check`: golden-set receipts (EVAL001, EVAL002, EVAL004), dataset lines
(EVAL003, also in `validate`) and canary history (CANARY001, CANARY002). It reads committed
files only (datasets, receipts, history): it never calls a model.

Datasets, receipts and history are read fresh on every run (they live outside the prompt
folders the incremental engine tracks); what the gate needs of the units (fingerprint, eval
set, variables) comes with the run's material.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from registry.behavior import dataset as ds
from registry.behavior import receipts
from registry.behavior.receipts import Spec
from registry.common.findings import Finding, make

Read = Callable[[str], "bytes | None"]


def reader(source: Any) -> Read:
    """`source.read` that says None for what cannot be read safely (a path outside the
    registry, a folder, a FIFO): the rules report those at the file that names them."""
    from registry.load.access import Escape, Special

    def read(rel: str) -> bytes | None:
        try:
            found: bytes | None = source.read(rel)
        except (Escape, Special, OSError):
            return None
        return found

    return read


def listing(source: Any, folder: str) -> list[str]:
    try:
        found: list[str] = source.list(folder)
    except OSError:
        return []
    return found


@dataclasses.dataclass(frozen=True)
class Binding:
    """A unit with an eval set, in one environment."""

    env: str
    prompt: str
    spec: Spec
    target: ds.Target

    def out(self) -> list[Any]:
        t = self.target
        return [self.env, self.prompt, self.spec.out(), t.variables, list(t.tools), t.schema]

    @classmethod
    def of(cls, data: list[Any]) -> Binding:
        env, prompt, (dataset, accept, file, line, col), variables, tools, schema = data
        spec = Spec(str(dataset), dict(accept), str(file), int(line), int(col))
        return cls(str(env), str(prompt), spec, ds.Target(variables, tuple(tools), schema))


def binding(env: str, pid: str, unit: Any, doc: Any) -> Binding | None:
    """The binding of a unit (resolved or from an artifact) whose prompt file declares an
    eval set; None when it declares none, or none of a valid shape (SCHEMA001 says so)."""
    if doc is None or not doc.ok or doc.data.get("evals") is None:
        return None
    spec = Spec.of(doc.data["evals"], doc.file, *doc.pos(("evals",)))
    if spec is None:
        return None
    fmt = unit.response_format or {}
    schema = fmt.get("schema") if fmt.get("type") == "json_schema" else None
    return Binding(env, pid, spec, ds.Target(unit.variables, tuple(sorted(unit.tools)), schema))


def dataset_findings(read: Read, bindings: Iterable[Binding]) -> Iterator[Finding]:
    """EVAL003 for every line of every bound dataset that is not a valid case for its unit
    (each dataset read once; a line checked once per distinct unit shape)."""
    raw_of: dict[str, bytes | None] = {}
    seen: set[tuple[str, int, int, str]] = set()
    done: set[tuple[str, str]] = set()
    for b in sorted(bindings, key=lambda b: (b.spec.dataset, b.env, b.prompt)):
        key = (b.spec.dataset, repr((b.target.variables, b.target.tools, b.target.schema)))
        if key in done:
            continue
        done.add(key)
        if b.spec.dataset not in raw_of:
            raw_of[b.spec.dataset] = read(b.spec.dataset)
        raw = raw_of[b.spec.dataset]
        if raw is None:
            continue  # REF001 at the prompt says so
        for p in ds.parse(raw, b.target)[1]:
            if (b.spec.dataset, p.line, p.col, p.message) not in seen:
                seen.add((b.spec.dataset, p.line, p.col, p.message))
                yield make("EVAL003", p.message, b.spec.dataset, p.line, p.col)


def eval_findings(
    read: Read,
    listing: Iterable[str],
    folder: str,
    required: Iterable[str],
    bindings: Iterable[Binding],
    units: Mapping[str, Mapping[str, str]],
) -> Iterator[Finding]:
    """EVAL001/EVAL002 for the bound units of the `required` environments (`units`: env ->
    prompt -> fingerprint), EVAL004 for receipts (`listing`: registry-relative paths under
    `folder`) no unit of any environment has."""
    wanted = set(required)
    digests: dict[str, str | None] = {}
    for b in sorted(bindings, key=lambda b: (b.env, b.prompt)):
        fingerprint = units.get(b.env, {}).get(b.prompt)
        if b.env not in wanted or fingerprint is None:
            continue
        if b.spec.dataset not in digests:
            raw = read(b.spec.dataset)
            digests[b.spec.dataset] = ds.digest(raw) if raw is not None else None
        yield from _receipt(read, folder, b, fingerprint, digests[b.spec.dataset])
    known = {receipts.path(folder, pid, fp) for env in units.values() for pid, fp in env.items()}
    for rel in sorted(listing):
        if rel.endswith(".json") and rel not in known:
            yield make(
                "EVAL004",
                "receipt matches no unit of any environment (its config changed or is gone): "
                "delete it",
                rel,
                1,
                1,
            )


def _receipt(
    read: Read, folder: str, b: Binding, fingerprint: str, digest: str | None
) -> Iterator[Finding]:
    rel = receipts.path(folder, b.prompt, fingerprint)
    short = fingerprint.removeprefix("sha256:")[:12]
    where = (b.spec.file, b.spec.line, b.spec.col)
    run = f"run: registry eval {b.env} --prompt {b.prompt}"
    if digest is None:
        yield make(
            "EVAL001",
            f"{b.prompt} in {b.env}: its eval set {b.spec.dataset} cannot be read, so no "
            "receipt can be checked",
            *where,
        )
        return
    raw = read(rel)
    if raw is None:
        yield make(
            "EVAL001",
            f"{b.prompt} in {b.env} (unit {short}) has an eval set but no receipt ({rel})",
            *where,
            hint=f"{run}, then commit {rel}",
        )
        return
    data, why = receipts.read(raw, b.prompt, fingerprint)
    if data is None:
        yield make("SCHEMA001", f"receipt: {why}", rel, 1, 1)
        yield make(
            "EVAL001", f"{b.prompt} in {b.env}: {rel} is not a usable receipt", *where, hint=run
        )
        return
    if data["dataset_sha256"] != digest:
        yield make(
            "EVAL001",
            f"{b.prompt} in {b.env}: the receipt for unit {short} was made with another "
            f"version of {b.spec.dataset} (the dataset changed since)",
            *where,
            hint=run,
        )
        return
    failed = receipts.judge(data["summary"], b.spec.accept)
    if failed or data.get("accepted") is not True:
        cases = receipts.failing_cases(data)
        why = "; ".join(failed) or "the receipt says it was not accepted"
        yield make(
            "EVAL002",
            f"{b.prompt} in {b.env}: unit {short} was not accepted: {why}"
            + (f" (failing: {cases})" if cases else ""),
            *where,
            hint=f"fix the prompt or the dataset, then {run}",
        )


# -- canaries -----------------------------------------------------------------------------
def own_probes(
    read: Read, rel: str, where: tuple[str, int, int] = ("registry.yaml", 1, 1)
) -> tuple[list[Any], list[Finding]]:
    """The probes of registry.yaml's `canary.probes` file, and a finding at its line and
    column for each part that is not a probe (REF001 when the file cannot be read)."""
    from registry.behavior import canary
    from registry.load.yaml import load_bytes

    raw = read(rel)
    if raw is None:
        why = f"canary.probes names {rel!r}, which does not exist or cannot be read"
        return [], [make("REF001", why, *where)]
    doc, findings = load_bytes(raw, rel)
    if findings:
        return [], list(findings)
    probes, problems = canary.own_probes(doc.data)
    return probes, [make("SCHEMA001", why, rel, *doc.pos(at)) for at, why in problems]


def canary_findings(
    read: Read,
    folder: str,
    environments: Iterable[str],
    pairs: Iterable[tuple[str, str]],
    max_age_days: int,
    today: dt.date,
) -> Iterator[Finding]:
    """CANARY001 for an unacknowledged recorded shift, CANARY002 for a model that behaves
    differently on the two sides of a parity pair; SCHEMA001 for a history line that is not a
    record."""
    from registry.behavior import history

    loaded: dict[str, history.History] = {}
    for env in environments:
        rel = history.path(folder, env)
        raw = read(rel)
        if raw is None:
            continue
        hist = history.parse(raw, rel)
        loaded[env] = hist
        for line, col, message in hist.problems:
            yield make("SCHEMA001", f"canary history: {message}", rel, line, col)
        for model in sorted(hist.models()):
            shift = hist.shift(model)
            if shift is not None:
                yield make(
                    "CANARY001",
                    f"{model} in {env}: {shift.describe()}",
                    rel,
                    shift.line,
                    1,
                    hint=f"review, then: registry canary {env} --record --accept",
                )
    for a, b in pairs:
        if a in loaded and b in loaded:
            for model, line, detail in history.disagree(loaded[a], loaded[b], max_age_days, today):
                yield make(
                    "CANARY002",
                    f"{model} behaves differently in {a} and {b} ({a} vs {b}): {detail}",
                    history.path(folder, b),
                    line,
                    1,
                    hint="the same id answers differently: compare the endpoints (a gateway, "
                    "a region, a deployment) of the two environments",
                )
