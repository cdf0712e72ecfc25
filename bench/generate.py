"""Generate a registry for benchmarks: N prompts and a git history of a few thousand commits
(built with `git fast-import`).

    python bench/generate.py 10000 --out bench/out/reg10k --commits 3000
    python bench/generate.py 10000 --profile realistic --pairs 15 --commits 3000

Profiles: `simple` (the default: 3 environments, a little drift and waivers, 1-2 versions per
prompt) and `realistic`, the shape teams have (issue #22): 6 environments (dev, qa, staging,
prod, and prod-eu and prod-us extending prod), overlays on 10% of the prompts in each
environment, 3-5 versions per prompt, three shared partials, and 3 or 15 parity pairs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import subprocess
from pathlib import Path

TOPICS = ["billing", "shipping", "returns", "accounts", "devices", "privacy", "warranty", "apps"]
SENTENCES = [
    "Answer only from the passages and say when they do not contain the answer.",
    "Quote menu paths and error codes exactly as they appear in the passages.",
    "Never promise refunds, delivery dates or legal outcomes.",
    "Offer to connect the customer with a human agent when you are unsure.",
    "Keep answers under three short paragraphs and end with the next step.",
    "Do not ask for passwords, card numbers or one-time codes.",
    "When passages disagree, prefer the one that matches the product model.",
    "Use a numbered list only for instructions of three or more steps.",
]


def prompt_yaml(i: int, version: int, rnd: random.Random) -> str:
    topic = TOPICS[i % len(TOPICS)]
    policy = "\n".join("      " + rnd.choice(SENTENCES) for _ in range(rnd.randint(10, 20)))
    return f"""\
description: Answers {topic} questions, variant {i}.
owner: team-{i % 40}@acme.example
variables:
  type: object
  required: [question, passages]
  properties:
    question: {{type: string, maxLength: 8000}}
    passages: {{type: array, items: {{type: string}}}}
    customer_name: {{type: string}}
messages:
  - role: system
    content: |
      You are Acme's {topic} assistant (prompt {i}, version {version}).
{policy}
      {{% include "tone.j2" %}}
  - role: user
    content: |
      Customer question for the {topic} desk (prompt {i}).
      Passages:
      {{% for p in passages %}}- {{{{ p }}}}
      {{% endfor %}}
      Question ({{{{ customer_name | default("customer") }}}}): {{{{ question }}}}
defaults:
  model: {"chat" if i % 3 else "fast"}
  params: {{temperature: 0.{i % 9}, max_tokens: {400 + (i % 8) * 100}}}
  tools: [{"search_kb" if i % 2 else "lookup_order"}]
"""


BASE_HEAD = """\
models:
  chat: openai/gpt-4o-2024-08-06
  fast: openai/gpt-4o-mini-2024-07-18
params: {temperature: 0.2, top_p: 1.0, max_tokens: 1024}
tools:
  search_kb:
    description: Search the knowledge base.
    parameters: {type: object, required: [query], properties: {query: {type: string}}}
  lookup_order:
    description: Look up an order by id.
    parameters: {type: object, required: [order_id], properties: {order_id: {type: string}}}
rag:
  default: {embedding_model: openai/text-embedding-3-large, chunk_size: 800, top_k: 5}
routing:
  timeout_s: 30
  retries: {max_attempts: 3, backoff: exponential, base_delay_s: 1.0}
  fallback: [anthropic/claude-3-5-sonnet-20241022]
