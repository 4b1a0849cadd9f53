"""Read model: one contact with its details, its invoices both ways and the documents stored for it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from invoicing import audit
from invoicing.customers import days_to_pay
from invoicing.db.models import Contact, Document, Invoice
from invoicing.domain import Direction, InvoiceStatus
from invoicing.errors import NotFound
from invoicing.parties import address_lines
from invoicing.views import AuditView


class ManagerView(BaseModel):
    id: int
    name: str
    email: str | None


class InvoiceLink(BaseModel):
    id: int
    number: str | None
    status: InvoiceStatus
    issue_date: dt.date | None
    due_date: dt.date | None
    currency: str
    total: Decimal | None
    amount_paid: Decimal
    document_id: int | None


class StoredDocument(BaseModel):
    """A file kept for the contact: an incoming original or an issued PDF, content-addressed."""

    id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    #: Relative to the data dir's `files/` folder.
    storage_path: str
    invoice_ids: list[int]


#: One event of a contact's history: the same view as an invoice's audit trail.
ContactEvent = AuditView


class DaysToPayView(BaseModel):
    #: Over every invoice paid in full, to one decimal; None while none is.
    average: Decimal | None
    #: The most recently paid invoices' days, newest first.
    last: tuple[int, ...]
    count: int


class ContactDetail(BaseModel):
    id: int
    name: str
    customer: bool
    vendor: bool
    external_id: str | None
    email: str | None
    invoice_email: str | None
    vat_id: str | None
    iban: str | None
    #: Street lines, one per line.
    address: list[str]
    postcode: str | None
    city: str | None
    country: str | None
    language: str | None
    currency: str | None
    payment_terms_days: int | None
    discount_terms: str | None
    late_fee_terms: str | None
    reminders_paused: bool
    manager: ManagerView | None
    created_at: dt.datetime
    archived_at: dt.datetime | None
    #: How long this customer takes to pay: the average days from issue to full payment, the last five.
    days_to_pay: DaysToPayView | None = None
    #: Invoices we issued to them, and invoices they sent us; newest first.
    invoices_out: list[InvoiceLink]
    invoices_in: list[InvoiceLink]
    documents: list[StoredDocument]
    history: list[ContactEvent]


def _link(invoice: Invoice) -> InvoiceLink:
    return InvoiceLink.model_validate(invoice, from_attributes=True)


def _documents(session: Session, invoices: list[Invoice]) -> list[StoredDocument]:
    by_document: dict[int, list[int]] = {}
    for invoice in invoices:
        if invoice.document_id is not None:
            by_document.setdefault(invoice.document_id, []).append(invoice.id)
    if not by_document:
        return []
    query = select(Document).where(Document.id.in_(by_document)).order_by(Document.id)
    return [
        StoredDocument(
            id=d.id, filename=d.filename, media_type=d.media_type, size=d.size, sha256=d.sha256,
            storage_path=d.storage_path, invoice_ids=sorted(by_document[d.id]),
        )  # fmt: skip
        for d in session.execute(query).scalars()
    ]


def show_contact(session: Session, contact_id: int) -> ContactDetail:
    """Return everything known about one contact: details, invoices, documents, history."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("contact", contact_id)
    query = (
        select(Invoice)
        .where(Invoice.contact_id == contact_id, Invoice.archived_at.is_(None))
        .order_by(Invoice.issue_date.desc().nulls_last(), Invoice.id.desc())
    )
    invoices = list(session.execute(query).scalars())
    manager = contact.manager
    return ContactDetail(
        id=contact.id, name=contact.name, customer=contact.is_customer, vendor=contact.is_vendor,
        external_id=contact.external_id, email=contact.email, invoice_email=contact.invoice_email,
        vat_id=contact.vat_id, iban=contact.iban, address=list(address_lines(contact.address)),
        postcode=contact.postcode, city=contact.city, country=contact.country, language=contact.language,
        currency=contact.currency, payment_terms_days=contact.payment_terms_days,
        discount_terms=contact.discount_terms, late_fee_terms=contact.late_fee_terms,
        reminders_paused=contact.reminders_paused,
        manager=ManagerView(id=manager.id, name=manager.name, email=manager.email) if manager else None,
        created_at=contact.created_at, archived_at=contact.archived_at,
        invoices_out=[_link(i) for i in invoices if i.direction is Direction.OUT],
        invoices_in=[_link(i) for i in invoices if i.direction is Direction.IN],
        documents=_documents(session, invoices),
        history=[ContactEvent.model_validate(e, from_attributes=True) for e in audit.trail(session, "contact", contact_id)],
        days_to_pay=DaysToPayView.model_validate(days_to_pay(session, contact_id), from_attributes=True),
    )  # fmt: skip
