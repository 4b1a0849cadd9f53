"""Read models: invoices as the CLI and the chat show them (and as `--json` prints them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, field_serializer
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from invoicing import audit
from invoicing.db.models import Approval, Invoice, Payment
from invoicing.domain import Direction, InvoiceStatus
from invoicing.errors import NotFound


class _Amounts(BaseModel):
    @field_serializer("*", when_used="json")
    def _decimal_as_string(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        return value


class SellerView(BaseModel):
    name: str | None
    vat_id: str | None
    iban: str | None


class InvoiceSummary(_Amounts):
    id: int
    direction: Direction
    status: InvoiceStatus
    number: str | None
    issue_date: dt.date | None
    due_date: dt.date | None
    currency: str
    net_total: Decimal | None
    tax_total: Decimal | None
    total: Decimal | None
    amount_paid: Decimal
    contact: str | None
    seller: SellerView
    buyer: str | None
    sha256: str | None
    filename: str | None
    source: str | None
    warnings: list[str]
    duplicate_of: int | None
    created_at: dt.datetime
    #: "invoice" or "credit_note".
    kind: str = "invoice"
    contact_id: int | None = None


class LineView(_Amounts):
    position: int
    description: str
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal | None
    tax_rate: Decimal | None
    tax_category: str | None = None
    unit: str | None = None


class ApprovalView(BaseModel):
    id: int
    step: int
    approver_id: int | None
    state: str
    decided_by_id: int | None
    decided_at: dt.datetime | None
    reason: str | None


class PaymentView(_Amounts):
    id: int
    amount: Decimal
    currency: str
    paid_on: dt.date
    method: str
    reference: str | None


class AuditView(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class InvoiceDetail(InvoiceSummary):
    payment_reference: str | None
    #: The invoice a credit note corrects.
    preceding_invoice_id: int | None
    note: str | None
    buyer_reference: str | None
    confidence: dict[str, float]
    lines: list[LineView]
    approvals: list[ApprovalView]
    payments: list[PaymentView]
    audit: list[AuditView]


def summarise(invoice: Invoice) -> InvoiceSummary:
    """Return the list view of one invoice."""
    document = invoice.document
    return InvoiceSummary(
        id=invoice.id,
        kind="credit_note" if invoice.document_type == "381" else "invoice",
        direction=invoice.direction,
        status=invoice.status,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        net_total=invoice.net_total,
        tax_total=invoice.tax_total,
        total=invoice.total,
        amount_paid=invoice.amount_paid,
        contact_id=invoice.contact_id,
        contact=invoice.contact.name if invoice.contact else None,
        seller=SellerView(name=invoice.seller_name, vat_id=invoice.seller_vat_id, iban=invoice.seller_iban),
        buyer=invoice.buyer_name,
        sha256=document.sha256 if document else None,
        filename=document.filename if document else None,
        source=invoice.source,
        warnings=list(invoice.warnings or []),
        duplicate_of=invoice.duplicate_of_id,
        created_at=invoice.created_at,
    )


def list_invoices(
    session: Session,
    *,
    direction: Direction | None = None,
    status: InvoiceStatus | None = None,
    limit: int | None = None,
) -> list[InvoiceSummary]:
    """Return the invoices matching the filters, newest first."""
    query = (
        select(Invoice)
        .where(Invoice.archived_at.is_(None))
        .options(selectinload(Invoice.document), selectinload(Invoice.contact))
        .order_by(Invoice.id.desc())
    )
    if direction is not None:
        query = query.where(Invoice.direction == direction)
    if status is not None:
        query = query.where(Invoice.status == status)
    if limit is not None:
        query = query.limit(limit)
    return [summarise(invoice) for invoice in session.execute(query).scalars()]


def invoice_row(session: Session, invoice_id: int) -> Invoice:
    """Return the invoice with this id; raise `NotFound`."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    return invoice


def show_invoice(session: Session, invoice_id: int) -> InvoiceDetail:
    """Return everything known about one invoice, its audit trail included."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    approvals = session.execute(
        select(Approval).where(Approval.invoice_id == invoice_id).order_by(Approval.id)
    ).scalars()
    payments = session.execute(
        select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id)
    ).scalars()
    extra = invoice.extracted if invoice.direction is Direction.OUT and invoice.extracted else {}
    return InvoiceDetail(
        **summarise(invoice).model_dump(),
        payment_reference=invoice.payment_reference,
        preceding_invoice_id=invoice.preceding_invoice_id,
        note=extra.get("note"),
        buyer_reference=extra.get("buyer_reference"),
        confidence=dict(invoice.confidence or {}),
        lines=[LineView.model_validate(line, from_attributes=True) for line in invoice.lines],
        approvals=[ApprovalView.model_validate(a, from_attributes=True) for a in approvals],
        payments=[PaymentView.model_validate(p, from_attributes=True) for p in payments],
        audit=[
            AuditView.model_validate(e, from_attributes=True)
            for e in audit.trail(session, "invoice", invoice_id)
        ],
    )
