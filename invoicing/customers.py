"""Use cases about customers' paying habits: how many days each takes from issue to full payment.

An invoice counts once it is paid in full: on `Invoice.paid_on` where the payment recorded it,
else on the day of its last payment. Credit notes do not count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from invoicing.cashflow import DaysToPay, days_to_pay_of
from invoicing.db.models import Contact, Invoice, Payment
from invoicing.document import DocumentKind
from invoicing.domain import Direction, InvoiceStatus
from invoicing.errors import NotFound

#: Above this many customers (or invoices) everyone's are read at once: an IN list has its limits.
_MANY = 500


def _paid_invoices() -> Select[tuple[int, int | None, dt.date | None, dt.date | None]]:
    """Return the query of (id, customer, issue date, paid-in-full day) of paid outgoing invoices."""
    return select(Invoice.id, Invoice.contact_id, Invoice.issue_date, Invoice.paid_on).where(
        Invoice.direction == Direction.OUT, Invoice.status == InvoiceStatus.PAID,
        Invoice.document_type == DocumentKind.INVOICE.value, Invoice.archived_at.is_(None),
        Invoice.issue_date.is_not(None),
    )  # fmt: skip


def _pairs(
    session: Session, query: Select[tuple[int, int | None, dt.date | None, dt.date | None]]
) -> dict[int, list[tuple[dt.date, dt.date]]]:
    """Return (issue date, paid-in-full day) per customer of the invoices `query` selects; an
    invoice without `paid_on` is paid on the day of its last payment."""
    rows = session.execute(query).all()
    undated = [invoice_id for invoice_id, _, _, paid_on in rows if paid_on is None]
    last: dict[int, dt.date] = {}
    if undated:
        # Two plain queries rather than a join on an aggregate: no plan to go wrong on a large book.
        payments = select(Payment.invoice_id, func.max(Payment.paid_on)).where(Payment.archived_at.is_(None))
        if len(undated) <= _MANY:
            payments = payments.where(Payment.invoice_id.in_(undated))
        last = {int(i): day for i, day in session.execute(payments.group_by(Payment.invoice_id)) if i is not None}
    found: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for invoice_id, contact_id, issued, paid_on in rows:
        paid_on = paid_on or last.get(invoice_id)
        if contact_id is not None and issued is not None and paid_on is not None:
            found.setdefault(contact_id, []).append((issued, paid_on))
    return found


def days_to_pay(session: Session, contact_id: int) -> DaysToPay:
    """Return how long a customer takes to pay: the average over their paid invoices and the last five."""
    if session.get(Contact, contact_id) is None:
        raise NotFound("contact", contact_id)
    pairs = _pairs(session, _paid_invoices().where(Invoice.contact_id == contact_id))
    return days_to_pay_of(pairs.get(contact_id, []))


def average_days_to_pay(session: Session, contact_ids: Collection[int] | None = None) -> dict[int, Decimal]:
    """Return each customer's average days to pay (of those given, else of all) who has paid any."""
    query = _paid_invoices()
    wanted = None if contact_ids is None else set(contact_ids)
    if wanted is not None and len(wanted) <= _MANY:
        query = query.where(Invoice.contact_id.in_(sorted(wanted)))
    found = {}
    for contact_id, pairs in _pairs(session, query).items():
        average = days_to_pay_of(pairs).average
        if average is not None and (wanted is None or contact_id in wanted):
            found[contact_id] = average
    return found
