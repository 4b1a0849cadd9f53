"""Memos for one document: pure functions of a text that the rules call on the same lines and
cells again and again (amounts, IBANs), each text worked out once per document.

They hold results only while `one_document()` runs: no document is read faster for what an
earlier one printed, and none keeps another's text in memory. A memo only ever gives what the
function itself gives, so one emptied early (another thread's document ending) costs time, never
a different answer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_MEMOS: list[Any] = []
_reading = False


def per_document(function: F) -> F:
    """Return `function` remembering its results while a document is read (`one_document`);
    outside one, it works each out afresh."""
    memo = lru_cache(maxsize=4096)(function)
    _MEMOS.append(memo)

    @functools.wraps(function)
    def remembered(*args: Any) -> Any:
        return memo(*args) if _reading else function(*args)

    return remembered  # type: ignore[return-value]


@contextmanager
def one_document() -> Iterator[None]:
    """Read one document in the body, with the memos empty at its start and emptied after it."""
    global _reading
    _forget()
    _reading = True
    try:
        yield
    finally:
        _reading = False
        _forget()


def _forget() -> None:
    for memo in _MEMOS:
        memo.cache_clear()
