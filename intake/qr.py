"""Payment QR codes: the Swiss QR-bill and the EPC "GiroCode" give IBAN, amount and reference.

The parsers are pure and refuse (return None) anything that is not a well-formed payment code:
a QR code that links to a website is not an error, and a payment code with a bad IBAN checksum
or a malformed amount is not to be trusted. `find_payment_qr` decodes pictures with zxing-cpp;
`pdf_page_qr` looks at a text PDF page only when it is likely to carry a payment code.
"""

from __future__ import annotations

import ctypes
import logging
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import zxingcpp
from PIL import Image
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.ch import esr

log = logging.getLogger(__name__)


class QrKind(StrEnum):
    SWISS = "swiss-qr-bill"
    EPC = "epc-girocode"


@dataclass(frozen=True, slots=True)
class PaymentQr:
    """What a payment QR code says: whom to pay, how much, and with which reference."""

    kind: QrKind
    iban: str
    creditor_name: str
    currency: str
    amount: Decimal | None = None
    #: A structured reference (Swiss QR reference, ISO 11649 "RF..." or another EPC one).
    reference: str | None = None
    #: Free text for the payer's bank statement (unstructured remittance information).
    message: str | None = None
    bic: str | None = None


_MIN_AMOUNT, _MAX_AMOUNT = Decimal("0.01"), Decimal("999999999.99")
_AMOUNT = re.compile(r"\d{1,9}(?:\.\d{1,2})?")
_LINE_BREAK = re.compile(r"\r?\n")
#: EPC069-12 character set numbers.
_EPC_CHARSETS = {
    "1": "utf-8", "2": "iso-8859-1", "3": "iso-8859-2", "4": "iso-8859-4",
    "5": "iso-8859-5", "6": "iso-8859-7", "7": "iso-8859-10", "8": "iso-8859-15",
}  # fmt: skip
_EPC_MAX_BYTES = 331
# A Swiss QR-bill has 31 lines up to its "EPD" trailer, then up to three optional ones.
_SWISS_LINES, _SWISS_MAX_LINES = 31, 34


def _lines(text: str) -> list[str]:
    return [line.strip() for line in _LINE_BREAK.split(text.strip("\r\n"))]


def _amount(text: str) -> Decimal:
    """Return the amount in a payment code, or raise ValueError when it is malformed."""
    if not _AMOUNT.fullmatch(text) or not _MIN_AMOUNT <= Decimal(text) <= _MAX_AMOUNT:
        raise ValueError(f"not a payment amount: {text!r}")
    return Decimal(text).quantize(Decimal("0.01"))


def _is_qr_iban(iban: str) -> bool:
    """Return True for a Swiss QR-IBAN (institution id 30000-31999), used with QR references."""
    return iban[:2] in ("CH", "LI") and 30000 <= int(iban[4:9]) <= 31999


def parse_swiss_qr(text: str) -> PaymentQr | None:
    """Return the payment in a Swiss QR-bill payload ("SPC", version 02xx), or None."""
    lines = _lines(text)
    if not _SWISS_LINES <= len(lines) <= _SWISS_MAX_LINES or lines[0] != "SPC":
        return None
    if not re.fullmatch(r"02\d\d", lines[1]) or lines[2] != "1" or lines[30] != "EPD":
        return None
    iban = stdnum_iban.compact(lines[3])
    if iban[:2] not in ("CH", "LI") or not stdnum_iban.is_valid(iban):
        return None
    address_type, name = lines[4], lines[5]
    if address_type not in ("S", "K") or not name or len(name) > 70:
        return None
    currency = lines[19]
    if currency not in ("CHF", "EUR"):
        return None
    try:
        amount = _amount(lines[18]) if lines[18] else None
    except ValueError:
        return None
    reference = lines[28].replace(" ", "")
    if not _swiss_reference_fits(lines[27], reference, iban):
        return None
    return PaymentQr(
        kind=QrKind.SWISS,
        iban=iban,
        creditor_name=name,
        currency=currency,
        amount=amount,
        reference=reference or None,
        message=lines[29][:140] or None,
    )


