"""Use case: the cash flow projection from what the database holds (the pure `cashflow` does the
arithmetic). Read with a few column queries, not row objects, so that ten thousand open invoices
stay quick.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from invoicing import cashflow, customers
from invoicing.billing import price
from invoicing.cashflow import Payable, Plan, Projection, Receivable
from invoicing.db.models import Contact, Invoice, Payment, RecurringPlan
from invoicing.document import DocumentKind
from invoicing.domain import Direction, InvoiceStatus
from invoicing.recurring_views import items_of, schedule_of

#: Outgoing invoices a customer still owes (in part).
OWED_TO_US = (InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID)
#: Incoming invoices we owe: approved, not paid in full.
OWED_BY_US = (InvoiceStatus.APPROVED, InvoiceStatus.PARTLY_PAID)
ZERO = Decimal("0.00")


def settled_otherwise(session: Session) -> dict[int, Decimal]:
    """Return what settles each invoice besides payments: issued credit notes that correct it and
    early-payment discounts its payments earned (as `payments.open_amount` counts them)."""
    credits = (
        select(Invoice.preceding_invoice_id, func.sum(Invoice.total))
        .where(Invoice.document_type == DocumentKind.CREDIT_NOTE.value, Invoice.issued.is_not(None),
               Invoice.status != InvoiceStatus.CANCELLED, Invoice.archived_at.is_(None),
               Invoice.preceding_invoice_id.is_not(None))
        .group_by(Invoice.preceding_invoice_id)
    )  # fmt: skip
    discounts = (
        select(Payment.invoice_id, func.sum(Payment.discount))
        .where(Payment.discount > 0, Payment.archived_at.is_(None), Payment.invoice_id.is_not(None))
        .group_by(Payment.invoice_id)
    )
    found: dict[int, Decimal] = {}
    for invoice_id, amount in [*session.execute(credits), *session.execute(discounts)]:
        found[int(invoice_id)] = found.get(int(invoice_id), ZERO) + (amount or ZERO)
    return found


def receivables(session: Session, settled: dict[int, Decimal]) -> list[Receivable]:
    """Return what customers still owe on the invoices we issued (credit notes and discounts taken off)."""
    query = select(
        Invoice.id, Invoice.contact_id, Invoice.currency, Invoice.total, Invoice.amount_paid, Invoice.issue_date,
        Invoice.due_date, Invoice.number, Invoice.buyer_name,
    ).where(
        Invoice.direction == Direction.OUT, Invoice.status.in_(OWED_TO_US), Invoice.archived_at.is_(None),
        Invoice.document_type == DocumentKind.INVOICE.value, Invoice.total.is_not(None),
    )  # fmt: skip
    found = []
    for invoice_id, contact_id, currency, total, paid, issued, due, number, buyer in session.execute(query):
        owed = total - paid - settled.get(invoice_id, ZERO)
        if owed > 0:
            label = f"{number or '#' + str(invoice_id)} {buyer or ''}".strip()
            found.append(Receivable(invoice_id, contact_id, currency, owed, issued, due, label))
    return found


def payables(session: Session, settled: dict[int, Decimal]) -> list[Payable]:
    """Return what we still owe on approved supplier invoices (less discounts their payments took)."""
    query = select(
        Invoice.id, Invoice.currency, Invoice.total, Invoice.amount_paid, Invoice.due_date, Invoice.number,
        Invoice.seller_name,
    ).where(
        Invoice.direction == Direction.IN, Invoice.status.in_(OWED_BY_US), Invoice.archived_at.is_(None),
        Invoice.document_type != DocumentKind.CREDIT_NOTE.value, Invoice.total.is_not(None),
    )  # fmt: skip
    found = []
    for invoice_id, currency, total, paid, due, number, seller in session.execute(query):
        owed = total - paid - settled.get(invoice_id, ZERO)
        if owed > 0:
            label = f"{number or '#' + str(invoice_id)} {seller or ''}".strip()
            found.append(Payable(invoice_id, currency, owed, due, label))
    return found


def plans(session: Session, default_terms_days: int) -> list[Plan]:
    """Return the active recurring plans with what each invoice comes to and the customer's terms."""
    query = (
        select(RecurringPlan, Contact.payment_terms_days, Contact.name)
        .join(Contact, Contact.id == RecurringPlan.contact_id)
        .where(RecurringPlan.active.is_(True), RecurringPlan.archived_at.is_(None))
        .order_by(RecurringPlan.id)
    )
    found = []
    for plan, terms, name in session.execute(query):
        found.append(Plan(
            plan.id, plan.contact_id, plan.currency, price(items_of(plan)).total, schedule_of(plan), plan.next_run_on,
            plan.issued_count, default_terms_days if terms is None else terms, f"plan #{plan.id} {name}",
        ))  # fmt: skip
    return found


def cash_flow(
    session: Session, today: dt.date, *, days: int = 90, currency: str = "EUR", terms_days: int = 30,
    opening: dict[str, Decimal] | None = None,
) -> Projection:  # fmt: skip
    """Return the projection of money in and out from `today` for `days` days, week by week per
    currency; `currency` is the business's, `terms_days` the terms of customers without their own."""
    settled = settled_otherwise(session)
    owed = receivables(session, settled)
    recurring = plans(session, terms_days)
    customer_ids = {r.customer_id for r in owed if r.customer_id is not None} | {p.customer_id for p in recurring}
    averages = customers.average_days_to_pay(session, customer_ids)
    return cashflow.project(
        today, days=days, currency=currency, receivables=owed, payables=payables(session, settled), plans=recurring,
        averages=averages, opening=opening,
    )  # fmt: skip
