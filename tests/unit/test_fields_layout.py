"""Label-to-value rules on hand-made pages: value right of its label, below it, totals checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pytest

from intake.fields import extract_fields
from intake.fields.candidates import Candidate
from intake.fields.layout import document_lines
from intake.fields.totals import choose_totals
from intake.words import Page, Word
from invoicing.extraction import Source

CHAR = 5.0  # width of one character, points
HEIGHT = 10.0


def words_at(text: str, x: float, top: float, height: float = HEIGHT) -> list[Word]:
    """Return the words of `text` printed from `x` on one line, one space apart, in a type
    `height` points high (a character is half as wide)."""
    char = CHAR * height / HEIGHT
    words = []
    for token in text.split():
        width = char * len(token)
        words.append(Word(token, x, top, x + width, top + height))
        x += width + char
    return words


#: A row of a hand-made page: (x, top, text), or (x, top, text, type height) for a logo's large
#: type or a return address's small print.
Row = tuple[float, float, str] | tuple[float, float, str, float]


def page(rows: Sequence[Row], ocr: bool = False) -> Page:
    """Return an A4 page with `text` printed at each (x, top), in body type unless a row says."""
    words = [w for x, top, text, *height in rows for w in words_at(text, x, top, *height)]
    return Page(number=1, width=595, height=842, words=tuple(words), ocr=ocr)


def ocr_page(rows: Sequence[Row], confidence: float = 0.9) -> Page:
    """Return `page(rows)` as if OCR had read it with the given word confidence."""
    plain = page(rows, ocr=True)
    words = tuple(Word(w.text, w.x0, w.top, w.x1, w.bottom, confidence) for w in plain.words)
    return Page(number=1, width=plain.width, height=plain.height, words=words, ocr=True)


def test_value_right_of_label() -> None:
    """GIVEN 'Rechnungsnummer:' with the number in a cell to its right THEN the number is read."""
    invoice = extract_fields([page([(300, 200, "Rechnungsnummer:"), (420, 200, "R0005532486"),
                                    (300, 214, "Rechnungsdatum:"), (420, 214, "19.01.2016")])])
    assert invoice.invoice_number == "R0005532486"
    assert invoice.issue_date == dt.date(2016, 1, 19)
    assert invoice.source is Source.PDF_TEXT


def test_value_below_label() -> None:
    """GIVEN column headers 'Invoice Date:' and 'Due Date:' with dates under them THEN both are read."""
    invoice = extract_fields([page([(50, 250, "Invoice Date:"), (250, 250, "Due Date:"),
                                    (50, 266, "03/20/2023"), (250, 266, "04/04/2023")])])
    assert invoice.issue_date == dt.date(2023, 3, 20)
    assert invoice.due_date == dt.date(2023, 4, 4)


def test_french_labels_and_totals_add_up() -> None:
    """GIVEN a French invoice whose Total HT + TVA = Total TTC THEN the three amounts are read."""
    invoice = extract_fields([page([
        (300, 180, "Facture n° 2022089083"), (50, 200, "Date : 28/11/2022"),
        (400, 370, "Total HT :"), (500, 370, "46,68 €"),
        (400, 395, "TVA 20% :"), (500, 395, "9,34 €"),
        (400, 420, "Total TTC :"), (500, 420, "56,02 €"),
    ])])
    assert invoice.invoice_number == "2022089083"
    assert (invoice.net_total, invoice.tax_total, invoice.total) == (
        Decimal("46.68"), Decimal("9.34"), Decimal("56.02"))
    assert invoice.currency == "EUR"
    assert invoice.confidence["total"] >= 0.9
    assert not invoice.warnings


def test_danish_total_and_terms_without_a_printed_due_date() -> None:
    """GIVEN 'Fakturadato' and 'Betalingsbetingelser: Netto 8 dage' THEN no due date is invented and
    a warning says the terms give 8 days on."""
    invoice = extract_fields([page([
        (50, 100, "Fakturanr. 1042"), (50, 114, "Fakturadato: 05-03-2024"),
        (50, 400, "Betalingsbetingelser: Netto 8 dage"), (350, 300, "I alt"), (450, 300, "1.250,00 kr."),
    ])])
    assert invoice.invoice_number == "1042"
    assert invoice.due_date is None
    assert "no due date printed; the payment terms say 8 days (2024-03-13)" in invoice.warnings
    assert invoice.total == Decimal("1250.00")
    assert invoice.currency == "DKK"


def test_net_plus_tax_equal_total_decides_between_candidates() -> None:
    """GIVEN two total candidates, the weaker one consistent with net + tax THEN it is chosen."""
    totals = choose_totals(
        [Candidate(Decimal("100.00"), 0.9, 1), Candidate(Decimal("119.00"), 0.6, 2)],
        [Candidate(Decimal("100.00"), 0.8, 3)],
        [Candidate(Decimal("19.00"), 0.8, 4)],
    )
    assert totals.total is not None and totals.total.value == Decimal("119.00")
    assert totals.consistent is True


def test_totals_that_disagree_are_warned_about_and_less_sure() -> None:
    """GIVEN net + tax != total on the page THEN a warning says so and confidence drops."""
    invoice = extract_fields([page([
        (350, 300, "Nettobetrag"), (450, 300, "100,00 EUR"),
        (350, 314, "MwSt. 19%"), (450, 314, "19,00 EUR"),
        (350, 328, "Gesamtbetrag"), (450, 328, "120,00 EUR"),
    ])])
    assert invoice.total == Decimal("120.00")
    assert any("!=" in w for w in invoice.warnings)
    assert invoice.confidence["total"] < 0.6


def test_seller_vat_id_not_the_buyers() -> None:
    """GIVEN the buyer's VAT ID after 'N° TVA client' and the seller's in the footer THEN the seller's wins."""
    invoice = extract_fields([page([
        (50, 300, "N° TVA client"), (200, 300, "FR19787878784"),
        (50, 800, "Exemple SARL - 1 rue de Paris - TVA : FR11999999998"),
    ])])
    assert invoice.seller.vat_id == "FR11999999998"
    assert invoice.seller.name == "Exemple SARL"


