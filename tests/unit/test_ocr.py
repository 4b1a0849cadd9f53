"""OCR with the real tesseract: words and positions from images, orientation, limits, failures.

The images are drawn with Pillow's built-in font at a known resolution, so the expected words
and where they sit are known.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from intake import media
from intake.errors import (
    BrokenDocument,
    EmptyDocument,
    ImageTooLarge,
    OcrTimeout,
    OcrUnavailable,
)
from intake.ocr import (
    OcrOptions,
    PixelWord,
    parse_tsv,
    place_words,
    run_tesseract,
    tesseract_command,
    tesseract_env,
)
from intake.readers import read_document
from invoicing.config import OCR_LANGUAGES

ENG = OcrOptions(languages="eng")

TSV = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num"
    "\tleft\ttop\twidth\theight\tconf\ttext\n"
    "1\t1\t0\t0\t0\t0\t0\t0\t1240\t500\t-1\t\n"
    "4\t1\t1\t1\t1\t0\t60\t60\t500\t45\t-1\t\n"
    "5\t1\t1\t1\t1\t1\t60\t60\t260\t45\t96.5\tINVOICE\n"
    "5\t1\t1\t1\t1\t2\t340\t61\t120\t44\t91.0\t4711\n"
    "5\t1\t1\t1\t1\t3\t480\t61\t10\t44\t95.0\t \n"
    "5\t2\t1\t1\t1\t1\t10\t20\t30\t40\t-1\tx\n"
)


def test_parse_tsv_keeps_non_empty_words_with_confidence_0_to_1() -> None:
    words = parse_tsv(TSV)

    assert words == [
        PixelWord(1, "INVOICE", 60, 60, 260, 45, 0.965),
        PixelWord(1, "4711", 340, 61, 120, 44, 0.91),
        PixelWord(2, "x", 10, 20, 30, 40, 0.0),
    ]


def test_place_words_scales_pixels_to_points_and_shifts() -> None:
    """GIVEN a word at pixel (60, 60) in a 150-dpi image WHEN placed THEN it is at 28.8 pt."""
    (word,) = place_words(parse_tsv(TSV)[:1], 72 / 150, 72 / 150, left=10.0, top=5.0)

    assert word.text == "INVOICE"
    assert (word.x0, word.top) == pytest.approx((10 + 28.8, 5 + 28.8))
    assert (word.x1, word.bottom) == pytest.approx((10 + 320 * 0.48, 5 + 105 * 0.48))
    assert word.confidence == pytest.approx(0.965)


def test_a_word_a_quarter_as_tall_as_the_readings_words_is_a_rule_not_text() -> None:
    """GIVEN OCR's 'words' 0.4 high (a table's rule read as letters) among words 12 high
    WHEN placed THEN they are left out; a dash as thin stays."""
    words = [PixelWord(1, "3,568.20", 499, 369, 41, 9, 0.93), PixelWord(1, "an", 118, 380, 73, 1, 0.38),
             PixelWord(1, "2", 269, 381, 44, 1, 0.39), PixelWord(1, "Net", 340, 381, 20, 12, 0.9),
             PixelWord(1, "VAT:", 396, 381, 54, 12, 0.9), PixelWord(1, "1,271.04", 491, 381, 50, 13, 0.9),
             PixelWord(1, "Oslo", 50, 780, 20, 6, 0.9), PixelWord(1, "-", 72, 782, 2, 1, 0.9)]

    assert [w.text for w in place_words(words, 1.0, 1.0)] == ["3,568.20", "Net", "VAT:", "1,271.04", "Oslo", "-"]


def test_a_tall_word_lying_over_words_of_the_usual_height_is_left_out() -> None:
    """GIVEN small print where OCR read the line under a name as words three times as tall lying
    over the name's ("107", "station", "Rood" over "Keller Handel S.A."), and a large title beside
    them that covers nothing WHEN placed THEN the tall words over the name are left out, the
    title stays."""
    words = [PixelWord(1, "Keller", 134, 51, 5, 2, 0.9), PixelWord(1, "Handel", 144, 51, 7, 2, 0.9),
             PixelWord(1, "S.A.", 153, 51, 7, 2, 0.9), PixelWord(1, "107", 134, 51, 4, 8, 0.64),
             PixelWord(1, "station", 139, 52, 14, 5, 0.64), PixelWord(1, "Rood", 148, 51, 5, 8, 0.81),
             PixelWord(1, "CREDIT", 18, 52, 25, 5, 0.96), PixelWord(1, "Madrid", 142, 58, 7, 2, 0.9),
             PixelWord(1, "Spain", 142, 61, 6, 2, 0.9)]

    assert [w.text for w in place_words(words, 1.0, 1.0)] == ["Keller", "Handel", "S.A.", "CREDIT", "Madrid", "Spain"]


def test_a_tall_word_that_only_grazes_a_wide_word_stays() -> None:
    """GIVEN a shop's name in large type whose words' boxes reach into a wide box OCR drew over the
    line ("(KL)" and "SDN" inside the box of "BAKERTES") WHEN placed THEN every word stays."""
    words = [PixelWord(1, "GARDENIA", 40, 70, 130, 25, 0.9), PixelWord(1, "BAKERTES", 182, 72, 233, 25, 0.6),
             PixelWord(1, "(KL)", 311, 68, 53, 35, 0.5), PixelWord(1, "SDN", 378, 68, 39, 35, 0.96),
             PixelWord(1, "Jalan", 40, 120, 60, 17, 0.9), PixelWord(1, "Pelabur", 110, 120, 80, 17, 0.9),
             PixelWord(1, "Shah", 40, 150, 50, 17, 0.9), PixelWord(1, "Alam", 100, 150, 50, 17, 0.9),
             PixelWord(1, "Tel:", 40, 180, 40, 17, 0.9), PixelWord(1, "03-55423228", 90, 180, 120, 17, 0.9)]

    assert [w.text for w in place_words(words, 1.0, 1.0)] == [w.text for w in words]


def test_tesseract_runs_single_threaded_with_tsv_output_and_the_chosen_languages() -> None:
    command = tesseract_command(Path("page.jpg"), OcrOptions(), dpi=300)

    assert command[:3] == ["tesseract", "page.jpg", "stdout"]
    assert command[-1] == "tsv"
    assert ["-l", OCR_LANGUAGES] == command[3:5] and OCR_LANGUAGES == "eng+deu+fra+dan"
    assert "--dpi" in command
    assert tesseract_env()["OMP_THREAD_LIMIT"] == "1"


def image_with_text(
    lines: list[str], size: tuple[int, int] = (1240, 400), mode: str = "L", fmt: str = "PNG"
) -> bytes:
    """Return an image file (150 dpi) with black text lines, starting at pixel (60, 60)."""
    background = (255, 255, 255, 0) if mode == "RGBA" else 255 if mode == "L" else "white"
    image = Image.new(mode, size, background)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    for i, line in enumerate(lines):
        draw.text((60, 60 + 90 * i), line, fill="black" if mode != "L" else 0, font=font)
    out = io.BytesIO()
    image.save(out, format=fmt, dpi=(150, 150))
    return out.getvalue()


@pytest.mark.slow
def test_png_is_read_into_words_with_positions_in_points() -> None:
    """GIVEN a 150-dpi PNG with two lines WHEN read THEN the words and their places come back."""
    data = image_with_text(["INVOICE 4711", "Total 99.50 EUR"])

    document = read_document(data, media.PNG, ENG)

    (page,) = document.pages
    assert page.ocr and page.number == 1
    # PNG stores dots per metre: 150 dpi comes back as 149.99.
    assert (page.width, page.height) == pytest.approx((1240 * 0.48, 400 * 0.48), rel=1e-3)
    assert [w.text for w in page.words] == ["INVOICE", "4711", "Total", "99.50", "EUR"]
    invoice, total = page.words[0], page.words[2]
    assert invoice.x0 == pytest.approx(28.8, abs=3) and invoice.top == pytest.approx(28.8, abs=8)
    assert total.top > invoice.bottom
    assert all(0.5 < w.confidence <= 1.0 for w in page.words)


@pytest.mark.slow
def test_default_languages_read_german_words() -> None:
    data = image_with_text(["Rechnung Nr. 4711", "Gesamtbetrag 99,50"])

    document = read_document(data, media.PNG)

    assert "Rechnung" in document.pages[0].text and "99,50" in document.pages[0].text


@pytest.mark.slow
def test_photo_with_exif_orientation_is_turned_upright_before_ocr() -> None:
    """GIVEN a JPEG stored sideways with EXIF orientation 6 WHEN read THEN the text is read."""
    upright = Image.open(io.BytesIO(image_with_text(["INVOICE 4711"], fmt="PNG")))
    # Orientation 6: the camera was turned, the stored picture must turn 90 degrees clockwise.
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    sideways.save(out, format="JPEG", quality=92, exif=exif, dpi=(150, 150))

    document = read_document(out.getvalue(), media.JPEG, ENG)

    page = document.pages[0]
    assert [w.text for w in page.words] == ["INVOICE", "4711"]
    assert page.width > page.height  # upright: wider than tall, as drawn


@pytest.mark.slow
def test_transparent_png_is_read_on_white() -> None:
    data = image_with_text(["INVOICE 4711"], mode="RGBA")

    document = read_document(data, media.PNG, ENG)

    assert [w.text for w in document.pages[0].words] == ["INVOICE", "4711"]


@pytest.mark.slow
def test_multi_page_tiff_gives_one_page_per_frame() -> None:
    first = Image.open(io.BytesIO(image_with_text(["INVOICE 4711"])))
    second = Image.open(io.BytesIO(image_with_text(["Total 99.50"])))
    out = io.BytesIO()
    first.save(out, format="TIFF", save_all=True, append_images=[second], dpi=(150, 150))

    document = read_document(out.getvalue(), media.TIFF, ENG)

    assert [page.number for page in document.pages] == [1, 2]
    assert [page.text for page in document.pages] == ["INVOICE 4711", "Total 99.50"]


@pytest.mark.slow
def test_image_without_text_is_refused_as_empty() -> None:
    with pytest.raises(EmptyDocument, match="no text found"):
        read_document(image_with_text([]), media.PNG, ENG)


def png_header_only(width: int, height: int) -> bytes:
    """Return a PNG that declares a size but carries no pixels (enough for a header check)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("width", "height"), [(10_000, 7_000), (20_000, 20_000)], ids=["over-limit", "pillow-bomb"]
)
def test_huge_image_is_refused_before_decoding(width: int, height: int) -> None:
    """GIVEN an image of 70 or 400 megapixels WHEN read THEN it is refused with the reason."""
    with pytest.raises(ImageTooLarge) as raised:
        read_document(png_header_only(width, height), media.PNG, ENG)

    assert "too large" in raised.value.reason
    assert raised.value.limit == 60_000_000


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_image_raises_broken_document(fmt: str) -> None:
    data = image_with_text(["INVOICE 4711"], mode="RGB", fmt=fmt)

    with pytest.raises(BrokenDocument, match="cannot be decoded|not a readable image"):
        read_document(data[: len(data) // 2], media.JPEG if fmt == "JPEG" else media.PNG, ENG)


def test_missing_tesseract_names_the_package_to_install(tmp_path: Path) -> None:
    options = OcrOptions(command=str(tmp_path / "no-such-tesseract"))

    with pytest.raises(OcrUnavailable, match="tesseract-ocr"):
        read_document(image_with_text(["x"]), media.PNG, options)


def test_missing_language_names_the_language_pack(tmp_path: Path) -> None:
    image = tmp_path / "page.png"
    image.write_bytes(image_with_text(["x"]))

    with pytest.raises(OcrUnavailable, match="tesseract-ocr-xyz"):
        run_tesseract(image, OcrOptions(languages="xyz"))


def test_tesseract_is_stopped_after_the_timeout(tmp_path: Path) -> None:
    image = tmp_path / "page.png"
    image.write_bytes(image_with_text(["INVOICE 4711"]))

    with pytest.raises(OcrTimeout, match="longer than"):
        run_tesseract(image, OcrOptions(languages="eng", timeout=0.01))
