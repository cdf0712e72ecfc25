"""The behavior commands: eval (golden sets, receipts) and canary (probe fingerprints, history).
Both call models through the environment's `ops` endpoints; nothing else in the tool does."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from registry.cli.app import app
from registry.cli.common import RootOpt, emit, guarded, opened
from registry.cli.deploy import _sealed
from registry.common.errors import Refusal, RegistryError
from registry.common.findings import make

ConcurrencyOpt = typer.Option(
    8, "--concurrency", "-j", min=1, max=256, metavar="N", help="Calls in flight at most."
)
RefOpt = typer.Option(None, "--ref", metavar="REF", help="Use the registry at a git ref.")


@app.command("eval")
@guarded
def eval_(
    env: str = typer.Argument(..., help="Environment whose units run their golden sets."),
    prompt: list[str] | None = typer.Option(
        None, "--prompt", "-p", metavar="ID", help="Only this prompt (repeatable)."
    ),
    concurrency: int = ConcurrencyOpt,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Validate the datasets and say what would run; no calls."
    ),
    force: bool = typer.Option(
        False, "--force", help="Run units that already have an accepted receipt for this config."
    ),
    root: Path | None = RootOpt,
    ref: str | None = RefOpt,
) -> None:
    """Run each bound unit's golden set in ENV; write one receipt per unit (evals/receipts/)."""
    from registry.behavior import evaluate
    from registry.behavior.send import Clients
    from registry.common import progress

    data, redact = _sealed(root, ref, env, "evaluate", behavior=True)
    reg = opened(root, ref)
    jobs, problems = _jobs(reg, env, data, prompt or [], reg.settings.receipts)
    if problems:
        raise Refusal(
            f"refusing to evaluate {env}: {len(problems)} dataset line(s) are not valid cases "
            "(EVAL003); nothing sent",
            problems,
        )
    if not jobs:
        raise RegistryError(
            f"no unit of {env} has an eval set" + (f" among {prompt}" if prompt else "")
        )
    todo: list[Any] = []
    lines = []
    for job in jobs:
        if not force and _up_to_date(reg.root, job):
            lines.append(
                f"{job.unit.prompt}: receipt up to date ({job.receipt}); --force runs it again"
            )
        else:
            todo.append(job)
    if dry_run or not todo:
        emit("\n".join([*_planned(env, todo, concurrency, dry_run), *lines]) + "\n")
        return
    routing = [j.unit.retry_policy().timeout_s for j in todo]
    timeout = max((t for t in routing if t is not None), default=None)
    progress.stage(f"evaluating {env}", total=sum(len(j.cases) for j in todo))
    with Clients(env, data["ops"], timeout) as clients:
        evaluate.run(todo, clients, concurrency, redact, progress.advance)
    rows, failing = _receipts(reg.root, todo, redact)
    lines += [f"wrote {j.receipt}" for j in todo]
    emit("\n".join([*evaluate.table(rows), *failing, *lines]) + "\n")
    if any(r[-1] == "NO" for r in rows[1:]):
        raise typer.Exit(1)


def _planned(env: str, todo: list[Any], concurrency: int, dry_run: bool) -> list[str]:
    """What a dry run would send (nothing, when every receipt is up to date)."""
    from registry.behavior import evaluate

    if not dry_run:
        return []
    rows = [["prompt", "model", "api", "cases", "receipt"]]
    rows += [
        [j.unit.prompt, str(j.unit.model), j.unit.api(), str(len(j.cases)), j.receipt] for j in todo
    ]
    cases = sum(len(j.cases) for j in todo)
    return [
        *(evaluate.table(rows) if todo else []),
        f"dry run: {cases} case(s) of {len(todo)} unit(s) would run in {env} at concurrency "
        f"{concurrency}; datasets valid; nothing sent",
    ]