def test_buyer_after_bill_to_label() -> None:
    """GIVEN a 'Bill to:' block with a salutation line THEN the buyer is the name after it."""
    invoice = extract_fields([page([
        (50, 40, "Acme Widgets Ltd."), (50, 150, "Bill to:"), (50, 164, "Mr."),
        (50, 178, "Pino Bluebird"), (50, 192, "12 High Street"),
    ])])
    assert invoice.buyer.name == "Pino Bluebird"
    assert invoice.seller.name == "Acme Widgets Ltd."


def test_ocr_pages_are_marked_and_less_sure() -> None:
    words = (Word("Total", 100, 100, 130, 110, 0.6), Word("9.00", 200, 100, 225, 110, 0.6))
    invoice = extract_fields([Page(1, 595, 842, words, ocr=True)])
    assert invoice.source is Source.OCR
    assert invoice.total == Decimal("9.00")
    assert invoice.confidence["total"] <= 0.6


def test_a_date_spelled_out_in_a_row_of_values_belongs_to_its_label_whole() -> None:
    """GIVEN labels 'Due date | Currency' over one run of values 'March 26, 2024 PLN' whose year
    reaches under 'Currency' THEN the date, read whole, is the due date, and PLN the currency."""
    invoice = extract_fields([page([
        (20, 100, "Invoice date: 01.03.2024"), (100, 250, "Due date"), (170, 250, "Currency"),
        (100, 264, "March 26, 2024 PLN"),
    ])])
    assert (invoice.due_date, invoice.currency) == (dt.date(2024, 3, 26), "PLN")


