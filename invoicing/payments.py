"""Use cases: book a payment of an invoice (by hand or from a bank statement) and list what is overdue.

A payment of an outgoing invoice counts with its early-payment discount when it settles the
invoice within the discount period, and with the credit notes issued against it; once nothing
is left open the invoice is paid, its collect-payment task closes and its reminders stop. A
late payment is recorded as such (days late); a payment of an invoice already paid, or more than
is open, is booked when it comes from the bank (the money is there) and flagged to the manager
with a suggestion, and refused when typed by hand (most likely a typo).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from invoicing import audit, tasks, webhooks
from invoicing.clock import Clock
from invoicing.db.models import Invoice, Payment
from invoicing.document import DocumentKind
from invoicing.domain import Direction, InvoiceStatus
from invoicing.errors import InvalidTransition, InvoicingError, NotFound
from invoicing.fees import settle_with_discount
from invoicing.issuing import document_of
from invoicing.money import quantize
from invoicing.outgoing import notify_manager

ZERO = Decimal("0.00")
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
    #: Early-payment discount the payment earned (it settles that much too).
    discount: Decimal = ZERO
    days_late: int = 0
    #: More than was open, booked because the money arrived (a credit or refund is due).
    overpaid: Decimal = ZERO
    #: What the manager is told to look at: paid twice, overpaid (with a credit/refund suggestion).
    flags: tuple[str, ...] = ()


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


def credited(session: Session, invoice_id: int) -> Decimal:
    """Return what issued credit notes take off an invoice."""
    query = select(func.coalesce(func.sum(Invoice.total), 0)).where(
        Invoice.preceding_invoice_id == invoice_id, Invoice.document_type == DocumentKind.CREDIT_NOTE.value,
        Invoice.issued.is_not(None), Invoice.status != InvoiceStatus.CANCELLED,
    )  # fmt: skip
    return Decimal(session.execute(query).scalar_one())


def discounts(session: Session, invoice_id: int) -> Decimal:
    query = select(func.coalesce(func.sum(Payment.discount), 0)).where(
        Payment.invoice_id == invoice_id, Payment.archived_at.is_(None)
    )
    return Decimal(session.execute(query).scalar_one())


def open_amount(invoice: Invoice, credit: Decimal = ZERO, discount: Decimal = ZERO) -> Decimal:
    """Return what is still owed on an invoice after payments, credit notes and discounts taken."""
    due = (invoice.total or ZERO) - (invoice.amount_paid or ZERO) - credit - discount
    return quantize(max(due, ZERO))


def owed(session: Session, invoice: Invoice) -> Decimal:
    """Return what is still owed on an invoice, reading its credit notes and discounts."""
    return open_amount(invoice, credited(session, invoice.id), discounts(session, invoice.id))


def record_payment(
    session: Session, clock: Clock, ref: str, *, amount: Decimal | None = None, paid_on: dt.date | None = None,
    method: str = "chat", actor: str, recorded_by_id: int | None = None,
) -> Recorded:  # fmt: skip
    """Book a payment typed by a person (by default of the whole open amount, today)."""
    invoice = find_invoice(session, ref)
    return apply_payment(session, clock, invoice, amount, paid_on or clock.today(), method=method, actor=actor,
                         recorded_by_id=recorded_by_id)  # fmt: skip


def apply_payment(
    session: Session, clock: Clock, invoice: Invoice, amount: Decimal | None, paid_on: dt.date, *,
    method: str, actor: str, recorded_by_id: int | None = None, bank_ref: str | None = None,
    reference: str | None = None, from_bank: bool = False,
) -> Recorded:  # fmt: skip
    """Book a payment of `invoice` and return its new state (see the module docstring for the rules)."""
    session.refresh(invoice, with_for_update=True)
    already_paid = invoice.status is InvoiceStatus.PAID
    if invoice.status not in PAYABLE and not (already_paid and from_bank):
        raise InvalidTransition(invoice.id, invoice.status.value, "paid")
    credit, taken = credited(session, invoice.id), discounts(session, invoice.id)
    still_open = open_amount(invoice, credit, taken)
    paid = quantize(amount) if amount is not None else still_open
    if paid <= 0:
        raise InvoicingError("a payment must be more than zero")
    discount = _discount(invoice, paid, paid_on, still_open, credit + taken)
    overpaid = max(paid + discount - still_open, ZERO) if invoice.total is not None else ZERO
    if overpaid and not from_bank:
        raise Overpayment(paid, still_open, invoice.currency)
    days_late = max((paid_on - invoice.due_date).days, 0) if invoice.due_date else 0
    before = {"status": invoice.status, "amount_paid": invoice.amount_paid}
    payment = Payment(
        invoice_id=invoice.id, amount=paid, currency=invoice.currency, paid_on=paid_on, method=method,
        reference=reference[:500] if reference else None, bank_transaction_id=bank_ref, discount=discount,
        days_late=days_late, recorded_by_id=recorded_by_id, created_at=clock.now(),
    )  # fmt: skip
    session.add(payment)
    invoice.amount_paid = quantize(invoice.amount_paid + paid)
    left = open_amount(invoice, credit, taken + discount)
    fully = invoice.total is not None and left == 0
    if fully and not already_paid:
        invoice.status, invoice.paid_on, invoice.next_reminder_on = InvoiceStatus.PAID, paid_on, None
    elif not fully:
        invoice.status = InvoiceStatus.PARTLY_PAID
    invoice.updated_at = clock.now()
    session.flush()
    flags = _flags(invoice, already_paid, overpaid)
    audit.record(
        session, clock, actor=actor, action="invoice.payment_recorded", entity_type="invoice",
        entity_id=invoice.id, before=before,
        after={"status": invoice.status, "amount_paid": invoice.amount_paid, "payment_id": payment.id,
               "amount": paid, "paid_on": paid_on, "method": method, "discount": discount,
               "days_late": days_late, "flags": flags},
    )  # fmt: skip
    if fully and not already_paid:
        tasks.close_tasks(session, clock, invoice_id=invoice.id, kind=tasks.COLLECT_PAYMENT, actor=actor)
        webhooks.emit(session, clock, webhooks.Event.PAID, invoice)
    if invoice.direction is Direction.OUT and (fully or flags):
        event = "payment.flagged" if flags else "invoice.paid"
        notify_manager(session, clock, invoice, event, {"key": payment.id, "amount": paid, "flags": flags,
                                                        "discount": discount, "days_late": days_late})  # fmt: skip
    return Recorded(payment.id, invoice.id, invoice.number, paid, invoice.currency, invoice.status, left,
                    discount, days_late, overpaid, tuple(flags))  # fmt: skip


def _discount(invoice: Invoice, paid: Decimal, paid_on: dt.date, still_open: Decimal, reduced: Decimal) -> Decimal:
    """Return the early-payment discount this payment earns (0 when none applies)."""
    if invoice.direction is not Direction.OUT or invoice.issued is None or paid >= still_open:
        return ZERO
    document = document_of(invoice)
    if document.discount is None:
        return ZERO
    settlement = settle_with_discount(
        document.totals, document.discount, issue_date=document.issue_date, payment=paid, paid_on=paid_on,
        already_paid=(invoice.amount_paid or ZERO) + reduced,
    )  # fmt: skip
    return settlement.discount if settlement.settles else ZERO


def _flags(invoice: Invoice, already_paid: bool, overpaid: Decimal) -> list[str]:
    flags = []
    if already_paid:
        flags.append(f"{invoice.number or f'#{invoice.id}'} was already paid: paid twice")
    if overpaid:
        suggestion = "issue a credit note or refund it" if invoice.direction is Direction.OUT else "ask for a refund"
        flags.append(f"overpaid by {overpaid} {invoice.currency}: {suggestion}")
    return flags


def overdue(session: Session, today: dt.date, direction: Direction | None = None) -> list[Invoice]:
    """Return the unpaid invoices whose due date is before `today`, the longest overdue first."""
    query = select(Invoice).where(
        Invoice.due_date < today, Invoice.status.in_(list(UNPAID)), Invoice.archived_at.is_(None)
    )  # fmt: skip
    if direction is not None:
        query = query.where(Invoice.direction == direction)
    return list(session.execute(query.order_by(Invoice.due_date, Invoice.id)).scalars())
