"""Read one invoice document into an `ExtractedInvoice`: the orchestration of readers and fields.

Everything here is synchronous and CPU-bound; the service calls it in a process pool.
"""

from __future__ import annotations

import logging
from pathlib import Path

from intake import media
from intake.einvoice import parse_einvoice
from intake.errors import UnreadableDocument, UnsupportedMediaType
from intake.fields import extract_fields
from intake.readers import OcrOptions, read_document
from invoicing.extraction import ExtractedInvoice

log = logging.getLogger(__name__)


def extract_bytes(data: bytes, filename: str = "", ocr: OcrOptions | None = None) -> ExtractedInvoice:
    """Return the invoice read from `data`; raise `UnreadableDocument` when there is none."""
    if not data:
        raise UnreadableDocument("empty file (0 bytes)")
    media_type = media.sniff_media_type(data, filename)
    if media_type == media.XML:
        return parse_einvoice(data)
    if media_type not in media.SUPPORTED:
        raise UnsupportedMediaType(media_type)
    document = read_document(data, media_type, ocr)
    visual = extract_fields(document.pages)
    if document.embedded_xml is not None:
        try:
            embedded = parse_einvoice(document.embedded_xml)
        except UnreadableDocument as e:
            log.info("embedded e-invoice XML ignored: %s", e)
        else:
            return _prefer_embedded(embedded, visual)
    if document.warnings:
        visual = visual.model_copy(update={"warnings": visual.warnings + document.warnings})
    return visual


def _prefer_embedded(embedded: ExtractedInvoice, visual: ExtractedInvoice) -> ExtractedInvoice:
    """Return the embedded XML's reading unless it plainly describes another invoice.

    Some PDFs carry stale XML for a different invoice; when the visible invoice number is known
    and differs from the XML's, the visible reading wins and says why.
    """
    if (
        visual.invoice_number
        and embedded.invoice_number
        and _fold(visual.invoice_number) != _fold(embedded.invoice_number)
        and visual.confidence.get("invoice_number", 0) >= 0.8
    ):
        warning = f"embedded e-invoice XML is for invoice {embedded.invoice_number}; the page was read instead"
        return visual.model_copy(update={"warnings": visual.warnings + (warning,)})
    return embedded


def _fold(number: str) -> str:
    return "".join(ch for ch in number.casefold() if ch.isalnum())


def extract_file(path: Path, ocr: OcrOptions | None = None) -> ExtractedInvoice:
    """Return the invoice read from the file at `path`."""
    return extract_bytes(path.read_bytes(), path.name, ocr)
