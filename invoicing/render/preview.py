"""A picture of one page of a rendered invoice, for the chat (pypdfium2)."""

from __future__ import annotations

import io

import pypdfium2 as pdfium

from invoicing.errors import InvoicingError

#: Wide enough to read the amounts on a phone, small enough to send quickly.
DEFAULT_WIDTH = 1000
_MAX_WIDTH = 4000


class PreviewError(InvoicingError):
    """The page asked for cannot be drawn (no such page, not a PDF)."""


def preview_png(pdf: bytes, page: int = 0, width: int = DEFAULT_WIDTH) -> bytes:
    """Return page `page` (from 0) of `pdf` as a PNG `width` pixels wide, on white."""
    if not 16 <= width <= _MAX_WIDTH:
        raise PreviewError(f"a preview is 16 to {_MAX_WIDTH} pixels wide, not {width}")
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as e:
        raise PreviewError(f"not a readable PDF: {e}") from e
    try:
        if not 0 <= page < len(document):
            raise PreviewError(f"the PDF has {len(document)} page(s); there is no page {page + 1}")
        sheet = document[page]
        image = sheet.render(scale=width / sheet.get_width(), fill_color=(255, 255, 255, 255)).to_pil()
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG", optimize=False)
        return out.getvalue()
    finally:
        document.close()
