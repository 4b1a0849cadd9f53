"""Preparing photos and scans for OCR: straightened, evenly lit, text at a readable size.

The images are generated: receipt-like lines drawn with Pillow's built-in font, then turned,
darkened or shrunk the way a phone photo would be.
"""

from __future__ import annotations

import io
import math
import random

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

from intake.ocr import OcrOptions
from intake.preprocess import (
    ENLARGED_LINE,
    MAX_ENLARGED_PIXELS,
    SMALL_PRINT,
    background,
    enlargement,
    even_light,
    grayscale,
    otsu_threshold,
    prepare_for_ocr,
    skew_angle,
    surroundings,
    text_line_height,
)
from intake.readers.image import read_image

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


def test_evening_divides_every_pixel_by_its_paper_brightness() -> None:
    """GIVEN a grainy shaded page WHEN evened out THEN each pixel is min(255, grey * 255 //
    (paper + 1)) before the contrast is stretched, whatever the pair of levels."""
    page = grainy(receipt(), amplitude=40)
    paper = background(page)
    expected = Image.new("L", page.size)
    expected.putdata([min(255, g * 255 // (p + 1)) for g, p in zip(page.tobytes(), paper.tobytes(), strict=True)])

    assert even_light(page).tobytes() == ImageOps.autocontrast(expected, cutoff=(0.5, 0)).tobytes()


def on_a_desk(page: Image.Image, desk: int = 90, turn: float = 3.0) -> Image.Image:
    """Return the page photographed on a darker desk: a margin of desk around it, a little turned."""
    margin = page.width // 10
    photo = Image.new("L", (page.width + 2 * margin, page.height + 2 * margin), desk)
    photo.paste(page, (margin, margin))
    return photo.rotate(turn, resample=Image.Resampling.BICUBIC, fillcolor=desk)


def ruled(page: Image.Image, grey: int = 200) -> Image.Image:
    """Return the page with a grey rule under each text line, as item tables draw them."""
    ruled = page.copy()
    draw = ImageDraw.Draw(ruled)
    step = ruled.height // (len(LINES) + 2)
    for i in range(1, len(LINES) + 1):
        y = step * (i + 1) - step // 4
        draw.line((10, y, ruled.width - 10, y), fill=grey, width=2)
    return ruled


def grainy(picture: Image.Image, amplitude: int, seed: int = 7) -> Image.Image:
    """Return the grey picture with the same uniform grain (about +-`amplitude` levels) every run."""
    rng = random.Random(seed)
    grain = Image.frombytes("L", picture.size, rng.randbytes(picture.width * picture.height))
    return ImageChops.add(picture, grain.point(lambda v: 128 + (v - 128) * amplitude // 74), offset=-128)


def test_the_desk_around_a_photographed_page_is_whitened_and_the_page_kept() -> None:
    """GIVEN a page on a dark desk WHEN prepared THEN the desk is white paper and the text still black."""
    photo = on_a_desk(receipt())

    around = surroundings(photo)
    prepared = prepare_for_ocr(photo).image

    assert around is not None
    corner = (5, 5, 40, 40)
    assert around.crop(corner).getextrema() == (255, 255), "the desk in the corner is found"
    assert prepared.crop(corner).getextrema()[0] >= 250, "and whitened"
    middle = (photo.width // 3, photo.height // 3, 2 * photo.width // 3, 2 * photo.height // 3)
    assert around.crop(middle).getextrema() == (0, 0), "the page is not"
    assert prepared.crop(middle).getextrema()[0] <= 60, "its text is still black"


def test_the_desk_no_longer_costs_the_rows_of_a_ruled_table() -> None:
    """GIVEN a ruled page on a dark desk WHEN read by tesseract THEN every line's amount is read.

    The desk counted as ink raises tesseract's global threshold until the grey rules and the
    paper's grain are ink too, and the rows between them are lost.
    """
    photo = grainy(on_a_desk(ruled(receipt())), amplitude=8)
    jpeg = io.BytesIO()
    photo.convert("RGB").save(jpeg, format="JPEG", quality=80)

    page = read_image(jpeg.getvalue(), OcrOptions()).pages[0]

    text = " ".join(word.text for word in page.words)
    assert [amount for amount in ("3.05", "3.78", "6.85", "20.00", "13.15") if amount not in text] == []


def test_a_scan_and_a_page_darkening_to_one_side_have_no_surroundings() -> None:
    """GIVEN pictures that are all page WHEN looked at THEN nothing is taken for a desk."""
    page = receipt()
    ramp = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90)
    shade = ramp.resize(page.size).point(lambda v: 250 - v * 180 // 255)
    lit_from_one_side = Image.composite(shade, page, page)

    assert surroundings(page) is None
    assert surroundings(lit_from_one_side) is None


def test_a_dark_bar_printed_on_the_page_is_not_the_desk() -> None:
    """GIVEN a page with a black heading bar on a desk WHEN looked at THEN only the desk is found."""
    page = receipt()
    ImageDraw.Draw(page).rectangle((page.width // 4, 4, 3 * page.width // 4, 30), fill=0)
    photo = on_a_desk(page, turn=0.0)
    margin = page.width // 10

    around = surroundings(photo)

    assert around is not None
    bar = (margin + page.width // 3, margin + 10, margin + 2 * page.width // 3, margin + 24)
    assert around.crop(bar).getextrema() == (0, 0)


def test_small_print_is_enlarged_to_a_line_height_tesseract_reads() -> None:
    """GIVEN a receipt whose text lines are ~9 px high (small print) WHEN prepared THEN it is
    enlarged, its lines brought near `ENLARGED_LINE`."""
    tiny = receipt(font_size=12)
    assert text_line_height(tiny) < SMALL_PRINT

    prepared = prepare_for_ocr(tiny)

    assert prepared.scale > 2
    assert prepared.image.width == round(tiny.width * prepared.scale)
    height = text_line_height(prepared.image)
    assert height is not None
    assert ENLARGED_LINE / 1.3 <= height <= ENLARGED_LINE * 1.3


def test_small_print_in_a_large_picture_is_enlarged_only_within_the_pixel_budget() -> None:
    """GIVEN small print in pictures of growing size THEN each is enlarged at most to
    `MAX_ENLARGED_PIXELS`, and one already that large is read at its size."""
    assert enlargement(8.0, 1_000_000) == 3.0  # a screen capture: brought to 24 px, at most 3x
    assert enlargement(8.0, MAX_ENLARGED_PIXELS // 4) == pytest.approx(2.0)
    assert enlargement(8.0, MAX_ENLARGED_PIXELS) == 1.0
    assert enlargement(8.0, 4 * MAX_ENLARGED_PIXELS) == 1.0  # never shrunk


def test_a_picture_too_large_to_be_enlarged_has_its_lines_not_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a picture of `MAX_ENLARGED_PIXELS` (a 12-megapixel photo) THEN its line height, which
    could not make it larger, is not measured (33 ms at that size); a smaller one's is."""
    import intake.preprocess as preprocess

    measured: list[tuple[int, int]] = []
    measure = preprocess.text_line_height
    monkeypatch.setattr(preprocess, "text_line_height", lambda gray: measured.append(gray.size) or measure(gray))
    side = math.isqrt(MAX_ENLARGED_PIXELS)
    assert prepare_for_ocr(Image.new("L", (side, side + 1), 255)).scale == 1.0
    assert measured == []
    prepare_for_ocr(receipt(font_size=12))
    assert len(measured) == 1


@pytest.mark.parametrize("font_size", [28, 48])
def test_print_of_a_readable_size_is_read_at_its_size(font_size: int) -> None:
    page = receipt(font_size=font_size)

    prepared = prepare_for_ocr(page)

    assert prepared.scale == 1.0
    assert prepared.image.size == page.size


def test_a_photos_grain_does_not_pass_for_small_print() -> None:
    """GIVEN a receipt of readable print with many thin bands of grain between its lines (more
    bands than lines, each with little ink) THEN its line height is its text's, so it is not enlarged."""
    page = receipt(font_size=28)
    draw = ImageDraw.Draw(page)
    rng = random.Random(7)
    for line in range(len(LINES) + 1):
        for band in range(3):  # three 4-px bands of specks in each gap between lines
            top = 56 * line + 30 + 7 * band
            for _ in range(6):
                x = rng.randrange(0, page.width - 3)
                draw.rectangle((x, top, x + 2, top + 3), fill=0)
    assert text_line_height(page) >= SMALL_PRINT

    assert prepare_for_ocr(page).scale == 1.0


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
    assert prepare_for_ocr(blank).scale == 1.0


def test_a_tall_receipt_is_read_as_one_block_and_a_page_with_automatic_layout() -> None:
    """GIVEN default options WHEN the picture is receipt-shaped THEN tesseract reads it as one block (psm 6)."""
    options = OcrOptions()

    assert options.for_picture(600, 1500).psm == 6
    assert options.for_picture(2480, 3508).psm == 3
    assert OcrOptions(psm=11).for_picture(600, 1500).psm == 11


def test_a_page_with_less_ink_than_the_specks_cutoff_keeps_white_paper() -> None:
    """GIVEN a scanned last page with two short lines on grainy paper (ink 0.1 % of the pixels,
    under the 0.5 % of darkest pixels the contrast stretch ignores as specks) WHEN evened out THEN
    the paper stays white and the text black: the grain is not stretched into ink."""
    page = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=30)
    draw.text((100, 100), "Page 2 of 2", fill=0, font=font)
    draw.text((100, 160), "Please pay by August 22, 2024.", fill=0, font=font)
    scan = ImageChops.subtract(grainy(page, amplitude=6), Image.new("L", page.size, 6))  # paper ~249

    even = even_light(scan)

    dark = sum(even.histogram()[:128]) / (even.width * even.height)
    assert dark < 0.005, f"{dark:.3%} of the page is dark: the paper's grain became ink"
    assert even.crop((100, 160, 400, 200)).getextrema()[0] <= 60, "the text is still black"