def _receipts(root: Path, jobs: list[Any], redact: Any) -> tuple[list[list[str]], list[str]]:
    """Write each finished job's receipt (atomically, redacted); the summary table's rows and
    the failing cases and criteria, said plainly."""
    from registry.behavior import evaluate
    from registry.common import atomic
    from registry.common.version import __version__

    now = dt.datetime.now(dt.timezone.utc)
    rows = [["prompt", "model", "cases", "passed", "pass rate", "p95 s", "USD/call", "accepted"]]
    failing: list[str] = []
    for job in jobs:
        made = evaluate.receipt(job, __version__, now)
        text = json.dumps(redact.value(made), indent=2, ensure_ascii=False, allow_nan=False)
        atomic.write_text(root / job.receipt, text + "\n")
        s = made["summary"]
        usd = f"{s['usd_per_call']:.5f}" if s["usd_per_call"] is not None else "-"
        rows.append([
            job.unit.prompt, str(job.unit.model), str(s["cases"]), str(s["passed"]),
            f"{s['pass_rate']:.2f}", f"{s['p95_latency_s']:.2f}", usd,
            "yes" if made["accepted"] else "NO",
        ])  # fmt: skip
        for case in made["cases"]:
            if not case["passed"]:
                failing.append(f"  {job.unit.prompt} / {case['id']}: {'; '.join(case['failed'])}")
        failing += [f"{job.unit.prompt}: not accepted: {why}" for why in made["failed_criteria"]]
    return rows, failing


def _jobs(
    reg: Any, env: str, data: dict[str, Any], only: list[str], folder: str
) -> tuple[list[Any], list[Any]]:
    """The units of ENV with an eval set (their datasets parsed), and EVAL003 findings."""
    from registry.behavior import dataset as ds
    from registry.behavior import gate
    from registry.behavior.evaluate import Job
    from registry.behavior.receipts import path
    from registry.deploy.runtime import ArtifactUnit

    unknown = sorted(set(only) - set(data["units"]))
    if unknown:
        raise RegistryError(f"{env} binds no prompt {unknown[0]!r}")
    read = gate.reader(reg.source)
    jobs, problems = [], []
    for pid in sorted(only or data["units"]):
        unit = ArtifactUnit(data["units"][pid], data["models"])
        doc = reg.prompt_doc(pid, unit.version)
        bound = gate.binding(env, pid, unit, doc)
        if bound is None:
            continue
        spec, target = bound.spec, bound.target
        raw = read(spec.dataset)
        if raw is None:
            raise RegistryError(f"{pid}: its eval set cannot be read ({doc.file})")
        cases, bad = ds.parse(raw, target)
        problems += [make("EVAL003", p.message, spec.dataset, p.line, p.col) for p in bad]
        info = reg.settings.model_info(str(unit.model)) or {}
        prices = None
        if isinstance(info.get("usd_per_mtok_in"), (int, float)) and isinstance(
            info.get("usd_per_mtok_out"), (int, float)
        ):
            prices = (float(info["usd_per_mtok_in"]), float(info["usd_per_mtok_out"]))
        receipt = path(folder, pid, unit.fingerprint)
        jobs.append(Job(env, unit, spec, cases, ds.digest(raw), receipt, prices, target.schema))
    return jobs, problems


def _up_to_date(root: Path, job: Any) -> bool:
    from registry.behavior import receipts

    try:
        raw = (root / job.receipt).read_bytes()
    except OSError:
        return False
    found, _why = receipts.read(raw, job.unit.prompt, job.unit.fingerprint)
    return bool(
        found is not None
        and found["dataset_sha256"] == job.dataset_sha256
        and not receipts.judge(found["summary"], job.spec.accept)
        and found.get("accepted") is True
    )


