"""Use case: record an incoming document and the invoice read from it, and ask for approval.

The caller (intake) reads the document; this module stores the original, recognises the same
bytes or the same seller + number seen before, matches the vendor, compares the bank details and
the VAT ID's name with what the vendor used before, decides between approval and review, writes the audit event and enqueues the approval request, all in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from invoicing import audit, jobs, webhooks
from invoicing.clock import Clock
from invoicing.db.engine import Database
from invoicing.db.models import Document, Invoice, InvoiceLine
from invoicing.directory import find_vendor
from invoicing.document import DocumentKind
from invoicing.domain import Channel, Direction, InvoiceStatus
from invoicing.extraction import ExtractedInvoice
from invoicing.files import FileStore, sha256_hex
from invoicing.money import quantize_or_none
from invoicing.payees import payee_alerts
from invoicing.review import number_key, review_reasons, seller_key

log = logging.getLogger(__name__)

APPROVAL_REQUEST = "approval.request"


@dataclass(frozen=True, slots=True)
class IncomingFile:
    data: bytes
    filename: str
    media_type: str
    channel: Channel
    source_ref: str | None = None
    sender: str | None = None

    @property
    def sha256(self) -> str:
        return sha256_hex(self.data)


@dataclass(frozen=True, slots=True)
class Received:
    document_id: int
    invoice_id: int | None
    status: InvoiceStatus | None
    #: True when these exact bytes had been received before: nothing new was recorded.
    already_known: bool = False
    duplicate_of: int | None = None
    error: str | None = None
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ReceivingPolicy:
    currency: str = "EUR"
    min_confidence: float = 0.5


def known_document(db: Database, sha256: str) -> Received | None:
    """Return what became of a document with these bytes, or None when it is new."""
    with db.transaction() as session:
        return _known(session, sha256)


def _known(session: Session, sha256: str) -> Received | None:
    document = session.execute(select(Document).where(Document.sha256 == sha256)).scalar()
    if document is None:
        return None
    invoice = session.execute(
        select(Invoice).where(Invoice.document_id == document.id).order_by(Invoice.id).limit(1)
    ).scalar()
    return Received(
        document_id=document.id,
        invoice_id=invoice.id if invoice else None,
        status=invoice.status if invoice else None,
        already_known=True,
        error=document.error,
    )


def receive(
    db: Database,
    clock: Clock,
    store: FileStore,
    incoming: IncomingFile,
    extraction: ExtractedInvoice | None,
    *,
    error: str | None = None,
    policy: ReceivingPolicy = ReceivingPolicy(),
    actor: str = "system",
    companions: Sequence[IncomingFile] = (),
) -> Received:
    """Record `incoming` with its extraction (or the error that prevented one) and return the outcome.

    `companions` are further files of the same invoice (the e-invoice XML sent beside its PDF):
    they are stored and attached to the invoice, never recorded as invoices of their own.
    """
    digest, relative = store.put(incoming.data)
    stored = [(companion, *store.put(companion.data)) for companion in companions]
    try:
        with db.transaction() as session:
            known = _known(session, digest)
            if known is not None:
                return known
            document = _add_document(session, clock, incoming, digest, relative, error)
            if extraction is None:
                audit.record(
                    session, clock, actor=actor, action="document.unreadable",
                    entity_type="document", entity_id=document.id,
                    after={"filename": incoming.filename, "error": error},
                )  # fmt: skip
                return Received(document.id, None, None, error=error)
            received = _add_invoice(session, clock, document, extraction, policy, actor)
            for companion, companion_digest, companion_path in stored:
                _attach(session, clock, companion, companion_digest, companion_path, received, actor)
            return received
    except IntegrityError:
        # Another process recorded the same bytes between our check and our insert.
        known = known_document(db, digest)
        if known is None:
            raise
        return known


def _attach(
    session: Session, clock: Clock, companion: IncomingFile, digest: str, relative: str,
    received: Received, actor: str,
) -> None:  # fmt: skip
    document = session.execute(select(Document).where(Document.sha256 == digest)).scalar()
    if document is None:
        document = _add_document(session, clock, companion, digest, relative, None)
    audit.record(
        session, clock, actor=actor, action="document.attached", entity_type="invoice",
        entity_id=received.invoice_id, after={"document_id": document.id, "filename": companion.filename},
    )  # fmt: skip


def _add_document(
    session: Session, clock: Clock, incoming: IncomingFile, digest: str, relative: str, error: str | None
) -> Document:
    document = Document(
        sha256=digest,
        filename=incoming.filename[:500],
        media_type=incoming.media_type,
        size=len(incoming.data),
        storage_path=relative,
        channel=incoming.channel,
        source_ref=incoming.source_ref,
        sender=incoming.sender,
        error=error,
        received_at=clock.now(),
    )
    session.add(document)
    session.flush()
    return document


def _add_invoice(
    session: Session,
    clock: Clock,
    document: Document,
    extraction: ExtractedInvoice,
    policy: ReceivingPolicy,
    actor: str,
) -> Received:
    key = seller_key(extraction)
    duplicate_of = _find_duplicate(session, key, extraction.invoice_number)
    vendor = find_vendor(session, extraction)
    reasons = review_reasons(extraction, min_confidence=policy.min_confidence, duplicate_of=duplicate_of)
    seller = extraction.seller
    alerts = payee_alerts(session, vendor, key, iban=seller.iban, name=seller.name, vat_id=seller.vat_id)
    reasons += alerts
    warnings = list(dict.fromkeys([*extraction.warnings, *reasons]))
    if vendor is None:
        warnings.append("unknown vendor")
    status = InvoiceStatus.NEEDS_REVIEW if reasons else InvoiceStatus.PENDING_APPROVAL
    now = clock.now()
    invoice = Invoice(
        direction=Direction.IN,
        status=status,
        # A credit note owes money back: it is no payable (`payables.NOT_A_CREDIT_NOTE`).
        document_type=DocumentKind.of(extraction.document_type, extraction.total).value,
        number=extraction.invoice_number,
        contact_id=vendor.id if vendor else None,
        document_id=document.id,
        issue_date=extraction.issue_date,
        due_date=extraction.due_date,
        currency=extraction.currency or policy.currency,
        net_total=quantize_or_none(extraction.net_total),
        tax_total=quantize_or_none(extraction.tax_total),
        total=quantize_or_none(extraction.total),
        seller_name=_cut(extraction.seller.name, 300),
        seller_vat_id=_cut(extraction.seller.vat_id, 32),
        seller_iban=_cut(extraction.seller.iban, 34),
        buyer_name=_cut(extraction.buyer.name, 300),
        seller_key=_cut(key, 300),
        payment_reference=_cut(extraction.payment_reference, 200),
        source=extraction.source.value if extraction.source else None,
        confidence=dict(extraction.confidence),
        warnings=warnings,
        extracted=extraction.model_dump(mode="json"),
        duplicate_of_id=duplicate_of,
        payee_alerts=alerts,
        approval_round=1,
        created_at=now,
        updated_at=now,
    )
    invoice.lines = [
        InvoiceLine(
            position=i,
            description=line.description,
            quantity=quantize_or_none(line.quantity, 4),
            unit_price=quantize_or_none(line.unit_price, 4),
            amount=quantize_or_none(line.amount),
            tax_rate=quantize_or_none(line.tax_rate, 2),
        )
        for i, line in enumerate(extraction.lines, start=1)
    ]
    session.add(invoice)
    session.flush()
    audit.record(
        session, clock, actor=actor, action="invoice.received", entity_type="invoice",
        entity_id=invoice.id,
        after={"status": status, "number": invoice.number, "total": invoice.total,
               "currency": invoice.currency, "document_id": document.id, "warnings": warnings},
    )  # fmt: skip
    webhooks.emit(session, clock, webhooks.Event.RECEIVED, invoice)
    jobs.enqueue(
        session, clock, kind=APPROVAL_REQUEST, key=f"{APPROVAL_REQUEST}:{invoice.id}",
        payload={"invoice_id": invoice.id},
    )  # fmt: skip
    return Received(document.id, invoice.id, status, duplicate_of=duplicate_of, warnings=tuple(warnings))


def _find_duplicate(session: Session, key: str | None, number: str | None) -> int | None:
    wanted = number_key(number)
    if key is None or wanted is None:
        return None
    query = select(Invoice.id, Invoice.number).where(
        Invoice.direction == Direction.IN, Invoice.seller_key == key, Invoice.archived_at.is_(None)
    )
    for invoice_id, other in session.execute(query.order_by(Invoice.id)):
        if number_key(other) == wanted:
            return int(invoice_id)
    return None


def _cut(value: str | None, length: int) -> str | None:
    return value[:length] if value else value
