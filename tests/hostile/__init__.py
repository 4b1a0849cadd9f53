"""Broken and malicious documents and mails, generated from a seed (no binaries in the repository).

`files(seed)` and `mails(seed)` each return a list of `Case`: what a stranger might send, and what
the service must answer. The same seed gives the same bytes, so a failure can be replayed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile input and the outcome the service must reach with it."""

    name: str
    data: bytes
    #: What it is, for a failure message.
    kind: str
    #: Fragments of which one must appear in the reason it is refused with; empty when any
    #: clear reason will do.
    reasons: tuple[str, ...] = ()
    #: "refused" (the default), "read" (a good invoice), or "either" (damage a PDF's repair
    #: may survive: read, or refused with one of `reasons`).
    expect: str = "refused"
