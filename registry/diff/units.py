"""Diff: behavior differences between two resolved environments.

Fingerprints are compared first; only units that differ are diffed field by field (deepdiff,
imported here and only here). Prompt text differences come as a unified diff with invisible
characters made visible.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Any

from registry.check.schema import dotted
from registry.common.textsafe import visible_text
from registry.resolve.fingerprint import UNIT_FIELDS
from registry.resolve.units import Environment, Origin, Unit


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"

    def __reduce__(self) -> str:
        return "ABSENT"  # unpickles as this module's ABSENT: `is ABSENT` holds across processes


ABSENT: Any = _Absent()


@dataclasses.dataclass
class Difference:
    """One field that differs in one unit (field "" means the whole unit)."""

    prompt: str
    field: str
    a: Any
    b: Any
    origin_a: Origin | None
    origin_b: Origin | None
    text_diff: list[str] | None = None
    keys: tuple[Any, ...] = ()  # the field as a key path (for origins); () for the whole unit

    @property
    def path(self) -> str:
        return f"prompts.{self.prompt}" + (f".{self.field}" if self.field else "")


@dataclasses.dataclass
class UnitDiff:
    prompt: str
    status: str  # "changed", "only_a" or "only_b"
    fp_a: str | None
    fp_b: str | None
    differences: list[Difference]


def visible(text: str) -> str:
    """Make invisible characters visible as escapes (`\\u200b`), keeping newlines."""
    return visible_text(text)


def text_diff(a: str, b: str, label_a: str, label_b: str) -> list[str]:
    """A unified diff of two texts, invisible characters shown, secret shapes masked first (a
    diff shows a few lines of a text: a private key's body must not be among them)."""
    from registry.common.redact import Redactor

    mask = Redactor()
    lines_a = visible(mask(a)).splitlines()
    lines_b = visible(mask(b)).splitlines()
    return list(difflib.unified_diff(lines_a, lines_b, label_a, label_b, lineterm="", n=2))


def diff_units(
    name_a: str,
    ua: Unit | None,
    name_b: str,
    ub: Unit | None,
    known: UnitDiff | None = None,
) -> UnitDiff | None:
    """None when both sides have the unit with the same fingerprint. `known`: an earlier diff
    of this unit; when both fingerprints are still the same, its field differences hold (the
    fingerprints cover every field) and only the origins are looked up again."""
    if ua is not None and ub is not None and ua.fingerprint == ub.fingerprint:
        return None
    if (
        known is not None
        and ua is not None
        and ub is not None
        and known.status == "changed"
        and (known.fp_a, known.fp_b) == (ua.fingerprint, ub.fingerprint)
    ):
        return _relocated(known, ua, ub)
    if ua is None or ub is None:
        unit = ua or ub
        assert unit is not None
        side = "only_a" if ua is not None else "only_b"
        origin = unit.origin(("version",))
        diff = Difference(
            unit.prompt,
            "",
            unit.version if ua else ABSENT,
            unit.version if ub else ABSENT,
            origin if ua else None,
            origin if ub else None,
        )
        return UnitDiff(
            unit.prompt,
            side,
            ua.fingerprint if ua else None,
            ub.fingerprint if ub else None,
            [diff],
        )
    return UnitDiff(
        ua.prompt, "changed", ua.fingerprint, ub.fingerprint, _fields(name_a, ua, name_b, ub)
    )


def _relocated(known: UnitDiff, ua: Unit, ub: Unit) -> UnitDiff:
    return UnitDiff(
        known.prompt,
        known.status,
        known.fp_a,
        known.fp_b,
        [
            dataclasses.replace(
                d,
                origin_a=ua.origin(d.keys) if d.a is not ABSENT else None,
                origin_b=ub.origin(d.keys) if d.b is not ABSENT else None,
            )
            for d in known.differences
        ],
    )


def _fields(name_a: str, ua: Unit, name_b: str, ub: Unit) -> list[Difference]:
    """The field differences of two units, top-level field by field: a field equal on both
    sides is skipped (most drifting units differ in one small field, such as
    `params`, and share their prompt text), and the changes of a differing field depend only
    on its two values, so each distinct pair of values is diffed once (`_changes`); the
    unit's own origins and labels are put on them here."""
    out = []
    behavior_a, behavior_b = ua.behavior(), ub.behavior()
    for name in UNIT_FIELDS:
        value_a, value_b = behavior_a[name], behavior_b[name]
        if value_a == value_b:  # (DeepDiff, numeric types ignored, sees no change either)
            continue
        for path, a, b, lines in _changes(name, value_a, value_b):
            diff = Difference(
                ua.prompt,
                dotted(path),
                a,
                b,
                ua.origin(path) if a is not ABSENT else None,
                ub.origin(path) if b is not ABSENT else None,
                keys=path,
            )
            if lines is not None:
                diff.text_diff = relabelled_text(lines, name_a, name_b, diff.path)
            out.append(diff)
    return sorted(out, key=lambda d: (_order(d.field), repr(d.keys)))


Change = tuple[tuple[Any, ...], Any, Any, "list[str] | None"]  # path, a, b, text diff lines
_CHANGES: dict[tuple[str, bytes], list[Change]] = {}
_CHANGES_MAX = 20_000


def _changes(field: str, value_a: Any, value_b: Any) -> list[Change]:
    """DeepDiff of one field's two values (numeric types ignored), as paths from the unit,
    with a unified diff of long or multi-line texts; memoized by the two values exactly as
    they are (`1` and `1.0` apart, so a memoized change shows what this unit has)."""
    import hashlib
    import json

    key: tuple[str, bytes] | None = None
    try:
        dumps = json.dumps([value_a, value_b], sort_keys=True, ensure_ascii=False)
        key = (
            field,
            hashlib.blake2b(dumps.encode("utf-8", "surrogatepass"), digest_size=20).digest(),
        )
    except (TypeError, ValueError):  # not JSON as it stands: diffed, not memoized
        pass
    if key is not None and key in _CHANGES:
        return _CHANGES[key]
    from deepdiff import DeepDiff

    tree = DeepDiff(
        value_a,
        value_b,
        view="tree",
        threshold_to_diff_deeper=0,
        ignore_numeric_type_changes=True,
        verbose_level=2,
    )
    out: list[Change] = []
    for levels in tree.values():
        for level in levels:
            path = (field, *level.path(output_format="list"))
            a = ABSENT if _missing(level.t1) else level.t1
            b = ABSENT if _missing(level.t2) else level.t2
            lines = None
            if isinstance(a, str) and isinstance(b, str) and ("\n" in a + b or len(a + b) > 120):
                label = dotted(path)
                lines = text_diff(a, b, f"a:{label}", f"b:{label}")
            out.append((path, a, b, lines))
    if key is not None:
        if len(_CHANGES) >= _CHANGES_MAX:
            _CHANGES.clear()
        _CHANGES[key] = out
    return out


def _missing(value: Any) -> bool:
    return type(value).__name__ == "NotPresent"


def _order(field: str) -> tuple[int, str]:
    head = field.split(".")[0].split("[")[0]
    return (UNIT_FIELDS.index(head) if head in UNIT_FIELDS else 99, field)


Memo = dict[tuple[str, str], tuple[str, str, "UnitDiff"]]  # (fp_a, fp_b) -> labels, diff


def diff_environments(
    a: Environment,
    b: Environment,
    labels: tuple[str, str] | None = None,
    known: dict[str, UnitDiff] | None = None,
    memo: Memo | None = None,
) -> tuple[list[str], list[UnitDiff]]:
    """(prompt ids equal on both sides, unit diffs) — fingerprints first, then fields
    (`known`: earlier diffs by prompt, reused while both fingerprints are unchanged). A unit
    diff depends only on its two fingerprints: with `memo` (shared by the parity pairs of a
    run), each distinct pair of fingerprints is diffed once, and other pairs with the same
    two units take its differences with their own origins and labels."""
    equal: list[str] = []
    diffs: list[UnitDiff] = []
    label_a, label_b = labels or (a.name, b.name)
    known = known or {}
    for pid in sorted(set(a.prompts) | set(b.prompts)):
        ua, ub = a.prompts.get(pid), b.prompts.get(pid)
        earlier = known.get(pid)
        seen = memo.get((ua.fingerprint, ub.fingerprint)) if memo and ua and ub else None
        if earlier is None and seen is not None:
            earlier = _relabelled(seen, label_a, label_b)
        d = diff_units(label_a, ua, label_b, ub, earlier)
        if d is None:
            equal.append(pid)
            continue
        diffs.append(d)
        if memo is not None and d.status == "changed" and d.fp_a and d.fp_b:
            memo.setdefault((d.fp_a, d.fp_b), (label_a, label_b, d))
    return equal, diffs


def _relabelled(seen: tuple[str, str, UnitDiff], label_a: str, label_b: str) -> UnitDiff:
    """A diff made for another pair of environments, its text diffs' headers renamed."""
    was_a, was_b, diff = seen
    if (was_a, was_b) == (label_a, label_b):
        return diff
    out = []
    for d in diff.differences:
        if d.text_diff is not None:
            d = dataclasses.replace(
                d, text_diff=relabelled_text(d.text_diff, label_a, label_b, d.path)
            )
        out.append(d)
    return dataclasses.replace(diff, differences=out)


def text_headers(label_a: str, label_b: str, path: str) -> list[str]:
    """The first two lines of a text diff: the two sides' labels and the field's path."""
    return [f"--- {label_a}:{path}", f"+++ {label_b}:{path}"]


def relabelled_text(lines: list[str], label_a: str, label_b: str, path: str) -> list[str]:
    """A text diff under the headers of these labels and path (an empty one stays empty)."""
    return text_headers(label_a, label_b, path) + lines[2:] if len(lines) >= 2 else list(lines)


def plain(value: Any) -> Any:
    """A field value as JSON has it (an absent field is null)."""
    return None if value is ABSENT else value
