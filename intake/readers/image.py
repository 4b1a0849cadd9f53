"""Read pictures by OCR: image files (photos, scans, multi-page TIFF) and scanned PDF pages.

Pillow reads the header (size, resolution, frames, EXIF orientation) to check the image, then
decodes each picture (each frame of a multi-page TIFF) and prepares it for OCR (`intake.preprocess`:
grey, even light, deskew). A scanned PDF page that is one embedded image is OCR'd from that image
at its own resolution, prepared the same way; any other page without text is rendered at 300 dpi.
Every picture is read by the engine `OcrOptions` choose for it; one that tesseract reads poorly is
turned upright and read again (`intake.orientation`). The picture OCR read is also searched for a
payment QR code (decoded once, a fraction of the OCR's time). Under the engine "both" a short
document's pictures are kept for RapidOCR to read again (`read_again`).
"""

from __future__ import annotations

import io
import logging
import math
import re
import struct
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageFile, ImageOps

from intake import neural_ocr
from intake.errors import BrokenDocument, DocumentTooLarge, EmptyDocument, ImageTooLarge
from intake.ocr import OcrOptions, PixelWord, place_words
from intake.orientation import Reading, read_upright
from intake.preprocess import Prepared, prepare_for_ocr
from intake.qr import PaymentQr, find_payment_qr
from intake.words import Page, Picture, ReadDocument, Word

log = logging.getLogger(__name__)

#: Resolution assumed when an image file states none (or an implausible one).
DEFAULT_DPI = 300.0
RENDER_DPI = 300.0
#: An embedded image must cover this share of the page to stand for the whole page.
_FULL_PAGE = 0.9
_EXIF_ORIENTATION = 0x0112
# Pillow's decoders raise any of these on malformed input.
_PIL_ERRORS = (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError, struct.error)


def read_image(data: bytes, options: OcrOptions) -> ReadDocument:
    """Return the pages (one per frame) that OCR reads in an image file."""
    # A truncated image is broken, whatever a library loaded beside us set (WeasyPrint turns
    # Pillow's process-wide LOAD_TRUNCATED_IMAGES on when imported).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    image = open_image(data, options.max_pixels)
    resolutions = _frame_resolutions(image, options)
    keep = options.keeps_pictures(len(resolutions))
    pages: list[Page] = []
    pictures: dict[int, Picture] = {}
    qr: PaymentQr | None = None
    with tempfile.TemporaryDirectory(prefix="invoicebot-ocr-") as tmp:
        for number, dpi in enumerate(resolutions, start=1):
            picture = _frame_picture(image, number - 1, copy=keep and len(resolutions) > 1)
            # Both engines read the picture straightened: words on a tilted line would fall into
            # the rows above or below them.
            ready = prepare_for_ocr(picture)
            reading = _first_reading(picture, ready, Path(tmp), options)
            points = 72.0 / (dpi * ready.scale)  # per pixel of the prepared picture
            width, height = ready.image.width * points, ready.image.height * points
            box = (0.0, 0.0, height, width) if reading.sideways else (0.0, 0.0, width, height)
            pages.append(Page(number, box[2], box[3], _on_box(reading.words, reading.image, box), ocr=True))
            if keep:
                pictures[number] = Picture(picture, ready.rotated, reading.turned, box)
            # The picture as tesseract read it, grey and evenly lit: the QR decoder reads it as
            # well and in a fifth of the time of the colour original.
            qr = qr or find_payment_qr([ready.image])
    if not any(page.words for page in pages):
        raise EmptyDocument("no text found in the image")
    return ReadDocument(pages=tuple(pages), payment_qr=qr, pictures=pictures)


def read_again(document: ReadDocument, options: OcrOptions) -> tuple[Page, ...]:
    """Return the document's pages with the words RapidOCR reads in the pictures its first reading
    kept (`ReadDocument.pictures`), turned as that reading found them upright; pages without a
    kept picture as they were."""
    pages = []
    for page in document.pages:
        picture = document.pictures.get(page.number)
        if picture is not None:
            reading = _neural_reading(picture.image, picture.rotated, options, turned=picture.turned)
            page = replace(page, words=_on_box(reading.words, reading.image, picture.box))
        pages.append(page)
    return tuple(pages)


