"""Writes through the HTTP API that a client may retry: the `Idempotency-Key` of each is kept with
what it made, in the write's own transaction, so the same key again answers with that outcome
instead of issuing (or booking) twice. Keys belong to the token that used them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from invoicing.clock import Clock
from invoicing.db.models import ApiRequest
from invoicing.errors import InvoicingError

MAX_KEY_LENGTH = 200


class KeyReused(InvoicingError):
    """The key was used before for a different request: the client has a bug, nothing is done."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was used before for a different request; use a new key")
        self.key = key


class InvalidKey(InvoicingError):
    """An Idempotency-Key that is empty, too long or not printable ASCII."""


def check_key(key: str) -> str:
    """Return the key; raise `InvalidKey` unless it is 1-200 printable ASCII characters."""
    if not key or len(key) > MAX_KEY_LENGTH or not all(" " < c <= "~" for c in key):
        raise InvalidKey(f"Idempotency-Key: 1 to {MAX_KEY_LENGTH} printable ASCII characters without spaces")
    return key


def request_hash(*parts: str | bytes) -> str:
    """Return the fingerprint of a request (method, path, query, body...), each part delimited."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def earlier(session: Session, token_name: str, key: str, fingerprint: str) -> dict[str, Any] | None:
    """Return what the first request with this key made, or None when the key is new.

    Raises `KeyReused` when that request was a different one.
    """
    query = select(ApiRequest).where(ApiRequest.token_name == token_name, ApiRequest.idempotency_key == key)
    found = session.execute(query).scalar()
    if found is None:
        return None
    if found.request_hash != fingerprint:
        raise KeyReused(key)
    return dict(found.result)


def remember(
    session: Session, clock: Clock, token_name: str, key: str, fingerprint: str, result: dict[str, Any]
) -> None:
    """Keep the key with what the request made, in the caller's transaction.

    Two requests with one key at once: the second's insert meets the unique key and its
    transaction fails (`IntegrityError`), undoing its write; tried again, it finds the first.
    """
    session.add(ApiRequest(token_name=token_name, idempotency_key=key, request_hash=fingerprint, result=result,
                           created_at=clock.now()))  # fmt: skip
    session.flush()
