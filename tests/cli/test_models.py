"""`registry models`: what the catalog knows of an id, for people deciding on an upgrade."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from registry.cli import app
from registry.models import catalog
from tests.helpers import write_registry

runner = CliRunner()


def test_models_describes_ids_from_the_data() -> None:
    result = runner.invoke(app, ["models", "openai/gpt-4o-2024-08-06", "acme/x", "-f", "json"])
    assert result.exit_code == 0, result.output
    gpt, acme = json.loads(result.stdout)["models"]
    assert gpt["pinned"] is True and gpt["why"].startswith("OpenAI: a dated snapshot")
    assert (gpt["context_window"], gpt["max_output"]) == (128000, 16384)
    assert (gpt["retires"], gpt["successor"]) == ("2027-01-14", "openai/gpt-6-luna")
    assert gpt["tokenizer"] == "o200k_base"
    assert acme["pinned"] is None and acme["known"] is False
    text = runner.invoke(app, ["models", "anthropic/claude-sonnet-4-5"]).stdout
    meta = catalog.meta()
    assert text.startswith(f"catalog: {meta['source']}, data of {meta['date']}")
    assert "floating (Anthropic: a dateless name before Claude 4.6 is an alias)" in text
    assert "retires: 2026-11-30" in text and "tokens: estimate" in text


def test_models_without_ids_lists_what_the_registry_names(reg_root: Path) -> None:
    write_registry(
        reg_root,
        {
            "registry.yaml": "environments: [dev, staging, prod]\nmodels:\n"
            "  azure/support-prod: {model: openai/gpt-5.4-2026-03-05}\n",
            "environments/prod.yaml": "extends: base\nmodels: {chat: azure/support-prod}\n",
        },
    )
    result = runner.invoke(app, ["models", "--root", str(reg_root), "-f", "json"])
    rows = {r["id"]: r for r in json.loads(result.stdout)["models"]}
    assert set(rows) >= {"openai/gpt-5.4-2026-03-05", "azure/support-prod"}
    azure = rows["azure/support-prod"]
    assert azure["pinned"] is True and azure["runs"] == "openai/gpt-5.4-2026-03-05"
    assert azure["context_window"] == rows["openai/gpt-5.4-2026-03-05"]["context_window"]
    assert azure["tokenizer"] == "o200k_base"
