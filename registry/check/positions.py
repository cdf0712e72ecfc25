"""Positions of large layers, kept in the file cache beside their analysis.

A 10,000-binding base layer has hundreds of thousands of values; their line and column are
needed only for a finding or an origin. They are written once, as sorted tables, and read back
by binary search (`_Sorted`), so a warm run never parses the layer again to point at a line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from json.encoder import encode_basestring_ascii as _ascii
from typing import Any

from registry.load.yaml import Document

EAGER_POSITIONS = 64 * 1024  # bytes: a layer this large keeps the positions of its first parse


class PositionStore:
    """Positions of one large file (an environment layer) in the file cache, next to its
    analysis: read only when a finding or a diff needs a position the anchors lack.

    A table is a sorted text file, one `<JSON of the path>\t<line>\t<col>` per line, under a
    header with its own hash: a lookup is a binary search over the bytes, so a run that needs
    three positions of a 20,000-position layer does not parse the other 19,997."""

    HEADER = b"registry-positions 2 "

    def __init__(self, disk: Any, key: tuple[str, str]) -> None:
        self.disk = disk
        self.key = key[0] + "-positions"  # one table per file: a new version replaces it
        self.content = key[1].encode()

    def load(self, table: str) -> Mapping[Any, tuple[int, int]] | None:
        """One table: "values" (where each value is) or "keys" (where each key is)."""
        import hashlib

        data = self.disk.get_bytes(f"{self.key}-{table}.tsv")
        if data is None or not data.startswith(self.HEADER):
            return None
        head, _, body = data.partition(b"\n")
        expected = self.content + b" " + hashlib.sha256(body).hexdigest().encode()
        if head[len(self.HEADER) :] != expected:
            return None  # another version of the file, or torn: parse the file again
        return _Sorted(body)

    def keep(self, doc: Document, size: int) -> None:
        """Store the positions of a layer just parsed (`doc` has them) when it is large and
        this process owns its shard: the next run that needs one of its positions finds it
        without parsing the layer again (a run after one changed prompt of a drifting unit
        took 0.8 s instead of 0.4 s, mostly parsing a 10,000-binding base layer once more)."""
        if size >= EAGER_POSITIONS and self.disk.owns(self.key):
            self.save(doc.positions, doc.key_positions)

    def save(
        self,
        positions: Mapping[Any, tuple[int, int]],
        key_positions: Mapping[Any, tuple[int, int]],
    ) -> None:
        import hashlib

        for table, name in ((positions, "values"), (key_positions, "keys")):
            lines = sorted(f"{_path_key(p)}\t{at[0]}\t{at[1]}\n" for p, at in table.items())
            body = "".join(lines).encode("ascii")
            digest = hashlib.sha256(body).hexdigest().encode()
            head = self.HEADER + self.content + b" " + digest + b"\n"
            self.disk.put_bytes(f"{self.key}-{name}.tsv", head + body)


def _path_key(path: Any) -> str:
    """Compact ASCII JSON of a path (text keys and list indexes), as `json.dumps` writes it;
    the C string encoder directly, as a table of a 10,000-binding layer holds 45,000 paths."""
    return "[" + ",".join(_ascii(p) if type(p) is str else str(p) for p in path) + "]"


class _Sorted(Mapping[Any, tuple[int, int]]):
    """A position table read back from the cache: path tuple -> (line, col), by binary
    search over sorted `key\tline\tcol` lines."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def _find(self, path: Any) -> tuple[int, int] | None:
        if not isinstance(path, tuple):
            return None
        key = _path_key(path).encode("ascii")
        body = self.body
        lo, hi = 0, len(body)  # byte range holding whole lines
        while lo < hi:
            mid = body.rfind(b"\n", lo, (lo + hi) // 2) + 1 or lo
            end = body.find(b"\n", mid, hi)
            end = hi if end < 0 else end
            name, _, rest = body[mid:end].partition(b"\t")
            if name == key:
                line, _, col = rest.partition(b"\t")
                return int(line), int(col)
            if name < key:
                lo = end + 1
            else:
                hi = mid
        return None

    def __getitem__(self, path: Any) -> tuple[int, int]:
        found = self._find(path)
        if found is None:
            raise KeyError(path)
        return found

    def __contains__(self, path: object) -> bool:
        return self._find(path) is not None

    def __iter__(self) -> Iterator[Any]:
        for line in self.body.splitlines():
            yield tuple(json.loads(line.partition(b"\t")[0]))

    def __len__(self) -> int:
        return self.body.count(b"\n")
