"""Accuracy of field extraction on the visible text of the corpus's text PDFs."""

from __future__ import annotations

import pytest

from bench.scoring import score_document
from intake import media
from intake.fields import extract_fields
from intake.readers import read_document
from tests.corpus import corpus_docs, require_corpus

TEXT_PDF_TARGET = 0.90


@pytest.mark.slow
def test_text_pdf_accuracy_on_visible_text() -> None:
    """GIVEN every text PDF of the corpus, read without its embedded XML THEN >= 90% of fields are right."""
    root = require_corpus()
    right = scored = 0
    for doc in corpus_docs(root, "text-pdf"):
        pages = read_document(doc.path.read_bytes(), media.PDF).pages
        scores = score_document(extract_fields(pages), doc.truth)
        right += sum(scores.values())
        scored += len(scores)
    assert scored > 0
    assert right / scored >= TEXT_PDF_TARGET, f"{right}/{scored} = {right / scored:.3f}"