def _frame_picture(image: Image.Image, index: int, *, copy: bool) -> Image.Image:
    """Return frame `index` (one `_frame_resolutions` found) of the image decoded, turned upright
    (EXIF) and on white; with `copy`, pixels of its own that outlive the next frame's decoding."""
    image.seek(index)
    picture = _prepared(image) or _decoded(image)
    return picture.copy() if copy and picture is image else picture


def _first_reading(
    picture: Image.Image, ready: Prepared, tmp: Path, options: OcrOptions, *, dpi: int | None = None,
    by_shape: bool = True,
) -> Reading:  # fmt: skip
    """Return the reading of a picture by the engine `options` choose for its size: RapidOCR's
    (`_neural_reading`), or tesseract's of the picture prepared, turned upright where it reads
    poorly (`read_upright`; with `by_shape`, a receipt-shaped turn read as a receipt)."""
    if options.neural_for(picture.width, picture.height):
        return _neural_reading(picture, ready.rotated, options)
    return read_upright(ready.image, tmp / "prepared.pnm", options, dpi=dpi, by_shape=by_shape)


def _on_box(words: list[PixelWord], image: Image.Image, box: tuple[float, float, float, float]) -> tuple[Word, ...]:
    """Return words read on `image` placed in points on the page, where the image covers `box`
    (left, top, width, height)."""
    left, top, width, height = box
    return place_words(words, width / image.width, height / image.height, left=left, top=top)


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Return the image with only its header read; refuse broken or oversized images."""
    if not data:
        raise EmptyDocument("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as e:
        raise ImageTooLarge(_pixels_in(str(e)), max_pixels) from e
    except _PIL_ERRORS as e:
        raise BrokenDocument(f"not a readable image: {e}") from e
    if image.width * image.height > max_pixels:
        raise ImageTooLarge(image.width * image.height, max_pixels)
    if image.width == 0 or image.height == 0:
        raise BrokenDocument("the image has no pixels")
    return image


def _pixels_in(message: str) -> int | None:
    """Return the pixel count quoted in Pillow's decompression-bomb message, if any."""
    found = re.search(r"\((\d+) pixels\)", message)
    return int(found.group(1)) if found else None


def _frame_resolutions(image: Image.Image, options: OcrOptions) -> list[float]:
    """Return the resolution of every frame; refuse too many or too large frames."""
    count = getattr(image, "n_frames", 1)
    if count > options.max_pages:
        raise DocumentTooLarge("number of pages in the image", count, options.max_pages)
    resolutions = []
    try:
        for index in range(count):
            image.seek(index)
            if image.width * image.height > options.max_pixels:
                raise ImageTooLarge(image.width * image.height, options.max_pixels)
            resolutions.append(_resolution(image))
        image.seek(0)
    except _PIL_ERRORS as e:
        raise BrokenDocument(f"broken multi-page image: {e}") from e
    return resolutions


def _resolution(image: Image.Image) -> float:
    """Return the current frame's resolution, or `DEFAULT_DPI` if it states none."""
    dpi = image.info.get("dpi")
    x_dpi = float(dpi[0]) if isinstance(dpi, tuple) and dpi else 0.0
    if not 50.0 <= x_dpi <= 2400.0:
        x_dpi = DEFAULT_DPI
    return x_dpi


def _prepared(image: Image.Image) -> Image.Image | None:
    """Return the image turned upright and on white, or None when it can go as it is."""
    orientation = 1
    # Pillow decodes a whole PNG to look for EXIF after the pixels; only a leading one counts.
    if image.format != "PNG" or "exif" in image.info:
        try:
            orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
        except _PIL_ERRORS:
            orientation = 1
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if orientation in (1, None) and not transparent:
        return None
    decoded = _decoded(image)
    if orientation not in (1, None):
        decoded = ImageOps.exif_transpose(decoded)
    if transparent:
        decoded = _on_white(decoded)
    return decoded


def _decoded(image: Image.Image) -> Image.Image:
    """Return the image's pixels, loaded; raise `BrokenDocument` when the data is damaged."""
    try:
        image.load()
    except _PIL_ERRORS as e:
        raise BrokenDocument(f"the image cannot be decoded: {e}") from e
    return image


