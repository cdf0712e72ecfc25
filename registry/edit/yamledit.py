"""Edits of a YAML file in place that touch only what they change (for `promote`).

ruamel.yaml keeps comments, order and quoting, but re-emits every scalar: a `"caf\\u00e9"` two
sections away comes back as `"café"`, a reviewer sees a line change nobody made, and a later
`git blame` points at the promotion. So the edit is made with ruamel.yaml, and then every
mapping entry that no edit reaches is put back as the original lines of the file, key by key,
down the paths the edits take. The result must load to exactly what ruamel.yaml produced, or
ruamel.yaml's text is used as it is.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

Path = tuple[Any, ...]


def edit(text: str, paths: list[Path], apply: Callable[[Any, Any], None]) -> str:
    """`text` with `apply(data, CommentedMap)` done to its round-trip tree; only the entries
    on `paths` (the edited keys) are written anew."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(text) or CommentedMap()
    apply(data, CommentedMap)
    out = io.StringIO()
    yaml.dump(data, out)
    emitted = out.getvalue()
    try:
        kept = _restore(yaml, text, emitted, paths)
    except Exception:  # noqa: BLE001 - an unusual layout: ruamel.yaml's text, as it is
        return emitted
    return kept if kept is not None else emitted


def _restore(yaml: Any, before: str, after: str, paths: list[Path]) -> str | None:
    from registry.load.yaml import load_text

    tree_b, tree_a = yaml.load(before), yaml.load(after)
    if not _block(tree_b) or not _block(tree_a):
        return None
    lines_b, lines_a = before.splitlines(True), after.splitlines(True)
    body = _merge(tree_b, tree_a, lines_b, lines_a, (0, len(lines_b)), (0, len(lines_a)), (), paths)
    text = "".join(body)
    want, _ = load_text(after, "edit.yaml")
    got, _ = load_text(text, "edit.yaml")
    return text if got.data == want.data and got.data is not None else None


def _block(node: Any) -> bool:
    """A block-style mapping (a flow mapping `{…}` is written whole)."""
    from ruamel.yaml.comments import CommentedMap

    return isinstance(node, CommentedMap) and not node.fa.flow_style() and len(node) > 0


def _spans(node: Any, end: int) -> dict[Any, tuple[int, int]]:
    """Lines [start, stop) of each entry: from its key's line to the next key's line."""
    keys = list(node)
    starts = [node.lc.key(k)[0] for k in keys]
    return {
        k: (s, (starts[i + 1] if i + 1 < len(keys) else end))
        for i, (k, s) in enumerate(zip(keys, starts, strict=True))
    }


def _touched(path: Path, paths: list[Path]) -> bool:
    return any(p[: len(path)] == path or path[: len(p)] == p for p in paths)


def _deeper(path: Path, paths: list[Path]) -> bool:
    """Every edit that touches `path` is strictly below it (so its entry can be merged)."""
    near = [p for p in paths if p[: len(path)] == path or path[: len(p)] == p]
    return bool(near) and all(len(p) > len(path) and p[: len(path)] == path for p in near)


def _merge(
    b: Any,
    a: Any,
    lines_b: list[str],
    lines_a: list[str],
    range_b: tuple[int, int],
    range_a: tuple[int, int],
    path: Path,
    paths: list[Path],
) -> list[str]:
    spans_b, spans_a = _spans(b, range_b[1]), _spans(a, range_a[1])
    first_a = min((s for s, _ in spans_a.values()), default=range_a[1])
    first_b = min((s for s, _ in spans_b.values()), default=range_b[1])
    out = lines_b[range_b[0] : first_b] if b else lines_a[range_a[0] : first_a]
    for key in a:
        here = (*path, key)
        start_a, stop_a = spans_a[key]
        if key in b and not _touched(here, paths):
            out += lines_b[slice(*spans_b[key])]
        elif (
            key in b
            and _deeper(here, paths)
            and _block(b[key])
            and _block(a[key])
            and b.lc.key(key)[0] < b[key].lc.key(next(iter(b[key])))[0]
            and a.lc.key(key)[0] < a[key].lc.key(next(iter(a[key])))[0]
        ):
            start_b, stop_b = spans_b[key]
            out += lines_b[start_b : start_b + 1]  # the key's own line, as it was
            out += _merge(
                b[key],
                a[key],
                lines_b,
                lines_a,
                (start_b + 1, stop_b),
                (start_a + 1, stop_a),
                here,
                paths,
            )
        else:
            out += lines_a[start_a:stop_a]
    return out
