"""What we issue, the product reads back exactly: number, dates, currency, totals, VAT id and IBAN.

Every rendered PDF goes through `intake.extract.extract_document` (the embedded Factur-X XML wins)
and, with the XML and the payment QR code set aside, through the field extractor on the page
words alone: the layout must put each label beside its value so that a reader of the page finds
everything without the XML.
"""

from __future__ import annotations

from typing import Any

import pytest

from intake import media
from intake.extract import extract_document
from intake.fields import extract_fields
from intake.readers import read_document
from invoicing.document import DocumentKind, InvoiceDocument
from invoicing.extraction import ExtractedInvoice
from invoicing.render.pdf import RenderOptions, renderer
from tests.invoices import sample

pytestmark = pytest.mark.slow

DOCUMENTS = sample(64, start=500)


def printed(document: InvoiceDocument) -> dict[str, Any]:
    """Return the fields as the document states them (a credit note shows no account to pay to)."""
    paid_to = document.bank.iban if document.bank and document.kind is DocumentKind.INVOICE else None
    return {
        "number": document.number, "issued": document.issue_date, "due": document.due_date,
        "currency": document.currency, "net": document.totals.net, "tax": document.totals.tax,
        "total": document.totals.total, "vat_id": document.seller.vat_id, "iban": paid_to,
    }  # fmt: skip


def read(invoice: ExtractedInvoice) -> dict[str, Any]:
    return {
        "number": invoice.invoice_number, "issued": invoice.issue_date, "due": invoice.due_date,
        "currency": invoice.currency, "net": invoice.net_total, "tax": invoice.tax_total,
        "total": invoice.total, "vat_id": invoice.seller.vat_id, "iban": invoice.seller.iban,
    }  # fmt: skip


def _differences(expected: dict[str, Any], found: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {name: (value, found[name]) for name, value in expected.items() if found[name] != value}


def test_the_set_covers_what_is_issued() -> None:
    """GIVEN the round-trip documents THEN every VAT scenario, credit notes, the four languages,
    EUR/CHF/DKK, invoices without IBAN and multi-page ones are among them."""
    assert {d.totals.groups[-1].category.value for d in DOCUMENTS} == {"S", "Z", "E", "AE", "K", "G", "O"}
    assert {d.language for d in DOCUMENTS} == {"en", "de", "fr", "da"}
    assert {d.currency for d in DOCUMENTS} >= {"EUR", "CHF", "DKK"}
    assert DocumentKind.CREDIT_NOTE in {d.kind for d in DOCUMENTS}
    assert any(d.bank is None for d in DOCUMENTS) and any(len(d.totals.lines) > 25 for d in DOCUMENTS)


def test_every_rendered_invoice_reads_back_exactly_with_and_without_its_xml() -> None:
    """GIVEN 64 generated invoices WHEN each PDF is read by the product, and its page words alone by the
    field extractor THEN both give number, issue and due date, currency, net, tax, total, the
    seller's VAT id and the IBAN exactly, and the full reading raises no warning."""
    work = renderer(RenderOptions())
    wrong = {}
    for document in DOCUMENTS:
        pdf = work.render(document).pdf
        expected = printed(document)
        full, _ = extract_document(pdf, f"{document.number}.pdf")
        page_only = extract_fields(read_document(pdf, media.PDF).pages)
        problems = {
            "full": _differences(expected, read(full)), "warnings": full.warnings,
            "page": _differences(expected, read(page_only)),
        }  # fmt: skip
        if any(problems.values()):
            wrong[f"{document.number} ({document.language}, {document.kind.name})"] = problems
    assert wrong == {}