def _swiss_reference_fits(kind: str, reference: str, iban: str) -> bool:
    """Return True when the reference is valid for its type, and the type for the IBAN.

    A QR reference (QRR) goes only with a QR-IBAN; a creditor reference (SCOR) or none (NON)
    only with an ordinary IBAN.
    """
    if kind == "QRR":
        return _is_qr_iban(iban) and len(reference) == 27 and bool(esr.is_valid(reference))
    if kind == "SCOR":
        return not _is_qr_iban(iban) and bool(iso11649.is_valid(reference))
    return kind == "NON" and not _is_qr_iban(iban) and not reference


def parse_epc(text: str) -> PaymentQr | None:
    """Return the payment in an EPC069-12 "GiroCode" payload (BCD, version 001/002), or None."""
    lines = _lines(text)
    if not 7 <= len(lines) <= 12 or lines[0] != "BCD" or lines[1] not in ("001", "002"):
        return None
    lines += [""] * (12 - len(lines))
    _, version, charset, identification, bic, name, iban, amount_text, *_ = lines
    if charset not in _EPC_CHARSETS or identification != "SCT":
        return None
    if bic and not stdnum_bic.is_valid(bic) or not bic and version == "001":
        return None
    iban = stdnum_iban.compact(iban)
    if not name or len(name) > 70 or not stdnum_iban.is_valid(iban):
        return None
    amount = None
    if amount_text:
        if not amount_text.startswith("EUR"):
            return None
        try:
            amount = _amount(amount_text[3:])
        except ValueError:
            return None
    reference, message = lines[9].replace(" ", ""), lines[10]
    if len(reference) > 35 or len(message) > 140:
        return None
    if reference[:2].upper() == "RF" and not iso11649.is_valid(reference):
        return None
    return PaymentQr(
        kind=QrKind.EPC,
        iban=iban,
        creditor_name=name,
        currency="EUR",
        amount=amount,
        reference=reference or None,
        message=message or None,
        bic=stdnum_bic.compact(bic) if bic else None,
    )


def parse_payment_qr(raw: bytes) -> PaymentQr | None:
    """Return the payment in a QR code's raw bytes, decoded in the character set its format uses."""
    if raw.startswith(b"SPC"):
        encoding: str | None = "utf-8"
        parse = parse_swiss_qr
    elif raw.startswith(b"BCD") and len(raw) <= _EPC_MAX_BYTES:
        head = raw.split(b"\n", 3)
        encoding = _EPC_CHARSETS.get(head[2].strip().decode("latin-1")) if len(head) > 3 else None
        parse = parse_epc
    else:
        return None
    try:
        return parse(raw.decode(encoding)) if encoding else None
    except UnicodeDecodeError:
        return None


def find_payment_qr(images: Iterable[Image.Image]) -> PaymentQr | None:
    """Return the first payment QR code found in the pictures, or None."""
    for image in images:
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            # Transparent pixels are black underneath: the code was meant to be seen on paper.
            image = _on_white(image)
        elif image.mode not in ("L", "RGB"):
            image = image.convert("L")
        try:
            # Payment codes are printed dark on light: no need to try inverted pictures.
            barcodes = zxingcpp.read_barcodes(
                image, formats=zxingcpp.BarcodeFormat.QRCode, try_invert=False
            )
        except (ValueError, RuntimeError, TypeError) as e:
            log.info("QR decoding failed: %s", e)
            continue
        for barcode in barcodes:
            found = parse_payment_qr(barcode.bytes)
            if found is not None:
                return found
    return None


def _on_white(image: Image.Image) -> Image.Image:
    """Return the image composed over white, in greys."""
    rgba = image.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("L")


#: Words printed beside payment codes: the QR-bill's part titles and the GiroCode's names.
_QR_WORDS = re.compile(
    r"Zahlteil|Payment part|Section paiement|Sezione pagamento|Empfangsschein"
    r"|Girocode|GiroCode|Scan2Pay|\bQR"
)
#: A page object whose bounds are square and this size (points, 1 to 9 cm) may be a QR code,
_QR_SIDE = (28.0, 260.0)
#: Many small path objects (vector-drawn modules) may be a QR code too.
_SMALL_PATH_SIDE, _SMALL_PATHS = 8.0, 50
_SQUARE_PATH_SEGMENTS = 100
#: Text pages that may carry a code are rendered at this resolution for decoding,
SCAN_DPI = 150.0
#: or lower where the page would have more pixels than this (or than the caller allows).
MAX_SCAN_PIXELS = 60_000_000


