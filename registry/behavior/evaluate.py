"""`registry eval ENV`: every case of every bound unit's golden set through the same request an
app sends (`unit.request()`), at bounded concurrency, under the unit's retry policy; one
receipt per unit.

A case's latency is its answering call's (a 429 waited out is the provider's queue, not the
model's speed; the attempts are counted in the receipt). The unit's fallback models are not
tried: a receipt is evidence about the unit's own model.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from registry.behavior import asserts, receipts
from registry.behavior.dataset import Case
from registry.behavior.receipts import Spec
from registry.behavior.send import CannotRun, Clients, Reply, fatal
from registry.common.errors import InputError, RenderError

T = TypeVar("T")
R = TypeVar("R")
OUTPUT_CHARS = 4000  # of each answer kept in the receipt (redacted)


@dataclasses.dataclass
class Job:
    """One unit's golden set in one environment."""

    env: str
    unit: Any  # registry.deploy.runtime.ArtifactUnit
    spec: Spec
    cases: list[Case]
    dataset_sha256: str
    receipt: str  # registry-relative path
    prices: tuple[float, float] | None  # USD per million tokens in, out
    schema: Mapping[str, Any] | None
    results: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)


def bounded(
    items: Iterable[T],
    work: Callable[[T], R],
    concurrency: int,
    done: Callable[[T, R], None],
) -> None:
    """`work` on every item with at most `concurrency` in flight; `done` in the calling thread
    as each finishes. The first exception stops new work, lets the flights land, and is
    raised."""
    failure: BaseException | None = None
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="eval") as pool:
        flying: dict[Future[R], T] = {}
        source = iter(items)
        while True:
            while failure is None and len(flying) < concurrency:
                item = next(source, None)
                if item is None:
                    break
                flying[pool.submit(work, item)] = item
            if not flying:
                break
            landed, _ = wait(flying, return_when=FIRST_COMPLETED)
            for future in landed:
                item = flying.pop(future)
                exc = future.exception()
                if exc is not None:
                    failure = failure or exc
                elif failure is None:
                    done(item, future.result())
    if failure is not None:
        raise failure


def run(
    jobs: list[Job],
    clients: Clients,
    concurrency: int,
    redact: Callable[[str], str],
    tick: Callable[[], None] = lambda: None,
) -> None:
    """Every case of every job; results land in `job.results` by case id."""

    def work(item: tuple[Job, Case]) -> dict[str, Any]:
        job, case = item
        return _case(job, case, clients, redact)

    def landed(item: tuple[Job, Case], result: dict[str, Any]) -> None:
        item[0].results[item[1].id] = result
        tick()

    for job in jobs:
        clients.check(job.unit.model.split("/", 1)[0], job.unit.api())
    try:
        bounded(((j, c) for j in jobs for c in j.cases), work, concurrency, landed)
    except CannotRun:
        raise
    except Exception as exc:  # noqa: BLE001 - an endpoint failure after the retries
        raise CannotRun(f"could not run the evals of {_names(jobs)}: {describe(exc)}") from None


def _case(job: Job, case: Case, clients: Clients, redact: Callable[[str], str]) -> dict[str, Any]:
    unit = job.unit
    policy = dataclasses.replace(unit.retry_policy(), fallback=())
    out: dict[str, Any] = {"id": case.id, "passed": False, "failed": [], "latency_s": 0.0}
    try:
        prepared = unit.prepare(case.inputs)
    except (InputError, RenderError) as exc:
        out["failed"] = [f"input: {exc}"]
        return out
    tries = [0]

    def send(model: str) -> Reply:
        tries[0] += 1
        return clients.send(prepared.api, model, prepared.body.kwargs)

    try:
        reply = policy.run(send)
    except Exception as exc:  # a refusal of this request fails this case only
        if fatal(exc):
            raise
        out["failed"] = [f"error: {describe(exc)}"]
        out["attempts"] = tries[0]
        return out
    usd = None
    if job.prices is not None:
        usd = (reply.tokens_in * job.prices[0] + reply.tokens_out * job.prices[1]) / 1e6
    failed = asserts.failures(case.asserts, reply, usd, job.schema)
    out.update(
        passed=not failed,
        failed=failed,
        latency_s=round(reply.latency_s, 4),
        attempts=tries[0],
        tokens_in=reply.tokens_in,
        tokens_out=reply.tokens_out,
        usd=round(usd, 8) if usd is not None else None,
        output=redact(reply.text[:OUTPUT_CHARS]),
    )
    if reply.tool_calls:
        out["tool_calls"] = [redact(f"{name}({args[:500]})") for name, args in reply.tool_calls]
    return out


def receipt(job: Job, tool: str, now: dt.datetime) -> dict[str, Any]:
    """The receipt of a finished job."""
    cases = [job.results[c.id] for c in job.cases]
    summary = receipts.summarize(cases)
    failed = receipts.judge(summary, job.spec.accept)
    return {
        "format": receipts.FORMAT,
        "prompt": job.unit.prompt,
        "unit_fingerprint": job.unit.fingerprint,
        "model": job.unit.model,
        "environment": job.env,
        "dataset": job.spec.dataset,
        "dataset_sha256": job.dataset_sha256,
        "accept": job.spec.accept,
        "accepted": not failed,
        "failed_criteria": failed,
        "summary": summary,
        "cases": cases,
        "ran_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": tool,
    }


def describe(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"HTTP {status}: {text[:200]}" if isinstance(status, int) else text[:200]


def _names(jobs: list[Job]) -> str:
    return ", ".join(sorted({j.unit.prompt for j in jobs}))


def table(rows: Iterable[list[str]]) -> Iterator[str]:
    """Left-aligned columns, two spaces apart."""
    rows = list(rows)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        yield "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
