"""Behavior gates: golden evals bound to unit fingerprints, and canaries that catch a model
re-trained behind a pinned id. Enforced by `registry.behavior.gate` from committed files
(datasets, receipts, canary history); `check` never calls a model. `registry eval ENV` and
`registry canary ENV` make the receipts and the history (docs/format.md).

## EVAL001 — a unit in an `evals.required` environment has no accepted receipt
Where `registry.yaml` says `evals: {required: [prod]}`, every prod unit with an eval set needs a
receipt for its exact unit fingerprint and dataset digest. A receipt made in staging counts in
prod when the unit is the same there: an unchanged promotion needs no second run. Changing the
prompt, the model or any behavior setting, or the dataset, needs a new run. Part of the merge
gate: always an error in `check`, never selected away.

Bad (prod's unit changed, no receipt for its new fingerprint):
```yaml
# prompts/support-answer/v3.yaml
evals: {dataset: evals/support-answer.jsonl, accept: {pass_rate: 0.9}}
```
Good:
```console
$ registry eval staging --prompt support-answer    # writes evals/receipts/support-answer/<fp>.json
$ git add evals/receipts && git commit -m "eval receipt for support-answer v3"
```

## EVAL002 — the receipt for that fingerprint was not accepted
The golden set ran and missed the acceptance criteria (`pass_rate`, default 1.0;
`p95_latency_s`; `usd_per_call`). The gate re-judges the receipt's summary against the prompt's
current criteria, so tightening them fails an old receipt, and loosening them (reviewed in the
pull request) can accept one. The message names the criteria and the failing cases. A gate
code: always an error in `check`.

Bad (a receipt whose summary says):
```json
{"summary": {"cases": 3, "passed": 2, "pass_rate": 0.6667}, "accepted": false}
```
Good: fix the prompt (or the case, if the case was wrong), run `registry eval` again, commit
the new receipt:
```json
{"summary": {"cases": 3, "passed": 3, "pass_rate": 1.0}, "accepted": true}
```

## EVAL003 — a dataset line is not a valid case
Each line of a dataset is one JSON object: `id`, `inputs` (checked against the prompt's
`variables`, as an app's inputs are), and a non-empty `assert` list of known types
(`equals`, `contains`, `icontains`, `not-contains`, `regex`, `starts-with`, `is-json`,
`json-schema`, `max-length`, `tool-call`, `latency`, `cost`). Reported at the line and column,
in `validate` and `check`, before any call is paid for.

Bad:
```json
{"id": "reset", "inputs": {"question": "How do I reset?"}, "assert": [{"type": "contain", "value": "10"}]}
```
Good:
```json
{"id": "reset", "inputs": {"question": "How do I reset?", "passages": ["Hold 10 s."]}, "assert": [{"type": "contains", "value": "10"}]}
```

## EVAL004 — a receipt that matches no unit of any environment
Receipts are filed by unit fingerprint; once no environment binds that config any more, the
receipt only misleads a reader. Delete it (git keeps it).

Bad:
```text
evals/receipts/support-answer/0f3a…json    # the unit of an edit that was reverted
```
Good:
```console
$ git rm evals/receipts/support-answer/0f3a…json
```

## CANARY001 — a model's behavior changed while its id did not
`registry canary ENV --record` appends each model's behavior features (JSON key order, number
format, refusal, length bucket, tool-call argument serialization; majority over K samples at
temperature 0) to `canary/history/<env>.jsonl`. When a record's features differ from the
model's baseline (its first record, or the last one a person accepted), the provider changed
the model behind the pinned id. Review what moved (run the golden sets), then accept the new
behavior as the baseline: `registry canary ENV --record --accept`, committed with the reason.
Re-recording without `--accept` does not silence it.

Bad (`canary/history/prod.jsonl`):
```json
{"at": "2026-11-01T06:00:00Z", "model": "openai/gpt-5.4-2026-03-05", "fingerprint": "sha256:1d…", "features": {"json.key_order": "name,age,city"}}
{"at": "2026-12-01T06:00:00Z", "model": "openai/gpt-5.4-2026-03-05", "fingerprint": "sha256:9e…", "features": {"json.key_order": "age,city,name"}}
```
Good (reviewed and accepted):
```json
{"at": "2026-12-01T09:30:00Z", "model": "openai/gpt-5.4-2026-03-05", "fingerprint": "sha256:9e…", "features": {"json.key_order": "age,city,name"}, "accepted": true}
```

## CANARY002 — the same model id behaves differently across a parity pair
Both environments of a parity pair recorded the model within `canary.max_age_days` (default 7)
and their features differ: the same id is served differently (another gateway, region or
deployment behind `ops.endpoints`). The config gate cannot see this; the canary can.

Bad:
```yaml
# environments/staging.yaml          # environments/prod.yaml
ops: {endpoints: {openai: "https://gw-eu.acme.example/v1"}}   # vs https://gw-us.acme.example/v1, an older deployment
```
Good: both environments reach the same deployment, and their latest records agree.
```yaml
ops: {endpoints: {openai: "https://gw.acme.example/v1"}}
```
"""

from __future__ import annotations

CODES = ("EVAL001", "EVAL002", "EVAL003", "EVAL004", "CANARY001", "CANARY002")
