"""Read one invoice document into an `ExtractedInvoice`: the orchestration of readers and fields.

Everything here is synchronous and CPU-bound; the service calls it in a limited child process
(`intake.sandbox`).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

from intake import media
from intake.einvoice import parse_einvoice
from intake.errors import OcrFailed, OcrUnavailable, UnreadableDocument, UnsupportedMediaType
from intake.fields import extract_fields
from intake.fields.ids import european_vat_id
from intake.qr import PaymentQr
from intake.readers import MAX_PAGES, OcrOptions, read_again, read_document
from intake.readers.pdf import with_picture_words
from intake.reconcile import PageFacts, prefer_embedded, surer_reading
from intake.words import Page, ReadDocument
from invoicing.config import REVIEW_CONFIDENCE
from invoicing.extraction import FIELD_NAMES, UNREAD_IBAN, ExtractedInvoice, Source

log = logging.getLogger(__name__)


def extract_bytes(data: bytes, filename: str = "", ocr: OcrOptions | None = None) -> ExtractedInvoice:
    """Return the invoice read from `data`; raise `UnreadableDocument` when there is none."""
    return extract_document(data, filename, ocr)[0]


def extract_document(
    data: bytes, filename: str = "", ocr: OcrOptions | None = None, companion_xml: bytes | None = None,
    max_pages: int = MAX_PAGES,
) -> tuple[ExtractedInvoice, tuple[Page, ...]]:  # fmt: skip
    """Return the invoice read from `data` and the pages it was read from (none for XML).

    `companion_xml` is an e-invoice XML that came beside a PDF (in the same mail): it is treated
    as the PDF's embedded XML when the PDF has none. Pages of a PDF past `max_pages` are not read.
    """
    if not data:
        raise UnreadableDocument("empty file (0 bytes)")
    media_type = media.sniff_media_type(data, filename)
    if media_type == media.XML:
        return parse_einvoice(data), ()
    if media_type not in media.SUPPORTED:
        raise UnsupportedMediaType(media_type)
    document = read_document(data, media_type, ocr, max_pages)
    embedded = embedded_invoice(document.embedded_xml if document.embedded_xml is not None else companion_xml)
    if embedded is not None:
        chosen = prefer_embedded(embedded, extract_fields(document.pages), document.pages)
        if document.payment_qr is None:
            return chosen, document.pages
        confirm_only = chosen is embedded
        return with_payment_qr(chosen, document.payment_qr, confirm_only=confirm_only), document.pages
    visual, pages = read_visible(data, media_type, document, ocr)
    if document.warnings:
        visual = visual.model_copy(update={"warnings": visual.warnings + document.warnings})
    if document.payment_qr is not None:
        visual = with_payment_qr(visual, document.payment_qr)
    return visual, pages


def embedded_invoice(xml: bytes | None) -> ExtractedInvoice | None:
    """Return the invoice the e-invoice XML states, or None when there is none or it cannot be read."""
    if xml is None:
        return None
    try:
        return parse_einvoice(xml)
    except UnreadableDocument as e:
        log.info("embedded e-invoice XML ignored: %s", e)
        return None


#: A key field read with less confidence than this (the default review threshold) puts a picture's
#: reading in doubt: under the engine "both", RapidOCR reads it again.
DOUBTFUL = REVIEW_CONFIDENCE
#: The fields every invoice and receipt prints, whose doubt calls for a second reading.
_KEY_FIELDS = ("total", "issue_date", "seller.name")


def doubted(invoice: ExtractedInvoice, *, full_page: bool = False) -> bool:
    """Return whether a reading misses a key field, or an IBAN the page prints, or reads its total
    or seller with little confidence (a date's confidence says little: receipts print them in many
    formats), or reads amounts that contradict each other (`amounts_in_doubt`). On a `full_page`,
    the picture of an invoice's page rather than a till receipt's strip, a reading without the
    invoice's number is in doubt too (a till receipt often prints none), and so is one that reads
    a European VAT ID of the seller but misses its net or its tax: a VAT-registered seller's
    invoice states both, so the reading lost the totals block or a row of it (a tinted one, most
    often) and may have taken its total from the amount left to pay, its tax from a line's."""
    keys = (*_KEY_FIELDS, "invoice_number") if full_page else _KEY_FIELDS
    if any(invoice.field_value(name) is None for name in keys) or UNREAD_IBAN in invoice.warnings:
        return True
    vat_registered = invoice.seller.vat_id is not None and european_vat_id(invoice.seller.vat_id)
    if full_page and vat_registered and (invoice.net_total is None or invoice.tax_total is None):
        return True
    if amounts_in_doubt(invoice):
        return True
    return min(invoice.confidence.get("total", 0.0), invoice.confidence.get("seller.name", 0.0)) < DOUBTFUL


def amounts_in_doubt(invoice: ExtractedInvoice) -> bool:
    """Return whether the extractor found the net and tax it read not to add up to the total, even
    through a rounding adjustment the page prints, or read a net without its tax."""
    return invoice.amounts_agree() is False or (invoice.net_total is not None and invoice.tax_total is None)