def test_a_company_register_number_is_not_the_invoice_number() -> None:
    """GIVEN a column headed 'Factuur' over the invoice's number and 'KvK nummer: 04123456' in the
    seller's details at the foot THEN the invoice number is the invoice's, not the chamber of
    commerce's."""
    invoice = extract_fields([page([
        (50, 200, "Klant"), (150, 200, "Factuurdatum"), (250, 200, "Factuur"), (350, 200, "Vervaldatum"),
        (50, 214, "C-0303006"), (150, 214, "8-9-2022"), (250, 214, "VF2207734"), (350, 214, "22-9-2022"),
        (50, 760, "Kvk nummer: 04123456"), (300, 760, "BTW-nr: NL8152.54.295.B01"),
    ])])
    assert invoice.invoice_number == "VF2207734"


def test_an_ocr_word_after_a_comma_continues_its_cell() -> None:
    """GIVEN OCR words 'Due date: August 30,' and '2025' a word-height apart (wider than a number's
    gap, as a scan's words hug the ink) THEN they are one cell, and the due date is read whole;
    two amounts as far apart stay two cells."""
    def ocr_words(*placed: tuple[str, float, float, float]) -> list[Word]:
        return [Word(text, x0, top, x1, top + 8.0, 0.96) for text, x0, x1, top in placed]

    words = ocr_words(("Invoice", 327, 352, 268), ("date:", 356, 376, 268), ("31.07.2025", 384, 430, 268),
                      ("Due", 327, 343, 290), ("date:", 349, 375, 290), ("August", 383, 416, 290),
                      ("30,", 422, 435, 290), ("2025", 444, 466, 290),
                      ("12.50", 327, 350, 320), ("8.40", 359, 378, 320))  # fmt: skip
    lines = document_lines([Page(number=1, width=595, height=842, words=tuple(words), ocr=True)])
    assert [c.text for c in lines[1].cells] == ["Due date: August 30, 2025"]
    assert [c.text for c in lines[2].cells] == ["12.50", "8.40"]
    invoice = extract_fields([Page(number=1, width=595, height=842, words=tuple(words), ocr=True)])
    assert invoice.due_date == dt.date(2025, 8, 30)


def test_two_labels_run_together_in_one_cell_each_take_the_value_under_their_own_words() -> None:
    """GIVEN a header row whose last cell holds two labels, 'Date of supply Payment due', over two
    dates THEN the due date is the one under 'Payment due', not the date of supply."""
    invoice = extract_fields([page([
        (60, 200, "No."), (120, 200, "Date"), (200, 200, "Customer ID"), (300, 200, "Date of supply Payment due"),
        (60, 214, "27910"), (120, 214, "12/08/2024"), (200, 214, "202228-01"), (300, 214, "08/08/2024"),
        (400, 214, "11/09/2024"),
    ])])
    assert invoice.issue_date == dt.date(2024, 8, 12)
    assert invoice.due_date == dt.date(2024, 9, 11)


def test_a_misread_net_gives_way_to_total_less_tax_where_the_line_items_add_up_to_it() -> None:
    """GIVEN line items adding up to 42,894.47, 'Net amount | 4 2,894.47' (OCR split off a digit),
    VAT 9,865.73 and 'Amount due 52,760.20' THEN the net is 42,894.47: total less tax, which the
    items confirm, and the three add up."""
    invoice = extract_fields([ocr_page([
        (50, 300, "Item"), (250, 300, "Qty"), (350, 300, "Price"), (450, 300, "Amount"),
        (50, 314, "Consulting"), (250, 314, "10"), (350, 314, "2,014.39"), (450, 314, "20,143.90"),
        (50, 328, "Travel expenses"), (250, 328, "5"), (350, 328, "4,550.11"), (450, 328, "22,750.57"),
        (330, 360, "Net amount"), (430, 360, "4 2,894.47"),
        (330, 374, "VAT (23%)"), (430, 374, "9,865.73"),
        (330, 388, "Amount due"), (430, 388, "52,760.20"),
    ])])
    assert (invoice.net_total, invoice.tax_total, invoice.total) == (
        Decimal("42894.47"), Decimal("9865.73"), Decimal("52760.20"))


