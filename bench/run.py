"""Time registry against its floor and its peers on a generated registry.

    python bench/generate.py 10000 --commits 3000      # once (or --profile realistic --pairs 15)
    python bench/run.py bench/out/reg10000 --runs 3 [--out bench/RESULTS.md]

Each measurement runs in a fresh process. The rows are measured in `--runs` rounds (each
round runs every row once), so drift in the machine's speed reaches every row alike; the table
shows each row's median, its ratio to the floor, and the peak RSS of the measured process and
its children together (worker processes count). Rows cover the edits teams make: prompt files,
the shared layer, a shared partial, a new commit; each edit is undone after its row and the
cache warmed again, so the next row starts where a user would. The tables are printed;
`--out` writes them into a file (its notes below the tables are kept). Nothing is written into
the checkout otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EDITS = ("prompts", "layer", "partial")  # bench/edit.py's
BIN = Path(sys.executable).parent
PACKAGE = HERE.parent / "registry"

FLOOR = r"""
import sys, yaml
from pathlib import Path
from jinja2.sandbox import ImmutableSandboxedEnvironment
env = ImmutableSandboxedEnvironment()
root = Path(sys.argv[1])
for path in sorted(root.rglob("*.yaml")):
    rel = path.relative_to(root).parts
    if rel[0].startswith("."):
        continue
    data = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    if rel[0] == "prompts":
        for m in data.get("messages") or []:
            env.parse(m["content"])
"""

WRAP = r"""
import os, subprocess, sys, threading, time

