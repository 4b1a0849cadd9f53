"""Read a PDF: the words of its text layer with their boxes, OCR for pages without text, and
any embedded e-invoice XML (Factur-X, ZUGFeRD, XRechnung).

Words are built from pdfium's per-character boxes through the raw API (a few ms per page);
pdfplumber's `extract_words` gives the same result about fifty times slower.
"""

from __future__ import annotations

import ctypes
import logging
import math
import re
from collections.abc import Callable
from dataclasses import replace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from intake.errors import BrokenDocument, EmptyDocument, EncryptedDocument
from intake.ocr import OcrOptions
from intake.qr import PaymentQr, pdf_page_qr
from intake.readers.image import ocr_pdf_page, ocr_pictures
from intake.words import Page, Picture, ReadDocument, Word

log = logging.getLogger(__name__)

#: Attachment names used by the e-invoice standards, in order of preference (lower case).
EINVOICE_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")
#: A page with fewer letters and digits than this in its text layer is read by OCR instead,
MIN_TEXT_CHARS = 10
#: and so is a page mostly covered by a picture with fewer than this (a scan with a stamp).
SPARSE_TEXT_CHARS = 100
_SPACES = frozenset(" \t\r\n\x02\xa0\u2002\u2003\u2009\u200b\u3000\ufeff")
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
              "\ufb05": "st", "\ufb06": "st"}  # fmt: skip
_NO_PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")
_EMPTY_PAGE_TREE = re.compile(rb"/Count\s+0(?!\d)")
#: A horizontal gap wider than this share of the text height separates two words.
_GAP = 0.3
#: Where pdfium generated a space, a gap wider than this share of the height separates words.
_GENERATED_GAP = 0.12
#: Pages read of one PDF by default; later ones are left out with a warning.
MAX_PAGES = 50
#: The first pages whose pictures are read when the text layer lacks the seller's details.
PICTURE_PAGES = 2


def read_pdf(data: bytes, options: OcrOptions, max_pages: int = MAX_PAGES) -> ReadDocument:
    """Return the first `max_pages` pages of the PDF with their words, and its embedded
    e-invoice XML if any."""
    document = _open(data)
    try:
        if len(document) == 0:
            raise EmptyDocument("the PDF has no pages")
        xml_name, xml = find_embedded_xml(document)
        pages, warnings, qr, pictures = _read_pages(document, options, max_pages)
    finally:
        document.close()
    if not any(page.words for page in pages) and xml is None:
        raise EmptyDocument("no text found in the PDF, not even by OCR (blank or unreadable pages)")
    return ReadDocument(
        pages=tuple(pages),
        embedded_xml=xml,
        embedded_xml_name=xml_name,
        warnings=warnings,
        payment_qr=qr,
        pictures=pictures,
    )


def with_picture_words(data: bytes, pages: tuple[Page, ...], options: OcrOptions) -> tuple[Page, ...]:
    """Return the pages with the words OCR reads in the pictures of the first text pages added
    (a seller's name, VAT ID and bank account pasted as an image); the same pages where no
    picture holds a word."""
    document = _open(data)
    try:
        found = list(pages)
        for i, page in enumerate(pages[:PICTURE_PAGES]):
            if page.ocr or page.number > len(document):
                continue
            pdf_page = document[page.number - 1]
            try:
                extra = ocr_pictures(pdf_page, options)
            finally:
                pdf_page.close()
            if extra:
                found[i] = replace(page, words=tuple(order_words([*page.words, *extra])))
        return tuple(found)
    finally:
        document.close()


def _open(data: bytes) -> pdfium.PdfDocument:
    """Return the opened document, or raise why it cannot be opened."""
    if not data:
        raise EmptyDocument("empty file (0 bytes)")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        # pdfium's error code is process-global and can be left over from an earlier file,
        # so each cause is also checked in the bytes themselves.
        if _NO_PAGE.search(data) is None and _EMPTY_PAGE_TREE.search(data):
            raise EmptyDocument("the PDF has no pages") from e
        password = (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY)
        if e.err_code in password and b"/Encrypt" in data:
            raise EncryptedDocument("the PDF is protected by a password") from e
        raise BrokenDocument("the PDF is damaged or truncated and cannot be opened") from e


