"""The files of an invoice: the original (or the issued PDF) and its e-invoice XML.

An issued invoice's XML is the one embedded in its PDF, or, before the PDF is made, the same
XML written from the frozen document; a received e-invoice's XML is what was received (an XML
file, or the XML inside a Factur-X / ZUGFeRD PDF).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from invoicing.db.models import Document, Invoice
from invoicing.domain import Direction, InvoiceStatus
from invoicing.errors import InvoicingError, NotFound
from invoicing.files import FileStore
from invoicing.issuing import document_of

PDF = "application/pdf"
XML = "application/xml"


class NotReadyYet(InvoicingError):
    """The file will exist shortly (an issued invoice's PDF is being rendered): ask again."""


@dataclass(frozen=True, slots=True)
class InvoiceFile:
    content: bytes
    filename: str
    media_type: str


def _invoice(session: Session, invoice_id: int) -> Invoice:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.archived_at is not None:
        raise NotFound("invoice", invoice_id)
    return invoice


def _stored(session: Session, store: FileStore, invoice: Invoice) -> Document | None:
    document = session.get(Document, invoice.document_id) if invoice.document_id else None
    if document is None and invoice.direction is Direction.OUT and invoice.issued is not None:
        raise NotReadyYet(f"the PDF of invoice {invoice.id} is being made; ask again in a few seconds")
    return document


def original(session: Session, store: FileStore, invoice_id: int) -> InvoiceFile:
    """Return the issued PDF of an outgoing invoice, or the file a received one came as."""
    invoice = _invoice(session, invoice_id)
    if invoice.direction is Direction.OUT and invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
        raise NotFound("PDF of draft invoice", invoice_id)
    document = _stored(session, store, invoice)
    if document is None:
        raise NotFound("original file of invoice", invoice_id)
    return InvoiceFile(store.read(document.storage_path), document.filename, document.media_type)


def einvoice(session: Session, store: FileStore, invoice_id: int, templates_dir: Path | None = None) -> InvoiceFile:
    """Return the EN 16931 XML of an invoice; raise `NotFound` when it has none (a scan, a draft)."""
    invoice = _invoice(session, invoice_id)
    name = f"{invoice.number or invoice.id}.xml"
    if invoice.direction is Direction.OUT:
        if invoice.issued is None:
            raise NotFound("e-invoice XML of draft invoice", invoice_id)
        document = session.get(Document, invoice.document_id) if invoice.document_id else None
        xml = _embedded(store.read(document.storage_path)) if document is not None else None
        if xml is None:
            from invoicing.render.pdf import einvoice_xml  # loads WeasyPrint: only when needed

            xml = einvoice_xml(document_of(invoice), templates_dir)
        return InvoiceFile(xml, name, XML)
    document = session.get(Document, invoice.document_id) if invoice.document_id else None
    if document is None:
        raise NotFound("e-invoice XML of invoice", invoice_id)
    data = store.read(document.storage_path)
    xml = data if _is_xml(data) else _embedded(data) if data[:5] == b"%PDF-" else None
    if xml is None:
        raise NotFound("e-invoice XML of invoice", f"{invoice_id} (it came as {document.media_type} without one)")
    return InvoiceFile(xml, name, XML)


def _is_xml(data: bytes) -> bool:
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


def _embedded(pdf: bytes) -> bytes | None:
    """Return the e-invoice XML inside a PDF (Factur-X, ZUGFeRD, XRechnung), or None."""
    import facturx

    try:
        _, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    except Exception:  # noqa: BLE001 - factur-x raises bare exceptions for a PDF it cannot open
        return None
    return xml or None
