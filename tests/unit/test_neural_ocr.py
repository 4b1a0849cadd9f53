"""RapidOCR (models inside its wheel) reading pictures, and its lines cut into words."""

from __future__ import annotations

import datetime as dt
import io
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bot.wiring import App
from intake import media, neural_ocr
from intake.errors import OcrUnavailable
from intake.extract import amounts_in_doubt, doubted, extract_bytes
from intake.fields import extract_fields
from intake.fields.layout import document_lines
from intake.ocr import OcrOptions, PixelWord
from intake.readers import read_document
from invoicing.config import ConfigError, load_settings
from invoicing.extraction import UNREAD_IBAN, ExtractedInvoice, Party, Source, amounts_disagree
from tests.unit.test_fields_layout import page
from tests.unit.test_ocr import image_with_text
from tests.unit.test_readers import jpeg_with_text, scanned_pdf

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def test_a_line_is_cut_into_words_at_spaces_and_gaps() -> None:
    """GIVEN a recognised line without spaces whose characters stand apart in two groups, and one
    with a space THEN it gives one word per group."""
    boxes = [[[x, 10], [x + 10, 10], [x + 10, 30], [x, 30]] for x in (0, 11, 22, 50, 61)]
    words = neural_ocr.split_line(list("TOT12"), boxes, [0.9] * 5)
    assert [(w.text, w.left, w.width) for w in words] == [("TOT", 0, 32), ("12", 50, 21)]
    spaced = neural_ocr.split_line(list("A B"), boxes[:3], [0.9] * 3)
    assert [w.text for w in spaced] == ["A", "B"]


def test_a_pages_line_is_cut_into_words_where_the_picture_is_blank() -> None:
    """GIVEN a line "Customerno.15" whose characters RapidOCR placed evenly, 10 pixels each, over a
    picture whose ink leaves a blank between "Customer" and "no." and between "1" and "5" THEN a
    page's line is cut after "Customer" only (two digits stay together), and a receipt's, cut by the
    characters' gaps alone, not at all."""
    import numpy as np

    grey = np.full((40, 140), 255, np.uint8)
    grey[10:30, 0:76] = 20  # Customer
    grey[10:30, 84:116] = 20  # no.1
    grey[10:30, 124:130] = 20  # 5
    boxes = [[[x, 10], [x + 10, 10], [x + 10, 30], [x, 30]] for x in range(0, 130, 10)]
    breaks = neural_ocr.blank_columns(grey, (0, 5, 135, 35))
    assert breaks == [80.0, 120.0]
    page = neural_ocr.split_line(list("Customerno.15"), boxes, [0.9] * 13, breaks)
    assert [w.text for w in page] == ["Customer", "no.15"]
    assert [w.text for w in neural_ocr.split_line(list("Customerno.15"), boxes, [0.9] * 13)] == ["Customerno.15"]
    assert neural_ocr.blank_columns(np.full((40, 140), 200, np.uint8), (0, 5, 135, 35)) == []  # no ink


@pytest.mark.parametrize(("chars", "blank_after", "words"), [
    ("836.60", (2, 3), ["836.60"]),  # the white around a decimal point
    ("1,234.56", (0, 1), ["1,234.56"]),  # and beside a thousands separator
    ("21,2025", (2,), ["21,", "2025"]),  # a comma before a year: a space
    ("No.60", (2,), ["No.", "60"]),
])
def test_the_white_around_a_numbers_mark_is_no_space(chars: str, blank_after: tuple[int, ...], words: list[str]) -> None:
    """GIVEN a page's line whose picture is blank beside the decimal point or thousands separator
    of an amount (RapidOCR's "836.60" over ink "836 . 60") THEN the amount stays one word; a blank
    after a comma before a year, or after a word's period, still parts two words."""
    boxes = [[[x, 10], [x + 10, 10], [x + 10, 30], [x, 30]] for x in range(0, 10 * len(chars), 10)]
    breaks = [10.0 * i + 10 for i in blank_after]  # between character i and i + 1
    assert [w.text for w in neural_ocr.split_line(list(chars), boxes, [0.9] * len(chars), breaks)] == words


def test_full_width_characters_are_read_as_plain_ones() -> None:
    boxes = [[[x, 0], [x + 10, 0], [x + 10, 20], [x, 20]] for x in (0, 10, 20)]
    assert [w.text for w in neural_ocr.split_line(["（", "1", "）"], boxes, [1.0] * 3)] == ["(1)"]