def find_embedded_xml(document: pdfium.PdfDocument) -> tuple[str | None, bytes | None]:
    """Return the name and bytes of the embedded e-invoice XML, or (None, None) without one."""
    candidates: list[tuple[int, str, pdfium.PdfAttachment]] = []
    for index in range(document.count_attachments()):
        attachment = document.get_attachment(index)
        name = attachment.get_name()
        lowered = name.lower()
        if lowered in EINVOICE_NAMES:
            candidates.append((EINVOICE_NAMES.index(lowered), name, attachment))
        elif lowered.endswith(".xml"):
            candidates.append((len(EINVOICE_NAMES), name, attachment))
    for _, name, attachment in sorted(candidates, key=lambda c: c[0]):
        try:
            return name, bytes(attachment.get_data())
        except pdfium.PdfiumError:
            log.warning("embedded file %r cannot be read", name)
    return None, None


def _read_pages(
    document: pdfium.PdfDocument, options: OcrOptions, max_pages: int
) -> tuple[list[Page], tuple[str, ...], PaymentQr | None, dict[int, Picture]]:
    """Return the first `max_pages` pages read from their text layer, or by OCR where they have
    none, the first payment QR code found on them, and the pictures OCR read where they are kept
    (`OcrOptions.keeps_pictures`: a short scan's, of no page with a text layer)."""
    pages: list[Page] = []
    pictures: dict[int, Picture] = {}
    warnings: list[str] = []
    qr: PaymentQr | None = None
    ocr_done = 0
    if len(document) > max_pages:
        warnings.append(f"only the first {max_pages} of {len(document)} pages were read (page limit)")
    for index in range(min(len(document), max_pages)):
        number = index + 1
        try:
            page = document[index]
        except pdfium.PdfiumError:
            warnings.append(f"page {number} is damaged and was skipped")
            continue
        try:
            width, height = page.get_size()
            words, reason = page_words(page)
            if reason is None:
                pages.append(Page(number, width, height, tuple(words)))
                if qr is None:
                    qr = pdf_page_qr(page, pages[-1].text, options.max_pixels)
                continue
            if words:
                warnings.append(f"page {number}: {reason}; OCR used")
            if ocr_done >= options.max_pages:
                warnings.append(f"page {number} has no text and was not OCR'd (page limit)")
                pages.append(Page(number, width, height, (), ocr=True))
                continue
            ocr_done += 1
            read = ocr_pdf_page(page, options)
            if read.sideways:
                width, height = height, width
            pages.append(Page(number, width, height, read.words, ocr=True))
            if read.picture is not None and options.keeps_pictures(ocr_done):
                pictures[number] = read.picture
            qr = qr or read.payment_qr
        finally:
            page.close()
    if not pages:
        raise BrokenDocument("no page of the PDF can be read")
    scan = all(page.ocr for page in pages)
    return pages, tuple(warnings), qr, pictures if scan and options.keeps_pictures(ocr_done) else {}


def page_words(page: pdfium.PdfPage) -> tuple[list[Word], str | None]:
    """Return the text layer's words in reading order, and why OCR should read the page instead.

    The reason is None when the text layer is good: enough letters or digits, mostly with a
    Unicode mapping, and not just a stamp or page number printed over a scanned picture.
    """
    textpage = page.get_textpage()
    try:
        chars = _chars(textpage, _to_display(page), page.get_rotation())
    finally:
        textpage.close()
    words = order_words(_words(chars))
    letters = sum(1 for c in chars if c[0].isalnum())
    unmapped = sum(1 for c in chars if c[0] == "\ufffd" or "\ue000" <= c[0] <= "\uf8ff")
    if letters < MIN_TEXT_CHARS:
        return words, "almost no text in the text layer"
    if unmapped * 2 >= len(chars):
        return words, "text layer without character mapping"
    if letters < SPARSE_TEXT_CHARS and _mostly_picture(page):
        return words, "little text over a full-page picture"
    return words, None


