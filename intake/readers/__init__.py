"""Read a document's pages into positioned words: PDF text layer, OCR for scans and images."""

from __future__ import annotations

from intake import media
from intake.errors import EmptyDocument, UnsupportedMediaType
from intake.ocr import OcrOptions
from intake.readers.image import read_again, read_image
from intake.readers.pdf import MAX_PAGES, read_pdf
from intake.words import ReadDocument

__all__ = ["MAX_PAGES", "OcrOptions", "read_again", "read_document"]


def read_document(
    data: bytes, media_type: str, ocr: OcrOptions | None = None, max_pages: int = MAX_PAGES
) -> ReadDocument:
    """Return the pages of a PDF or image file with their words (OCR where there is no text),
    at most `max_pages` of a PDF.

    Raises an `UnreadableDocument` subclass for empty, broken, encrypted, oversized or
    unsupported files.
    """
    options = ocr if ocr is not None else OcrOptions()
    if not data:
        raise EmptyDocument("empty file (0 bytes)")
    if media_type == media.PDF:
        return read_pdf(data, options, max_pages)
    if media_type in media.IMAGE_TYPES:
        return read_image(data, options)
    raise UnsupportedMediaType(media_type)