def tree_rss_kb(root):
    # the summed RSS of `root` and every process below it, from /proc (Linux)
    parent = {}
    rss = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parent[int(name)] = int(fields[1])
            rss[int(name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += [c for c, p in parent.items() if p == pid]
    return total

t = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak = [0]
if os.path.isdir("/proc"):
    def watch():
        while p.poll() is None:
            peak[0] = max(peak[0], tree_rss_kb(p.pid))
            time.sleep(0.02)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
code = p.wait()
dt = time.perf_counter() - t
if os.path.isdir("/proc"):
    watcher.join()
else:  # the largest single process, where there is no /proc to sum a tree from
    import resource
    peak[0] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(dt, peak[0], code)
"""


class Row:
    """One measured command: its samples, one per round."""

    def __init__(
        self,
        name: str,
        command: str,
        cmd: list[str],
        prepare: list[str] | None = None,
        after: list[list[str]] | None = None,
    ) -> None:
        self.name, self.command, self.cmd = name, command, cmd
        self.prepare, self.after = prepare, after
        self.times: list[float] = []
        self.rss, self.exit = 0, 0

    def run_once(self, cwd: Path) -> float:
        if self.prepare:
            subprocess.run(self.prepare, cwd=cwd, check=True)
        out = subprocess.run(
            [sys.executable, "-c", WRAP, *self.cmd],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        )
        for command in self.after or []:  # undo the edit, and warm the cache again
            done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
            if done.returncode not in (0, 1):  # (1: the registry's own findings, as measured)
                sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
        seconds, peak, code = out.stdout.split()
        self.times.append(float(seconds))
        self.rss, self.exit = max(self.rss, int(peak)), int(code)
        return float(seconds)

    def result(self) -> dict[str, float]:
        return {
            "seconds": statistics.median(self.times),
            "rss_mb": self.rss / 1024,
            "exit": self.exit,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("registry", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=None, help="write the tables into this file (RESULTS.md)"
    )
    parser.add_argument("--no-peers", action="store_true", help="leave out the peer tools' rows")
    args = parser.parse_args()
    root = args.registry.resolve()
    reg = str(BIN / "registry")
    # The cache lives outside the registry: a folder of the bench's own, cleared for cold rows.
    cache = root.parent / f".{root.name}-cache"
    os.environ["REGISTRY_CACHE_DIR"] = str(cache)
    clear = ["rm", "-rf", str(cache)]
    # Bytecode as an installed wheel has it (pip compiles on install; an editable checkout on a
    # machine with PYTHONDONTWRITEBYTECODE=1 would otherwise compile the package on every run).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(PACKAGE)], check=True)
    prompt_files = sorted(str(p) for p in (root / "prompts").rglob("*.yaml"))
    n_prompts = len({Path(p).parent.name for p in prompt_files})
    edit = HERE / "edit.py"  # the edits: prompt files, the shared layer, a shared partial
    touch, layer, partial = ([sys.executable, str(edit), what] for what in EDITS)
    checkout = ["git", "checkout", "-q", "--"]
    rewarm = [reg, "check"]  # after an edit is undone: the next row starts warm again
    commit = ["git", "commit", "-q", "--allow-empty", "-m", "bench: a new commit"]
    schema = HERE.parent / "schemas" / "prompt.schema.json"
    rows = [
        Row(
            "floor: YAML C-loader + Environment.parse (1 process)",
            "python -c FLOOR <registry>",
            [sys.executable, "-c", FLOOR, str(root)],
        ),
        Row("registry validate (cold, no cache)", "registry validate", [reg, "validate"], clear),
        Row("registry validate (warm)", "registry validate", [reg, "validate"]),
        Row("registry check (cold, no cache)", "registry check", [reg, "check"], clear),
        Row("registry check (warm, nothing changed)", "registry check", [reg, "check"]),
    ]
    for edited, prepare, undone in (  # each edit undone and the cache warmed after its row
        ("3 prompt files changed", touch, [*checkout, "prompts"]),
        ("environments/base.yaml edited", layer, [*checkout, "environments"]),
        ("a shared partial edited", partial, [*checkout, "prompts/_partials"]),
        ("after a new commit", commit, ["git", "reset", "-q", "--soft", "HEAD~1"]),
    ):
        name = f"registry check (warm, {edited})"
        rows.append(Row(name, "registry check", [reg, "check"], prepare, [undone, rewarm]))
    for what in (
        ["check", "--base", "HEAD~5"],
        ["diff", "--base", "HEAD~5"],
        ["render", "prod"],
        ["promote", "staging", "prod", "--dry-run"],
    ):
        command = " ".join(["registry", *what])
        rows.append(Row(command, command, [reg, *what]))
    if shutil.which("check-jsonschema", path=str(BIN)) and not args.no_peers:
        rows.append(
            Row(
                "peer: check-jsonschema (prompt files only)",
                "check-jsonschema --base-uri <schema> --schemafile <schema> <prompt files>",
                [
                    str(BIN / "check-jsonschema"),
                    "--base-uri",
                    schema.as_uri(),
                    "--schemafile",
                    str(schema),
                    *prompt_files,
                ],
            )
        )
    if shutil.which("yamllint", path=str(BIN)) and not args.no_peers:
        rows.append(
            Row(
                "peer: yamllint (all YAML)",
                "yamllint -d relaxed .",
                [str(BIN / "yamllint"), "-d", "relaxed", "."],
            )
        )
    # Rounds, not row after row: this machine's speed drifts over minutes, and a ratio should
    # compare samples taken close together. Each round runs every row once, in table order (a
    # warm row follows the cold row that fills its cache).
    for n in range(1, args.runs + 1):
        for row in rows:
            seconds = row.run_once(root)
            print(f"round {n}  {row.name:47s} {seconds:8.2f} s", flush=True)
    example = HERE.parent
    subprocess.run([reg, "validate"], cwd=example, capture_output=True, check=False)  # warm
    small: list[tuple[str, str, dict[str, float]]] = []
    for name, cmd in (
        ("registry --help", [reg, "--help"]),
        ("registry validate (this repository's example registry, warm)", [reg, "validate"]),
        ("registry check (this repository's example registry, warm)", [reg, "check"]),
    ):
        row = Row(name, " ".join(["registry", *cmd[1:]]), cmd)
        for _ in range(max(args.runs, 11)):
            row.run_once(example)
        small.append((row.name, row.command, row.result()))
        print(f"{name:47s} {row.result()['seconds']:8.2f} s", flush=True)
    table = [(r.name, r.command, r.result()) for r in rows]
    text = tables(root, n_prompts, table, args.runs, small, " --no-peers" * args.no_peers)
    if args.out is None:
        print(text)
        return
    notes = ""
    if args.out.exists() and NOTES in args.out.read_text():
        notes = args.out.read_text().split(NOTES, 1)[1]
    args.out.write_text(text + "\n\n" + NOTES + notes)


def _show(root: Path) -> str:
    cwd = Path.cwd()
    return str(root.relative_to(cwd)) if root.is_relative_to(cwd) else str(root)


NOTES = "<!-- notes: kept when run.py rewrites the tables above -->"
PAIRS = (  # how many parity pairs the registry gates (registry.yaml, or the default one)
    "import sys, registry; print(len(registry.open(sys.argv[1]).parity_pairs()))"
)


def tables(
    root: Path,
    n: int,
    rows: list[tuple[str, str, dict[str, float]]],
    runs: int,
    small: list[tuple[str, str, dict[str, float]]],
    flags: str = "",
) -> str:
    """The Markdown of RESULTS.md's tables (the notes below them are kept by `main`)."""
    floor = rows[0][2]["seconds"]
    size = sum(p.stat().st_size for p in root.rglob("*.yaml"))
    commits = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"],
        cwd=root,
        text=True,
        capture_output=True,
        check=False,
    ).stdout.strip()
    envs = len([p for p in (root / "environments").glob("*.yaml") if p.stem != "base"])
    pairs = subprocess.run(
        [sys.executable, "-c", PAIRS, str(root)], text=True, capture_output=True, check=False
    ).stdout.strip()
    profile = f" --profile realistic --pairs {pairs}" if envs > 3 else ""  # (generate.py's)
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} — {time.strftime('%Y-%m-%d')}.",
        f"Registry: `bench/generate.py {n}{profile} --commits "
        f"{commits.rstrip() and int(commits) - 1}` — "
        f"{n} prompts × {envs} environments, {pairs or '?'} parity pair(s), {size / 1e6:.1f} MB "
        f"of YAML, {commits} commits.",
        f"Command: `python bench/run.py {_show(root)} --runs {runs}{flags} --out bench/RESULTS.md` "
        f"(median of {runs} rounds, each running every row once; RSS is the peak of the "
        "measured process and its children together, sampled every 20 ms).",
        "",
        "| what | command | median s | × floor | peak RSS MB | exit |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, command, r in rows:
        lines.append(
            f"| {name} | `{command}` | {r['seconds']:.2f} | {r['seconds'] / floor:.2f} | "
            f"{r['rss_mb']:.0f} | {int(r['exit'])} |"
        )
    by_name = {name: r["seconds"] for name, _, r in rows}
    cold = by_name.get("registry check (cold, no cache)")
    peer = by_name.get("peer: check-jsonschema (prompt files only)")
    if cold and peer:
        lines += [
            "",
            f"Cold `registry check` is {peer / cold:.1f}× faster than check-jsonschema "
            "on the prompt files alone.",
        ]
    lines += [
        "",
        f"Small commands (median of {max(runs, 11)} runs, in this repository's own registry):",
        "",
        "| what | command | median s | peak RSS MB |",
        "|---|---|---:|---:|",
    ]
    for name, command, r in small:
        lines.append(f"| {name} | `{command}` | {r['seconds']:.2f} | {r['rss_mb']:.0f} |")
    print(json.dumps({name: r for name, _, r in rows}, indent=1))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
