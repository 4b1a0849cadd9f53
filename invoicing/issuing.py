"""Use cases: write an outgoing invoice as a draft, issue it (number, frozen content, task, jobs),
and correct an issued one with a credit note.

Issuing is one transaction: the gapless number is taken, the invoice's content frozen as the
document it prints (`Invoice.issued`), the collect-payment task opened, the audit event written
and the render (and send) jobs enqueued; the PDF is made from the frozen document by the job
worker (`invoicing.outgoing`), so a crash after the commit loses nothing and gaps nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from invoicing import audit, jobs, numbering, tasks, webhooks
from invoicing.billing import (
    DiscountTerms,
    LateFeeTerms,
    LineItem,
    TaxCategory,
    categories,
    payment_reference,
    price,
)
from invoicing.clock import Clock
from invoicing.db.models import Contact, Invoice, InvoiceLine
from invoicing.document import DocumentKind, InvoiceDocument
from invoicing.domain import Direction, InvoiceStatus
from invoicing.errors import InvalidTransition, InvoicingError, NotFound
from invoicing.parties import Seller, buyer_from_contact, check_vat_ids
from invoicing.render.rules import check_document
from invoicing.snapshots import from_json, to_json

INVOICE_RENDER = "invoice.render"
INVOICE_SEND = "invoice.send"
LANGUAGES = ("en", "de", "fr", "da")


@dataclass(frozen=True, slots=True)
class IssuingPolicy:
    """What issuing needs from the configuration."""

    seller: Seller
    invoice_format: str = "INV-{year}-{seq:04d}"
    credit_note_format: str = "CN-{year}-{seq:04d}"
    terms_days: int = 30
    language: str = "en"
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class InvoiceRequest:
    """An invoice as a person, a form or a plan asks for it."""

    customer_id: int
    lines: tuple[LineItem, ...]
    currency: str | None = None
    due_date: dt.date | None = None
    note: str | None = None
    buyer_reference: str | None = None


def _customer(session: Session, customer_id: int) -> Contact:
    contact = session.get(Contact, customer_id)
    if contact is None or contact.archived_at is not None:
        raise NotFound("customer", customer_id)
    return contact


def _line_rows(items: Sequence[LineItem]) -> list[InvoiceLine]:
    totals = price(items)
    return [
        InvoiceLine(
            position=line.position, description=line.item.description, quantity=line.item.quantity,
            unit_price=line.item.unit_price, amount=line.net, tax_rate=line.item.tax_rate,
            tax_category=line.item.tax_category.value, unit=line.item.unit,
        )  # fmt: skip
        for line in totals.lines
    ]


def create_draft(session: Session, clock: Clock, request: InvoiceRequest, policy: IssuingPolicy, actor: str) -> Invoice:
    """Record an outgoing invoice as a draft (priced, without a number) and return it."""
    contact = _customer(session, request.customer_id)
    buyer = buyer_from_contact(contact)
    totals = price(request.lines)
    check_vat_ids(policy.seller.party, buyer, categories(totals))
    currency = (request.currency or contact.currency or policy.currency).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvoicingError(f"currency {currency!r}: use a three-letter code such as EUR")
    now = clock.now()
    invoice = Invoice(
        direction=Direction.OUT, status=InvoiceStatus.DRAFT, contact_id=contact.id, currency=currency,
        due_date=request.due_date, net_total=totals.net, tax_total=totals.tax, total=totals.total,
        amount_paid=Decimal("0.00"), buyer_name=contact.name[:300], buyer_vat_id=contact.vat_id,
        language=_language(contact, policy), document_type=DocumentKind.INVOICE.value,
        warnings=[], confidence={}, created_at=now, updated_at=now,
        extracted={"note": request.note, "buyer_reference": request.buyer_reference},
    )  # fmt: skip
    invoice.lines = _line_rows(request.lines)
    session.add(invoice)
    session.flush()
    audit.record(
        session, clock, actor=actor, action="invoice.drafted", entity_type="invoice", entity_id=invoice.id,
        after={"customer": contact.id, "total": totals.total, "currency": currency, "lines": len(invoice.lines)},
    )  # fmt: skip
    return invoice


def _language(contact: Contact, policy: IssuingPolicy) -> str:
    language = (contact.language or policy.language).lower()
    return language if language in LANGUAGES else "en"


def items_of(invoice: Invoice) -> tuple[LineItem, ...]:
    """Return the lines of a stored outgoing invoice as the pure domain has them."""
    return tuple(
        LineItem(
            description=line.description, quantity=line.quantity,  # type: ignore[arg-type]
            unit_price=line.unit_price, tax_rate=line.tax_rate,  # type: ignore[arg-type]
            category=TaxCategory(line.tax_category) if line.tax_category else None, unit=line.unit or "C62",
        )  # fmt: skip
        for line in invoice.lines
    )


@dataclass(frozen=True, slots=True)
class Issued:
    invoice_id: int
    number: str
    total: Decimal
    currency: str
    due_date: dt.date | None


def issue(
    session: Session, clock: Clock, invoice_id: int, policy: IssuingPolicy, actor: str, *, send: bool = False
) -> Issued:
    """Give a draft its number and freeze what it says; open its task; enqueue render (and send)."""
    invoice = session.execute(select(Invoice).where(Invoice.id == invoice_id).with_for_update()).scalar()
    if invoice is None or invoice.archived_at is not None or invoice.direction is not Direction.OUT:
        raise NotFound("outgoing invoice", invoice_id)
    if invoice.status is not InvoiceStatus.DRAFT:
        raise InvalidTransition(invoice_id, invoice.status.value, "issued")
    contact = _customer(session, invoice.contact_id or 0)
    kind = DocumentKind(invoice.document_type)
    today = clock.today()
    pattern = policy.credit_note_format if kind is DocumentKind.CREDIT_NOTE else policy.invoice_format
    assigned = numbering.take_next(session, clock, kind.name.lower(), pattern, today.year)
    document = _document(session, invoice, contact, policy, kind, assigned.number, today)
    now = clock.now()
    invoice.number, invoice.number_series_id = assigned.number, assigned.series_id
    invoice.issue_date, invoice.due_date = document.issue_date, document.due_date
    invoice.net_total, invoice.tax_total, invoice.total = document.totals.net, document.totals.tax, document.totals.total
    invoice.seller_name = policy.seller.party.name[:300]
    invoice.seller_vat_id = policy.seller.party.vat_id
    invoice.seller_iban = policy.seller.bank.iban if policy.seller.bank else None
    invoice.payment_reference = document.payment_reference
    invoice.issued = to_json(document)
    invoice.status, invoice.issued_at, invoice.updated_at = InvoiceStatus.ISSUED, now, now
    # The scheduler looks at it from today on: it knows the reminder schedule and sets the next day.
    invoice.next_reminder_on = today if kind is DocumentKind.INVOICE else None
    session.flush()
    if kind is DocumentKind.INVOICE:
        tasks.open_task(
            session, clock, kind=tasks.COLLECT_PAYMENT, invoice_id=invoice.id, assignee_id=contact.manager_id,
            title=f"Collect payment of {invoice.number} from {contact.name}", due_on=invoice.due_date,
        )  # fmt: skip
    audit.record(
        session, clock, actor=actor, action="invoice.issued", entity_type="invoice", entity_id=invoice.id,
        before={"status": InvoiceStatus.DRAFT},
        after={"status": invoice.status, "number": invoice.number, "total": invoice.total,
               "currency": invoice.currency, "due_date": invoice.due_date, "customer": contact.id},
    )  # fmt: skip
    webhooks.emit(session, clock, webhooks.Event.ISSUED, invoice)
    jobs.enqueue(session, clock, kind=INVOICE_RENDER, key=f"{INVOICE_RENDER}:{invoice.id}", payload={"invoice_id": invoice.id})
    if send:
        enqueue_send(session, clock, invoice.id)
    return Issued(invoice.id, assigned.number, invoice.total, invoice.currency, invoice.due_date)


def _document(
    session: Session, invoice: Invoice, contact: Contact, policy: IssuingPolicy, kind: DocumentKind,
    number: str, today: dt.date,
) -> InvoiceDocument:  # fmt: skip
    buyer = buyer_from_contact(contact)
    totals = price(items_of(invoice))
    check_vat_ids(policy.seller.party, buyer, categories(totals))
    preceding = session.get(Invoice, invoice.preceding_invoice_id) if invoice.preceding_invoice_id else None
    terms = contact.payment_terms_days if contact.payment_terms_days is not None else policy.terms_days
    due = invoice.due_date or today + dt.timedelta(days=terms)
    if due < today:
        raise InvoicingError(f"the due date {due} is before the issue date {today}")
    extra = invoice.extracted or {}
    document = InvoiceDocument(
        kind=kind, number=number, issue_date=today, due_date=due if kind is DocumentKind.INVOICE else None,
        currency=invoice.currency, language=invoice.language or policy.language,
        seller=policy.seller.party, buyer=buyer, totals=totals, bank=policy.seller.bank,
        payment_reference=payment_reference(number, policy.seller.bank.iban if policy.seller.bank else None)
        if kind is DocumentKind.INVOICE else None,
        discount=DiscountTerms.parse(contact.discount_terms) if contact.discount_terms and kind is DocumentKind.INVOICE else None,
        late_fee=LateFeeTerms.parse(contact.late_fee_terms) if contact.late_fee_terms and kind is DocumentKind.INVOICE else None,
        preceding_number=preceding.number if preceding else None,
        preceding_date=preceding.issue_date if preceding else None,
        note=extra.get("note"), buyer_reference=extra.get("buyer_reference"), delivery_date=today,
    )  # fmt: skip
    check_document(document)  # what could not be rendered is refused before it costs a number
    return document


def draft_document(session: Session, clock: Clock, invoice_id: int, policy: IssuingPolicy) -> InvoiceDocument:
    """Return what a draft would print if issued today, numbered "DRAFT" (for a preview)."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.status is not InvoiceStatus.DRAFT:
        raise NotFound("draft invoice", invoice_id)
    contact = _customer(session, invoice.contact_id or 0)
    return _document(session, invoice, contact, policy, DocumentKind(invoice.document_type), "DRAFT", clock.today())