def pdf_page_qr(page: pdfium.PdfPage, text: str, max_pixels: int = MAX_SCAN_PIXELS) -> PaymentQr | None:
    """Return the payment QR code on a text PDF page, looking only where one is likely.

    A square picture is decoded on its own at its native resolution (cheap); a page whose text
    names a payment part or a GiroCode, or that draws a QR code in vectors, is rendered, with at
    most `max_pixels` pixels.
    """
    pictures, vector_code = _qr_like_objects(page)
    found = find_payment_qr(_drawn(page, pictures))
    if found is None and (vector_code or _QR_WORDS.search(text)):
        width, height = page.get_size()
        bitmap = page.render(scale=scan_scale(width, height, max_pixels), grayscale=True)
        found = find_payment_qr([bitmap.to_pil()])
    return found


def scan_scale(width: float, height: float, max_pixels: int) -> float:
    """Return the scale to render a page of this size (points) at: `SCAN_DPI`, or lower so that
    it has at most `max_pixels` pixels."""
    scale = SCAN_DPI / 72.0
    area = max(width * height, 1.0)
    if area * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / area)
    return scale


def _square(x0: float, y0: float, x1: float, y1: float, low: float, high: float) -> bool:
    width, height = x1 - x0, y1 - y0
    return low <= width <= high and 0.9 * width <= height <= 1.1 * width


def _qr_like_objects(page: pdfium.PdfPage) -> tuple[list[Any], bool]:
    """Return the page's pictures shaped like a QR code, and whether it draws one in paths.

    Goes through pdfium's raw API: wrapping every page object in Python costs more than the
    whole text layer.
    """
    box = [ctypes.c_float() for _ in range(4)]
    pixels = [ctypes.c_uint() for _ in range(2)]
    pictures = []
    vector_code = False
    small_paths = 0
    for handle, kind in _objects(page):
        if not pdfium_c.FPDFPageObj_GetBounds(handle, *box):
            continue
        x0, y0, x1, y1 = (b.value for b in box)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            pdfium_c.FPDFImageObj_GetImagePixelSize(handle, *pixels)
            # At most 125 modules a side, a few pixels each: larger squares are photos or logos.
            size = (pixels[0].value, pixels[1].value)
            if _square(x0, y0, x1, y1, *_QR_SIDE) and 21 <= min(size) <= max(size) <= 1200:
                pictures.append(handle)
        elif max(x1 - x0, y1 - y0) <= _SMALL_PATH_SIDE:
            small_paths += 1
        elif _square(x0, y0, x1, y1, *_QR_SIDE):
            segments = pdfium_c.FPDFPath_CountSegments(handle)
            vector_code = vector_code or segments >= _SQUARE_PATH_SEGMENTS
    return pictures, vector_code or small_paths >= _SMALL_PATHS


def _objects(page: pdfium.PdfPage) -> list[tuple[Any, int]]:
    """Return the raw handle and type of every picture and path, in form XObjects too."""
    get_type, form = pdfium_c.FPDFPageObj_GetType, pdfium_c.FPDF_PAGEOBJ_FORM
    wanted = (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH)
    found = []
    get = pdfium_c.FPDFPage_GetObject
    parents = [(page.raw, get, pdfium_c.FPDFPage_CountObjects(page.raw), 0)]
    while parents:
        parent, get, count, depth = parents.pop()
        for index in range(count):
            handle = get(parent, index)
            kind = get_type(handle)
            if kind in wanted:
                found.append((handle, kind))
            elif kind == form and depth < 2:
                get_in_form = pdfium_c.FPDFFormObj_GetObject
                count_in_form = pdfium_c.FPDFFormObj_CountObjects(handle)
                parents.append((handle, get_in_form, count_in_form, depth + 1))
    return found


def _drawn(page: pdfium.PdfPage, pictures: list[Any]) -> Iterator[Image.Image]:
    """Yield the pictures as drawn (masks applied), at their own resolution."""
    for handle in pictures:
        try:
            yield pdfium.PdfObject(handle, page=page).get_bitmap(render=True).to_pil()
        except pdfium.PdfiumError:
            log.info("a square picture on a PDF page cannot be drawn")
