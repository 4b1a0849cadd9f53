"""Use case: remind the approvers of supplier invoices in chat before they fall due, and before
an early-payment discount they offer runs out (the scheduler's tick calls it every minute).

Who is reminded and when are the pure `payable_rules`. Reminders are `chat.notify` outbox jobs
keyed by event, invoice, the day they are about and person, so each is sent once whatever the
scheduler does, and a moved due date is reminded again. Read with column queries and a few
batched ones, so that a minute's tick stays cheap with thousands of approved invoices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from invoicing import jobs
from invoicing.approval_rules import Person
from invoicing.clock import Clock
from invoicing.db.models import Approval, Contact, Invoice, InvoiceLine, Job, User
from invoicing.domain import ApprovalState, Direction, Role
from invoicing.outgoing import CHAT_NOTIFY
from invoicing.payable_rules import (
    EXTRACTED_TERMS,
    LINE_WORDS,
    Discount,
    ReminderEvent,
    offered_discount,
    open_discount,
    reminder_recipients,
    reminders_due,
)
from invoicing.payables import NOT_A_CREDIT_NOTE, TO_PAY, UTC, in_chunks, warnings_of

#: How far back an issue date may lie for its discount still to be looked at.
DISCOUNT_LOOKBACK = dt.timedelta(days=120)


@dataclass(frozen=True, slots=True)
class Reminded:
    """A reminder enqueued: of which invoice, about what day, to whom (Telegram chat ids)."""

    invoice_id: int
    event: ReminderEvent
    day: dt.date
    chat_ids: tuple[int, ...]


def _person(user: User) -> Person:
    return Person(user.id, user.role, user.telegram_user_id)


def reminder_key(event: ReminderEvent, invoice_id: int, day: dt.date, user_id: int) -> str:
    """Return the idempotency key of one reminder: per event, invoice, the day it is about, person."""
    return f"{CHAT_NOTIFY}:{event.value}:{invoice_id}:{day.isoformat()}:{user_id}"


@dataclass(frozen=True, slots=True)
class _Due:
    """A reminder a supplier invoice needs today, and what choosing its recipients needs."""

    invoice_id: int
    event: ReminderEvent
    day: dt.date
    discount: Discount | None
    open_amount: Decimal
    approval_round: int
    manager_id: int | None


def _due_reminders(session: Session, today: dt.date, days: int) -> list[_Due]:
    """Return the reminders due today, read with column queries (this runs every minute): the
    invoices that may need one, and only the lines that may state a discount."""
    horizon = today + dt.timedelta(days=days)
    where = (
        Invoice.direction == Direction.IN, Invoice.status.in_(TO_PAY), Invoice.archived_at.is_(None),
        NOT_A_CREDIT_NOTE, Invoice.payment_exported_at.is_(None),
        or_(Invoice.due_date.between(today, horizon),
            (Invoice.amount_paid == 0) & (Invoice.issue_date >= today - DISCOUNT_LOOKBACK)),
    )  # fmt: skip
    stated = [Invoice.extracted[key].as_string() for key in EXTRACTED_TERMS]
    query = (
        select(Invoice.id, Invoice.issue_date, Invoice.due_date, Invoice.total, Invoice.amount_paid,
               Invoice.approval_round, Contact.manager_id, Contact.discount_terms, *stated)
        .outerjoin(Contact, Contact.id == Invoice.contact_id)
        .where(*where)
        .order_by(Invoice.id)
    )  # fmt: skip
    worded = or_(*(func.lower(InvoiceLine.description).like(f"%{word}%") for word in LINE_WORDS))
    lines: dict[int, list[str]] = {}
    line_query = select(InvoiceLine.invoice_id, InvoiceLine.description).join(Invoice).where(*where, worded)
    for invoice_id, description in session.execute(line_query.order_by(InvoiceLine.invoice_id, InvoiceLine.position)):
        lines.setdefault(invoice_id, []).append(description)
    found = []
    for invoice_id, issued, due, total, paid, round_, manager_id, supplier_terms, *texts in session.execute(query):
        offer = offered_discount(dict(zip(EXTRACTED_TERMS, texts, strict=True)), lines.get(invoice_id, []), supplier_terms)
        discount = open_discount(offer, issue_date=issued, total=total, paid=paid, today=today)
        owed = max((total or Decimal("0.00")) - paid, Decimal("0.00"))
        found += [_Due(invoice_id, event, day, discount, owed, round_, manager_id)
                  for event, day in reminders_due(today, days=days, due_date=due, discount=discount)]  # fmt: skip
    return found


def _recipients(session: Session, due: Sequence[_Due]) -> dict[int, tuple[Person, ...]]:
    """Return who is reminded of each invoice (`payable_rules.reminder_recipients`), read at once."""
    rounds = {d.invoice_id: d.approval_round for d in due}
    approvers: dict[int, list[Person]] = {}
    for ids in in_chunks(sorted(rounds)):
        query = (
            select(Approval.invoice_id, Approval.round, User)
            .join(User, User.id == Approval.decided_by_id)
            .where(Approval.invoice_id.in_(ids), Approval.state == ApprovalState.APPROVED, User.archived_at.is_(None))
            .order_by(Approval.invoice_id, User.id)
        )  # fmt: skip
        for invoice_id, round_, user in session.execute(query):
            if round_ == rounds[invoice_id]:
                approvers.setdefault(invoice_id, []).append(_person(user))
    manager_ids = sorted({d.manager_id for d in due if d.manager_id is not None})
    managers = {u.id: _person(u) for ids in in_chunks(manager_ids)
                for u in session.execute(select(User).where(User.id.in_(ids), User.archived_at.is_(None))).scalars()}  # fmt: skip
    query = select(User).where(User.role == Role.ADMIN, User.archived_at.is_(None)).order_by(User.id)
    admins = [_person(u) for u in session.execute(query).scalars()]
    return {d.invoice_id: reminder_recipients(approvers.get(d.invoice_id, []), managers.get(d.manager_id or 0), admins)
            for d in due}  # fmt: skip


def _already_sent(session: Session, keys: Sequence[str]) -> set[str]:
    return {key for chunk in in_chunks(sorted(keys))
            for key in session.execute(select(Job.idempotency_key).where(Job.idempotency_key.in_(chunk))).scalars()}  # fmt: skip


def remind_due_payables(session: Session, clock: Clock, *, days: int, zone: ZoneInfo = UTC) -> list[Reminded]:
    """Enqueue a chat reminder to each approver (else the supplier's manager, else the admins) of
    every approved supplier invoice due within `days`, and of every discount whose last day is
    within `days`; each once. Invoices already in a transfer file are being paid: not reminded."""
    due = _due_reminders(session, clock.today(), days)
    if not due:
        return []
    people = _recipients(session, due)
    keys = {(d, p.id): reminder_key(d.event, d.invoice_id, d.day, p.id) for d in due for p in people[d.invoice_id]}
    sent = _already_sent(session, list(keys.values()))
    new = [(d, [p for p in people[d.invoice_id] if keys[(d, p.id)] not in sent]) for d in due]
    new = [(d, persons) for d, persons in new if persons]
    if not new:
        return []
    invoices = list(session.execute(select(Invoice).where(Invoice.id.in_({d.invoice_id for d, _ in new}))).scalars())
    warnings = warnings_of(session, invoices, zone)
    done: list[Reminded] = []
    for d, persons in new:
        details = {
            "key": d.day.isoformat(), "day": d.day.isoformat(), "open": str(d.open_amount),
            "discount": d.discount.to_json() if d.discount else None,
            "warnings": [w.text() for w in warnings[d.invoice_id]],
        }  # fmt: skip
        chats = tuple(
            p.telegram_user_id for p in persons
            if p.telegram_user_id is not None and jobs.enqueue(
                session, clock, kind=CHAT_NOTIFY, key=keys[(d, p.id)],
                payload={"event": d.event.value, "invoice_id": d.invoice_id, "chat_id": p.telegram_user_id,
                         "details": details})
        )  # fmt: skip
        if chats:
            done.append(Reminded(d.invoice_id, d.event, d.day, chats))
    return done