def cancel_draft(session: Session, clock: Clock, invoice_id: int, actor: str) -> None:
    """Cancel a draft nobody will issue (it stays on record, cancelled)."""
    invoice = session.get(Invoice, invoice_id, with_for_update=True)
    if invoice is None or invoice.direction is not Direction.OUT:
        raise NotFound("draft invoice", invoice_id)
    if invoice.status is not InvoiceStatus.DRAFT:
        raise InvalidTransition(invoice_id, invoice.status.value, "cancelled as a draft")
    invoice.status, invoice.updated_at = InvoiceStatus.CANCELLED, clock.now()
    audit.record(session, clock, actor=actor, action="invoice.cancelled", entity_type="invoice", entity_id=invoice_id,
                 before={"status": InvoiceStatus.DRAFT}, after={"status": InvoiceStatus.CANCELLED})  # fmt: skip


def document_of(invoice: Invoice) -> InvoiceDocument:
    """Return what an issued invoice says, as frozen when it was issued."""
    if invoice.issued is None:
        raise InvalidTransition(invoice.id, invoice.status.value, "printed before it is issued")
    return from_json(InvoiceDocument, invoice.issued)


def send_key(invoice_id: int, attempt: int = 1) -> str:
    """Return the idempotency key of the `attempt`-th sending of an invoice."""
    return f"{INVOICE_SEND}:{invoice_id}" + (f":{attempt}" if attempt > 1 else "")