def _mostly_picture(page: pdfium.PdfPage) -> bool:
    """Return True when one image covers at least half of the page."""
    left, bottom, right, top = page.get_cropbox()
    half_page = 0.5 * (right - left) * (top - bottom)
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        x0, y0, x1, y1 = image.get_bounds()
        if (x1 - x0) * (y1 - y0) >= half_page:
            return True
    return False


#: A character on the shown page: (text, x0, top, x1, bottom, vertical), text "" for a separator
#: (space, line break); vertical when it runs top-down or bottom-up. Plain tuples: a page has
#: thousands of characters, and building an object for each cost more than reading them.
_Char = tuple[str, float, float, float, float, bool]
_SEPARATOR: _Char = ("", 0.0, 0.0, 0.0, 0.0, False)
#: A space pdfium put in where the PDF has none, at a jump in the text's position; it separates
#: words only where the characters' gap is wider than `_GENERATED_GAP` of the text height.
_GENERATED_SPACE: _Char = ("", 0.0, 0.0, 0.0, 0.0, True)
_Box = tuple[float, float, float, float]
_ToDisplay = Callable[[float, float, float, float], _Box]


def _to_display(page: pdfium.PdfPage) -> _ToDisplay:
    """Return a function mapping a user-space box to (x0, top, x1, bottom) on the shown page."""
    left, bottom, right, top = page.get_cropbox()
    rotation = page.get_rotation() % 360
    if rotation == 90:
        return lambda l, b, r, t: (b - bottom, l - left, t - bottom, r - left)  # noqa: E741
    if rotation == 180:
        return lambda l, b, r, t: (right - r, b - bottom, right - l, t - bottom)  # noqa: E741
    if rotation == 270:
        return lambda l, b, r, t: (top - t, right - r, top - b, right - l)  # noqa: E741
    return lambda l, b, r, t: (l - left, top - t, r - left, top - b)  # noqa: E741


def _chars(textpage: pdfium.PdfTextPage, convert: _ToDisplay, rotation: int) -> list[_Char]:
    """Return the page's characters with their boxes on the shown page, separators as ""."""
    handle = textpage.raw
    box = pdfium_c.FS_RECTF()
    box_ref = ctypes.byref(box)
    # Bound once: these run for every character of the page.
    get_unicode = pdfium_c.FPDFText_GetUnicode
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    get_angle = pdfium_c.FPDFText_GetCharAngle
    is_generated = pdfium_c.FPDFText_IsGenerated
    degrees, spaces, ligatures = math.degrees, _SPACES, _LIGATURES
    chars: list[_Char] = []
    append = chars.append
    pending_high = 0
    for index in range(pdfium_c.FPDFText_CountChars(handle)):
        code = get_unicode(handle, index)
        if 0xD800 <= code < 0xDC00:
            pending_high = code
            continue
        if 0xDC00 <= code < 0xE000 and pending_high:
            code = 0x10000 + ((pending_high - 0xD800) << 10) + (code - 0xDC00)
        pending_high = 0
        text = chr(code) if code else "\ufffd"  # 0: pdfium found no Unicode for the glyph
        if text in spaces or 0 < code < 0x20:
            append(_GENERATED_SPACE if code == 0x20 and is_generated(handle, index) == 1 else _SEPARATOR)
            continue
        get_box(handle, index, box_ref)
        x0, top, x1, bottom = convert(box.left, box.bottom, box.right, box.top)
        vertical = round((degrees(get_angle(handle, index)) + rotation) / 90) % 2 == 1
        append((ligatures.get(text, text), x0, top, x1, bottom, vertical))
    return chars


