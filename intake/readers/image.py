"""Read pictures by OCR: image files (photos, scans, multi-page TIFF) and scanned PDF pages.

Pillow reads the header (size, resolution, frames, EXIF orientation) to check the image, then
decodes a single picture and prepares it for tesseract (`intake.preprocess`: grey, even light,
deskew) into an uncompressed file; multi-page TIFFs still go to tesseract as they are. A scanned
PDF page that is one embedded image is OCR'd from that image at its own resolution, prepared the
same way; any other page without text is rendered at 300 dpi. A single picture or page that
reads poorly is turned upright and read again (`intake.orientation`). The picture OCR read is also
searched for a payment QR code (decoded once, a fraction of the OCR's time).
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
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageFile, ImageOps

from intake import media, neural_ocr
from intake.errors import BrokenDocument, DocumentTooLarge, EmptyDocument, ImageTooLarge
from intake.ocr import OcrOptions, PixelWord, ocr_file, place_words
from intake.orientation import Reading, read_upright
from intake.preprocess import Prepared, prepare_for_ocr
from intake.qr import PaymentQr, find_payment_qr
from intake.words import Page, ReadDocument, Word

log = logging.getLogger(__name__)

#: Resolution assumed when an image file states none (or an implausible one).
DEFAULT_DPI = 300.0
RENDER_DPI = 300.0
#: An embedded image must cover this share of the page to stand for the whole page.
_FULL_PAGE = 0.9
_SUFFIX = {media.PNG: ".png", media.JPEG: ".jpg", media.TIFF: ".tif"}
_EXIF_ORIENTATION = 0x0112
# Pillow's decoders raise any of these on malformed input.
_PIL_ERRORS = (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError, struct.error)


@dataclass(frozen=True, slots=True)
class Frame:
    """One picture inside an image file: its size in pixels and its resolution."""

    width: int
    height: int
    dpi: float

    def page(self, number: int, words: list[PixelWord]) -> Page:
        """Return the frame as a page in points, with the words tesseract found on it."""
        scale = 72.0 / self.dpi
        return Page(
            number=number,
            width=self.width * scale,
            height=self.height * scale,
            words=place_words(words, scale, scale),
            ocr=True,
        )


def read_image(data: bytes, media_type: str, options: OcrOptions) -> ReadDocument:
    """Return the pages (one per frame) that OCR reads in an image file."""
    # A truncated image is broken, whatever a library loaded beside us set (WeasyPrint turns
    # Pillow's process-wide LOAD_TRUNCATED_IMAGES on when imported).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    image = open_image(data, options.max_pixels)
    frames = _frames(image, options)
    with tempfile.TemporaryDirectory(prefix="invoicebot-ocr-") as tmp:
        path = Path(tmp) / f"image{_SUFFIX.get(media_type, '.img')}"
        prepared = (_prepared(image) or _decoded(image)) if len(frames) == 1 else None
        cleaned = None
        if prepared is not None:
            # Both engines read the picture straightened: words on a tilted line would fall into
            # the rows above or below them.
            ready = prepare_for_ocr(prepared)
            cleaned = ready.image
            if options.neural_for(prepared.width, prepared.height):
                reading = _neural_reading(prepared, ready, options)
            else:
                reading = read_upright(ready.image, path.with_name("prepared.pnm"), options)
            words = reading.words
            frames = [Frame(reading.image.width, reading.image.height, frames[0].dpi * ready.scale)]
        else:
            path.write_bytes(data)
            words = ocr_file(path, options, pages=len(frames))
    by_frame: dict[int, list[PixelWord]] = {}
    for word in words:
        by_frame.setdefault(word.page, []).append(word)
    if not by_frame:
        raise EmptyDocument("no text found in the image")
    pages = tuple(frame.page(i, by_frame.get(i, [])) for i, frame in enumerate(frames, start=1))
    return ReadDocument(pages=pages, payment_qr=find_payment_qr(_pictures(image, cleaned)))


def _pictures(image: Image.Image, cleaned: Image.Image | None) -> Iterator[Image.Image]:
    """Yield the picture OCR read, frame by frame, decoded; stop at one that cannot be.

    A single picture is given as tesseract read it (`cleaned`): grey and evenly lit, which the
    QR decoder reads as well and in a fifth of the time of the colour original."""
    if cleaned is not None:
        yield cleaned
        return
    for index in range(getattr(image, "n_frames", 1)):
        try:
            image.seek(index)
            image.load()
        except _PIL_ERRORS as e:
            log.info("frame %d cannot be decoded to look for a QR code: %s", index + 1, e)
            return
        yield image


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


def _frames(image: Image.Image, options: OcrOptions) -> list[Frame]:
    """Return the size and resolution of every frame; refuse too many or too large frames."""
    count = getattr(image, "n_frames", 1)
    if count > options.max_pages:
        raise DocumentTooLarge("number of pages in the image", count, options.max_pages)
    frames = []
    try:
        for index in range(count):
            image.seek(index)
            if image.width * image.height > options.max_pixels:
                raise ImageTooLarge(image.width * image.height, options.max_pixels)
            frames.append(_frame(image))
        image.seek(0)
    except _PIL_ERRORS as e:
        raise BrokenDocument(f"broken multi-page image: {e}") from e
    return frames


def _frame(image: Image.Image) -> Frame:
    """Return the current frame's size and its resolution, or `DEFAULT_DPI` if it has none."""
    dpi = image.info.get("dpi")
    x_dpi = float(dpi[0]) if isinstance(dpi, tuple) and dpi else 0.0
    if not 50.0 <= x_dpi <= 2400.0:
        x_dpi = DEFAULT_DPI
    return Frame(width=image.width, height=image.height, dpi=x_dpi)


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


