"""The append-only audit trail: one event per state change, each chained to the one before by hash.

Editing or removing an event breaks the chain, and `verify_chain` says where.
"""

from __future__ import annotations

import datetime as dt
import hashlib
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


def _digest(prev_hash: str, event: AuditEvent) -> str:
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
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


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
    event.hash = _digest(prev_hash, event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True, slots=True)
class ChainReport:
    events: int
    #: (event id, what is wrong) for each break found; empty when the chain is intact.
    problems: tuple[tuple[int, str], ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _events(session: Session) -> Iterator[AuditEvent]:
    yield from session.execute(select(AuditEvent).order_by(AuditEvent.id)).yield_per(500).scalars()


def verify_chain(session: Session) -> ChainReport:
    """Return how many events the trail has and every place where the hash chain is broken."""
    problems: list[tuple[int, str]] = []
    expected_prev = GENESIS
    count = 0
    for event in _events(session):
        count += 1
        if event.prev_hash != expected_prev:
            problems.append((event.id, "does not follow the event before it (one removed or inserted?)"))
        if _digest(event.prev_hash, event) != event.hash:
            problems.append((event.id, "content does not match its hash (edited?)"))
        expected_prev = event.hash
    return ChainReport(events=count, problems=tuple(problems))


def trail(session: Session, entity_type: str, entity_id: int) -> list[AuditEvent]:
    """Return the audit events of one entity, oldest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)
    )
    return list(session.execute(query).scalars())