def _receipt_photo(tilt: float = 0.0) -> bytes:
    """Return a JPEG of a narrow till receipt (receipt-shaped: taller than wide), amounts in a
    column at the right, turned by `tilt` degrees."""
    image = Image.new("RGB", (480, 900), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 26)
    rows = [("SUNRISE BAKERY LTD", ""), ("12 KING STREET", ""), ("DATE 05/03/2024 10:15", ""),
            ("2 x BREAD", "4.40"), ("1 x TEA", "2.10"), ("TOTAL", "6.50"), ("CASH", "10.00"), ("CHANGE", "3.50")]
    for i, (text, amount) in enumerate(rows):
        draw.text((20, 120 + 40 * i), text, fill="black", font=font)
        draw.text((460, 120 + 40 * i), amount, fill="black", font=font, anchor="ra")
    image = image.rotate(tilt, resample=Image.Resampling.BICUBIC, fillcolor="white")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


@pytest.mark.slow
def test_receipt_photo_read_by_the_neural_ocr() -> None:
    """GIVEN a receipt photo and the engine 'auto' THEN RapidOCR reads it (no download at run
    time) and the fields come out: the shop, the date and the total."""
    if not neural_ocr.available():
        pytest.fail("rapidocr-onnxruntime is a dependency and must be installed")
    document = read_document(_receipt_photo(), media.JPEG, OcrOptions(engine="auto"))
    invoice = extract_fields(document.pages)
    assert invoice.seller.name == "SUNRISE BAKERY LTD"
    assert str(invoice.total) == "6.50"
    assert invoice.issue_date is not None and invoice.issue_date.isoformat() == "2024-03-05"


@pytest.mark.slow
def test_a_tilted_receipt_photo_is_read_straightened() -> None:
    """GIVEN a receipt photographed 4 degrees askew, read by RapidOCR THEN each amount stays on its
    label's line (the picture is straightened first, as for tesseract): the total is the total."""
    document = read_document(_receipt_photo(tilt=4.0), media.JPEG, OcrOptions(engine="rapidocr"))
    lines = [line.text for line in document_lines(document.pages)]
    assert any(line.startswith("TOTAL") and line.endswith("6.50") for line in lines), lines
    assert str(extract_fields(document.pages).total) == "6.50"


def test_a_receipt_strip_is_read_with_the_receipts_word_gap_and_a_page_with_the_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a till receipt's photo and an invoice page's picture read by RapidOCR THEN the strip's
    characters are cut into words at the receipt's gap, the page's at the page's."""
    asked: list[bool] = []
    read_picture = neural_ocr.read_picture

    def reading(image: Image.Image, *, receipt: bool = False) -> list[PixelWord]:
        asked.append(receipt)
        return read_picture(image, receipt=receipt)

    monkeypatch.setattr(neural_ocr, "read_picture", reading)
    read_document(_receipt_photo(), media.JPEG, OcrOptions(engine="rapidocr"))
    read_document(_invoice_page((0, 0, 0)), media.PNG, OcrOptions(engine="rapidocr"))
    assert asked == [True, False]


def test_auto_reads_only_receipt_shaped_pictures_neurally() -> None:
    options = OcrOptions(engine="auto")
    assert options.neural_for(400, 900) and not options.neural_for(2480, 3508)
    assert not OcrOptions().neural_for(400, 900)
    assert OcrOptions(engine="rapidocr").neural_for(2480, 3508)


