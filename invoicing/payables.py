"""Use cases of the supplier invoices we are to pay: what is approved and not paid, by due date,
and why paying one might pay it twice.

The rules (discounts, warnings) are the pure `payable_rules`; here they meet the database. The
reminders before the due date are `payable_reminders`.
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

from invoicing.db.models import Invoice, Payment
from invoicing.document import DocumentKind
from invoicing.domain import Direction, InvoiceStatus
from invoicing.errors import NotFound
from invoicing.payable_rules import (
    Discount,
    PayableWarning,
    PaymentState,
    offered_discount,
    open_discount,
    payment_warnings,
)
from invoicing.review import number_key

#: Incoming invoices approved and not paid in full.
TO_PAY = (InvoiceStatus.APPROVED, InvoiceStatus.PARTLY_PAID)
#: A supplier's credit note is money back, not money to pay.
NOT_A_CREDIT_NOTE = Invoice.document_type != DocumentKind.CREDIT_NOTE.value
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


def in_chunks(values: Sequence[T], size: int = 500) -> list[Sequence[T]]:
    """Return `values` in slices an IN list takes on every engine."""
    return [values[i:i + size] for i in range(0, len(values), size)]


def _last_paid(session: Session, invoice_ids: Sequence[int]) -> dict[int, dt.date]:
    found: dict[int, dt.date] = {}
    for ids in in_chunks(sorted(invoice_ids)):
        query = (
            select(Payment.invoice_id, func.max(Payment.paid_on))
            .where(Payment.invoice_id.in_(ids), Payment.archived_at.is_(None))
            .group_by(Payment.invoice_id)
        )
        found.update((int(i), day) for i, day in session.execute(query))
    return found


def _states(session: Session, invoices: Sequence[Invoice], zone: ZoneInfo) -> dict[int, PaymentState]:
    last = _last_paid(session, [i.id for i in invoices if i.amount_paid > 0])
    return {
        i.id: PaymentState(
            i.id, i.currency, i.total, i.amount_paid, i.paid_on or last.get(i.id),
            i.payment_exported_at.astimezone(zone).date() if i.payment_exported_at else None,
        )  # fmt: skip
        for i in invoices
    }


def warnings_of(session: Session, invoices: Sequence[Invoice], zone: ZoneInfo) -> dict[int, tuple[PayableWarning, ...]]:
    """Return the warnings of each invoice, its twins (same supplier, same number) read at once."""
    keys = {i.seller_key for i in invoices if i.seller_key and i.number}
    twins: list[Invoice] = []
    for chunk in in_chunks(sorted(keys)):
        query = select(Invoice).where(
            Invoice.direction == Direction.IN, Invoice.seller_key.in_(chunk), Invoice.archived_at.is_(None),
            or_(Invoice.amount_paid > 0, Invoice.payment_exported_at.is_not(None)),
        )  # fmt: skip
        twins += session.execute(query).scalars()
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
               NOT_A_CREDIT_NOTE)
        .options(selectinload(Invoice.lines), selectinload(Invoice.contact))
        .order_by(Invoice.due_date.is_not(None), Invoice.due_date, Invoice.id)
    )
    if within_days is not None:
        query = query.where(or_(Invoice.due_date.is_(None), Invoice.due_date <= today + dt.timedelta(days=within_days)))
    invoices = list(session.execute(query).scalars())
    warnings = warnings_of(session, invoices, zone)
    return [_item(invoice, today, warnings[invoice.id]) for invoice in invoices]


def payable_warnings(session: Session, invoice_id: int, *, zone: ZoneInfo = UTC) -> tuple[PayableWarning, ...]:
    """Return why paying this supplier invoice (again) may pay it twice: "already paid on …",
    "already in a transfer file on …", or the same for its twin recorded again; empty when none."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.archived_at is not None or invoice.direction is not Direction.IN:
        raise NotFound("supplier invoice", invoice_id)
    return warnings_of(session, [invoice], zone)[invoice.id]
