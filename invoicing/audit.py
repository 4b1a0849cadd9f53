"""The append-only audit trail: one event per state change, each chained to the one before by hash.

Editing or removing an event breaks the chain, and `verify_chain` says where. Whoever can write
the database could rebuild a plain SHA-256 chain, so with an audit key (`INVOICEBOT_AUDIT_KEY`)
each new event is sealed with HMAC-SHA256 instead, which nobody without the key can forge; and
the chain's head (`invoicebot audit head`), kept somewhere else, proves later that nothing up to
it changed (`audit verify --head`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from invoicing.clock import Clock
from invoicing.db.models import AuditEvent

GENESIS = "0" * 64
#: Arbitrary constant: the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK = 0x1A0D17


def to_jsonable(value: Any) -> Any:
    """Return `value` with Decimals, dates and enums as strings, ready for a JSON column."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


#: The key `Database` puts into every session's `info` when an audit key is configured.
KEY_INFO = "audit_key"


def _canonical(prev_hash: str, event: AuditEvent) -> bytes:
    body = {
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "before": event.before,
        "after": event.after,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (prev_hash + canonical).encode()


def _digest(prev_hash: str, event: AuditEvent, key: bytes | None = None) -> str:
    """Return the event's chain hash: HMAC-SHA256 with the audit key, plain SHA-256 without."""
    message = _canonical(prev_hash, event)
    if key:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def record(
    session: Session,
    clock: Clock,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event to the chain inside the caller's transaction and return it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    last = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    prev_hash = last or GENESIS
    event = AuditEvent(
        at=clock.now(),
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=to_jsonable(before) if before is not None else None,
        after=to_jsonable(after) if after is not None else None,
        prev_hash=prev_hash,
    )
    event.hash = _digest(prev_hash, event, session.info.get(KEY_INFO))
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True, slots=True)
class ChainReport:
    events: int
    #: (event id, what is wrong) for each break found; empty when the chain is intact.
    problems: tuple[tuple[int, str], ...]
    #: Events sealed with the audit key.
    keyed: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class Head:
    """The newest event of the chain: keep "id:hash" elsewhere to prove later nothing before it changed."""

    event_id: int
    hash: str

    def __str__(self) -> str:
        return f"{self.event_id}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        event_id, _, digest = text.strip().partition(":")
        if not event_id.isdigit() or len(digest) != 64:
            raise ValueError(f"not an audit head: {text!r} (it looks like 1234:<64 hex digits>)")
        return cls(int(event_id), digest.lower())


def _events(session: Session) -> Iterator[AuditEvent]:
    yield from session.execute(select(AuditEvent).order_by(AuditEvent.id)).yield_per(500).scalars()


def head(session: Session) -> Head | None:
    """Return the newest event of the chain, or None while the trail is empty."""
    row = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return Head(int(row.id), row.hash) if row else None


def verify_chain(session: Session, key: bytes | None = None, head: Head | None = None) -> ChainReport:
    """Return how many events the trail has and every place where the hash chain is broken.

    With `key`, once an event is sealed with it every later one must be: an event appended or
    rewritten without the key is reported. With `head`, the event it names must still carry its
    hash, which proves that nothing up to it was changed, even by someone who rebuilt the chain.
    """
    problems: list[tuple[int, str]] = []
    expected_prev = GENESIS
    count = keyed = 0
    head_seen = False
    for event in _events(session):
        count += 1
        if event.prev_hash != expected_prev:
            problems.append((event.id, "does not follow the event before it (one removed or inserted?)"))
        if key and _digest(event.prev_hash, event, key) == event.hash:
            keyed += 1
        elif _digest(event.prev_hash, event) != event.hash:
            problems.append((event.id, "content does not match its hash (edited?)"))
        elif keyed:
            problems.append((event.id, "not sealed with the audit key, after events that are (forged?)"))
        if head is not None and event.id == head.event_id:
            head_seen = True
            if event.hash != head.hash:
                problems.append((event.id, "differs from the head kept earlier: the chain up to it was rebuilt"))
        expected_prev = event.hash
    if head is not None and not head_seen:
        problems.append((head.event_id, "the event of the head kept earlier is missing"))
    if key and count and not keyed:
        problems.append((0, "an audit key is set, but no event is sealed with it"))
    return ChainReport(events=count, problems=tuple(problems), keyed=keyed)


def trail(session: Session, entity_type: str, entity_id: int) -> list[AuditEvent]:
    """Return the audit events of one entity, oldest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)
    )
    return list(session.execute(query).scalars())
