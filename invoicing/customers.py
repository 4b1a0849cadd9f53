"""Use cases about customers' paying habits: how many days each takes from issue to full payment.

An invoice counts once it is paid in full: on `Invoice.paid_on` where the payment recorded it,
else on the day of its last payment. Credit notes do not count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from invoicing.cashflow import DaysToPay, days_to_pay_of
from invoicing.db.models import Contact, Invoice, Payment
from invoicing.document import DocumentKind
from invoicing.domain import Direction, InvoiceStatus
from invoicing.errors import NotFound

#: Above this many customers the averages are read for everyone at once (an IN list has limits).
_MANY = 500


def _paid_invoices() -> Select[tuple[int | None, dt.date | None, dt.date | None]]:
    """Return the query of (customer, issue date, paid-in-full day) of every paid outgoing invoice."""
    last = (
        select(Payment.invoice_id, func.max(Payment.paid_on).label("paid_on"))
        .where(Payment.archived_at.is_(None))
        .group_by(Payment.invoice_id)
        .subquery()
    )
    return (
        select(Invoice.contact_id, Invoice.issue_date, func.coalesce(Invoice.paid_on, last.c.paid_on))
        .outerjoin(last, last.c.invoice_id == Invoice.id)
        .where(
            Invoice.direction == Direction.OUT, Invoice.status == InvoiceStatus.PAID,
            Invoice.document_type == DocumentKind.INVOICE.value, Invoice.archived_at.is_(None),
            Invoice.issue_date.is_not(None),
        )
    )  # fmt: skip


def _pairs(rows: Iterable[tuple[int | None, dt.date | None, dt.date | None]]) -> dict[int, list[tuple[dt.date, dt.date]]]:
    found: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for contact_id, issued, paid_on in rows:
        if contact_id is not None and issued is not None and paid_on is not None:
            found.setdefault(contact_id, []).append((issued, paid_on))
    return found


def days_to_pay(session: Session, contact_id: int) -> DaysToPay:
    """Return how long a customer takes to pay: the average over their paid invoices and the last five."""
    if session.get(Contact, contact_id) is None:
        raise NotFound("contact", contact_id)
    rows = session.execute(_paid_invoices().where(Invoice.contact_id == contact_id))
    return days_to_pay_of(_pairs(rows).get(contact_id, []))


def average_days_to_pay(session: Session, contact_ids: Collection[int] | None = None) -> dict[int, Decimal]:
    """Return each customer's average days to pay (of those given, else of all) who has paid any."""
    query = _paid_invoices()
    wanted = None if contact_ids is None else set(contact_ids)
    if wanted is not None and len(wanted) <= _MANY:
        query = query.where(Invoice.contact_id.in_(sorted(wanted)))
    found = {}
    for contact_id, pairs in _pairs(session.execute(query)).items():
        average = days_to_pay_of(pairs).average
        if average is not None and (wanted is None or contact_id in wanted):
            found[contact_id] = average
    return found
