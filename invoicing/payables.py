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
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from invoicing import jobs
from invoicing.approval_rules import Person
from invoicing.clock import Clock
from invoicing.db.models import Approval, Invoice, Job, Payment, User
from invoicing.document import DocumentKind
from invoicing.domain import ApprovalState, Direction, InvoiceStatus, Role
from invoicing.errors import NotFound
from invoicing.outgoing import CHAT_NOTIFY
from invoicing.payable_rules import (
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


def _recipients(session: Session, invoice: Invoice) -> tuple[Person, ...]:
    decided = select(Approval.decided_by_id).where(
        Approval.invoice_id == invoice.id, Approval.round == invoice.approval_round,
        Approval.state == ApprovalState.APPROVED, Approval.decided_by_id.is_not(None),
    )  # fmt: skip
    live = User.archived_at.is_(None)
    approvers = session.execute(select(User).where(User.id.in_(decided), live).order_by(User.id)).scalars()
    manager_id = invoice.contact.manager_id if invoice.contact else None
    manager = session.get(User, manager_id) if manager_id else None
    admins = session.execute(select(User).where(User.role == Role.ADMIN, live).order_by(User.id)).scalars()
    return reminder_recipients([_person(u) for u in approvers],
                               _person(manager) if manager and manager.archived_at is None else None,
                               [_person(a) for a in admins])  # fmt: skip


def reminder_key(event: ReminderEvent, invoice_id: int, day: dt.date, user_id: int) -> str:
    """Return the idempotency key of one reminder: per event, invoice, the day it is about, person."""
    return f"{CHAT_NOTIFY}:{event.value}:{invoice_id}:{day.isoformat()}:{user_id}"


def _candidates(session: Session, today: dt.date, days: int) -> list[Invoice]:
    horizon = today + dt.timedelta(days=days)
    query = (
        select(Invoice)
        .where(Invoice.direction == Direction.IN, Invoice.status.in_(TO_PAY), Invoice.archived_at.is_(None),
               _NOT_A_CREDIT_NOTE, Invoice.payment_exported_at.is_(None),
               or_(Invoice.due_date.between(today, horizon),
                   (Invoice.amount_paid == 0) & (Invoice.issue_date >= today - DISCOUNT_LOOKBACK)))
        .options(selectinload(Invoice.lines), selectinload(Invoice.contact))
        .order_by(Invoice.id)
    )  # fmt: skip
    return list(session.execute(query).scalars())


def remind_due_payables(session: Session, clock: Clock, *, days: int, zone: ZoneInfo = UTC) -> list[Reminded]:
    """Enqueue a chat reminder to each approver (else the supplier's manager, else the admins) of
    every approved supplier invoice due within `days`, and of every discount whose last day is
    within `days`; each once. Invoices already in a transfer file are being paid: not reminded."""
    today = clock.today()
    wanted: list[tuple[Invoice, ReminderEvent, dt.date, Discount | None]] = []
    for invoice in _candidates(session, today, days):
        discount = _discount(invoice, today)
        wanted += [(invoice, event, day, discount)
                   for event, day in reminders_due(today, days=days, due_date=invoice.due_date, discount=discount)]  # fmt: skip
    if not wanted:
        return []
    warnings = _warnings(session, list({i.id: i for i, *_ in wanted}.values()), zone)
    done: list[Reminded] = []
    for invoice, event, day, discount in wanted:
        people = _recipients(session, invoice)
        keys = {p.id: reminder_key(event, invoice.id, day, p.id) for p in people}
        sent = set(session.execute(select(Job.idempotency_key).where(Job.idempotency_key.in_(keys.values()))).scalars())
        details = {
            "key": day.isoformat(), "day": day.isoformat(), "open": str(_open(invoice)),
            "discount": discount.to_json() if discount else None,
            "warnings": [w.text() for w in warnings[invoice.id]],
        }  # fmt: skip
        chats = tuple(
            p.telegram_user_id for p in people
            if keys[p.id] not in sent and p.telegram_user_id is not None and jobs.enqueue(
                session, clock, kind=CHAT_NOTIFY, key=keys[p.id],
                payload={"event": event.value, "invoice_id": invoice.id, "chat_id": p.telegram_user_id,
                         "details": details})
        )  # fmt: skip
        if chats:
            done.append(Reminded(invoice.id, event, day, chats))
    return done
