"""The embedded XML is checked against the page: the page wins where it plainly contradicts it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from intake.reconcile import PageFacts, prefer_embedded, reconcile, surer_reading
from intake.words import Page, Word
from invoicing.extraction import UNREAD_IBAN, ExtractedInvoice, Party, Source, amounts_disagree


def page(*lines: str) -> Page:
    words = []
    for row, line in enumerate(lines):
        x = 50.0
        for text in line.split():
            words.append(Word(text, x, 100 + 14 * row, x + 6 * len(text), 110 + 14 * row))
            x += 6 * len(text) + 4
    return Page(1, 595, 842, tuple(words))


XML = ExtractedInvoice(
    source=Source.EINVOICE_XML, invoice_number="R-7", issue_date=dt.date(2024, 3, 15), currency="EUR",
    net_total=Decimal("100.00"), tax_total=Decimal("19.00"), total=Decimal("119.00"),
    seller=Party(name="Muster GmbH", vat_id="DE123456788"), confidence={"invoice_number": 1.0},
)  # fmt: skip


def visual(**changes: object) -> ExtractedInvoice:
    base = XML.model_copy(update={"source": Source.PDF_TEXT, "confidence": {f: 0.9 for f in (
        "invoice_number", "issue_date", "total", "net_total", "tax_total", "seller.iban", "seller.vat_id")}})
    return base.model_copy(update=changes)


def test_values_the_page_shows_stay_as_the_xml_says():
    shown = page("Rechnung R-7 vom 15.03.2024", "Netto 100,00 MwSt 19,00 Gesamt 119,00")
    assert reconcile(XML, visual(issue_date=dt.date(2024, 3, 16)), PageFacts([shown])) == XML


def test_a_date_the_page_does_not_show_gives_way_to_the_page_with_a_warning():
    shown = page("Rechnung R-7 vom 15.03.2025", "Netto 100,00 MwSt 19,00 Gesamt 119,00")
    result = reconcile(XML, visual(issue_date=dt.date(2025, 3, 15)), PageFacts([shown]))
    assert result.issue_date == dt.date(2025, 3, 15)
    assert result.warnings == ("issue_date: the e-invoice XML says 2024-03-15, the page 2025-03-15; the page was taken",)


def test_page_amounts_are_taken_only_as_a_set_the_extractor_found_to_add_up():
    shown = page("Netto 100,00 MwSt 19,01 Gesamt 119,01")
    consistent = reconcile(XML, visual(tax_total=Decimal("19.01"), total=Decimal("119.01")), PageFacts([shown]))
    assert (consistent.tax_total, consistent.total) == (Decimal("19.01"), Decimal("119.01"))
    disagreeing = (amounts_disagree(Decimal("100.00"), Decimal("19.01"), Decimal("119.50")),)
    read = visual(tax_total=Decimal("19.01"), total=Decimal("119.50"), warnings=disagreeing)
    inconsistent = reconcile(XML, read, PageFacts([shown]))
    assert (inconsistent.tax_total, inconsistent.total) == (Decimal("19.00"), Decimal("119.00"))


def test_a_field_the_xml_leaves_empty_is_filled_from_a_confident_page():
    iban = "DE02120300000000202051"
    result = reconcile(XML, visual(seller=Party(name="Muster GmbH", vat_id="DE123456788", iban=iban)), PageFacts([page("IBAN", iban)]))
    assert result.seller.iban == iban and not result.warnings


def test_xml_for_another_invoice_is_replaced_by_the_page_unless_the_page_shows_its_number():
    other = XML.model_copy(update={"invoice_number": "R-6"})
    assert prefer_embedded(other, visual(), [page("Rechnung R-7")]).source is Source.PDF_TEXT
    longer = XML.model_copy(update={"invoice_number": "ER-7"})
    assert prefer_embedded(longer, visual(), [page("Rechnung ER-7")]).invoice_number == "ER-7"


def receipt(total: str, sure: float, **changes: object) -> ExtractedInvoice:
    return ExtractedInvoice(
        source=Source.OCR, issue_date=dt.date(2024, 3, 15), total=Decimal(total), net_total=Decimal(total),
        seller=Party(name="Corner Shop"), confidence={"total": sure, "net_total": sure, "issue_date": 0.8,
                                                     "seller.name": 0.6}, warnings=("first",),
    ).model_copy(update=changes)  # fmt: skip


def test_a_second_reading_gives_the_amounts_only_where_its_total_is_markedly_surer():
    tesseract = receipt("12.50", 0.6)
    neural = receipt("12.80", 0.9, warnings=("second",), seller=Party(name="Corner Sh op"))
    merged = surer_reading(tesseract, neural, "RapidOCR")
    assert (merged.total, merged.net_total, merged.confidence["total"]) == (Decimal("12.80"), Decimal("12.80"), 0.9)
    assert merged.seller.name == "Corner Shop"  # read as surely by both: the first reading's
    assert merged.warnings == ("second", "read by two OCR engines; total, net_total from RapidOCR")
    assert surer_reading(tesseract, receipt("12.80", 0.65), "RapidOCR") == tesseract


def test_a_second_reading_fills_a_field_the_first_missed_and_keeps_the_first_where_equally_sure():
    tesseract = receipt("12.50", 0.9, seller=Party(name=None), issue_date=None)
    neural = receipt("12.50", 0.9, seller=Party(name="Corner Shop"), issue_date=dt.date(2024, 3, 16))
    merged = surer_reading(tesseract, neural, "RapidOCR")
    assert (merged.seller.name, merged.issue_date, merged.total) == ("Corner Shop", dt.date(2024, 3, 16), Decimal("12.50"))
    assert merged.warnings[-1] == "read by two OCR engines; issue_date, seller.name from RapidOCR"
    assert surer_reading(neural, receipt("12.50", 0.9, issue_date=dt.date(2024, 3, 17)), "RapidOCR") == neural


def test_an_iban_the_second_reading_reads_clears_the_first_readings_warning_of_it():
    """GIVEN a first reading that saw an IBAN printed but read none valid, and a second that reads
    it THEN the merged reading has the IBAN and no longer warns of an unread one."""
    tesseract = receipt("12.50", 0.9, warnings=("first", UNREAD_IBAN))
    neural = receipt("12.50", 0.9, seller=Party(name="Corner Shop", iban="DE92760700120750007700"))
    merged = surer_reading(tesseract, neural, "RapidOCR")
    assert merged.seller.iban == "DE92760700120750007700"
    assert merged.warnings == ("first", "read by two OCR engines; seller.iban from RapidOCR")


def test_a_second_reading_gives_the_amounts_where_they_add_up_and_the_firsts_do_not():
    """GIVEN two readings of the same total, the first with a net and no tax, the second with a
    net and tax that add up to it THEN the second's amounts are taken, all three."""
    tesseract = receipt("3146.35", 0.9, net_total=Decimal("2594.93"))
    neural = receipt("3146.35", 0.9, net_total=Decimal("2517.08"), tax_total=Decimal("629.27"))
    merged = surer_reading(tesseract, neural, "RapidOCR")
    assert (merged.net_total, merged.tax_total, merged.total) == (
        Decimal("2517.08"), Decimal("629.27"), Decimal("3146.35"))
    assert surer_reading(neural, tesseract, "RapidOCR").net_total == Decimal("2517.08")


