"""Approval rules: who is asked, who may decide or edit, when to remind and escalate. Pure.

Plain values in, plain values out: no database, no clock (the time is an argument).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from invoicing.domain import InvoiceStatus, Role

#: Invoice fields that say how much is paid to whom and when: changing one after approval reopens it.
PAYMENT_FIELDS = frozenset({"seller_iban", "total", "currency", "payment_reference", "due_date"})
#: Incoming states in which an approval was given and the money may be (or is being) paid.
_APPROVED = frozenset({InvoiceStatus.APPROVED, InvoiceStatus.PARTLY_PAID})


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    role: Role
    telegram_user_id: int | None

    @property
    def reachable(self) -> bool:
        return self.telegram_user_id is not None


def route(manager: Person | None, admins: Sequence[Person]) -> list[Person]:
    """Return who is asked first: the vendor's manager when reachable by chat, else every admin."""
    if manager is not None and manager.reachable:
        return [manager]
    return [a for a in admins if a.reachable]


def second_approvers(first_decider_id: int | None, admins: Sequence[Person]) -> list[Person]:
    """Return the admins asked for a second approval: every one but the person who gave the first."""
    return [a for a in admins if a.reachable and a.id != first_decider_id]


def needs_second_approval(total: Decimal | None, threshold: Decimal | None, *, alerts: Sequence[str] = ()) -> bool:
    """Return whether an invoice needs an admin's second approval: a payment alert (changed bank
    details, a known VAT ID under another name) always does, and so does an amount over the
    threshold (or an unread one, when there is a threshold)."""
    if alerts:
        return True
    if threshold is None:
        return False
    return total is None or total > threshold


def may_edit(role: Role, user_id: int | None, approver_ids: Collection[int]) -> bool:
    """Return whether someone may change an invoice: an admin, or a person asked to approve it."""
    return role is Role.ADMIN or (user_id is not None and user_id in approver_ids)


def must_reapprove(field: str, status: InvoiceStatus, *, asked: bool, alerted: bool = False) -> bool:
    """Return whether changing `field` needs a fresh approval round: a payment field (or a change
    that raised a payment alert) of an invoice approved, or of one whose approvers were already
    asked, since what they were shown is no longer true."""
    return (field in PAYMENT_FIELDS or alerted) and (status in _APPROVED or asked)


def may_decide(person: Person, *, approver_id: int | None, step: int, first_decider_id: int | None) -> bool:
    """Return whether `person` may decide an approval of `step` that was sent to `approver_id`."""
    if step >= 2:
        return person.role is Role.ADMIN and person.id != first_decider_id
    return person.role is Role.ADMIN or person.id == approver_id


class FollowUp(StrEnum):
    REMIND = "remind"
    ESCALATE = "escalate"


@dataclass(frozen=True, slots=True)
class PendingState:
    approval_id: int
    created_at: dt.datetime
    reminded_at: dt.datetime | None
    escalated_at: dt.datetime | None


def due_follow_ups(pending: Iterable[PendingState], now: dt.datetime, wait: dt.timedelta) -> list[tuple[int, FollowUp]]:
    """Return the pending approvals whose reminder (after `wait`) or escalation (`wait` later) is due."""
    due: list[tuple[int, FollowUp]] = []
    for p in pending:
        if p.escalated_at is not None:
            continue
        if p.reminded_at is None:
            if now - p.created_at >= wait:
                due.append((p.approval_id, FollowUp.REMIND))
        elif now - p.reminded_at >= wait:
            due.append((p.approval_id, FollowUp.ESCALATE))
    return due


def new_token() -> str:
    """Return an opaque, unguessable token for a button (22 characters)."""
    return secrets.token_urlsafe(16)