def test_a_bare_no_heading_a_column_of_the_header_row_labels_the_number_under_it() -> None:
    """GIVEN 'INVOICE' over a header row 'No | Date of issue' and 'F202433727 | 08/11/2024' under it
    THEN the number under 'No' is the invoice's; an item table's 'No' column of line numbers is not."""
    invoice = extract_fields([page([
        (58, 240, "INVOICE"), (59, 270, "No"), (129, 270, "Date of issue"),
        (59, 284, "F202433727"), (129, 284, "08/11/2024"),
    ])])
    assert invoice.invoice_number == "F202433727"
    invoice = extract_fields([page([
        (50, 300, "No"), (80, 300, "Description"), (250, 300, "Qty"), (350, 300, "Price"), (450, 300, "Amount"),
        (50, 314, "1"), (80, 314, "Consulting"), (250, 314, "2"), (350, 314, "100.00"), (450, 314, "200.00"),
        (50, 328, "2"), (80, 328, "Hosting"), (250, 328, "1"), (350, 328, "40.00"), (450, 328, "40.00"),
    ])])
    assert invoice.invoice_number is None


@pytest.mark.parametrize(
    ("net", "tax", "expected"),
    [
        ("79,497.91", "18, 284.52", ("79497.91", "18284.52")),  # the tax lost its thousands to a space
        ("639.11", "18,284.52", ("79497.91", "18284.52")),  # a net misread ("639.11")
    ],
)
def test_a_misread_net_or_tax_is_mended_by_the_printed_rate(net: str, tax: str, expected: tuple[str, str]) -> None:
    """GIVEN 'Net amount', 'VAT | 23% | tax' and 'Total gross 97,782.43' where OCR misread the net
    or the tax THEN the one misread is the total less the other, as the 23 % rate confirms."""
    invoice = extract_fields([ocr_page([
        (330, 360, "Net amount"), (430, 360, net),
        (330, 374, "VAT"), (380, 374, "23%"), (430, 374, tax),
        (330, 388, "Total gross"), (430, 388, "97,782.43"),
    ])])
    assert (invoice.net_total, invoice.tax_total, invoice.total) == (
        Decimal(expected[0]), Decimal(expected[1]), Decimal("97782.43"))


def test_a_large_word_beside_two_lines_of_small_type_leaves_them_two_lines() -> None:
    """GIVEN a logo in large type beside a small label over its value ('Invoice date' over
    'September 16, 2025'), the logo as tall as both lines THEN the label and its value stay two
    lines, and the date is read whole."""
    rows: list[Row] = [(50, 96, "NOVAK CONSULTING", 24), (420, 96, "Invoice date", 8), (420, 106, "September 16, 2025", 8)]
    lines = document_lines([page(rows)])
    assert [line.text for line in lines] == ["NOVAK CONSULTING Invoice date", "September 16, 2025"]
    assert extract_fields([page(rows)]).issue_date == dt.date(2025, 9, 16)


def test_a_line_of_slightly_larger_type_beside_two_small_lines_leaves_them_two_lines() -> None:
    """GIVEN a text layer's line in 11 pt beside two lines in 8.7 pt whose middles it falls between
    THEN the two small lines stay apart (a text layer's boxes are the font's, so 1.15 times taller
    is another type size)."""
    rows: list[Row] = [(57, 143.3, "Your VAT No.: NL134364934B01", 11.1), (420, 139.7, "0519 WV Utrecht", 8.7),
                       (420, 149.8, "Nederland", 8.7)]
    assert [line.text for line in document_lines([page(rows)])] == [
        "Your VAT No.: NL134364934B01 0519 WV Utrecht", "Nederland"]


