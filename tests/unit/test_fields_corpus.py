"""Accuracy of field extraction on the visible pages of the corpus (embedded XML ignored).

The thresholds guard against regressions: they are the accuracy last measured with
`python -m bench.accuracy --visual-only`, rounded down to 0.02, not the targets.
"""

from __future__ import annotations

import shutil

import pytest

from bench.scoring import score_document
from intake import media
from intake.errors import UnreadableDocument
from intake.fields import extract_fields
from intake.readers import read_document
from tests.corpus import corpus_docs, require_corpus

# Target 0.90 (met); measured 0.934 (about 755/808 fields) on the visible page alone.
TEXT_PDF_THRESHOLD = 0.92
# Target 0.90 (met); measured 0.902 over images and scanned PDFs together with preprocessing
# (grey, even light, deskew), psm 6 for receipts, receipt arithmetic (roundings, cash less change,
# subtotals), store names and sale dates read through OCR (image 0.909 = 140/154, scanned-pdf
# 0.867 = 26/30, so 166/184; was 159/184).
OCR_THRESHOLD = 0.90


def _accuracy(*kinds: str) -> tuple[int, int]:
    """Return (right, scored) fields over the corpus documents of `kinds`; unreadable ones score wrong."""
    root = require_corpus()
    right = scored = 0
    for kind in kinds:
        for doc in corpus_docs(root, kind):
            data = doc.path.read_bytes()
            try:
                pages = read_document(data, media.sniff_media_type(data, doc.path.name)).pages
                extracted = extract_fields(pages)
            except UnreadableDocument:
                extracted = None
            scores = score_document(extracted, doc.truth)
            right += sum(scores.values())
            scored += len(scores)
    return right, scored


@pytest.mark.slow
def test_text_pdf_accuracy_on_visible_text() -> None:
    """GIVEN every text PDF of the corpus, read without its embedded XML THEN >= 90% of fields are right."""
    right, scored = _accuracy("text-pdf")
    assert scored > 0
    assert right / scored >= TEXT_PDF_THRESHOLD, f"{right}/{scored} = {right / scored:.3f}"


@pytest.mark.slow
def test_ocr_accuracy_on_images_and_scans() -> None:
    """GIVEN every photo and scanned PDF of the corpus, read by OCR THEN the measured share of fields is right."""
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed: the OCR slices of the corpus cannot be read")
    right, scored = _accuracy("image", "scanned-pdf")
    assert scored > 0
    assert right / scored >= OCR_THRESHOLD, f"{right}/{scored} = {right / scored:.3f}"