@pytest.mark.slow
def test_both_engines_read_a_blurred_receipt_and_the_surer_total_is_kept() -> None:
    """GIVEN a small, blurred receipt photo, which tesseract reads without a total even enlarged, and
    the engine 'both' THEN RapidOCR reads it again, its surer total is taken and a warning says so."""
    image = Image.open(io.BytesIO(_receipt_photo(tilt=4.0))).filter(ImageFilter.GaussianBlur(3.0))
    out = io.BytesIO()
    image.resize((image.width // 2, image.height // 2)).save(out, format="JPEG", quality=60)
    invoice = extract_bytes(out.getvalue(), "receipt.jpg", OcrOptions(engine="both"))
    assert str(invoice.total) == "6.50"
    assert invoice.warnings[-1].startswith("read by two OCR engines;") and "total" in invoice.warnings[-1]
    assert invoice.warnings[-1].endswith("from RapidOCR")


def test_only_both_reads_a_doubted_picture_twice() -> None:
    assert OcrOptions(engine="both").read_twice(doubted=True)
    assert not OcrOptions(engine="both").read_twice(doubted=False)
    assert not OcrOptions(engine="auto").read_twice(doubted=True)
    assert not OcrOptions(engine="tesseract").read_twice(doubted=True)
    assert OcrOptions().engine == "both"  # the default
    assert not OcrOptions(engine="both").neural_for(400, 900)


def _reading(total: str | None, total_confidence: float, seller_confidence: float = 0.9) -> ExtractedInvoice:
    return ExtractedInvoice(
        source=Source.OCR, total=None if total is None else Decimal(total), issue_date=dt.date(2024, 3, 1),
        seller=Party(name="Harbour Tools Ltd"),
        confidence={"total": total_confidence, "seller.name": seller_confidence, "issue_date": 0.3},
    )


def test_a_reading_is_doubted_when_a_key_field_is_missing_or_unsure() -> None:
    assert not doubted(_reading("12.00", 0.9))
    assert doubted(_reading("12.00", 0.45))  # a total whose checks failed
    assert doubted(_reading("12.00", 0.9, seller_confidence=0.3))
    assert doubted(_reading(None, 0.0))
    assert doubted(_reading("12.00", 0.9).model_copy(update={"issue_date": None}))
    assert doubted(_reading("12.00", 0.9).model_copy(update={"warnings": (UNREAD_IBAN,)}))


def test_a_reading_whose_amounts_contradict_each_other_is_doubted_on_any_shape() -> None:
    """GIVEN a reading with its total, date, seller and number sure THEN it is read again where the
    extractor found its net and tax not to add up to its total, or read a net without its tax, on a
    page's picture and a till receipt's alike; not where they add up, or reach the total through a
    rounding the page prints (26.00 + 1.56, charged 27.55: the extractor does not warn)."""
    sure = _reading("119.00", 0.9).model_copy(update={"invoice_number": "A-1"})
    contradicted = sure.model_copy(update={
        "net_total": Decimal("100.00"), "tax_total": Decimal("18.00"),
        "warnings": (amounts_disagree(Decimal("100.00"), Decimal("18.00"), Decimal("119.00")),),
    })  # fmt: skip
    no_tax = sure.model_copy(update={"net_total": Decimal("100.00")})
    adds_up = sure.model_copy(update={"net_total": Decimal("100.00"), "tax_total": Decimal("19.00")})
    rounded = _reading("27.55", 0.9).model_copy(
        update={"invoice_number": "A-1", "net_total": Decimal("26.00"), "tax_total": Decimal("1.56")}
    )
    for full_page in (True, False):
        assert doubted(contradicted, full_page=full_page)
        assert doubted(no_tax, full_page=full_page)
        assert not doubted(adds_up, full_page=full_page)
        assert not doubted(rounded, full_page=full_page)


def test_the_extractors_verdict_on_the_amounts_is_what_puts_them_in_doubt() -> None:
    """GIVEN a page printing net 100.00, tax 19.00 and total 120.00, one whose total 27.55 is net
    26.00 + tax 1.56 through a printed rounding of -0.01, and one that adds up exactly THEN only the
    first one's amounts are in doubt."""
    contradicted = extract_fields([page([
        (50, 400, "Nettobetrag: 100,00 EUR"), (50, 414, "MwSt. 19 %: 19,00 EUR"), (50, 428, "Gesamtbetrag: 120,00 EUR"),
    ])])  # fmt: skip
    rounded = extract_fields([page([
        (40, 400, "SUB-TOTAL (EX)"), (300, 400, "26.00"), (40, 415, "TOTAL TAX :"), (300, 415, "1.56"),
        (40, 430, "ROUNDING ADJ"), (300, 430, "-0.01"), (40, 445, "TOTAL"), (300, 445, "27.55"),
    ], ocr=True)])  # fmt: skip
    exact = extract_fields([page([
        (50, 400, "Nettobetrag: 100,00 EUR"), (50, 414, "MwSt. 19 %: 19,00 EUR"), (50, 428, "Gesamtbetrag: 119,00 EUR"),
    ])])  # fmt: skip
    assert amounts_in_doubt(contradicted)
    assert (rounded.total, rounded.net_total, rounded.tax_total) == (Decimal("27.55"), Decimal("26.00"), Decimal("1.56"))
    assert not amounts_in_doubt(rounded)
    assert exact.total == Decimal("119.00") and not amounts_in_doubt(exact)


def test_a_full_page_read_without_its_invoice_number_is_doubted() -> None:
    """GIVEN a reading with its total, date and seller sure but no invoice number THEN the picture
    of an invoice's page is read again, a till receipt's (which often prints none) is not."""
    assert _reading("12.00", 0.9).invoice_number is None
    assert doubted(_reading("12.00", 0.9), full_page=True)
    assert not doubted(_reading("12.00", 0.9), full_page=False)
    assert not doubted(_reading("12.00", 0.9).model_copy(update={"invoice_number": "A-1"}), full_page=True)


def test_a_full_page_read_with_the_sellers_vat_id_but_without_net_or_tax_is_doubted() -> None:
    """GIVEN the reading of an invoice's page that names a seller's European VAT ID and a total but
    neither net nor tax (the totals block lost, the total perhaps the amount left to pay), or a tax
    without its net (a tinted totals row lost, the tax perhaps a line's) THEN it is read again; a
    page without a VAT ID (a seller exempt from VAT) or with another country's tax number, or a
    till receipt, is not."""
    numbered = _reading("90.00", 0.9).model_copy(update={"invoice_number": "F20260030"})
    registered = numbered.model_copy(update={"seller": Party(name="Harbour Tools Ltd", vat_id="GB980780684")})
    assert doubted(registered, full_page=True)
    assert not doubted(registered, full_page=False)
    assert not doubted(numbered, full_page=True)
    indian = numbered.model_copy(update={"seller": Party(name="Oravel Stays Private Limited", vat_id="06AABCO6063D1ZQ")})
    assert not doubted(indian, full_page=True)  # a GSTIN: where tax may be stated otherwise
    taxed = registered.model_copy(update={"net_total": Decimal("75.00"), "tax_total": Decimal("15.00")})
    assert not doubted(taxed, full_page=True)
    without_net = taxed.model_copy(update={"net_total": None})
    assert doubted(without_net, full_page=True)
    assert not doubted(without_net, full_page=False)
    assert not doubted(without_net.model_copy(update={"seller": numbered.seller}), full_page=True)


def test_without_rapidocr_both_keeps_the_tesseract_reading_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the engine 'both' where RapidOCR cannot be imported THEN the receipt is still read,
    by tesseract alone, and a warning says why."""
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # importing it raises ImportError
    neural_ocr._engine.cache_clear()
    try:
        invoice = extract_bytes(_receipt_photo(), "receipt.jpg", OcrOptions(engine="both"))
    finally:
        neural_ocr._engine.cache_clear()
    assert str(invoice.total) == "6.50"
    assert invoice.warnings[-1].startswith("read by tesseract alone: the neural OCR is not installed")


def test_the_configured_ocr_engine_reaches_the_reader(tmp_path: Path) -> None:
    """GIVEN INVOICEBOT_OCR_ENGINE=both and OCR languages THEN the service's reader uses both; an
    engine that does not exist is refused by name."""
    settings = load_settings(data_dir=tmp_path, ocr_engine="both", ocr_languages="eng+deu")
    reader = App(settings, one_shot=True).reader
    try:
        assert (reader.ocr.engine, reader.ocr.languages) == ("both", "eng+deu")
    finally:
        reader.close()
    with pytest.raises(ConfigError, match="ocr_engine"):
        load_settings(data_dir=tmp_path, ocr_engine="paddle")


def _invoice_page(amount_colour: tuple[int, int, int]) -> bytes:
    """Return a PNG of an A4 invoice page whose totals' amounts are printed in `amount_colour`."""
    image = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 30)
    for y, text in ((100, "Northwind Supplies Ltd"), (150, "INVOICE"), (220, "Invoice number: 40211"),
                    (270, "Invoice date: 03.11.2025")):  # fmt: skip
        draw.text((100, y), text, fill="black", font=font)
    for y, label, amount in ((400, "Net total", "1,000.00"), (450, "VAT 20%", "200.00"), (500, "Total due", "1,200.00")):
        draw.text((600, y), label, fill="black", font=font)
        draw.text((900, y), amount, fill=amount_colour, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_both_reads_a_page_again_where_tesseract_is_unsure_of_the_total() -> None:
    """GIVEN an invoice page (not receipt-shaped) whose totals are printed so pale that tesseract
    reads none THEN 'both' has RapidOCR read it again and takes its amounts, which add up."""
    pale = _invoice_page((230, 230, 230))
    assert extract_bytes(pale, "invoice.png", OcrOptions(engine="tesseract")).total is None
    invoice = extract_bytes(pale, "invoice.png", OcrOptions(engine="both"))
    assert (str(invoice.net_total), str(invoice.tax_total), str(invoice.total)) == ("1000.00", "200.00", "1200.00")
    assert invoice.invoice_number == "40211"
    assert invoice.warnings[-1] == "read by two OCR engines; total, net_total, tax_total from RapidOCR"


def test_both_reads_a_scan_of_two_pages_again_where_tesseract_is_unsure_of_the_total() -> None:
    """GIVEN a scanned PDF of two pages, the second printing its totals so pale that tesseract
    reads none THEN 'both' has RapidOCR read the whole scan again and takes its amounts."""
    cover = Image.new("RGB", (1240, 1754), "white")
    ImageDraw.Draw(cover).text((100, 100), "Northwind Supplies Ltd", fill="black", font=ImageFont.truetype(FONT, 30))
    totals = Image.open(io.BytesIO(_invoice_page((230, 230, 230)))).convert("RGB")
    out = io.BytesIO()
    cover.save(out, format="PDF", save_all=True, append_images=[totals], resolution=150.0)
    scan = out.getvalue()
    assert extract_bytes(scan, "scan.pdf", OcrOptions(engine="tesseract")).total is None
    invoice = extract_bytes(scan, "scan.pdf", OcrOptions(engine="both"))
    assert (str(invoice.net_total), str(invoice.tax_total), str(invoice.total)) == ("1000.00", "200.00", "1200.00")
    assert invoice.warnings[-1].startswith("read by two OCR engines; total, net_total, tax_total")


def test_both_leaves_a_page_alone_where_tesseract_is_sure_of_the_total(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a plain invoice page whose total tesseract reads surely THEN 'both' costs no second reading."""
    calls: list[object] = []
    read_picture = neural_ocr.read_picture
    monkeypatch.setattr(neural_ocr, "read_picture", lambda image, **kw: calls.append(image) or read_picture(image, **kw))
    invoice = extract_bytes(_invoice_page((0, 0, 0)), "invoice.png", OcrOptions(engine="both"))
    assert str(invoice.total) == "1200.00" and invoice.confidence["total"] >= 0.5
    assert calls == []


def _small_print_page() -> bytes:
    """Return a PNG of an A4 invoice page captured at 96 dpi, in print 9 px high: a screenshot."""
    image = Image.new("RGB", (794, 1123), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 9)
    for y, text in ((60, "Northwind Supplies Ltd"), (80, "VAT ID: GB 980 7806 84"), (130, "INVOICE"),
                    (160, "Invoice number: INV-2025-0419"), (178, "Invoice date: 03.11.2025")):  # fmt: skip
        draw.text((60, y), text, fill="black", font=font)
    for y, label, amount in ((300, "Net total", "1,000.00"), (318, "VAT 20%", "200.00"), (336, "Total due", "1,200.00")):
        draw.text((400, y), label, fill="black", font=font)
        draw.text((600, y), amount, fill="black", font=font, anchor="ra")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_page_in_small_print_is_read_enlarged() -> None:
    """GIVEN an invoice page captured on screen at 96 dpi (print 9 px high, where tesseract misreads
    the number and the seller at the picture's size) THEN tesseract reads it enlarged, fields right."""
    invoice = extract_bytes(_small_print_page(), "invoice.png", OcrOptions(engine="tesseract"))
    assert (invoice.invoice_number, invoice.seller.name, invoice.seller.vat_id) == (
        "INV-2025-0419", "Northwind Supplies Ltd", "GB980780684",
    )  # fmt: skip
    assert (str(invoice.issue_date), str(invoice.total)) == ("2025-11-03", "1200.00")


def test_rapidocr_reads_small_print_at_its_own_size_and_places_its_words_where_tesseract_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN a page in small print, which tesseract reads enlarged THEN RapidOCR, which scales a
    picture itself, is given the picture at its own size, and its words land on the page where
    tesseract's do."""
    sizes: list[tuple[int, int]] = []
    read_picture = neural_ocr.read_picture
    monkeypatch.setattr(neural_ocr, "read_picture", lambda image, **kw: sizes.append(image.size) or read_picture(image, **kw))
    data = _small_print_page()
    neural = read_document(data, media.PNG, OcrOptions(engine="rapidocr")).pages[0]
    plain = read_document(data, media.PNG, OcrOptions(engine="tesseract")).pages[0]
    assert sizes == [(794, 1123)]
    assert (neural.width, neural.height) == pytest.approx((plain.width, plain.height))
    at = {engine: next(w for w in page.words if "1,200.00" in w.text) for engine, page in (("neural", neural), ("plain", plain))}
    assert at["neural"].x1 == pytest.approx(at["plain"].x1, abs=3)
    assert at["neural"].top == pytest.approx(at["plain"].top, abs=3)


#: A tesseract that is not there: a reading that needs it fails with `OcrUnavailable`.
NO_TESSERACT = "/nonexistent/tesseract"


def _two_page_tiff() -> bytes:
    pages = [Image.open(io.BytesIO(image_with_text([line]))) for line in ("Invoice 4711", "Total 99.50")]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:], dpi=(150, 150))
    return out.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["multi-page TIFF", "PDF page read rendered"])
def test_every_picture_is_read_by_the_engine_chosen(kind: str) -> None:
    """GIVEN the engine 'rapidocr' and no tesseract THEN each frame of a multi-page TIFF, and a PDF
    page whose scan covers a third of it (read rendered), are read all the same: by RapidOCR,
    with their words where the picture shows them."""
    if kind == "multi-page TIFF":
        data, media_type, expected = _two_page_tiff(), media.TIFF, ["Invoice 4711", "Total 99.50"]
    else:
        data, media_type = scanned_pdf(jpeg_with_text(["Invoice 4711", "Total 99.50"]), on_a4=True), media.PDF
        expected = ["Invoice 4711 Total 99.50"]
    with pytest.raises(OcrUnavailable):
        read_document(data, media_type, OcrOptions(engine="tesseract", command=NO_TESSERACT))
    document = read_document(data, media_type, OcrOptions(engine="rapidocr", command=NO_TESSERACT))
    assert [page.text for page in document.pages] == expected
    invoice = next(w for w in document.pages[0].words if w.text == "Invoice")
    # Drawn at pixel (60, 60) at 150 dpi: 28.8 pt from the left and the top.
    assert (invoice.x0, invoice.top) == pytest.approx((28.8, 28.8), abs=6)


@pytest.mark.slow
def test_both_keeps_the_pictures_of_a_short_document_only() -> None:
    """GIVEN the engine 'both' THEN the pictures of a scan of up to three pages are kept for
    RapidOCR to read again, and none of a longer one (they would hold its memory), nor under
    any other engine."""
    assert OcrOptions(engine="both").keeps_pictures(3) and not OcrOptions(engine="both").keeps_pictures(4)
    assert not OcrOptions(engine="tesseract").keeps_pictures(1)
    assert set(read_document(_two_page_tiff(), media.TIFF, OcrOptions(engine="both")).pictures) == {1, 2}
    assert read_document(_two_page_tiff(), media.TIFF, OcrOptions(engine="tesseract")).pictures == {}
    scan = Image.open(io.BytesIO(image_with_text(["INVOICE 4711"])))
    out = io.BytesIO()
    scan.save(out, format="PDF", save_all=True, append_images=[scan] * 3, resolution=150.0)
    assert read_document(out.getvalue(), media.PDF, OcrOptions(engine="both")).pictures == {}


@pytest.mark.slow
def test_both_reads_a_page_scanned_sideways_again_as_tesseract_turned_it() -> None:
    """GIVEN an invoice page scanned sideways whose totals are printed so pale that tesseract, which
    turns the page upright, reads none THEN RapidOCR reads the page again turned the same way,
    and its amounts are taken."""
    page = Image.open(io.BytesIO(_invoice_page((230, 230, 230)))).rotate(90, expand=True)
    out = io.BytesIO()
    page.save(out, format="PNG")
    assert extract_bytes(out.getvalue(), "invoice.png", OcrOptions(engine="tesseract")).total is None
    invoice = extract_bytes(out.getvalue(), "invoice.png", OcrOptions(engine="both"))
    assert (str(invoice.net_total), str(invoice.tax_total), str(invoice.total)) == ("1000.00", "200.00", "1200.00")
    assert invoice.warnings[-1] == "read by two OCR engines; total, net_total, tax_total from RapidOCR"
