"""Preview images of documents for the approval message: the first page, small, as PNG.

Rendering is CPU-bound, so it runs on one worker thread of its own (pdfium is not thread-safe),
never on the event loop.
"""

from __future__ import annotations

import asyncio
import io
import logging
from concurrent.futures import ThreadPoolExecutor

import pypdfium2 as pdfium
from PIL import Image

from intake import media

log = logging.getLogger(__name__)

#: Low resolution: enough to recognise the document, small enough to send fast.
PREVIEW_DPI = 60
#: Longest side of a preview, in pixels.
MAX_SIDE = 1000
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="preview")


def render_preview(data: bytes, media_type: str) -> bytes | None:
    """Return a PNG of the first page of a PDF or a downscaled image, or None when there is none."""
    try:
        if media_type == media.PDF:
            image = _first_page(data)
        elif media_type in media.IMAGE_TYPES:
            image = Image.open(io.BytesIO(data))
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            image = image.convert("RGB")
        else:
            return None
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        out = io.BytesIO()
        image.save(out, "PNG", optimize=False)
        return out.getvalue()
    except Exception as e:  # noqa: BLE001 - a preview is a courtesy; the document itself is still sent
        log.info("no preview (%s): %s", media_type, e)
        return None


def _first_page(data: bytes) -> Image.Image:
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        bitmap = page.render(scale=PREVIEW_DPI / 72)
        return bitmap.to_pil().convert("RGB")
    finally:
        pdf.close()


async def preview(data: bytes, media_type: str) -> bytes | None:
    """Return the preview of a document, rendered off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_EXECUTOR, render_preview, data, media_type)
