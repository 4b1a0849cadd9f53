"""Use cases: record a payment of an invoice (marking it paid or partly paid) and list what is overdue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from invoicing import audit
from invoicing.clock import Clock
from invoicing.db.models import Invoice, Payment, Task
from invoicing.domain import Direction, InvoiceStatus, TaskState
from invoicing.errors import InvalidTransition, InvoicingError, NotFound
from invoicing.money import quantize

#: States in which an invoice is owed and may be paid.
PAYABLE = frozenset({
    InvoiceStatus.APPROVED, InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID,
})  # fmt: skip
#: States of invoices that may become overdue (incoming ones still being approved count too).
UNPAID = PAYABLE | {InvoiceStatus.PENDING_APPROVAL, InvoiceStatus.NEEDS_REVIEW}


class AmbiguousInvoice(InvoicingError):
    def __init__(self, number: str, ids: list[int]) -> None:
        super().__init__(f"several invoices have number {number}: {', '.join(f'#{i}' for i in ids)}")
        self.number = number
        self.ids = ids


class Overpayment(InvoicingError):
    def __init__(self, amount: Decimal, open_amount: Decimal, currency: str) -> None:
        super().__init__(f"{amount} {currency} is more than the {open_amount} {currency} still open")


@dataclass(frozen=True, slots=True)
class Recorded:
    payment_id: int
    invoice_id: int
    number: str | None
    amount: Decimal
    currency: str
    status: InvoiceStatus
    open_amount: Decimal


def find_invoice(session: Session, ref: str) -> Invoice:
    """Return the invoice named by `#id` or by its number (which must be unambiguous)."""
    ref = ref.strip()
    if ref.startswith("#") and ref[1:].isdigit():
        invoice = session.get(Invoice, int(ref[1:]))
        if invoice is None or invoice.archived_at is not None:
            raise NotFound("invoice", ref)
        return invoice
    query = select(Invoice).where(Invoice.number == ref, Invoice.archived_at.is_(None)).order_by(Invoice.id)
    found = list(session.execute(query).scalars())
    if not found:
        raise NotFound("invoice", ref)
    if len(found) > 1:
        raise AmbiguousInvoice(ref, [i.id for i in found])
    return found[0]


def open_amount(invoice: Invoice) -> Decimal:
    return max((invoice.total or Decimal("0")) - (invoice.amount_paid or Decimal("0")), Decimal("0.00"))


def record_payment(
    session: Session, clock: Clock, ref: str, *, amount: Decimal | None = None, paid_on: dt.date | None = None,
    method: str = "chat", actor: str, recorded_by_id: int | None = None,
) -> Recorded:  # fmt: skip
    """Book a payment (by default of the whole open amount, today) and return the invoice's new state."""
    invoice = find_invoice(session, ref)
    session.refresh(invoice, with_for_update=True)
    if invoice.status not in PAYABLE:
        raise InvalidTransition(invoice.id, invoice.status.value, "paid")
    still_open = open_amount(invoice)
    paid = quantize(amount) if amount is not None else still_open
    if paid <= 0:
        raise InvoicingError("a payment must be more than zero")
    if invoice.total is not None and paid > still_open:
        raise Overpayment(paid, still_open, invoice.currency)
    before = {"status": invoice.status, "amount_paid": invoice.amount_paid}
    payment = Payment(
        invoice_id=invoice.id, amount=paid, currency=invoice.currency, paid_on=paid_on or clock.today(),
        method=method, recorded_by_id=recorded_by_id, created_at=clock.now(),
    )  # fmt: skip
    session.add(payment)
    invoice.amount_paid = quantize(invoice.amount_paid + paid)
    fully = invoice.total is not None and invoice.amount_paid >= invoice.total
    invoice.status = InvoiceStatus.PAID if fully else InvoiceStatus.PARTLY_PAID
    invoice.updated_at = clock.now()
    session.flush()
    if fully:
        _close_collection(session, clock, invoice.id)
    audit.record(
        session, clock, actor=actor, action="invoice.payment_recorded", entity_type="invoice",
        entity_id=invoice.id, before=before,
        after={"status": invoice.status, "amount_paid": invoice.amount_paid, "payment_id": payment.id,
               "amount": paid, "paid_on": payment.paid_on, "method": method},
    )  # fmt: skip
    return Recorded(payment.id, invoice.id, invoice.number, paid, invoice.currency, invoice.status, open_amount(invoice))


def _close_collection(session: Session, clock: Clock, invoice_id: int) -> None:
    query = select(Task).where(Task.invoice_id == invoice_id, Task.state == TaskState.OPEN, Task.kind == "collect_payment")
    for task in session.execute(query).scalars():
        task.state, task.closed_at = TaskState.DONE, clock.now()


def overdue(session: Session, today: dt.date, direction: Direction | None = None) -> list[Invoice]:
    """Return the unpaid invoices whose due date is before `today`, the longest overdue first."""
    query = select(Invoice).where(
        Invoice.due_date < today, Invoice.status.in_(list(UNPAID)), Invoice.archived_at.is_(None)
    )  # fmt: skip
    if direction is not None:
        query = query.where(Invoice.direction == direction)
    return list(session.execute(query.order_by(Invoice.due_date, Invoice.id)).scalars())
