"""The jobs that follow issuing: render the PDF, e-mail it to the customer, tell the manager.

Each is an outbox job (`invoicing.jobs`), so a crash never loses one: `invoice.render` makes the
PDF from the invoice's frozen document and stores it content-addressed; `invoice.send` mails it
(waiting for the PDF when it is not made yet) with a fixed Message-ID and then marks the invoice
sent, audits it and leaves a `chat.notify` job for the manager, in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from invoicing import audit, jobs, webhooks
from invoicing.clock import Clock
from invoicing.db.engine import Database
from invoicing.db.models import Contact, Document, Invoice, User
from invoicing.document import DocumentKind, InvoiceDocument
from invoicing.domain import Channel, InvoiceStatus
from invoicing.files import FileStore
from invoicing.issuing import document_of
from invoicing.mail_texts import MailText, MailTexts
from invoicing.mailer import Mailer, build_message, deliver, message_id_for

log = logging.getLogger(__name__)

CHAT_NOTIFY = "chat.notify"
PDF = "application/pdf"


class Rendered(Protocol):
    #: The PDF/A-3 with the document's EN 16931 XML inside.
    pdf: bytes


class PdfRenderer(Protocol):
    async def arender(self, document: InvoiceDocument) -> Rendered:
        """Return the rendering of an issued document (`invoicing.render.InvoiceRenderer`)."""
        ...


def pdf_name(document: InvoiceDocument) -> str:
    return f"{document.number}.pdf"


class RenderHandler:
    """`invoice.render`: the PDF of an issued invoice, made once and stored with the invoice."""

    kind = "invoice.render"

    def __init__(self, db: Database, clock: Clock, store: FileStore, renderer: PdfRenderer) -> None:
        self.db, self.clock, self.store, self.renderer = db, clock, store, renderer

    async def __call__(self, job: jobs.ClaimedJob) -> None:
        invoice_id = int(job.payload["invoice_id"])
        document = await asyncio.to_thread(self._pending, invoice_id)
        if document is None:
            return
        rendered = await self.renderer.arender(document)
        await asyncio.to_thread(attach_pdf, self.db, self.clock, self.store, invoice_id, rendered.pdf, pdf_name(document))

    def _pending(self, invoice_id: int) -> InvoiceDocument | None:
        with self.db.transaction() as session:
            invoice = session.get(Invoice, invoice_id)
            if invoice is None:
                raise jobs.PermanentFailure(f"invoice {invoice_id} does not exist")
            return None if invoice.document_id is not None else document_of(invoice)


def attach_pdf(db: Database, clock: Clock, store: FileStore, invoice_id: int, pdf: bytes, filename: str) -> int:
    """Store an issued invoice's PDF and link it to the invoice (once); return the document id."""
    digest, relative = store.put(pdf)
    with db.transaction() as session:
        document = session.execute(select(Document).where(Document.sha256 == digest)).scalar()
        if document is None:
            document = Document(
                sha256=digest, filename=filename, media_type=PDF, size=len(pdf), storage_path=relative,
                channel=Channel.GENERATED, source_ref=f"invoice:{invoice_id}", received_at=clock.now(),
            )  # fmt: skip
            session.add(document)
            session.flush()
        linked = session.execute(
            update(Invoice).where(Invoice.id == invoice_id, Invoice.document_id.is_(None)).values(document_id=document.id)
        ).rowcount  # fmt: skip
        if linked:
            audit.record(session, clock, actor="system", action="invoice.rendered", entity_type="invoice",
                         entity_id=invoice_id, after={"document_id": document.id, "sha256": digest})  # fmt: skip
            return document.id
        return int(session.get(Invoice, invoice_id).document_id)  # type: ignore[union-attr, arg-type]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What sending one invoice needs, read in one transaction."""

    document: InvoiceDocument
    to: str | None
    pdf_path: str | None
    customer: str