def test_a_total_whose_decimal_mark_ocr_lost_is_mended_where_net_and_tax_add_up() -> None:
    """GIVEN a photo's totals 'Net amount 25865.98', 'Tax 25% 6466.50' and 'Total incl. VAT
    3233248' (the point lost) THEN the total is 32332.48, which net and tax add up to."""
    invoice = extract_fields([ocr_page([
        (300, 400, "Goods total"), (450, 400, "30430.56"),
        (300, 416, "Less 15% discount"), (450, 416, "4564.58"),
        (300, 432, "Net amount"), (450, 432, "25865.98"),
        (300, 448, "Tax 25%"), (450, 448, "6466.50"),
        (300, 464, "Total incl. VAT"), (450, 464, "3233248"),
    ])])
    assert (invoice.net_total, invoice.tax_total, invoice.total) == (
        Decimal("25865.98"), Decimal("6466.50"), Decimal("32332.48")
    )


def test_a_whole_total_on_a_receipt_stays_whole_where_nothing_adds_up_to_less() -> None:
    """GIVEN an OCR receipt whose only amount is 'TOTAL 1500' THEN the total is 1500, not 15.00."""
    invoice = extract_fields([ocr_page([(40, 300, "TOTAL"), (200, 300, "1500")])])
    assert invoice.total == Decimal("1500.00")


def test_an_ocr_box_taller_than_its_row_goes_to_the_row_its_middle_fits() -> None:
    """GIVEN a photographed footer in small print where tesseract's boxes of the next line's
    '130 Mill Lane' (and of its IBAN's groups) reach up into the line of 'Nordlicht Logistics SA'
    THEN they are read on their own line, and the seller's name is not interleaved with the street."""
    invoice = extract_fields([ocr_page([
        (50, 60, "INVOICE", 8.0), (50, 80, "Invoice No.: INV-2024-56124", 4.0),
        (43.2, 409.7, "Nordlicht Logistics SA", 2.9), (140.6, 409.7, "VAT No. BE0228998291", 2.9),
        (244.6, 409.9, "Payment details: Citibank", 2.9),
        (43.4, 411.1, "130 Mill Lane", 7.9), (140.9, 413.8, "+34 511", 2.9), (155.8, 411.4, "20987", 7.6),
        (244.6, 414.0, "IBAN:", 2.9), (255.6, 411.6, "BE10 3836 9016 4304", 7.7),
        (43.2, 418.1, "9906 Namur", 2.9), (140.6, 418.1, "billing@nordlicht.example", 3.4),
        (244.6, 418.3, "BIC AXTDBEFF", 2.9),
    ])])
    assert invoice.seller.name == "Nordlicht Logistics SA"
    assert invoice.seller.iban == "BE10383690164304"


def test_an_ocr_column_whose_lines_fall_between_the_next_column_s_keeps_its_phrases_whole() -> None:
    """GIVEN OCR'd words of two columns whose lines interleave: the right column's 'Ma jolie
    boutique' a few pixels above the left column's, whose 'Ma' (no ascender, a shorter box) has
    its middle nearer the right line's than 'jolie' beside it has THEN the left phrase stays one
    line of its own, not 'Ma' on the right column's line and 'jolie boutique' on another."""
    boxes = [("Ma", 327.4, 135.4, 341.3, 143.6), ("jolie", 344.4, 135.4, 364.1, 145.7),
             ("boutique", 368.2, 135.4, 409.2, 145.7), ("Ma", 37.7, 141.8, 50.2, 149.2),
             ("jolie", 53.0, 141.8, 71.0, 151.4), ("boutique", 74.6, 141.8, 112.1, 151.2),
             ("Alexandre", 326.6, 147.8, 375.6, 156.0), ("Payet", 379.9, 147.8, 407.3, 158.1)]
    words = tuple(Word(text, x0, top, x1, bottom, 0.96) for text, x0, top, x1, bottom in boxes)
    lines = document_lines([Page(number=1, width=595, height=842, words=words, ocr=True)])
    assert [[c.text for c in line.cells] for line in lines] == [
        ["Ma jolie boutique"], ["Ma jolie boutique"], ["Alexandre Payet"]]
