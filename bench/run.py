"""Time registry against its floor and its peers on a generated registry; write RESULTS.md.

    python bench/generate.py 10000 --commits 3000      # once
    python bench/run.py bench/out/reg10000 --runs 3

Each measurement runs in a fresh process. The rows are measured in `--runs` rounds (each
round runs every row once), so drift in the machine's speed reaches every row alike; the table
shows each row's median, its ratio to the floor, and the peak RSS of the measured process
(with its children).
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
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
dt = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(dt, rss, p.returncode)
"""


class Row:
    """One measured command: its samples, one per round."""

    def __init__(
        self,
        name: str,
        command: str,
        cmd: list[str],
        prepare: list[str] | None = None,
        after: list[str] | None = None,
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
        if self.after:
            subprocess.run(self.after, cwd=cwd, check=True)
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
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
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
    touch = [
        sys.executable,
        "-c",
        "import pathlib,sys\n"
        "for p in sys.argv[1:]:\n q=pathlib.Path(p); q.write_text(q.read_text()+'#\\n')",
        *prompt_files[:3],
    ]
    restore = ["git", "checkout", "-q", "--", "prompts"]
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
        Row(
            "registry check (warm, 3 prompt files changed)",
            "registry check",
            [reg, "check"],
            prepare=touch,
            after=restore,
        ),
    ]
    for what in (
        ["check", "--base", "HEAD~5"],
        ["diff", "--base", "HEAD~5"],
        ["render", "prod"],
        ["promote", "staging", "prod", "--dry-run"],
    ):
        command = " ".join(["registry", *what])
        rows.append(Row(command, command, [reg, *what]))
    if shutil.which("check-jsonschema", path=str(BIN)):
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
    if shutil.which("yamllint", path=str(BIN)):
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
    write(args.out, root, n_prompts, table, args.runs, small)


def _show(root: Path) -> str:
    cwd = Path.cwd()
    return str(root.relative_to(cwd)) if root.is_relative_to(cwd) else str(root)


NOTES = "<!-- notes: kept when run.py rewrites the tables above -->"


def write(
    out: Path,
    root: Path,
    n: int,
    rows: list[tuple[str, str, dict[str, float]]],
    runs: int,
    small: list[tuple[str, str, dict[str, float]]],
) -> None:
    floor = rows[0][2]["seconds"]
    size = sum(p.stat().st_size for p in root.rglob("*.yaml"))
    commits = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"],
        cwd=root,
        text=True,
        capture_output=True,
        check=False,
    ).stdout.strip()
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} — {time.strftime('%Y-%m-%d')}.",
        f"Registry: `bench/generate.py {n} --commits {commits.rstrip() and int(commits) - 1}` — "
        f"{n} prompts × 3 environments, {size / 1e6:.1f} MB of YAML, {commits} commits.",
        f"Command: `python bench/run.py {_show(root)} --runs {runs}` (median of {runs} rounds, "
        "each running every row once; RSS is the peak of the measured process tree).",
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
    notes = ""
    if out.exists() and NOTES in out.read_text():
        notes = out.read_text().split(NOTES, 1)[1]
    out.write_text("\n".join(lines) + "\n\n" + NOTES + notes)
    print(json.dumps({name: r for name, _, r in rows}, indent=1))


if __name__ == "__main__":
    main()
