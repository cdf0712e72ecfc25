"""An app's inputs against a prompt's `variables` schema, before every render (in the resolved
registry and in a deployed artifact alike)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry.common.errors import InputError, RenderError


def check_inputs(variables: Mapping[str, Any], inputs: Mapping[str, Any]) -> None:
    """Raise InputError naming the variable when inputs do not fit the `variables` schema (a
    schema that cannot validate, which `registry check` reports, is a RenderError)."""
    from jsonschema import Draft202012Validator

    try:
        errors = sorted(
            Draft202012Validator(variables).iter_errors(dict(inputs)),
            key=lambda e: list(map(str, e.absolute_path)),
        )
    except Exception as exc:  # noqa: BLE001 - UnknownType, re.error, an unresolvable $ref...
        raise RenderError(f"variables is not a schema that can validate: {exc}") from None
    if not errors:
        return
    err = errors[0]
    if err.validator == "required":
        missing = [k for k in err.validator_value if k not in err.instance]
        raise InputError(f"missing input {', '.join(map(repr, missing))}")
    name = ".".join(str(p) for p in err.absolute_path) or "(inputs)"
    raise InputError(f"input {name!r}: {err.message}")