def read_visible(
    data: bytes, media_type: str, document: ReadDocument, ocr: OcrOptions | None = None
) -> tuple[ExtractedInvoice, tuple[Page, ...]]:
    """Return the fields the document's visible pages give, and the pages they were read from.

    A picture, or a scan of a few pages, whose first reading is in `doubted` is read by a second
    OCR engine too where `ocr` says so (`OcrOptions.read_twice`), from the pictures the first
    reading kept (`OcrOptions.keeps_pictures`).
    A PDF whose text layer names no seller, or gives neither the seller's VAT ID nor IBAN, has the
    pictures on its first pages read too (a seller's details pasted as an image); their words are
    kept when they give more of the seller. Other PDFs cost no OCR.
    """
    options = ocr if ocr is not None else OcrOptions()
    pages = document.pages
    visual = extract_fields(pages)
    receipt = len(pages) == 1 and options.receipt_shaped(pages[0].width, pages[0].height)
    if document.pictures and options.read_twice(doubted=doubted(visual, full_page=not receipt)):
        try:
            again = read_again(document, options)
        except (OcrUnavailable, OcrFailed) as e:  # the first reading stands on its own
            log.warning("second OCR reading not made: %s", e)
            warnings = (*visual.warnings, f"read by tesseract alone: {e}")
            return visual.model_copy(update={"warnings": warnings}), pages
        seen = (PageFacts(pages), PageFacts(again))
        return surer_reading(visual, extract_fields(again), "RapidOCR", seen), pages
    if media_type != media.PDF or _seller_details(visual) >= 2:
        return visual, pages
    with_pictures = with_picture_words(data, pages, options)
    if with_pictures == pages:
        return visual, pages
    second = extract_fields(with_pictures)
    if _seller_details(second) > _seller_details(visual):
        return second, with_pictures
    return visual, pages


def _seller_details(invoice: ExtractedInvoice) -> int:
    """Return how much of the seller the invoice names: its name, and its VAT ID or IBAN."""
    return (invoice.seller.name is not None) + (invoice.seller.vat_id is not None or invoice.seller.iban is not None)


#: The payment QR code's fields, named as in the warnings.
_QR_FIELDS = {
    "seller.iban": "IBAN",
    "total": "total",
    "currency": "currency",
    "payment_reference": "payment reference",
}
#: Where the QR code and the page disagree, the code wins for these (a bank checks them).
_QR_WINS = ("seller.iban", "payment_reference")
#: A seller name read with less confidence than this gives way to the QR code's creditor.
_WEAK_NAME = 0.5


def with_payment_qr(
    invoice: ExtractedInvoice, qr: PaymentQr, *, confirm_only: bool = False
) -> ExtractedInvoice:
    """Return the invoice checked against its payment QR code, and completed from it.

    Fields the code confirms get confidence 1.0; a disagreement is named in a warning. Unless
    `confirm_only` (the fields came from e-invoice XML), missing fields are filled from the code,
    the code's IBAN and reference replace differing ones, and `source` becomes QR when most
    fields came from the code.
    """
    where = "in the e-invoice XML" if confirm_only else "on the page"
    from_qr = {"seller.iban": qr.iban, "total": qr.amount, "currency": qr.currency,
               "payment_reference": qr.reference}  # fmt: skip
    confidence = dict(invoice.confidence)
    updates: dict[str, object] = {}
    warnings: list[str] = []
    for name, code_value in from_qr.items():
        if code_value is None:
            continue
        printed = invoice.field_value(name)
        if printed is not None and _key(printed) == _key(code_value):
            confidence[name] = 1.0
            continue
        taken = not confirm_only and (printed is None or name in _QR_WINS)
        if printed is not None:
            warnings.append(_disagreement(_QR_FIELDS[name], where, printed, code_value, taken))
        if taken:
            updates[name], confidence[name] = code_value, 1.0
    if not confirm_only and invoice.payment_reference is None and qr.message and not qr.reference:
        # No structured reference: the free text is what the payer's transfer should carry.
        updates["payment_reference"], confidence["payment_reference"] = qr.message, 1.0
    name = invoice.seller.name
    if name is not None and _key(name) == _key(qr.creditor_name):
        confidence["seller.name"] = 1.0
    elif not confirm_only and (name is None or confidence.get("seller.name", 0.0) < _WEAK_NAME):
        updates["seller.name"], confidence["seller.name"] = qr.creditor_name, 1.0
    if not confirm_only and _mostly_from_code(invoice, updates):
        updates["source"] = Source.QR
    seller = {key[7:]: updates.pop(key) for key in list(updates) if key.startswith("seller.")}
    return invoice.model_copy(
        update={
            **updates,
            "seller": invoice.seller.model_copy(update=seller),
            "confidence": confidence,
            "warnings": invoice.warnings + tuple(warnings),
        }
    )


def _disagreement(label: str, where: str, printed: object, code: object, taken: bool) -> str:
    """Return the warning that the page (or the XML) and the payment QR code disagree."""
    warning = f"{label} {where} {_shown(printed)} differs from the payment QR code {_shown(code)}"
    return f"{warning}; the code's is taken" if taken else warning


def _key(value: object) -> str:
    """Return a field value as compared: amounts with two decimals, text without spaces or case."""
    return _shown(value) if isinstance(value, Decimal) else "".join(str(value).split()).casefold()


def _shown(value: object) -> str:
    return str(value.quantize(Decimal("0.01"))) if isinstance(value, Decimal) else str(value)


def _mostly_from_code(invoice: ExtractedInvoice, updates: dict[str, object]) -> bool:
    """Return True when the QR code filled more of the invoice's fields than the page did."""
    names = (*FIELD_NAMES, "payment_reference")
    known = sum(1 for name in names if invoice.field_value(name) is not None or name in updates)
    filled = sum(1 for name in updates if invoice.field_value(name) is None)
    return 2 * filled > known


def extract_file(path: Path, ocr: OcrOptions | None = None) -> ExtractedInvoice:
    """Return the invoice read from the file at `path`."""
    return extract_bytes(path.read_bytes(), path.name, ocr)
