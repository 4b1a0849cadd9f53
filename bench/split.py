"""The fixed split of the evaluation corpus into an in-sample part and a held-out part.

Rules may be written while looking at in-sample documents only; the held-out part is measured and
reported on its own, and nobody reads its documents' text while writing rules. The split rule:
within each kind, the documents are ranked by the SHA-256 of `SALT` + their file name, and the
first `HELD_OUT_SHARE` of them (rounded up) are held out. It depends on nothing but the names, so
it stays the same on every machine and as long as the corpus keeps its files.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from typing import Protocol

SALT = "invoicebot-held-out-v1:"
HELD_OUT_SHARE = 0.35
IN_SAMPLE = "in-sample"
HELD_OUT = "held-out"
GENERATED = "generated"


class _Doc(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def path(self) -> object: ...


def _rank(name: str) -> str:
    return hashlib.sha256((SALT + name).encode()).hexdigest()


def _name(doc: _Doc) -> str:
    return str(doc.path).replace("\\", "/").rsplit("/", 1)[-1]


def held_out_names(docs: Iterable[_Doc]) -> frozenset[str]:
    """Return the file names of the held-out documents among `docs` (the whole corpus)."""
    by_kind: dict[str, list[str]] = {}
    for doc in docs:
        by_kind.setdefault(doc.kind, []).append(_name(doc))
    held: set[str] = set()
    for names in by_kind.values():
        ranked = sorted(names, key=_rank)
        held.update(ranked[: math.ceil(HELD_OUT_SHARE * len(ranked))])
    return frozenset(held)


def split_docs(docs: Sequence[_Doc]) -> dict[str, list[_Doc]]:
    """Return the documents as {IN_SAMPLE: [...], HELD_OUT: [...]}, each in the given order."""
    held = held_out_names(docs)
    parts: dict[str, list[_Doc]] = {IN_SAMPLE: [], HELD_OUT: []}
    for doc in docs:
        parts[HELD_OUT if _name(doc) in held else IN_SAMPLE].append(doc)
    return parts