class SendHandler:
    """`invoice.send`: the invoice PDF by e-mail to the customer's invoice address."""

    kind = "invoice.send"

    def __init__(
        self, db: Database, clock: Clock, store: FileStore, mailer: Mailer, texts: MailTexts, mail_from: str
    ) -> None:
        self.db, self.clock, self.store, self.mailer = db, clock, store, mailer
        self.texts, self.mail_from = texts, mail_from

    async def __call__(self, job: jobs.ClaimedJob) -> None:
        invoice_id = int(job.payload["invoice_id"])
        delivery = await asyncio.to_thread(self._delivery, invoice_id)
        if delivery.pdf_path is None:
            raise jobs.RetryLater("its PDF is not rendered yet")
        if not delivery.to:
            raise jobs.PermanentFailure(f"customer {delivery.customer!r} has no e-mail address for invoices")
        document = delivery.document
        name = "credit_note" if document.kind is DocumentKind.CREDIT_NOTE else "invoice"
        text = self.texts(name, document.language, mail_variables(document))
        attachments = [{"path": delivery.pdf_path, "filename": pdf_name(document), "media_type": PDF}]
        message = build_message(mail_payload(job.key, self.mail_from, delivery.to, text, attachments), self.store.read)
        await deliver(self.db, self.clock, self.mailer, message, job)
        await asyncio.to_thread(self._sent, invoice_id, delivery.to)

    def _delivery(self, invoice_id: int) -> Delivery:
        with self.db.transaction() as session:
            invoice = session.get(Invoice, invoice_id)
            if invoice is None or invoice.issued is None:
                raise jobs.PermanentFailure(f"invoice {invoice_id} is not issued")
            contact = session.get(Contact, invoice.contact_id) if invoice.contact_id else None
            document = session.get(Document, invoice.document_id) if invoice.document_id else None
            to = (contact.invoice_email or contact.email) if contact else None
            return Delivery(document_of(invoice), to, document.storage_path if document else None,
                            contact.name if contact else "?")  # fmt: skip

    def _sent(self, invoice_id: int, to: str) -> None:
        with self.db.transaction() as session:
            invoice = session.get(Invoice, invoice_id, with_for_update=True)
            if invoice is None:
                return
            now = self.clock.now()
            before = invoice.status
            if invoice.status is InvoiceStatus.ISSUED:
                invoice.status = InvoiceStatus.SENT
            invoice.sent_at = invoice.sent_at or now
            invoice.updated_at = now
            audit.record(session, self.clock, actor="system", action="invoice.sent", entity_type="invoice",
                         entity_id=invoice_id, before={"status": before}, after={"status": invoice.status, "to": to})  # fmt: skip
            webhooks.emit(session, self.clock, webhooks.Event.SENT, invoice)
            notify_manager(session, self.clock, invoice, "invoice.sent", {"to": to})


def mail_payload(key: str, mail_from: str, to: str, text: MailText, attachments: list[dict[str, str]]) -> dict[str, Any]:
    """Return the `mail.send`-shaped description of a mail to `to`, its Message-ID fixed by `key`."""
    return {
        "message_id": message_id_for(key, mail_from), "from": mail_from, "to": [to], "subject": text.subject,
        "body": text.body, "in_reply_to": None, "attachments": attachments,
    }  # fmt: skip


def notify_manager(session: Session, clock: Clock, invoice: Invoice, event: str, details: dict[str, Any]) -> bool:
    """Leave a chat message for the invoice's relationship manager (when they use the chat)."""
    contact = session.get(Contact, invoice.contact_id) if invoice.contact_id else None
    manager = session.get(User, contact.manager_id) if contact and contact.manager_id else None
    if manager is None or manager.telegram_user_id is None or manager.archived_at is not None:
        return False
    return jobs.enqueue(
        session, clock, kind=CHAT_NOTIFY, key=f"{CHAT_NOTIFY}:{event}:{invoice.id}:{details.get('key', '')}",
        payload={"event": event, "invoice_id": invoice.id, "chat_id": manager.telegram_user_id,
                 "details": audit.to_jsonable(details)},
    )  # fmt: skip


def mail_variables(document: InvoiceDocument) -> dict[str, Any]:
    """Return what the invoice mail templates may use."""
    return {
        "customer": document.buyer.name, "seller": document.seller.name, "number": document.number,
        "total": document.totals.total, "currency": document.currency, "issue_date": document.issue_date,
        "due_date": document.due_date, "iban": document.bank.iban if document.bank else None,
        "bic": document.bank.bic if document.bank else None, "reference": document.payment_reference,
        "discount": document.discount, "preceding_number": document.preceding_number,
        "discount_amount": document.discount.amount(document.totals.total) if document.discount else None,
        "discount_until": document.discount.deadline(document.issue_date) if document.discount else None,
    }  # fmt: skip

