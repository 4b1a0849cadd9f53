"""When an automatic answer may be sent, and to whom (RFC 3834); pure rules, no I/O.

An answer goes to the envelope sender (`Return-Path`) only, never to `Reply-To` or `From`,
which anyone can set to a third party's address; never to the null sender (`<>`, bounces),
to robots (`Auto-Submitted`, `Precedence: bulk`, list mail, auto-replies) or to ourselves;
and at most once per address and business day, which the caller enforces with `answer_key`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Collection
from email.utils import parseaddr

#: `Precedence` values of mail no one must answer automatically.
ROBOT_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
#: Headers whose mere presence marks a mail not to be answered (lists, auto-replies, and
#: Microsoft's request to suppress automatic responses).
ROBOT_HEADERS = ("List-Id", "X-Autoreply", "X-Auto-Response-Suppress")
#: Local parts of addresses that belong to mail systems and lists, not to people.
ROBOT_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster", "noreply", "no-reply", "listserv", "majordomo"})


def is_automatic(header: Callable[[str], str | None], content_type: str) -> bool:
    """Return whether a mail with these headers (`header(name)`, None when absent) is from a robot."""
    auto = (header("Auto-Submitted") or "no").split(";")[0].strip().lower()
    precedence = (header("Precedence") or "").strip().lower()
    return (
        auto != "no"
        or precedence in ROBOT_PRECEDENCE
        or any(header(name) is not None for name in ROBOT_HEADERS)
        or content_type == "multipart/report"  # delivery and read reports
    )


def is_robot_address(address: str) -> bool:
    """Return whether `address` is a mail system's or a list's (owner-x, x-request, postmaster)."""
    local = address.rpartition("@")[0].lower()
    return local in ROBOT_LOCAL_PARTS or local.startswith("owner-") or local.endswith("-request")


def envelope_sender(return_path: str | None) -> str | None:
    """Return the address of a `Return-Path` value, or None for none and for the null sender `<>`."""
    if not return_path:
        return None
    _, address = parseaddr(return_path)
    address = address.strip().lower()
    return address if "@" in address and not any(c.isspace() for c in address) else None


def answer_address(
    *, return_path: str | None, sender: str | None, automatic: bool, ours: Collection[str]
) -> str | None:
    """Return the address an automatic answer may go to, or None when none may be sent.

    `ours` are this service's own addresses, lower case: compared exactly, so that
    `voices@example.com` is not taken for `invoices@example.com`.
    """
    to = envelope_sender(return_path)
    if automatic or to is None or is_robot_address(to):
        return None
    if to in ours or (sender is not None and sender.lower() in ours):
        return None  # never answer ourselves: mail loops
    return to


def answer_key(address: str, today: dt.date) -> str:
    """Return the idempotency key of the one answer `address` may get on business day `today`."""
    digest = hashlib.sha256(address.lower().encode()).hexdigest()[:32]
    return f"mail.answer:{today.isoformat()}:{digest}"


def own_addresses(*addresses: str | None) -> frozenset[str]:
    """Return the plain, lower-case addresses among `addresses` ("Name <a@b>" gives "a@b")."""
    found = set()
    for value in addresses:
        _, address = parseaddr(value or "")
        if "@" in address:
            found.add(address.strip().lower())
    return frozenset(found)