def _words(chars: list[_Char]) -> list[Word]:
    """Return the words formed by runs of characters without a separator or a wide gap."""
    words: list[Word] = []
    previous: _Char | None = None  # the last character of the word being built
    texts: list[str] = []
    x0 = top = x1 = bottom = 0.0
    gap = _GAP
    # How far the last two characters of a word overlap, as a share of their height: a font's
    # loose boxes may overlap by a third of it, and a generated space's gap counts from there.
    overlap = 0.0
    before: _Char | None = None  # the character before `previous` in the word
    for char in chars:
        if char is _GENERATED_SPACE:
            if before is not None and previous is not None and not previous[5]:
                height = max(previous[4] - previous[2], before[4] - before[2], 1.0)
                overlap = max(before[3] - previous[1], 0.0) / height
            gap = _GENERATED_GAP - overlap  # `overlap` stays the last word's for a one-letter word
            continue
        if previous is not None and (not char[0] or not _continues(previous, char, gap)):
            words.append(Word("".join(texts), x0, top, x1, bottom))
            previous = None
        gap = _GAP
        if not char[0]:
            continue
        before = previous
        if previous is None:
            texts = [char[0]]
            _, x0, top, x1, bottom, _ = char
        else:
            texts.append(char[0])
            # Compared as min() and max() would, so the box is theirs to the last bit.
            if char[1] < x0:
                x0 = char[1]
            if char[2] < top:
                top = char[2]
            if char[3] > x1:
                x1 = char[3]
            if char[4] > bottom:
                bottom = char[4]
        previous = char
    if previous is not None:
        words.append(Word("".join(texts), x0, top, x1, bottom))
    return words


def _continues(previous: _Char, char: _Char, gap: float = _GAP) -> bool:
    """Return True when `char` follows `previous` in the same word (same line, no wide gap).

    Characters may overlap (a ligature gives two characters one box) but not jump back.
    Vertical text may read downwards or upwards.
    """
    _, px0, ptop, px1, pbottom, vertical = previous
    _, x0, top, x1, bottom, char_vertical = char
    if char_vertical != vertical:
        return False
    # Across the line (x for vertical text, y otherwise) the two must overlap by half the
    # shorter; `_overlap` and max() written out, as this runs for every character of a page.
    # Each comparison is the one min() or max() makes, so ties and the result are theirs.
    p0, p1, c0, c1 = (px0, px1, x0, x1) if vertical else (ptop, pbottom, top, bottom)
    before, after = p1 - p0, c1 - c0
    shorter = after if after < before else before
    end, start = (c1 if c1 < p1 else p1), (c0 if c0 > p0 else p0)
    if not end - start >= 0.5 * shorter:
        return False
    size = after if after > before else before
    size = 1.0 if 1.0 > size else size
    if vertical:  # along the line, either way: it may read downwards or upwards
        below, above = top - pbottom, ptop - bottom
        return (above if above > below else below) <= gap * size
    return px0 - gap * size <= x0 <= px1 + gap * size


def _overlap(start0: float, end0: float, start1: float, end1: float) -> bool:
    """Return True when two spans overlap by at least half the shorter one."""
    return min(end0, end1) - max(start0, start1) >= 0.5 * min(end0 - start0, end1 - start1)


def order_words(words: list[Word]) -> list[Word]:
    """Return the words line by line from the top, each line left to right.

    A word joins a line when it overlaps the line's first word vertically by half the smaller
    height, so a label and its value drawn in separate text objects end up on one line.
    """
    lines: list[list[Word]] = []
    extents: list[tuple[float, float]] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        for line, (top, bottom) in zip(reversed(lines), reversed(extents)):
            if _overlap(top, bottom, word.top, word.bottom):
                line.append(word)
                break
            if bottom < word.top:
                # Lines further up cannot overlap this word any more.
                lines.append([word])
                extents.append((word.top, word.bottom))
                break
        else:
            lines.append([word])
            extents.append((word.top, word.bottom))
    ordered = sorted(zip(extents, lines), key=lambda item: item[0][0])
    return [word for _, line in ordered for word in sorted(line, key=lambda w: w.x0)]
