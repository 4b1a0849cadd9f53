"""Reading PDFs and images into positioned words: text layer, embedded XML, scans, broken files.

The PDFs are written by hand in the tests (a few objects with a Helvetica font), so every
coordinate is known; the corpus test compares our words with poppler's `pdftotext` when both
are on the machine.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections import Counter

import pytest
from PIL import Image, ImageDraw, ImageFont

from intake import media
from intake.errors import (
    BrokenDocument,
    EmptyDocument,
    EncryptedDocument,
    UnreadableDocument,
    UnsupportedMediaType,
)
from intake.readers import OcrOptions, read_document
from intake.readers.pdf import _GENERATED_SPACE, _words, order_words
from intake.words import Word
from tests.corpus import corpus_docs, require_corpus

PAGE_W, PAGE_H = 595, 842
ENG = OcrOptions(languages="eng")


def make_pdf(
    content: bytes = b"",
    *,
    extra_objects: tuple[bytes, ...] = (),
    page_extra: bytes = b"",
    catalog_extra: bytes = b"",
    trailer_extra: bytes = b"",
    pages: int = 1,
) -> bytes:
    """Return a small, well-formed PDF: `pages` A4 pages showing `content` in Helvetica."""
    stream = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    first_page = 5 + len(extra_objects)
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        stream,
        *extra_objects,
    ]
    for _ in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] " % (PAGE_W, PAGE_H)
            + b"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 5 0 R >> >> "
            + b"/Contents 4 0 R "
            + page_extra
            + b">>"
        )
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1) + trailer_extra + b">>\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def text_at(x: float, y: float, text: str, size: int = 12) -> bytes:
    """Return content-stream operators that show `text` with its baseline at (x, y)."""
    return b"BT /F1 %d Tf %.2f %.2f Td (%s) Tj ET\n" % (size, x, y, text.encode("latin-1"))


INVOICE = (
    text_at(72, 770, "ACME Widgets GmbH", 16)
    + text_at(400, 700, "12345")  # value drawn before its label, as some generators do
    + text_at(300, 700, "Invoice No:")
    + text_at(300, 680, "Total EUR 1.234,56")
)


def words_of(data: bytes) -> list[Word]:
    document = read_document(data, media.PDF)
    return [w for page in document.pages for w in page.words]


def test_text_pdf_gives_words_with_positions_in_points_from_top_left() -> None:
    """GIVEN a text PDF WHEN it is read THEN each word has its text and box on the page."""
    document = read_document(make_pdf(INVOICE), media.PDF)

    page = document.pages[0]
    assert (page.number, page.width, page.height, page.ocr) == (1, PAGE_W, PAGE_H, False)
    by_text = {w.text: w for w in page.words}
    total = by_text["Total"]
    assert total.x0 == pytest.approx(300, abs=1.5)
    # Baseline at y=680 from the bottom is 162 pt from the top: the word sits around it.
    assert PAGE_H - 680 - 14 < total.top < PAGE_H - 680 < total.bottom < PAGE_H - 680 + 5
    assert total.confidence == 1.0
    assert by_text["EUR"].x0 > total.x1
    assert document.embedded_xml is None and document.warnings == ()


def test_words_come_line_by_line_left_to_right_whatever_the_drawing_order() -> None:
    """GIVEN a value drawn before its label WHEN read THEN the label comes first on its line."""
    texts = [w.text for w in words_of(make_pdf(INVOICE))]

    assert texts == [
        "ACME", "Widgets", "GmbH", "Invoice", "No:", "12345", "Total", "EUR", "1.234,56",
    ]


def test_order_words_keeps_slightly_offset_words_on_one_line() -> None:
    words = [
        Word("b", 50, 100.5, 60, 110.5),
        Word("next", 10, 120, 40, 130),
        Word("a", 10, 100, 40, 110),
    ]

    assert [w.text for w in order_words(words)] == ["a", "b", "next"]


def test_rotated_page_gives_coordinates_on_the_page_as_shown() -> None:
    """GIVEN a page with /Rotate 90 WHEN read THEN boxes are inside the shown (landscape) page."""
    document = read_document(make_pdf(INVOICE, page_extra=b"/Rotate 90 "), media.PDF)

    page = document.pages[0]
    assert (page.width, page.height) == (PAGE_H, PAGE_W)
    for word in page.words:
        assert 0 <= word.x0 < word.x1 <= page.width
        assert 0 <= word.top < word.bottom <= page.height


def embedded_file_objects(name: bytes, payload: bytes) -> tuple[bytes, ...]:
    """Return objects 5 (a placeholder image), 6 (file spec) and 7 (the embedded stream)."""
    placeholder = b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
    placeholder += b"/BitsPerComponent 8 /Length 1 >>\nstream\n\xff\nendstream"
    spec = b"<< /Type /Filespec /F (%s) /UF (%s) /AFRelationship /Data /EF << /F 7 0 R >> >>" % (
        name,
        name,
    )
    stream = b"<< /Type /EmbeddedFile /Subtype /text#2Fxml /Length %d >>\nstream\n" % len(payload)
    return placeholder, spec, stream + payload + b"\nendstream"


def test_embedded_facturx_xml_is_returned_with_its_name() -> None:
    """GIVEN a Factur-X PDF WHEN read THEN the attached XML's bytes and name come back."""
    xml = b'<?xml version="1.0"?><rsm:CrossIndustryInvoice xmlns:rsm="x"/>'
    data = make_pdf(
        INVOICE,
        extra_objects=embedded_file_objects(b"factur-x.xml", xml),
        catalog_extra=b"/Names << /EmbeddedFiles << /Names [(factur-x.xml) 6 0 R] >> >> ",
    )

    document = read_document(data, media.PDF)

    assert document.embedded_xml == xml
    assert document.embedded_xml_name == "factur-x.xml"
    assert "Invoice" in document.pages[0].text


