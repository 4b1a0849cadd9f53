"""Use cases of the supplier invoices we are to pay: what is approved and not paid, by due date;
why paying one might pay it twice; and reminding its approvers before it falls due.

The rules (discounts, warnings, who is reminded when) are the pure `payable_rules`; here they
meet the database. Reminders are `chat.notify` outbox jobs keyed by invoice, event, day and
person, so each is sent once whatever the scheduler does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from invoicing import jobs
from invoicing.approval_rules import Person
from invoicing.clock import Clock
from invoicing.db.models import Approval, Contact, Invoice, InvoiceLine, Job, Payment, User
from invoicing.document import DocumentKind
from invoicing.domain import ApprovalState, Direction, InvoiceStatus, Role
from invoicing.errors import NotFound
from invoicing.outgoing import CHAT_NOTIFY
from invoicing.payable_rules import (
    EXTRACTED_TERMS,
    LINE_WORDS,
    Discount,
    PayableWarning,
    PaymentState,
    ReminderEvent,
    offered_discount,
    open_discount,
    payment_warnings,
    reminder_recipients,
    reminders_due,
)
from invoicing.review import number_key

#: Incoming invoices approved and not paid in full.
TO_PAY = (InvoiceStatus.APPROVED, InvoiceStatus.PARTLY_PAID)
#: A supplier's credit note is money back, not money to pay.
_NOT_A_CREDIT_NOTE = Invoice.document_type != DocumentKind.CREDIT_NOTE.value
#: How far back an issue date may lie for its discount still to be looked at by the reminders.
DISCOUNT_LOOKBACK = dt.timedelta(days=120)
UTC = ZoneInfo("UTC")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PayableItem:
    """An approved supplier invoice still to pay, as /topay and `invoicebot payables` show it."""

    invoice_id: int
    number: str | None
    supplier: str
    currency: str
    total: Decimal
    open_amount: Decimal
    issue_date: dt.date | None
    due_date: dt.date | None
    #: Days until the due date (negative: overdue), None without one.
    days_left: int | None
    iban: str | None
    payment_reference: str | None
    discount: Discount | None
    warnings: tuple[PayableWarning, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.invoice_id, "number": self.number, "supplier": self.supplier, "currency": self.currency,
            "total": str(self.total), "open": str(self.open_amount),
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "due_date": self.due_date.isoformat() if self.due_date else None, "days_left": self.days_left,
            "iban": self.iban, "payment_reference": self.payment_reference,
            "discount": self.discount.to_json() if self.discount else None,
            "warnings": [w.to_json() for w in self.warnings],
        }  # fmt: skip


def _open(invoice: Invoice) -> Decimal:
    return max((invoice.total or Decimal("0.00")) - invoice.amount_paid, Decimal("0.00"))


def _discount(invoice: Invoice, today: dt.date) -> Discount | None:
    supplier_terms = invoice.contact.discount_terms if invoice.contact else None
    offer = offered_discount(invoice.extracted, [line.description for line in invoice.lines], supplier_terms)
    return open_discount(offer, issue_date=invoice.issue_date, total=invoice.total, paid=invoice.amount_paid, today=today)


def _last_paid(session: Session, invoice_ids: Sequence[int]) -> dict[int, dt.date]:
    if not invoice_ids:
        return {}
    query = (
        select(Payment.invoice_id, func.max(Payment.paid_on))
        .where(Payment.invoice_id.in_(invoice_ids), Payment.archived_at.is_(None))
        .group_by(Payment.invoice_id)
    )
    return {int(i): day for i, day in session.execute(query)}


def _states(session: Session, invoices: Sequence[Invoice], zone: ZoneInfo) -> dict[int, PaymentState]:
    last = _last_paid(session, [i.id for i in invoices if i.amount_paid > 0])
    return {
        i.id: PaymentState(
            i.id, i.currency, i.total, i.amount_paid, i.paid_on or last.get(i.id),
            i.payment_exported_at.astimezone(zone).date() if i.payment_exported_at else None,
        )  # fmt: skip
        for i in invoices
    }


def _warnings(session: Session, invoices: Sequence[Invoice], zone: ZoneInfo) -> dict[int, tuple[PayableWarning, ...]]:
    """Return the warnings of each invoice, its twins (same supplier, same number) read at once."""
    keys = {i.seller_key for i in invoices if i.seller_key and i.number}
    twins: list[Invoice] = []
    if keys:
        query = select(Invoice).where(
            Invoice.direction == Direction.IN, Invoice.seller_key.in_(sorted(keys)), Invoice.archived_at.is_(None),
            or_(Invoice.amount_paid > 0, Invoice.payment_exported_at.is_not(None)),
        )  # fmt: skip
        twins = list(session.execute(query).scalars())
    states = _states(session, [*invoices, *twins], zone)
    by_number: dict[tuple[str, str | None], list[PaymentState]] = {}
    for twin in twins:
        by_number.setdefault((twin.seller_key or "", number_key(twin.number)), []).append(states[twin.id])
    return {
        i.id: payment_warnings(states[i.id], by_number.get((i.seller_key or "", number_key(i.number)), [])
                               if i.seller_key and i.number else [])  # fmt: skip
        for i in invoices
    }


def _item(invoice: Invoice, today: dt.date, warnings: tuple[PayableWarning, ...]) -> PayableItem:
    supplier = (invoice.contact.name if invoice.contact else None) or invoice.seller_name or "unknown supplier"
    return PayableItem(
        invoice.id, invoice.number, supplier, invoice.currency, invoice.total or Decimal("0.00"), _open(invoice),
        invoice.issue_date, invoice.due_date, (invoice.due_date - today).days if invoice.due_date else None,
        invoice.seller_iban, invoice.payment_reference, _discount(invoice, today), warnings,
    )  # fmt: skip


def list_payables(session: Session, today: dt.date, *, within_days: int | None = None,
                  zone: ZoneInfo = UTC) -> list[PayableItem]:  # fmt: skip
    """Return the approved supplier invoices not paid in full, the soonest due first (undated ones
    first, as due now); with `within_days`, only those due by then (overdue ones included)."""
    query = (
        select(Invoice)
        .where(Invoice.direction == Direction.IN, Invoice.status.in_(TO_PAY), Invoice.archived_at.is_(None),
               _NOT_A_CREDIT_NOTE)
        .options(selectinload(Invoice.lines), selectinload(Invoice.contact))
        .order_by(Invoice.due_date.is_not(None), Invoice.due_date, Invoice.id)
    )
    if within_days is not None:
        query = query.where(or_(Invoice.due_date.is_(None), Invoice.due_date <= today + dt.timedelta(days=within_days)))
    invoices = list(session.execute(query).scalars())
    warnings = _warnings(session, invoices, zone)
    return [_item(invoice, today, warnings[invoice.id]) for invoice in invoices]


def payable_warnings(session: Session, invoice_id: int, *, zone: ZoneInfo = UTC) -> tuple[PayableWarning, ...]:
    """Return why paying this supplier invoice (again) may pay it twice: "already paid on …",
    "already in a transfer file on …", or the same for its twin recorded again; empty when none."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.archived_at is not None or invoice.direction is not Direction.IN:
        raise NotFound("supplier invoice", invoice_id)
    return _warnings(session, [invoice], zone)[invoice.id]


# --- reminders -----------------------------------------------------------------------------------


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


def _chunks(values: Sequence[T], size: int = 500) -> list[Sequence[T]]:
    """Return `values` in slices an IN list takes on every engine."""
    return [values[i:i + size] for i in range(0, len(values), size)]


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
        _NOT_A_CREDIT_NOTE, Invoice.payment_exported_at.is_(None),
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
    for ids in _chunks(sorted(rounds)):
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
    managers = {u.id: _person(u) for ids in _chunks(manager_ids)
                for u in session.execute(select(User).where(User.id.in_(ids), User.archived_at.is_(None))).scalars()}  # fmt: skip
    query = select(User).where(User.role == Role.ADMIN, User.archived_at.is_(None)).order_by(User.id)
    admins = [_person(u) for u in session.execute(query).scalars()]
    return {d.invoice_id: reminder_recipients(approvers.get(d.invoice_id, []), managers.get(d.manager_id or 0), admins)
            for d in due}  # fmt: skip


def _already_sent(session: Session, keys: Sequence[str]) -> set[str]:
    return {key for chunk in _chunks(sorted(keys))
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
    warnings = _warnings(session, invoices, zone)
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
