"""Memos for one document: pure functions of a text that the rules call on the same lines and
cells again and again (amounts, IBANs), each text worked out once per document.

`start_document` empties every memo, so that no document is read faster for what an earlier one
printed, and the memos stay small.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_MEMOS: list[Any] = []


def per_document(function: F) -> F:
    """Return `function` remembering its results until the next `start_document`."""
    memo = lru_cache(maxsize=4096)(function)
    _MEMOS.append(memo)
    return memo  # type: ignore[return-value]


def start_document() -> None:
    """Forget every result: a new document is read."""
    for memo in _MEMOS:
        memo.cache_clear()