@app.command()
@guarded
def canary(
    env: str = typer.Argument(..., help="Environment whose models are probed."),
    samples: int = typer.Option(
        3, "--samples", "-k", min=1, max=25, metavar="K", help="Answers per probe (majority)."
    ),
    record: bool = typer.Option(
        False, "--record", help="Append this run to the history (canary/history/ENV.jsonl)."
    ),
    accept: bool = typer.Option(
        False, "--accept", help="With --record: this run is the reviewed new baseline."
    ),
    concurrency: int = ConcurrencyOpt,
    root: Path | None = RootOpt,
    ref: str | None = RefOpt,
) -> None:
    """Probe every model ENV uses; compare its behavior fingerprint with the history."""
    from registry.behavior import history, probing
    from registry.behavior.send import Clients
    from registry.common import progress

    if accept and not record:
        raise RegistryError("--accept records a reviewed baseline: use it with --record")
    data, redact = _sealed(root, ref, env, "probe", behavior=True)
    reg = opened(root, ref)
    folder = reg.settings.canary_history  # inside the registry (its schema; _sealed checked)
    probes = probing.probes_of(reg)
    models = probing.models_of(data)
    if not models:
        raise RegistryError(f"{env} binds no model to probe")
    timeouts = [p.timeout_s for p in models.values() if p.timeout_s is not None]
    progress.stage(f"probing {env}", total=len(models) * len(probes) * samples)
    with Clients(env, data["ops"], max(timeouts, default=60.0)) as clients:
        found = probing.run(
            models, probes, samples, data["models"], clients, concurrency, progress.advance
        )
    rel = history.path(folder, env)
    raw = reg.source.read(rel) if reg.source.exists(rel) else None
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    partners = probing.partners(reg, env, folder)
    rows, notes, shifted = _compared(env, found, history.parse(raw or b"", rel), accept)
    notes += _fresh_partners(env, found, partners, now, reg.settings.canary_max_age_days)
    if shifted:
        notes.append(
            f"  hint: review what moved (run the golden sets: registry eval {env} --force), then "
            f"accept it as the new baseline: registry canary {env} --record --accept"
        )
    if record:
        notes.append(_recorded(reg.root, rel, raw, found, now, samples, accept))
    else:
        notes.append(f"not recorded (--record appends this run to {rel})")
    emit(redact("\n".join([*probing.table(rows), *notes]) + "\n"))
    if shifted:
        raise typer.Exit(1)


def _compared(
    env: str, found: dict[str, Any], past: Any, accept: bool
) -> tuple[list[list[str]], list[str], bool]:
    """Each model's features against its baseline in ENV's history: the table, CANARY001
    lines, and whether any model moved (not a shift when this run is the accepted one)."""
    from registry.behavior import history, probing

    rows = [["model", "behavior", "status"]]
    notes, shifted = [], False
    for model, feats in found.items():
        base = past.baseline(model)
        moved = history.moved(base.features, feats) if base is not None else []
        status = "new (first record)" if base is None else ("moved" if moved else "same")
        rows.append([model, probing.fingerprint(feats).removeprefix("sha256:")[:12], status])
        if base is not None and moved and not accept:
            shifted = True
            notes.append(
                f"error CANARY001 {model} in {env}: behavior changed under the same id since "
                f"{base.at:%Y-%m-%d}:"
            )
            notes += [
                f"  {k}: {json.dumps(base.features.get(k))} -> {json.dumps(feats.get(k))}"
                for k in moved
            ]
    return rows, notes, shifted


def _fresh_partners(
    env: str, found: dict[str, Any], partners: list[Any], now: dt.datetime, max_age: int
) -> list[str]:
    """CANARY002 lines: a model whose features differ from a parity partner's latest record
    (within `canary.max_age_days`)."""
    from registry.behavior import history

    notes = []
    for model, feats in found.items():
        for other, hist in partners:
            theirs = hist.latest(model)
            if theirs is None or (now - theirs.at).days > max_age:
                continue
            apart = history.moved(theirs.features, feats)
            if apart:
                notes.append(
                    f"warning CANARY002 {model} behaves differently in {env} and {other} "
                    f"({env} vs {other}):"
                )
                notes += [
                    f"  {k}: {json.dumps(feats[k])} vs {json.dumps(theirs.features[k])}"
                    for k in apart
                ]
    return notes


def _recorded(
    root: Path,
    rel: str,
    raw: bytes | None,
    found: dict[str, Any],
    now: dt.datetime,
    samples: int,
    accept: bool,
) -> str:
    """Append this run's records to the history file (atomically: the whole file is
    rewritten, the old lines byte for byte)."""
    from registry.behavior import history, probing
    from registry.common import atomic

    added = []
    for model, feats in found.items():
        line = history.Record(0, now, model, probing.fingerprint(feats), feats, accept).out()
        added.append({**line, "samples": samples})
    data = raw or b""
    if data and not data.endswith(b"\n"):
        data += b"\n"
    data += "".join(
        json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in added
    ).encode()
    atomic.write_bytes(root / rel, data)
    return f"recorded {len(added)} model(s) in {rel}" + (
        " as the accepted baseline" if accept else ""
    )