def _on_white(image: Image.Image) -> Image.Image:
    """Return the image composed over a white background (tesseract reads transparency as black)."""
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _pnm_mode(image: Image.Image) -> Image.Image:
    """Return the image in a mode a PNM file holds: bilevel, grey or RGB on white."""
    if image.mode not in ("1", "L", "RGB"):
        return _on_white(image) if "A" in image.mode else image.convert("RGB")
    return image


@dataclass(frozen=True, slots=True)
class OcrPage:
    """The words OCR read on a PDF page and the payment QR code on the picture it read."""

    words: tuple[Word, ...]
    payment_qr: PaymentQr | None
    #: True when the page's picture was read turned a quarter: the words' page is its height wide.
    sideways: bool = False
    #: The picture read, for a second engine to read again.
    picture: Picture | None = None


def ocr_pdf_page(page: pdfium.PdfPage, options: OcrOptions) -> OcrPage:
    """Return the words OCR reads on a PDF page and the payment QR code on the picture it read.

    Words are placed in points from the page's top-left corner (of the page turned upright).
    A page that draws nothing is not rendered: a blank page of 200 by 200 inches, or thousands
    of them, would otherwise hold a reader for minutes to find no word.
    """
    if _draws_nothing(page):
        return OcrPage((), None)
    image = _full_page_image(page, options)
    with tempfile.TemporaryDirectory(prefix="invoicebot-ocr-") as tmp:
        if image is not None:
            return _ocr_embedded(image, page, Path(tmp), options)
        return _ocr_rendered(page, Path(tmp), options)


#: A picture on a page with a text layer is read when it is at least this many pixels wide and
#: high (smaller ones are icons and marks), and at most this many of them per page.
_MIN_PICTURE_PX = (150, 24)
_MAX_PICTURES = 4


def ocr_pictures(page: pdfium.PdfPage, options: OcrOptions) -> tuple[Word, ...]:
    """Return the words OCR reads in the upright pictures on a page that has a text layer
    (a seller's details pasted as an image), placed on the page in points.

    The pictures are read largest first; one read turned a quarter gives no words (they would
    not lie where the picture is on the page).
    """
    if page.get_rotation() != 0:
        return ()
    pictures = sorted(_upright_pictures(page, options), key=lambda i: -math.prod(i.get_px_size()))
    words: list[Word] = []
    with tempfile.TemporaryDirectory(prefix="invoicebot-ocr-") as tmp:
        for picture in pictures[:_MAX_PICTURES]:
            try:
                read = _ocr_embedded(picture, page, Path(tmp), options, look_for_qr=False)
            except (pdfium.PdfiumError, BrokenDocument, ImageTooLarge) as e:
                log.info("a picture on a page with text cannot be read: %s", e)
                continue
            if not read.sideways:
                words += read.words
    return tuple(words)


def _upright_pictures(page: pdfium.PdfPage, options: OcrOptions) -> Iterator[pdfium.PdfImage]:
    """Yield the page's unturned pictures large enough to hold a line of text."""
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        width, height = image.get_px_size()
        large_enough = width >= _MIN_PICTURE_PX[0] and height >= _MIN_PICTURE_PX[1]
        if large_enough and width * height <= options.max_pixels and _upright(image):
            yield image


def _upright(image: pdfium.PdfImage) -> bool:
    """Return whether the image is drawn neither turned nor mirrored (its pixels' rows run
    left to right across the page)."""
    matrix = image.get_matrix()
    return matrix.b == 0 and matrix.c == 0 and matrix.a > 0 and matrix.d > 0


def _draws_nothing(page: pdfium.PdfPage) -> bool:
    """Return True when the page has neither content objects nor annotations (form fields,
    stamps), so that its rendering is blank."""
    if pdfium_c.FPDFPage_GetAnnotCount(page.raw) > 0:
        return False
    return next(iter(page.get_objects(max_depth=1)), None) is None


def _full_page_image(page: pdfium.PdfPage, options: OcrOptions) -> pdfium.PdfImage | None:
    """Return the page's only content when it is one upright image covering the page."""
    if page.get_rotation() != 0:
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return None
    image = objects[0]
    width, height = image.get_px_size()
    if not _upright(image):
        return None
    if width * height == 0 or width * height > options.max_pixels:
        return None
    left, bottom, right, top = image.get_bounds()
    c_left, c_bottom, c_right, c_top = page.get_cropbox()
    page_area = (c_right - c_left) * (c_top - c_bottom)
    if page_area <= 0 or (right - left) * (top - bottom) < _FULL_PAGE * page_area:
        return None
    return image