prompts:
"""


def files(n: int, seed: int = 7) -> dict[str, str]:
    rnd = random.Random(seed)
    out = {
        "registry.yaml": "environments: [dev, staging, prod]\nwaivers: {max_days: 36500}\n",
        "prompts/_partials/tone.j2": "Write in plain, friendly English.\n",
    }
    bindings = []
    for i in range(n):
        pid = f"p{i:05d}"
        out[f"prompts/{pid}/v1.yaml"] = prompt_yaml(i, 1, rnd)
        if i % 50 == 0:
            out[f"prompts/{pid}/v2.yaml"] = prompt_yaml(i, 2, rnd)
        bindings.append(f"  {pid}: {{version: 1{', rag: default' if i % 4 == 0 else ''}}}")
    out["environments/base.yaml"] = BASE_HEAD + "\n".join(bindings) + "\n"
    drift = [f"  p{i:05d}: {{version: 2}}" for i in range(0, n, 500)]
    out["environments/dev.yaml"] = 'extends: base\nops: {credentials: {openai: "${K_DEV}"}}\n'
    out["environments/staging.yaml"] = (
        "extends: base\nprompts:\n" + "\n".join(drift) + "\n"
        'ops: {credentials: {openai: "${K_STAGING}"}}\n'
    )
    out["environments/prod.yaml"] = 'extends: base\nops: {credentials: {openai: "${K_PROD}"}}\n'
    waivers = [
        f"""\
  - id: rollout-p{i:05d}
    envs: [staging, prod]
    path: prompts.p{i:05d}
    reason: v2 trial
    owner: team@acme.example
    expires: 2099-01-01"""
        for i in range(0, n, 1000)
    ]
    out["waivers.yaml"] = "waivers:\n" + "\n".join(waivers) + "\n" if waivers else "waivers: []\n"
    return out


REALISTIC_ENVS = ("dev", "qa", "staging", "prod", "prod-eu", "prod-us")
PARTIALS = {
    "tone.j2": "Write in plain, friendly English.\n",
    "safety.j2": "Never ask for passwords, card numbers or one-time codes.\n",
    "format.j2": "Use a numbered list only for instructions of three or more steps.\n",
}


def realistic(n: int, pairs: int, seed: int = 7) -> dict[str, str]:
    """The `realistic` profile (see the module docstring)."""
    rnd = random.Random(seed)
    if pairs == 15:
        parity = [[a, b] for i, a in enumerate(REALISTIC_ENVS) for b in REALISTIC_ENVS[i + 1 :]]
    else:
        parity = [["staging", "prod"], ["prod", "prod-eu"], ["prod", "prod-us"]]
    out = {
        "registry.yaml": f"environments: [{', '.join(REALISTIC_ENVS)}]\n"
        f"parity: {parity}\nwaivers: {{max_days: 36500}}\n".replace("'", ""),
    }
    out.update({f"prompts/_partials/{name}": text for name, text in PARTIALS.items()})
    bindings = []
    for i in range(n):
        pid = f"p{i:05d}"
        versions = 3 + i % 3
        for v in range(1, versions + 1):
            text = prompt_yaml(i, v, rnd)
            if i % 2:
                text = text.replace('{% include "tone.j2" %}', '{% include "safety.j2" %}')
            if i % 3 == 0:
                text = text.replace('{% include "tone.j2" %}', '{% include "format.j2" %}')
            out[f"prompts/{pid}/v{v}.yaml"] = text
        bindings.append(
            f"  {pid}: {{version: {versions - 1}{', rag: default' if i % 4 == 0 else ''}}}"
        )
    out["environments/base.yaml"] = BASE_HEAD + "\n".join(bindings) + "\n"
    for k, env in enumerate(REALISTIC_ENVS):
        head = "extends: prod\n" if env in ("prod-eu", "prod-us") else "extends: base\n"
        picked = [i for i in range(n) if (i * 7 + k * 13) % 10 == 0]  # 10% of the prompts
        overlay = [
            f"  p{i:05d}: {{params: {{max_tokens: {600 + (i + k) % 5 * 100}}}}}" for i in picked
        ]
        if env == "staging":  # the newest version, trialled in staging
            overlay += [f"  p{i:05d}: {{version: {3 + i % 3}}}" for i in range(0, n, 20)]
        out[f"environments/{env}.yaml"] = (
            head + "prompts:\n" + "\n".join(overlay) + "\n"
            f'ops: {{credentials: {{openai: "${{K_{env.upper().replace("-", "_")}}}"}}}}\n'
        )
    out["waivers.yaml"] = "waivers: []\n"
    return out


def _blob(data: bytes) -> bytes:
    return b"data %d\n" % len(data) + data + b"\n"


def fast_import(root: Path, tree: dict[str, str], commits: int, seed: int = 11) -> None:
    """A first commit with the whole registry, then `commits` small edits (prompt wording,
    bindings, params), as a team makes them."""
    rnd = random.Random(seed)
    stream = bytearray()
    when = int(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc).timestamp())

    def commit(msg: str, changes: dict[str, str]) -> None:  # chains on refs/heads/main
        nonlocal when
        when += 3600
        stream.extend(b"commit refs/heads/main\n")
        stream.extend(b"committer Bench <bench@example.com> %d +0000\n" % when)
        stream.extend(_blob(msg.encode()))
        for path, text in changes.items():
            stream.extend(b"M 100644 inline " + path.encode() + b"\n" + _blob(text.encode()))

    commit("registry", tree)
    prompt_files = [p for p in tree if p.startswith("prompts/p") and p.endswith("/v1.yaml")]
    envs = sorted(p[len("environments/") : -5] for p in tree if p.startswith("environments/"))
    envs = [e for e in envs if e != "base"]
    for k in range(commits):
        kind = rnd.random()
        if kind < 0.7:  # reword a prompt that is not yet published everywhere (new version)
            path = rnd.choice(prompt_files).replace("/v1.yaml", "/v3.yaml")
            tree[path] = tree[path.replace("/v3.yaml", "/v1.yaml")].replace(
                "Acme's", f"Acme's (rev {k})"
            )
            commit(f"reword {path}", {path: tree[path]})
        else:  # tune a param in an overlay
            env = rnd.choice(envs)
            path = f"environments/{env}.yaml"
            tree[path] = (
                tree[path].split("\nparams:")[0].rstrip("\n")
                + f"\nparams: {{max_tokens: {rnd.randint(500, 2000)}}}\n"
            )
            commit(f"tune {env}", {path: tree[path]})
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=bytes(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of prompts")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--profile", choices=("simple", "realistic"), default="simple")
    parser.add_argument("--pairs", type=int, choices=(3, 15), default=3, help="realistic only")
    args = parser.parse_args()
    name = f"reg{args.n}" if args.profile == "simple" else f"real{args.n}-p{args.pairs}"
    out = args.out or Path(__file__).parent / "out" / name
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=out, check=True)
    tree = files(args.n) if args.profile == "simple" else realistic(args.n, args.pairs)
    if args.commits:
        fast_import(out, dict(tree), args.commits)
    else:
        for rel, text in tree.items():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_text(text)
    size = sum(p.stat().st_size for p in out.rglob("*.yaml"))
    print(f"{out}: {args.n} prompts, {size / 1e6:.1f} MB of YAML, {args.commits} commits")


if __name__ == "__main__":
    main()
