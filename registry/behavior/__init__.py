"""What models do, checked before users see it: golden evals bound to unit fingerprints
(`registry eval`, receipts, EVAL001-004) and behavior canaries that catch a model re-trained
behind a pinned id (`registry canary`, history, CANARY001-002). `send` is the only module
that calls a provider; `gate` reads committed files for `check` and never calls one."""
