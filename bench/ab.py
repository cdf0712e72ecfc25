"""Two source trees, one command, interleaved: the ratio of their median wall times.

    python bench/ab.py A_TREE B_TREE [--runs N] -- validate --root .
    python bench/ab.py A B --edit "python bench/edit.py layer" \
        --undo "git checkout -- environments" -- check


Each round runs the command once from A's tree and once from B's (`PYTHONPATH`, so both use
the same interpreter and installed dependencies; each its own cache folder), alternating which
goes first; the noisy
machine drifts between rounds, not within one. A tree is a checkout (`git worktree add
/tmp/a <commit>`). With `--edit`, each timed run follows that shell command (run in the
current folder) and is followed by `--undo` and an untimed run that warms the side's cache
again: what a warm run costs after the edit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

RUN = "import sys; sys.argv = ['registry', *sys.argv[1:]]; from registry.cli import main; main()"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--cache", default="/tmp/registry-ab-cache", help="cache folders (A/, B/)")
    parser.add_argument("--cold", action="store_true", help="empty each side's cache before a run")
    parser.add_argument("--edit", help="a shell command run before each timed run")
    parser.add_argument("--undo", help="a shell command run after it (then the cache re-warmed)")
    argv = sys.argv[1:]
    if "--" not in argv:
        parser.error("give the command after --")
    cut = argv.index("--")
    args = parser.parse_args(argv[:cut])
    command = argv[cut + 1 :]
    if sys.version_info < (3, 11):
        parser.error("needs Python 3.11+ (-P keeps the current folder off sys.path)")
    for name, tree in (("A", args.a), ("B", args.b)):  # each side runs its own tree's code
        env = {**os.environ, "PYTHONPATH": tree}
        where = subprocess.run(
            [sys.executable, "-P", "-c", "import registry; print(registry.__file__)"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not where.startswith(os.path.abspath(tree)):
            parser.error(f"{name} imports {where}, not {tree}")
    times: dict[str, list[float]] = {"A": [], "B": []}
    trees = {"A": args.a, "B": args.b}

    def run(name: str) -> float:
        # each side its own cache folder: a tool version prunes the others' caches
        cache = os.path.join(args.cache, name)
        env = {**os.environ, "PYTHONPATH": trees[name], "REGISTRY_CACHE_DIR": cache}
        start = time.perf_counter()
        subprocess.run(  # -P: not the current folder first on sys.path, PYTHONPATH is
            [sys.executable, "-P", "-c", RUN, *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return time.perf_counter() - start

    if args.edit:
        for name in ("A", "B"):  # both warm before the first edit
            run(name)
    for i in range(args.runs):
        for name in ("A", "B") if i % 2 == 0 else ("B", "A"):
            if args.cold:
                shutil.rmtree(os.path.join(args.cache, name), ignore_errors=True)
            if args.edit:
                subprocess.run(args.edit, shell=True, check=True)
            times[name].append(run(name))
            if args.edit:
                if args.undo:
                    subprocess.run(args.undo, shell=True, check=True)
                run(name)  # warm again for the next round
    a, b = statistics.median(times["A"]), statistics.median(times["B"])
    print(
        f"registry {' '.join(command)}: A {a * 1000:.0f} ms, B {b * 1000:.0f} ms, B/A {b / a:.3f}"
    )


if __name__ == "__main__":
    main()