def enqueue_send(session: Session, clock: Clock, invoice_id: int, attempt: int = 1) -> bool:
    """Queue the e-mail of an issued invoice to its customer; return whether it was new."""
    key = send_key(invoice_id, attempt)
    return jobs.enqueue(session, clock, kind=INVOICE_SEND, key=key, payload={"invoice_id": invoice_id})


def issue_new(
    session: Session, clock: Clock, request: InvoiceRequest, policy: IssuingPolicy, actor: str,
    *, draft: bool = False, send: bool = False,
) -> int:  # fmt: skip
    """Record and (unless `draft`) issue an invoice in one transaction; return its id."""
    invoice = create_draft(session, clock, request, policy, actor)
    if not draft:
        issue(session, clock, invoice.id, policy, actor, send=send)
    return invoice.id


def find_issued(session: Session, ref: str) -> Invoice:
    """Return the issued outgoing invoice with this number (or this id, given as digits)."""
    ref = ref.strip()
    if ref.isdigit():
        invoice = session.get(Invoice, int(ref))
    else:
        query = select(Invoice).where(Invoice.direction == Direction.OUT, Invoice.number == ref)
        invoice = session.execute(query).scalar()
    if invoice is None or invoice.direction is not Direction.OUT or invoice.issued is None:
        raise NotFound("issued invoice", ref)
    return invoice


def credit_note(
    session: Session, clock: Clock, number: str, policy: IssuingPolicy, actor: str,
    lines: Sequence[LineItem] = (), *, send: bool = False,
) -> Issued:  # fmt: skip
    """Issue a credit note for an issued invoice: for all its lines, or for `lines`; return it."""
    original = find_issued(session, number)
    if original.document_type != DocumentKind.INVOICE.value or original.issued is None:
        raise InvoicingError(f"{number} is not an issued invoice; only invoices are credited")
    items = tuple(lines) or items_of(original)
    credited = price(items).total
    if credited > (original.total or 0):
        raise InvoicingError(f"a credit note of {credited} is more than {number}'s total of {original.total}")
    request = InvoiceRequest(original.contact_id or 0, items, currency=original.currency,
                             note=f"Credit note for invoice {original.number}")  # fmt: skip
    draft = create_draft(session, clock, request, policy, actor)
    draft.document_type = DocumentKind.CREDIT_NOTE.value
    draft.preceding_invoice_id = original.id
    draft.language = original.language
    session.flush()
    return issue(session, clock, draft.id, policy, actor, send=send)
