"""Pages scanned or photographed sideways or upside down are turned upright before they are read.

The pictures are generated: receipt lines drawn with Pillow's built-in font, then turned. The
tests that read them run the real tesseract (and its orientation detection), about a second each.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from intake import media, orientation
from intake.ocr import OcrOptions, PixelWord
from intake.orientation import reads_poorly
from intake.readers import read_document
from intake.readers.image import read_image

LINES = [
    "CORNER HARDWARE TRADING",
    "12 Jalan Example, Townsville",
    "Receipt 000417   Date 19/05/2018",
    "Cable ties 100 pcs          3.50",
    "Masking tape 24mm           4.20",
    "Wood screws 4x40 box        9.90",
    "Sand paper sheet            1.20",
    "TOTAL                      18.80",
    "Cash                       20.00",
    "Change                      1.20",
    "Thank you, please come again",
]


def receipt_page(font_size: int = 30) -> Image.Image:
    """Return a white grey page with the receipt lines in black."""
    font = ImageFont.load_default(size=font_size)
    step = font_size * 2
    page = Image.new("L", (font_size * 22, step * (len(LINES) + 2)), 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(LINES):
        draw.text((font_size, step * (i + 1)), line, fill=0, font=font)
    return page


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _words(count: int, confidence: float, text: str = "word") -> list[PixelWord]:
    return [PixelWord(1, text, 50 * i, 0, 40, 12, confidence) for i in range(count)]


def test_a_confident_reading_of_many_words_is_good() -> None:
    assert not reads_poorly(_words(40, 0.9))


def test_low_confidence_few_words_or_mostly_specks_read_poorly() -> None:
    """GIVEN readings as tesseract gives them for a page on its side THEN they are poor."""
    assert reads_poorly(_words(40, 0.4))
    assert reads_poorly(_words(5, 0.95))
    assert reads_poorly(_words(10, 0.9) + _words(30, 0.9, text="'"))


def test_confident_words_in_standing_boxes_read_poorly() -> None:
    """GIVEN a page on its side that tesseract read word by word, standing THEN the reading is poor."""
    standing = [PixelWord(1, "TOTAL", 0, 40 * i, 20, 90, 0.95) for i in range(20)]

    assert reads_poorly(standing)


@pytest.mark.parametrize("degrees", [90, 180])
def test_a_photo_turned_on_its_side_or_upside_down_is_read_upright(degrees: int) -> None:
    """GIVEN a receipt photo turned by 90 or 180 degrees WHEN read THEN its lines read as printed."""
    turned = receipt_page().rotate(degrees, expand=True, fillcolor=255)

    document = read_image(_png(turned), OcrOptions(languages="eng"))

    page = document.pages[0]
    assert "TOTAL" in page.text and "Change" in page.text
    assert page.height > page.width  # the receipt's page stands upright
    total = next(w for w in page.words if w.text == "TOTAL")
    change = next(w for w in page.words if w.text == "Change")
    assert total.top < change.top and total.x0 < change.x0 + 5


def test_a_scanned_pdf_page_lying_on_its_side_is_read_on_an_upright_page() -> None:
    """GIVEN a one-image PDF of a receipt scanned sideways WHEN read THEN the page is turned upright."""
    turned = receipt_page().rotate(-90, expand=True, fillcolor=255)
    pdf = io.BytesIO()
    turned.convert("RGB").save(pdf, format="PDF", resolution=200.0)

    document = read_document(pdf.getvalue(), media.PDF, OcrOptions(languages="eng"))

    page = document.pages[0]
    assert page.ocr and page.height > page.width
    assert "TOTAL" in page.text
    assert all(
        0 <= w.x0 and w.x1 <= page.width + 1 and w.bottom <= page.height + 1 for w in page.words
    )


def test_an_upright_page_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN an upright receipt WHEN read THEN no orientation detection runs (it reads well)."""

    def no_detection(path: Path, options: OcrOptions) -> int | None:
        raise AssertionError("orientation detection ran on an upright page")

    monkeypatch.setattr(orientation, "detect_turn", no_detection)

    document = read_image(_png(receipt_page()), OcrOptions(languages="eng"))

    assert "TOTAL" in document.pages[0].text
