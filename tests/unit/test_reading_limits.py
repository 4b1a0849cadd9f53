"""Limits on what reading one document may cost: pages read of a PDF, pixels of the QR scan.

The PDFs are made on the spot: thousands of pages sharing one content stream (a small file that
would hold a reader for minutes), and a page 200 inches wide naming a payment part.
"""

from __future__ import annotations

import math
import time
import zlib
from decimal import Decimal

import pytest

from intake import media, qr
from intake.errors import EmptyDocument
from intake.extract import extract_document
from intake.pipeline import read_outcome
from intake.readers import OcrOptions, read_document
from intake.sandbox import Limits, run_limited
from tests.factories import packed_words_pdf, simple_invoice_pdf, text_pdf
from tests.hostile.files import huge_page, many_pages, pdf
from tests.unit.test_qr import swiss_payload, vector_qr
from tests.unit.test_readers import make_pdf, text_at


@pytest.mark.timeout(120)
def test_a_pdf_of_20000_pages_is_read_up_to_the_page_cap_with_a_warning():
    """GIVEN a 20,000-page PDF WHEN read THEN only the first 50 pages are, within seconds, and a
    warning says so."""
    data = packed_words_pdf(20_000, words=40)

    started = time.monotonic()
    document = read_document(data, media.PDF)

    assert time.monotonic() - started < 30
    assert [page.number for page in document.pages] == list(range(1, 51))
    assert "only the first 50 of 20000 pages were read (page limit)" in document.warnings


def test_the_page_cap_can_be_set_and_the_extraction_names_it():
    """GIVEN a 10-page invoice WHEN extracted with a cap of 3 pages THEN 3 pages are read, the
    invoice is still read from them, and its warnings name the cap."""
    items = [(50, 60, "Muster Software GmbH"), (350, 140, "Rechnungsnummer: RE-7"),
             (350, 328, "Gesamtbetrag"), (450, 328, "119,00 EUR")]  # fmt: skip
    data = text_pdf(items, pages=10)

    invoice, pages = extract_document(data, "long.pdf", max_pages=3)

    assert len(pages) == 3
    assert invoice.total == Decimal("119.00")
    assert "only the first 3 of 10 pages were read (page limit)" in invoice.warnings


def test_a_pdf_within_the_cap_has_no_page_warning():
    invoice, pages = extract_document(simple_invoice_pdf(), "one.pdf", max_pages=1)
    assert len(pages) == 1 and not any("page limit" in w for w in invoice.warnings)


def test_scan_scale_keeps_a_page_under_the_pixel_budget_and_a4_at_full_resolution():
    assert qr.scan_scale(595, 842, 60_000_000) == qr.SCAN_DPI / 72
    scale = qr.scan_scale(14_400, 14_400, 60_000_000)
    assert math.ceil(14_400 * scale) ** 2 <= 60_000_000 * 1.001
    assert qr.scan_scale(1, 1, 60_000_000) == qr.SCAN_DPI / 72


def test_a_huge_page_naming_a_payment_part_is_scanned_within_memory_limits():
    """GIVEN a 14,400 pt square page that says "Zahlteil" (so it is rendered to look for a QR
    code) WHEN read in a reader limited to 1 GB THEN it is read (at 150 dpi the render alone
    would take 900 MB and its copy as much again). A fork server's child, as in the service: a
    child forked from this test process would inherit whatever address space earlier tests left
    it (over 1 GB once RapidOCR has been loaded), which the limit counts."""
    data = text_pdf([(50, 60, "Zahlteil"), (50, 90, "Rechnung RE-1 Gesamtbetrag 10,00 EUR")],
                    page_size=(14_400, 14_400))  # fmt: skip

    outcome = run_limited(read_outcome, (data, "huge.pdf"), Limits(memory_bytes=2**30))

    assert outcome.error is None, outcome.error
    assert outcome.extraction is not None


def test_a_qr_code_on_a_large_page_is_still_found_at_the_reduced_resolution():
    """GIVEN a QR-bill code drawn under "Zahlteil" on a page with a pixel budget of a quarter
    of its 150 dpi render WHEN read THEN the code's IBAN and amount are found."""
    content = text_at(50, 300, "Zahlteil") + vector_qr(swiss_payload(), 50, 120, 130)
    data = make_pdf(content)

    document = read_document(data, media.PDF, OcrOptions(max_pixels=560_000))

    assert document.payment_qr is not None
    assert document.payment_qr.amount == Decimal("1949.75")


def test_blank_pages_are_not_rendered_for_ocr_so_a_tiny_pdf_cannot_hold_a_reader():
    """GIVEN a 1 KB PDF of one blank page 14,400 pt square, and one of 50 blank A4 pages WHEN
    read THEN each is refused as holding no text within seconds (each page rendered and OCR'd
    took minutes)."""
    for data in (huge_page(14_400), many_pages(50)):
        started = time.monotonic()
        with pytest.raises(EmptyDocument, match="no text found"):
            read_document(data, media.PDF)
        assert time.monotonic() - started < 5


def test_a_page_drawing_only_an_annotation_is_still_read_by_ocr():
    """GIVEN a page whose only text is a stamp annotation's appearance WHEN read THEN OCR reads
    it: a page is skipped only when it draws nothing at all."""
    stamp = zlib.compress(b"BT /F1 30 Tf 20 40 Td (RECHNUNG 4711) Tj ET")
    data = pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Annots [4 0 R] >>",
        b"<< /Type /Annot /Subtype /Stamp /Rect [0 0 300 100] /F 4 /AP << /N 5 0 R >> >>",
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 300 100] /Resources << /Font << /F1 6 0 R >> >> "
        b"/Filter /FlateDecode /Length %d >>\nstream\n" % len(stamp) + stamp + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])  # fmt: skip

    document = read_document(data, media.PDF)

    assert "4711" in " ".join(word.text for page in document.pages for word in page.words)
