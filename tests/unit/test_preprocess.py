"""Preparing photos and scans for OCR: straightened, evenly lit, text at a readable size.

The images are generated: receipt-like lines drawn with Pillow's built-in font, then turned,
darkened or shrunk the way a phone photo would be.
"""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from intake.ocr import OcrOptions
from intake.preprocess import (
    TARGET_LINE_HEIGHT,
    even_light,
    grayscale,
    otsu_threshold,
    prepare_for_ocr,
    skew_angle,
    text_line_height,
)

LINES = [
    "TAX INVOICE 4711",
    "Date: 19/05/2018 12:01",
    "2 x Samudra Bun 180g   3.05",
    "Siew Pak Choy          3.78",
    "TOTAL (incl. GST)      6.85",
    "Cash                  20.00",
    "Change                13.15",
    "Thank you, see you again",
]


def receipt(font_size: int = 28, line_gap: int = 2) -> Image.Image:
    """Return a white grey page with the receipt lines in black at `font_size`."""
    font = ImageFont.load_default(size=font_size)
    step = font_size * line_gap
    page = Image.new("L", (font_size * 20, step * (len(LINES) + 2)), 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(LINES):
        draw.text((font_size, step * (i + 1)), line, fill=0, font=font)
    return page


def test_a_page_turned_3_degrees_is_measured_and_straightened() -> None:
    """GIVEN a receipt photographed 3 degrees askew WHEN prepared THEN it is turned back by ~3 degrees."""
    skewed = receipt().rotate(3, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=True)

    prepared = prepare_for_ocr(skewed)

    assert prepared.rotated == pytest.approx(-3, abs=0.5)
    assert abs(skew_angle(prepared.image)) <= 0.5


def test_a_level_page_is_not_turned() -> None:
    assert prepare_for_ocr(receipt()).rotated == 0.0


def test_a_photo_darkening_to_one_side_gets_white_paper_and_keeps_black_text() -> None:
    """GIVEN a page lit from the left (paper 250 -> 70 grey) WHEN evened out THEN the paper is white everywhere."""
    page = receipt()
    ramp = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90)  # 0 left .. 255 right
    shade = ramp.resize(page.size).point(lambda v: 250 - v * 180 // 255)
    photo = Image.composite(shade, page, page)  # paper takes the shade, ink stays black

    even = even_light(photo)

    right_paper = even.crop((even.width - 20, 0, even.width, 20))
    assert right_paper.getextrema()[0] >= 200, "the dark side's paper is white again"
    text = even.crop((20, 40, even.width - 20, even.height - 40))
    assert text.getextrema()[0] <= 60, "the text is still black"
    assert photo.crop((even.width - 20, 0, even.width, 20)).getextrema()[1] <= 90


def test_a_tiny_photo_is_enlarged_to_the_line_height_tesseract_reads_best() -> None:
    """GIVEN a receipt whose text lines are ~9 px high WHEN prepared THEN it is enlarged towards the target."""
    tiny = receipt(font_size=12)

    prepared = prepare_for_ocr(tiny, rescale=True)

    assert prepared.scale > 2
    assert prepared.image.width == round(tiny.width * prepared.scale)
    height = text_line_height(prepared.image)
    assert height is not None
    assert TARGET_LINE_HEIGHT / 1.6 <= height <= TARGET_LINE_HEIGHT * 1.6


def test_text_already_at_a_good_size_is_left_at_its_size() -> None:
    page = receipt(font_size=48)

    prepared = prepare_for_ocr(page, rescale=True)

    assert prepared.scale == 1.0
    assert prepared.image.size == page.size


def test_a_transparent_png_is_grey_on_white() -> None:
    clear = Image.new("RGBA", (40, 20), (0, 0, 0, 0))

    assert grayscale(clear).getextrema() == (255, 255)


def test_otsu_splits_ink_from_paper() -> None:
    histogram = [0] * 256
    histogram[30], histogram[220] = 100, 900

    assert 30 < otsu_threshold(histogram) <= 220


def test_a_blank_page_has_no_line_height_and_is_not_rescaled() -> None:
    blank = Image.new("L", (300, 500), 255)

    assert text_line_height(blank) is None
    assert prepare_for_ocr(blank, rescale=True).scale == 1.0


def test_without_rescale_the_size_is_kept() -> None:
    tiny = receipt(font_size=12)

    assert prepare_for_ocr(tiny).image.size == tiny.size


def test_a_tall_receipt_is_read_as_one_block_and_a_page_with_automatic_layout() -> None:
    """GIVEN default options WHEN the picture is receipt-shaped THEN tesseract reads it as one block (psm 6)."""
    options = OcrOptions()

    assert options.for_picture(600, 1500).psm == 6
    assert options.for_picture(2480, 3508).psm == 3
    assert OcrOptions(psm=11).for_picture(600, 1500).psm == 11