def test_attachment_that_is_not_xml_is_ignored() -> None:
    data = make_pdf(
        INVOICE,
        extra_objects=embedded_file_objects(b"terms.txt", b"pay within 30 days"),
        catalog_extra=b"/Names << /EmbeddedFiles << /Names [(terms.txt) 6 0 R] >> >> ",
    )

    document = read_document(data, media.PDF)

    assert document.embedded_xml is None and document.embedded_xml_name is None


@pytest.mark.parametrize(
    ("data", "media_type", "error", "reason"),
    [
        (b"", media.PDF, EmptyDocument, "0 bytes"),
        (os.urandom(4096), media.PDF, BrokenDocument, "damaged"),
        (make_pdf(INVOICE)[:400], media.PDF, BrokenDocument, "damaged"),
        (make_pdf(pages=0), media.PDF, EmptyDocument, "no pages"),
        (
            make_pdf(
                INVOICE,
                trailer_extra=b"/Encrypt << /Filter /Standard /V 1 /R 2 /P -4 "
                b"/O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> >> /ID [<00> <00>] ",
            ),
            media.PDF,
            EncryptedDocument,
            "password",
        ),
        (os.urandom(4096), media.JPEG, BrokenDocument, "not a readable image"),
        (b"PK\x03\x04 a zip file", media.UNKNOWN, UnsupportedMediaType, "unsupported"),
    ],
    ids=["empty", "random", "truncated", "no-pages", "encrypted", "random-jpeg", "unknown-type"],
)
def test_broken_input_raises_unreadable_document_with_a_reason(
    data: bytes, media_type: str, error: type[UnreadableDocument], reason: str
) -> None:
    """GIVEN a file that is not a readable invoice WHEN read THEN a specific error says why."""
    with pytest.raises(error) as raised:
        read_document(data, media_type)

    assert reason in raised.value.reason


def jpeg_with_text(lines: list[str], size: tuple[int, int] = (1240, 500)) -> bytes:
    """Return a JPEG (150 dpi) with black text lines on white."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    for i, line in enumerate(lines):
        draw.text((60, 60 + 90 * i), line, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, dpi=(150, 150))
    return out.getvalue()


def scanned_pdf(jpeg: bytes, stamp: bytes = b"", *, on_a4: bool = False) -> bytes:
    """Return a one-page PDF showing the 1240 x 500 px JPEG at 150 dpi (img2pdf style); `on_a4`,
    at the top of an A4 page, of which it covers a third (a page OCR reads rendered)."""
    image = b"<< /Type /XObject /Subtype /Image /Width 1240 /Height 500 /ColorSpace /DeviceGray "
    image += b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % len(jpeg)
    # The page is the image's size at 150 dpi: 595.2 x 240 pt.
    content = b"q 595.2 0 0 240 0 %d cm /Im1 Do Q\n" % (PAGE_H - 240 if on_a4 else 0) + stamp
    data = make_pdf(content, extra_objects=(image + jpeg + b"\nendstream",))
    return data if on_a4 else data.replace(b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 595.2 240]")


@pytest.mark.slow
def test_scanned_pdf_page_is_read_by_ocr_from_its_embedded_jpeg() -> None:
    """GIVEN a PDF whose page is one JPEG (img2pdf style) WHEN read THEN OCR gives the words."""
    data = scanned_pdf(jpeg_with_text(["INVOICE 4711", "Total 99.50 EUR"]))

    document = read_document(data, media.PDF, ENG)

    page = document.pages[0]
    assert page.ocr
    assert "INVOICE 4711" in page.text and "99.50" in page.text
    invoice = next(w for w in page.words if w.text == "INVOICE")
    # Drawn at pixel (60, 60) at 150 dpi: 28.8 pt from the left and the top.
    assert invoice.x0 == pytest.approx(28.8, abs=4)
    assert invoice.top == pytest.approx(28.8, abs=8)


@pytest.mark.slow
def test_scan_with_a_small_text_stamp_is_still_read_by_ocr() -> None:
    """GIVEN a scanned page with a scanner's text stamp WHEN read THEN OCR reads the whole page."""
    data = scanned_pdf(
        jpeg_with_text(["INVOICE 4711", "Total 99.50 EUR"]),
        stamp=text_at(300, 10, "Scanned 2024-05-01 by FastScan", 8),
    )

    document = read_document(data, media.PDF, ENG)

    assert document.pages[0].ocr
    assert "99.50" in document.pages[0].text
    assert document.warnings == ("page 1: little text over a full-page picture; OCR used",)


