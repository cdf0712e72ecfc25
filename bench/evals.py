"""`registry eval` throughput: N golden cases against a local server that answers each call
after a fixed latency, at a given concurrency, against the floor N x latency / concurrency.

    python bench/evals.py [--cases 400] [--latency 0.05] [--concurrency 16] [--runs 5]

Each round runs `registry eval staging --dry-run` (the registry's check and the datasets
parsed; no call) and `registry eval staging --force`, alternating which goes first: the noisy
machine drifts between rounds, not within one. The server is the test suite's
(tests/request/fakeapi.py: real HTTP on 127.0.0.1, the providers' wire format), in this
process, and notes when each call arrives; the eval runs in a child process with the real
openai SDK. Start-up is the time to the first call (the dry run's work, plus importing the
SDK); the bar is on the rest: the calls within 1.5x the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import write_registry  # noqa: E402
from tests.request.fakeapi import serve  # noqa: E402


def registry(root: Path, url: str, cases: int) -> Path:
    layer = f"""\
        extends: base
        ops:
          credentials: {{openai: "${{OPENAI_KEY_STAGING}}"}}
          endpoints: {{openai: "{url}/v1"}}
        """
    lines = [
        {"id": f"case-{i}", "inputs": {"question": f"question {i}"},
         "assert": [{"type": "is-json"}, {"type": "contains", "value": "10 s"}]}
        for i in range(cases)
    ]  # fmt: skip
    prompt = """\
        variables:
          type: object
          required: [question]
          properties: {question: {type: string}}
        messages:
          - role: system
            content: Answer as JSON.
          - role: user
            content: "{{ question }}"
        defaults: {model: chat}
        evals: {dataset: evals/bench.jsonl, accept: {pass_rate: 1.0}}
        """
    return write_registry(
        root,
        {
            "environments/staging.yaml": layer,
            "prompts/answer/v1.yaml": prompt,
            "evals/bench.jsonl": "".join(json.dumps(c) + "\n" for c in lines),
        },
    )


ARRIVALS: list[float] = []


def answer(path: str, body: dict[str, object]) -> str:
    ARRIVALS.append(time.perf_counter())  # when each call reached the server
    return '{"answer": "Hold the button for 10 s.", "needs_human": false}'


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(the whole run, from its start to its first call) in seconds."""
    ARRIVALS.clear()
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    took = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return took, (min(ARRIVALS) - began if ARRIVALS else took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="registry-bench-evals-"))
    env = {**os.environ, "OPENAI_KEY_STAGING": "sk-bench", "REGISTRY_PROGRESS": "0"}
    env["REGISTRY_CACHE_DIR"] = str(folder / "cache")
    try:
        with serve() as api:
            api.rule = answer
            api.delay_s = args.latency
            root = registry(folder / "reg", api.url, args.cases)
            base = [sys.executable, "-m", "registry", "eval", "staging", "--root", str(root)]
            dry = [*base, "--dry-run"]
            real = [*base, "--force", "-j", str(args.concurrency)]
            timed(real, env)  # warm-up: the registry's cache, the OS's file cache
            starts, evals, firsts = [], [], []
            for i in range(args.runs):
                for which in ("dry", "real") if i % 2 == 0 else ("real", "dry"):
                    took, first = timed(dry if which == "dry" else real, env)
                    if which == "dry":
                        starts.append(took)
                    else:
                        evals.append(took)
                        firsts.append(first)
            calls = len(api.requests)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    floor = args.cases * args.latency / args.concurrency
    start, whole = statistics.median(starts), statistics.median(evals)
    first = statistics.median(firsts)
    calling = statistics.median(e - f for e, f in zip(evals, firsts, strict=True))
    ms = args.latency * 1000
    print(f"{args.cases} cases, {ms:.0f} ms per answer, concurrency {args.concurrency}")
    print(f"{args.runs} interleaved rounds ({calls} calls answered)")
    print(f"floor (cases x latency / concurrency):   {floor:.2f} s")
    print(f"eval --dry-run (no call), median:        {start:.2f} s")
    print(f"eval, median:                            {whole:.2f} s")
    print(f"  start-up (to the first call), median:  {first:.2f} s")
    print(f"  the calls (first call to exit), median: {calling:.2f} s")
    print(f"the calls / floor:                       {calling / floor:.2f}x")
    print(f"eval / (floor + start-up):               {whole / (floor + first):.2f}x")


if __name__ == "__main__":
    main()