def _neural_reading(picture: Image.Image, ready: Prepared, options: OcrOptions) -> Reading:
    """Return RapidOCR's reading of `picture` turned as `ready` was prepared for tesseract, its
    words placed on `ready`'s picture (enlarged where the print is small); a receipt-shaped
    picture's words are cut as a till receipt's."""
    straight = neural_ocr.straightened(picture, ready)
    receipt = options.receipt_shaped(straight.width, straight.height)
    words = neural_ocr.read_picture(straight, receipt=receipt)
    return Reading([word.scaled(ready.scale) for word in words], ready.image)


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
    if options.neural_for(picture.width, picture.height):
        reading = _neural_reading(picture, ready, options)
    else:
        dpi = round(width * ready.scale * 72.0 / (right - left))
        reading = read_upright(ready.image, tmp / "prepared.pnm", options, dpi=dpi)
    c_left, _, _, c_top = page.get_cropbox()
    if reading.sideways:
        # The words lie on the page turned upright: the picture's box with width and height swapped.
        scale_x = (top - bottom) / reading.image.width
        scale_y = (right - left) / reading.image.height
        placed = place_words(reading.words, scale_x, scale_y, left=c_top - top, top=left - c_left)
    else:
        scale_x = (right - left) / reading.image.width
        scale_y = (top - bottom) / reading.image.height
        placed = place_words(reading.words, scale_x, scale_y, left=left - c_left, top=c_top - top)
    return OcrPage(placed, find_payment_qr(pictures) if look_for_qr else None, reading.sideways)


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
    """Return the words of the page rendered at 300 dpi (less if that exceeds the pixel limit)."""
    width, height = page.get_size()
    scale = RENDER_DPI / 72.0
    if width * height * scale * scale > options.max_pixels:
        scale = math.sqrt(options.max_pixels / (width * height))
    picture = page.render(scale=scale, rev_byteorder=True).to_pil()
    reading = read_upright(
        _pnm_mode(picture), tmp / "page.pnm", options, dpi=round(72.0 * scale), by_shape=False
    )
    placed = place_words(reading.words, 1.0 / scale, 1.0 / scale)
    return OcrPage(placed, find_payment_qr([picture]), reading.sideways)