def _neural_reading(picture: Image.Image, rotated: float, options: OcrOptions, *, turned: int = 0) -> Reading:
    """Return RapidOCR's reading of `picture` at its own size, turned `rotated` degrees as it was
    prepared for tesseract and then `turned` clockwise as tesseract found it upright; a
    receipt-shaped picture's words are cut as a till receipt's."""
    image = neural_ocr.straightened(picture, rotated)
    if turned:
        image = image.rotate(-turned, expand=True)
    receipt = options.receipt_shaped(image.width, image.height)
    return Reading(neural_ocr.read_picture(image, receipt=receipt), image, turned)


def _ocr_embedded(
    image: pdfium.PdfImage, page: pdfium.PdfPage, tmp: Path, options: OcrOptions, *, look_for_qr: bool = True
) -> OcrPage:
    """Return the words of an embedded image, OCR'd at the image's own resolution, and with
    `look_for_qr` the payment QR code in it (a page with a text layer has its own looked for)."""
    width, height = image.get_px_size()
    left, bottom, right, top = image.get_bounds()
    if image.get_filters() == ["DCTDecode"] and _plain_jpeg_colours(image):
        jpeg = bytes(image.get_data(decode_simple=False))
        picture = _decoded(open_image(jpeg, options.max_pixels))
        pictures = _embedded_picture(image)
    else:
        # Lossless: the decoded pixels at native size, not a rendering.
        picture = image.get_bitmap(render=False).to_pil()
        pictures = iter([picture])
    ready = prepare_for_ocr(picture)
    dpi = round(width * ready.scale * 72.0 / (right - left))
    reading = _first_reading(picture, ready, tmp, options, dpi=dpi)
    c_left, _, _, c_top = page.get_cropbox()
    if reading.sideways:
        # The words lie on the page turned upright: the picture's box with width and height swapped.
        box = (c_top - top, left - c_left, top - bottom, right - left)
    else:
        box = (left - c_left, c_top - top, right - left, top - bottom)
    return OcrPage(
        _on_box(reading.words, reading.image, box),
        find_payment_qr(pictures) if look_for_qr else None,
        reading.sideways,
        Picture(picture, ready.rotated, reading.turned, box),
    )


def _embedded_picture(image: pdfium.PdfImage) -> Iterator[Image.Image]:
    """Yield the embedded image's pixels at native size, if pdfium can decode them."""
    try:
        yield image.get_bitmap(render=False).to_pil()
    except pdfium.PdfiumError as e:
        log.info("the page's picture cannot be decoded to look for a QR code: %s", e)


def _plain_jpeg_colours(image: pdfium.PdfImage) -> bool:
    """Return True when the JPEG's colours mean the same to leptonica as to the PDF."""
    metadata = image.get_metadata()
    return metadata.colorspace in (
        pdfium_c.FPDF_COLORSPACE_DEVICEGRAY,
        pdfium_c.FPDF_COLORSPACE_DEVICERGB,
        pdfium_c.FPDF_COLORSPACE_ICCBASED,
    ) and metadata.bits_per_pixel in (8, 24)


def _ocr_rendered(page: pdfium.PdfPage, tmp: Path, options: OcrOptions) -> OcrPage:
    """Return the words of the page rendered at 300 dpi (less if that exceeds the pixel limit).
    A rendering is straight and its print large enough: it is not prepared."""
    width, height = page.get_size()
    scale = RENDER_DPI / 72.0
    if width * height * scale * scale > options.max_pixels:
        scale = math.sqrt(options.max_pixels / (width * height))
    picture = page.render(scale=scale, rev_byteorder=True).to_pil()
    ready = Prepared(_pnm_mode(picture), scale=1.0, rotated=0.0)
    reading = _first_reading(picture, ready, tmp, options, dpi=round(72.0 * scale), by_shape=False)
    box = (0.0, 0.0, reading.image.width / scale, reading.image.height / scale)
    return OcrPage(
        _on_box(reading.words, reading.image, box),
        find_payment_qr([picture]),
        reading.sideways,
        Picture(picture, 0.0, reading.turned, box),
    )