@pytest.mark.slow
def test_page_without_text_or_image_is_rendered_and_ocr_finds_nothing() -> None:
    """GIVEN a PDF of blank pages WHEN read THEN it is refused as having no text."""
    with pytest.raises(EmptyDocument, match="no text"):
        read_document(make_pdf(b"", pages=1), media.PDF, ENG)


@pytest.mark.slow
def test_corpus_text_pdfs_match_pdftotext() -> None:
    """GIVEN corpus text PDFs WHEN read THEN nearly all of pdftotext's words are ours too."""
    root = require_corpus()
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    docs = corpus_docs(root, "text-pdf")[::9]
    for doc in docs:
        document = read_document(doc.path.read_bytes(), media.PDF)
        ours = Counter(w.text for page in document.pages for w in page.words)
        layout = subprocess.run(
            ["pdftotext", "-layout", str(doc.path), "-"], capture_output=True, text=True, check=True
        )
        theirs = Counter(layout.stdout.split())
        common = sum((ours & theirs).values())
        assert common >= 0.9 * sum(theirs.values()), doc.path.name
        assert not any(page.ocr for page in document.pages), doc.path.name


def test_corpus_hybrid_pdfs_carry_their_xml() -> None:
    """GIVEN corpus PDFs whose truth came from embedded XML WHEN read THEN we find that XML."""
    root = require_corpus()
    hybrids = [
        d for d in corpus_docs(root, "text-pdf")
        if d.truth.get("_meta", {}).get("truth_source", "").startswith("embedded")
    ]
    assert hybrids
    for doc in hybrids[::10]:
        document = read_document(doc.path.read_bytes(), media.PDF)
        assert document.embedded_xml is not None, doc.path.name
        assert document.embedded_xml_name is not None
        assert document.embedded_xml_name.lower().endswith(".xml")
        assert document.embedded_xml.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<")


def test_a_space_pdfium_made_up_at_a_narrow_kerning_gap_splits_no_word() -> None:
    """GIVEN 'Ver' and 'kaufer:' shown 0.14 em apart, where pdfium adds a space the PDF has not
    (as a layout engine's kerning gives 'Ver käufer') THEN they are one word; 0.25 em apart, as
    wide as a real space, they stay two."""
    line = text_at(72, 600, "Invoice number INV-2024-0001 of a seller", 10)

    def first_words(kerning: int) -> list[str]:
        content = b"BT /F1 10 Tf 72 700 Td [(Ver) %d (kaufer:)] TJ ET\n" % -kerning
        return [w.text for w in words_of(make_pdf(content + line))][:2]

    assert first_words(140) == ["Verkaufer:", "Invoice"]
    assert first_words(250) == ["Ver", "kaufer:"]


def test_a_generated_space_counts_its_gap_from_how_much_the_font_s_boxes_overlap() -> None:
    """GIVEN characters whose loose boxes overlap by 0.3 of their height within words (a font
    with a wide bounding box) and only 0.02 at a space pdfium generated THEN the space splits the
    words ('Lumber Inc', not 'LumberInc'); GIVEN boxes that touch within words and a 0.05 gap at a
    generated space (kerning) THEN it does not."""
    def chars(word_gap: float, inner_gap: float) -> list[tuple[str, float, float, float, float, bool]]:
        placed, x = [], 0.0
        for i, letter in enumerate("LumberInc"):
            if i == 6:
                placed.append(_GENERATED_SPACE)
                x += (word_gap - inner_gap) * 10
            placed.append((letter, x, 0.0, x + 6.0, 10.0, False))
            x += 6.0 + inner_gap * 10
        return placed

    assert [w.text for w in _words(chars(word_gap=-0.02, inner_gap=-0.3))] == ["Lumber", "Inc"]
    assert [w.text for w in _words(chars(word_gap=0.05, inner_gap=0.0))] == ["LumberInc"]