def test_amounts_that_add_up_through_a_printed_rounding_are_not_given_up_for_a_second_reading():
    """GIVEN a first reading whose net and tax reach its total through a rounding the receipt prints
    (the extractor raised no warning), and a second whose net and tax add up to the same total
    without it THEN the first reading's amounts stay: both agree, as the extractor judged them."""
    tesseract = receipt("27.55", 0.9, net_total=Decimal("26.00"), tax_total=Decimal("1.56"))
    neural = receipt("27.55", 0.9, net_total=Decimal("26.00"), tax_total=Decimal("1.55"))
    assert tesseract.amounts_agree() and neural.amounts_agree()
    assert surer_reading(tesseract, neural, "RapidOCR") == tesseract
    disagreeing = (amounts_disagree(Decimal("26.00"), Decimal("1.56"), Decimal("27.55")),)
    contradicted = tesseract.model_copy(update={"warnings": disagreeing})
    assert contradicted.amounts_agree() is False
    assert surer_reading(contradicted, neural, "RapidOCR").tax_total == Decimal("1.55")


def test_a_second_reading_that_saw_the_firsts_total_and_its_own_gives_the_amounts():
    """GIVEN a first reading that lost a tinted totals row and took its total (90.00, net 90.00,
    no tax) from the amount left to pay, and a second that read the row (100.00 = 100.00 + 0.00)
    and the amount to pay too, both adding up and equally sure THEN the second's amounts are taken:
    its words show the first's total, the first's words nowhere show the second's. Without what
    each saw, or where the first saw the second's total too, the first's stay."""
    tesseract = receipt("90.00", 0.9, net_total=Decimal("90.00"), tax_total=Decimal("0.00"))
    neural = receipt("100.00", 0.9, net_total=Decimal("100.00"), tax_total=Decimal("0.00"))
    assert tesseract.amounts_agree() and neural.amounts_agree()
    lost = PageFacts([page("Montant déjà payé : 10,00", "NET A PAYER 90,00 EUR")])
    read = PageFacts([page("TOTAL HT TOTAL TVA TOTAL TTC", "100,00 0,00 100,00", "NET A PAYER 90,00 EUR")])
    merged = surer_reading(tesseract, neural, "RapidOCR", (lost, read))
    assert (merged.total, merged.net_total, merged.tax_total) == (Decimal("100.00"), Decimal("100.00"), Decimal("0.00"))
    assert surer_reading(tesseract, neural, "RapidOCR") == tesseract
    assert surer_reading(tesseract, neural, "RapidOCR", (read, read)) == tesseract


def test_a_second_reading_with_a_smaller_total_does_not_take_the_amounts_for_having_seen_more():
    """GIVEN a first reading of a credit note's -3,851.65 and a second whose amounts, cut from the
    same printed figures, add up to 65.00 = 9.00 + 56.00 THEN the first's amounts stay: an amount
    left to pay, which the first would have taken, is never more than the total."""
    tesseract = receipt("-3851.65", 0.9, net_total=Decimal("-3157.09"), tax_total=Decimal("-694.56"))
    neural = receipt("65.00", 0.9, net_total=Decimal("9.00"), tax_total=Decimal("56.00"))
    first = PageFacts([page("Total (incl. VAT) -3,851.65")])
    second = PageFacts([page("Total (incl. VAT) -3,851.65", "9.00 56.00 65.00")])
    assert surer_reading(tesseract, neural, "RapidOCR", (first, second)) == tesseract
