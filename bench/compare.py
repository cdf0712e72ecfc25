"""Two installs of registry, one run, interleaved: cold and warm `check` as ratios.

    python bench/compare.py bench/out/reg10000 --a /path/to/old/venv/bin --b .venv/bin

Each round runs every row once for A then B (then B then A the next round), each in a fresh
process, with its cache cleared for the cold row; the table gives medians and B/A ratios, so
this machine's drift in speed reaches both alike. Versions that keep their cache in the
registry (`.registry-cache/`) and those that keep it outside (REGISTRY_CACHE_DIR) are both
cleared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("registry", type=Path)
    parser.add_argument("--a", type=Path, required=True, help="bin folder of install A")
    parser.add_argument("--b", type=Path, required=True, help="bin folder of install B")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = args.registry.resolve()
    caches = {
        "a": root.parent / f".{root.name}-cache-a",
        "b": root.parent / f".{root.name}-cache-b",
    }
    prompts = sorted((root / "prompts").rglob("*.yaml"))[:3]
    rows = ["check (cold)", "check (warm, nothing changed)", "check (warm, 3 prompt files changed)"]
    times: dict[tuple[str, str], list[float]] = {(r, v): [] for r in rows for v in "ab"}
    for n in range(args.runs):
        order = "ab" if n % 2 == 0 else "ba"
        for variant in order:
            env = {**os.environ, "REGISTRY_CACHE_DIR": str(caches[variant])}
            cmd = [str((args.a if variant == "a" else args.b) / "registry"), "check"]
            shutil.rmtree(caches[variant], ignore_errors=True)
            shutil.rmtree(root / ".registry-cache", ignore_errors=True)
            times[(rows[0], variant)].append(timed(cmd, root, env))
            times[(rows[1], variant)].append(timed(cmd, root, env))
            for path in prompts:
                path.write_text(path.read_text() + "#\n")
            times[(rows[2], variant)].append(timed(cmd, root, env))
            subprocess.run(["git", "checkout", "-q", "--", "prompts"], cwd=root, check=True)
            shutil.rmtree(root / ".registry-cache", ignore_errors=True)
            print(
                f"round {n + 1} {variant}: "
                + ", ".join(f"{r} {times[(r, variant)][-1]:.2f} s" for r in rows),
                flush=True,
            )
    print(f"\n{args.runs} rounds, A = {args.a}, B = {args.b}\n")
    print("| what | A median s | B median s | B / A |")
    print("|---|---:|---:|---:|")
    for r in rows:
        a, b = statistics.median(times[(r, "a")]), statistics.median(times[(r, "b")])
        print(f"| `registry {r}` | {a:.2f} | {b:.2f} | {b / a:.2f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
